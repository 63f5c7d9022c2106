"""Exercise 2 (CNN rung): multiply-adds of the three fusing levels per row, in each form; and
exercise 1 of the WaveNet rung: its 76,579 parameters from the sizes.

Level l (l = 1, 2, 3) multiplies pairs of width 2C_l (C_1 = E, then H) by a [2C_l, H] matrix.
Reshape: every position has its own tree, 2^(L-l) pairs at level l. Conv: one pair per position
of the left-padded sequence, which is T + 2^L - 1 long and shrinks by the dilation 2^(l-1) at
each level.

  python experiments/makemore/solutions/count_work.py
"""


def multiply_adds(T: int = 16, levels: int = 3, E: int = 24, H: int = 128) -> dict[str, int]:
    widths = [E] + [H] * levels
    reshape = sum(T * 2 ** (levels - l) * 2 * widths[l - 1] * H for l in range(1, levels + 1))
    length, conv = T + 2 ** levels - 1, 0
    for l in range(1, levels + 1):
        length -= 2 ** (l - 1)
        conv += length * 2 * widths[l - 1] * H
    return {"reshape": reshape, "conv": conv}


def parameters(V: int = 27, E: int = 24, H: int = 128) -> int:
    """Embeddings V E, levels 2E H + 2 (2H H) (no biases: BatchNorm follows), three BatchNorms
    of 2H, output H V + V."""
    return V * E + 2 * E * H + 2 * 2 * H * H + 3 * 2 * H + H * V + V


def main(tiny: bool = False):
    counts = multiply_adds()
    counts["parameters"] = parameters()
    print(f"WaveNet parameters: {counts['parameters']:,}")
    print(f"reshape {counts['reshape']:,}, conv {counts['conv']:,}: "
          f"ratio {counts['conv'] / counts['reshape']:.3f}")
    return counts


if __name__ == "__main__":
    main()
