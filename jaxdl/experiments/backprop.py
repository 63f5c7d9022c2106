"""Backpropagation two ways: prints the numbers of experiments/backprop/README.md and draws its
figures. The computations are `jaxdl.studies.backprop`.

  python -m jaxdl.experiments.backprop       # every number of the article and the two figures

Everything is seeded, so a rerun prints the same numbers (the timings aside).
"""

import argparse
import pathlib
import time

import numpy as np

from jaxdl.data import digits
from jaxdl.figures import pyplot, save
from jaxdl.scratch import autograd, layers
from jaxdl.studies.backprop import (NEURON, TARGET, compare_engines, compare_with_jax,
                                    finite_difference_check, neuron_graph)

COLORS = {"relu": "#1f77b4", "tanh": "#d62728"}


def plot_graph(root, out):
    """The graph left to right: a box per Value (data, grad), a circle per operation. A node's
    column is its depth (longest path from an input); its height the mean of its parents'."""
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

    fig, ax = pyplot().subplots(figsize=(15, 6.2))
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
    save(fig, out)


def plot_training(histories, out):
    fig, axes = pyplot().subplots(1, 2, figsize=(12, 4.2))
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
    save(fig, out)


def neuron(out: pathlib.Path):
    loss, inputs = neuron_graph(**NEURON)
    loss.backward()
    print(f"== one neuron: loss = (tanh(x1 w1 + x2 w2 + b) - {TARGET})^2 at "
          + ", ".join(f"{name} = {value}" for name, value in NEURON.items()))
    print(f"  loss = {loss.data:.6f}")
    print("  topological order:", ", ".join(node.label or node.op for node in autograd.topological_order(loss)))
    for name, leaf in inputs.items():
        print(f"  d loss / d {name:2s} = {leaf.grad:+.6f}")
    print(f"  largest |engine - central difference (h 1e-6)|: {finite_difference_check():.1e}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "neuron_graph.dot").write_text(autograd.to_dot(loss))
    plot_graph(loss, out / "neuron_graph.png")


def digits_mlp(out: pathlib.Path, *, seed: int, epochs: int, lr: float):
    parts = digits.split({"test": 0.2, "train": 0.8}, seed=seed)
    train, test = parts["train"], parts["test"]
    X, y = train
    print(f"== digits: {len(y)} train / {len(test[1])} test images of 8x8 pixels, 10 classes")
    small = layers.MLP([64, 16, 10], rng=np.random.default_rng(seed))
    loss_gap, grad_gap, matrix_s, scalar_s, nodes = compare_engines(small, X[:20], y[:20])
    print(f"  MLP 64-16-10 on 20 images, scalar engine vs NumPy layers: |loss difference| {loss_gap:.1e}, "
          f"largest |gradient difference| {grad_gap:.1e}")
    print(f"  forward + backward, best of 50 / 3: NumPy {1e3 * matrix_s:.2f} ms, scalar engine {1e3 * scalar_s:.0f} ms "
          f"({nodes} Values in the graph, {scalar_s / matrix_s:.0f}x slower)")
    errors = compare_with_jax(layers.MLP([64, 128, 10], rng=np.random.default_rng(seed)), X[:64], y[:64])
    print("  MLP 64-128-10, relative error of each dW vs jax.grad (float64): "
          + ", ".join(f"{e:.1e}" for e in errors))

    histories = {}
    for activation in ("relu", "tanh"):
        model = layers.MLP([64, 128, 10], rng=np.random.default_rng(seed), activation=activation)
        start = time.perf_counter()
        histories[activation] = history = layers.train(
            model, train, test, epochs=epochs, lr=lr, rng=np.random.default_rng(seed))
        seconds = time.perf_counter() - start
        print(f"== {activation} MLP 64-128-10, SGD lr {lr:g}, batch 32, {epochs} epochs ({seconds:.1f} s)")
        for h in history:
            if h["epoch"] in (1, 2, 5) or h["epoch"] % 10 == 0:
                print(f"  epoch {h['epoch']:3d}  loss {h['loss']:.4f}  train acc {h['train accuracy']:.4f}"
                      f"  test acc {h['test accuracy']:.4f}")
    plot_training(histories, out / "digits_training.png")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="experiments/backprop/figures", help="where to write the figures")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    neuron(out)
    digits_mlp(out, seed=args.seed, epochs=args.epochs, lr=args.lr)


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.guard(main)
