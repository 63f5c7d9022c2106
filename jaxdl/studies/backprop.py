"""Backpropagation two ways, the computations of experiments/backprop/README.md: a neuron's graph
through the scalar engine (`jaxdl.scratch.autograd`), and an MLP of NumPy layers
(`jaxdl.scratch.layers`) checked against that engine and against JAX.

JAX is imported only by `compare_with_jax`; everything else runs on NumPy alone.
"""

import time

import numpy as np

from jaxdl.scratch import autograd, layers
from jaxdl.scratch.autograd import Value

# ---- one neuron, one number at a time ---------------------------------------------------------

NEURON = {"x1": 0.5, "x2": -1.5, "w1": 2.0, "w2": -0.5, "b": 0.3}
TARGET = 0.9


def named(value, label):
    value.label = label
    return value


def neuron_graph(x1, x2, w1, w2, b):
    """loss = (tanh(w1 x1 + w2 x2 + b) - TARGET)^2 from numbers; returns it and the input Values."""
    leaves = {name: Value(number, name) for name, number in zip(NEURON, (x1, x2, w1, w2, b))}
    products = named(leaves["x1"] * leaves["w1"], "x1*w1"), named(leaves["x2"] * leaves["w2"], "x2*w2")
    z = named(named(products[0] + products[1], "x1*w1 + x2*w2") + leaves["b"], "z")
    error = named(named(z.tanh(), "out") - named(Value(TARGET), "target"), "error")
    return named(error**2, "loss"), leaves


def finite_difference_check(h=1e-6):
    """Largest |engine gradient - central difference| over the neuron's five inputs."""
    loss, leaves = neuron_graph(**NEURON)
    loss.backward()
    worst = 0.0
    for name, leaf in leaves.items():
        up, down = dict(NEURON, **{name: NEURON[name] + h}), dict(NEURON, **{name: NEURON[name] - h})
        numeric = (neuron_graph(**up)[0].data - neuron_graph(**down)[0].data) / (2 * h)
        worst = max(worst, abs(leaf.grad - numeric))
    return worst


# ---- the same MLP from matrices and from scalars ----------------------------------------------


def linears(model):
    return [layer for layer in model.layers if isinstance(layer, layers.Linear)]


def scalar_weights(model):
    """The model's Linear layers as the nested lists of Values that autograd.mlp_loss takes."""
    return [([[Value(w) for w in row] for row in layer.params["W"].tolist()],
             [Value(b) for b in layer.params["b"].tolist()])
            for layer in linears(model)]


def best_time(f, repeats):
    """Fastest of `repeats` calls of f, in seconds, and f's last result (a shared machine's
    other jobs only ever add time, so the minimum is the least noisy estimate)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - start)
    return min(times), result


def compare_engines(model, X, y):
    """Both engines' loss and gradients on one batch: |loss difference|, largest |gradient
    difference|, the seconds of each (NumPy, scalar engine) and the Values in the scalar graph."""
    matrix_seconds, loss = best_time(lambda: model.loss_and_grads(X, y), repeats=50)
    weights = scalar_weights(model)

    def scalar_forward_backward():
        root = autograd.mlp_loss(weights, X.tolist(), y.tolist())
        root.backward()
        return root

    scalar_seconds, scalar_loss = best_time(scalar_forward_backward, repeats=3)
    worst = max(max(np.abs(np.array([[v.grad for v in row] for row in W]) - layer.grads["W"]).max(),
                    np.abs(np.array([v.grad for v in b]) - layer.grads["b"]).max())
                for layer, (W, b) in zip(linears(model), weights))
    nodes = len(autograd.topological_order(scalar_loss))
    return abs(loss - scalar_loss.data), worst, matrix_seconds, scalar_seconds, nodes


def compare_with_jax(model, X, y):
    """Relative error (whole-array norm) of each Linear's dW against jax.grad, in float64."""
    import jax
    import jax.numpy as jnp

    def loss(params):
        h = jnp.asarray(X)
        for W, b in params[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = params[-1]
        return -jax.nn.log_softmax(h @ W + b)[jnp.arange(len(y)), y].mean()

    model.loss_and_grads(X, y)
    with jax.enable_x64(True):
        params = [(jnp.asarray(l.params["W"]), jnp.asarray(l.params["b"])) for l in linears(model)]
        expected = [np.asarray(dW) for dW, _ in jax.grad(loss)(params)]  # NumPy float64 arrays
    return [float(np.linalg.norm(l.grads["W"] - dW) / np.linalg.norm(dW))
            for l, dW in zip(linears(model), expected)]
