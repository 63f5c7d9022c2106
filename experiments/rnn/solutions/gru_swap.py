"""Exercise (GRU chapter): jaxdl, like PyTorch, writes h' = (1 - z) * n + z * h; makemore
writes the same cell with z and 1 - z swapped, h' = (1 - z) * h + z * n. They are one model
family: since 1 - sigma(a) = sigma(-a), negating the update gate's weights and bias turns one
convention into the other. And z = 1 (here: a large update-gate bias) copies the state.

  python experiments/rnn/solutions/gru_swap.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.rnn import GRUCell, _state_half


def swapped_step(cell: GRUCell, h, xw):
    """makemore's convention, h' = (1 - z') * h + z' * n, with z' = sigma(-(update gate's input))."""
    xw_gates, xw_candidate = jnp.split(xw, [2 * cell.hidden], axis=-1)
    r_pre, z_pre = jnp.split(xw_gates + _state_half(cell.gates, h), 2, axis=-1)
    r, z_swapped = jax.nn.sigmoid(r_pre), jax.nn.sigmoid(-z_pre)  # negated weights and bias
    n = jnp.tanh(xw_candidate + _state_half(cell.candidate, r * h))
    return (1 - z_swapped) * h + z_swapped * n


def main(tiny: bool = False):
    cell = GRUCell(5, 8, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.PRNGKey(1), (3, 5))
    h = jax.random.normal(jax.random.PRNGKey(2), (3, 8))
    ours, _ = cell(h, x)
    other = swapped_step(cell, h, cell.project(x))
    error = float(np.abs(ours - other).max())
    # and z -> 1 copies the state: a large update-gate bias keeps h unchanged
    bias = cell.gates.bias
    bias[...] = bias[...].at[8:].set(30.0)
    copied = float(np.abs(cell(h, x)[0] - h).max())
    print(f"two conventions differ by {error:.1e}; with z = 1 the step changes h by {copied:.1e}")
    return error, copied


if __name__ == "__main__":
    main()
