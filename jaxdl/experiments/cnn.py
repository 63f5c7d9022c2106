"""Image classification: every vision model on every image dataset, through the shared loop.

  python -m jaxdl.experiments.cnn --config=experiments/cnn/digits.py --workdir=DIR

The task interface of `jaxdl.train.fit`. build_model builds `cfg.model.name` from the registry
(`jaxdl.nn.vision`) with the other `cfg.model` keys as hyperparameters; build_data loads the
splits (`jaxdl.data.images`), fills the data-derived config fields (classes, channels, image size,
the train split's per-channel mean and std) and builds the grain pipelines; loss_fn is masked
cross-entropy with accuracy; evaluate sums over whole splits, so val/test metrics are exact
whatever the batch size. The vit and transfer tasks import build_data, loss_fn and evaluate.
"""

import inspect
import sys

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from jaxdl import cli, losses
from jaxdl import config as config_lib
from jaxdl.data import Data, images
from jaxdl.nn import vision


def image_config(dataset: str, model: str, **hyper):
    """base_config() plus the image data fields; every image config file starts here.

    `data.image_size` is the side the model sees (-1: the dataset's own, filled by build_data;
    another value resizes); the models that take `image_size` follow it (set_model)."""
    cfg = config_lib.base_config()
    cfg.data.update(dataset=dataset, batch_size=128, eval_batch_size=1000, val_fraction=0.1,
                    split_seed=0, image_size=-1, crop_padding=0, flip=False)
    # Filled by build_data, so config.json records them and a saved model needs nothing else.
    cfg.data.update(num_classes=-1, in_channels=-1, classes=(), mean=(), std=())
    set_model(cfg, model, **hyper)
    return cfg


def set_model(cfg, name: str, **hyper):
    """cfg.model = {name, hyper...}. A model that takes `image_size` gets a reference to
    data.image_size unless `hyper` sets it."""
    build = vision.model_class(name)  # a class, or a function like resnet's ResNet18
    takes = inspect.signature(build.__init__ if isinstance(build, type) else build).parameters
    if "image_size" in takes:
        hyper.setdefault("image_size", cfg.data.get_ref("image_size"))
    cfg.model = dict(name=name, **hyper)


def _lenet5(cfg):
    set_model(cfg, "lenet5")


def _vgg(cfg):
    set_model(cfg, "vgg", stages=((32, 32), (64, 64)), hidden=(256, 256), dropout=0.5,
              batch_norm=True)


# The model presets of the small grey-image configs (digits, mnist, fashion_mnist), whose default
# model is the small CNN: `:small` (the default, named for completeness), `:lenet5`, `:vgg`.
MODEL_PRESETS = {"small": lambda cfg: None, "lenet5": _lenet5, "vgg": _vgg}


def build_model(cfg, rngs: nnx.Rngs) -> nnx.Module:
    hyper = {key: value for key, value in cfg.model.items() if key != "name"}
    return vision.build(cfg.model.name, num_classes=cfg.data.num_classes,
                        in_channels=cfg.data.in_channels, rngs=rngs, **hyper)


def build_data(cfg, mesh) -> Data:
    d = cfg.data
    splits = images.load_splits(d.dataset, val_fraction=d.val_fraction, seed=d.split_seed)
    train_split = splits["train"]
    _, height, width, channels = train_split["images"].shape
    # Statistics of the train split only: val and test stand for unseen data.
    mean, std = images.channel_stats(train_split["images"])
    d.mean, d.std = tuple(map(float, mean)), tuple(map(float, std))
    d.num_classes, d.in_channels = len(splits["classes"]), int(channels)
    d.classes = splits["classes"]
    if d.image_size <= 0:
        d.image_size = int(height)
    resize = d.image_size if (d.image_size, d.image_size) != (height, width) else 0
    common = dict(mean=d.mean, std=d.std, image_size=resize)
    train_steps = images.transforms(crop_padding=d.crop_padding, flip=d.flip, train=True,
                                    **common)
    eval_steps = images.transforms(train=False, **common)
    stream = images.train_batches(train_split, batch_size=d.batch_size, seed=cfg.seed,
                                  steps=train_steps, process_index=jax.process_index(),
                                  process_count=jax.process_count())

    def eval_split(name):
        return lambda: images.eval_batches(splits[name], batch_size=d.eval_batch_size,
                                           steps=eval_steps)

    sizes = " / ".join(f"{len(splits[s]['labels'])} {s}" for s in ("train", "val", "test"))
    augment = ", ".join(filter(None, [d.crop_padding and f"crop pad {d.crop_padding}",
                                      d.flip and "flip"])) or "none"
    return Data(
        train=iter(stream.to_iter_dataset()),
        eval={"val": eval_split("val"), "test": eval_split("test")},
        unit="examples",
        per_batch=d.batch_size,
        description=(f"{d.dataset}: {height}x{width}x{channels}"
                     f"{f' resized to {resize}x{resize}' if resize else ''}, "
                     f"{d.num_classes} classes; {sizes} (split seed {d.split_seed}); "
                     f"augmentation: {augment}"),
    )


def loss_fn(model, batch, rng):
    """Mean cross-entropy over the unmasked rows, and their accuracy. `rng` feeds dropout."""
    logits = model(batch["images"], rngs=nnx.Rngs(dropout=rng))
    mask = batch["mask"]
    correct = (logits.argmax(-1) == batch["labels"]).astype(jnp.float32)
    accuracy = (correct * mask).sum() / jnp.maximum(mask.sum(), 1.0)
    return losses.cross_entropy(logits, batch["labels"], mask), {"accuracy": accuracy}


@nnx.jit
def _split_sums(model, batch):
    logits = model(batch["images"])
    mask = batch["mask"]
    nll = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32),
                                                          batch["labels"])
    correct = (logits.argmax(-1) == batch["labels"]).astype(jnp.float32)
    return {"loss": (nll * mask).sum(), "accuracy": (correct * mask).sum(), "count": mask.sum()}


def evaluate(model, data: Data) -> dict[str, float]:
    """Mean loss and accuracy over every example of each eval split (padding rows masked out;
    sums, not means of batch means, so a short last batch weighs what it holds). One process:
    the eval batches are whole and go in unsharded; multi-host evaluation is not done here."""
    results = {}
    for split, batches in data.eval.items():
        totals = {"loss": 0.0, "accuracy": 0.0, "count": 0.0}
        for batch in batches():
            for key, value in jax.device_get(_split_sums(model, batch)).items():
                totals[key] += float(value)
        count = totals.pop("count")
        results.update({f"{split}/{key}": value / count for key, value in totals.items()})
    return results


if __name__ == "__main__":
    cli.run(cli.train_only(sys.modules[__name__], "cnn"))
