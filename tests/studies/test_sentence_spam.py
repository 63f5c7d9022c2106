"""The MiniLM spam row's pieces: logistic regression with C chosen on val, and its scores; the
sentence features of a tiny random BERT (batches sorted by length give each message its own
embedding, whatever the batch)."""

import numpy as np
import pytest

from jaxdl.studies import sentence_spam

pytest.importorskip("sklearn")


def test_fit_and_score_picks_c_on_val_and_counts_the_test_confusion():
    rng = np.random.default_rng(0)
    labels = {name: (rng.random(n) < 0.2).astype(int) for name, n in
              (("train", 400), ("val", 100), ("test", 200))}
    features = {name: rng.normal(size=(len(y), 8)) + 1.5 * y[:, None] * np.eye(8)[0]
                for name, y in labels.items()}  # spam shifted along the first axis
    result = sentence_spam.fit_and_score(features, labels)
    assert result["C"] in sentence_spam.C_GRID
    assert result["val_accuracy"][result["C"]] == max(result["val_accuracy"].values())
    confusion = np.array(result["confusion"])
    assert confusion.sum() == 200 and confusion[1].sum() == labels["test"].sum()
    assert result["accuracy"] == pytest.approx(np.trace(confusion) / 200)
    assert result["accuracy"] > 0.8  # the shift is learnable


@pytest.mark.slow  # two BERT compilations
def test_sentence_features_do_not_depend_on_the_batching():
    from flax import nnx

    from jaxdl.nn.bert import BertEncoder

    class Tokenizer:  # characters as token ids, [CLS] = 1 and [SEP] = 2 around them
        def encode(self, text, add_special=True):
            return [1, *(3 + ord(c) % 50 for c in text), 2]

    model = BertEncoder(vocab_size=53, max_positions=64, layers=1, heads=2, width=16,
                        mlp_hidden=32, rngs=nnx.Rngs(0))
    texts = ["free prize now", "ok", "see you at eight tonight", "call me", "hi"]
    together = sentence_spam.sentence_features(texts, model, Tokenizer(), batch_size=5)
    alone = np.concatenate([sentence_spam.sentence_features([t], model, Tokenizer())
                            for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
