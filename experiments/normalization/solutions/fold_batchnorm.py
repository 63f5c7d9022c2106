"""Exercise 2 (normalization): fold an eval-mode BatchNorm into the linear layer before it.

In eval mode BatchNorm is an affine map per feature, y = (z - mu) gamma / sqrt(var + eps) + beta,
so Linear (z = x W + b) followed by it is one Linear with

    W' = W * gamma / sqrt(var + eps)          (each column scaled)
    b' = (b - mu) * gamma / sqrt(var + eps) + beta.

Inference frameworks do this to save a pass over the activations. Fold `jaxdl.nn.norms.BatchNorm`
(with running statistics from a few training batches, and random gamma, beta) and check that the
folded layer gives the same outputs. Why can a training-mode BatchNorm not be folded?

  python experiments/normalization/solutions/fold_batchnorm.py
"""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.norms import BatchNorm


def fold(W, b, norm: BatchNorm):
    factor = norm.scale[...] / jnp.sqrt(norm.var[...] + norm.eps)
    return W * factor, (b - norm.mean[...]) * factor + norm.bias[...]


def main(tiny: bool = False):
    """(max |folded - Linear then BatchNorm|, max |output|) on a test batch, in float32."""
    rng = np.random.default_rng(0)
    W = jnp.asarray(rng.standard_normal((8, 16)), jnp.float32)
    b = jnp.asarray(rng.standard_normal(16), jnp.float32)
    norm = BatchNorm(16, momentum=0.5)
    norm.scale[...] = jnp.asarray(rng.uniform(0.5, 2, 16), jnp.float32)
    norm.bias[...] = jnp.asarray(rng.standard_normal(16), jnp.float32)
    apply = nnx.jit(lambda norm, x: norm(x @ W + b))  # one compile per mode, not one per op
    for _ in range(5):  # training mode: the running averages move towards the batch statistics
        apply(norm, jnp.asarray(3 + 2 * rng.standard_normal((32, 8)), jnp.float32))
    norm.use_running_average = True  # what model.eval() sets
    x = jnp.asarray(3 + 2 * rng.standard_normal((10, 8)), jnp.float32)
    reference = apply(norm, x)
    W_folded, b_folded = fold(W, b, norm)
    error = float(jnp.abs(x @ W_folded + b_folded - reference).max())
    print(f"folded Linear vs Linear -> BatchNorm (eval): max |difference| {error:.2e} "
          f"(outputs up to {float(jnp.abs(reference).max()):.2f})")
    return error, float(jnp.abs(reference).max())


if __name__ == "__main__":
    main()
