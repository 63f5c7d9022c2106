"""What the generative topics (autoencoder, vae, gan, diffusion) share: the image config, the
data (labelled images scaled to [-1, 1], padded to a power-of-two side, optionally binarized),
dataset presets, and the sample grid writer.

Datasets come from `jaxdl.data.images` (digits 8x8, mnist_5k and fashion_mnist 28x28 padded to
32x32, cifar10 32x32 where prepared). A batch is {"images": float32 [B, S, S, C] in [-1, 1]
(or {0, 1} when binarized), "labels": int32 [B], "mask": [B]}.
"""

import grain
import jax
import numpy as np

from jaxdl import config as config_lib
from jaxdl.data import Data, images
from jaxdl.errors import UserError
from jaxdl.generative import grid


def image_config(dataset: str = "fashion_mnist", image_size: int = 32):
    cfg = config_lib.base_config()
    cfg.data.update(dataset=dataset, image_size=image_size, batch_size=128, eval_batch_size=500,
                    val_fraction=0.1, split_seed=0, binarize=False,
                    eval_examples=2000)  # val and test losses: the first N images of each
    cfg.opt.update(lr=2e-4, min_lr=2e-5, warmup_steps=100, weight_decay=0.0, grad_clip=1.0)
    return cfg


def _dataset(name: str, size: int):
    def preset(cfg):
        cfg.data.update(dataset=name, image_size=size)

    return preset


# The data presets every generative config offers.
DATA_PRESETS = {"fashion_mnist": _dataset("fashion_mnist", 32), "digits": _dataset("digits", 8),
                "mnist_5k": _dataset("mnist_5k", 32), "cifar10": _dataset("cifar10", 32)}


def smoke(**model):
    """The generative topics' `smoke` preset: 20 steps of 16 images, evaluated on 100, with the
    given (small) model fields."""
    return config_lib.smoke(20, data=dict(batch_size=16, eval_batch_size=50, eval_examples=100),
                            model=model)


class ToModelRange(grain.transforms.Map):
    """uint8 [B, H, W, C] -> float32 in [-1, 1] (or thresholded to {0, 1}), padded with the
    background value to `size` x `size` (28x28 digits and clothes sit centred in 32x32)."""

    def __init__(self, size: int, binarize: bool):
        self.size, self.binarize = size, binarize

    def map(self, batch):
        x = batch["images"].astype(np.float32) / 255
        x = (x > 0.5).astype(np.float32) if self.binarize else 2 * x - 1
        pad = self.size - x.shape[1]
        if pad:
            x = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2), (0, 0)),
                       constant_values=0.0 if self.binarize else -1.0)
        return {**batch, "images": x}


def build_data(cfg) -> Data:
    d = cfg.data
    splits = images.load_splits(d.dataset, val_fraction=d.val_fraction, seed=d.split_seed)
    _, height, width, channels = splits["train"]["images"].shape
    if d.image_size < max(height, width):
        raise UserError(f"data.image_size={d.image_size} is smaller than the {height}x{width} "
                        f"images of {d.dataset}: set it to {height} or a larger power of two.")
    steps = [ToModelRange(d.image_size, d.binarize)]
    stream = images.train_batches(splits["train"], batch_size=d.batch_size, seed=cfg.seed,
                                  steps=steps, process_index=jax.process_index(),
                                  process_count=jax.process_count())

    def eval_split(name):
        first = {key: value[:d.eval_examples] for key, value in splits[name].items()}
        return lambda: images.eval_batches(first, batch_size=d.eval_batch_size, steps=steps)

    sizes = " / ".join(f"{len(splits[s]['labels'])} {s}" for s in ("train", "val", "test"))
    return Data(
        train=iter(stream.to_iter_dataset()),
        eval={"val": eval_split("val")},
        final_eval={"test": eval_split("test")},
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"{d.dataset}: {height}x{width}x{channels} padded to {d.image_size}x"
                     f"{d.image_size}, {'binarized' if d.binarize else 'scaled to [-1, 1]'}; "
                     f"{sizes} (split seed {d.split_seed}); evaluated on the first "
                     f"{d.eval_examples} of val and test"),
        spec=dict(num_classes=len(splits["classes"]), classes=tuple(splits["classes"]),
                  in_channels=int(channels), image_size=int(d.image_size)),
    )


def test_images(cfg, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` test images and labels, as the model sees them."""
    splits = images.load_splits(cfg.data.dataset, val_fraction=cfg.data.val_fraction,
                                seed=cfg.data.split_seed)
    split = {key: value[:count] for key, value in splits["test"].items()}
    batch = ToModelRange(cfg.data.image_size, cfg.data.binarize).map(
        {"images": split["images"], "labels": split["labels"]})
    return batch["images"], batch["labels"]


def write_grid(images_NHWC, path, *, binary: bool = False, columns: int = 8):
    """PNG of the images; {0, 1} images (Bernoulli means) are mapped to [-1, 1] first."""
    images_NHWC = np.asarray(images_NHWC)
    if binary:
        images_NHWC = 2 * images_NHWC - 1
    out = grid.save_png(images_NHWC, path, columns=columns)
    print(f"wrote {out}", flush=True)
    return out
