"""The pre-LayerNorm transformer block: causal multi-head self-attention and a GELU MLP.

Shared by every transformer in the codebase (nanoGPT, makemore's transformer, ViT and the seq2seq
encoder without the mask; the seq2seq decoder adds cross-attention to the encoder's output).
Shapes are named in the variables: B batch, T query positions, S key positions, C width, H heads,
D = C / H head width.
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, gelu, layer_norm


class SelfAttention(nnx.Module):
    def __init__(self, width: int, heads: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False):
        if width % heads:
            raise UserError(f"width {width} is not divisible by heads {heads}")
        self.heads = heads
        # One matmul for q, k and v: [C] -> [3C].
        self.qkv = Dense(width, 3 * width, ("embed", "heads"), std=std, use_bias=use_bias, rngs=rngs)
        self.out = Dense(width, width, ("heads", "embed"), std=out_std, use_bias=use_bias, rngs=rngs)
        self.attn_dropout = nnx.Dropout(dropout)
        self.out_dropout = nnx.Dropout(dropout)

    def __call__(self, x_BTC, *, causal: bool = True, rngs=None, cache=None, pos=0,
                 segments_BT=None):
        """Attends T positions starting at `pos`.

        `segments_BT` (packed rows: several sequences end to end, numbered 1, 2, ... within a row)
        keeps each query to keys of its own sequence.

        Without a cache the keys are these T positions. With a cache ({"k", "v"}: [B, S, H, D]),
        this block's keys and values are written at [pos, pos + T) and the queries attend to every
        cached position up to their own: one code path serves training, prefill and decoding.
        """
        B, T, C = x_BTC.shape
        H, D = self.heads, C // self.heads
        q_BTHD, k_BTHD, v_BTHD = (
            t.reshape(B, T, H, D) for t in jnp.split(self.qkv(x_BTC), 3, axis=-1)
        )
        q_pos = pos + jnp.arange(T)
        if cache is None:
            k_BSHD, v_BSHD, k_pos = k_BTHD, v_BTHD, q_pos
        else:
            k_BSHD = jax.lax.dynamic_update_slice(cache["k"], k_BTHD, (0, pos, 0, 0))
            v_BSHD = jax.lax.dynamic_update_slice(cache["v"], v_BTHD, (0, pos, 0, 0))
            cache = {"k": k_BSHD, "v": v_BSHD}
            k_pos = jnp.arange(k_BSHD.shape[1])
        # Heads to the front before the two products, so that each is a plain batched matmul
        # over [B, H]: nanoGPT's default config then steps about 10% faster on XLA:CPU than
        # with einsums over [B, T, H, D] operands (experiments/nanogpt/README.md, Speed).
        q_BHTD, k_BHSD, v_BHSD = (t.transpose(0, 2, 1, 3) for t in (q_BTHD, k_BSHD, v_BSHD))
        att_BHTS = (q_BHTD @ k_BHSD.swapaxes(-1, -2)) / math.sqrt(D)
        if causal or cache is not None:
            visible_TS = k_pos[None, :] <= q_pos[:, None]
            att_BHTS = jnp.where(visible_TS, att_BHTS, -jnp.inf)
        if segments_BT is not None:
            same_B1TS = (segments_BT[:, :, None] == segments_BT[:, None, :])[:, None]
            att_BHTS = jnp.where(same_B1TS, att_BHTS, -jnp.inf)
        att_BHTS = self.attn_dropout(jax.nn.softmax(att_BHTS, axis=-1), rngs=rngs)
        y_BTC = (att_BHTS @ v_BHSD).transpose(0, 2, 1, 3).reshape(B, T, C)
        return self.out_dropout(self.out(y_BTC), rngs=rngs), cache


class CrossAttention(nnx.Module):
    """Queries from the decoder's positions, keys and values from the encoder's output (memory).

    `memory_kv` projects the memory once per source sequence; decoding reuses it for every new
    token, as the self-attention reuses its KV cache. No causal mask: every query may look at
    every (non-padding) source position. With `record_weights` set, each call keeps its weights
    as an `nnx.Intermediate` (for attention-map figures; `nnx.pop` takes them out).
    """

    record_weights = False

    def __init__(self, width: int, heads: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False):
        self.heads = heads
        self.q = Dense(width, width, ("embed", "heads"), std=std, use_bias=use_bias, rngs=rngs)
        self.kv = Dense(width, 2 * width, ("embed", "heads"), std=std, use_bias=use_bias, rngs=rngs)
        self.out = Dense(width, width, ("heads", "embed"), std=out_std, use_bias=use_bias,
                         rngs=rngs)
        self.attn_dropout = nnx.Dropout(dropout)
        self.out_dropout = nnx.Dropout(dropout)

    def memory_kv(self, memory_BSC, visible_BS):
        """(k_BHSD, v_BHSD, visible_BS): keys and values of the memory; `visible_BS` marks the
        real (not padding) source positions."""
        B, S, C = memory_BSC.shape
        k_BSHD, v_BSHD = (t.reshape(B, S, self.heads, C // self.heads)
                          for t in jnp.split(self.kv(memory_BSC), 2, axis=-1))
        return k_BSHD.transpose(0, 2, 1, 3), v_BSHD.transpose(0, 2, 1, 3), visible_BS

    def weights(self, x_BTC, memory):
        """Attention weights att_BHTS: row t is query t's distribution over source positions."""
        k_BHSD, _, visible_BS = memory
        B, T, C = x_BTC.shape
        D = C // self.heads
        q_BHTD = self.q(x_BTC).reshape(B, T, self.heads, D).transpose(0, 2, 1, 3)
        att_BHTS = (q_BHTD @ k_BHSD.swapaxes(-1, -2)) / math.sqrt(D)
        return jax.nn.softmax(jnp.where(visible_BS[:, None, None, :], att_BHTS, -jnp.inf), -1)

    def __call__(self, x_BTC, memory, *, rngs=None):
        B, T, C = x_BTC.shape
        att_BHTS = self.weights(x_BTC, memory)
        if self.record_weights:
            self.sow(nnx.Intermediate, "attention", att_BHTS)
        att_BHTS = self.attn_dropout(att_BHTS, rngs=rngs)
        y_BTC = (att_BHTS @ memory[1]).transpose(0, 2, 1, 3).reshape(B, T, C)
        return self.out_dropout(self.out(y_BTC), rngs=rngs)


