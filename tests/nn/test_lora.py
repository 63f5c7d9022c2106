"""LoRA adapters: merged == unmerged, only adapters get gradients, adapter-only checkpoints."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn import freezing, lora
from jaxdl.nn.gpt import GPT


def tiny_llama(seed=0):
    return GPT(vocab_size=50, block_size=16, layers=2, heads=4, kv_heads=2, width=16, dropout=0.0,
               positions="rotary", norm="rms", mlp="swiglu", mlp_hidden=24, use_bias=False,
               rngs=nnx.Rngs(seed))


def logits(model, idx):
    return nnx.jit(lambda m, i: m(i))(model, idx)  # one compile, not one per op


def adapted(seed=0):
    model = tiny_llama(seed)
    wrapped = lora.add(model, rank=4, alpha=8.0, rngs=nnx.Rngs(1))
    for name, p in freezing.trainable(model, "lora_b").items():  # B = 0 at start: make it count
        p[...] = jax.random.normal(jax.random.key(hash(name) % 1000), p.shape) * 0.1
    return model, wrapped


def test_adapters_wrap_every_block_matmul_and_merge_gives_the_same_logits():
    model, wrapped = adapted()
    assert wrapped == 2 * 4  # qkv, out, up, down per block
    idx = jax.random.randint(jax.random.key(0), (2, 10), 0, 50)
    unmerged = logits(model, idx)
    base = logits(tiny_llama(), idx)
    assert float(jnp.abs(unmerged - base).max()) > 1e-3  # the adapters change the output
    merged = logits(lora.merge(model), idx)
    assert not any(isinstance(m, lora.LoRADense) for _, m in nnx.iter_modules(model))
    np.testing.assert_allclose(merged, unmerged, atol=1e-5)


def test_fresh_adapters_leave_the_model_unchanged():
    model = tiny_llama()
    lora.add(model, rank=2, alpha=2.0, rngs=nnx.Rngs(3))
    idx = jnp.arange(8)[None] % 50
    np.testing.assert_allclose(logits(model, idx), logits(tiny_llama(), idx), atol=1e-6)


def test_only_adapters_get_gradients():
    model, _ = adapted()
    graphdef, params = nnx.split(model, nnx.Param)

    def loss(params):
        m = nnx.merge(graphdef, params)
        freezing.stop_frozen_gradients(m, "lora_")
        return m(jnp.arange(6)[None] % 50).mean()

    grads = jax.jit(jax.grad(loss))(params)
    flat = {"/".join(str(k.key) for k in path): float(np.abs(g).max())
            for path, g in jax.tree_util.tree_flatten_with_path(nnx.to_pure_dict(grads))[0]}
    assert len(flat) > 8
    assert all((g > 0) == ("lora_" in name) for name, g in flat.items()), flat


def test_adapter_checkpoint_round_trip_and_wrong_model(tmp_path):
    pytest.importorskip("safetensors")  # the [lm] extra
    model, _ = adapted()
    folder = freezing.save_trainable(model, "lora_", tmp_path / "a", dict(base="tiny", rank=4))
    total = freezing.count(freezing.named_params(model))
    assert freezing.count(freezing.trainable(model, "lora_")) < total / 3
    other = tiny_llama()
    lora.add(other, rank=4, alpha=8.0, rngs=nnx.Rngs(9))
    freezing.load_trainable(other, folder, dict(base="tiny", rank=4))
    idx = jnp.arange(8)[None] % 50
    np.testing.assert_allclose(logits(other, idx), logits(model, idx), atol=1e-6)
    with pytest.raises(UserError, match="made for base='tiny'"):
        freezing.load_trainable(other, folder, dict(base="smollm2-135m", rank=4))
    wrong_rank = tiny_llama()
    lora.add(wrong_rank, rank=2, alpha=8.0, rngs=nnx.Rngs(9))
    with pytest.raises(UserError, match="lora_a is"):
        freezing.load_trainable(wrong_rank, folder, dict(base="tiny"))
