"""Exercise (embeddings, research-y): skip-gram with negative sampling implicitly factorises a
shifted pointwise mutual information (PMI) matrix (Levy & Goldberg 2014). Build the PPMI matrix
of the plays and factorise it with a truncated SVD: do its vectors find the same neighbours?

PMI(w, c) = log P(w, c) / (P(w) P(c)) over (word, context word) pairs within a window;
PPMI = max(PMI, 0); the word vectors are U_d sqrt(S_d) of the rank-d SVD. Tiny settings here
(the 1,000 most frequent words, window 2, rank 30, part of the plays); the full-size experiment
uses the whole vocabulary of the word2vec run, window 5, rank 100, and the analogy table.

  python experiments/embeddings/solutions/pmi_svd.py
"""

import numpy as np
import scipy.sparse.linalg

from jaxdl import embeddings
from jaxdl.data import sources, words

PROBES = ("father", "night", "king")


def ppmi(ids: np.ndarray, size: int, window: int) -> np.ndarray:
    """[size, size] positive PMI of word pairs at most `window` apart (ids >= size dropped)."""
    counts = np.zeros((size, size))
    for offset in range(1, window + 1):
        left, right = ids[:-offset], ids[offset:]
        keep = (left < size) & (right < size)
        np.add.at(counts, (left[keep], right[keep]), 1)
    counts += counts.T
    total = counts.sum()
    expected = np.outer(counts.sum(1), counts.sum(0)) / total
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(counts / np.maximum(expected, 1e-12)), 0)


def main(tiny: bool = False):
    size, window, rank = (1_000, 2, 30) if tiny else (8_000, 5, 100)
    text = sources.load_text("shakespeare_plays").text[:1_000_000 if tiny else None]
    corpus = words.plays_words(text)
    vocab = words.Vocabulary.build(corpus, min_count=5)
    matrix = ppmi(vocab.encode(corpus), min(size, len(vocab)), window)
    u, s, _ = scipy.sparse.linalg.svds(matrix, k=rank)  # the `rank` largest singular values
    vectors = embeddings.WordVectors(list(vocab.words[:len(matrix)]), u * np.sqrt(s))
    neighbours = {w: [n for n, _ in vectors.nearest(w, k=8)] for w in PROBES}
    for word, found in neighbours.items():
        print(f"{word}: {', '.join(found)}")
    return matrix, neighbours


if __name__ == "__main__":
    main()
