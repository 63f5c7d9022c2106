"""Autoregressive sampling from any language model of `jaxdl.nn` (GPT, Llama, recurrent, bigram).

`generate` is the fast path: one jit-compiled loop that feeds one token at a time through the
model's cache (a KV cache for GPT, the hidden state for RNNs). The nanoGPT and makemore samplers
and the pretrained-model generator (`jaxdl.pretrained.generate`) all run it. `generate_uncached`
recomputes the whole context for every token; it is the reference the tests and the benchmark
compare against. Both draw token t with the key fold_in(key, t), so with equal logits they pick
equal tokens. `key` is one key for the batch, or one key per row ([B, 2]): then row b's tokens
depend only on its own key, and a prompt decoded in a batch gets the tokens it gets alone.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.experimental import io_callback


def _key_at(key, t):
    """fold_in(key, t) for one key or for each of a batch of keys [B, 2]."""
    if jnp.ndim(key) == 2:
        return jax.vmap(jax.random.fold_in, in_axes=(0, None))(key, t)
    return jax.random.fold_in(key, t)


def _truncate(logits_BV, top_k: int | None, top_p: float | None):
    """-inf for every logit outside the top_k largest and outside the nucleus: the fewest most
    probable tokens whose probabilities sum to at least top_p (the most probable always stays)."""
    if top_k:
        kth_largest_B1 = jax.lax.top_k(logits_BV, min(top_k, logits_BV.shape[-1]))[0][:, -1:]
        logits_BV = jnp.where(logits_BV < kth_largest_B1, -jnp.inf, logits_BV)
    if top_p is not None and top_p < 1.0:
        sorted_BV = -jnp.sort(-logits_BV, axis=-1)
        probs_BV = jax.nn.softmax(sorted_BV, axis=-1)
        mass_before_BV = jnp.cumsum(probs_BV, axis=-1) - probs_BV
        smallest_kept_B1 = jnp.min(jnp.where(mass_before_BV < top_p, sorted_BV, jnp.inf), axis=-1,
                                   keepdims=True)
        logits_BV = jnp.where(logits_BV < smallest_kept_B1, -jnp.inf, logits_BV)
    return logits_BV


def _pick(logits_BV, key, temperature: float, top_k: int | None, top_p: float | None = None):
    """Samples from softmax(logits / temperature) after top-k / top-p truncation; temperature 0 =
    argmax."""
    if temperature == 0:
        return jnp.argmax(logits_BV, axis=-1).astype(jnp.int32)
    logits_BV = _truncate(logits_BV / temperature, top_k, top_p)
    if jnp.ndim(key) == 2:  # one key per row
        return jax.vmap(jax.random.categorical)(key, logits_BV).astype(jnp.int32)
    return jax.random.categorical(key, logits_BV, axis=-1).astype(jnp.int32)


def _decode(model, context_BT, key, first, new_tokens: int, temperature: float, top_k,
            top_p=None, start_B=None, stop=(), on_token=None):
    """Prefills the cache with `context_BT`, then decodes up to `new_tokens` tokens in a device
    loop; `first` is the index of the first new token among all the tokens the caller samples.

    `start_B`: each row's count of left padding (GPT only). `stop`: token ids that end a row;
    its later places hold -1, and the loop ends once every row has stopped. `on_token(i,
    token_B)` is called on the host as each token is decoded (streaming)."""
    B, T = context_BT.shape
    padding = {} if start_B is None else {"start_B": start_B}
    logits_BTV, cache = model.decode(context_BT, model.init_cache(B, T + new_tokens), 0,
                                     **padding)
    out_BN = jnp.full((B, new_tokens), -1, jnp.int32)
    stop_ids = jnp.asarray(stop, jnp.int32)

    def body(carry):
        i, logits_BV, cache, out_BN, done_B = carry
        token_B = _pick(logits_BV, _key_at(key, first + i), temperature, top_k, top_p)
        token_B = jnp.where(done_B, -1, token_B)
        if on_token is not None:
            io_callback(on_token, None, i, token_B, ordered=True)
        done_B = done_B | jnp.isin(token_B, stop_ids)
        logits_B1V, cache = model.decode(jnp.maximum(token_B, 0)[:, None], cache, T + i,
                                         **padding)
        return i + 1, logits_B1V[:, 0], cache, out_BN.at[:, i].set(token_B), done_B

    def more(carry):
        i, *_, done_B = carry
        return (i < new_tokens) & ~jnp.all(done_B)

    start = (0, logits_BTV[:, -1], cache, out_BN, jnp.zeros(B, bool))
    return jax.lax.while_loop(more, body, start)[3]


# The model state arrives as plain arrays (`leaves` of `treedef`): jit flattens those in C++,
# while NNX variables would cost Python work on every call.
_STATIC = ("graphdef", "treedef", "new_tokens", "temperature", "top_k", "top_p")


@functools.partial(jax.jit, static_argnames=_STATIC + ("stop", "on_token"))
def _extend(graphdef, treedef, leaves, context_BT, key, first, start_B=None, *, new_tokens: int,
            temperature: float, top_k, top_p=None, stop=(), on_token=None):
    """`_decode` as one jitted call."""
    model = nnx.merge(graphdef, jax.tree.unflatten(treedef, leaves))
    return _decode(model, context_BT, key, first, new_tokens, temperature, top_k, top_p,
                   start_B, stop, on_token)


@functools.partial(jax.jit, static_argnames=_STATIC + ("blocks", "keep"))
def _extend_blocks(graphdef, treedef, leaves, tokens_BL, key, start, first, *, blocks: int,
                   keep: int, new_tokens: int, temperature: float, top_k, top_p=None):
    """`blocks` rounds of: take the newest `keep` tokens before position `start` as the
    context, decode `new_tokens` after them into tokens_BL at `start`, move `start` on. One
    device loop, so that the host neither calls nor waits once per block."""
    model = nnx.merge(graphdef, jax.tree.unflatten(treedef, leaves))

    def block(b, tokens_BL):
        at = start + b * new_tokens
        context_BK = jax.lax.dynamic_slice_in_dim(tokens_BL, at - keep, keep, axis=1)
        new_BN = _decode(model, context_BK, key, first + b * new_tokens, new_tokens,
                         temperature, top_k, top_p)
        return jax.lax.dynamic_update_slice_in_dim(tokens_BL, new_BN, at, axis=1)

    return jax.lax.fori_loop(0, blocks, block, tokens_BL)


def generate(model: nnx.Module, prompt_BT, max_new_tokens: int, *, key, temperature=1.0,
             top_k=None, top_p=None, start_B=None, stop=(), on_token=None) -> np.ndarray:
    """Returns [B, T + max_new_tokens] token ids: the prompt followed by the sampled tokens.

    A model with a finite context (GPT's block_size) sees at most that many positions: when the
    block is full, the newest half block becomes the context and the cache is refilled from it.
    Rows of different lengths: left-pad them and give `start_B`, each row's padding count (the
    prompt and the new tokens must then fit in the context). `stop`: token ids that end a row
    (later places hold -1); `on_token(i, token_B)`: called on the host with each new token.
    """
    model.eval()
    graphdef, state = nnx.split(model)
    leaves, treedef = jax.tree.flatten(state)
    options = dict(temperature=float(temperature), top_k=top_k, top_p=top_p)
    tokens = np.asarray(prompt_BT, np.int32)
    B, T = tokens.shape
    limit = model.context_size
    if start_B is not None or stop or on_token is not None:
        if limit is not None and T + max_new_tokens > limit:
            raise ValueError(f"{T} prompt + {max_new_tokens} new tokens > context {limit}")
        start = None if start_B is None else jnp.asarray(start_B, jnp.int32)
        new = _extend(graphdef, treedef, leaves, jnp.asarray(tokens), key, 0, start,
                      new_tokens=max_new_tokens, stop=tuple(stop), on_token=on_token, **options)
        return np.concatenate([tokens, np.asarray(new)], axis=1)
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
