"""Convolutional encoder and decoder for small square images: the halves of the autoencoders and
the VAE, and (as discriminator and generator) of the DCGAN.

    ConvEncoder  [B, S, S, C] -> per width: stride-2 conv, norm, activation -> flatten -> Dense -> [B, F]
    ConvDecoder  [B, F] -> Dense -> [B, S/2^n, S/2^n, w_last] -> per width (reversed): 2x nearest
                 upsampling, conv, norm, activation -> conv -> [B, S, S, C] (no output nonlinearity:
                 the caller reads logits, means or applies tanh)

`norm` is "batch", "group" (8 groups) or "none"; `activation` "silu" or "leaky_relu" (slope 0.2,
the DCGAN discriminator's). S must be divisible by 2 ** len(widths).
"""

from collections.abc import Sequence

import jax
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.convblocks import batch_norm, conv
from jaxdl.nn.layers import Dense
from jaxdl.nn.norms import GroupNorm

CONV_INIT = nnx.initializers.variance_scaling(1.0, "fan_in", "uniform")
ACTIVATIONS = {"silu": jax.nn.silu, "leaky_relu": lambda x: jax.nn.leaky_relu(x, 0.2)}


def _norm(kind: str, channels: int, rngs: nnx.Rngs):
    if kind == "batch":
        return batch_norm(channels, rngs=rngs)
    if kind == "group":
        return GroupNorm(channels, min(8, channels))
    if kind == "none":
        return None
    raise UserError(f"Unknown norm {kind!r}: choose batch, group or none.")


def _bottom_size(image_size: int, levels: int) -> int:
    if image_size % 2 ** levels:
        raise UserError(f"image size {image_size} is not divisible by 2^{levels}: pad the images "
                        f"(data.image_size) or use fewer widths.")
    return image_size // 2 ** levels


class ConvStage(nnx.Module):
    """conv -> norm -> activation (stride 2 down, or 2x upsampling first when `up`)."""

    def __init__(self, c_in: int, c_out: int, *, up: bool, norm: str, activation: str,
                 rngs: nnx.Rngs):
        self.up = up
        self.conv = conv(c_in, c_out, 3, 1 if up else 2, use_bias=norm != "batch",
                         kernel_init=CONV_INIT, rngs=rngs)
        self.norm = _norm(norm, c_out, rngs)
        self.activation = activation

    def __call__(self, x_BHWC):
        if self.up:
            B, H, W, C = x_BHWC.shape
            x_BHWC = jax.image.resize(x_BHWC, (B, 2 * H, 2 * W, C), "nearest")
        h = self.conv(x_BHWC)
        return ACTIVATIONS[self.activation](h if self.norm is None else self.norm(h))


class ConvEncoder(nnx.Module):
    def __init__(self, in_channels: int, out_features: int, *, image_size: int,
                 widths: Sequence[int] = (32, 64), norm: str = "none",
                 activation: str = "silu", rngs: nnx.Rngs):
        side = _bottom_size(image_size, len(widths))
        channels = [in_channels, *widths]
        self.stages = nnx.List([ConvStage(a, b, up=False, norm=norm, activation=activation,
                                          rngs=rngs) for a, b in zip(channels, channels[1:])])
        self.out = Dense(side * side * widths[-1], out_features, ("embed", "mlp"), rngs=rngs)

    def __call__(self, x_BHWC):
        for stage in self.stages:
            x_BHWC = stage(x_BHWC)
        return self.out(x_BHWC.reshape(len(x_BHWC), -1))


class ConvDecoder(nnx.Module):
    def __init__(self, in_features: int, out_channels: int, *, image_size: int,
                 widths: Sequence[int] = (32, 64), norm: str = "none",
                 activation: str = "silu", rngs: nnx.Rngs):
        self.side = _bottom_size(image_size, len(widths))
        self.bottom = widths[-1]
        self.inp = Dense(in_features, self.side * self.side * widths[-1], ("embed", "mlp"),
                         rngs=rngs)
        channels = list(reversed(widths))
        self.stages = nnx.List([ConvStage(a, b, up=True, norm=norm, activation=activation,
                                          rngs=rngs)
                                for a, b in zip(channels, channels[1:] + [widths[0]])])
        self.out = conv(widths[0], out_channels, 3, use_bias=True, kernel_init=CONV_INIT,
                        rngs=rngs)

    def __call__(self, z_BF):
        h = jax.nn.silu(self.inp(z_BF)).reshape(len(z_BF), self.side, self.side, self.bottom)
        for stage in self.stages:
            h = stage(h)
        return self.out(h)
