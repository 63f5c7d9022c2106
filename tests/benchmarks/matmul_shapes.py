"""How fast XLA:CPU multiplies the matrices of nanoGPT's `:cpu` step, each on its own.

  python tests/benchmarks/matmul_shapes.py                 # all cores
  taskset -c 0 python tests/benchmarks/matmul_shapes.py    # one core

For every matmul of the step (forward, and the two backward products of each dense layer, on
the 12 x 64 = 768 tokens of a batch) prints GFLOP/s: the best of 200 jitted calls, and the
median. Set against the 2048^3 peak printed last, this shows how well the cores split matrices
this small; the step's MFU cannot beat it.
"""

import statistics

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.bench import call_times, measured_cpu_peak

TOKENS = 768
SHAPES = {  # name: (m, k, n) of an [m, k] x [k, n] product
    "qkv": (TOKENS, 128, 384), "attention out": (TOKENS, 128, 128),
    "mlp up": (TOKENS, 128, 512), "mlp down": (TOKENS, 512, 128),
    "d input of qkv": (TOKENS, 384, 128), "d input of mlp down": (TOKENS, 128, 512),
    "d weight of qkv": (128, TOKENS, 384), "d weight of mlp up": (128, TOKENS, 512),
    "d weight of mlp down": (512, TOKENS, 128),
}


def rates(m: int, k: int, n: int, repeats: int = 200) -> tuple[float, float]:
    """GFLOP/s of a jitted [m, k] x [k, n] product: the best call's and the median call's."""
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((m, k), np.float32))
    b = jnp.asarray(rng.standard_normal((k, n), np.float32))
    dot = jax.jit(jnp.dot)
    times = call_times(lambda: dot(a, b).block_until_ready(), repeats)
    return 2 * m * k * n / min(times) / 1e9, 2 * m * k * n / statistics.median(times) / 1e9


def main():
    for name, (m, k, n) in SHAPES.items():
        best, median = rates(m, k, n)
        print(f"{name:22s} [{m}, {k}] x [{k}, {n}]: {best:5.0f} GFLOP/s best, {median:5.0f} median")
    jnp_dot = measured_cpu_peak()[1]["jnp.dot"]  # the peak jaxdl.bench measures, jnp.dot's part
    print(f"{'peak':22s} [2048, 2048] x [2048, 2048]: {jnp_dot / 1e9:5.0f} GFLOP/s best")


if __name__ == "__main__":
    main()
