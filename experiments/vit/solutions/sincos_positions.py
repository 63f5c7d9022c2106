"""Exercise 3 (ViT article): fixed 2-D sin-cos positions, and their similarity by distance.

The article's learned position table, after 1,000 steps on 1,149 digits, showed no smooth map of
the grid. A fixed table does by construction: give half the channels to the row and half to the
column, and in each half the sinusoids of the transformer (frequencies $10000^{-2i/d}$):

$$ P_{(y,x)} = [\\sin(y\\omega_i), \\cos(y\\omega_i), \\sin(x\\omega_i), \\cos(x\\omega_i)]_i . $$

The dot product of two such vectors depends on $y - y'$ and $x - x'$ only, so the similarity is
the same for every pair at the same offset. This returns the mean cosine similarity by grid
(Manhattan) distance on the digits ViT's 4 x 4 grid at width 64, to set beside the learned
table's -0.15, -0.01, +0.07 at distances 1, 2, 3.

NumPy only.

  python experiments/vit/solutions/sincos_positions.py
"""

import numpy as np


def sincos_2d(side: int, width: int) -> np.ndarray:
    """[side * side, width], row-major like the patches."""
    quarter = width // 4
    omega = 1.0 / 10000 ** (np.arange(quarter) / quarter)
    y, x = np.divmod(np.arange(side * side), side)
    parts = [f(axis[:, None] * omega) for axis in (y, x) for f in (np.sin, np.cos)]
    return np.concatenate(parts, axis=1)


def similarity_by_distance(table: np.ndarray, side: int) -> dict[int, float]:
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    cos = unit @ unit.T
    y, x = np.divmod(np.arange(side * side), side)
    distance = np.abs(y[:, None] - y) + np.abs(x[:, None] - x)
    return {d: float(cos[distance == d].mean()) for d in range(1, 2 * side - 1)}


def main(tiny: bool = False):
    table = sincos_2d(4, 64)
    by_distance = similarity_by_distance(table, 4)
    print("grid distance | mean cosine similarity")
    for d, s in by_distance.items():
        print(f"{d:13d} | {s:+.3f}")
    return table, by_distance


if __name__ == "__main__":
    main()
