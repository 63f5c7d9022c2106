"""Convolution building blocks shared by AlexNet, ResNet and MobileNetV2, laid out like torchvision.

The three models keep torchvision's module tree: a torch state_dict key such as
`layer1.0.bn1.running_mean` names the same tensor as our path `layer1/0/bn1/mean`. Sub-layers that
torchvision groups in an `nn.Sequential` live in a `Sequential` (an `nnx.List`, whose children are
named 0, 1, 2, ...), so importing pretrained weights is a key map plus layout changes
(`jaxdl.pretrained.convert`), never a hand-written table.

Logical axes: a kernel [kh, kw, in, out] is split over "embed" (in) and "mlp" (out), like a Dense
layer; per-channel vectors follow "mlp"; a classifier's [features, classes] matrix is
("embed", "vocab").
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.layers import partitioned

# torchvision's init for convolutions: He normal over fan-out (kernel area x output channels).
KAIMING_FAN_OUT = nnx.initializers.variance_scaling(2.0, "fan_out", "normal")


class Sequential(nnx.List):
    """Layers applied in order, passing the dropout key stream to the layers that take one."""

    def __call__(self, x: jax.Array, rngs=None) -> jax.Array:
        for layer in self:
            x = layer(x, rngs=rngs) if isinstance(layer, nnx.Dropout) else layer(x)
        return x


def conv(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, *,
         rngs: nnx.Rngs, padding: int | None = None, groups: int = 1,
         use_bias: bool = False, kernel_init=KAIMING_FAN_OUT) -> nnx.Conv:
    """torch.nn.Conv2d's semantics: symmetric zero padding (default (k - 1) // 2), `groups`."""
    pad = (kernel_size - 1) // 2 if padding is None else padding
    # A depthwise kernel has one input channel per group: nothing to split on "embed".
    in_axis = "embed" if groups == 1 else None
    return nnx.Conv(in_channels, out_channels, (kernel_size, kernel_size), (stride, stride),
                    padding=((pad, pad), (pad, pad)), feature_group_count=groups,
                    use_bias=use_bias, rngs=rngs,
                    kernel_init=partitioned(kernel_init, (None, None, in_axis, "mlp")),
                    bias_init=partitioned(nnx.initializers.zeros_init(), ("mlp",)))


def batch_norm(channels: int, *, rngs: nnx.Rngs) -> nnx.BatchNorm:
    """torch.nn.BatchNorm2d's defaults: eps 1e-5 and running averages with torch's momentum 0.1,
    which is flax's momentum 0.9 (flax weighs the old average, torch the new batch)."""
    return nnx.BatchNorm(channels, momentum=0.9, epsilon=1e-5, rngs=rngs,
                         scale_init=partitioned(nnx.initializers.ones_init(), ("mlp",)),
                         bias_init=partitioned(nnx.initializers.zeros_init(), ("mlp",)))


def linear(in_features: int, out_features: int, *, rngs: nnx.Rngs,
           kernel_init=None) -> nnx.Linear:
    """torch.nn.Linear; default weights uniform in +-1/sqrt(in_features), as torch draws them."""
    kernel_init = kernel_init or nnx.initializers.variance_scaling(1 / 3, "fan_in", "uniform")
    return nnx.Linear(in_features, out_features, rngs=rngs,
                      kernel_init=partitioned(kernel_init, ("embed", "vocab")),
                      bias_init=partitioned(nnx.initializers.zeros_init(), ("vocab",)))


def max_pool(x_BHWC: jax.Array, kernel_size: int, stride: int, padding: int = 0) -> jax.Array:
    """torch.nn.MaxPool2d (floor mode): padded positions are -inf, so they never win."""
    pad = ((padding, padding), (padding, padding))
    return nnx.max_pool(x_BHWC, (kernel_size, kernel_size), (stride, stride), padding=pad)


def adaptive_pool_matrix(size_in: int, size_out: int) -> jax.Array:
    """[size_out, size_in] averaging weights of torch's adaptive pooling: output i averages inputs
    floor(i * in / out) .. ceil((i + 1) * in / out) - 1 (bins may overlap, or repeat an input)."""
    rows = []
    for i in range(size_out):
        start, end = (i * size_in) // size_out, -(-(i + 1) * size_in // size_out)
        rows.append([1.0 / (end - start) if start <= j < end else 0.0 for j in range(size_in)])
    return jnp.asarray(rows, jnp.float32)


def adaptive_avg_pool(x_BHWC: jax.Array, size: int) -> jax.Array:
    """torch.nn.AdaptiveAvgPool2d((size, size)) as two small matmuls, one per spatial axis."""
    _, H, W, _ = x_BHWC.shape
    if (H, W) == (size, size):
        return x_BHWC
    return jnp.einsum("ih,bhwc,jw->bijc", adaptive_pool_matrix(H, size), x_BHWC,
                      adaptive_pool_matrix(W, size))
