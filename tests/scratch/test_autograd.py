"""Scalar autograd engine: every operation's gradient vs finite differences and jax.grad, the
chain rule through shared nodes, topological order, deep graphs, and the DOT output."""

import math
import subprocess
import sys

import jax
import jax.numpy as jnp
import pytest

from jaxdl.scratch import autograd
from jaxdl.scratch.autograd import Value


def central_difference(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def engine_grads(f, args):
    values = [Value(a) for a in args]
    out = f(*values)
    out.backward()
    return out.data, [v.grad for v in values]


UNARY = {
    "exp": lambda x: x.exp() if isinstance(x, Value) else math.exp(x),
    "log": lambda x: x.log() if isinstance(x, Value) else math.log(x),
    "tanh": lambda x: x.tanh() if isinstance(x, Value) else math.tanh(x),
    "relu": lambda x: x.relu() if isinstance(x, Value) else max(x, 0.0),
    "cube": lambda x: x**3,
    "reciprocal": lambda x: x**-1,
    "sqrt": lambda x: x**0.5,
    "neg": lambda x: -x,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "const + b": lambda a, b: 2.5 + b * a,
    "const - b": lambda a, b: 2.5 - b * a,
    "const * b": lambda a, b: 2.5 * b + a,
    "const / b": lambda a, b: 2.5 / b + a,
}


POSITIVE_ONLY = {"log", "sqrt"}


@pytest.mark.parametrize("name, x", [(name, x) for name in UNARY for x in (0.3, 1.7, -0.8)
                                     if x > 0 or name not in POSITIVE_ONLY])
def test_unary_gradient_matches_finite_differences(name, x):
    f = UNARY[name]
    value, (grad,) = engine_grads(f, [x])
    assert value == pytest.approx(f(x), rel=1e-15)
    assert grad == pytest.approx(central_difference(f, [x], 0), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradient_matches_finite_differences(name):
    f, args = BINARY[name], [1.3, -0.7]
    value, grads = engine_grads(f, args)
    assert value == pytest.approx(f(*args), rel=1e-15)
    for i, grad in enumerate(grads):
        assert grad == pytest.approx(central_difference(f, args, i), rel=1e-7)


def expression(a, b, c, *, exp, log, tanh, relu):
    """One formula using every operation, several of its inputs more than once."""
    ab = a * b
    return tanh(ab + c**2) * exp(a / (b * b + 1.0)) + log(c * c + 1.0) - relu(ab - c) + 3.0 / (1.0 + relu(c)) ** 0.5


VALUE_OPS = {"exp": Value.exp, "log": Value.log, "tanh": Value.tanh, "relu": Value.relu}
JAX_OPS = {"exp": jnp.exp, "log": jnp.log, "tanh": jnp.tanh, "relu": jax.nn.relu}


@pytest.mark.parametrize("args", [(0.5, -1.2, 0.8), (-1.5, 0.4, 2.0), (2.0, 1.5, -0.3)])
def test_expression_matches_jax_grad(jax_x64, args):
    value, grads = engine_grads(lambda a, b, c: expression(a, b, c, **VALUE_OPS), args)
    jax_f = lambda a, b, c: expression(a, b, c, **JAX_OPS)  # noqa: E731
    expected = jax.grad(jax_f, argnums=(0, 1, 2))(*map(jnp.float64, args))
    assert value == pytest.approx(float(jax_f(*args)), rel=1e-14)
    assert grads == pytest.approx([float(g) for g in expected], rel=1e-12, abs=1e-15)


def test_shared_nodes_sum_their_gradients():
    x, y = Value(3.0), Value(-2.0)
    a = x * y          # used twice below
    out = (a + a) * a + x * x  # 2 (xy)^2 + x^2
    out.backward()
    assert x.grad == pytest.approx(4 * 3.0 * (-2.0) ** 2 + 2 * 3.0)  # 4 x y^2 + 2x
    assert y.grad == pytest.approx(4 * 3.0**2 * -2.0)               # 4 x^2 y


def test_backward_twice_gives_the_same_gradients_not_double():
    x = Value(0.7)
    out = (x * x).tanh()
    out.backward()
    first = x.grad
    out.backward()
    assert x.grad == first == pytest.approx(2 * 0.7 * (1 - math.tanh(0.49) ** 2))


def test_topological_order_puts_every_node_after_its_parents_once():
    a, b = Value(1.0), Value(2.0)
    out = ((a * b).exp() + a).tanh() * (b + a * b)
    order = autograd.topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    for node in order:
        assert all(position[id(parent)] < position[id(node)] for parent in node.parents)


def test_a_graph_deeper_than_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y + x
    y.backward()
    assert y.data == pytest.approx(0.5 * 5001)
    assert x.grad == 5001.0


def test_constant_exponent_only():
    with pytest.raises(TypeError, match="constant exponents"):
        Value(2.0) ** Value(3.0)


def test_mlp_loss_matches_jax(jax_x64):
    """A 3-4-2 tanh network on two examples: loss and every weight's gradient."""
    W1 = [[0.5, -0.3, 0.8, 0.1], [-0.6, 0.2, 0.4, -0.9], [0.3, 0.7, -0.5, 0.2]]
    b1 = [0.1, -0.2, 0.0, 0.3]
    W2 = [[0.4, -0.7], [0.9, 0.1], [-0.2, 0.5], [0.6, -0.8]]
    b2 = [0.05, -0.05]
    inputs, labels = [[1.0, -2.0, 0.5], [0.3, 0.8, -1.1]], [1, 0]

    as_values = lambda rows: [[Value(w) for w in row] for row in rows]  # noqa: E731
    weights = [(as_values(W1), [Value(b) for b in b1]), (as_values(W2), [Value(b) for b in b2])]
    loss = autograd.mlp_loss(weights, inputs, labels, activation="tanh")
    loss.backward()

    def jax_loss(params):
        (W1, b1), (W2, b2) = params
        logits = jnp.tanh(jnp.array(inputs) @ W1 + b1) @ W2 + b2
        return -jax.nn.log_softmax(logits)[jnp.arange(2), jnp.array(labels)].mean()

    params = [(jnp.array(W1), jnp.array(b1)), (jnp.array(W2), jnp.array(b2))]
    expected = jax.grad(jax_loss)(params)
    assert loss.data == pytest.approx(float(jax_loss(params)), rel=1e-13)
    for (W, b), (dW, db) in zip(weights, expected):
        assert [v.grad for row in W for v in row] == pytest.approx(dW.ravel().tolist(), rel=1e-11, abs=1e-15)
        assert [v.grad for v in b] == pytest.approx(db.tolist(), rel=1e-11, abs=1e-15)


def test_dot_has_a_box_per_value_and_an_edge_per_input():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    out = (a * b + a).tanh()
    out.backward()
    dot = autograd.to_dot(out)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    assert dot.count("shape=record") == 5  # a, b, a*b, a*b + a, tanh
    assert dot.count(" -> op") == 5         # inputs: 2 into *, 2 into +, 1 into tanh
    assert dot.count(" -> v") == 3          # each operation into its result
    assert "{ a | data 2.0000 | grad " in dot


def test_render_without_graphviz_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(autograd.shutil, "which", lambda name: None)
    assert autograd.render(Value(1.0) * 2.0, tmp_path / "g.png") is False
    assert not (tmp_path / "g.png").exists()


def test_render_with_graphviz(tmp_path):
    if autograd.shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    path = tmp_path / "g.png"
    assert autograd.render(Value(1.0, "x").tanh(), path) is True
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_engine_is_pure_python():
    code = "import sys, jaxdl.scratch.autograd; print('numpy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
