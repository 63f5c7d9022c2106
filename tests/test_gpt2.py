"""GPT-2 config: the published parameter count, and a train step at reduced width on CPU."""

import jax
import ml_collections
import numpy as np
import pytest

from jaxdl import state as state_lib
from jaxdl import train
from jaxdl.logging import read_metrics
from jaxdl.tasks import nanogpt
from testlib import load_config

pytest.importorskip("tiktoken")


def count(cfg):
    spec = ml_collections.ConfigDict(dict(vocab_size=nanogpt.GPT2_VOCAB))
    _, params, _ = state_lib.abstract_model(lambda rngs: nanogpt.build_model(cfg, spec, rngs), 0)
    return sum(int(np.prod(x.shape)) for x in jax.tree.leaves(params))


def gpt2_formula(layers, width, vocab=nanogpt.GPT2_VOCAB, block=1024):
    """Embeddings (tied head), per block 12 C^2 weights + 13 C biases and norm scales, final norm."""
    return (vocab + block) * width + layers * (12 * width**2 + 13 * width) + 2 * width


def test_gpt2_124m_has_its_published_parameter_count():
    cfg = load_config("experiments/nanogpt/gpt2.py")
    assert count(cfg) == gpt2_formula(12, 768) == 124_439_808  # shapes only: nothing allocated
    assert count(load_config("experiments/nanogpt/gpt2.py", "medium")) == gpt2_formula(24, 1024)


@pytest.mark.slow  # tokenizes the plays with GPT-2 BPE, then trains
def test_gpt2_shape_trains_at_reduced_width_on_gpt2_tokens(tmp_path):
    cfg = load_config("experiments/nanogpt/gpt2.py", "smoke")
    assert count(cfg) == gpt2_formula(2, 64, block=32)
    final = train.fit(cfg, tmp_path, nanogpt, devices=jax.devices()[:1])
    first = read_metrics(tmp_path)[0]["train/loss"]
    assert abs(first - np.log(nanogpt.GPT2_VOCAB)) < 0.1  # uniform over 50,257 tokens at init
    assert final["train/loss"] < first


@pytest.mark.slow
def test_gpt2_124m_takes_a_step_on_cpu(tmp_path):
    cfg = load_config("experiments/nanogpt/gpt2.py", "cpu")
    cfg.train.update(steps=2, eval_every=2)
    final = train.fit(cfg, tmp_path, nanogpt, devices=jax.devices()[:1])
    assert np.isfinite(final["train/loss"])
