"""Greedy and beam-search decoding for the encoder-decoder models of jaxdl.nn (seq2seq.py,
seq2seq_rnn.py), each one jit-compiled device loop over a decoder cache.

The source is encoded once; each step feeds one token through `model.decode` at position i,
which extends the cache (the transformer's keys and values, the GRU's state), so a step costs
one token's work, not the whole prefix's.

Beam search keeps the `width` prefixes of highest log-probability sum_t log p(y_t | y_<t, x).
Every step, each live beam proposes its V continuations; the best `width` of the width * V
become the new beams, and each new beam takes over its parent's cache (a gather over the batch
axis of every cache array). A beam that has emitted EOS is finished: it proposes only PAD, at no
cost, so it keeps its score and competes with the live ones. With width 1 this is greedy search.
"""

import functools

import jax
import jax.numpy as jnp
from flax import nnx


@functools.partial(nnx.jit, static_argnames=("max_len", "bos", "eos", "pad"))
def greedy(model, source_BS, *, max_len: int, bos: int, eos: int, pad: int):
    """[B, max_len] tokens: at each step the most likely next token; PAD after EOS."""
    B = source_BS.shape[0]
    memory = model.encode(source_BS)

    def body(i, carry):
        token_B, cache, done_B, out_BL = carry
        logits_B1V, cache = model.decode(token_B[:, None], cache, i, memory)
        token_B = jnp.where(done_B, pad, jnp.argmax(logits_B1V[:, 0], -1).astype(jnp.int32))
        return token_B, cache, done_B | (token_B == eos), out_BL.at[:, i].set(token_B)

    start = (jnp.full((B,), bos, jnp.int32), model.init_cache(memory, max_len),
             jnp.zeros((B,), bool), jnp.zeros((B, max_len), jnp.int32))
    return jax.lax.fori_loop(0, max_len, body, start)[3]


@functools.partial(nnx.jit, static_argnames=("max_len", "width", "bos", "eos", "pad"))
def beam_search(model, source_BS, *, max_len: int, width: int, bos: int, eos: int, pad: int):
    """(tokens_BKL, scores_BK): the `width` best sequences per source, best first, and their
    log-probabilities (PAD after EOS adds nothing)."""
    B, K = source_BS.shape[0], width
    memory = jax.tree.map(lambda m: jnp.repeat(m, K, axis=0), model.encode(source_BS))

    def body(i, carry):
        last_BK, cache, scores_BK, done_BK, tokens_BKL = carry
        logits_N1V, cache = model.decode(last_BK.reshape(B * K, 1), cache, i, memory)
        V = logits_N1V.shape[-1]
        logp_BKV = jax.nn.log_softmax(logits_N1V[:, 0].astype(jnp.float32)).reshape(B, K, V)
        pad_only_V = jnp.where(jnp.arange(V) == pad, 0.0, -jnp.inf)
        logp_BKV = jnp.where(done_BK[..., None], pad_only_V, logp_BKV)
        scores_BK, flat_BK = jax.lax.top_k((scores_BK[..., None] + logp_BKV).reshape(B, K * V), K)
        parent_BK, token_BK = flat_BK // V, (flat_BK % V).astype(jnp.int32)
        rows_N = (jnp.arange(B)[:, None] * K + parent_BK).reshape(-1)
        cache = jax.tree.map(lambda c: c[rows_N], cache)
        tokens_BKL = jnp.take_along_axis(tokens_BKL, parent_BK[..., None], axis=1)
        done_BK = jnp.take_along_axis(done_BK, parent_BK, axis=1) | (token_BK == eos)
        return token_BK, cache, scores_BK, done_BK, tokens_BKL.at[:, :, i].set(token_BK)

    # Only beam 0 is live at the start: K copies of the same prefix would fill the beam with
    # duplicates.
    scores_BK = jnp.where(jnp.arange(K) == 0, 0.0, -jnp.inf)[None].repeat(B, axis=0)
    start = (jnp.full((B, K), bos, jnp.int32), model.init_cache(memory, max_len), scores_BK,
             jnp.zeros((B, K), bool), jnp.zeros((B, K, max_len), jnp.int32))
    _, _, scores_BK, _, tokens_BKL = jax.lax.fori_loop(0, max_len, body, start)
    return tokens_BKL, scores_BK
