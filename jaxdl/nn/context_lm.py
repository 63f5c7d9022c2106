"""Language models that read a fixed window of previous characters: the MLP of Bengio et al.
(2003) and the hierarchical WaveNet-style model of the makemore lectures (part 5).

Both see, at position t, only tokens t-k+1 .. t (earlier positions are the boundary token 0),
so they are causal by construction and predict every position of a sequence in one call.
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding, param, take_rows


def windows(idx_BT: jax.Array, k: int, before_start: int = 0) -> jax.Array:
    """[B, T] -> [B, T, k]: at each position the last k tokens, oldest first, `before_start`
    (the boundary token 0 by default) before the start."""
    T = idx_BT.shape[1]
    padded = jnp.pad(idx_BT, ((0, 0), (k - 1, 0)), constant_values=before_start)
    return jnp.stack([padded[:, i:i + T] for i in range(k)], axis=-1)


class BatchNorm(nnx.Module):
    """BatchNorm over every axis but the last, counting only the `valid` positions (padding
    would otherwise dominate the statistics). Running statistics as torch.nn.BatchNorm1d keeps
    them (momentum 0.1, unbiased variance); `model.eval()` switches to them.

    `groups`: statistics of their own for each of the `groups` entries of axis -2 (the WaveNet's
    groups of neighbours: what torch's BatchNorm1d computed in the lectures before their fix)."""

    def __init__(self, dim: int, *, rngs: nnx.Rngs, momentum: float = 0.1, eps: float = 1e-5,
                 groups: int | None = None):
        self.scale = param(rngs, nnx.initializers.ones, (dim,), ("mlp",))
        self.bias = param(rngs, nnx.initializers.zeros, (dim,), ("mlp",))
        stat_shape = (dim,) if groups is None else (groups, dim)
        self.running_mean = nnx.BatchStat(jnp.zeros(stat_shape))
        self.running_var = nnx.BatchStat(jnp.ones(stat_shape))
        self.momentum, self.eps = momentum, eps
        self.use_running_average = False

    def __call__(self, x, valid=None):
        if self.use_running_average:
            mean, var = self.running_mean[...], self.running_var[...]
        else:
            weight = jnp.ones(x.shape[:-1] + (1,), x.dtype)
            if valid is not None:  # valid: [B, T]; x: [B, T, ..., C]
                weight = weight * valid.reshape(valid.shape + (1,) * (x.ndim - valid.ndim))
            axes = tuple(range(x.ndim - self.running_mean[...].ndim))
            count = weight.sum(axes)
            mean = (x * weight).sum(axes) / count
            var = (jnp.square(x - mean) * weight).sum(axes) / count
            m = self.momentum
            unbiased = jax.lax.stop_gradient(var * count / jnp.maximum(count - 1, 1))
            self.running_mean[...] = (1 - m) * self.running_mean[...] + m * jax.lax.stop_gradient(mean)
            self.running_var[...] = (1 - m) * self.running_var[...] + m * unbiased
        return (x - mean) * jax.lax.rsqrt(var + self.eps) * self.scale[...] + self.bias[...]


class RecomputeDecoding:
    """Sampling support for models without a cache of their own: the "cache" is the tokens so
    far, and each decode reruns the model on them (cheap for these small windows)."""

    context_size = None

    def init_cache(self, batch_size: int, length: int):
        return jnp.zeros((batch_size, length), jnp.int32)

    def decode(self, idx_BT, tokens_BL, pos):
        tokens_BL = jax.lax.dynamic_update_slice(tokens_BL, idx_BT.astype(jnp.int32), (0, pos))
        logits_BLV = self(tokens_BL)
        return jax.lax.dynamic_slice_in_dim(logits_BLV, pos, idx_BT.shape[1], axis=1), tokens_BL


class MLPLM(RecomputeDecoding, nnx.Module):
    """Embed the last `context` characters, concatenate, one tanh hidden layer (optionally
    batch-normalised), then logits.

    `blank_token`: positions before the start read an extra <BLANK> token (id vocab_size, its own
    embedding row) instead of the boundary token, as makemore's MLP does; the lectures pad with
    the boundary token.
    """

    def __init__(self, *, vocab_size: int, context: int, embed: int, hidden: int,
                 batch_norm: bool, rngs: nnx.Rngs, blank_token: bool = False):
        self.context = context
        self.before_start = vocab_size if blank_token else 0
        self.token_embedding = embedding(vocab_size + blank_token, embed, ("vocab", "embed"),
                                         std=1.0, rngs=rngs)
        self.hidden = Dense(context * embed, hidden, ("embed", "mlp"), use_bias=not batch_norm,
                            rngs=rngs)
        self.norm = BatchNorm(hidden, rngs=rngs) if batch_norm else None
        self.out = Dense(hidden, vocab_size, ("mlp", "vocab"), rngs=rngs)

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        # hidden([E[w_1], ..., E[w_K]]) = sum_k (E @ W_k)[w_k] + b, W_k the k-th block of rows
        # of the kernel: multiplying the V vocabulary rows by each block once, instead of every
        # position's window by the whole kernel, gives the same numbers for far less work.
        table_VE = self.token_embedding[...]
        V, E = table_VE.shape
        K = self.context
        table_KVH = jnp.einsum("ve,keh->kvh", table_VE, self.hidden.kernel[...].reshape(K, E, -1))
        rows_BTK = windows(idx_BT, K, self.before_start) + V * jnp.arange(K)
        h_BTH = jnp.take(table_KVH.reshape(K * V, -1), rows_BTK, axis=0).sum(-2)
        if self.hidden.bias is not None:
            h_BTH = h_BTH + self.hidden.bias[...]
        if self.norm is not None:
            h_BTH = self.norm(h_BTH, valid)
        return self.out(jnp.tanh(h_BTH))


class WaveNetLM(RecomputeDecoding, nnx.Module):
    """Fuse neighbouring pairs level by level: 8 characters -> 4 -> 2 -> 1 (context = 2**levels).

    Each level is Linear (no bias) -> BatchNorm -> tanh on the concatenation of two neighbours,
    so information from far characters is mixed gradually, as in a dilated causal convolution.

    `form="reshape"` (the lectures'): every position gets its own window and tree, neighbours
    paired by reshapes. `form="conv"`: the same weights as causal convolutions of kernel 2 and
    dilation 1, 2, 4, ... over the whole sequence at once, each level computed once per position
    and shared by the trees that use it. Without BatchNorm the two give the same logits; with it
    their batch statistics differ (the reshape form counts an intermediate result once per tree
    it appears in, the conv form once).
    """

    def __init__(self, *, vocab_size: int, levels: int, embed: int, hidden: int, rngs: nnx.Rngs,
                 batch_norm: bool = True, form: str = "reshape"):
        if form not in ("reshape", "conv"):
            raise UserError(f"unknown WaveNet form {form!r}: reshape or conv")
        self.form = form
        self.context = 2 ** levels
        self.token_embedding = embedding(vocab_size, embed, ("vocab", "embed"), std=1.0, rngs=rngs)
        widths = [embed] + [hidden] * levels
        self.fuse = nnx.List([
            Dense(2 * w, hidden, ("embed", "mlp"), use_bias=not batch_norm, rngs=rngs)
            for w in widths[:-1]])
        self.norms = nnx.List([BatchNorm(hidden, rngs=rngs) for _ in range(levels)]
                              if batch_norm else [])
        self.out = Dense(hidden, vocab_size, ("mlp", "vocab"), rngs=rngs)

    def _normalize_tanh(self, i, x, valid):
        return jnp.tanh(self.norms[i](x, valid) if self.norms else x)

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        if self.form == "conv":
            return self._convolve(idx_BT, valid)
        B, T = idx_BT.shape
        x = take_rows(self.token_embedding, windows(idx_BT, self.context))  # [B, T, 8, E]
        for i in range(len(self.fuse)):
            groups = x.shape[2] // 2
            x = x.reshape(B, T, groups, -1)  # neighbours side by side: [B, T, n/2, 2C]
            x = self._normalize_tanh(i, self.fuse[i](x), valid)  # Linear -> BatchNorm -> tanh
        return self.out(x[:, :, 0])

    def _convolve(self, idx_BT, valid):
        # Left-pad with the boundary token so that every position has a full window; each causal
        # convolution of kernel 2 and dilation d, y[s] = [x[s - d], x[s]] W, shortens the
        # sequence by d, ending at length T. It is written as one matmul on the sequence beside
        # its shifted copy: the same numbers as lax.conv_general_dilated (a test checks), which
        # on XLA:CPU ran 20-30x slower inside the loop's lax.scan (steps_per_call; measured
        # by tests/benchmarks/wavenet_forms.py).
        pad = self.context - 1
        x_BLC = take_rows(self.token_embedding, jnp.pad(idx_BT, ((0, 0), (pad, 0))))
        if valid is not None:  # the padded start counts once per row, as its first position does
            valid = jnp.concatenate([jnp.repeat(valid[:, :1], pad, axis=1), valid], axis=1)
        for i, dense in enumerate(self.fuse):
            dilation = 2 ** i
            pairs_BLC = jnp.concatenate([x_BLC[:, :-dilation], x_BLC[:, dilation:]], axis=-1)
            if valid is not None:
                valid = valid[:, dilation:]
            x_BLC = self._normalize_tanh(i, dense(pairs_BLC), valid)
        return self.out(x_BLC)
