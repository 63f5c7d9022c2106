"""Recurrent cells written from their equations, and a character-level recurrent LM.

Each cell maps (carry, x) -> (carry, h); the LM unrolls it over time with `jax.lax.scan`.
[x, h] is the concatenation of input and previous hidden state; sigma is the logistic sigmoid.

W [x, h] = W_x x + W_h h, and only the W_h h half depends on the previous step. So each cell
splits into `project(x)` (W_x x + b for every pre-activation: no recurrence, computed for all
time steps at once) and `step(carry, x_projected)` (the recurrent half, inside the scan); the LM
projects the vocabulary's embeddings once instead of every position's (`RecurrentLM.decode`).
"""

import functools

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, embedding


def _input_half(dense: Dense, x):
    """W_x x + b: the input's part of dense([x, ...]) (the first rows of the kernel)."""
    return x @ dense.kernel[...][:x.shape[-1]] + dense.bias[...]


def _state_half(dense: Dense, h):
    """W_h h: the previous state's part of dense([..., h]) (the last rows of the kernel)."""
    return h @ dense.kernel[...][-h.shape[-1]:]


class Cell(nnx.Module):
    """A cell's step on an input x: `step(carry, project(x))`."""

    def __call__(self, carry, x):
        return self.step(carry, self.project(x))


class RNNCell(Cell):
    """h' = tanh(W [x, h] + b)  (Elman); `activation="relu"` for max(0, .) instead of tanh."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs, activation: str = "tanh"):
        self.hidden = hidden
        self.activation = jax.nn.relu if activation == "relu" else jnp.tanh
        self.linear = Dense(d_in + hidden, hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0

    def output(self, carry):
        return carry

    def project(self, x):
        return _input_half(self.linear, x)

    def step(self, h, xw):
        h = self.activation(xw + _state_half(self.linear, h))
        return h, h


class GRUCell(Cell):
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

    def project(self, x):  # [gates | candidate]
        return jnp.concatenate([_input_half(self.gates, x), _input_half(self.candidate, x)], -1)

    def step(self, h, xw):
        xw_gates, xw_candidate = jnp.split(xw, [2 * self.hidden], axis=-1)
        r, z = jnp.split(jax.nn.sigmoid(xw_gates + _state_half(self.gates, h)), 2, axis=-1)
        n = jnp.tanh(xw_candidate + _state_half(self.candidate, r * h))
        h = (1 - z) * n + z * h
        return h, h


class LSTMCell(Cell):
    """i, f, o = sigma(W_{i,f,o} [x, h]),  g = tanh(W_g [x, h]),
    c' = f * c + i * g,  h' = o * tanh(c')   (Hochreiter & Schmidhuber 1997, with forget gate)."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs):
        self.hidden = hidden
        self.gates = Dense(d_in + hidden, 4 * hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0, jnp.zeros_like(h0)

    def output(self, carry):
        return carry[0]

    def project(self, x):
        return _input_half(self.gates, x)

    def step(self, carry, xw):
        h, c = carry
        i, f, g, o = jnp.split(xw + _state_half(self.gates, h), 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h


CELLS = {"rnn": RNNCell, "rnn_relu": functools.partial(RNNCell, activation="relu"),
         "gru": GRUCell, "lstm": LSTMCell}


def masked_scan(cell: Cell, xw_BTO, valid_BT, carry):
    """(last carry, outputs h_BTH): `cell.step` over time on projected inputs; at positions
    that are not valid (padding) the carry passes through unchanged, so on right-padded rows
    the last carry is the one after the last real token, and a pass over reversed rows starts
    at `carry` on the last real token."""

    def step(carry, inputs):
        xw_BO, valid_B = inputs
        new_carry, _ = cell.step(carry, xw_BO)
        carry = jax.tree.map(lambda new, old: jnp.where(valid_B[:, None], new, old),
                             new_carry, carry)
        return carry, cell.output(carry)

    carry, h_TBH = jax.lax.scan(step, carry, (jnp.swapaxes(xw_BTO, 0, 1), valid_BT.T))
    return carry, jnp.swapaxes(h_TBH, 0, 1)


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
        # project(embedding[idx]) = project(embedding)[idx]: project the V vocabulary rows once,
        # not the B*T positions; the same numbers for less work (makemore README, Performance).
        xw_VO = self.cell.project(self.token_embedding[...])
        carry, h_TBH = jax.lax.scan(self.cell.step, carry, jnp.take(xw_VO, idx_BT.T, axis=0))
        return self.head(jnp.swapaxes(h_TBH, 0, 1)), carry

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        return self.decode(idx_BT, self.init_cache(idx_BT.shape[0]))[0]
