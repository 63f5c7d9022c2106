"""Exercise 2 (pretrained article): torch's adaptive average pooling, written as a loop.

Output cell i of n averages the input rows $\\lfloor iH/n \\rfloor$ to
$\\lceil (i+1)H/n \\rceil - 1$. When n divides H that is ordinary average pooling with window and
stride H/n; when it does not, neighbouring bins overlap (or, for H < n, an input row is repeated).
This loop over cells is checked against `convblocks.adaptive_pool_matrix` (which AlexNet uses as
two small matmuls).

  python experiments/pretrained/solutions/adaptive_pool.py
"""

import math

import numpy as np

from jaxdl.nn.convblocks import adaptive_pool_matrix


def adaptive_avg_pool_1d(x: np.ndarray, n: int) -> np.ndarray:
    H = len(x)
    return np.array([x[(i * H) // n:math.ceil((i + 1) * H / n)].mean(0) for i in range(n)])


def bins(H: int, n: int) -> list[tuple[int, int]]:
    return [((i * H) // n, math.ceil((i + 1) * H / n) - 1) for i in range(n)]


def main(tiny: bool = False):
    x = np.random.default_rng(0).normal(size=13)
    errors = {H: float(np.abs(adaptive_avg_pool_1d(x[:H], 6)
                              - np.asarray(adaptive_pool_matrix(H, 6)) @ x[:H]).max())
              for H in (2, 6, 8, 12, 13)}
    twelve = adaptive_avg_pool_1d(x[:12], 6)
    ordinary = x[:12].reshape(6, 2).mean(1)  # window 2, stride 2
    for H in (2, 8, 13):
        print(f"H = {H:2d} -> 6: bins {bins(H, 6)}")
    print(f"loop vs matrix, largest difference: {max(errors.values()):.1e}")
    return errors, float(np.abs(twelve - ordinary).max()), bins(8, 6)


if __name__ == "__main__":
    main()
