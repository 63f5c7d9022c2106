"""Small building blocks shared by the models: parameters with logical axes, a 2-D Dense, GELU.

Every parameter names its logical axes (`out_sharding`), which `jaxdl.mesh` maps onto the device
mesh. `eager_sharding=False` keeps model construction mesh-free: the training loop places the
parameters itself (jit out_shardings), and tests or notebooks can build models anywhere.
"""

import math

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.errors import UserError


def param(rngs: nnx.Rngs, init, shape, axes: tuple[str | None, ...]) -> nnx.Param:
    return nnx.Param(init(rngs.params(), shape), out_sharding=axes, eager_sharding=False)


def partitioned(init, axes: tuple[str | None, ...]):
    """An initializer for library layers (nnx.LayerNorm, ...) that carries logical axes."""
    return nnx.with_partitioning(init, axes, eager_sharding=False)


class Dense(nnx.Module):
    """y = x @ W + b over the last axis.

    The matmul runs on 2-D [N, in] x [in, out] operands: XLA's CPU backward pass transposes 3-D
    activations slowly (docs/performance.md), and flattening the leading axes costs nothing.
    """

    def __init__(self, d_in: int, d_out: int, axes, *, rngs: nnx.Rngs, std: float | None = None,
                 use_bias: bool = True):
        # Default: the scale of torch.nn.Linear's init (uniform +-1/sqrt(d_in): variance 1/(3 d_in)).
        std = std if std is not None else 1 / math.sqrt(3 * d_in)
        self.kernel = param(rngs, nnx.initializers.normal(std), (d_in, d_out), axes)
        self.bias = param(rngs, nnx.initializers.zeros, (d_out,), axes[1:]) if use_bias else None

    def __call__(self, x: jax.Array) -> jax.Array:
        y = x.reshape(-1, x.shape[-1]) @ self.kernel[...]
        if self.bias is not None:
            y = y + self.bias[...]
        return y.reshape(*x.shape[:-1], y.shape[-1])


def gelu(x: jax.Array) -> jax.Array:
    """Exact GELU, x * Phi(x), as GPT-2 and nanoGPT (torch.nn.GELU()) use."""
    return 0.5 * x * (1.0 + jax.lax.erf(x / math.sqrt(2.0)))


def gelu_tanh(x: jax.Array) -> jax.Array:
    """GELU's tanh approximation, which GPT-2's released weights were trained with."""
    return 0.5 * x * (1.0 + jnp.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def layer_norm(dim: int, *, rngs: nnx.Rngs, use_bias: bool = False,
               eps: float = 1e-5) -> nnx.LayerNorm:
    return nnx.LayerNorm(
        dim,
        epsilon=eps,
        use_bias=use_bias,
        scale_init=partitioned(nnx.initializers.ones_init(), ("embed",)),
        bias_init=partitioned(nnx.initializers.zeros_init(), ("embed",)),
        rngs=rngs,
    )


def rms_norm(dim: int, *, rngs: nnx.Rngs, eps: float = 1e-5) -> nnx.RMSNorm:
    """x / sqrt(mean(x^2) + eps) * scale (Llama): LayerNorm without the mean and the bias."""
    return nnx.RMSNorm(dim, epsilon=eps,
                       scale_init=partitioned(nnx.initializers.ones_init(), ("embed",)), rngs=rngs)


def norm_layer(kind: str, dim: int, *, rngs: nnx.Rngs, eps: float = 1e-5, use_bias: bool = False):
    """kind "layer" (LayerNorm, bias if use_bias) or "rms" (RMSNorm, never a bias)."""
    if kind == "layer":
        return layer_norm(dim, use_bias=use_bias, eps=eps, rngs=rngs)
    if kind == "rms":
        return rms_norm(dim, eps=eps, rngs=rngs)
    raise UserError(f"unknown norm {kind!r}: layer or rms")


def embedding(num: int, dim: int, axes, *, rngs: nnx.Rngs, std: float = 0.02) -> nnx.Param:
    """A [num, dim] lookup table; rows are gathered with `table[...][ids]`."""
    return param(rngs, nnx.initializers.normal(std), (num, dim), axes)


def take_rows(table: nnx.Param, ids: jax.Array) -> jax.Array:
    return jnp.take(table[...], ids, axis=0)
