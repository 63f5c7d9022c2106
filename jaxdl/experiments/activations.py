"""Activations compared: prints the numbers of experiments/activations/README.md and draws its
figures. The computations are `jaxdl.studies.activations`.

  python -m jaxdl.experiments.activations            # at initialisation: ~20 s, three figures
  python -m jaxdl.experiments.activations --train    # also trains all 63 networks: ~1.5 min more

Everything is seeded, so a rerun prints the same numbers.
"""

import argparse
import pathlib

import jax.numpy as jnp
import numpy as np

from jaxdl import activations as act
from jaxdl.figures import pyplot, save
from jaxdl.studies.activations import (BATCH, COMPARED, DEPTH, GAINS, HE, LR, MOMENTUM, SATURATED,
                                       SEEDS, STEPS, WIDTH, after_training, at_initialisation,
                                       shape_facts, standardized_digits)

COLORS = {"sigmoid": "#8c564b", "tanh": "#d62728", "relu": "#1f77b4", "leaky_relu": "#17becf",
          "elu": "#2ca02c", "gelu": "#ff7f0e", "gelu_tanh": "#ff7f0e", "silu": "#9467bd"}


def plot_functions(out):
    plt = pyplot()
    x = jnp.linspace(-5, 5, 1001)
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.6), sharex=True)
    for ax, (name, (f, derivative)) in zip(axes.flat, act.ELEMENTWISE.items()):
        ax.plot(x, f(x), color=COLORS[name], lw=2, label="f(x)")
        ax.plot(x, derivative(x), color="black", ls="--", lw=1.3, label="f'(x)")
        if name == "gelu_tanh":
            ax.plot(x, 1000 * (f(x) - act.gelu(x)), color="#999999", lw=1, label="1000 x (f - exact GELU)")
        ax.axhline(0, color="#cccccc", lw=0.8)
        ax.axvline(0, color="#cccccc", lw=0.8)
        ax.set(title=name, ylim=(-1.6, 3.2))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    for ax in axes[1]:
        ax.set_xlabel("x")
    fig.suptitle("activation functions (solid) and their hand-written derivatives (dashed)", fontsize=12)
    fig.tight_layout()
    save(fig, out)


def plot_gradient_flow(results, out):
    plt = pyplot()
    layers = np.arange(1, DEPTH + 2)
    fig, axes = plt.subplots(1, len(GAINS), figsize=(16, 4.8), sharey=True)
    for ax, gain in zip(axes, GAINS):
        for name in COMPARED:
            ax.plot(layers, results[name][gain]["grad norm"], "o-", ms=3, color=COLORS[name], label=name)
        ax.set(title=f"hidden weights {gain}", xlabel="layer (21 = output layer)", yscale="log",
               xticks=[1, 5, 10, 15, 20, 21])
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("||dL/dW|| of the layer, at initialisation")
    axes[-1].legend(fontsize=9, loc="lower right")
    fig.suptitle(f"gradient norm per layer of a {DEPTH}-layer, {WIDTH}-wide MLP on the digits training set "
                 "(the loss is backpropagated from layer 21 down to layer 1)", fontsize=11)
    fig.tight_layout()
    save(fig, out)


def plot_units(results, out):
    """At initialisation: dead units, similarity between images, saturated tanh, per layer."""
    plt = pyplot()
    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6))
    ax = axes[0]
    for name in ("relu", "leaky_relu", "elu", "gelu", "silu"):
        ax.plot(layers, 100 * results[name][HE]["dead"], marker="o", ms=3, color=COLORS[name], label=name,
                ls="--" if name == "leaky_relu" else "-")
    ax.set(title="units negative on every training image (He init)", ylabel="% of the layer's units")
    ax = axes[1]
    for name in COMPARED:
        ax.plot(layers, results[name][HE]["cosine"], "o-", ms=3, color=COLORS[name], label=name)
    ax.set(title="mean cosine similarity of two images' activations (He init)", ylim=(-0.05, 1.4),
           yticks=np.linspace(0, 1, 6))
    ax = axes[2]
    for gain, color in zip(GAINS, ("#fcae91", "#fb6a4a", "#a50f15")):
        ax.plot(layers, 100 * results["tanh"][gain]["saturated"], "o-", ms=3, color=color, label=gain)
    ax.set(title=f"saturated tanh: |tanh(z)| > {SATURATED}", ylabel="% of (unit, image) pairs")
    for ax in axes:
        ax.set(xlabel="layer", xticks=[1, 5, 10, 15, 20])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=4 if ax is axes[1] else 1, loc="upper center" if ax is axes[1] else "best")
    fig.suptitle(f"the {DEPTH}-layer MLP at initialisation, measured on the digits training set", fontsize=11)
    fig.tight_layout()
    save(fig, out)


