"""The image-classification task: every config's smoke run through `fit`, metrics.jsonl, exact
whole-split evaluation, 8 devices = 1 device, and the model presets building."""

import json

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, train
from jaxdl.data import images
from jaxdl.errors import UserError
from jaxdl.tasks import image as cnn
from testlib import load_config

ONE_DEVICE = jax.devices()[:1]


def config(arg: str = "smoke", name: str = "digits"):
    return load_config(f"experiments/cnn/{name}.py", arg)


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("digits")
    return workdir, train.fit(config(), workdir, cnn, devices=ONE_DEVICE)


def test_smoke_run_logs_val_and_test_loss_and_accuracy(smoke_run):
    workdir, _ = smoke_run
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    evals = [row for row in rows if "val/accuracy" in row]
    assert [row["step"] for row in evals] == [10, 20]
    for key in ("val/loss", "val/accuracy", "test/loss", "test/accuracy"):
        assert key in evals[-1]
    assert evals[-1]["val/loss"] < evals[0]["val/loss"]
    assert "test/accuracy" not in evals[0]  # test is read once, at the end
    recorded = json.loads((workdir / "config.json").read_text())
    spec = json.loads((workdir / "spec.json").read_text())
    assert recorded["data"]["image_size"] == 0 and spec["image_size"] == 8  # 0: the data's own
    assert spec["num_classes"] == 10 and len(spec["mean"]) == 1
    assert "num_classes" not in recorded["data"] and "image_size" not in recorded["model"]


def test_evaluation_is_exact_over_the_whole_split(smoke_run):
    # eval_batch_size 512 > val (288): padding and masking must leave the split's own numbers;
    # then batches of 100 (a short last one) must give the same.
    workdir, result = smoke_run
    model, _, spec = checkpoint.load_model(workdir, cnn)
    model.eval()
    val = images.load_splits("digits", val_fraction=0.2, seed=0)["val"]
    x = images.Normalize(spec.mean, spec.std).map(val)["images"]
    logits = np.asarray(model(x), np.float64)
    log_probs = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1,
                                keepdims=True)) - logits.max(1, keepdims=True)
    loss = -log_probs[np.arange(len(val["labels"])), val["labels"]].mean()
    accuracy = (logits.argmax(1) == val["labels"]).mean()
    np.testing.assert_allclose(result["val/accuracy"], accuracy, rtol=1e-6)
    np.testing.assert_allclose(result["val/loss"], loss, rtol=1e-4)
    # The loop's evaluation, batches of 100 (the last one short, padded and masked).
    cfg = config()
    cfg.data.eval_batch_size = 100
    run = train.prepare(cfg, cnn, devices=ONE_DEVICE)
    run.state = checkpoint.Checkpointer(workdir, 2).restore_latest(run.state)[0]
    again = run.evaluate(run.data.eval)
    np.testing.assert_allclose(again["val/accuracy"], accuracy, rtol=1e-6)
    np.testing.assert_allclose(again["val/loss"], loss, rtol=1e-4)


def test_eight_devices_reproduce_one(smoke_run, tmp_path):
    _, one = smoke_run
    cfg = config()
    cfg.mesh.update(data=4, model=2)  # batch over 4, conv channels and dense widths over 2
    eight = train.fit(cfg, tmp_path, cnn)
    for key in ("train/loss", "val/loss", "val/accuracy"):
        np.testing.assert_allclose(eight[key], one[key], rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize("preset", ["small", "lenet5", "vgg", "resnet18"])
def test_model_presets_build_for_the_data(preset):
    # Each preset's model takes the image size from the data's spec; a registry model without
    # that argument (resnet18) gets none.
    cfg = config("smoke" if preset == "resnet18" else f"smoke,{preset}")
    if preset == "resnet18":
        cnn.set_model(cfg, "resnet18")
    data = cnn.build_data(cfg)
    spec = ml_collections.ConfigDict(data.spec)
    model = nnx.eval_shape(lambda: cnn.build_model(cfg, spec, nnx.Rngs(0)))  # abstract: no compiling
    model.eval()
    graphdef, state = nnx.split(model)
    batch = next(data.train)
    logits = jax.eval_shape(lambda s, x: nnx.merge(graphdef, s)(x), state, batch["images"])
    assert logits.shape == (cfg.data.batch_size, 10)


def test_unknown_model_names_the_known_ones(tmp_path):
    cfg = config()
    cfg.model.name = "resnet1000"
    with pytest.raises(UserError, match="model.name=.resnet1000.: choose one of .*small_cnn"):
        train.fit(cfg, tmp_path, cnn, devices=ONE_DEVICE)


def test_figures_of_a_finished_run(smoke_run, tmp_path):
    pytest.importorskip("matplotlib")
    from jaxdl.experiments import cnn_figures

    workdir, _ = smoke_run
    model, _, spec = checkpoint.load_model(workdir, cnn)
    model.eval()
    assert cnn_figures.first_conv(model).kernel.shape == (3, 3, 1, 32)  # the first layer's
    image = images.load_splits("digits", val_fraction=0.2, seed=0)["test"]["images"][0]
    outputs = cnn_figures.block_outputs(model, image[None].astype(np.float32))
    assert [o.shape for o in outputs] == [(1, 8, 8, 32), (1, 4, 4, 64)]
    cnn_figures.plot_curves({"smoke": workdir}, tmp_path / "curves.png")
    cnn_figures.plot_filters(model, tmp_path / "filters.png", "filters")
    cnn_figures.plot_feature_maps(model, spec, image, "7", tmp_path / "maps.png")
    assert all((tmp_path / name).stat().st_size > 1000
               for name in ("curves.png", "filters.png", "maps.png"))
