"""Self-attention built in stages, three ways to tell it where tokens are, and a small causal
transformer that uses them: the code of experiments/transformer_intro/README.md.

Stage 1 to 4 are plain functions of arrays (no modules), each one idea more than the last:
dot products of the inputs themselves, then learned projections, then the causal mask, then
several heads. `PositionalTransformer` stacks stage 4 into a language model with a choice of
position information ("none", "learned", "sinusoidal", "rotary"); its blocks reuse the project's
MLP and LayerNorm (jaxdl/nn/transformer.py). The project's production attention is
`jaxdl.nn.transformer.SelfAttention`; a test checks stage 4 against it.
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding, layer_norm, take_rows
from jaxdl.nn.transformer import MLP

POSITIONS = ("none", "learned", "sinusoidal", "rotary")


# ---- the four stages ---------------------------------------------------------------------------

def plain_self_attention(x_BTC):
    """Stage 1: each position's output is an average of all inputs, weighted by how well they
    match it: softmax(x x^T / sqrt(C)) x. No parameters at all."""
    scores_BTT = x_BTC @ x_BTC.swapaxes(-1, -2) / math.sqrt(x_BTC.shape[-1])
    return jax.nn.softmax(scores_BTT, axis=-1) @ x_BTC


def projected_self_attention(x_BTC, W_q, W_k, W_v):
    """Stage 2: what a position looks for (query), what it offers (key) and what it passes on
    (value) become three learned linear maps of it."""
    q, k, v = x_BTC @ W_q, x_BTC @ W_k, x_BTC @ W_v
    scores_BTT = q @ k.swapaxes(-1, -2) / math.sqrt(k.shape[-1])
    return jax.nn.softmax(scores_BTT, axis=-1) @ v


def causal_weights(q_BTD, k_BTD):
    """Stage 3's attention weights: position t may only look at positions s <= t."""
    T = q_BTD.shape[-2]
    scores = q_BTD @ k_BTD.swapaxes(-1, -2) / math.sqrt(k_BTD.shape[-1])
    visible_TT = jnp.tril(jnp.ones((T, T), bool))
    return jax.nn.softmax(jnp.where(visible_TT, scores, -jnp.inf), axis=-1)


def causal_self_attention(x_BTC, W_q, W_k, W_v):
    """Stage 3: stage 2 with the future masked out, so it can be trained to predict it."""
    return causal_weights(x_BTC @ W_q, x_BTC @ W_k) @ (x_BTC @ W_v)


