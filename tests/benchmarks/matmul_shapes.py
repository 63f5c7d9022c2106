"""How fast XLA:CPU multiplies the matrices of nanoGPT's `:cpu` step, each on its own.

  python tests/benchmarks/matmul_shapes.py                 # all cores
  taskset -c 0 python tests/benchmarks/matmul_shapes.py    # one core

For every matmul of the step (forward, and the two backward products of each dense layer, on
the 12 x 64 = 768 tokens of a batch) prints GFLOP/s: the best of 200 jitted calls, and the
median. Set against the 2048^3 peak printed last, this shows how well the cores split matrices
this small; the step's MFU cannot beat it.
"""

import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

TOKENS = 768
SHAPES = {  # name: (m, k, n) of an [m, k] x [k, n] product
    "qkv": (TOKENS, 128, 384), "attention out": (TOKENS, 128, 128),
    "mlp up": (TOKENS, 128, 512), "mlp down": (TOKENS, 512, 128),
    "d input of qkv": (TOKENS, 384, 128), "d input of mlp down": (TOKENS, 128, 512),
    "d weight of qkv": (128, TOKENS, 384), "d weight of mlp up": (128, TOKENS, 512),
    "d weight of mlp down": (512, TOKENS, 128),
}


def seconds(fn, repeats: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def rate(m: int, k: int, n: int, repeats: int = 200) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal((m, k), np.float32))
    b = jnp.asarray(rng.standard_normal((k, n), np.float32))
    dot = jax.jit(jnp.dot)
    best, median = seconds(lambda: dot(a, b).block_until_ready(), repeats)
    return 2 * m * k * n / best / 1e9, 2 * m * k * n / median / 1e9


def main():
    for name, (m, k, n) in SHAPES.items():
        best, median = rate(m, k, n)
        print(f"{name:22s} [{m}, {k}] x [{k}, {n}]: {best:5.0f} GFLOP/s best, {median:5.0f} median")
    best, _ = rate(2048, 2048, 2048, repeats=10)
    print(f"{'peak':22s} [2048, 2048] x [2048, 2048]: {best:5.0f} GFLOP/s best")


if __name__ == "__main__":
    main()
