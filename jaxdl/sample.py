"""Autoregressive sampling from any language model of `jaxdl.nn` (GPT, recurrent, bigram).

`generate` is the fast path: one jit-compiled loop that feeds one token at a time through the
model's cache (a KV cache for GPT, the hidden state for RNNs). `generate_uncached` recomputes the
whole context for every token; it is the reference the tests and the benchmark compare against.
Both draw token t with the key fold_in(key, t), so with equal logits they pick equal tokens.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


def _pick(logits_BV, key, temperature: float, top_k: int | None):
    """Samples from softmax(logits / temperature), keeping the top_k logits; temperature 0 = argmax."""
    if temperature == 0:
        return jnp.argmax(logits_BV, axis=-1).astype(jnp.int32)
    logits_BV = logits_BV / temperature
    if top_k:
        kth_largest_B1 = jax.lax.top_k(logits_BV, min(top_k, logits_BV.shape[-1]))[0][:, -1:]
        logits_BV = jnp.where(logits_BV < kth_largest_B1, -jnp.inf, logits_BV)
    return jax.random.categorical(key, logits_BV, axis=-1).astype(jnp.int32)


def _decode(model, context_BT, key, first, new_tokens: int, temperature: float, top_k):
    """Prefills the cache with `context_BT`, then decodes `new_tokens` tokens in a fori_loop;
    `first` is the index of the first new token among all the tokens the caller samples."""
    B, T = context_BT.shape
    logits_BTV, cache = model.decode(context_BT, model.init_cache(B, T + new_tokens), 0)
    out_BN = jnp.zeros((B, new_tokens), jnp.int32)

    def body(i, carry):
        logits_BV, cache, out_BN = carry
        token_B = _pick(logits_BV, jax.random.fold_in(key, first + i), temperature, top_k)
        logits_B1V, cache = model.decode(token_B[:, None], cache, T + i)
        return logits_B1V[:, 0], cache, out_BN.at[:, i].set(token_B)

    return jax.lax.fori_loop(0, new_tokens, body, (logits_BTV[:, -1], cache, out_BN))[2]


# The model state arrives as plain arrays (`leaves` of `treedef`): jit flattens those in C++,
# while NNX variables would cost Python work on every call.
_STATIC = ("graphdef", "treedef", "new_tokens", "temperature", "top_k")


@functools.partial(jax.jit, static_argnames=_STATIC)
def _extend(graphdef, treedef, leaves, context_BT, key, first, *, new_tokens: int,
            temperature: float, top_k):
    """`_decode` as one jitted call."""
    model = nnx.merge(graphdef, jax.tree.unflatten(treedef, leaves))
    return _decode(model, context_BT, key, first, new_tokens, temperature, top_k)


@functools.partial(jax.jit, static_argnames=_STATIC + ("blocks", "keep"))
def _extend_blocks(graphdef, treedef, leaves, tokens_BL, key, start, first, *, blocks: int,
                   keep: int, new_tokens: int, temperature: float, top_k):
    """`blocks` rounds of: take the newest `keep` tokens before position `start` as the
    context, decode `new_tokens` after them into tokens_BL at `start`, move `start` on. One
    device loop, so that the host neither calls nor waits once per block."""
    model = nnx.merge(graphdef, jax.tree.unflatten(treedef, leaves))

    def block(b, tokens_BL):
        at = start + b * new_tokens
        context_BK = jax.lax.dynamic_slice_in_dim(tokens_BL, at - keep, keep, axis=1)
        new_BN = _decode(model, context_BK, key, first + b * new_tokens, new_tokens,
                         temperature, top_k)
        return jax.lax.dynamic_update_slice_in_dim(tokens_BL, new_BN, at, axis=1)

    return jax.lax.fori_loop(0, blocks, block, tokens_BL)


def generate(model: nnx.Module, prompt_BT, max_new_tokens: int, *, key, temperature=1.0,
             top_k=None) -> np.ndarray:
    """Returns [B, T + max_new_tokens] token ids: the prompt followed by the sampled tokens.

    A model with a finite context (GPT's block_size) sees at most that many positions: when the
    block is full, the newest half block becomes the context and the cache is refilled from it.
    """
    model.eval()
    graphdef, state = nnx.split(model)
    leaves, treedef = jax.tree.flatten(state)
    options = dict(temperature=float(temperature), top_k=top_k)
    tokens = np.asarray(prompt_BT, np.int32)
    B, T = tokens.shape
    limit = model.context_size
    keep = None if limit is None else limit // 2
    # First block: the prompt (its newest half block if it fills the block already).
    context = tokens if limit is None or T < limit else tokens[:, -keep:]
    n = max_new_tokens if limit is None else min(max_new_tokens, limit - context.shape[1])
    new = _extend(graphdef, treedef, leaves, jnp.asarray(context), key, 0, new_tokens=n,
                  **options)
    tokens = np.concatenate([tokens, np.asarray(new)], axis=1)
    if n == max_new_tokens:
        return tokens
    # Then refilled blocks of limit - keep new tokens each, all full ones in one device loop,
    # and a shorter last one.
    per_block = limit - keep
    full, rest = divmod(max_new_tokens - n, per_block)
    if full:
        buffer = np.zeros((B, T + n + full * per_block), np.int32)
        buffer[:, :T + n] = tokens
        tokens = np.asarray(_extend_blocks(
            graphdef, treedef, leaves, jnp.asarray(buffer), key, T + n, n, blocks=full,
            keep=keep, new_tokens=per_block, **options))
    if rest:
        new = _extend(graphdef, treedef, leaves, jnp.asarray(tokens[:, -keep:]), key,
                      max_new_tokens - rest, new_tokens=rest, **options)
        tokens = np.concatenate([tokens, np.asarray(new)], axis=1)
    return tokens


@functools.partial(jax.jit, static_argnames=("graphdef", "prompt_len", "window", "temperature",
                                             "top_k"))
def _recompute(graphdef, state, tokens_BL, key, *, prompt_len: int, window: int,
               temperature: float, top_k):
    """Fills tokens_BL[:, prompt_len:] one token at a time, each from a fresh forward pass over
    the last `window` tokens (or all of them while there are fewer): no cache, same device loop."""
    model = nnx.merge(graphdef, state)

    def body(i, tokens_BL):
        length = prompt_len + i
        start = jnp.maximum(length - window, 0)
        context_BW = jax.lax.dynamic_slice_in_dim(tokens_BL, start, window, axis=1)
        # Causality lets every step run on one padded shape: positions after the last are ignored.
        logits_BV = jax.lax.dynamic_index_in_dim(model(context_BW), length - 1 - start, axis=1,
                                                 keepdims=False)
        token_B = _pick(logits_BV, jax.random.fold_in(key, i), temperature, top_k)
        return jax.lax.dynamic_update_slice(tokens_BL, token_B[:, None], (0, length))

    return jax.lax.fori_loop(0, tokens_BL.shape[1] - prompt_len, body, tokens_BL)


def generate_uncached(model: nnx.Module, prompt_BT, max_new_tokens: int, *, key,
                      temperature=1.0, top_k=None) -> np.ndarray:
    """The same sampling, recomputing the full (cropped) context for each new token: the
    reference the cache is tested against, and the baseline the benchmark times it against."""
    model.eval()
    graphdef, state = nnx.split(model)
    B, T = prompt_BT.shape
    window = model.context_size or T + max_new_tokens
    tokens = np.zeros((B, max(T + max_new_tokens, window)), np.int32)
    tokens[:, :T] = prompt_BT
    out = _recompute(graphdef, state, jnp.asarray(tokens), key, prompt_len=T, window=window,
                     temperature=float(temperature), top_k=top_k)
    return np.asarray(out)[:, :T + max_new_tokens]
