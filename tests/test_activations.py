"""Activations: every hand-written derivative vs jax.grad and finite differences, the functions
vs jax.nn, softmax's Jacobian and VJP vs jax.jacobian / jax.vjp, and no inf/NaN at extremes."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl import activations as act

NAMES = list(act.ELEMENTWISE)
# A fine grid, the kinks themselves and inputs far out in both tails.
GRID = np.concatenate([np.linspace(-6, 6, 1201), [0.0, -30.0, 30.0, -80.0, 80.0, -1e4, 1e4]]).astype(np.float32)
JAX_NN = {
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "leaky_relu": jax.nn.leaky_relu,
    "elu": jax.nn.elu,
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "gelu_tanh": lambda x: jax.nn.gelu(x, approximate=True),
    "silu": jax.nn.silu,
}


@functools.partial(jax.jit, static_argnums=0)
def on_grid(name, x):
    """Ours, our derivative, jax.grad of ours and jax.nn's version, in one compiled call."""
    f, derivative = act.ELEMENTWISE[name]
    return f(x), derivative(x), jax.vmap(jax.grad(f))(x), JAX_NN[name](x)


@pytest.fixture(params=NAMES)
def grid_values(request):
    return request.param, [np.asarray(v) for v in on_grid(request.param, jnp.asarray(GRID))]


def test_derivative_matches_jax_grad(grid_values):
    _, (_, derivative, autodiff, _) = grid_values
    # atol: in the far negative tail GELU-tanh's 1 + tanh(...) cancels to a few float32 ulps of 1,
    # so two correct formulas differ by ~1e-6 there; the float64 test below is the tight one.
    np.testing.assert_allclose(derivative, autodiff, rtol=1e-5, atol=2e-6)


def test_function_matches_jax_nn(grid_values):
    _, (ours, _, _, reference) = grid_values
    np.testing.assert_allclose(ours, reference, rtol=2e-6, atol=1e-7)


def test_finite_at_extreme_inputs(grid_values):
    _, values = grid_values
    assert all(np.isfinite(v).all() for v in values)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences_in_float64(name):
    f, derivative = act.ELEMENTWISE[name]
    x = np.linspace(-5, 5, 41) + 0.0123  # off the kink at 0, where differences straddle it
    h = 1e-6
    with jax.enable_x64(True):
        numeric = (np.asarray(f(jnp.asarray(x + h))) - np.asarray(f(jnp.asarray(x - h)))) / (2 * h)
        analytic = np.asarray(derivative(jnp.asarray(x)))
    assert analytic.dtype == np.float64
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_gelu_matches_float64_definition():
    x = np.linspace(-6, 6, 121)
    expected = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x]
    np.testing.assert_allclose(act.gelu(jnp.asarray(x, jnp.float32)), expected, rtol=1e-6, atol=1e-7)
    # The tanh form approximates it to within 5e-4 everywhere.
    assert np.abs(np.asarray(act.gelu_tanh(jnp.asarray(x, jnp.float32))) - expected).max() < 5e-4


@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_swish_with_beta(beta):
    @jax.jit
    def compute(x):
        return (act.swish_derivative(x, beta), jax.vmap(jax.grad(act.swish), (0, None))(x, beta),
                act.swish(x, beta), x * jax.nn.sigmoid(beta * x))

    derivative, autodiff, ours, reference = compute(jnp.asarray(GRID))
    np.testing.assert_allclose(derivative, autodiff, rtol=1e-5, atol=2e-7)
    np.testing.assert_allclose(ours, reference, rtol=2e-6, atol=1e-7)


def test_naive_elu_has_nan_gradient_where_ours_has_none():
    """The reason elu() keeps e^x away from positive inputs."""
    naive = lambda x: jnp.where(x > 0, x, jnp.expm1(x))  # noqa: E731
    assert np.isnan(jax.grad(naive)(jnp.float32(100.0)))
    assert jax.grad(act.elu)(jnp.float32(100.0)) == 1.0


