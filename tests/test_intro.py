"""The intro task: splits, train-only standardization, the training stream, exact evaluation over
padded whole-split batches, every config's smoke run through `fit`, and a stated accuracy level."""

import importlib.util
import os

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx
from sklearn.metrics import r2_score

from jaxdl import checkpoint, train
from jaxdl.data.arrays import shuffled_batches, whole_split
from jaxdl.tasks import intro
from jaxdl.logging import read_metrics
from testlib import REPO, load_config

CONFIGS = ["diabetes", "breast_cancer", "iris", "digits"]
ONE_DEVICE = jax.devices()[:1]


def config(name: str, arg: str = ""):
    return load_config("experiments/intro/tables.py", ",".join(filter(None, (name, arg))))


@pytest.mark.parametrize("stratify", [False, True])
def test_splits_are_disjoint_complete_and_deterministic(stratify):
    targets = np.random.default_rng(0).integers(0, 3, 101)
    rows = intro.split_rows(targets, 0.2, 0.2, seed=0, stratify=stratify)
    everything = np.concatenate(list(rows.values()))
    np.testing.assert_array_equal(np.sort(everything), np.arange(101))  # each row exactly once
    assert len(rows["val"]) in (20, 21) and len(rows["test"]) in (20, 21)
    again = intro.split_rows(targets, 0.2, 0.2, seed=0, stratify=stratify)
    for split in rows:
        np.testing.assert_array_equal(rows[split], again[split])
    other = intro.split_rows(targets, 0.2, 0.2, seed=1, stratify=stratify)
    assert set(other["test"]) != set(rows["test"])


@pytest.mark.parametrize("name", CONFIGS)
def test_every_dataset_loads_into_three_splits(name):
    splits = intro.load_splits(name, 0.2, 0.2, seed=0)
    total = len(intro.DATASETS[name][0]().target)
    assert sum(len(part["targets"]) for part in splits.values()) == total
    for part in splits.values():
        assert part["features"].dtype == np.float32
        assert len(part["features"]) == len(part["targets"])


def test_classification_splits_are_stratified():
    splits = intro.load_splits("digits", 0.2, 0.2, seed=0)
    counts = {split: np.bincount(part["targets"], minlength=10) / len(part["targets"])
              for split, part in splits.items()}
    np.testing.assert_allclose(counts["val"], counts["train"], atol=0.01)
    np.testing.assert_allclose(counts["test"], counts["train"], atol=0.01)


def test_standardization_uses_the_train_split_only():
    cfg = config("diabetes", "smoke")
    spec = ml_collections.ConfigDict(intro.build_data(cfg).spec)
    splits = intro.load_splits("diabetes", 0.2, 0.2, seed=0)
    train_x = splits["train"]["features"]
    np.testing.assert_allclose(spec.feature_mean, train_x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(spec.feature_std, train_x.std(0), rtol=1e-5)
    np.testing.assert_allclose(spec.target_mean, splits["train"]["targets"].mean(), rtol=1e-5)
    everything = np.concatenate([part["features"] for part in splits.values()])
    assert np.abs(np.asarray(spec.feature_mean) - everything.mean(0)).max() > 1e-3
    # Inside the model: train features come out with mean 0 and std 1 per feature.
    model = intro.build_model(cfg, spec, nnx.Rngs(0))
    standardized = (train_x - model.feature_mean[...]) / model.feature_std[...]
    np.testing.assert_allclose(standardized.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(standardized.std(0), 1, atol=1e-4)


def test_constant_features_get_unit_std():
    mean, std = intro.standardization(np.array([[0.0, 1.0], [0.0, 3.0]], np.float32))
    np.testing.assert_array_equal(mean, [0, 2])
    np.testing.assert_array_equal(std, [1, 1])


def test_train_stream_visits_every_example_once_per_epoch_in_a_new_order():
    n, batch_size = 10, 4
    split = {"features": np.arange(n, dtype=np.float32)[:, None], "targets": np.arange(n)}
    stream = shuffled_batches(split, batch_size=batch_size, seed=0)
    seen = np.concatenate([stream[i]["targets"] for i in range(15)])  # 60 examples: 6 epochs
    epochs = seen.reshape(6, n)
    for epoch in epochs:
        np.testing.assert_array_equal(np.sort(epoch), np.arange(n))
    assert len({tuple(epoch) for epoch in epochs}) > 1


def test_train_iterator_resumes_from_its_state():
    split = intro.load_splits("iris", 0.2, 0.2, seed=0)["train"]
    iterator = iter(shuffled_batches(split, batch_size=16, seed=3).to_iter_dataset())
    for _ in range(7):
        next(iterator)
    state = iterator.get_state()
    expected = [next(iterator) for _ in range(3)]
    fresh = iter(shuffled_batches(split, batch_size=16, seed=3).to_iter_dataset())
    fresh.set_state(state)
    for want in expected:
        got = next(fresh)
        for key in want:
            np.testing.assert_array_equal(got[key], want[key])


def test_whole_split_pads_with_masked_rows():
    split = {"features": np.ones((10, 3), np.float32), "targets": np.arange(10, dtype=np.int32)}
    batch = whole_split(split, 8)
    assert batch["features"].shape == (16, 3)
    np.testing.assert_array_equal(batch["mask"], [1] * 10 + [0] * 6)
    np.testing.assert_array_equal(batch["targets"][:10], split["targets"])


def predictions(workdir, split):
    model, _, _ = checkpoint.load_model(workdir, intro)
    return np.asarray(model(split["features"]))


# CI: regression and multi-class; binary and iris with -m slow.
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow)
                                  if name in ("breast_cancer", "iris") else name
                                  for name in CONFIGS])
