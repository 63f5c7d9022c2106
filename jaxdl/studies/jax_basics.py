"""JAX for PyTorch users, the demos of experiments/jax_basics/README.md up to the model: arrays and
random keys; autodiff (grad, value_and_grad, vjp, jvp, jacobians) and the graph JAX differentiates
(a jaxpr, as a drawable graph); jit and vmap. `jax_basics_training` has the rest (a grain
pipeline and an nnx model trained on digits). tests/test_jax_basics.py checks what the article
says about each.
"""

import dataclasses
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Var


# ---- arrays and random numbers ---------------------------------------------------------------------


def arrays_demo() -> dict:
    """Facts the article states about jax.numpy arrays and jax.random."""
    x = jnp.arange(6.0).reshape(2, 3)
    y = x.at[0, 1].set(100.0)  # arrays are immutable: .at[...] returns an updated copy
    key = jax.random.key(0)
    left, right = jax.random.split(key)
    return {
        "dtype": str(x.dtype),  # float32 unless jax_enable_x64 is on
        "original_after_set": np.asarray(x),
        "updated": np.asarray(y),
        "same_key_same_numbers": bool(jnp.array_equal(jax.random.normal(key, (3,)),
                                                       jax.random.normal(key, (3,)))),
        "split_keys_differ": not bool(jnp.array_equal(jax.random.normal(left, (3,)),
                                                       jax.random.normal(right, (3,)))),
        "device": str(x.device),
    }


# ---- autodiff ----------------------------------------------------------------------------------------


def neuron_loss(w, b, x, y):
    """Squared error of one tanh neuron: mean((tanh(x @ w + b) - y)^2)."""
    return jnp.mean((jnp.tanh(x @ w + b) - y) ** 2)


def neuron_example():
    """Fixed inputs for the neuron: w [3], b [], x [4, 3], y [4]."""
    rng = np.random.default_rng(0)
    return (rng.standard_normal(3), np.array(0.1), rng.standard_normal((4, 3)), rng.standard_normal(4))


def squash(v):
    """A function R^3 -> R^2, to show jacobians and the vector products they stand for."""
    return jnp.stack([jnp.sin(v[0]) * v[1], v[1] * v[2] ** 2])


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def autodiff_demo() -> dict:
    """grad, value_and_grad, jvp, vjp and jacobians, in float64 so finite differences are sharp."""
    with jax.enable_x64(True):
        w, b, x, y = (jnp.asarray(a) for a in neuron_example())
        loss, (grad_w, grad_b) = jax.value_and_grad(neuron_loss, argnums=(0, 1))(w, b, x, y)
        h = 1e-6  # central differences: error O(h^2) plus rounding O(eps / h)
        finite_w = np.array([(neuron_loss(w + h * e, b, x, y) - neuron_loss(w - h * e, b, x, y)) / (2 * h)
                             for e in np.eye(3)])

        v = jnp.array([0.3, -1.2, 2.0])
        u_out, v_in = jnp.array([1.0, -2.0]), jnp.array([0.5, 1.0, -1.0])
        value, jvp_out = jax.jvp(squash, (v,), (v_in,))  # J @ v_in, one forward pass
        value_again, pullback = jax.vjp(squash, v)       # u_out @ J, one backward pass
        (vjp_out,) = pullback(u_out)
        return {
            "loss": float(loss), "grad_w": np.asarray(grad_w), "grad_b": float(grad_b),
            "finite_difference_grad_w": finite_w,
            "jacobian": np.asarray(jax.jacfwd(squash)(v)),   # built from 3 jvps (one per input)
            "jacobian_rev": np.asarray(jax.jacrev(squash)(v)),  # built from 2 vjps (one per output)
            "jvp": np.asarray(jvp_out), "vjp": np.asarray(vjp_out), "u": np.asarray(u_out),
            "v": np.asarray(v_in), "value": np.asarray(value), "value_again": np.asarray(value_again),
            "rosenbrock_hessian_at_min": np.asarray(jax.hessian(rosenbrock)(jnp.array([1.0, 1.0]))),
        }


def per_example_grads(w, b, x, y):
    """Each example's gradient, [N, 3] and [N]: the gradient of one example's loss, vmapped over
    the batch (PyTorch needs torch.func or a loop for this)."""

    def example_loss(w, b, xi, yi):
        return neuron_loss(w, b, xi[None], yi[None])

    return jax.vmap(jax.grad(example_loss, argnums=(0, 1)), in_axes=(None, None, 0, 0))(w, b, x, y)


