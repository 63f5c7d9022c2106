"""Exercise 2 (jax_basics): predict when jit traces again.

`jax.jit` traces a function once per combination of input shapes, dtypes and static arguments.
Write `scale(x, mode)` with a Python `if` on `mode` (static: `static_argnames="mode"`), record
every trace in a list, and call it with (float32 [3], "train"), the same again, (float32 [3],
"eval"), (float32 [4], "train"), (int32 [3], "train"). Predict the list before running. Then
write a Python `if` on an array's value inside jit and see which error JAX raises.

  python experiments/jax_basics/solutions/retracing.py
"""

import functools

import jax
import jax.numpy as jnp

CALLS = [((3,), jnp.float32, "train"), ((3,), jnp.float32, "train"), ((3,), jnp.float32, "eval"),
         ((4,), jnp.float32, "train"), ((3,), jnp.int32, "train")]


def main(tiny: bool = False):
    """(the traces as (shape, dtype name, mode), the error class of an `if` on a traced value)."""
    traces = []

    @functools.partial(jax.jit, static_argnames="mode")
    def scale(x, mode):
        traces.append((x.shape, x.dtype.name, mode))  # runs only while tracing
        if mode == "train":  # fine: mode is a Python string, fixed at trace time
            return 2 * x
        return x

    for shape, dtype, mode in CALLS:
        scale(jnp.ones(shape, dtype), mode=mode)

    @jax.jit
    def positive_part(x):
        if x > 0:  # a value only known when the compiled code runs
            return x
        return 0 * x

    try:
        positive_part(jnp.float32(1))
        error = None
    except Exception as e:  # noqa: BLE001 (we want to show which one)
        error = type(e).__name__
    print(f"{len(CALLS)} calls, {len(traces)} traces: {traces}\nif on a traced value: {error}")
    return traces, error


if __name__ == "__main__":
    main()
