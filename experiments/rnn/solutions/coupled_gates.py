"""Exercise 3 (LSTM chapter): an LSTM whose input gate is 1 - f (coupled input-forget gate).

c' = f * c + (1 - f) * g keeps the cell a weighted average of its past and the candidate. One
gate fewer: the matrix is (E + H) x 3H instead of 4H, saving H (E + H) + H parameters.

  python experiments/rnn/solutions/coupled_gates.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.layers import Dense
from jaxdl.nn.rnn import Cell, LSTMCell, _input_half, _state_half


class CoupledLSTMCell(Cell):
    """f, o = sigma(W_{f,o} [x, h]), g = tanh(W_g [x, h]); c' = f c + (1 - f) g, h' = o tanh(c')."""

    def __init__(self, d_in: int, hidden: int, *, rngs: nnx.Rngs):
        self.hidden = hidden
        self.gates = Dense(d_in + hidden, 3 * hidden, ("embed", "mlp"), rngs=rngs)

    def initial_carry(self, h0):
        return h0, jnp.zeros_like(h0)

    def output(self, carry):
        return carry[0]

    def project(self, x):
        return _input_half(self.gates, x)

    def step(self, carry, xw):
        h, c = carry
        f, g, o = jnp.split(xw + _state_half(self.gates, h), 3, axis=-1)
        f = jax.nn.sigmoid(f)
        c = f * c + (1 - f) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h


def params(cell) -> int:
    return sum(p.size for p in jax.tree.leaves(nnx.state(cell, nnx.Param)))


def main(tiny: bool = False):
    E, H = (8, 16) if tiny else (64, 256)
    coupled, full = CoupledLSTMCell(E, H, rngs=nnx.Rngs(0)), LSTMCell(E, H, rngs=nnx.Rngs(0))
    saved = params(full) - params(coupled)
    # one step against the equations in NumPy, float64
    x, h, c = (np.random.default_rng(i).normal(size=(2, n)) for i, n in enumerate((E, H, H)))
    (h_new, c_new), _ = coupled((jnp.asarray(h), jnp.asarray(c)), jnp.asarray(x))
    W, b = np.asarray(coupled.gates.kernel[...], np.float64), np.asarray(coupled.gates.bias[...])
    f, g, o = np.split(np.concatenate([x, h], -1) @ W + b, 3, axis=-1)
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    want_c = sig(f) * c + (1 - sig(f)) * np.tanh(g)
    error = float(max(np.abs(c_new - want_c).max(), np.abs(h_new - sig(o) * np.tanh(want_c)).max()))
    print(f"coupled {params(coupled):,} params, LSTM {params(full):,}: saves {saved:,} "
          f"(= H (E + H) + H = {H * (E + H) + H:,}); one step vs NumPy: {error:.1e}")
    return saved, H * (E + H) + H, error


if __name__ == "__main__":
    main()