@dataclasses.dataclass
class Graph:
    """A jaxpr as a drawable graph: inputs, one node per primitive, outputs."""
    labels: list[str]
    kinds: list[str]  # "input", "forward", "backward" or "output"
    depth: list[int]  # longest path from an input: the drawing's row
    edges: list[tuple[int, int]]


def jaxpr_graph(fn, args, input_names, output_names) -> Graph:
    """Traces fn(*args) to its jaxpr. Nodes that the first output depends on are "forward"; the
    others (only the gradient needs them) are "backward"."""
    jaxpr = jax.make_jaxpr(fn)(*args).jaxpr
    labels, kinds, depth, edges, producer = [], [], [], [], {}

    def add(label, kind, parents):
        labels.append(label)
        kinds.append(kind)
        depth.append(1 + max((depth[p] for p in parents), default=-1))
        edges.extend((p, len(labels) - 1) for p in parents)
        return len(labels) - 1

    for name, var in zip(input_names, jaxpr.invars):
        producer[var] = add(f"{name}\n{var.aval.str_short()}", "input", [])
    for eqn in jaxpr.eqns:
        parents = sorted({producer[v] for v in eqn.invars if isinstance(v, Var) and v in producer})
        node = add(f"{eqn.primitive.name}\n{eqn.outvars[0].aval.str_short()}", "backward", parents)
        producer.update((v, node) for v in eqn.outvars)
    for name, var in zip(output_names, jaxpr.outvars):
        add(name, "output", [producer[var]])

    forward, frontier = set(), [producer[jaxpr.outvars[0]]]
    while frontier:  # walk back from the first output
        node = frontier.pop()
        if node not in forward:
            forward.add(node)
            frontier.extend(p for p, child in edges if child == node)
    kinds = ["forward" if k == "backward" and i in forward else k for i, k in enumerate(kinds)]
    return Graph(labels, kinds, depth, edges)


def layout(graph: Graph) -> np.ndarray:
    """x, y of each node. Row = depth, except that a node without parents (an input, a constant)
    sits just above its first consumer. Within a row, nodes are ordered by the mean x of their
    neighbours, sweeping down, up and down again: fewer crossing edges."""
    n = len(graph.labels)
    parents = [[p for p, c in graph.edges if c == i] for i in range(n)]
    children = [[c for p, c in graph.edges if p == i] for i in range(n)]
    row = list(graph.depth)
    for i in range(n):
        if not parents[i] and children[i]:
            row[i] = min(graph.depth[c] for c in children[i]) - 1
    rows = [[i for i in range(n) if row[i] == r] for r in range(max(row) + 1)]
    xy = np.zeros((n, 2))

    def place(nodes, neighbours):
        nodes.sort(key=lambda i: np.mean([xy[j, 0] for j in neighbours[i]]) if neighbours[i] else xy[i, 0])
        for slot, i in enumerate(nodes):
            xy[i] = (slot - (len(nodes) - 1) / 2, -row[i])

    for nodes in rows:
        place(nodes, [[]] * n)
    for order, neighbours in ((rows, parents), (rows[::-1], children), (rows, parents)):
        for nodes in order:
            place(nodes, neighbours)
    return xy


# ---- jit and vmap --------------------------------------------------------------------------------------


def traced_shapes() -> list[tuple]:
    """jit runs the Python function once per new input shape (tracing), then reuses the compiled code."""
    traced = []

    @jax.jit
    def double(x):
        traced.append(x.shape)  # a Python side effect: happens while tracing only
        return 2 * x

    for shape in [(3,), (3,), (4,), (3,)]:
        double(jnp.ones(shape))
    return traced


def elementwise_chain(x):
    """60 small elementwise ops: eager JAX runs 60 kernels, jit fuses them into one."""
    for _ in range(20):
        x = jnp.tanh(x) * 0.9 + 0.1 * x
    return x


def time_jit(sizes=(100, 10_000, 1_000_000), repeats=20) -> dict:
    """ms per call of elementwise_chain, eager and jitted (best of `repeats`, the two alternating,
    so that a busy moment of a shared machine hits both), and the first jitted call (tracing and
    compiling included)."""
    jitted = jax.jit(elementwise_chain)
    results = {}
    for size in sizes:
        x = jnp.linspace(-3, 3, size)
        start = time.perf_counter()
        jitted(x).block_until_ready()
        first_call = 1e3 * (time.perf_counter() - start)
        results[size] = {"first_jit_call": first_call, "eager": np.inf, "jit": np.inf}
        for _ in range(repeats):
            for name, fn in (("eager", elementwise_chain), ("jit", jitted)):
                start = time.perf_counter()
                fn(x).block_until_ready()
                results[size][name] = min(results[size][name], 1e3 * (time.perf_counter() - start))
    return results
