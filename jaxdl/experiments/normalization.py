"""Normalization and initialization in a deep MLP on digits: prints the numbers of
experiments/normalization/README.md and draws its figures. The computations are
`jaxdl.studies.normalization`.

  python -m jaxdl.experiments.normalization    # prints the article's numbers, writes its figures

Everything is seeded: a rerun prints the same numbers.
"""

import pathlib

import numpy as np
from absl import flags

from jaxdl.figures import pyplot, save
from jaxdl.studies.normalization import (ACTIVATIONS, BATCH, BN_CHECKS, DEPTH, INIT_STD,
                                         LEARNING_RATES, MOMENTUM, NORMS, STEPS, WIDTH,
                                         compare_norms, digits_split, flax_comparison,
                                         init_statistics)

OUT = flags.DEFINE_string("out", "experiments/normalization/figures", "Where to write the PNGs.")

COLORS = {"none": "#444444", "BatchNorm": "#1f77b4", "LayerNorm": "#d62728",
          "naive N(0, 1)": "#d62728", "Xavier": "#2ca02c", "Kaiming": "#1f77b4"}


def plot_init(stats, out):
    plt = pyplot()
    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    for col, activation in enumerate(ACTIVATIONS):
        for init in INIT_STD:
            stds, grad_norms, _ = stats[activation, init]
            axes[0, col].plot(layers, stds, "o-", ms=3, color=COLORS[init], label=init)
            axes[1, col].plot(layers, grad_norms, "o-", ms=3, color=COLORS[init], label=init)
        axes[0, col].set(title=f"{activation}, no normalization: std of each layer's output",
                         yscale="log")
        axes[1, col].set(title=f"{activation}: norm of the loss gradient in each layer's weights",
                         yscale="log", xlabel="hidden layer")
    for ax in axes.flat:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{DEPTH} layers of width {WIDTH} at initialization, a batch of 512 digits")
    fig.tight_layout()
    save(fig, out)


def plot_layer_stats(results, out):
    plt = pyplot()
    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(len(INIT_STD), 3, figsize=(17, 11), sharex=True)
    for row, init in enumerate(INIT_STD):
        for norm in NORMS:
            for col, values in enumerate(results[norm, init]["at init"]):
                axes[row, col].plot(layers, values, "-", color=COLORS[norm],
                                    label=f"{norm}, at init")
            if "trained" in results[norm, init]:
                for col, values in enumerate(results[norm, init]["trained"]):
                    axes[row, col].plot(layers, values, "--", color=COLORS[norm],
                                        label=f"{norm}, trained")
        axes[row, 0].set(title=f"{init} init: std of each layer's output", yscale="log")
        axes[row, 1].set(title=f"{init} init: gradient norm in each layer's weights", yscale="log")
        axes[row, 2].set(title=f"{init} init: mean cosine between two examples", ylim=(0, 1.02))
    for ax in axes[-1]:
        ax.set(xlabel="hidden layer")
    labelled = {}
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        for handle, label in zip(*ax.get_legend_handles_labels()):
            labelled.setdefault(label, handle)
    order = [f"{norm}, {when}" for norm in NORMS for when in ("at init", "trained")]
    labels = [label for label in order if label in labelled]
    fig.legend([labelled[label] for label in labels], labels, loc="lower center", ncol=len(labels))
    fig.suptitle(f"ReLU MLP, {DEPTH} layers of width {WIDTH}, a batch of 512 training digits: "
                 f"at init (solid) and after {STEPS} steps at the best learning rate (dashed)")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    save(fig, out)


