"""Text classifiers over token ids: an LSTM and a small transformer encoder.

Both take right-padded rows `ids_BT` (PAD = `pad_id`) and return class logits [B, K]:

* `LSTMClassifier`: embedding -> the LSTM cell of `jaxdl.nn.rnn` over the real tokens (the carry
  passes over padding unchanged) -> the last hidden state -> linear head.
* `TransformerClassifier`: embedding + learned positions -> bidirectional pre-LN blocks of
  `jaxdl.nn.transformer` (padding is its own segment, so real tokens never attend to it) ->
  LayerNorm -> mean over the real tokens -> linear head.
"""

import math

import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import Dense, embedding, layer_norm, take_rows
from jaxdl.nn.rnn import LSTMCell, masked_scan
from jaxdl.nn.transformer import Block


class LSTMClassifier(nnx.Module):
    def __init__(self, *, vocab_size: int, num_classes: int, embed: int, hidden: int,
                 dropout: float, pad_id: int = 0, rngs: nnx.Rngs):
        self.pad_id = pad_id
        self.token_embedding = embedding(vocab_size, embed, ("vocab", "embed"), std=1.0, rngs=rngs)
        self.cell = LSTMCell(embed, hidden, rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.head = Dense(hidden, num_classes, ("mlp", None), rngs=rngs)

    def __call__(self, ids_BT, *, rngs=None):
        x_BTE = self.dropout(take_rows(self.token_embedding, ids_BT), rngs=rngs)
        h0_BH = jnp.zeros((ids_BT.shape[0], self.cell.hidden), x_BTE.dtype)
        carry, _ = masked_scan(self.cell, self.cell.project(x_BTE), ids_BT != self.pad_id,
                               self.cell.initial_carry(h0_BH))
        return self.head(self.dropout(self.cell.output(carry), rngs=rngs))


class TransformerClassifier(nnx.Module):
    def __init__(self, *, vocab_size: int, num_classes: int, max_len: int, layers: int,
                 heads: int, width: int, dropout: float, pad_id: int = 0, rngs: nnx.Rngs):
        self.pad_id = pad_id
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), rngs=rngs)
        self.position_embedding = embedding(max_len, width, (None, "embed"), rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        self.blocks = nnx.List([
            Block(width, heads, dropout=dropout, std=0.02, out_std=0.02 / math.sqrt(2 * layers),
                  rngs=rngs)
            for _ in range(layers)
        ])
        self.ln_final = layer_norm(width, rngs=rngs)
        self.head = Dense(width, num_classes, ("embed", None), rngs=rngs)

    def __call__(self, ids_BT, *, rngs=None):
        real_BT = ids_BT != self.pad_id
        where_TC = self.position_embedding[...][:ids_BT.shape[1]]
        x_BTC = self.dropout(take_rows(self.token_embedding, ids_BT) + where_TC, rngs=rngs)
        for block in self.blocks:
            x_BTC, _ = block(x_BTC, causal=False, segments=real_BT.astype(jnp.int32), rngs=rngs)
        weights_BT1 = (real_BT / jnp.maximum(real_BT.sum(1, keepdims=True), 1))[..., None]
        pooled_BC = (self.ln_final(x_BTC) * weights_BT1).sum(1)
        return self.head(pooled_BC)