def plot_training(results, out):
    """After STEPS steps of SGD: test accuracy per (activation, gain) over the seeds, and how
    dead ReLUs and saturated tanh units changed."""
    plt = pyplot()
    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.8), gridspec_kw={"width_ratios": [1.2, 1, 1]})
    ax = axes[0]
    median = np.array([[np.median(accuracies(results[name], gain)) if accuracies(results[name], gain) else 0.0
                        for gain in GAINS] for name in COMPARED])
    image = ax.imshow(median, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for i, name in enumerate(COMPARED):
        for j, gain in enumerate(GAINS):
            ax.text(j, i, cell_text(results[name], gain), ha="center", va="center", fontsize=8)
    ax.set(xticks=range(len(GAINS)), xticklabels=list(GAINS), yticks=range(len(COMPARED)),
           yticklabels=COMPARED, title=f"test accuracy after {STEPS} SGD steps: median, min-max of {SEEDS} seeds")
    fig.colorbar(image, ax=ax, fraction=0.05)
    ax = axes[1]
    for name, style in (("relu", "-"), ("leaky_relu", "--")):
        for when, alpha in (("init", 1.0), ("trained", 0.5)):
            dead = np.mean([results[name][(seed, HE)][when]["dead"] for seed in range(SEEDS)], axis=0)
            ax.plot(layers, 100 * dead, style, marker="o", ms=3, color=COLORS[name], alpha=alpha,
                    label=f"{name}, {'at init' if when == 'init' else 'after training'}")
    ax.set(title=f"units negative on every training image (He init, mean of {SEEDS} seeds)",
           ylabel="% of the layer's units")
    ax = axes[2]
    for gain, color in zip(GAINS, ("#fcae91", "#fb6a4a", "#a50f15")):
        for when, style in (("init", "-"), ("trained", ":")):
            saturated = np.mean([results["tanh"][(seed, gain)][when]["saturated"] for seed in range(SEEDS)], axis=0)
            ax.plot(layers, 100 * saturated, style, color=color,
                    label=f"{gain}, {'at init' if when == 'init' else 'after training'}")
    ax.set(title=f"saturated tanh: |tanh(z)| > {SATURATED} (mean of {SEEDS} seeds)", ylabel="% of (unit, image) pairs")
    for ax in axes[1:]:
        ax.set(xlabel="layer", xticks=[1, 5, 10, 15, 20], ylim=(0, None))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, out)


def accuracies(runs, gain):
    """Test accuracies of the seeds that did not diverge."""
    return [float(runs[(seed, gain)]["trained"]["test accuracy"]) for seed in range(SEEDS)
            if not runs[(seed, gain)]["diverged"]]


def cell_text(runs, gain):
    values, diverged = accuracies(runs, gain), SEEDS - len(accuracies(runs, gain))
    lines = [f"{np.median(values):.3f}", f"{min(values):.2f}-{max(values):.2f}"] if values else []
    return "\n".join(lines + ([f"{diverged} diverged"] if diverged else []))


def print_shapes():
    facts, gelu_gap = shape_facts()
    print("== on [-5, 5]: f' at -3, 0, 3; the largest f'; the smallest f and where")
    for name, fact in facts.items():
        slopes = fact["slopes"]
        print(f"  {name:10s} f' {slopes[0]:.4f} {slopes[1]:.4f} {slopes[2]:.4f}   max f' "
              f"{fact['max slope']:.4f}   min f {fact['min']:+.4f} at x = {fact['argmin']:+.3f}")
    print(f"  largest |gelu_tanh - gelu| on [-5, 5]: {gelu_gap:.2e}")


