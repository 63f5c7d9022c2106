"""Image classification: every vision model on every image dataset, through the shared loop.

The task of the cnn, vit and transfer topics. build_model builds `cfg.model.name` from the
registry (`jaxdl.nn.image_models`) with the other `cfg.model` keys as hyperparameters; build_data loads
the splits (`jaxdl.data.images`), measures the train split's per-channel mean and std and builds
the grain pipelines; loss_fn is masked cross-entropy with accuracy, so evaluation over padded
batches is exact whatever the batch size. `image_config` and `MODEL_PRESETS` are what the config
files under experiments/cnn, experiments/vit and experiments/pretrained start from.
"""

import inspect

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl import config as config_lib
from jaxdl import losses
from jaxdl.config import FRACTION, SEED, OneOf, count, number
from jaxdl.data import Data, images
from jaxdl.errors import ConfigError
from jaxdl.nn import image_models

# What this task's own config keys accept (jaxdl.config.validate checks them before a run). The
# model keys are those of the vision models' constructors (not every model has every key).
CONFIG_RULES = {
    "data.dataset": OneOf(tuple(images.DATASETS)),
    "data.eval_batch_size": count(),
    "data.val_fraction": FRACTION,
    "data.split_seed": SEED,
    "data.image_size": count(0),  # 0: the dataset's own
    "data.crop_padding": count(0),
    "model.name": OneOf(tuple(image_models.MODELS)),
    "model.widths": count(),
    "model.stages": count(),
    "model.hidden": count(),
    "model.width": count(),
    "model.layers": count(),
    "model.heads": count(),
    "model.patch_size": count(),
    "model.mlp_ratio": number(0.0, low_open=True),
    "model.dropout": number(0.0, 1.0, high_open=True),
}


def check_config(cfg) -> None:
    m, d = cfg.model, cfg.data
    if "heads" in m and "width" in m and m.width % m.heads:
        raise ConfigError(f"--config.model.width={m.width} must be a multiple of "
                          f"--config.model.heads={m.heads}.")
    if "patch_size" in m and d.image_size and d.image_size % m.patch_size:
        raise ConfigError(f"--config.data.image_size={d.image_size} must be a multiple of "
                          f"--config.model.patch_size={m.patch_size}.")


def image_config(dataset: str, model: str, **hyper):
    """base_config() plus the image data fields; every image config file starts here.

    `data.image_size` is the side the model sees: 0 = the dataset's own, another value resizes.
    Models that take `image_size` get it from the data unless `hyper` sets it."""
    cfg = config_lib.base_config()
    cfg.data.update(dataset=dataset, batch_size=128, eval_batch_size=1000, val_fraction=0.1,
                    split_seed=0, image_size=0, crop_padding=0, flip=False)
    set_model(cfg, model, **hyper)
    return cfg


def set_model(cfg, name: str, **hyper):
    image_models.model_class(name)  # fails at once, naming the known models, on a typo
    cfg.model = dict(name=name, **hyper)


def _lenet5(cfg):
    set_model(cfg, "lenet5")


def _vgg(cfg):
    set_model(cfg, "vgg", stages=((32, 32), (64, 64)), hidden=(256, 256), dropout=0.5,
              batch_norm=True)


# The model presets of the small grey-image configs (digits, mnist, fashion_mnist), whose default
# model is the small CNN: `:small` (the default, named for completeness), `:lenet5`, `:vgg`.
MODEL_PRESETS = {"small": lambda cfg: None, "lenet5": _lenet5, "vgg": _vgg}


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    hyper = {key: value for key, value in cfg.model.items() if key != "name"}
    build = image_models.model_class(cfg.model.name)  # a class, or a function like resnet's ResNet18
    takes = inspect.signature(build.__init__ if isinstance(build, type) else build).parameters
    if "image_size" in takes:
        hyper.setdefault("image_size", spec.image_size)
    try:
        return image_models.build(cfg.model.name, num_classes=spec.num_classes,
                                  in_channels=spec.in_channels, rngs=rngs, **hyper)
    except ZeroDivisionError:  # a layer of zero inputs: pooling left nothing of the image
        raise ConfigError(f"{spec.image_size}x{spec.image_size} images are too small for "
                          f"--config.model.name={cfg.model.name}: set a larger "
                          "--config.data.image_size.") from None


def build_data(cfg) -> Data:
    d = cfg.data
    splits = images.load_splits(d.dataset, val_fraction=d.val_fraction, seed=d.split_seed)
    train_split = splits["train"]
    _, height, width, channels = train_split["images"].shape
    # Statistics of the train split only: val and test stand for unseen data.
    mean, std = (tuple(map(float, x)) for x in images.channel_stats(train_split["images"]))
    image_size = d.image_size or int(height)
    resize = image_size if (image_size, image_size) != (height, width) else 0
    common = dict(mean=mean, std=std, image_size=resize)
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
        eval={"val": eval_split("val")},
        final_eval={"test": eval_split("test")},
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"{d.dataset}: {height}x{width}x{channels}"
                     f"{f' resized to {resize}x{resize}' if resize else ''}, "
                     f"{len(splits['classes'])} classes; {sizes} (split seed {d.split_seed}); "
                     f"augmentation: {augment}"),
        # What a saved model needs besides its weights: classes, input shape, normalization.
        spec=dict(num_classes=len(splits["classes"]), classes=tuple(splits["classes"]),
                  in_channels=int(channels), image_size=image_size, mean=mean, std=std),
    )


def loss_fn(model, batch, rng):
    """Mean cross-entropy over the unmasked rows, and their accuracy. `rng` feeds dropout."""
    logits = model(batch["images"], rngs=nnx.Rngs(dropout=rng))
    mask = batch["mask"]
    correct = (logits.argmax(-1) == batch["labels"]).astype(jnp.float32)
    accuracy = (correct * mask).sum() / jnp.maximum(mask.sum(), 1.0)
    return losses.cross_entropy(logits, batch["labels"], mask), {"accuracy": accuracy}
