"""Exercise 2 (bigram rung): check the hand-written gradient $\\partial L / \\partial W =
x^\\top (p - \\mathrm{onehot}(y)) / n$ (plus the L2 term) of `net_loss_and_grad` against central
finite differences, $(L(W + \\epsilon E_{ij}) - L(W - \\epsilon E_{ij})) / 2\\epsilon$, in float64,
on a few hundred random pairs. NumPy only, no data file.

  python experiments/makemore/solutions/bigram_gradient.py
"""

import numpy as np

from jaxdl.scratch import bigram


def largest_relative_error(n: int = 300, entries: int = 40, eps: float = 1e-6, seed: int = 0):
    rng = np.random.default_rng(seed)
    prev, nxt = rng.integers(0, 27, n), rng.integers(0, 27, n)
    x = bigram.one_hot(prev, 27)
    W = bigram.net_init(27, rng)
    _, grad = bigram.net_loss_and_grad(W, x, nxt, l2=0.01)
    worst = 0.0
    for i, j in zip(rng.integers(0, 27, entries), rng.integers(0, 27, entries)):
        plus, minus = W.copy(), W.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        numeric = (bigram.net_loss_and_grad(plus, x, nxt, 0.01)[0]
                   - bigram.net_loss_and_grad(minus, x, nxt, 0.01)[0]) / (2 * eps)
        worst = max(worst, abs(numeric - grad[i, j]) / max(abs(grad[i, j]), 1e-8))
    return worst


def main(tiny: bool = False):
    error = largest_relative_error()
    print(f"largest relative difference, hand-written vs finite differences: {error:.1e}")
    return error


if __name__ == "__main__":
    main()