def test_relu_slope_at_zero_is_zero_like_jax_nn():
    assert act.relu_derivative(jnp.float32(0.0)) == 0.0
    assert jax.grad(jax.nn.relu)(jnp.float32(0.0)) == 0.0


def test_maximum_of_the_derivatives():
    x = jnp.linspace(-5, 5, 10001)
    assert float(act.sigmoid_derivative(x).max()) == pytest.approx(0.25, abs=1e-7)
    assert float(act.tanh_derivative(x).max()) == pytest.approx(1.0, abs=1e-6)


LOGITS = np.array([[1.0, -2.0, 0.5, 3.0], [1000.0, 999.0, -1000.0, 0.0]], np.float32)


def test_softmax_matches_jax_nn_and_survives_large_logits():
    s = act.softmax(jnp.asarray(LOGITS))
    np.testing.assert_allclose(s, jax.nn.softmax(LOGITS), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-6)
    assert np.isfinite(np.asarray(s)).all()


@pytest.mark.parametrize("row", [0, 1])
def test_softmax_jacobian_matches_jax(row):
    x = jnp.asarray(LOGITS[row])
    np.testing.assert_allclose(act.softmax_jacobian(x), jax.jacobian(act.softmax)(x), atol=1e-6)


def test_softmax_vjp_matches_jax_and_the_jacobian():
    x = jnp.asarray(LOGITS)
    g = jnp.asarray(np.random.default_rng(0).standard_normal(LOGITS.shape), jnp.float32)
    _, vjp = jax.vjp(act.softmax, x)
    np.testing.assert_allclose(act.softmax_vjp(x, g), vjp(g)[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(act.softmax_vjp(x[0], g[0]), g[0] @ act.softmax_jacobian(x[0]), rtol=1e-5, atol=1e-6)


def test_deep_mlp_statistics_match_numpy():
    """The gradient-flow experiment's measurements, recomputed in NumPy float64 from the forward
    pass: dead units, saturated tanh, cosine similarity between images; and its gradient norms
    against jax.grad of the same loss."""
    from jaxdl.studies import activations as experiment

    rng = np.random.default_rng(0)
    params = experiment.init_mlp(rng, gain=math.sqrt(2))
    X = jnp.asarray(rng.standard_normal((12, experiment.WIDTH)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 10, 12))
    stats = experiment.layer_statistics(params, X, y, act.relu)

    h, W, b = np.float64(X), np.float64(params["W"]), np.float64(params["b"])
    for layer in range(experiment.DEPTH):
        z = h @ W[layer] + b[layer]
        h = np.maximum(z, 0)
        assert stats["dead"][layer] == pytest.approx((z <= 0).all(axis=0).mean())
        assert stats["saturated"][layer] == pytest.approx((np.abs(np.tanh(z)) > 0.99).mean(), abs=1 / z.size)
        unit = h / np.maximum(np.linalg.norm(h, axis=1, keepdims=True), 1e-300)
        pairs = unit @ unit.T
        expected_cosine = (pairs.sum() - np.trace(pairs)) / (len(h) * (len(h) - 1))
        assert stats["cosine"][layer] == pytest.approx(expected_cosine, rel=1e-4, abs=1e-6)
    grads = jax.grad(experiment.loss_fn)(params, X, y, act.relu)
    np.testing.assert_allclose(stats["grad norm"][:-1], np.linalg.norm(grads["W"], axis=(1, 2)), rtol=1e-6)
    assert stats["grad norm"][-1] == pytest.approx(float(np.linalg.norm(grads["W_out"])), rel=1e-6)


def test_naive_gelu_loses_the_negative_tail_in_float32():
    """The reason normal_cdf uses erfc: 1 + erf(x / sqrt 2) cancels for x << 0."""
    x = np.linspace(-6, -5, 11)
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    x32 = jnp.asarray(x, jnp.float32)
    naive = np.asarray(x32 * 0.5 * (1 + jax.lax.erf(x32 / math.sqrt(2))))
    assert np.max(np.abs(naive - exact) / np.abs(exact)) > 0.5
    np.testing.assert_allclose(act.gelu(x32), exact, rtol=1e-5)
