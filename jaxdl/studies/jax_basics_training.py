"""JAX for PyTorch users, the training demos of experiments/jax_basics/README.md: a grain input
pipeline on scikit-learn's digits (shuffle, augment, normalise, batch, workers, resume) next to
torch.utils.data, and an `nnx.Module` trained with `nnx.Optimizer` next to torch.nn.
tests/test_jax_basics.py checks what the article says about each.
"""

import functools
import time

import grain
import jax
import numpy as np
import optax
from flax import nnx

from jaxdl.data import digits


# ---- data: a grain pipeline, next to torch.utils.data ----------------------------------------------------


class DigitsSource:
    """scikit-learn's 1,797 8x8 digits as a random-access source (PyTorch: a map-style Dataset)."""

    def __init__(self, indices: np.ndarray):
        images, labels = digits.load()
        self.images = images[indices].astype(np.float32)  # pixel values 0..16
        self.labels = labels[indices]
        self.indices = indices

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"image": self.images[i], "label": self.labels[i], "index": self.indices[i]}


def digits_split(test_fraction=0.2, seed=0) -> tuple[DigitsSource, DigitsSource]:
    """(train, test) sources; each keeps its images in the dataset's order."""
    parts = digits.shuffled_parts({"test": test_fraction, "train": 1 - test_fraction}, seed=seed)
    return DigitsSource(np.sort(parts["train"])), DigitsSource(np.sort(parts["test"]))


def random_shift(example, rng: np.random.Generator):
    """Augmentation: move the digit by up to one pixel in each direction, filling with background."""
    dy, dx = rng.integers(-1, 2, size=2)
    padded = np.pad(example["image"], 1)
    shifted = padded[1 - dy:9 - dy, 1 - dx:9 - dx]
    return example | {"image": shifted}


def normalize(example, mean: float, std: float):
    return example | {"image": (example["image"] - mean) / std}


def digits_pipeline(source: DigitsSource, *, seed: int, batch_size: int, epochs: int = 1,
                    augment: bool = False, mean: float = 0.0, std: float = 1.0) -> grain.MapDataset:
    """shuffle -> repeat -> (augment) -> normalise -> batch. Every step is a pure function of the
    element's position and the seed: batch i is the same whenever and wherever it is computed."""
    dataset = grain.MapDataset.source(source).shuffle(seed=seed).repeat(epochs)  # new order each epoch
    if augment:
        dataset = dataset.random_map(random_shift, seed=seed + 1)  # rng from (seed, position)
    dataset = dataset.map(functools.partial(normalize, mean=mean, std=std))
    return dataset.batch(batch_size, drop_remainder=True)


def pixel_stats(source: DigitsSource) -> tuple[float, float]:
    """Mean and standard deviation of the training pixels: what normalisation subtracts and divides."""
    return float(source.images.mean()), float(source.images.std())


# ---- nnx.Module, next to torch.nn.Module -------------------------------------------------------------------


class MLP(nnx.Module):
    """64 pixels -> hidden (ReLU, dropout) -> 10 logits."""

    def __init__(self, hidden: int, dropout: float, *, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(64, hidden, rngs=rngs)
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.out = nnx.Linear(hidden, 10, rngs=rngs)

    def __call__(self, images):
        x = images.reshape(images.shape[0], -1)
        return self.out(self.dropout(jax.nn.relu(self.hidden(x))))


def loss_fn(model, images, labels):
    return optax.softmax_cross_entropy_with_integer_labels(model(images), labels).mean()


@nnx.jit
def train_step(model, optimizer, images, labels):
    loss, grads = nnx.value_and_grad(loss_fn)(model, images, labels)
    optimizer.update(model, grads)  # in place: the model's Params change
    return loss


@nnx.jit
def count_correct(model, images, labels):
    return (model(images).argmax(axis=1) == labels).sum()


def train_digits(epochs=10, batch_size=32, lr=3e-3, augment=False, seed=0) -> dict:
    """The whole loop: grain batches -> nnx model -> optax Adam; test accuracy per epoch."""
    train_source, test_source = digits_split()
    mean, std = pixel_stats(train_source)
    model = MLP(hidden=64, dropout=0.1, rngs=nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.adam(lr), wrt=nnx.Param)
    test = digits_pipeline(test_source, seed=seed, batch_size=len(test_source), mean=mean, std=std)[0]
    steps_per_epoch = len(train_source) // batch_size
    batches = iter(digits_pipeline(train_source, seed=seed, batch_size=batch_size, epochs=epochs,
                                   augment=augment, mean=mean, std=std).to_iter_dataset())
    history = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        model.train()  # dropout on
        for _ in range(steps_per_epoch):
            batch = next(batches)
            history["loss"].append(float(train_step(model, optimizer, batch["image"], batch["label"])))
        model.eval()  # dropout off
        correct = count_correct(model, test["image"], test["label"])
        history["test_accuracy"].append(float(correct) / len(test_source))
    history["params"] = sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))
    return history


def shift_between(original, shifted) -> tuple[int, int]:
    """The (dy, dx) that random_shift applied: the one that reproduces `shifted`."""
    padded = np.pad(original, 1)
    return next((int(dy), int(dx)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                if np.array_equal(padded[1 - dy:9 - dy, 1 - dx:9 - dx], shifted))


def worker_demo(source: DigitsSource, workers: int) -> dict:
    """The same pipeline read by worker processes: start-up time and whether the batches match."""
    dataset = digits_pipeline(source, seed=0, batch_size=32, augment=True)
    start = time.perf_counter()
    parallel = iter(dataset.to_iter_dataset().mp_prefetch(grain.MultiprocessingOptions(num_workers=workers)))
    first = next(parallel)
    startup = time.perf_counter() - start
    batches = [first] + [next(parallel) for _ in range(len(dataset) - 1)]
    parallel.close()  # stops the workers and frees their shared memory
    same = all(np.array_equal(a["image"], dataset[i]["image"]) for i, a in enumerate(batches))
    return {"first_batch_seconds": startup, "same_batches_as_without_workers": same}
