"""Exercise 1 (bigram rung): how much smoothing? Count the pairs of makemore's train names, add
$\\alpha$ to every cell, and measure the val NLL (makemore's 1,000 held-out names) for a range of
$\\alpha$. With $\\alpha = 0$ a pair unseen in training gets probability 0, and one such pair in
the held-out names makes the mean infinite; too much smoothing flattens every row toward
uniform. NumPy only.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/bigram_smoothing.py
"""

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch import bigram

ALPHAS = (0.0, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)


def val_nll_by_alpha(alphas=ALPHAS) -> dict[float, float]:
    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    splits = name_rows.split(words, "makemore", 3407)
    counts = bigram.count_bigrams(*bigram.bigram_pairs(splits["train"], vocab), vocab.size)
    val = bigram.bigram_pairs(splits["val"], vocab)
    with np.errstate(divide="ignore"):
        return {a: bigram.mean_nll(bigram.counts_to_probs(counts, a), *val) for a in alphas}


def main(tiny: bool = False):
    nll = val_nll_by_alpha()
    for a, value in nll.items():
        print(f"alpha {a:6g}: val NLL {value:.4f}")
    return nll


if __name__ == "__main__":
    main()
