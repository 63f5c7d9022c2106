"""Exercise 3 (MLP rung): a concatenation times a matrix is a sum of blocks.

$[C_{w_1}, \\dots, C_{w_k}]\\, W_1 = \\sum_i (C W_1^{(i)})_{w_i}$, with $W_1^{(i)}$ the rows of
$W_1$ that slot $i$ multiplies. Checked in NumPy on random windows, and the multiply-adds of both
orders counted for makemore's MLP (k = 16, E = H = 64, V = 28 with <BLANK>; batch 32 rows of 16
positions): $BTkEH$ for the concatenated form, $kVEH$ for the table of products.

  python experiments/makemore/solutions/block_lookup.py
"""

import numpy as np


def both_forms(V=28, k=16, E=64, H=64, B=32, T=16, seed=0):
    rng = np.random.default_rng(seed)
    C, W1 = rng.normal(size=(V, E)), rng.normal(size=(k * E, H))
    windows = rng.integers(0, V, (B, T, k))
    concatenated = C[windows].reshape(B, T, k * E) @ W1
    table = np.einsum("ve,keh->kvh", C, W1.reshape(k, E, H))  # [k, V, H]
    summed = table[np.arange(k), windows].sum(-2)
    return float(np.abs(concatenated - summed).max()), B * T * k * E * H, k * V * E * H


def main(tiny: bool = False):
    error, concatenated, table = both_forms()
    print(f"largest difference {error:.1e}; multiply-adds: concatenated {concatenated:,}, "
          f"table {table:,} ({table / concatenated:.3f} of it)")
    return error, concatenated, table


if __name__ == "__main__":
    main()
