"""The written-out normalization layers against flax.nnx's: same inputs, same parameters, same
outputs and gradients; BatchNorm in train and eval mode with the same running statistics, also
inside the training loop's jitted step."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdl import step
from jaxdl.nn import norms
from jaxdl.state import create

RNG = np.random.default_rng(0)
C = 8
# flax by default computes a variance as E[x^2] - E[x]^2; ours, and flax with this flag, as
# E[(x - mean)^2]. Same formula, so rounding agrees; the last test shows why ours uses it.
EXACT = dict(use_fast_variance=False, rngs=nnx.Rngs(0))


def random_input(shape, offset=1.0, spread=3.0):
    return jnp.asarray(RNG.normal(offset, spread, shape), jnp.float32)


def same_random_parameters(ours, theirs):
    """Gives both layers the same random scale and bias (not the ones and zeros they start with,
    which would hide a scale or bias applied on the wrong axis)."""
    for name in ("scale", "bias"):
        if getattr(ours, name, None) is not None:
            value = random_input(getattr(ours, name).shape, 0.5, 1.0)
            getattr(ours, name)[...] = value
            getattr(theirs, name)[...] = value


@nnx.jit
def output_and_gradients(model, x, direction):
    """The output, and the gradients in the model and in x of a random projection of it;
    compiled, which is several times faster here than running the small ops one by one."""
    def loss(model, x):
        return (model(x) * direction).sum()

    return model(x), nnx.grad(loss, argnums=(0, 1))(model, x)


@nnx.jit
def call(model, x):
    return model(x)  # compiled; BatchNorm's updated statistics still come back to `model`


def assert_same_function(ours, theirs, x, rtol=1e-5, atol=2e-5):
    """Same output, same gradient of a random projection of it in x and in every parameter."""
    direction = random_input(x.shape, 0.0, 1.0)
    out_ours, (grads_ours, dx_ours) = output_and_gradients(ours, x, direction)
    out_theirs, (grads_theirs, dx_theirs) = output_and_gradients(theirs, x, direction)
    np.testing.assert_allclose(out_ours, out_theirs, rtol=rtol, atol=atol)
    np.testing.assert_allclose(dx_ours, dx_theirs, rtol=rtol, atol=10 * atol)
    for name in ("scale", "bias"):
        if getattr(ours, name, None) is not None:
            np.testing.assert_allclose(getattr(grads_ours, name)[...],
                                       getattr(grads_theirs, name)[...],
                                       rtol=rtol, atol=10 * atol)


SHAPES = [(32, C), (4, 5, 6, C)]  # a batch of vectors; a batch of 5x6 images with C channels


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layer", ["layer", "rms", "group"])
def test_matches_flax(layer, shape):
    ours, theirs = {
        "layer": (norms.LayerNorm(C), nnx.LayerNorm(C, **EXACT)),
        "rms": (norms.RMSNorm(C), nnx.RMSNorm(C, **EXACT)),
        "group": (norms.GroupNorm(C, 4), nnx.GroupNorm(C, 4, **EXACT)),
    }[layer]
    same_random_parameters(ours, theirs)
    assert_same_function(ours, theirs, random_input(shape))


def test_layer_norm_without_bias_matches_flax():
    ours, theirs = norms.LayerNorm(C, use_bias=False), nnx.LayerNorm(C, use_bias=False, **EXACT)
    same_random_parameters(ours, theirs)
    assert_same_function(ours, theirs, random_input((32, C)))


def test_group_norm_extremes_are_layer_norm_and_instance_norm():
    x = random_input((4, 5, 6, C))
    flat = x.reshape(4, -1)
    expected = (flat - flat.mean(1, keepdims=True)) / jnp.sqrt(flat.var(1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(call(norms.GroupNorm(C, 1), x), expected.reshape(x.shape),
                               atol=2e-5)
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    per_channel = (x - mean) / jnp.sqrt(var + 1e-6)
    np.testing.assert_allclose(call(norms.GroupNorm(C, C), x), per_channel, atol=2e-5)
    with pytest.raises(ValueError, match="groups"):
        norms.GroupNorm(C, 3)


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_train_and_eval_match_flax(shape):
    ours, theirs = norms.BatchNorm(C, momentum=0.9), nnx.BatchNorm(C, momentum=0.9, **EXACT)
    same_random_parameters(ours, theirs)
    for i in range(3):  # each training call moves the running statistics
        x = random_input(shape, offset=i, spread=1.0 + i)
        np.testing.assert_allclose(call(ours, x), call(theirs, x), rtol=1e-5, atol=2e-5)
        np.testing.assert_allclose(ours.mean[...], theirs.mean[...], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.var[...], theirs.var[...], rtol=1e-5, atol=1e-6)
    assert not np.allclose(ours.mean[...], 0.0)
    ours.eval(), theirs.eval()
    x = random_input(shape)
    before = ours.mean[...]
    assert_same_function(ours, theirs, x)
    np.testing.assert_array_equal(ours.mean[...], before)  # evaluation leaves them alone
    # In eval mode an example's output does not depend on the rest of its batch.
    np.testing.assert_allclose(call(ours, x[:1]), call(ours, x)[:1], rtol=1e-6)
    ours.train(), theirs.train()
    assert_same_function(ours, theirs, x)


def test_batch_norm_train_mode_gradient_matches_flax():
    # The batch statistics depend on x, and that dependence is part of the gradient.
    ours, theirs = norms.BatchNorm(C), nnx.BatchNorm(C, **EXACT)
    same_random_parameters(ours, theirs)
    assert_same_function(ours, theirs, random_input((32, C)))


class Tiny(nnx.Module):
    def __init__(self, make_norm):
        self.dense = nnx.Linear(3, C, rngs=nnx.Rngs(0))
        self.norm = make_norm()

    def __call__(self, x):
        return self.norm(self.dense(x))


def test_batch_norm_in_the_training_loops_step_updates_statistics_like_flax():
    """One step of jaxdl.step's jitted train step (model.train(), the statistics carried in
    TrainState.model_state), then its eval step (model.eval()), for ours and for nnx.BatchNorm."""
    mesh = Mesh(np.array(jax.devices()[:1]), ("data",))
    replicated = NamedSharding(mesh, PartitionSpec())
    x_train, x_eval = random_input((16, 3)), random_input((16, 3), offset=-2.0)

    def loss_fn(model, batch, rng):
        return jnp.square(model(batch["x"])).mean(), {"out": model(batch["x"])}

    def run(make_norm):
        tx = optax.sgd(0.1)
        graphdef, state = create(Tiny(make_norm), tx, seed=0)
        shardings = jax.tree.map(lambda _: replicated, state)  # the steps take the state's leaves
        train_step = step.make_train_step(graphdef, loss_fn, tx, shardings, replicated)
        eval_step = step.make_eval_step(graphdef, loss_fn, shardings, replicated)
        leaves, _ = train_step(jax.tree.leaves(state), {"x": x_train})
        state = jax.tree.unflatten(jax.tree.structure(state), leaves)
        return state, eval_step(leaves, {"x": x_eval})["out"]

    state_ours, out_ours = run(lambda: norms.BatchNorm(C))
    state_flax, out_flax = run(lambda: nnx.BatchNorm(C, **EXACT))
    for name in ("mean", "var"):
        ours = state_ours.model_state["norm"][name][...]
        theirs = state_flax.model_state["norm"][name][...]
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
        assert not np.allclose(ours, {"mean": 0.0, "var": 1.0}[name])
    np.testing.assert_allclose(out_ours, out_flax, rtol=1e-5, atol=2e-5)
    np.testing.assert_allclose(state_ours.params["dense"]["kernel"][...],
                               state_flax.params["dense"]["kernel"][...], rtol=1e-5, atol=1e-6)


def test_two_pass_variance_stays_accurate_far_from_zero():
    # Features around 1e4 with spread 1: E[x^2] - E[x]^2 cancels ~8 digits in float32.
    x = random_input((4, 256), offset=1e4, spread=1.0)
    x64 = np.float64(x)
    expected = (x64 - x64.mean(-1, keepdims=True)) / np.sqrt(x64.var(-1, keepdims=True) + 1e-6)
    ours = norms.LayerNorm(256)(x)
    assert np.abs(ours - expected).max() < 1e-2
    fast = nnx.LayerNorm(256, rngs=nnx.Rngs(0))(x)  # flax's default one-pass variance
    assert np.abs(fast - expected).max() > 10 * np.abs(ours - expected).max()
