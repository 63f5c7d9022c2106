"""Mixed precision, rematerialization and fused attention each compute what the plain model does."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from jaxdl import losses
from jaxdl import state as state_lib
from jaxdl import step as step_lib
from jaxdl.nn.gpt import GPT


def gpt(**options):
    return GPT(vocab_size=50, block_size=16, layers=2, heads=4, width=32, dropout=0.0,
               rngs=nnx.Rngs(0), **options)


def batch():
    tokens = np.random.default_rng(0).integers(0, 50, (4, 17))
    return {"inputs": tokens[:, :-1], "targets": tokens[:, 1:]}


def loss_fn(model, batch, rng):
    return losses.cross_entropy(model(batch["inputs"]), batch["targets"]), {}


def grads_of(model):
    params = nnx.state(model, nnx.Param)
    graphdef = nnx.graphdef(model)
    return jax.jit(jax.grad(lambda p: loss_fn(nnx.merge(graphdef, p), batch(), None)[0]))(params)


def test_remat_gives_the_same_gradients():
    plain = grads_of(gpt())
    for policy in ("block", "dots"):
        for a, b in zip(jax.tree.leaves(grads_of(gpt(remat=policy))), jax.tree.leaves(plain)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_fused_attention_gives_the_same_logits():
    tokens = batch()["inputs"]
    np.testing.assert_allclose(gpt(fused_attention=True)(tokens), gpt()(tokens), atol=1e-5)


@pytest.mark.slow  # CI time: the bf16 path runs for seconds of compile
def test_bfloat16_compute_keeps_float32_weights_and_a_close_loss():
    tx = optax.adamw(1e-3)
    graphdef, state = state_lib.create(gpt(), tx, seed=0)
    full = jax.jit(step_lib.pure_train_step(graphdef, loss_fn, tx))
    half = jax.jit(step_lib.pure_train_step(graphdef, loss_fn, tx, dtype=jnp.bfloat16))
    (_, full_metrics), (half_state, half_metrics) = full(state, batch()), half(state, batch())
    assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(half_state.params))
    assert abs(float(half_metrics["loss"]) - float(full_metrics["loss"])) < 0.02
    assert float(half_metrics["loss"]) != float(full_metrics["loss"])  # it did compute in bf16
    model = nnx.merge(graphdef, step_lib.cast_params(state.params, jnp.bfloat16), state.model_state)
    assert model(batch()["inputs"]).dtype == jnp.bfloat16
