"""Exercise 3 (RNN chapter): the ReLU RNN with W_hh = identity (IRNN) and 1.5 x identity.

With W_hh = I and ReLU, the step's Jacobian diag(relu'(a)) I has singular values 0 or 1: a unit
that stays active passes its gradient back unchanged, so nothing vanishes through W_hh, and
nothing grows. At 1.5 I every active unit multiplies it by 1.5 per step: it explodes.

  python experiments/rnn/solutions/irnn.py
"""

import numpy as np

from jaxdl.scratch import rnn


def gradient_by_distance(scale: float | None, length=40, hidden=32, seed=0):
    """Mean ||d loss_T / d h_t|| by distance T - t, for W_hh = scale * I (None: the default init)."""
    rng = np.random.default_rng(seed)
    params = rnn.init(rng, vocab_size=27, hidden=hidden)
    if scale is not None:
        params["W_hh"] = scale * np.eye(hidden)
    inputs = rng.integers(0, 27, (8, length))
    targets = np.full((8, length), -1)
    targets[:, -1] = rng.integers(0, 27, 8)
    _, cache = rnn.forward(params, inputs, targets, activation="relu")
    return np.linalg.norm(rnn.backward(params, cache)["h"], axis=-1).mean(0)[::-1]


def main(tiny: bool = False):
    curves = {name: gradient_by_distance(scale, length=20 if tiny else 40)
              for name, scale in (("default init", None), ("identity", 1.0), ("1.5 identity", 1.5))}
    for name, curve in curves.items():
        print(f"{name:13s}", " ".join(f"{curve[d]:.1e}" for d in (0, 5, 10, 19)))
    return curves


if __name__ == "__main__":
    main()
