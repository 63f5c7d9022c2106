"""MobileNetV2 (Sandler et al., 2018) as torchvision builds it, for NHWC images.

The building block is the inverted residual: a 1x1 conv widens the input t times ("expand"), a
3x3 depthwise conv (one filter per channel: `feature_group_count` = channels) filters each channel
spatially, and a 1x1 conv projects back down with no activation (the "linear bottleneck": a ReLU
on the narrow representation would destroy information). ReLU6 = min(max(x, 0), 6) follows the
other convs. The block adds its input back when shapes allow (stride 1, same width).

A depthwise 3x3 conv costs 9 C multiply-adds per pixel against 9 C^2 for a full one: this is how
the network stays at 300 M multiply-adds for a 224x224 image (ResNet-50: 4.1 G).

`width_multiplier` scales every width (rounded to multiples of 8, as torchvision does; the last
1280 only grows). Attribute names are torchvision's (`features.N.conv.M...`, `classifier.1`).
"""

import jax
from flax import nnx

from jaxdl.nn.convblocks import Sequential, batch_norm, conv, linear

# (expansion t, output channels c, repeats n, first stride s) per stage: the paper's table 2.
STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1))


def make_divisible(value: float, divisor: int = 8) -> int:
    """The nearest multiple of `divisor` (at least `divisor`), not more than 10% below `value`."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def conv_bn_relu6(in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                  *, groups: int = 1, rngs: nnx.Rngs) -> Sequential:
    """torchvision's Conv2dNormActivation: conv (no bias) -> BatchNorm -> ReLU6."""
    return Sequential([conv(in_channels, out_channels, kernel_size, stride, groups=groups,
                            rngs=rngs),
                       batch_norm(out_channels, rngs=rngs), jax.nn.relu6])


class InvertedResidual(nnx.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int, expansion: int, *,
                 rngs: nnx.Rngs):
        hidden = int(round(in_channels * expansion))
        self.use_residual = stride == 1 and in_channels == out_channels
        layers = []
        if expansion != 1:
            layers.append(conv_bn_relu6(in_channels, hidden, 1, rngs=rngs))
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden, rngs=rngs),
                   conv(hidden, out_channels, 1, rngs=rngs),
                   batch_norm(out_channels, rngs=rngs)]
        self.conv = Sequential(layers)

    def __call__(self, x: jax.Array) -> jax.Array:
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nnx.Module):
    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs,
                 width_multiplier: float = 1.0, dropout: float = 0.2):
        channels = make_divisible(32 * width_multiplier)
        self.num_features = make_divisible(1280 * max(1.0, width_multiplier))
        layers = [conv_bn_relu6(in_channels, channels, 3, 2, rngs=rngs)]
        for expansion, width, repeats, first_stride in STAGES:
            out = make_divisible(width * width_multiplier)
            for i in range(repeats):
                stride = first_stride if i == 0 else 1
                layers.append(InvertedResidual(channels, out, stride, expansion, rngs=rngs))
                channels = out
        layers.append(conv_bn_relu6(channels, self.num_features, 1, rngs=rngs))
        self.features = Sequential(layers)
        # torchvision's head init: N(0, 0.01) weights, zero bias.
        self.classifier = Sequential([
            nnx.Dropout(dropout),
            linear(self.num_features, num_classes, rngs=rngs,
                   kernel_init=nnx.initializers.normal(0.01)),
        ])

    def pooled_features(self, x_BHWC: jax.Array) -> jax.Array:
        """Images -> [B, num_features]: the backbone and global average pooling."""
        return self.features(x_BHWC).mean((1, 2))

    def __call__(self, x_BHWC: jax.Array, rngs=None) -> jax.Array:
        return self.classifier(self.pooled_features(x_BHWC), rngs=rngs)