class MLP(nnx.Module):
    def __init__(self, width: int, hidden: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False):
        self.up = Dense(width, hidden, ("embed", "mlp"), std=std, use_bias=use_bias, rngs=rngs)
        self.down = Dense(hidden, width, ("mlp", "embed"), std=out_std, use_bias=use_bias, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)

    def __call__(self, x, *, rngs=None):
        return self.dropout(self.down(gelu(self.up(x))), rngs=rngs)


class Block(nnx.Module):
    """x + attn(ln(x)), then x + mlp(ln(x)): the residual stream is never normalised in place.
    With `cross_attention`, x + cross(ln(x), memory) between the two (a decoder's block)."""

    def __init__(self, width: int, heads: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False,
                 mlp_ratio: int = 4, cross_attention: bool = False):
        """`std`: init scale of the matmuls (None: Dense's default); `out_std`: of the last matmul
        of each residual branch."""
        self.ln_attn = layer_norm(width, use_bias=use_bias, rngs=rngs)
        self.attn = SelfAttention(width, heads, dropout=dropout, std=std, out_std=out_std,
                                  use_bias=use_bias, rngs=rngs)
        self.ln_mlp = layer_norm(width, use_bias=use_bias, rngs=rngs)
        self.mlp = MLP(width, mlp_ratio * width, dropout=dropout, std=std, out_std=out_std,
                       use_bias=use_bias, rngs=rngs)
        self.ln_cross = layer_norm(width, use_bias=use_bias, rngs=rngs) if cross_attention else None
        self.cross = CrossAttention(width, heads, dropout=dropout, std=std, out_std=out_std,
                                    use_bias=use_bias, rngs=rngs) if cross_attention else None

    def __call__(self, x, *, causal=True, rngs=None, cache=None, pos=0, segments=None,
                 memory=None):
        """`causal=False`: bidirectional self-attention (an encoder). `memory`: what
        `self.cross.memory_kv` made of the encoder's output, for a block with cross-attention."""
        y, cache = self.attn(self.ln_attn(x), causal=causal, rngs=rngs, cache=cache, pos=pos,
                             segments_BT=segments)
        x = x + y
        if memory is not None:
            x = x + self.cross(self.ln_cross(x), memory, rngs=rngs)
        return x + self.mlp(self.ln_mlp(x), rngs=rngs), cache
