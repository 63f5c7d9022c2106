"""RNN, GRU and LSTM at equal hidden size: parameters and the time of one forward + backward.

  python tests/benchmarks/recurrent_cells.py                  # hidden 64 and 256
  python tests/benchmarks/recurrent_cells.py --hidden=128 --rounds=5

A RecurrentLM (jaxdl/nn/rnn.py) per cell on a batch of 12 x 64 characters (nanoGPT's `:cpu`
batch, 65 characters, embedding 64): gradient of the mean cross-entropy, jitted. The cells are
timed in turns, `rounds` times, 20 calls each, and the median call is printed, so that other
load on the machine hits every cell alike; compare the ratios, not the absolute times.
"""

import argparse
import statistics

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl import losses
from jaxdl.bench import call_times
from jaxdl.nn.rnn import RecurrentLM

CELLS = ("rnn", "gru", "lstm")


def gradient_call(cell: str, hidden: int, batch: int = 12, length: int = 64, vocab: int = 65):
    """(number of parameters, a function that computes one gradient and waits for it)."""
    model = RecurrentLM(vocab_size=vocab, cell=cell, embed=64, hidden=hidden, rngs=nnx.Rngs(0))
    graphdef, params = nnx.split(model)
    idx = jax.random.randint(jax.random.PRNGKey(0), (batch, length + 1), 0, vocab)

    @jax.jit
    def grad(params):
        def loss(params):
            logits = nnx.merge(graphdef, params)(idx[:, :-1])
            return losses.cross_entropy(logits, idx[:, 1:], jnp.ones(idx[:, 1:].shape, bool))
        return jax.grad(loss)(params)

    count = sum(x.size for x in jax.tree.leaves(params))
    cell_count = sum(x.size for x in jax.tree.leaves(nnx.state(model.cell)))
    return count, cell_count, lambda: jax.block_until_ready(grad(params))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("| hidden | cell | cell params | model params | ms per gradient (median) | vs GRU |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for hidden in args.hidden:
        calls = {cell: gradient_call(cell, hidden) for cell in CELLS}
        times = {cell: [] for cell in CELLS}
        for _ in range(args.rounds):
            for cell in CELLS:
                times[cell] += call_times(calls[cell][2], 20)
        medians = {cell: statistics.median(t) * 1e3 for cell, t in times.items()}
        for cell in CELLS:
            print(f"| {hidden} | {cell} | {calls[cell][1]:,} | {calls[cell][0]:,} | "
                  f"{medians[cell]:.2f} | {medians[cell] / medians['gru']:.2f} |")


if __name__ == "__main__":
    main()
