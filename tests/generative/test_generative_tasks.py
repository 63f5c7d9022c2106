"""The generative topics on the shared loop: a GAN step moves each player by its own optimizer
only, and a diffusion run (EMA included) killed and resumed ends exactly where an uninterrupted
one does. Tiny models on scikit-learn's 8x8 digits."""

import json

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, train
from jaxdl.tasks import diffusion, gan
from testlib import SigtermAtBatch, load_config


@pytest.fixture(autouse=True)
def compile_once(tmp_path_factory):
    """The runs of a test compile the same initialization (and mostly the same steps): a
    persistent compilation cache for this file's tests spares the repeats."""
    saved = {name: getattr(jax.config, name) for name in
             ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs")}
    jax.config.update("jax_compilation_cache_dir", str(tmp_path_factory.mktemp("xla_cache")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    yield
    for name, value in saved.items():
        jax.config.update(name, value)


def _gan_config(lr_scale: float = 1.0):
    cfg = load_config("experiments/gan/fashion_mnist.py", "digits,smoke")
    cfg.train.update(steps=1, eval_every=1, log_every=1)  # one step: see the test
    cfg.checkpoint.every = 1
    cfg.data.update(batch_size=8, eval_examples=16, eval_batch_size=16)
    # no warmup: the first step's learning rate must not be 0 for either player
    cfg.opt.warmup_steps = 0
    cfg.generator_opt.lr_scale = lr_scale
    return cfg


@pytest.mark.parametrize("lr_scale", [1.0, 0.25])
def test_gan_optimizers_follow_the_users_opt_overrides(lr_scale):
    """--config.opt.* set after the config is built reaches BOTH players (the generator's copy
    was once taken at config time): Adam's first step moves every parameter by its learning
    rate, opt.lr for the discriminator and opt.lr * generator_opt.lr_scale for the generator."""
    cfg = load_config("experiments/gan/fashion_mnist.py", "digits,smoke")
    cfg.opt.update(lr=0.03, min_lr=0.03, warmup_steps=0, b1=0.9)  # as --config.opt.* would
    cfg.generator_opt.lr_scale = lr_scale
    params = {"generator": {"w": np.ones((3, 2))}, "discriminator": {"w": np.ones((3, 2))}}
    grads = jax.tree.map(lambda p: np.full_like(p, 0.5), params)
    tx = gan.build_optimizer(cfg)
    updates, _ = tx.update(grads, tx.init(params), params)
    np.testing.assert_allclose(updates["discriminator"]["w"], -0.03, rtol=1e-4)
    np.testing.assert_allclose(updates["generator"]["w"], -0.03 * lr_scale, rtol=1e-4)


def _player_params(workdir):
    model, _, _ = checkpoint.load_model(workdir, gan, log=lambda _: None)
    return _leaves(model)


def _leaves(model):
    return {name: jax.tree.leaves(nnx.state(getattr(model, name), nnx.Param))
            for name in ("generator", "discriminator")}


@pytest.mark.slow  # three compilations of a training run: minutes on a busy 2-core machine
def test_gan_step_moves_each_player_by_its_own_optimizer(tmp_path):
    devices = jax.devices()[:1]
    cfg = _gan_config()
    init = gan.build_model(cfg, ml_collections.ConfigDict(
        dict(in_channels=1, image_size=8, num_classes=10)), nnx.Rngs(cfg.seed))
    start = _leaves(init)
    train.fit(_gan_config(lr_scale=0.0), tmp_path / "frozen_g", gan, devices=devices)
    frozen = _player_params(tmp_path / "frozen_g")
    for a, b in zip(start["generator"], frozen["generator"]):
        # lr 0: the generator did not move (an eager and a jitted init may differ in the last
        # bit; an Adam step would move it by about the learning rate, 2e-4)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(start["discriminator"],
                                                      frozen["discriminator"]))
    train.fit(cfg, tmp_path / "both", gan, devices=devices)
    both = _player_params(tmp_path / "both")
    # the discriminator's first update does not depend on the generator's learning rate: it
    # sees only its own loss (after one step, since later ones meet a different generator)
    for a, b in zip(frozen["discriminator"], both["discriminator"]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert any(not np.allclose(a, b) for a, b in zip(start["generator"], both["generator"]))


def _metrics(workdir):
    return [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
def test_diffusion_run_killed_and_resumed_matches_an_uninterrupted_one(tmp_path):
    devices = jax.devices()[:1]
    cfg = load_config("experiments/diffusion/fashion_mnist.py", "digits,smoke")
    cfg.train.update(steps=6, eval_every=6, log_every=1)
    cfg.checkpoint.every = 2
    cfg.data.update(batch_size=8, eval_examples=16, eval_batch_size=16)
    straight = train.fit(cfg, tmp_path / "straight", diffusion, devices=devices)
    train.fit(cfg, tmp_path / "resumed", SigtermAtBatch(diffusion, 4), devices=devices)
    saved = sorted(int(p.name) for p in (tmp_path / "resumed/checkpoints").iterdir())
    assert saved[-1] < 6  # stopped early, at the step the signal arrived in
    resumed = train.fit(cfg, tmp_path / "resumed", diffusion, devices=devices)
    assert resumed == straight
    assert _metrics(tmp_path / "resumed") == _metrics(tmp_path / "straight")
    # the weight average (model state, not parameters) was saved and restored too
    a, _, _ = checkpoint.load_model(tmp_path / "straight", diffusion, log=lambda _: None)
    b, _, _ = checkpoint.load_model(tmp_path / "resumed", diffusion, log=lambda _: None)
    assert int(a.averaged.count[...]) == 6
    for x, y in zip(jax.tree.leaves(a.averaged.average), jax.tree.leaves(b.averaged.average)):
        np.testing.assert_array_equal(x, y)
