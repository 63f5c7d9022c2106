"""Backpropagation two ways: a neuron's graph through the scalar engine, then an MLP of NumPy
layers trained on scikit-learn's digits, and the check that both agree with JAX.

  python -m jaxdl.experiments.backprop    # prints the article's numbers, writes its figures

The engine is `jaxdl.scratch.autograd`, the layers `jaxdl.scratch.layers`; everything is seeded,
so a rerun prints the same numbers (the timings aside).
"""

import argparse
import pathlib
import time

import numpy as np

from jaxdl.scratch import autograd, layers
from jaxdl.scratch.autograd import Value

COLORS = {"relu": "#1f77b4", "tanh": "#d62728"}


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


def plot_graph(root, out):
    """The graph left to right: a box per Value (data, grad), a circle per operation. A node's
    column is its depth (longest path from an input); its height the mean of its parents'."""
    import matplotlib.pyplot as plt

    order = autograd.topological_order(root)
    depth, height = {}, {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    leaves = [node for node in order if not node.parents]
    for i, node in enumerate(leaves):
        height[id(node)] = i
    for node in order:
        if node.parents:
            height[id(node)] = np.mean([height[id(p)] for p in node.parents])

    fig, ax = plt.subplots(figsize=(15, 6.2))
    step = 2.3
    for node in order:
        x, y = step * depth[id(node)], height[id(node)]
        if node.op:
            ox = x - 0.55 * step
            ax.annotate("", (x - 0.62, y), (ox + 0.22, y), arrowprops=dict(arrowstyle="->", color="#555555"))
            ax.text(ox, y, node.op, ha="center", va="center", fontsize=10,
                    bbox=dict(boxstyle="circle", fc="#fff2cc", ec="#b58900"))
            for parent in node.parents:
                px, py = step * depth[id(parent)], height[id(parent)]
                ax.annotate("", (ox - 0.22, y), (px + 0.62, py),
                            arrowprops=dict(arrowstyle="->", color="#999999", shrinkA=0, shrinkB=2))
        leaf = not node.parents
        ax.text(x, y, f"{node.label}\ndata {node.data:.4f}\ngrad {node.grad:.4f}", ha="center",
                va="center", fontsize=9, family="monospace",
                bbox=dict(boxstyle="round", fc="#e8f1fb" if leaf else "white", ec="#1f77b4"))
    ax.set(xlim=(-0.9, step * max(depth.values()) + 0.9), ylim=(-0.8, len(leaves) - 0.2))
    ax.set_title("loss = (tanh(x1 w1 + x2 w2 + b) - target)^2: forward values and d loss / d node")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


# ---- the same MLP from matrices and from scalars ----------------------------------------------


def scalar_weights(model):
    """The model's Linear layers as the nested lists of Values that autograd.mlp_loss takes."""
    return [([[Value(w) for w in row] for row in layer.params["W"].tolist()],
             [Value(b) for b in layer.params["b"].tolist()])
            for layer in model.layers if isinstance(layer, layers.Linear)]


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
    """Both engines' loss and gradients on one batch: largest difference and time of each."""
    matrix_seconds, loss = best_time(lambda: model.loss_and_grads(X, y), repeats=50)
    weights = scalar_weights(model)

    def scalar_forward_backward():
        root = autograd.mlp_loss(weights, X.tolist(), y.tolist())
        root.backward()
        return root

    scalar_seconds, scalar_loss = best_time(scalar_forward_backward, repeats=3)
    linears = [layer for layer in model.layers if isinstance(layer, layers.Linear)]
    worst = max(max(np.abs(np.array([[v.grad for v in row] for row in W]) - layer.grads["W"]).max(),
                    np.abs(np.array([v.grad for v in b]) - layer.grads["b"]).max())
                for layer, (W, b) in zip(linears, weights))
    nodes = len(autograd.topological_order(scalar_loss))
    return abs(loss - scalar_loss.data), worst, matrix_seconds, scalar_seconds, nodes


def compare_with_jax(model, X, y):
    """Relative error (whole-array norm) of each Linear's dW against jax.grad, in float64."""
    import jax
    import jax.numpy as jnp

    linears = [layer for layer in model.layers if isinstance(layer, layers.Linear)]

    def loss(params):
        h = jnp.asarray(X)
        for W, b in params[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = params[-1]
        return -jax.nn.log_softmax(h @ W + b)[jnp.arange(len(y)), y].mean()

    model.loss_and_grads(X, y)
    with jax.enable_x64(True):
        params = [(jnp.asarray(l.params["W"]), jnp.asarray(l.params["b"])) for l in linears]
        expected = [np.asarray(dW) for dW, _ in jax.grad(loss)(params)]  # NumPy float64 arrays
    return [float(np.linalg.norm(l.grads["W"] - dW) / np.linalg.norm(dW)) for l, dW in zip(linears, expected)]


def plot_training(histories, out):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for name, history in histories.items():
        epochs = [h["epoch"] for h in history]
        color = COLORS[name]
        axes[0].plot(epochs, [h["loss"] for h in history], color=color, label=f"{name}: training loss")
        axes[1].plot(epochs, [h["train accuracy"] for h in history], color=color, ls="--",
                     label=f"{name}: train")
        axes[1].plot(epochs, [h["test accuracy"] for h in history], color=color,
                     label=f"{name}: test (final {history[-1]['test accuracy']:.3f})")
    axes[0].set(title="mean minibatch cross-entropy per epoch", xlabel="epoch", yscale="log")
    axes[1].set(title="accuracy after each epoch", xlabel="epoch", ylim=(0.8, 1.0))
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle("NumPy MLP 64-128-10 with hand-written backward passes, SGD on sklearn digits", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="experiments/backprop/figures", help="where to write the figures")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    started = time.time()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    loss, inputs = neuron_graph(**NEURON)
    loss.backward()
    print(f"== one neuron: loss = (tanh(x1 w1 + x2 w2 + b) - {TARGET})^2 at "
          + ", ".join(f"{name} = {value}" for name, value in NEURON.items()))
    print(f"  loss = {loss.data:.6f}")
    print("  topological order:", ", ".join(node.label or node.op for node in autograd.topological_order(loss)))
    for name, leaf in inputs.items():
        print(f"  d loss / d {name:2s} = {leaf.grad:+.6f}")
    print(f"  largest |engine - central difference (h 1e-6)|: {finite_difference_check():.1e}")
    (out / "neuron_graph.dot").write_text(autograd.to_dot(loss))
    plot_graph(loss, out / "neuron_graph.png")

    train, test = layers.digits_split(seed=args.seed)
    X, y = train
    print(f"== digits: {len(y)} train / {len(test[1])} test images of 8x8 pixels, 10 classes")
    small = layers.MLP([64, 16, 10], rng=np.random.default_rng(args.seed))
    loss_gap, grad_gap, matrix_s, scalar_s, nodes = compare_engines(small, X[:20], y[:20])
    print(f"  MLP 64-16-10 on 20 images, scalar engine vs NumPy layers: |loss difference| {loss_gap:.1e}, "
          f"largest |gradient difference| {grad_gap:.1e}")
    print(f"  forward + backward, best of 50 / 3: NumPy {1e3 * matrix_s:.2f} ms, scalar engine {1e3 * scalar_s:.0f} ms "
          f"({nodes} Values in the graph, {scalar_s / matrix_s:.0f}x slower)")
    errors = compare_with_jax(layers.MLP([64, 128, 10], rng=np.random.default_rng(args.seed)), X[:64], y[:64])
    print("  MLP 64-128-10, relative error of each dW vs jax.grad (float64): "
          + ", ".join(f"{e:.1e}" for e in errors))

    histories = {}
    for activation in ("relu", "tanh"):
        model = layers.MLP([64, 128, 10], rng=np.random.default_rng(args.seed), activation=activation)
        start = time.perf_counter()
        histories[activation] = history = layers.train(
            model, train, test, epochs=args.epochs, lr=args.lr, rng=np.random.default_rng(args.seed))
        seconds = time.perf_counter() - start
        print(f"== {activation} MLP 64-128-10, SGD lr {args.lr:g}, batch 32, {args.epochs} epochs "
              f"({seconds:.1f} s)")
        for h in history:
            if h["epoch"] in (1, 2, 5) or h["epoch"] % 10 == 0:
                print(f"  epoch {h['epoch']:3d}  loss {h['loss']:.4f}  train acc {h['train accuracy']:.4f}"
                      f"  test acc {h['test accuracy']:.4f}")
    plot_training(histories, out / "digits_training.png")
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
