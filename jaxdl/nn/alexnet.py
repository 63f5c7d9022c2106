"""AlexNet (Krizhevsky et al., 2012) in torchvision's single-GPU form, for NHWC images.

Five convolutions (11x11 stride 4, 5x5, then three 3x3) with ReLU and three 3x3 stride-2 max
pools, an adaptive average pool to 6x6, then three fully connected layers with dropout before
the first two. torchvision's version has no local response normalization and 64/192 channels in
the first two convs (the paper's two-GPU split had 96/256).

The 6x6x256 map is flattened in torchvision's channel-major order (C, H, W), so a torchvision
checkpoint's `classifier.1.weight` [4096, 9216] imports without permuting its columns.
"""

import jax
from flax import nnx

from jaxdl.nn.convblocks import Sequential, adaptive_avg_pool, conv, linear, max_pool


def pool(x: jax.Array) -> jax.Array:
    return max_pool(x, 3, 2)


class AlexNet(nnx.Module):
    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs,
                 dropout: float = 0.5):
        # torch's default init for AlexNet's convolutions: uniform +-1/sqrt(fan_in).
        torch_default = nnx.initializers.variance_scaling(1 / 3, "fan_in", "uniform")

        def conv_relu(cin, cout, k, stride=1, padding=None):
            return [conv(cin, cout, k, stride, padding=padding, use_bias=True,
                         kernel_init=torch_default, rngs=rngs), jax.nn.relu]

        self.features = Sequential([
            *conv_relu(in_channels, 64, 11, 4, padding=2), pool,  # features.0
            *conv_relu(64, 192, 5), pool,               # features.3
            *conv_relu(192, 384, 3),                    # features.6
            *conv_relu(384, 256, 3),                    # features.8
            *conv_relu(256, 256, 3), pool,              # features.10
        ])
        self.classifier = Sequential([
            nnx.Dropout(dropout), linear(256 * 6 * 6, 4096, rngs=rngs), jax.nn.relu,
            nnx.Dropout(dropout), linear(4096, 4096, rngs=rngs), jax.nn.relu,
            linear(4096, num_classes, rngs=rngs),
        ])

    def __call__(self, x_BHWC: jax.Array, rngs=None) -> jax.Array:
        h = adaptive_avg_pool(self.features(x_BHWC), 6)
        h = h.transpose(0, 3, 1, 2).reshape(h.shape[0], -1)  # (C, H, W) order, as torch flattens
        return self.classifier(h, rngs=rngs)
