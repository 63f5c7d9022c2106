"""The text classifiers and the text_classify task's metrics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn.text_classifier import LSTMClassifier, TransformerClassifier
from jaxdl.tasks import text_classify

IDS = jnp.array([[5, 6, 7, 0, 0, 0], [3, 4, 5, 6, 7, 8], [9, 0, 0, 0, 0, 0]])
forward = nnx.jit(lambda model, ids: model(ids))


def lstm():
    return LSTMClassifier(vocab_size=10, num_classes=2, embed=8, hidden=16, dropout=0.0,
                          rngs=nnx.Rngs(0))


def transformer():
    return TransformerClassifier(vocab_size=10, num_classes=2, max_len=6, layers=1, heads=2,
                                 width=16, dropout=0.0, rngs=nnx.Rngs(0))


@pytest.mark.parametrize("make", [pytest.param(lstm, marks=pytest.mark.slow), transformer],
                         ids=["lstm", "transformer"])
def test_padding_changes_nothing_and_every_token_counts(make):
    model = make()
    full = np.asarray(forward(model, IDS))
    trimmed = np.asarray(forward(model, IDS[:, :3]))
    np.testing.assert_allclose(trimmed[[0, 2]], full[[0, 2]], atol=1e-5)
    for t in range(6):  # the first token matters as much as the last
        assert np.abs(forward(model, IDS.at[1, t].set(2))[1] - full[1]).max() > 1e-6


def test_confusion_fractions_match_counts():
    model = lstm()
    labels = np.array([0, 1, 1])
    batch = {"ids": IDS, "labels": jnp.asarray(labels), "mask": jnp.array([1.0, 1.0, 0.0])}
    _, metrics = text_classify.loss_fn(model, batch, jax.random.key(0))
    predicted = np.asarray(forward(model, IDS).argmax(-1))
    for i in range(2):
        for j in range(2):
            expected = np.sum((labels[:2] == i) & (predicted[:2] == j)) / 2
            assert float(metrics[f"confusion_{i}{j}"]) == pytest.approx(expected)
    scores = text_classify.scores(np.array([[90, 2], [3, 5]]))
    assert scores["precision"] == pytest.approx(5 / 7) and scores["recall"] == pytest.approx(5 / 8)
    assert scores["f1"] == pytest.approx(2 * 5 / (2 * 5 + 2 + 3)) and scores["accuracy"] == 0.95
