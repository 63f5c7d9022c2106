"""The shared block's Llama/BERT options: rotary positions, grouped-query attention, padding masks,
and batched (left-padded) generation giving each prompt the tokens it gets alone."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn.bert import BertEncoder, mean_pool
from jaxdl.nn.gpt import GPT, last_real
from jaxdl.nn.transformer import SelfAttention, rotary
from jaxdl.sample import _truncate, generate

V = 23
LLAMA = dict(positions="rotary", rope_base=100.0, kv_heads=2, norm="rms", mlp="swiglu",
             mlp_hidden=24, tied_head=False)
GPT2 = dict(use_bias=True, mlp="gelu_tanh")


def tiny(**options):
    return GPT(vocab_size=V, block_size=32, layers=2, heads=4, width=16, dropout=0.0,
               rngs=nnx.Rngs(0), **options)


def test_rotary_matches_float64_formula_and_depends_on_offsets_only():
    x = np.random.default_rng(0).normal(size=(1, 5, 2, 8))
    positions = np.array([[0, 1, 2, 7, 30]])
    got = np.asarray(rotary(jnp.asarray(x, jnp.float32), jnp.asarray(positions), 100.0))
    freq = 100.0 ** (-np.arange(4) * 2 / 8)
    angle = positions[0][:, None, None] * freq  # [T, 1, D/2]
    x1, x2 = x[..., :4], x[..., 4:]
    want = np.concatenate([x1 * np.cos(angle) - x2 * np.sin(angle),
                           x2 * np.cos(angle) + x1 * np.sin(angle)], -1)
    np.testing.assert_allclose(got, want, atol=1e-5)
    # q(m) . k(n) depends on m - n only: shift both positions by 11.
    q, k = jnp.asarray(x[:, :1, :1], jnp.float32), jnp.asarray(x[:, 1:2, :1], jnp.float32)
    def dot(m, n):
        return float(jnp.sum(rotary(q, jnp.array([[m]]), 100.0) * rotary(k, jnp.array([[n]]), 100.0)))
    assert dot(3, 1) == pytest.approx(dot(14, 12), abs=1e-5)
    assert dot(3, 1) != pytest.approx(dot(3, 2), abs=1e-3)


def test_grouped_query_attention_equals_multi_head_with_repeated_kv_heads():
    gqa = SelfAttention(16, 4, kv_heads=2, dropout=0.0, rope_base=10.0, rngs=nnx.Rngs(1))
    mha = SelfAttention(16, 4, dropout=0.0, rope_base=10.0, rngs=nnx.Rngs(2))
    w = np.asarray(gqa.qkv.kernel[...])  # columns: q (4 heads x 4) | k (2 x 4) | v (2 x 4)
    q, k, v = w[:, :16], w[:, 16:24], w[:, 24:]
    repeat = lambda t: np.repeat(t.reshape(16, 2, 4), 2, axis=1).reshape(16, 16)  # noqa: E731
    mha.qkv.kernel[...] = jnp.asarray(np.concatenate([q, repeat(k), repeat(v)], 1))
    mha.out.kernel[...] = gqa.out.kernel[...]
    x = jnp.asarray(np.random.default_rng(3).normal(size=(2, 6, 16)), jnp.float32)
    np.testing.assert_allclose(gqa(x)[0], mha(x)[0], atol=1e-5)


def test_cached_decoding_matches_full_forward():
    model = tiny(**LLAMA)
    idx = jnp.asarray(np.random.default_rng(2).integers(0, V, (2, 7)))
    logits, cache = model.decode(idx[:, :5], model.init_cache(2, 7), 0)
    steps = [logits]
    for t in range(5, 7):
        logits, cache = model.decode(idx[:, t:t + 1], cache, t)
        steps.append(logits)
    np.testing.assert_allclose(jnp.concatenate(steps, 1), model(idx), atol=1e-5)


@pytest.mark.parametrize("options, temperature, top_p", [(GPT2, 0.0, None), (LLAMA, 1.0, 0.9)],
                         ids=["gpt2-greedy", "llama-top-p"])
def test_batched_generation_gives_each_prompt_its_tokens_alone(options, temperature, top_p):
    model = tiny(**options)
    rng = np.random.default_rng(4)
    prompts = [rng.integers(0, V, n) for n in (3, 7)]
    keys = jax.random.split(jax.random.PRNGKey(9), 2)
    T = 7
    batch = np.zeros((2, T), np.int32)
    for b, p in enumerate(prompts):
        batch[b, T - len(p):] = p
    start = np.array([T - len(p) for p in prompts])
    together = generate(model, batch, 10, key=keys, temperature=temperature, top_p=top_p,
                        start_B=start)[:, T:]
    for b, p in enumerate(prompts):
        alone = generate(model, p[None], 10, key=keys[b:b + 1], temperature=temperature,
                         top_p=top_p, start_B=np.zeros(1, np.int32))[:, len(p):]
        np.testing.assert_array_equal(together[b], alone[0])


def test_stop_tokens_end_rows_and_the_rest_is_minus_one():
    model = tiny(**LLAMA)
    prompt = np.ones((2, 3), np.int32)
    free = generate(model, prompt, 12, key=jax.random.PRNGKey(0), temperature=0.0)
    stop_token = int(free[0, 5])  # the third new token of row 0
    stopped = generate(model, prompt, 12, key=jax.random.PRNGKey(0), temperature=0.0,
                       stop=(stop_token,))
    first = list(free[0, 3:]).index(stop_token) + 3
    np.testing.assert_array_equal(stopped[0, :first + 1], free[0, :first + 1])
    assert (stopped[0, first + 1:] == -1).all()


def test_top_p_keeps_the_smallest_set_reaching_the_mass():
    logits = jnp.log(jnp.array([[0.5, 0.3, 0.15, 0.05]]))
    kept = np.isfinite(np.asarray(_truncate(logits, None, 0.7)))
    np.testing.assert_array_equal(kept, [[True, True, False, False]])
    kept = np.isfinite(np.asarray(_truncate(logits, None, 0.1)))
    np.testing.assert_array_equal(kept, [[True, False, False, False]])


def test_bert_states_ignore_padding_and_mean_pool_averages_real_tokens():
    model = BertEncoder(vocab_size=V, max_positions=16, layers=2, heads=4, width=16,
                        mlp_hidden=24, rngs=nnx.Rngs(0))
    ids = np.random.default_rng(5).integers(1, V, (1, 6))
    padded = np.concatenate([ids, np.zeros((1, 4), int)], 1)
    valid = np.arange(10)[None] < 6
    alone = model(jnp.asarray(ids))
    with_padding = model(jnp.asarray(padded), valid_BT=jnp.asarray(valid))
    np.testing.assert_allclose(with_padding[:, :6], alone, atol=1e-5)
    np.testing.assert_allclose(mean_pool(with_padding, jnp.asarray(valid)), alone.mean(1),
                               atol=1e-5)


def test_last_real_picks_each_rows_last_valid_position():
    x = jnp.arange(2 * 4 * 3, dtype=jnp.float32).reshape(2, 4, 3)
    valid = jnp.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    np.testing.assert_array_equal(last_real(x, valid), np.asarray(x)[[0, 1], [1, 3]])
