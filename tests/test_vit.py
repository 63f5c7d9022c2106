"""The vit task: the smoke preset trains end to end and logs val/test metrics, and a (2, 2, 2)
mesh of 8 devices reproduces it; every config builds a ViT of the size it states; the FLOP count
of the article; the digits config's accuracy level (slow)."""

import json

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, train
from jaxdl.data import images
from jaxdl.experiments import vit_figures
from jaxdl.tasks import image as vit
from jaxdl.nn.vit import ViT
from testlib import load_config

ONE_DEVICE = jax.devices()[:1]


def config(name: str = "digits", arg: str = ""):
    return load_config(f"experiments/vit/{name}.py", arg)


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("vit_digits")
    return workdir, train.fit(config(arg="smoke"), workdir, vit, devices=ONE_DEVICE)


def test_smoke_preset_trains_and_logs_val_accuracy(smoke_run):
    tmp_path, result = smoke_run
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    evals = [row for row in rows if "val/accuracy" in row]
    assert [row["step"] for row in evals] == [10, 20]
    assert {"val/loss", "test/loss", "test/accuracy"} <= set(evals[-1])
    assert evals[-1]["val/loss"] < evals[0]["val/loss"]
    # The saved model is a ViT over 16 patches of 2 x 2, and the logged val accuracy is its own.
    model, _, spec = checkpoint.load_model(tmp_path, vit)
    assert isinstance(model, ViT) and model.num_patches == 16
    model.eval()
    val = images.load_splits("digits", val_fraction=0.2, seed=0)["val"]
    x = images.Normalize(spec.mean, spec.std).map(val)["images"]
    accuracy = (np.asarray(model(x)).argmax(1) == val["labels"]).mean()
    np.testing.assert_allclose(result["val/accuracy"], accuracy, rtol=1e-6)


@pytest.mark.slow  # CI time: test_cnn.py's eight-device test covers the image task sharded
def test_sharded_run_reproduces_one_device(smoke_run, tmp_path):
    # The batch over data x fsdp (4), every "embed" axis (patch embedding, class token,
    # positions, blocks) over fsdp 2, heads and MLP over model 2: all the ViT's logical axes.
    _, one = smoke_run
    cfg = config(arg="smoke")
    cfg.mesh.update(data=2, fsdp=2, model=2)
    sharded = train.fit(cfg, tmp_path, vit)
    for key in ("train/loss", "val/loss", "val/accuracy"):
        np.testing.assert_allclose(sharded[key], one[key], rtol=2e-4, atol=1e-5)


def test_data_sweep_figure_reads_finished_runs(smoke_run, tmp_path):
    pytest.importorskip("matplotlib")
    workdir, _ = smoke_run
    vit_figures.plot_data_sweep([workdir], tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").stat().st_size > 0


@pytest.mark.parametrize("name, side, channels, params", [
    ("digits", 8, 1, 69_194),
    ("fashion_mnist", 28, 1, 805_130),
    ("cifar10", 32, 3, 3_195_146),
])
def test_configs_build_the_model_they_describe(name, side, channels, params):
    # Without loading data: the spec build_data would return; shapes only (no FLOPs spent).
    cfg = config(name)
    spec = ml_collections.ConfigDict(dict(image_size=side, in_channels=channels, num_classes=10))
    model = nnx.eval_shape(lambda: vit.build_model(cfg, spec, nnx.Rngs(0)))
    assert sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param))) == params
    model.eval()
    logits = nnx.eval_shape(lambda m, x: m(x), model,
                            jax.ShapeDtypeStruct((2, side, side, channels), np.float32))
    assert logits.shape == (2, 10)


def test_counted_flops_are_xlas_matmul_count():
    # The README's FLOP table: the count by hand leaves out only elementwise work (a few %).
    counted = vit_figures.arithmetic("digits")
    assert counted["tokens"] == 17 and counted["params"] == 69_194
    assert 0.9 < counted["forward_flops"] / counted["xla_forward_flops"] <= 1.0


@pytest.mark.slow
def test_digits_reaches_93_percent_on_val(tmp_path):
    # The level the task and the article state for the default digits config (about a minute).
    result = train.fit(config(), tmp_path, vit, devices=ONE_DEVICE)
    assert result["val/accuracy"] >= 0.93
