"""Vision Transformer: images as sequences of patch tokens, classified through the shared loop.

  python -m jaxdl.experiments.vit --config=experiments/vit/digits.py --workdir=DIR

The model is `jaxdl.nn.vit.ViT` (registered as "vit" in `jaxdl.nn.vision`). Everything else is
the image-classification task of `jaxdl.experiments.cnn`: the same splits, normalization,
augmentation, masked cross-entropy and exact whole-split evaluation, so a ViT and a CNN trained on
the same dataset are compared on the same examples. Figures: `jaxdl.experiments.vit_figures`.
"""

import sys

from jaxdl import cli
from jaxdl.experiments.cnn import build_data, build_model, evaluate, image_config, loss_fn

__all__ = ["build_data", "build_model", "evaluate", "loss_fn", "vit_config"]


def vit_config(dataset: str, **hyper):
    """An image config whose model is a ViT with these hyperparameters (image_size follows
    data.image_size)."""
    return image_config(dataset, "vit", **hyper)


if __name__ == "__main__":
    cli.run(cli.train_only(sys.modules[__name__], "vit"))
