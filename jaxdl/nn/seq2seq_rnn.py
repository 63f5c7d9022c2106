"""A GRU encoder-decoder with additive attention (Bahdanau, Cho & Bengio 2015).

Encoder: a bidirectional GRU over the source; position j is annotated by h_j = [->h_j ; <-h_j]
(2H wide). Decoder: a GRU whose state s_i reads, at each step, the previous target token and a
context vector c_i, a weighted mean of the annotations:

  e_ij = v^T tanh(W s_{i-1} + U h_j),   alpha_ij = softmax_j(e_ij),   c_i = sum_j alpha_ij h_j
  s_i = GRU(s_{i-1}, [E y_{i-1} ; c_i]),   logits_i = Dense([s_i ; c_i ; E y_{i-1}])

U h_j does not depend on i: `encode` computes it once per source, the recurrent model's KV
cache. The first state is s_0 = tanh(W_s <-h_1), from the backward GRU that has read the whole
source. The output layer is linear where the paper used a maxout layer. The cells are those of
`jaxdl.nn.rnn`; the interface is `jaxdl.nn.seq2seq`'s (see its docstring).
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import Dense, embedding, take_rows
from jaxdl.nn.rnn import GRUCell, masked_scan


class GRUAttention(nnx.Module):
    def __init__(self, *, vocab_size: int, embed: int, hidden: int, attention: int,
                 pad_id: int = 0, rngs: nnx.Rngs):
        self.pad_id = pad_id
        self.hidden = hidden
        self.token_embedding = embedding(vocab_size, embed, ("vocab", "embed"), std=1.0, rngs=rngs)
        self.forward_cell = GRUCell(embed, hidden, rngs=rngs)
        self.backward_cell = GRUCell(embed, hidden, rngs=rngs)
        self.bridge = Dense(hidden, hidden, (None, "mlp"), rngs=rngs)  # W_s
        self.query = Dense(hidden, attention, (None, "mlp"), use_bias=False, rngs=rngs)  # W
        self.key = Dense(2 * hidden, attention, (None, "mlp"), rngs=rngs)  # U
        self.score = Dense(attention, 1, ("mlp", None), use_bias=False, rngs=rngs)  # v
        self.decoder_cell = GRUCell(embed + 2 * hidden, hidden, rngs=rngs)
        self.head = Dense(3 * hidden + embed, vocab_size, ("mlp", "vocab"), rngs=rngs)

    def encode(self, source_BS, *, rngs=None):
        """(annotations h_BSA, their keys U h, visible_BS, s_0): A = 2H."""
        visible_BS = source_BS != self.pad_id
        x_BSE = take_rows(self.token_embedding, source_BS)
        h0_BH = jnp.zeros((source_BS.shape[0], self.hidden), x_BSE.dtype)
        _, forward_BSH = masked_scan(self.forward_cell, self.forward_cell.project(x_BSE),
                                     visible_BS, h0_BH)
        backward_last_BH, backward_BSH = masked_scan(
            self.backward_cell, self.backward_cell.project(x_BSE[:, ::-1]), visible_BS[:, ::-1],
            h0_BH)
        h_BSA = jnp.concatenate([forward_BSH, backward_BSH[:, ::-1]], axis=-1)
        s0_BH = jnp.tanh(self.bridge(backward_last_BH))
        return h_BSA, self.key(h_BSA), visible_BS, s0_BH

    def init_cache(self, memory, length: int = 0):
        return memory[3]  # the decoder's state s_0

    def _run(self, tokens_BT, s_BH, memory):
        """(logits_BTV, last state, alpha_BTS) for the decoder inputs tokens_BT from state s_BH."""
        h_BSA, keys_BSK, visible_BS, _ = memory
        e_BTE = take_rows(self.token_embedding, tokens_BT)

        def step(s_BH, e_BE):
            scores_BS = self.score(jnp.tanh(self.query(s_BH)[:, None] + keys_BSK))[..., 0]
            alpha_BS = jax.nn.softmax(jnp.where(visible_BS, scores_BS, -jnp.inf), axis=-1)
            context_BA = jnp.einsum("bs,bsa->ba", alpha_BS, h_BSA)
            s_BH, _ = self.decoder_cell(s_BH, jnp.concatenate([e_BE, context_BA], axis=-1))
            return s_BH, (s_BH, context_BA, alpha_BS)

        s_BH, (s_TBH, context_TBA, alpha_TBS) = jax.lax.scan(step, s_BH, jnp.swapaxes(e_BTE, 0, 1))
        out_BTO = jnp.concatenate([s_TBH, context_TBA], axis=-1).swapaxes(0, 1)
        logits_BTV = self.head(jnp.concatenate([out_BTO, e_BTE], axis=-1))
        return logits_BTV, s_BH, jnp.swapaxes(alpha_TBS, 0, 1)

    def __call__(self, source_BS, target_in_BT, *, rngs=None):
        memory = self.encode(source_BS)
        return self._run(target_in_BT, memory[3], memory)[0]

    def decode(self, tokens_BT, cache, pos, memory):
        logits_BTV, s_BH, _ = self._run(tokens_BT, cache, memory)
        return logits_BTV, s_BH

    def attention_maps(self, source_BS, target_in_BT):
        """[1, B, 1, T, S]: the attention weights alpha, shaped as the transformer's maps."""
        memory = self.encode(source_BS)
        return self._run(target_in_BT, memory[3], memory)[2][None, :, None]
