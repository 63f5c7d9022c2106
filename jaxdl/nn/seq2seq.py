"""The encoder-decoder transformer (Vaswani et al. 2017), with pre-LayerNorm blocks.

The encoder reads the whole source with bidirectional self-attention; the decoder writes the
target one token at a time with causal self-attention plus cross-attention to the encoder's
output. Both stacks are the shared `jaxdl.nn.transformer.Block` (`causal=False` for the encoder,
`cross_attention=True` for the decoder). One token table serves source, target and the output head.

Every encoder-decoder in jaxdl.nn offers the interface that `jaxdl.decode` (greedy and beam
search) and the seq2seq task use; every array in `memory` and `cache` has the batch first:

  model(source_BS, target_in_BT, rngs=None) -> logits_BTV      teacher forcing
  model.encode(source_BS) -> memory                             once per source
  model.init_cache(memory, length) -> cache
  model.decode(tokens_BT, cache, pos, memory) -> (logits_BTV, cache)
  model.attention_maps(source_BS, target_in_BT) -> att_LBHTS   cross-attention, per layer
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import embedding, layer_norm, take_rows
from jaxdl.nn.transformer import Block


class EncoderDecoder(nnx.Module):
    def __init__(self, *, vocab_size: int, source_len: int, target_len: int, layers: int,
                 heads: int, width: int, dropout: float, pad_id: int = 0, rngs: nnx.Rngs):
        """`layers` blocks in the encoder and as many in the decoder; GPT-2's init (N(0, 0.02),
        residual outputs scaled by 1/sqrt(2 * layers))."""
        self.pad_id = pad_id
        self.heads = heads
        self.token_embedding = embedding(vocab_size, width, ("vocab", "embed"), rngs=rngs)
        self.source_position = embedding(source_len, width, (None, "embed"), rngs=rngs)
        self.target_position = embedding(target_len, width, (None, "embed"), rngs=rngs)
        self.dropout = nnx.Dropout(dropout)
        init = dict(dropout=dropout, std=0.02, out_std=0.02 / math.sqrt(2 * layers), rngs=rngs)
        self.encoder = nnx.List([Block(width, heads, **init) for _ in range(layers)])
        self.ln_encoder = layer_norm(width, rngs=rngs)
        self.decoder = nnx.List([Block(width, heads, cross_attention=True, **init)
                                 for _ in range(layers)])
        self.ln_decoder = layer_norm(width, rngs=rngs)

    def _embed(self, ids_BT, positions, pos, rngs):
        where_TC = jax.lax.dynamic_slice_in_dim(positions[...], pos, ids_BT.shape[1])
        return self.dropout(take_rows(self.token_embedding, ids_BT) + where_TC, rngs=rngs)

    def encode(self, source_BS, *, rngs=None):
        """Per decoder layer, the keys and values of the encoder's output (`memory_kv`).

        Padding positions (pad_id) are invisible: in the encoder they form their own segment,
        so real tokens never attend to them, and cross-attention masks them out."""
        visible_BS = source_BS != self.pad_id
        x_BSC = self._embed(source_BS, self.source_position, 0, rngs)
        for block in self.encoder:
            x_BSC, _ = block(x_BSC, causal=False, segments=visible_BS.astype(jnp.int32), rngs=rngs)
        memory_BSC = self.ln_encoder(x_BSC)
        return [block.cross.memory_kv(memory_BSC, visible_BS) for block in self.decoder]

    def _decode(self, tokens_BT, memory, cache, pos, rngs):
        x_BTC = self._embed(tokens_BT, self.target_position, pos, rngs)
        new_cache = []
        for i, block in enumerate(self.decoder):
            x_BTC, layer_cache = block(x_BTC, rngs=rngs, pos=pos, memory=memory[i],
                                       cache=None if cache is None else cache[i])
            new_cache.append(layer_cache)
        x_NC = self.ln_decoder(x_BTC).reshape(-1, x_BTC.shape[-1])
        logits_NV = x_NC @ self.token_embedding[...].T  # the head is the token table, tied
        return logits_NV.reshape(*tokens_BT.shape, -1), new_cache

    def __call__(self, source_BS, target_in_BT, *, rngs=None):
        return self._decode(target_in_BT, self.encode(source_BS, rngs=rngs), None, 0, rngs)[0]

    def init_cache(self, memory, length: int):
        batch, width = memory[0][0].shape[0], self.token_embedding.shape[1]
        zeros = jnp.zeros((batch, length, self.heads, width // self.heads),
                          self.token_embedding.dtype)
        return [{"k": zeros, "v": zeros} for _ in self.decoder]

    def decode(self, tokens_BT, cache, pos, memory):
        return self._decode(tokens_BT, memory, cache, pos, None)

    def attention_maps(self, source_BS, target_in_BT):
        """[layers, B, heads, T, S]: each decoder layer's cross-attention weights (eval mode)."""
        for block in self.decoder:
            block.cross.record_weights = True
        try:
            _, weights = nnx.capture(self, nnx.Intermediate)(source_BS, target_in_BT)
        finally:
            for block in self.decoder:
                block.cross.record_weights = False
        return jnp.stack([weights["decoder"][i]["cross"]["attention"][0]
                          for i in range(len(self.decoder))])
