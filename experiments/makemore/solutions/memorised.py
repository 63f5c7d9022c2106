"""Exercise 2 (makemore ladder): how many samples are names from the training list?

The README counts 11 of 20 samples of the long-trained transformer in `names.txt`. A model that
has learned nothing beyond pairs says how much of that a weak model already gets by chance:
sample names from the counted bigram of makemore's train names and count those that are in the
train list, in the whole list, and how many of those are short (common short names are easy to
hit). NumPy only.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/memorised.py
"""

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch import bigram


def main(tiny: bool = False):
    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    train = name_rows.split(words, "makemore", 3407)["train"]
    probs = bigram.counts_to_probs(
        bigram.count_bigrams(*bigram.bigram_pairs(train, vocab), vocab.size), 1.0)
    samples = bigram.sample(probs, vocab, np.random.default_rng(0), 300 if tiny else 5000)
    train_set, all_names = set(train), set(words)
    in_train = [s for s in samples if s in train_set]
    result = {"samples": len(samples), "in train": len(in_train),
              "in names.txt": sum(s in all_names for s in samples),
              "mean length of those in train": float(np.mean([len(s) for s in in_train])),
              "mean length of all": float(np.mean([len(s) for s in samples]))}
    print(result)
    return result


if __name__ == "__main__":
    main()
