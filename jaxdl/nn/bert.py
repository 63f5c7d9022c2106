"""BERT: a bidirectional transformer encoder for text representations (Devlin et al., 2018).

Token, position and token-type (segment A / B) embeddings are summed and LayerNorm-ed, then go
through post-LayerNorm blocks (`Block(post_norm=True)`: norm(x + attn(x)), norm(x + mlp(x)))
without a causal mask: every token sees every real token of its row. Padding positions
(`valid_BT` False) are hidden from the attention, so a sentence's states do not depend on how
much padding its batch needed. `mean_pool` turns the states into one sentence embedding (the
all-MiniLM-L6-v2 recipe); a classifier head can read it or the first ([CLS]) state.

Shapes: B batch, T tokens, C width.
"""

import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import embedding, layer_norm, take_rows
from jaxdl.nn.transformer import Block


class BertEncoder(nnx.Module):
    def __init__(self, *, vocab_size: int, max_positions: int, layers: int, heads: int,
                 width: int, mlp_hidden: int, type_vocab_size: int = 2, norm_eps: float = 1e-12,
                 dropout: float = 0.0, rngs: nnx.Rngs):
        self.context_size = max_positions
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), rngs=rngs)
        self.position_embedding = embedding(max_positions, width, (None, "embed"), rngs=rngs)
        self.token_type_embedding = embedding(type_vocab_size, width, (None, "embed"), rngs=rngs)
        self.ln_embed = layer_norm(width, use_bias=True, eps=norm_eps, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.blocks = nnx.List([
            Block(width, heads, dropout=dropout, use_bias=True, mlp_hidden=mlp_hidden,
                  mlp="gelu", norm_eps=norm_eps, post_norm=True, rngs=rngs)
            for _ in range(layers)
        ])

    def __call__(self, idx_BT, *, valid_BT=None, token_types_BT=None, rngs=None):
        """The last block's states [B, T, C]. `valid_BT` (default all True): real tokens;
        `token_types_BT` (default 0): which segment each token belongs to."""
        return self.features_from(self._embed(idx_BT, token_types_BT, rngs), 0, valid_BT,
                                  rngs=rngs)

    def _embed(self, idx_BT, token_types_BT=None, rngs=None):
        T = idx_BT.shape[1]
        if T > self.context_size:
            raise ValueError(f"sequence of {T} > max_positions {self.context_size}")
        types_BT = jnp.zeros_like(idx_BT) if token_types_BT is None else token_types_BT
        x_BTC = (take_rows(self.token_embedding, idx_BT) + self.position_embedding[:T]
                 + take_rows(self.token_type_embedding, types_BT))
        return self.dropout(self.ln_embed(x_BTC), rngs=rngs)

    def trunk(self, idx_BT, valid_BT, stop: int):
        """The states entering block `stop` (evaluation mode): with `features_from`, `__call__`
        split at a frozen cut (`jaxdl.tasks.frozen_cache`)."""
        return self.features_from(self._embed(idx_BT), 0, valid_BT, stop=stop)

    def features_from(self, x_BTC, start: int, valid_BT=None, *, stop=None, rngs=None):
        """blocks[start:stop] applied to the states entering block `start`."""
        for block in list(self.blocks)[start:stop]:
            x_BTC, _ = block(x_BTC, causal=False, kv_valid=valid_BT, rngs=rngs)
        return x_BTC


def mean_pool(x_BTC, valid_BT=None):
    """The mean of each row's states over its real tokens: [B, C]."""
    if valid_BT is None:
        return x_BTC.mean(axis=1)
    weight_BT1 = valid_BT[..., None].astype(x_BTC.dtype)
    return (x_BTC * weight_BT1).sum(axis=1) / jnp.maximum(weight_BT1.sum(axis=1), 1.0)
