"""Exercise 5 (scaling, research-y): sequence parallelism for the position-wise parts of a
block (LayerNorm and the MLP): split the activations' time axis over the devices.

  python experiments/scaling/solutions/sequence_parallel.py

LayerNorm and the MLP treat every position on its own, so with the time axis split over 8
devices each device computes its 1/8 of the positions and nothing needs to be communicated; the
weights stay replicated. (Attention mixes positions: there the time axis must be gathered, which
is what Megatron's sequence parallelism does between its tensor-parallel regions.) A rule preset
would map a logical "length" axis of the activations to `model`; here the constraint is written
with `jax.lax.with_sharding_constraint` on a LayerNorm + MLP, and the result checked against one
device, as the article's tests do for the other meshes.
"""

import os

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec  # noqa: E402


def norm_mlp(params, x_BTC):
    mean = x_BTC.mean(-1, keepdims=True)
    h_BTC = (x_BTC - mean) * jax.lax.rsqrt(x_BTC.var(-1, keepdims=True) + 1e-5) * params["scale"]
    return x_BTC + jax.nn.gelu(h_BTC @ params["w1"]) @ params["w2"]


def main(tiny: bool = False, B=2, T=64, C=32, devices: int = 8):
    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    params = {"scale": 1 + 0.1 * jax.random.normal(keys[0], (C,)),
              "w1": jax.random.normal(keys[1], (C, 4 * C)) / np.sqrt(C),
              "w2": jax.random.normal(keys[2], (4 * C, C)) / np.sqrt(4 * C)}
    x_BTC = jax.random.normal(keys[3], (B, T, C))
    mesh = Mesh(np.array(jax.devices()[:devices]), ("model",), axis_types=(AxisType.Auto,))
    by_time = NamedSharding(mesh, PartitionSpec(None, "model", None))

    def sequence_parallel(params, x_BTC):
        x_BTC = jax.lax.with_sharding_constraint(x_BTC, by_time)
        return jax.lax.with_sharding_constraint(norm_mlp(params, x_BTC), by_time)

    one_device = jax.jit(norm_mlp)(params, x_BTC)
    split = jax.jit(sequence_parallel)(params, jax.device_put(x_BTC, by_time))
    hlo = jax.jit(sequence_parallel).lower(params, x_BTC).compile().as_text()
    result = dict(error=float(jnp.abs(split - one_device).max()),
                  shard_shape=split.sharding.shard_shape(split.shape),
                  collectives=sum(hlo.count(op) for op in ("all-gather", "all-reduce",
                                                           "all-to-all", "collective-permute")))
    if not tiny:
        print(result)
    return result


if __name__ == "__main__":
    main()