def test_smoke_preset_trains_through_fit(name, tmp_path):
    cfg = config(name, "smoke")
    result = train.fit(cfg, tmp_path, intro, devices=ONE_DEVICE)
    spec = checkpoint.read_run(tmp_path)[1]
    assert spec.inputs == len(spec.feature_mean) > 0
    # Test is read once, at the end; val at every evaluation.
    logged = [m for m in read_metrics(tmp_path) if any(k.startswith("val/") for k in m)]
    assert len(logged) == 2 and [("test/loss" in m) for m in logged] == [False, True]
    # The logged test metrics are those of the saved model on the whole test split.
    test = intro.load_splits(name, 0.2, 0.2, seed=0)["test"]
    predicted = predictions(tmp_path, test)
    if name == "diabetes":  # in target units
        np.testing.assert_allclose(result["test/r2"], r2_score(test["targets"], predicted),
                                   rtol=1e-4)
        rmse = np.sqrt(np.mean((predicted - test["targets"]) ** 2))
        np.testing.assert_allclose(result["test/rmse"], rmse, rtol=1e-4)
        return
    if name == "breast_cancer":  # one logit, p(class 1) = sigmoid(logit)
        assert spec.outputs == 1 and predicted.shape == test["targets"].shape
        classes = (predicted > 0).astype(int)
    else:
        assert predicted.shape == (len(test["targets"]), spec.outputs)
        classes = predicted.argmax(-1)
    np.testing.assert_allclose(result["test/accuracy"], (classes == test["targets"]).mean(),
                               rtol=1e-6)


def test_evaluation_covers_every_example_once(tmp_path):
    # 8 devices and a val split (360) that the batch (64) does not divide: padding and masking
    # must still give exactly the split's accuracy and mean loss.
    cfg = config("digits", "smoke")
    result = train.fit(cfg, tmp_path, intro)
    val = intro.load_splits("digits", 0.2, 0.2, seed=0)["val"]
    logits = predictions(tmp_path, val)
    accuracy = (logits.argmax(-1) == val["targets"]).mean()
    log_probs = np.asarray(jax.nn.log_softmax(logits))
    loss = -np.take_along_axis(log_probs, val["targets"][:, None], 1).mean()
    np.testing.assert_allclose(result["val/accuracy"], accuracy, rtol=1e-6)
    np.testing.assert_allclose(result["val/loss"], loss, rtol=1e-4)


def test_digits_mlp_reaches_95_percent_in_300_steps(tmp_path):
    # The level the article states for this short run (the full config goes further).
    cfg = config("digits")
    cfg.train.update(steps=300, eval_every=300, log_every=300)
    cfg.checkpoint.every = 300
    result = train.fit(cfg, tmp_path, intro, devices=ONE_DEVICE)
    assert result["val/accuracy"] >= 0.95 and result["test/accuracy"] >= 0.95


def test_unknown_dataset_is_a_user_error():
    with pytest.raises(intro.UserError, match="Unknown data.dataset"):
        intro.load_splits("mnist", 0.2, 0.2, 0)


# ---- Keras 3 side by side (optional: skipped unless keras is installed) ------------------------


@pytest.fixture(scope="module")
def side_by_side():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    pytest.importorskip("keras")
    path = REPO / "experiments/intro/keras_side_by_side.py"
    spec = importlib.util.spec_from_file_location("keras_side_by_side", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["diabetes", "breast_cancer", "digits"])
def test_keras_model_with_the_flax_weights_computes_the_same_function(side_by_side, name):
    # The mapping the article states: nnx.Linear(a, b) is keras Dense(b) (both kernels [a, b]),
    # the fitted standardization is Normalization, the regression output its inverse.
    cfg, spec = side_by_side.load_config(name)
    flax_model = intro.build_model(cfg, spec, nnx.Rngs(0))
    keras_model = side_by_side.keras_model(cfg, spec)
    dense = [layer for layer in keras_model.layers if layer.__class__.__name__ == "Dense"]
    assert len(dense) == len(flax_model.layers)
    for keras_layer, linear in zip(dense, flax_model.layers):
        keras_layer.set_weights([np.asarray(linear.kernel[...]), np.asarray(linear.bias[...])])
    features = intro.load_splits(name, 0.2, 0.2, seed=0)["val"]["features"]
    expected = np.asarray(flax_model(features))
    got = np.asarray(keras_model(features)).reshape(expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_keras_trains_iris_to_the_jaxdl_level(side_by_side):
    result = side_by_side.train_keras(*side_by_side.load_config("iris"))
    assert result["val/accuracy"] >= 0.9 and result["test/accuracy"] >= 0.9