def plot_training(results, out):
    plt = pyplot()
    fig, axes = plt.subplots(2, len(INIT_STD), figsize=(15, 8.5), sharey="row")
    window = 20
    for col, init in enumerate(INIT_STD):
        top, bottom = axes[0, col], axes[1, col]
        for norm in NORMS:
            result = results[norm, init]
            finals = list(result["finals"].values())
            bottom.plot(LEARNING_RATES, np.where(np.isfinite(finals), finals, np.nan), "o-",
                        color=COLORS[norm], label=norm)
            diverged = [lr for lr, final in zip(LEARNING_RATES, finals) if not np.isfinite(final)]
            if diverged:
                bottom.scatter(diverged, [3.0] * len(diverged), marker="x", s=60,
                               color=COLORS[norm], label=f"{norm}: diverged (nan)")
            if result["best lr"] is None:
                top.plot([], [], color=COLORS[norm], ls=":", label=f"{norm}: diverged at every lr")
                continue
            lr = result["best lr"]
            smooth = np.convolve(result["curves"][lr], np.ones(window) / window, mode="valid")
            top.plot(np.arange(window, STEPS + 1), smooth, color=COLORS[norm],
                     label=f"{norm}, lr {lr:g}")
        top.set(title=f"{init} init, each at its best learning rate", xlabel="step",
                yscale="log")
        bottom.set(title=f"{init} init: loss after {STEPS} steps at each learning rate",
                   xlabel="learning rate", xscale="log", yscale="log")
        for ax in (top, bottom):
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
    axes[0, 0].set(ylabel=f"training loss (mean of {window} batches)")
    axes[1, 0].set(ylabel="training loss, last 20 batches")
    fig.suptitle(f"ReLU MLP, {DEPTH} layers of width {WIDTH}, SGD momentum {MOMENTUM}, "
                 f"batch {BATCH}, {STEPS} steps")
    fig.tight_layout()
    save(fig, out)


def print_trained(results):
    print(f"== ReLU, SGD momentum {MOMENTUM}, batch {BATCH}, {STEPS} steps: training loss (last 20 "
          f"batches) at lr {' / '.join(f'{lr:g}' for lr in LEARNING_RATES)}; at the best lr "
          "the test loss and accuracy (eval mode)")
    for (norm, init), result in results.items():
        row = "  ".join(f"{value:6.3f}" if np.isfinite(value) else "  nan " for value in
                        result["finals"].values())
        line = f"  {init:13s} {norm:9s} {row}"
        if result["best lr"] is not None:
            line += (f"   best lr {result['best lr']:g}: test loss {result['test loss']:.3f} "
                     f"acc {result['test accuracy']:.3f}")
        if "bn checks" in result:
            line += "".join(f"\n      step {k:3d}: test acc {result['bn checks'][k][0]:.3f} with "
                            f"running averages, {result['bn checks'][k][1]:.3f} with batch "
                            "statistics" for k in BN_CHECKS)
            line += (f"\n      test acc with statistics recomputed on the training set "
                     f"after training: {result['recomputed']:.3f}")
        print(line)
    print(f"== at init: mean cosine between two examples' outputs of layers 1 / {DEPTH // 2} / "
          f"{DEPTH} (trained: the best lr)")
    for (norm, init), result in results.items():
        at_start = result["at init"][2]
        after = (" / ".join(f"{c:.3f}" for c in result["trained"][2][[0, DEPTH // 2 - 1, -1]])
                 if "trained" in result else "-")
        print(f"  {init:13s} {norm:9s} {at_start[0]:.3f} / {at_start[DEPTH // 2 - 1]:.3f} / "
              f"{at_start[-1]:.3f}   trained {after}")


def main(argv):
    del argv
    out = pathlib.Path(OUT.value)
    parity, accuracy = flax_comparison()
    print("== ours vs flax.nnx (use_fast_variance=False), float32, random scale and bias: max |diff|")
    for name, difference in parity.items():
        print(f"  {name:28s} {difference:.2e}")
    print("== LayerNorm of 256 features near 1e4 (spread 1), max error against float64 NumPy")
    for name, error in accuracy.items():
        print(f"  {name:28s} {error:.3g}")

    train_data, test_data = digits_split()
    probe = {"x": train_data["x"][:512], "y": train_data["y"][:512]}
    init_stats = init_statistics(probe)
    print(f"== at init, no normalization, {DEPTH} layers of width {WIDTH}: output std of layers "
          f"1 / {DEPTH // 2} / {DEPTH}, gradient norm in the weights of layers 1 / {DEPTH}")
    for (activation, init), (stds, grad_norms, _) in init_stats.items():
        print(f"  {activation:4s} {init:13s} std {stds[0]:9.3g} / {stds[DEPTH // 2 - 1]:9.3g} / "
              f"{stds[-1]:9.3g}   grad {grad_norms[0]:9.3g} / {grad_norms[-1]:9.3g}")
    plot_init(init_stats, out / "init.png")

    results = compare_norms(train_data, test_data, probe)
    print_trained(results)
    plot_layer_stats(results, out / "layer_stats.png")
    plot_training(results, out / "training.png")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
