"""Exercise 1 (jax_basics): translate in-place PyTorch code into JAX.

    x = torch.arange(12.).reshape(3, 4)
    x[x < 3] = 0          # masked assignment
    x[:, 0] += 1          # add to a column
    x[1] *= 2             # scale a row

JAX arrays are immutable: use `jnp.where` for the mask and `x.at[...]` for the indexed updates,
each returning a new array. Check the result against the same code run in place on a NumPy array,
and that the original JAX array did not change.

  python experiments/jax_basics/solutions/in_place.py
"""

import jax.numpy as jnp
import numpy as np


def with_jax(x):
    x = jnp.where(x < 3, 0.0, x)
    x = x.at[:, 0].add(1)
    return x.at[1].multiply(2)


def with_numpy_in_place(x):
    x[x < 3] = 0
    x[:, 0] += 1
    x[1] *= 2
    return x


def main(tiny: bool = False):
    """(JAX result, NumPy in-place result, the JAX input afterwards)."""
    original = jnp.arange(12.0).reshape(3, 4)
    result = with_jax(original)
    expected = with_numpy_in_place(np.arange(12.0).reshape(3, 4))
    print(f"JAX:\n{result}\nNumPy in place:\n{expected}\noriginal JAX array afterwards:\n{original}")
    return np.asarray(result), expected, np.asarray(original)


if __name__ == "__main__":
    main()
