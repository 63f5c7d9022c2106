"""Recurrent cells written from their equations, and a character-level recurrent LM.

Each cell maps (carry, x) -> (carry, h); the LM unrolls it over time with `jax.lax.scan`.
[x, h] is the concatenation of input and previous hidden state; sigma is the logistic sigmoid.
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding, take_rows


class RNNCell(nnx.Module):
    """h' = tanh(W [x, h] + b)  (Elman)."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs):
        self.hidden = hidden
        self.linear = Dense(d_in + hidden, hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0

    def output(self, carry):
        return carry

    def __call__(self, h, x):
        h = jnp.tanh(self.linear(jnp.concatenate([x, h], axis=-1)))
        return h, h


class GRUCell(nnx.Module):
    """r = sigma(W_r [x, h]),  z = sigma(W_z [x, h]),  n = tanh(W_n [x, r * h]),
    h' = (1 - z) * n + z * h   (Cho et al. 2014; z = 1 keeps the old state)."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs):
        self.hidden = hidden
        self.gates = Dense(d_in + hidden, 2 * hidden, ("embed", "mlp"), rngs=rngs)
        self.candidate = Dense(d_in + hidden, hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0

    def output(self, carry):
        return carry

    def __call__(self, h, x):
        r, z = jnp.split(jax.nn.sigmoid(self.gates(jnp.concatenate([x, h], axis=-1))), 2, axis=-1)
        n = jnp.tanh(self.candidate(jnp.concatenate([x, r * h], axis=-1)))
        h = (1 - z) * n + z * h
        return h, h


class LSTMCell(nnx.Module):
    """i, f, o = sigma(W_{i,f,o} [x, h]),  g = tanh(W_g [x, h]),
    c' = f * c + i * g,  h' = o * tanh(c')   (Hochreiter & Schmidhuber 1997, with forget gate)."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs):
        self.hidden = hidden
        self.gates = Dense(d_in + hidden, 4 * hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0, jnp.zeros_like(h0)

    def output(self, carry):
        return carry[0]

    def __call__(self, carry, x):
        h, c = carry
        i, f, g, o = jnp.split(self.gates(jnp.concatenate([x, h], axis=-1)), 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h


CELLS = {"rnn": RNNCell, "gru": GRUCell, "lstm": LSTMCell}


class RecurrentLM(nnx.Module):
    """Embedding -> recurrent cell over time (from a learned start state) -> linear head."""

    context_size = None  # the carry summarises any length of context

    def __init__(self, *, vocab_size: int, cell: str, embed: int, hidden: int, rngs: nnx.Rngs):
        if cell not in CELLS:
            raise UserError(f"Unknown cell {cell!r}; choose one of {sorted(CELLS)}")
        self.token_embedding = embedding(vocab_size, embed, ("vocab", "embed"), std=1.0, rngs=rngs)
        self.cell = CELLS[cell](embed, hidden, rngs=rngs)
        self.start = nnx.Param(jnp.zeros((hidden,)), out_sharding=("mlp",), eager_sharding=False)
        self.head = Dense(hidden, vocab_size, ("mlp", "vocab"), rngs=rngs)

    def init_cache(self, batch_size: int, length: int = 0):
        return self.cell.initial_carry(jnp.broadcast_to(self.start[...], (batch_size, self.cell.hidden)))

    def decode(self, idx_BT, carry, pos=0):
        x_TBE = jnp.swapaxes(take_rows(self.token_embedding, idx_BT), 0, 1)
        carry, h_TBH = jax.lax.scan(self.cell, carry, x_TBE)
        return self.head(jnp.swapaxes(h_TBH, 0, 1)), carry

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        return self.decode(idx_BT, self.init_cache(idx_BT.shape[0]))[0]
