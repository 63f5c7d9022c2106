"""The word2vec topic through the shared loop: it learns, and its vectors load back for evaluation."""

import jax
import numpy as np
import pytest

from jaxdl import checkpoint, train
from jaxdl.logging import read_metrics
from jaxdl.tasks import word2vec
from testlib import load_config, shakespeare_corpus


@pytest.mark.parametrize("presets", ["smoke", pytest.param("cbow,smoke", marks=pytest.mark.slow)])
def test_word2vec_learns_and_loads_back(tmp_path, presets):
    cfg = load_config("experiments/embeddings/word2vec.py", presets)
    cfg.train.update(steps=20, eval_every=10, steps_per_call=10)
    cfg.opt.update(lr=0.05, warmup_steps=0)
    cfg.data.corpus = shakespeare_corpus()  # tiny shakespeare where CI has it: 4x less to read
    train.fit(cfg, tmp_path, word2vec, devices=jax.devices()[:1])
    val = [m["val/loss"] for m in read_metrics(tmp_path) if "val/loss" in m]
    # A fresh model's loss is 6 ln 2 = 4.1589 (its output vectors are zero); the held-out loss
    # must fall below that and keep falling.
    assert len(val) == 2 and val[1] < val[0] < 6 * np.log(2)
    loaded, _, spec = checkpoint.load_model(tmp_path, word2vec, log=lambda _: None)
    vecs = word2vec.vectors(loaded, spec)
    assert vecs.vectors.shape == (spec.vocab_size, 16) and vecs.words[:2] == ["the", "and"]
    assert np.isfinite(vecs.vectors).all()
