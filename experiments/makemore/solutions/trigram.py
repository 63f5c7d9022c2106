"""Exercise 4 (bigram rung, research-y): a trigram by counting. Condition on the last two
characters: a table of $27^2 \\times 27$ counts, most of whose 729 rows are rarely seen. Count on
makemore's train names with smoothing $\\alpha$ and compare the val NLL with the bigram's. The
lectures' exercise asks the same; beyond it: which $\\alpha$ does the trigram want, and why more
than the bigram? NumPy only.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/trigram.py
"""

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch import bigram


def trigram_triples(words, vocab):
    a, b, c = [], [], []
    for word in words:
        ids = [0, 0, *vocab.encode(word), 0]  # two boundary tokens: the first letter sees ".."
        a += ids[:-2]
        b += ids[1:-1]
        c += ids[2:]
    return np.array(a), np.array(b), np.array(c)


def main(tiny: bool = False):
    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    splits = name_rows.split(words, "makemore", 3407)
    a, b, c = trigram_triples(splits["train"], vocab)
    counts = np.zeros((27 * 27, 27))
    np.add.at(counts, (27 * a + b, c), 1)
    va, vb, vc = trigram_triples(splits["val"], vocab)
    bigram_counts = bigram.count_bigrams(*bigram.bigram_pairs(splits["train"], vocab), 27)
    val_pairs = bigram.bigram_pairs(splits["val"], vocab)
    results = {"bigram, alpha 1": bigram.mean_nll(bigram.counts_to_probs(bigram_counts, 1.0), *val_pairs)}
    for alpha in (0.01, 0.1, 1.0):
        probs = bigram.counts_to_probs(counts, alpha)
        results[f"trigram, alpha {alpha:g}"] = bigram.mean_nll(probs, 27 * va + vb, vc)
    for name, value in results.items():
        print(f"{name:18s} val NLL {value:.4f}")
    return results


if __name__ == "__main__":
    main()
