"""Exercise 2 (optimizers): momentum with lr outside or inside the velocity.

PyTorch and optax write v <- mu v + g, p <- p - lr v; Sutskever et al. write v <- mu v - lr g,
p <- p + v. With a constant lr the second velocity is -lr times the first, so both visit the same
points. Once lr follows a schedule they differ: the inside form keeps the old, larger steps in
its velocity after the rate drops. Write the second form as an `Optimizer` and compare both
paths on the turned bowl, with a constant rate and with a step decay (x 0.1 after 20 updates).

  python experiments/optimizers/solutions/momentum_forms.py
"""

import numpy as np

from jaxdl.scratch import optimizers as opt
from jaxdl.studies.optimizers import SURFACES, descend


class SutskeverMomentum(opt.Optimizer):
    def __init__(self, lr, mu: float = 0.9):
        super().__init__(lr)
        self.mu = mu

    def init_slots(self, p):
        return {"v": np.zeros_like(p)}

    def step(self, p, g, slots, lr, t):
        v = self.mu * slots["v"] - lr * g
        return p + v, {"v": v}


def main(tiny: bool = False):
    """{"constant"|"step decay": largest distance between the two paths over 60 updates}."""
    function, start, _, _ = SURFACES["bowl, turned 45 degrees"]
    found = {}
    for name, lr in (("constant", 0.01), ("step decay", opt.step_decay(0.01, 20, 0.1))):
        outside, _ = descend(function, start, opt.Momentum(lr), 60)
        inside, _ = descend(function, start, SutskeverMomentum(lr), 60)
        found[name] = float(np.abs(outside - inside).max())
        print(f"{name:10s}: largest distance between the two paths {found[name]:.2e}")
    return found


if __name__ == "__main__":
    main()
