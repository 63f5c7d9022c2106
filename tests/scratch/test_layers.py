"""NumPy layers: each backward vs finite differences, the whole MLP vs jax.grad and vs the scalar
engine, and training on digits (accuracy reached, same seed same run)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.data import digits
from jaxdl.scratch import autograd, layers


def numeric_gradient(f, array, h=1e-6):
    """d f() / d array by central differences, perturbing `array` in place one entry at a time."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + h
        up = f()
        array[index] = saved - h
        down = f()
        array[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


def layer_gradients_match(layer, x, rng):
    """Check dx and every parameter gradient of `layer` on the scalar sum(forward(x) * weights)."""
    weights = rng.standard_normal(layer.forward(x).shape)
    scalar = lambda: float((layer.forward(x) * weights).sum())  # noqa: E731
    layer.forward(x)
    dx = layer.backward(weights)  # d(sum(out * weights)) / d(out) = weights
    np.testing.assert_allclose(dx, numeric_gradient(scalar, x), rtol=1e-6, atol=1e-9)
    for name, value in layer.params.items():
        analytic = layer.grads[name].copy()
        np.testing.assert_allclose(analytic, numeric_gradient(scalar, value), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("make_layer", [
    lambda rng: layers.Linear(5, 3, rng=rng),
    lambda rng: layers.Tanh(),
    lambda rng: layers.ReLU(),
], ids=["linear", "tanh", "relu"])
def test_layer_backward_matches_finite_differences(make_layer):
    rng = np.random.default_rng(0)
    layer = make_layer(rng)
    for value in layer.params.values():  # nonzero biases, so their gradients are not trivial
        value += 0.3 * rng.standard_normal(value.shape)
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU inputs away from its kink, where differences lie
    layer_gradients_match(layer, x, rng)


def test_relu_gradient_at_zero_is_zero_like_jax():
    relu = layers.ReLU()
    relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(jax.grad(lambda x: jax.nn.relu(x).sum())(jnp.array([-1.0, 0.0, 2.0])),
                                  [0.0, 0.0, 1.0])


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    logits, labels = rng.standard_normal((6, 4)) * 3, rng.integers(0, 4, 6)
    loss = layers.SoftmaxCrossEntropy()
    loss.forward(logits, labels)
    analytic = loss.backward()
    np.testing.assert_allclose(analytic, numeric_gradient(lambda: loss.forward(logits, labels), logits),
                               rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(analytic.sum(axis=1), 0.0, atol=1e-15)  # softmax sums to 1, onehot too


@pytest.fixture(params=["relu", "tanh"])
def model_and_batch(request):
    rng = np.random.default_rng(2)
    model = layers.MLP([8, 16, 12, 5], rng=rng, activation=request.param)
    for _, _, value, _ in model.parameters():
        value += 0.1 * rng.standard_normal(value.shape)
    return model, rng.standard_normal((10, 8)), rng.integers(0, 5, 10), request.param


def jax_mlp_loss(params, x, labels, activation):
    """The same network written from its definition in jax.numpy; params: [(W, b), ...]."""
    act = {"relu": jax.nn.relu, "tanh": jnp.tanh}[activation]
    for W, b in params[:-1]:
        x = act(x @ W + b)
    W, b = params[-1]
    return -jax.nn.log_softmax(x @ W + b)[jnp.arange(len(labels)), labels].mean()


def linear_layers(model):
    return [layer for layer in model.layers if isinstance(layer, layers.Linear)]


def test_mlp_gradients_match_jax(model_and_batch, jax_x64):
    model, x, labels, activation = model_and_batch
    loss = model.loss_and_grads(x, labels)
    params = [(jnp.asarray(l.params["W"]), jnp.asarray(l.params["b"])) for l in linear_layers(model)]
    expected_loss, expected = jax.value_and_grad(jax_mlp_loss)(params, x, labels, activation)
    assert loss == pytest.approx(float(expected_loss), rel=1e-12)
    for layer, (dW, db) in zip(linear_layers(model), expected):
        np.testing.assert_allclose(layer.grads["W"], dW, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(layer.grads["b"], db, rtol=1e-9, atol=1e-14)


def test_mlp_gradients_match_finite_differences(model_and_batch):
    model, x, labels, _ = model_and_batch
    model.loss_and_grads(x, labels)
    loss = lambda: model.loss.forward(model.forward(x), labels)  # noqa: E731
    first = linear_layers(model)[0]
    analytic = first.grads["W"].copy()
    np.testing.assert_allclose(analytic, numeric_gradient(loss, first.params["W"]), rtol=1e-5, atol=1e-9)


def test_mlp_gradients_match_the_scalar_engine(model_and_batch):
    """The same numbers from matrices and from one Value per weight."""
    model, x, labels, activation = model_and_batch
    x, labels = x[:3], labels[:3]
    loss = model.loss_and_grads(x, labels)
    weights = [([[autograd.Value(w) for w in row] for row in l.params["W"].tolist()],
                [autograd.Value(b) for b in l.params["b"].tolist()]) for l in linear_layers(model)]
    scalar_loss = autograd.mlp_loss(weights, x.tolist(), labels.tolist(), activation)
    scalar_loss.backward()
    assert scalar_loss.data == pytest.approx(loss, rel=1e-12)
    for layer, (W, b) in zip(linear_layers(model), weights):
        np.testing.assert_allclose([[v.grad for v in row] for row in W], layer.grads["W"], rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose([v.grad for v in b], layer.grads["b"], rtol=1e-9, atol=1e-15)


def test_training_on_digits_learns_and_is_deterministic():
    parts = digits.split({"test": 0.2, "train": 0.8})
    splits = parts["train"], parts["test"]
    runs = []
    for _ in range(2):
        model = layers.MLP([64, 32, 10], rng=np.random.default_rng(0))
        runs.append(layers.train(model, *splits, epochs=3, rng=np.random.default_rng(0)))
    assert runs[0] == runs[1]
    assert runs[0][0]["loss"] > runs[0][-1]["loss"]
    assert runs[0][-1]["test accuracy"] > 0.9  # chance: 0.1
