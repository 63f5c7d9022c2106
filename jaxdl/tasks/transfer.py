"""Transfer learning: an ImageNet-pretrained MobileNetV2 given a new head for a small dataset.

Three ways to start, chosen by `cfg.transfer` (presets frozen, finetune, scratch):
  frozen    ImageNet weights; only the new classifier learns. The backbone's output is a
            constant to the gradient (no backward pass through it) and `opt.trainable` keeps the
            optimizer, weight decay included, off the backbone. Its BatchNorm layers still follow
            model.train(): they normalize with the new data's batch statistics and track them.
  finetune  ImageNet weights; everything learns.
  scratch   random weights; everything learns.
The data, loss and exact evaluation are the image task's (`jaxdl.tasks.image`). Grey images
use the pretrained first convolution summed over its RGB inputs: the same as feeding the grey
channel three times.
"""

import jax
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.pretrained import convert, weights
from jaxdl.tasks import image
from jaxdl.config import OneOf
from jaxdl.tasks.image import build_data, check_config, image_config, loss_fn

CONFIG_RULES = {**image.CONFIG_RULES, "transfer.init": OneOf(("imagenet", "scratch"))}

__all__ = ["build_data", "build_model", "check_config", "loss_fn", "transfer_config"]


def transfer_config(dataset: str, model: str = "mobilenet_v2", **hyper):
    cfg = image_config(dataset, model, **hyper)
    cfg.transfer = dict(init="", freeze_backbone=False)  # init: imagenet or scratch (presets)
    return cfg


class FrozenBackbone(nnx.Module):
    """A MobileNetV2 whose pooled features are constants to the gradient: only `classifier`
    gets gradients, and the backward pass stops there."""

    def __init__(self, net: nnx.Module):
        self.net = net

    def __call__(self, x_BHWC: jax.Array, rngs=None) -> jax.Array:
        features = jax.lax.stop_gradient(self.net.pooled_features(x_BHWC))
        return self.net.classifier(features, rngs=rngs)


def imagenet_arrays(name: str, in_channels: int) -> dict[tuple, jax.Array]:
    """Our-format arrays of the pretrained `name`, the first conv adapted to `in_channels`."""
    arrays = convert.read_arrays(weights.converted(name))
    first = ("features", 0, 0, "kernel")  # [kh, kw, 3, out]
    if in_channels == 1:
        arrays[first] = arrays[first].sum(axis=2, keepdims=True)
    elif in_channels != 3:
        raise UserError(f"Pretrained weights take 1 or 3 channels, not {in_channels}.")
    return arrays


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    t = cfg.transfer
    if cfg.model.name != "mobilenet_v2" or t.init not in ("imagenet", "scratch"):
        raise UserError("transfer: model.name must be mobilenet_v2 and transfer.init imagenet "
                        f"or scratch (got {cfg.model.name!r}, {t.init!r}).")
    net = image.build_model(cfg, spec, rngs)
    if t.init == "imagenet":
        arrays = imagenet_arrays(cfg.model.name, spec.in_channels)
        convert.assign(net, arrays, keep=[("classifier",)])  # a new, randomly drawn head
    return FrozenBackbone(net) if t.freeze_backbone else net

