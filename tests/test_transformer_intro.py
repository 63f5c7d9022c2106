"""The transformer chapter's staged attention and position schemes (experiments/transformer_intro)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn.transformer import SelfAttention
from testlib import REPO, load_module

attention = load_module("experiments/transformer_intro/attention.py")
X = jax.random.normal(jax.random.PRNGKey(0), (2, 7, 8))


def test_stage_four_is_the_projects_self_attention():
    layer = SelfAttention(8, 2, dropout=0.0, use_bias=False, rngs=nnx.Rngs(0))
    W_q, W_k, W_v = jnp.split(layer.qkv.kernel[...], 3, axis=-1)
    ours, weights = attention.multi_head_self_attention(X, W_q, W_k, W_v, layer.out.kernel[...], 2)
    np.testing.assert_allclose(ours, layer(X)[0], atol=1e-5)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-6)
    assert np.all(np.triu(np.asarray(weights), k=1) == 0)  # nothing from the future


def test_stage_one_is_a_weighted_average_without_parameters():
    y = attention.plain_self_attention(X)
    scores = np.einsum("btc,bsc->bts", X, X) / np.sqrt(8)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    np.testing.assert_allclose(y, weights @ np.asarray(X), atol=1e-5)


def test_sinusoidal_table_follows_its_formula():
    table = np.asarray(attention.sinusoidal(5, 6))
    t, i = 3, 1  # column 2i is sin, 2i + 1 is cos, of t / 10000^(2i/C)
    np.testing.assert_allclose(table[t, 2 * i], np.sin(t / 10000 ** (2 * i / 6)), rtol=1e-5)
    np.testing.assert_allclose(table[t, 2 * i + 1], np.cos(t / 10000 ** (2 * i / 6)), rtol=1e-5)


def test_rotary_scores_depend_only_on_the_distance():
    q, k = jax.random.normal(jax.random.PRNGKey(1), (2, 4))
    # the same query and key at every position: after rotation, q_t . k_s depends on t - s only
    rq = attention.rotary(jnp.broadcast_to(q, (1, 1, 6, 4)))[0, 0]
    rk = attention.rotary(jnp.broadcast_to(k, (1, 1, 6, 4)))[0, 0]
    scores = np.asarray(rq @ rk.T)
    np.testing.assert_allclose(scores[3, 1], scores[5, 3], rtol=1e-5)
    np.testing.assert_allclose(scores[2, 2], q @ k, rtol=1e-5)  # distance 0: no rotation left
    assert abs(scores[3, 1] - scores[3, 2]) > 1e-4


@pytest.mark.parametrize("positions", [  # CI runs rotary, the scheme inside attention
    p if p == "rotary" else pytest.param(p, marks=pytest.mark.slow) for p in attention.POSITIONS])
def test_model_is_causal_for_every_position_scheme(positions):
    model = attention.PositionalTransformer(vocab_size=11, block_size=9, layers=1, heads=2,
                                            width=8, positions=positions, rngs=nnx.Rngs(0))
    idx = jnp.arange(9)[None] % 11
    edited = idx.at[0, 5].set(10)
    changed = np.abs(model(edited) - model(idx)).max(axis=(0, 2)) > 0
    np.testing.assert_array_equal(np.flatnonzero(changed), np.arange(5, 9))
