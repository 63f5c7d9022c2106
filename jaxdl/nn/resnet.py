"""ResNet-18/34/50 (He et al., 2015) as torchvision builds them, for NHWC images.

    stem -> layer1 .. layer4 (stages of residual blocks) -> global average pool -> fc

Each block computes y = relu(F(x) + shortcut(x)). F is two 3x3 convolutions (BasicBlock:
ResNet-18/34) or 1x1 -> 3x3 -> 1x1 with 4x wider output (Bottleneck: ResNet-50), each conv
followed by BatchNorm. The shortcut is the identity, or a strided 1x1 conv + BatchNorm
(`downsample`) where the block changes the resolution or the width. As in torchvision (ResNet
"v1.5"), a bottleneck strides in its 3x3 conv.

Stems: "imagenet" (7x7 stride-2 conv, 3x3 stride-2 max pool: 224 -> 56 pixels) or "small"
(one 3x3 stride-1 conv, no pool; for 32x32 images such as CIFAR, as in the paper's section 4.2).
Attribute names are torchvision's, so its checkpoints import by key (`jaxdl.pretrained`).
"""

import jax
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.convblocks import Sequential, batch_norm, conv, linear, max_pool

class BasicBlock(nnx.Module):
    expansion = 1

    def __init__(self, in_channels: int, width: int, stride: int, *, rngs: nnx.Rngs):
        out = width * self.expansion
        self.conv1 = conv(in_channels, width, 3, stride, rngs=rngs)
        self.bn1 = batch_norm(width, rngs=rngs)
        self.conv2 = conv(width, out, 3, rngs=rngs)
        self.bn2 = batch_norm(out, rngs=rngs)
        self.downsample = shortcut(in_channels, out, stride, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = jax.nn.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return jax.nn.relu(h + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nnx.Module):
    expansion = 4

    def __init__(self, in_channels: int, width: int, stride: int, *, rngs: nnx.Rngs):
        out = width * self.expansion
        self.conv1 = conv(in_channels, width, 1, rngs=rngs)
        self.bn1 = batch_norm(width, rngs=rngs)
        self.conv2 = conv(width, width, 3, stride, rngs=rngs)
        self.bn2 = batch_norm(width, rngs=rngs)
        self.conv3 = conv(width, out, 1, rngs=rngs)
        self.bn3 = batch_norm(out, rngs=rngs)
        self.downsample = shortcut(in_channels, out, stride, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = jax.nn.relu(self.bn1(self.conv1(x)))
        h = jax.nn.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return jax.nn.relu(h + (x if self.downsample is None else self.downsample(x)))


def shortcut(in_channels: int, out_channels: int, stride: int, *, rngs: nnx.Rngs):
    """None (identity) when shapes match, else torchvision's `downsample`: 1x1 conv + BatchNorm."""
    if stride == 1 and in_channels == out_channels:
        return None
    return Sequential([conv(in_channels, out_channels, 1, stride, rngs=rngs),
                       batch_norm(out_channels, rngs=rngs)])


class ResNet(nnx.Module):
    def __init__(self, *, num_classes: int, in_channels: int, rngs: nnx.Rngs,
                 block: str = "basic", stage_blocks=(2, 2, 2, 2), stem: str = "imagenet",
                 width: int = 64):
        """`block`: "basic" or "bottleneck"; `stage_blocks`: blocks per stage; `width`: the first
        stage's width (64 in the paper; stages double it)."""
        blocks = {"basic": BasicBlock, "bottleneck": Bottleneck}
        if block not in blocks or stem not in ("imagenet", "small"):
            raise UserError(f"ResNet: block must be basic or bottleneck (got {block!r}), "
                            f"stem imagenet or small (got {stem!r}).")
        Block = blocks[block]
        self.stem = stem
        if stem == "imagenet":
            self.conv1 = conv(in_channels, width, 7, 2, rngs=rngs)
        else:
            self.conv1 = conv(in_channels, width, 3, 1, rngs=rngs)
        self.bn1 = batch_norm(width, rngs=rngs)
        channels = width
        for stage, count in enumerate(stage_blocks):
            stage_width = width * 2**stage
            layers = []
            for i in range(count):
                # The first block of every stage but the first halves the resolution.
                stride = 2 if stage > 0 and i == 0 else 1
                layers.append(Block(channels, stage_width, stride, rngs=rngs))
                channels = stage_width * Block.expansion
            setattr(self, f"layer{stage + 1}", Sequential(layers))
        self.num_stages = len(stage_blocks)
        self.num_features = channels
        self.fc = linear(channels, num_classes, rngs=rngs)

    def features(self, x_BHWC: jax.Array) -> jax.Array:
        """Images -> pooled features [B, num_features] (the input of `fc`)."""
        h = jax.nn.relu(self.bn1(self.conv1(x_BHWC)))
        if self.stem == "imagenet":
            h = max_pool(h, 3, 2, padding=1)
        for stage in range(self.num_stages):
            h = getattr(self, f"layer{stage + 1}")(h)
        return h.mean((1, 2))

    def __call__(self, x_BHWC: jax.Array, rngs=None) -> jax.Array:
        del rngs  # no dropout in a ResNet
        return self.fc(self.features(x_BHWC))


def ResNet18(**kwargs) -> ResNet:
    return ResNet(block="basic", stage_blocks=(2, 2, 2, 2), **kwargs)


def ResNet34(**kwargs) -> ResNet:
    return ResNet(block="basic", stage_blocks=(3, 4, 6, 3), **kwargs)


def ResNet50(**kwargs) -> ResNet:
    return ResNet(block="bottleneck", stage_blocks=(3, 4, 6, 3), **kwargs)
