"""GPT, recurrent and bigram LMs: a float64 NumPy re-computation, causality, cached decoding."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.context_lm import MLPLM, WaveNetLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate, generate_uncached

V = 11


def make(name):
    rngs = nnx.Rngs(0)
    if name == "gpt":
        return GPT(vocab_size=V, block_size=16, layers=2, heads=2, width=16, dropout=0.0, rngs=rngs)
    if name == "gpt_torch_init":
        return GPT(vocab_size=V, block_size=16, layers=2, heads=2, width=16, dropout=0.0,
                   use_bias=True, init="torch", rngs=rngs)
    if name == "mlp":
        return MLPLM(vocab_size=V, context=3, embed=4, hidden=8, batch_norm=True, rngs=rngs)
    if name == "wavenet":
        return WaveNetLM(vocab_size=V, levels=2, embed=4, hidden=8, rngs=rngs)
    if name == "bigram":
        model = BigramLM(vocab_size=V, rngs=rngs)
        model.logits_table[...] = jax.random.normal(jax.random.PRNGKey(1), (V, V))  # init is 0
        return model
    return RecurrentLM(vocab_size=V, cell=name, embed=8, hidden=12, rngs=rngs)


MODELS = ["gpt", "gpt_torch_init", "rnn", "gru", "lstm", "bigram", "mlp", "wavenet"]


def numpy_gpt_logits(params, idx, heads):
    """GPT-2's forward pass written out in float64 NumPy."""
    p = jax.tree.map(lambda a: np.asarray(a, np.float64), params)

    def layer_norm(x, scale):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-5) * scale

    B, T = idx.shape
    x = p["token_embedding"][idx] + p["position_embedding"][:T]
    for block in p["blocks"].values():
        h = layer_norm(x, block["ln_attn"]["scale"])
        q, k, v = np.split(h @ block["attn"]["qkv"]["kernel"], 3, axis=-1)
        split = lambda t: t.reshape(B, T, heads, -1).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1])
        att = np.where(np.tril(np.ones((T, T), bool)), att, -np.inf)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, -1)
        x = x + y @ block["attn"]["out"]["kernel"]
        h = layer_norm(x, block["ln_mlp"]["scale"]) @ block["mlp"]["up"]["kernel"]
        h = 0.5 * h * (1 + np.vectorize(math.erf)(h / math.sqrt(2)))
        x = x + h @ block["mlp"]["down"]["kernel"]
    return layer_norm(x, p["ln_final"]["scale"]) @ p["token_embedding"].T


def test_gpt_matches_float64_numpy():
    model = make("gpt")
    model.eval()
    idx = np.random.default_rng(0).integers(0, V, (3, 16))
    params = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    want = numpy_gpt_logits(params, idx, heads=2)
    np.testing.assert_allclose(model(jnp.asarray(idx)), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_logits_at_t_ignore_tokens_after_t(name):
    model = make(name)
    model.eval()
    idx = np.random.default_rng(1).integers(0, V, (2, 12))
    changed = idx.copy()
    changed[:, 6:] = (changed[:, 6:] + 1) % V
    before, after = model(jnp.asarray(idx)), model(jnp.asarray(changed))
    np.testing.assert_array_equal(before[:, :6], after[:, :6])
    assert not np.allclose(before[:, 6:], after[:, 6:])


@pytest.mark.parametrize("name", MODELS)
def test_cached_decoding_gives_the_full_forward_logits(name):
    model = make(name)
    model.eval()
    idx = jnp.asarray(np.random.default_rng(2).integers(0, V, (2, 10)))
    full = model(idx)
    logits, cache = model.decode(idx[:, :4], model.init_cache(2, 10), 0)  # prefill 4
    steps = [logits]
    for t in range(4, 10):  # then one token at a time
        logits, cache = model.decode(idx[:, t:t + 1], cache, t)
        steps.append(logits)
    np.testing.assert_allclose(jnp.concatenate(steps, axis=1), full, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("temperature, top_k", [(0.0, None), (1.0, 3)])
def test_cached_generation_equals_uncached(name, temperature, top_k):
    model = make(name)
    prompt = np.random.default_rng(3).integers(0, V, (2, 3))
    key = jax.random.PRNGKey(7)
    cached = generate(model, prompt, 12, key=key, temperature=temperature, top_k=top_k)
    uncached = generate_uncached(model, prompt, 12, key=key, temperature=temperature, top_k=top_k)
    assert cached.shape == (2, 15)
    np.testing.assert_array_equal(cached, uncached)
    np.testing.assert_array_equal(cached[:, :3], prompt)


def test_generation_past_the_block_keeps_going_and_is_seeded():
    model = make("gpt")  # block_size 16
    prompt = np.zeros((1, 20), np.int32)  # longer than the block, too
    a = generate(model, prompt, 40, key=jax.random.PRNGKey(0))
    b = generate(model, prompt, 40, key=jax.random.PRNGKey(0))
    c = generate(model, prompt, 40, key=jax.random.PRNGKey(1))
    assert a.shape == (1, 60)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("prompt_length, new_tokens", [(3, 40), (20, 25), (15, 1), (16, 9)])
def test_refills_past_the_block_follow_the_half_block_rule(prompt_length, new_tokens):
    """Past the block, each refill's context is the newest half block and its tokens are drawn
    with keys fold_in(key, index among the new tokens): the device loop must give what one
    `_extend` call per block gives."""
    from jaxdl.sample import _extend

    model = make("gpt")  # block_size 16
    model.eval()
    prompt = np.random.default_rng(4).integers(0, V, (2, prompt_length)).astype(np.int32)
    key = jax.random.PRNGKey(3)
    got = generate(model, prompt, new_tokens, key=key, temperature=0.9, top_k=4)

    graphdef, state = nnx.split(model)
    leaves, treedef = jax.tree.flatten(state)
    tokens, done, limit = prompt, 0, model.context_size
    while done < new_tokens:
        context = tokens if done == 0 and tokens.shape[1] < limit else tokens[:, -(limit // 2):]
        n = min(new_tokens - done, limit - context.shape[1])
        new = _extend(graphdef, treedef, leaves, jnp.asarray(context), key, done, new_tokens=n,
                      temperature=0.9, top_k=4)
        tokens, done = np.concatenate([tokens, np.asarray(new)], axis=1), done + n
    np.testing.assert_array_equal(got, tokens)


def test_top_k_one_is_greedy():
    model = make("gpt")
    prompt = np.ones((2, 2), np.int32)
    greedy = generate(model, prompt, 8, key=jax.random.PRNGKey(0), temperature=0.0)
    top1 = generate(model, prompt, 8, key=jax.random.PRNGKey(5), temperature=1.0, top_k=1)
    np.testing.assert_array_equal(greedy, top1)
