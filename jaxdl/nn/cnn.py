"""Convolutional classifiers for small images: LeNet-5, VGG (configurable depth and width) and a
small CNN, NHWC in, logits out.

Each takes `image_size` (the side of the square input) because its classifier flattens the last
feature map, whose size depends on it. Convolution kernels are HWIO with logical axes
(None, None, "embed", "mlp"), like a Dense kernel's (in, out).
"""

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.nn.convblocks import batch_norm, conv
from jaxdl.nn.layers import Dense

# He (Kaiming) normal: keeps the activations' scale through ReLU layers (the VGG-without-
# BatchNorm depths need it; torch's default would shrink them layer by layer).
HE_NORMAL = nnx.initializers.variance_scaling(2.0, "fan_in", "normal")


def pool(x_BHWC: jax.Array, kind: str = "max") -> jax.Array:
    """2x2 pooling with stride 2 (an odd last row or column is dropped, as in torch)."""
    op = nnx.max_pool if kind == "max" else nnx.avg_pool
    return op(x_BHWC, (2, 2), strides=(2, 2))


class ConvBlock(nnx.Module):
    """3x3 conv (SAME) -> BatchNorm (optional) -> ReLU. With BatchNorm the conv has no bias:
    BatchNorm's shift replaces it."""

    def __init__(self, c_in: int, c_out: int, *, batch_norm_: bool, rngs: nnx.Rngs):
        self.conv = conv(c_in, c_out, 3, use_bias=not batch_norm_, kernel_init=HE_NORMAL,
                         rngs=rngs)
        self.norm = batch_norm(c_out, rngs=rngs) if batch_norm_ else None

    def __call__(self, x_BHWC: jax.Array) -> jax.Array:
        h = self.conv(x_BHWC)
        return jax.nn.relu(self.norm(h) if self.norm is not None else h)


class Classifier(nnx.Module):
    """flatten -> [Dense -> ReLU -> Dropout] per hidden width -> Dense to the class logits."""

    def __init__(self, d_in: int, hidden: Sequence[int], num_classes: int, *, dropout: float,
                 rngs: nnx.Rngs):
        widths = [d_in, *hidden]
        self.hidden = nnx.List([Dense(a, b, ("embed", "mlp"), rngs=rngs)
                                for a, b in zip(widths, widths[1:])])
        self.dropout = nnx.Dropout(dropout)
        self.out = Dense(widths[-1], num_classes, ("embed", "mlp"), rngs=rngs)

    def __call__(self, x_BHWC: jax.Array, rngs: nnx.Rngs | None) -> jax.Array:
        h = x_BHWC.reshape(len(x_BHWC), -1)
        for layer in self.hidden:
            h = self.dropout(jax.nn.relu(layer(h)), rngs=rngs)
        return self.out(h)


class LeNet5(nnx.Module):
    """LeCun et al. (1998), with average pooling for its trainable subsampling and tanh units:
    conv 5x5 (6) -> pool -> conv 5x5 (16) -> pool -> 120 -> 84 -> classes.

    Adapted to the input size: the first conv pads by 2 (LeNet read 28x28 digits centred in
    32x32 frames, so 28x28 gives the paper's 5x5x16 = 400 features); the second conv pads too when
    its input is under 10 pixels (8x8 digits), where the paper's unpadded 5x5 would not fit."""

    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs, image_size: int):
        half = image_size // 2
        second_padding = 0 if half >= 10 else 2  # 2: the output keeps the input's size
        self.conv1 = conv(in_channels, 6, 5, padding=2, use_bias=True, kernel_init=HE_NORMAL,
                          rngs=rngs)
        self.conv2 = conv(6, 16, 5, padding=second_padding, use_bias=True, kernel_init=HE_NORMAL,
                          rngs=rngs)
        side = (half - 4 + 2 * second_padding) // 2
        self.fc1 = Dense(16 * side * side, 120, ("embed", "mlp"), rngs=rngs)
        self.fc2 = Dense(120, 84, ("embed", "mlp"), rngs=rngs)
        self.out = Dense(84, num_classes, ("embed", "mlp"), rngs=rngs)

    def __call__(self, x_BHWC: jax.Array, rngs: nnx.Rngs | None = None) -> jax.Array:
        h = pool(jnp.tanh(self.conv1(x_BHWC)), "avg")
        h = pool(jnp.tanh(self.conv2(h)), "avg")
        h = jnp.tanh(self.fc1(h.reshape(len(h), -1)))
        return self.out(jnp.tanh(self.fc2(h)))


class VGG(nnx.Module):
    """Simonyan & Zisserman (2014): stages of 3x3 convs, each stage ending in a 2x2 max-pool, then
    fully connected layers. `stages` sets depth and width, e.g. ((64,), (128,), (256, 256),
    (512, 512), (512, 512)) is VGG-11's feature extractor; `batch_norm` adds BatchNorm after every
    conv (torchvision's vgg11_bn)."""

    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs, image_size: int,
                 stages: Sequence[Sequence[int]] = ((32, 32), (64, 64)),
                 hidden: Sequence[int] = (256, 256), dropout: float = 0.5,
                 batch_norm: bool = True):
        blocks, c_in = [], in_channels
        for stage in stages:
            for c_out in stage:
                blocks.append(ConvBlock(c_in, c_out, batch_norm_=batch_norm, rngs=rngs))
                c_in = c_out
        self.stage_sizes = tuple(len(stage) for stage in stages)  # static: where the pools go
        self.blocks = nnx.List(blocks)
        side = image_size // 2 ** len(stages)
        if side < 1:
            raise ValueError(f"{len(stages)} pooling stages shrink {image_size} pixels to nothing.")
        self.classifier = Classifier(c_in * side * side, hidden, num_classes, dropout=dropout,
                                     rngs=rngs)

    def __call__(self, x_BHWC: jax.Array, rngs: nnx.Rngs | None = None) -> jax.Array:
        h, blocks = x_BHWC, iter(self.blocks)
        for size in self.stage_sizes:
            for _ in range(size):
                h = next(blocks)(h)
            h = pool(h)
        return self.classifier(h, rngs)


class SmallCNN(nnx.Module):
    """[conv 3x3 -> BatchNorm -> ReLU -> max-pool] per width, then one hidden Dense layer with
    dropout: the few-minute CPU model for Fashion-MNIST."""

    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs, image_size: int,
                 widths: Sequence[int] = (32, 64), hidden: int = 128, dropout: float = 0.25,
                 batch_norm: bool = True):
        channels = [in_channels, *widths]
        self.blocks = nnx.List([ConvBlock(a, b, batch_norm_=batch_norm, rngs=rngs)
                                for a, b in zip(channels, channels[1:])])
        side = image_size // 2 ** len(widths)
        self.classifier = Classifier(channels[-1] * side * side, (hidden,), num_classes,
                                     dropout=dropout, rngs=rngs)

    def __call__(self, x_BHWC: jax.Array, rngs: nnx.Rngs | None = None) -> jax.Array:
        h = x_BHWC
        for block in self.blocks:
            h = pool(block(h))
        return self.classifier(h, rngs)
