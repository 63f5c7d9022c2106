"""Exercise 2 (MLP rung): check the BatchNorm backward formula
$\\partial L/\\partial x = \\frac{s}{n}\\,(n g - \\textstyle\\sum g - \\hat x \\sum g \\hat x)$
($s$ the inverse standard deviation, $g = \\partial L / \\partial \\hat x$) of
`jaxdl.scratch.mlp.batchnorm_backward` against central finite differences of the forward pass,
float64, with a random loss $L = \\sum_{ij} R_{ij} y_{ij}$. NumPy only.

  python experiments/makemore/solutions/batchnorm_backward.py
"""

import numpy as np

from jaxdl.scratch import mlp


def largest_error(n: int = 16, units: int = 5, eps: float = 1e-6, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    x, R = rng.normal(size=(n, units)), rng.normal(size=(n, units))
    gamma, beta = rng.normal(size=units), rng.normal(size=units)

    def loss(x):
        return float((mlp.batchnorm_forward(x, gamma, beta)[0] * R).sum())

    _, cache, _, _ = mlp.batchnorm_forward(x, gamma, beta)
    dx = mlp.batchnorm_backward(R, cache)[0]
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        numeric[idx] = (loss(plus) - loss(minus)) / (2 * eps)
    return float(np.abs(numeric - dx).max() / np.abs(dx).max())


def main(tiny: bool = False):
    error = largest_error()
    print(f"BatchNorm backward vs finite differences: largest relative difference {error:.1e}")
    return error


if __name__ == "__main__":
    main()
