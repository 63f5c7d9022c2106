"""GPT: a decoder-only transformer language model (GPT-2's layout, as in nanoGPT).

Token and learned position embeddings, pre-LayerNorm blocks, a final LayerNorm, and an output
head tied to the token embedding.

Every language model in jaxdl.nn offers the same interface: `model(idx_BT, rngs=None,
valid=None) -> logits_BTV` (rngs for dropout; `valid`, [B, T] booleans marking real rather than
padding positions, for models with batch statistics), and for sampling `init_cache(batch, length)`,
`decode(idx_BT, cache, pos) -> (logits_BTV, cache)` and `context_size` (None = unbounded).
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding, layer_norm, take_rows
from jaxdl.nn.transformer import Block


class GPT(nnx.Module):
    def __init__(self, *, vocab_size: int, block_size: int, layers: int, heads: int, width: int,
                 dropout: float, use_bias: bool = False, init: str = "gpt2", rngs: nnx.Rngs):
        """init="gpt2": N(0, 0.02) weights, residual outputs scaled by 1/sqrt(2 * layers), output
        head tied to the token embedding (GPT-2, nanoGPT). init="torch": PyTorch's module
        defaults and an untied head (makemore's transformer)."""
        if init not in ("gpt2", "torch"):
            raise UserError(f"unknown GPT init {init!r}: gpt2 or torch")
        gpt2 = init == "gpt2"
        self.context_size = block_size
        self.heads = heads
        embedding_std = 0.02 if gpt2 else 1.0
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), std=embedding_std,
                                         rngs=rngs)
        self.position_embedding = embedding(block_size, width, (None, "embed"), std=embedding_std,
                                            rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.blocks = nnx.List([
            Block(width, heads, dropout=dropout, std=0.02 if gpt2 else None,
                  out_std=0.02 / math.sqrt(2 * layers) if gpt2 else None, use_bias=use_bias,
                  rngs=rngs)
            for _ in range(layers)
        ])
        self.ln_final = layer_norm(width, use_bias=use_bias, rngs=rngs)
        self.head = None if gpt2 else Dense(width, vocab_size, ("embed", "vocab"), use_bias=False,
                                            rngs=rngs)

    def _forward(self, idx_BT, *, rngs, cache, pos, positions=None, segments=None):
        T = idx_BT.shape[1]
        if positions is None:  # one sequence per row, from position `pos`
            where_TC = jax.lax.dynamic_slice_in_dim(self.position_embedding[...], pos, T)
        else:  # packed rows: each token's position within its own sequence
            where_TC = take_rows(self.position_embedding, positions)
        x_BTC = self.dropout(take_rows(self.token_embedding, idx_BT) + where_TC, rngs=rngs)
        new_cache = []
        for i, block in enumerate(self.blocks):
            x_BTC, layer_cache = block(x_BTC, rngs=rngs, pos=pos, segments=segments,
                                       cache=None if cache is None else cache[i])
            new_cache.append(layer_cache)
        x_NC = self.ln_final(x_BTC).reshape(-1, x_BTC.shape[-1])
        logits_NV = self.head(x_NC) if self.head else x_NC @ self.token_embedding[...].T
        return logits_NV.reshape(*idx_BT.shape, -1), new_cache

    def __call__(self, idx_BT, *, rngs=None, valid=None, positions=None, segments=None):
        """`positions` and `segments` ([B, T] ints) describe packed rows, several sequences end to
        end (see `jaxdl.data.name_rows.pack`): each token gets the position embedding of its place in
        its own sequence and attends only within it, so a packed batch computes what the padded
        one does, on fewer positions."""
        if idx_BT.shape[1] > self.context_size and positions is None:
            raise ValueError(f"sequence of {idx_BT.shape[1]} > block_size {self.context_size}")
        return self._forward(idx_BT, rngs=rngs, cache=None, pos=0, positions=positions,
                             segments=segments)[0]

    def init_cache(self, batch_size: int, length: int):
        width = self.token_embedding.shape[1]
        shape = (batch_size, length, self.heads, width // self.heads)
        zeros = jnp.zeros(shape, self.token_embedding.dtype)
        return [{"k": zeros, "v": zeros} for _ in self.blocks]

    def decode(self, idx_BT, cache, pos):
        return self._forward(idx_BT, rngs=None, cache=cache, pos=pos)
