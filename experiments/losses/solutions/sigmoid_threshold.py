"""Exercise 1 (losses): predict where the naive binary cross-entropy breaks in float32.

p = 1 / (1 + e^(-s)) rounds to exactly 1 once e^(-s) is at most half an ulp of 1, 2^-24; then
log(1 - p) = -inf. So the naive loss of a confident wrong answer (label 0, logit s) is finite only
for s < 24 ln 2 = 16.64. Find the threshold by bisection on float32 numbers and check that the
naive formula is inf just above it while `jaxdl.losses.sigmoid_binary_cross_entropy` stays at
about s. The article's sweep reported 16.71 because its grid (400 scales, log-spaced from 1 to
1e4) has no point between the threshold and 16.71.

  python experiments/losses/solutions/sigmoid_threshold.py
"""

import math

import numpy as np

from jaxdl import losses
from jaxdl.studies.losses import naive_binary_cross_entropy


def rounds_to_one(s: float) -> bool:
    one = np.float32(1)
    return bool(one / (one + np.exp(-np.float32(s))) == one)


def threshold(low: float = 1.0, high: float = 40.0) -> float:
    """The smallest float32 logit (to 1e-6) whose sigmoid is exactly 1."""
    while high - low > 1e-6:
        middle = (low + high) / 2
        low, high = (low, middle) if rounds_to_one(middle) else (middle, high)
    return high


def main(tiny: bool = False):
    """(bisected threshold, 24 ln 2, naive loss just above, stable loss just above, the first
    scale of the article's grid at or above the threshold)."""
    found = threshold()
    grid = np.logspace(0, 4, 400, dtype=np.float32)  # jaxdl.studies.losses.stability_sweep's scales
    first_on_grid = float(grid[grid >= found][0])
    above = np.float32(found + 0.01)
    naive = float(naive_binary_cross_entropy(above, 0.0))
    stable = float(losses.sigmoid_binary_cross_entropy(above, 0.0))
    print(f"sigmoid rounds to 1 from s = {found:.4f} (24 ln 2 = {24 * math.log(2):.4f}); "
          f"at s = {above:.2f}: naive loss {naive}, stable {stable:.4f}; "
          f"the article's grid first reaches it at {first_on_grid:.2f}")
    return found, 24 * math.log(2), naive, stable, first_on_grid


if __name__ == "__main__":
    main()