def split_heads(x_BTC, heads):
    B, T, C = x_BTC.shape
    return x_BTC.reshape(B, T, heads, C // heads).transpose(0, 2, 1, 3)  # [B, H, T, D]


def multi_head_self_attention(x_BTC, W_q, W_k, W_v, W_o, heads, rotate=None):
    """Stage 4: H heads of width C / H attend independently (each can look for something else),
    their outputs are concatenated and mixed by W_o. `rotate`, if given, turns queries and keys
    by their positions first (rotary positions). Returns the output and the weights [B, H, T, T]."""
    q, k, v = (split_heads(x_BTC @ W, heads) for W in (W_q, W_k, W_v))
    if rotate is not None:
        q, k = rotate(q), rotate(k)
    weights_BHTT = causal_weights(q, k)
    y_BHTD = weights_BHTT @ v
    B, H, T, D = y_BHTD.shape
    return y_BHTD.transpose(0, 2, 1, 3).reshape(B, T, H * D) @ W_o, weights_BHTT


# ---- positions ---------------------------------------------------------------------------------

def sinusoidal(length: int, width: int):
    """[T, C]: PE[t, 2i] = sin(t / 10000^(2i/C)), PE[t, 2i+1] = cos(t / 10000^(2i/C))
    (Vaswani et al. 2017). Fixed, not learned; defined for any length."""
    angles_TI = jnp.arange(length)[:, None] / 10000 ** (jnp.arange(0, width, 2) / width)
    return jnp.stack([jnp.sin(angles_TI), jnp.cos(angles_TI)], axis=-1).reshape(length, width)


def rotary(x_BHTD, base: float = 10000.0, start: int = 0):
    """Rotate each pair (x_i, x_{i+D/2}) of a query or key at position t (= start, start + 1,
    ...) by the angle t * base^(-2i/D) (Su et al. 2021, the half-split layout of GPT-NeoX and
    Llama). The dot product of a rotated query at t and key at s then depends on t - s only:
    relative positions, no table."""
    T, D = x_BHTD.shape[-2:]
    angles_TI = (start + jnp.arange(T))[:, None] * base ** (-jnp.arange(0, D, 2) / D)
    cos, sin = jnp.cos(angles_TI), jnp.sin(angles_TI)
    x1, x2 = x_BHTD[..., : D // 2], x_BHTD[..., D // 2:]
    return jnp.concatenate([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)


# ---- the model ---------------------------------------------------------------------------------

class Attention(nnx.Module):
    """Stage 4 with its weights as parameters (Dense layers: the project's init and matmuls)."""

    def __init__(self, width: int, heads: int, *, rotary_positions: bool, rngs: nnx.Rngs):
        self.heads, self.rotary_positions = heads, rotary_positions
        self.query, self.key, self.value, self.out = (
            Dense(width, width, ("embed", "heads"), use_bias=False, rngs=rngs) for _ in range(4))

    def __call__(self, x_BTC):
        return multi_head_self_attention(
            x_BTC, self.query.kernel[...], self.key.kernel[...], self.value.kernel[...],
            self.out.kernel[...], self.heads, rotate=rotary if self.rotary_positions else None)


class PositionalTransformer(nnx.Module):
    """A pre-LayerNorm causal transformer LM whose only difference between runs is how it
    learns where each token is. `model(idx_BT)` -> logits; `model.attention_maps(idx_BT)` ->
    one [B, H, T, T] array of attention weights per layer."""

    def __init__(self, *, vocab_size: int, block_size: int, layers: int, heads: int, width: int,
                 positions: str, rngs: nnx.Rngs):
        if positions not in POSITIONS:
            raise UserError(f"unknown positions {positions!r}: one of {', '.join(POSITIONS)}")
        self.positions = positions
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), std=1.0, rngs=rngs)
        self.position_embedding = (embedding(block_size, width, (None, "embed"), std=1.0, rngs=rngs)
                                   if positions == "learned" else None)
        self.ln_attn = nnx.List([layer_norm(width, use_bias=True, rngs=rngs) for _ in range(layers)])
        self.attn = nnx.List([Attention(width, heads, rotary_positions=positions == "rotary",
                                        rngs=rngs) for _ in range(layers)])
        self.ln_mlp = nnx.List([layer_norm(width, use_bias=True, rngs=rngs) for _ in range(layers)])
        self.mlp = nnx.List([MLP(width, 4 * width, dropout=0.0, std=None, out_std=None,
                                 use_bias=True, rngs=rngs) for _ in range(layers)])
        self.ln_final = layer_norm(width, use_bias=True, rngs=rngs)
        self.head = Dense(width, vocab_size, ("embed", "vocab"), use_bias=False, rngs=rngs)

    def _run(self, idx_BT):
        x_BTC = take_rows(self.token_embedding, idx_BT)
        T, C = x_BTC.shape[1:]
        if self.positions == "learned":
            x_BTC = x_BTC + self.position_embedding[...][:T]
        elif self.positions == "sinusoidal":
            x_BTC = x_BTC + sinusoidal(T, C)
        maps = []
        for ln_attn, attn, ln_mlp, mlp in zip(self.ln_attn, self.attn, self.ln_mlp, self.mlp):
            y_BTC, weights_BHTT = attn(ln_attn(x_BTC))
            x_BTC = x_BTC + y_BTC
            x_BTC = x_BTC + mlp(ln_mlp(x_BTC))
            maps.append(weights_BHTT)
        return self.head(self.ln_final(x_BTC)), maps

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        return self._run(idx_BT)[0]

    def attention_maps(self, idx_BT):
        return self._run(idx_BT)[1]
