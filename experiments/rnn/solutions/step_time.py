"""Exercise 3 (GRU chapter, research-y): where does the time of a step go?

Times one step of the GRU and LSTM cells (batch 32, input 64) at two hidden sizes: the forward
step, its gradient (with respect to the weights and the previous state), and the matrix product
alone (the concatenated [x, h] times all the gate matrices, the step's whole matmul work:
$2 B (E + H) \\cdot kH$ FLOPs with k = 3 for the GRU, 4 for the LSTM). The share of the forward
step that the product takes says whether the step is bound by the matmul or by the
element-wise gates; XLA's own FLOP count of the product is returned beside the formula's.

The article's question uses hidden 256 and 1024 (`main()`); the test runs 64 and 256. Medians
of a few calls on a shared machine: read ratios, and rerun before believing a single one.

  python experiments/rnn/solutions/step_time.py
"""

import statistics

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.bench import call_times
from jaxdl.nn.rnn import GRUCell, LSTMCell

CELLS = {"gru": (GRUCell, 3), "lstm": (LSTMCell, 4)}


def median_ms(fn, *args, repeats: int) -> float:
    return statistics.median(call_times(lambda: jax.block_until_ready(fn(*args)), repeats)) * 1e3


def time_cell(name: str, hidden: int, batch: int = 32, embed: int = 64, repeats: int = 20):
    cls, k = CELLS[name]
    cell = cls(embed, hidden, rngs=nnx.Rngs(0))
    graphdef, params = nnx.split(cell)
    x = jax.random.normal(jax.random.PRNGKey(0), (batch, embed))
    h = jax.random.normal(jax.random.PRNGKey(1), (batch, hidden))
    carry = cell.initial_carry(h)

    @jax.jit
    def forward(params, carry):
        return nnx.merge(graphdef, params)(carry, x)[1]

    @jax.jit
    def gradient(params, carry):
        return jax.grad(lambda p, c: forward(p, c).sum(), argnums=(0, 1))(params, carry)

    xh = jnp.concatenate([x, h], -1)
    w = jax.random.normal(jax.random.PRNGKey(2), (embed + hidden, k * hidden))
    matmul = jax.jit(jnp.matmul)
    xla_flops = matmul.lower(xh, w).compile().cost_analysis()["flops"]
    return {"forward ms": median_ms(forward, params, carry, repeats=repeats),
            "gradient ms": median_ms(gradient, params, carry, repeats=repeats),
            "matmul ms": median_ms(matmul, xh, w, repeats=repeats),
            "matmul flops": 2 * batch * (embed + hidden) * k * hidden, "xla flops": xla_flops}


def main(tiny: bool = False):
    hiddens = (64, 256) if tiny else (256, 1024)
    results = {(name, hidden): time_cell(name, hidden, repeats=5 if tiny else 50)
               for hidden in hiddens for name in CELLS}
    print("| cell | hidden | forward ms | gradient ms | matmul ms | matmul share of forward |")
    for (name, hidden), r in results.items():
        print(f"| {name} | {hidden} | {r['forward ms']:.3f} | {r['gradient ms']:.3f} | "
              f"{r['matmul ms']:.3f} | {r['matmul ms'] / r['forward ms']:.2f} |")
    return results


if __name__ == "__main__":
    main()
