"""Exercise 1 (makemore ladder): how many predictions is a batch? Each name of n letters gives
n + 1 targets (its letters and the end), so the 32,033 names give 228,146 targets, and a batch
of 32 names drawn with replacement holds $32 \\cdot \\bar n$ of them on average, with a spread:
the loss of one batch is an average over a varying number of characters. This counts the total
and draws batches as `name_rows.random_rows` does (seed 3407, makemore's train split) to get
the mean and the standard deviation of the targets per batch. NumPy only.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/predictions_per_batch.py
"""

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch.bigram import read_names


def main(tiny: bool = False):
    words = read_names()
    total = sum(len(w) + 1 for w in words)
    train = name_rows.split(words, "makemore", 3407)["train"]
    rows = name_rows.encode(train, name_rows.tokenizer_for(words), 16)
    batches = name_rows.random_rows(rows, batch_size=32, seed=3407)
    per_batch = np.array([(batches[i]["targets"] >= 0).sum() for i in range(200 if tiny else 2000)])
    print(f"{len(words):,} names, {total:,} targets; per batch of 32 names: "
          f"mean {per_batch.mean():.1f}, std {per_batch.std():.1f}, "
          f"range {per_batch.min()}-{per_batch.max()}")
    return total, per_batch


if __name__ == "__main__":
    main()
