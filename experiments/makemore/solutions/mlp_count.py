"""Exercise 1 (MLP rung): the parameter counts from the formula. With vocabulary V, window k,
embedding E, hidden H: the embedding table $V E$ (V + 1 rows with makemore's <BLANK> token), the
hidden layer $kEH$ (+ H biases, or BatchNorm's 2H scale and shift instead), the output layer
$27H + 27$. Arithmetic only; the test compares with the counts of the built models quoted in the
article (69,147; 69,083 without <BLANK>; 12,097).

  python experiments/makemore/solutions/mlp_count.py
"""


def mlp_params(*, k: int, E: int, H: int, batch_norm: bool, blank: bool, V: int = 27) -> int:
    embedding = (V + blank) * E
    hidden = k * E * H + (2 * H if batch_norm else H)
    return embedding + hidden + H * V + V


def main(tiny: bool = False):
    counts = {"mlp": mlp_params(k=16, E=64, H=64, batch_norm=False, blank=True),
              "mlp without <BLANK>": mlp_params(k=16, E=64, H=64, batch_norm=False, blank=False),
              "mlp3": mlp_params(k=3, E=10, H=200, batch_norm=True, blank=False)}
    for name, n in counts.items():
        print(f"{name:20s} {n:,}")
    return counts


if __name__ == "__main__":
    main()
