"""Exercise 1 of the LSTM and GRU chapters: a gated cell with g gates (LSTM 4, GRU 3) has
g (H (E + H) + H) parameters: each gate is a matmul of [x, h] (E + H inputs, H outputs) plus a bias.

  python experiments/rnn/solutions/cell_count.py
"""

import jax
from flax import nnx

from jaxdl.nn.rnn import GRUCell, LSTMCell


def counts(E: int = 10, H: int = 7) -> dict[str, tuple[int, int]]:
    """cell -> (parameters of a built cell, the formula)."""
    out = {}
    for name, cell_class, gates in (("lstm", LSTMCell, 4), ("gru", GRUCell, 3)):
        cell = cell_class(E, H, rngs=nnx.Rngs(0))
        built = sum(p.size for p in jax.tree.leaves(nnx.state(cell, nnx.Param)))
        out[name] = (built, gates * (H * (E + H) + H))
    return out


def main(tiny: bool = False):
    found = counts()
    for name, (built, formula) in found.items():
        print(f"{name}: built {built}, formula {formula}")
    return found


if __name__ == "__main__":
    main()
