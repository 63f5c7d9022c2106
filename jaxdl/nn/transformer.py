"""The transformer block shared by every transformer in the codebase, with the options that make
it nanoGPT's, GPT-2's, Llama's, BERT's or ViT's block.

    pre-LN  (GPT, Llama, ViT)   x + attn(norm(x)), then x + mlp(norm(x))
    post-LN (BERT)              norm(x + attn(x)), then norm(x + mlp(x))

Options: LayerNorm or RMSNorm; GELU (exact or tanh form) or SwiGLU MLP; rotary position
embeddings; grouped-query attention (kv_heads < heads: each key/value head serves heads / kv_heads
query heads); a key padding mask. One attention code path serves training, prefill and decoding.

Shapes are named in the variables: B batch, T query positions, S key positions, C width, H query
heads, K key/value heads, G = H / K query heads per key/value head, D = C / H head width.

The seq2seq decoder adds cross-attention to an encoder's output (`cross_attention=True`).
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, gelu, gelu_tanh, norm_layer


def rotary(x_BTHD, positions_BT, base: float):
    """Rotary position embedding (Su et al., 2021) in the "half" layout Hugging Face's Llama uses:
    channel i < D/2 and channel i + D/2 form a pair rotated by the angle position * base^(-2i/D)."""
    D = x_BTHD.shape[-1]
    inv_freq = 1.0 / (base ** (jnp.arange(0, D, 2, dtype=jnp.float32) / D))
    angle_BT1F = (positions_BT.astype(jnp.float32)[..., None] * inv_freq)[:, :, None, :]
    cos, sin = jnp.cos(angle_BT1F), jnp.sin(angle_BT1F)
    x1, x2 = x_BTHD[..., :D // 2], x_BTHD[..., D // 2:]
    return jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1).astype(x_BTHD.dtype)


class SelfAttention(nnx.Module):
    def __init__(self, width: int, heads: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False,
                 kv_heads: int | None = None, rope_base: float | None = None,
                 fused: bool = False):
        """`kv_heads` (default `heads`): key/value heads; `rope_base`: rotary positions with this
        base (None: none; the model adds its own position embeddings). `fused`: training-time
        attention by `jax.nn.dot_product_attention` (cuDNN flash attention on GPUs that have it,
        XLA elsewhere); it has no attention dropout."""
        kv_heads = kv_heads or heads
        if fused and dropout:
            raise UserError("fused attention has no attention dropout: set dropout to 0 or "
                            "use the plain attention.")
        self.fused = fused
        if width % heads or heads % kv_heads:
            raise UserError(f"width {width}, heads {heads}, kv_heads {kv_heads}: heads must "
                            "divide width and kv_heads must divide heads")
        self.heads, self.kv_heads, self.rope_base = heads, kv_heads, rope_base
        D = width // heads
        # One matmul for q, k and v: [C] -> [(H + 2K) D].
        self.qkv = Dense(width, (heads + 2 * kv_heads) * D, ("embed", "heads"), std=std,
                         use_bias=use_bias, rngs=rngs)
        self.out = Dense(width, width, ("heads", "embed"), std=out_std, use_bias=use_bias, rngs=rngs)
        self.attn_dropout = nnx.Dropout(dropout)
        self.out_dropout = nnx.Dropout(dropout)

    def __call__(self, x_BTC, *, causal: bool = True, rngs=None, cache=None, pos=0,
                 segments_BT=None, positions_BT=None, kv_valid_BS=None):
        """Attends T positions starting at slot `pos`.

        `segments_BT` (packed rows: several sequences end to end, numbered 1, 2, ... within a row)
        keeps each query to keys of its own sequence. `positions_BT`: each token's position for
        the rotary embedding (default: its slot). `kv_valid_BS`: False at padding keys, which no
        query attends to (a padding query attends to itself only, so that nothing is undefined).

        Without a cache the keys are these T positions. With a cache ({"k", "v"}: [B, S, K, D]),
        this block's keys and values are written at slots [pos, pos + T) and the queries attend
        to every cached slot up to their own.
        """
        B, T, C = x_BTC.shape
        H, K = self.heads, self.kv_heads
        G, D = H // K, C // H
        q_BTHD, k_BTKD, v_BTKD = jnp.split(self.qkv(x_BTC), [H * D, (H + K) * D], axis=-1)
        q_BTHD, k_BTKD, v_BTKD = (q_BTHD.reshape(B, T, H, D), k_BTKD.reshape(B, T, K, D),
                                  v_BTKD.reshape(B, T, K, D))
        q_slot = pos + jnp.arange(T)
        if self.rope_base is not None:
            positions_BT = jnp.broadcast_to(q_slot, (B, T)) if positions_BT is None else positions_BT
            q_BTHD = rotary(q_BTHD, positions_BT, self.rope_base)
            k_BTKD = rotary(k_BTKD, positions_BT, self.rope_base)
        if self.fused and cache is None and segments_BT is None and kv_valid_BS is None:
            y_BTHD = jax.nn.dot_product_attention(q_BTHD, k_BTKD, v_BTKD, is_causal=causal)
            return self.out_dropout(self.out(y_BTHD.reshape(B, T, C)), rngs=rngs), cache
        if cache is None:
            k_BSKD, v_BSKD, k_slot = k_BTKD, v_BTKD, q_slot
        else:
            # Stored in the cache's dtype; read back in the computation's (a bf16 cache).
            cache = {name: jax.lax.dynamic_update_slice(
                cache[name], new.astype(cache[name].dtype), (0, pos, 0, 0))
                for name, new in (("k", k_BTKD), ("v", v_BTKD))}
            k_BSKD, v_BSKD = (cache[name].astype(q_BTHD.dtype) for name in ("k", "v"))
            k_slot = jnp.arange(k_BSKD.shape[1])
        S = k_BSKD.shape[1]
        # Heads to the front before the two products, so that each is a plain batched matmul
        # over [B, K]: nanoGPT's default config then steps about 10% faster on XLA:CPU than
        # with einsums over [B, T, H, D] operands (experiments/nanogpt/README.md, Speed). The G
        # query heads that share a key/value head are stacked along the rows of one product.
        q_BKRD = q_BTHD.reshape(B, T, K, G, D).transpose(0, 2, 3, 1, 4).reshape(B, K, G * T, D)
        k_BKSD, v_BKSD = (t.transpose(0, 2, 1, 3) for t in (k_BSKD, v_BSKD))
        att_BKGTS = ((q_BKRD @ k_BKSD.swapaxes(-1, -2)) / math.sqrt(D)).reshape(B, K, G, T, S)
        visible = None  # broadcasts to [B, K, G, T, S]
        if causal or cache is not None:
            visible = k_slot[None, :] <= q_slot[:, None]
        if segments_BT is not None:
            same_BTS = segments_BT[:, :, None] == segments_BT[:, None, :]
            visible = same_BTS if visible is None else visible & same_BTS
        if kv_valid_BS is not None:
            seen_BTS = kv_valid_BS[:, None, :] | (k_slot[None, :] == q_slot[:, None])[None]
            visible = seen_BTS if visible is None else visible & seen_BTS
        if visible is not None:
            visible = visible[:, None, None] if visible.ndim == 3 else visible
            att_BKGTS = jnp.where(visible, att_BKGTS, -jnp.inf)
        # The softmax in float32 also under bfloat16 compute: its sums lose digits in 8 bits.
        att_BKGTS = jax.nn.softmax(att_BKGTS.astype(jnp.float32), axis=-1).astype(v_BKSD.dtype)
        att_BKGTS = self.attn_dropout(att_BKGTS, rngs=rngs)
        y_BKRD = att_BKGTS.reshape(B, K, G * T, S) @ v_BKSD
        y_BTC = y_BKRD.reshape(B, K, G, T, D).transpose(0, 3, 1, 2, 4).reshape(B, T, C)
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
    """down(act(up(x))); "swiglu": down(silu(gate(x)) * up(x)), gate and up in one matmul."""

    ACTIVATIONS = ("gelu", "gelu_tanh", "swiglu")

    def __init__(self, width: int, hidden: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False,
                 activation: str = "gelu"):
        if activation not in self.ACTIVATIONS:
            raise UserError(f"unknown MLP activation {activation!r}: {', '.join(self.ACTIVATIONS)}")
        self.activation = activation
        up_width = 2 * hidden if activation == "swiglu" else hidden
        self.up = Dense(width, up_width, ("embed", "mlp"), std=std, use_bias=use_bias, rngs=rngs)
        self.down = Dense(hidden, width, ("mlp", "embed"), std=out_std, use_bias=use_bias, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)

    def __call__(self, x, *, rngs=None):
        h = self.up(x)
        if self.activation == "swiglu":
            gate, up = jnp.split(h, 2, axis=-1)
            h = jax.nn.silu(gate) * up
        else:
            h = gelu(h) if self.activation == "gelu" else gelu_tanh(h)
        return self.dropout(self.down(h), rngs=rngs)


class Block(nnx.Module):
    """Pre-LN: x + attn(norm(x)), then x + mlp(norm(x)): the residual stream is never normalised
    in place. Post-LN (`post_norm=True`, BERT): norm(x + attn(x)), then norm(x + mlp(x)). With
    `cross_attention` (a decoder's block, pre-LN): x + cross(norm(x), memory) between the two."""

    def __init__(self, width: int, heads: int, *, dropout: float, rngs: nnx.Rngs,
                 std: float | None = 0.02, out_std: float | None = 0.02, use_bias: bool = False,
                 mlp_ratio: int = 4, mlp_hidden: int | None = None, mlp: str = "gelu",
                 norm: str = "layer", norm_eps: float = 1e-5, post_norm: bool = False,
                 kv_heads: int | None = None, rope_base: float | None = None,
                 cross_attention: bool = False, fused_attention: bool = False):
        """`std`: init scale of the matmuls (None: Dense's default); `out_std`: of the last matmul
        of each residual branch. `mlp_hidden` (default mlp_ratio * width): the MLP's width."""
        self.post_norm = post_norm
        self.ln_attn = norm_layer(norm, width, eps=norm_eps, use_bias=use_bias, rngs=rngs)
        self.attn = SelfAttention(width, heads, dropout=dropout, std=std, out_std=out_std,
                                  use_bias=use_bias, kv_heads=kv_heads, rope_base=rope_base,
                                  fused=fused_attention, rngs=rngs)
        self.ln_mlp = norm_layer(norm, width, eps=norm_eps, use_bias=use_bias, rngs=rngs)
        self.mlp = MLP(width, mlp_hidden or mlp_ratio * width, dropout=dropout, std=std,
                       out_std=out_std, use_bias=use_bias, activation=mlp, rngs=rngs)
        self.ln_cross = (norm_layer(norm, width, eps=norm_eps, use_bias=use_bias, rngs=rngs)
                         if cross_attention else None)
        self.cross = CrossAttention(width, heads, dropout=dropout, std=std, out_std=out_std,
                                    use_bias=use_bias, rngs=rngs) if cross_attention else None

    def __call__(self, x, *, causal=True, rngs=None, cache=None, pos=0, segments=None,
                 positions=None, kv_valid=None, memory=None):
        """`causal=False`: bidirectional self-attention (an encoder). `memory`: what
        `self.cross.memory_kv` made of the encoder's output, for a block with cross-attention."""
        attend = dict(causal=causal, rngs=rngs, cache=cache, pos=pos, segments_BT=segments,
                      positions_BT=positions, kv_valid_BS=kv_valid)
        if self.post_norm:
            y, cache = self.attn(x, **attend)
            x = self.ln_attn(x + y)
            return self.ln_mlp(x + self.mlp(x, rngs=rngs)), cache
        y, cache = self.attn(self.ln_attn(x), **attend)
        x = x + y
        if memory is not None:
            x = x + self.cross(self.ln_cross(x), memory, rngs=rngs)
        return x + self.mlp(self.ln_mlp(x), rngs=rngs), cache
