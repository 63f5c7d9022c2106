"""Exercise 1 (normalization): the per-layer factor of each initialisation, predicted and measured.

A ReLU layer with n inputs and weights of variance Var(W) multiplies E[h^2] by n Var(W) / 2, so
the standard deviation by sqrt(n Var(W) / 2): 5.66 (naive N(0, 1)), 0.707 (Xavier), 1 (Kaiming)
for 64 -> 64 layers. Measure it in NumPy: 20 ReLU layers of width 64 on 512 unit-Gaussian
inputs, the factor from layer 1 to layer 10 as (std_10 / std_1)^(1/9), for each init of
`jaxdl.studies.normalization.INIT_STD`.

  python experiments/normalization/solutions/init_factor.py
"""

import math

import numpy as np

from jaxdl.studies.normalization import DEPTH, INIT_STD, WIDTH


def measured_factor(std: float, seed: int = 0, examples: int = 512) -> float:
    rng = np.random.default_rng(seed)
    h, stds = rng.standard_normal((examples, WIDTH)), []
    for _ in range(DEPTH):
        h = np.maximum(h @ (std * rng.standard_normal((WIDTH, WIDTH))), 0)
        stds.append(h.std())
    return (stds[9] / stds[0]) ** (1 / 9)


def main(tiny: bool = False):
    """{init: (measured factor per layer, theory sqrt(n Var(W) / 2))}."""
    found = {}
    for name, std_of in INIT_STD.items():
        std = std_of(WIDTH, WIDTH)
        found[name] = (measured_factor(std), math.sqrt(WIDTH * std**2 / 2))
        print(f"{name:14s} measured {found[name][0]:.3f} per layer, theory {found[name][1]:.3f}")
    return found


if __name__ == "__main__":
    main()