def report_initialisation(results):
    print("== at initialisation (seed 0): ||dL/dW|| of layers 1, 10, 20 and the output; layer 1 / layer 20")
    for gain in GAINS:
        print(f"  {gain}")
        for name in COMPARED:
            g = results[name][gain]["grad norm"]
            print(f"    {name:10s} {g[0]:9.2e} {g[9]:9.2e} {g[19]:9.2e} {g[20]:9.2e}   ratio {g[0] / g[19]:.1e}")
    print("== units negative on every training image, % of the layer at layers 1 / 10 / 20, and mean")
    for name in ("relu", "leaky_relu", "elu", "gelu", "silu"):
        for gain in GAINS:
            d = 100 * results[name][gain]["dead"]
            print(f"  {name:10s} {gain:17s} {d[0]:5.1f} {d[9]:5.1f} {d[19]:5.1f}   mean {d.mean():5.1f}")
    print("== mean cosine similarity between two images' activations at layers 1 / 10 / 20")
    for name in COMPARED:
        for gain in GAINS:
            c = results[name][gain]["cosine"]
            print(f"  {name:10s} {gain:17s} {c[0]:6.3f} {c[9]:6.3f} {c[19]:6.3f}")
    print(f"== saturated tanh (|tanh| > {SATURATED}), % of (unit, image) pairs at layers 1 / 10 / 20")
    for gain in GAINS:
        s = 100 * results["tanh"][gain]["saturated"]
        print(f"  {gain:17s} {s[0]:5.1f} {s[9]:5.1f} {s[19]:5.1f}")


def report_training(results):
    print(f"== after {STEPS} steps, {SEEDS} seeds: test accuracy of each seed (x: diverged to NaN)")
    print(" " * 13 + "".join(f"{gain:>26s}" for gain in GAINS))
    for name in COMPARED:
        cells = [" ".join("x" if results[name][(seed, gain)]["diverged"]
                          else f"{results[name][(seed, gain)]['trained']['test accuracy']:.3f}"
                          for seed in range(SEEDS)) for gain in GAINS]
        print(f"  {name:10s} " + "".join(f"{cell:>26s}" for cell in cells))
    print(f"== units negative on every training image, He init, mean of {SEEDS} seeds: "
          "% at layers 1 / 10 / 20, and mean over layers")
    for name in ("relu", "leaky_relu"):
        for when in ("init", "trained"):
            d = 100 * np.mean([results[name][(seed, HE)][when]["dead"] for seed in range(SEEDS)], axis=0)
            print(f"  {name:10s} {when:8s} {d[0]:5.1f} {d[9]:5.1f} {d[19]:5.1f}   mean {d.mean():5.1f}")
    print(f"== saturated tanh, mean of {SEEDS} seeds: % at layers 1 / 10 / 20")
    for gain in GAINS:
        for when in ("init", "trained"):
            s = 100 * np.mean([results["tanh"][(seed, gain)][when]["saturated"] for seed in range(SEEDS)], axis=0)
            print(f"  {gain:17s} {when:8s} {s[0]:5.1f} {s[9]:5.1f} {s[19]:5.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="experiments/activations/figures", help="where to write the figures")
    parser.add_argument("--train", action="store_true", help=f"also train every network ({SEEDS} seeds)")
    args = parser.parse_args(argv)

    out = pathlib.Path(args.out)
    plot_functions(out / "functions.png")
    print_shapes()

    train_split, test_split = standardized_digits()
    X = np.asarray(train_split[0])
    print(f"== MLP: {DEPTH} hidden layers of {WIDTH}, zero biases; digits {len(train_split[1])} train / "
          f"{len(test_split[1])} test, pixels standardised (largest |value| {np.abs(X).max():.1f}, "
          f"{100 * (np.abs(X) > 3).mean():.1f}% beyond 3)")
    initial = at_initialisation(train_split, test_split)
    report_initialisation(initial)
    plot_gradient_flow(initial, out / "gradient_flow.png")
    plot_units(initial, out / "units.png")
    if args.train:
        print(f"== training: SGD lr {LR:g}, momentum {MOMENTUM:g}, batch {BATCH}, {STEPS} steps")
        trained = after_training(train_split, test_split)
        report_training(trained)
        plot_training(trained, out / "training.png")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.guard(main)
