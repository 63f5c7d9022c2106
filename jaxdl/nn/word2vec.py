"""word2vec's two tables and its negative-sampling losses: skip-gram and CBOW (Flax NNX).

Each word has an input vector ``v`` (the embedding kept afterwards) and an output vector ``u``.
For a hidden vector ``h`` (the center's ``v`` in skip-gram, the mean of the context's ``v`` in
CBOW), a true word ``o`` and noise words ``k_1..k_K``, the loss is

    -log sigma(u_o . h) - sum_k log sigma(-u_k . h)

Initialisation as in the C tool: inputs uniform in +-0.5/dim, outputs zero.
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import param, take_rows


def _uniform(scale: float):
    return lambda key, shape: jax.random.uniform(key, shape, minval=-scale, maxval=scale)


class Word2Vec(nnx.Module):
    def __init__(self, vocab_size: int, dim: int, *, rngs: nnx.Rngs):
        self.inputs = param(rngs, _uniform(0.5 / dim), (vocab_size, dim), ("vocab", "embed"))
        self.outputs = param(rngs, nnx.initializers.zeros, (vocab_size, dim), ("vocab", "embed"))

    def skipgram_loss(self, center_B, context_B, negatives_BK) -> jax.Array:
        """Per-pair loss [B]: the center's input vector predicts its context word."""
        return self._negative_sampling(take_rows(self.inputs, center_B), context_B, negatives_BK)

    def cbow_loss(self, context_BW, valid_BW, center_B, negatives_BK) -> jax.Array:
        """Per-window loss [B]: the mean input vector of the valid context words predicts the center."""
        v_BWD = take_rows(self.inputs, context_BW) * valid_BW[..., None]
        h_BD = v_BWD.sum(1) / jnp.maximum(valid_BW.sum(1, keepdims=True), 1)
        return self._negative_sampling(h_BD, center_B, negatives_BK)

    def _negative_sampling(self, h_BD, positive_B, negatives_BK) -> jax.Array:
        score_B = jnp.sum(h_BD * take_rows(self.outputs, positive_B), axis=-1)
        score_BK = jnp.einsum("bd,bkd->bk", h_BD, take_rows(self.outputs, negatives_BK))
        return -jax.nn.log_sigmoid(score_B) - jax.nn.log_sigmoid(-score_BK).sum(-1)
