"""Exercise 4 (backprop, research-y): how small should h be in a finite-difference check?

A forward difference (L(p + h) - L(p)) / h is off by O(h) (truncation); a central difference
(L(p + h) - L(p - h)) / 2h by O(h^2). Both also divide a rounding error of about 1e-16 |L| by h.
Measure the relative error against backprop for h from 1e-1 down to 1e-12 on the digits MLP
(64-16-10, ReLU, float64, 20 images, 40 random weights), and find the best h of each.
Theory: the total error ~ h^k + 1e-16 / h is smallest near h ~ 1e-16^(1/2) = 1e-8 (forward,
k = 1) and 1e-16^(1/3) ~ 5e-6 (central, k = 2) for a loss whose derivatives are of order 1; the
loss's real curvature shifts both. (Full size: every one of the 1,210 weights, 2 x 1,210 forward passes per h,
which is also why nobody trains with finite differences.)

  python experiments/backprop/solutions/step_size.py
"""

import numpy as np

from jaxdl.data import digits
from jaxdl.scratch import layers

STEPS = 10.0 ** -np.arange(1, 13)


def errors(entries: int = 40, seed: int = 0):
    """{"forward"|"central": [median relative error at each h in STEPS]}."""
    X, y = digits.split({"train": 1.0}, seed=seed)["train"]
    X, y = X[:20], y[:20]
    rng = np.random.default_rng(seed)
    model = layers.MLP([64, 16, 10], rng=rng)
    model.loss_and_grads(X, y)
    weights = [(value, grad.copy()) for _, _, value, grad in model.parameters() if value.ndim == 2]
    picks = [(weights[rng.integers(len(weights))], rng.integers(0, 10**9)) for _ in range(entries)]

    def loss():
        return model.loss.forward(model.forward(X), y)

    found = {"forward": [], "central": []}
    for h in STEPS:
        per_kind = {"forward": [], "central": []}
        for (value, grad), r in picks:
            index = np.unravel_index(r % value.size, value.shape)
            original = value[index]
            base = loss()
            value[index] = original + h
            up = loss()
            value[index] = original - h
            down = loss()
            value[index] = original
            exact = grad[index]
            scale = max(abs(exact), 1e-8)
            per_kind["forward"].append(abs((up - base) / h - exact) / scale)
            per_kind["central"].append(abs((up - down) / (2 * h) - exact) / scale)
        for kind in found:
            found[kind].append(float(np.median(per_kind[kind])))
    return found


def main(tiny: bool = False):
    found = errors(entries=20 if tiny else 200)
    print("h        " + "  ".join(f"{h:7.0e}" for h in STEPS))
    for kind, errs in found.items():
        print(f"{kind:8s} " + "  ".join(f"{e:7.1e}" for e in errs))
        print(f"  best h for {kind}: {STEPS[int(np.argmin(errs))]:.0e}")
    return found


if __name__ == "__main__":
    main()
