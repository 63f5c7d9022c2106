"""Exercise 3 (makemore ladder, research-y): how much of a val-loss difference is the 1,000
held-out names themselves?

The val loss is a mean over ~7,000 characters of 1,000 names. Resampling the names with
replacement (a bootstrap) shows how much that mean would move with another 1,000 names from the
same source: the standard error of the evaluation alone. Between two models, what matters is the
standard error of the *difference* on the same names, which is smaller when the two make similar
mistakes. This uses two count models (bigram and trigram, from `trigram.py`'s triples) as the
pair, per-name losses summed over characters, and compares with the seed-to-seed spread of
0.015-0.026 in the README. For trained networks, compute per-name losses from checkpoints
(`makemore_figures.split_losses` sums them) and do the same. NumPy only.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/eval_noise.py
"""

import importlib.util
import pathlib

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch import bigram

_spec = importlib.util.spec_from_file_location("trigram", pathlib.Path(__file__).with_name("trigram.py"))
trigram = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(trigram)


def per_name_nll(words, vocab, train):
    """[names, 2]: each held-out name's summed NLL under the bigram and the trigram, and lengths."""
    bi = bigram.counts_to_probs(bigram.count_bigrams(*bigram.bigram_pairs(train, vocab), 27), 1.0)
    a, b, c = trigram.trigram_triples(train, vocab)
    counts = np.zeros((27 * 27, 27))
    np.add.at(counts, (27 * a + b, c), 1)
    tri = bigram.counts_to_probs(counts, 0.1)
    rows = []
    for word in words:
        ids = [0, 0, *vocab.encode(word), 0]
        rows.append((-np.log(bi[ids[1:-1], ids[2:]]).sum(),
                     -np.log(tri[27 * np.array(ids[:-2]) + ids[1:-1], ids[2:]]).sum(), len(ids) - 2))
    return np.array(rows)


def main(tiny: bool = False):
    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    splits = name_rows.split(words, "makemore", 3407)
    nll = per_name_nll(splits["val"], vocab, splits["train"])
    rng = np.random.default_rng(0)
    means = []
    for _ in range(200 if tiny else 2000):
        pick = rng.integers(0, len(nll), len(nll))
        sums = nll[pick].sum(0)
        means.append((sums[0] / sums[2], sums[1] / sums[2]))
    means = np.array(means)
    result = {"bigram": float(nll[:, 0].sum() / nll[:, 2].sum()),
              "trigram": float(nll[:, 1].sum() / nll[:, 2].sum()),
              "std of bigram's val loss": float(means[:, 0].std()),
              "std of the difference": float((means[:, 0] - means[:, 1]).std())}
    print({k: round(v, 4) for k, v in result.items()})
    return result


if __name__ == "__main__":
    main()
