"""Exercise 1 (LSTM chapter): the LSTM cell has 4 (H (E + H) + H) parameters.

  python experiments/rnn/solutions/lstm_count.py
"""

import jax
from flax import nnx

from jaxdl.nn.rnn import LSTMCell


def counts(E: int = 10, H: int = 7) -> tuple[int, int]:
    """(parameters of a built cell, the formula)."""
    cell = LSTMCell(E, H, rngs=nnx.Rngs(0))
    return sum(p.size for p in jax.tree.leaves(nnx.state(cell, nnx.Param))), 4 * (H * (E + H) + H)


def main(tiny: bool = False):
    built, formula = counts()
    print(f"built {built}, formula {formula}")
    return built, formula


if __name__ == "__main__":
    main()
