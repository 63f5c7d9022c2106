"""Loss functions compared: prints the numbers of experiments/losses/README.md and draws its
figures. The computations are `jaxdl.studies.losses`.

  python -m jaxdl.experiments.losses    # prints the article's numbers, writes its figures

Everything is seeded, so a rerun prints the same numbers.
"""

import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags

from jaxdl import losses
from jaxdl.figures import pyplot, save
from jaxdl.studies.losses import (HIDDEN, MLP_LR, MLP_STEPS, REGRESSION, SEEDS, TRUE_INTERCEPT,
                                  TRUE_SLOPE, calibration, compare_classifiers,
                                  compare_regressions, digits_split, first_failure,
                                  line_with_outliers, stability_sweep)

OUT = flags.DEFINE_string("out", "experiments/losses/figures", "Where to write the PNGs.")

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#444444"]


def mean_std(values, fmt=".3f"):
    return f"{np.mean(values):{fmt}} +- {np.std(values):{fmt}}"


def plot_regression(x, y, outliers, fits, out):
    plt = pyplot()
    r = jnp.linspace(-3, 3, 601)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for color, (name, loss) in zip(COLORS, REGRESSION.items()):
        axes[0].plot(r, loss(r, 0.0), color=color, label=name)
        axes[1].plot(r, jax.vmap(jax.grad(lambda p: loss(p, 0.0)))(r), color=color, label=name)
    axes[0].set(title="loss of one residual r = prediction - target", xlabel="r", ylim=(0, 4.5))
    axes[1].set(title="its gradient: how hard that point pulls", xlabel="r")
    inliers = np.setdiff1d(np.arange(len(x)), outliers)
    ax = axes[2]
    ax.scatter(x[inliers], y[inliers], s=10, color="#999999", label="data")
    ax.scatter(x[outliers], y[outliers], s=18, color="black", marker="x", label="outliers (10%)")
    grid = np.linspace(0, 5, 2)
    ax.plot(grid, TRUE_SLOPE * grid + TRUE_INTERCEPT, "k--", lw=1, label="true line 2x + 1")
    for color, (name, (slope, intercept)) in zip(COLORS, fits.items()):
        ax.plot(grid, slope * grid + intercept, color=color,
                label=f"{name}: {slope:.2f}x + {intercept:.2f}")
    ax.set(title="fitting a line through outliers", xlabel="x", ylabel="y", ylim=(-2, 50))
    for ax in axes:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out)


def plot_margins(out):
    plt = pyplot()
    m = jnp.linspace(-3, 3, 601)
    ones = jnp.ones_like(m)
    curves = {  # each as a function of the margin m = t * s (score s, label t = +-1)
        "0-1 loss [m < 0]": (m < 0).astype(jnp.float32),
        "logistic (binary cross-entropy) / ln 2":
            losses.sigmoid_binary_cross_entropy(m, ones) / np.log(2),
        "hinge max(0, 1 - m)": losses.hinge(m, ones),
        "focal, gamma 2 / ln 2": losses.sigmoid_focal_loss(m, ones) / np.log(2),
        "squared (1 - m)^2": losses.squared_error(m, ones),
    }
    gradients = {
        "logistic": jax.vmap(jax.grad(lambda m: losses.sigmoid_binary_cross_entropy(m, 1.0)))(m),
        "hinge": jax.vmap(jax.grad(lambda m: losses.hinge(m, 1.0)))(m),
        "focal, gamma 2": jax.vmap(jax.grad(lambda m: losses.sigmoid_focal_loss(m, 1.0)))(m),
        "squared": jax.vmap(jax.grad(lambda m: losses.squared_error(m, 1.0)))(m),
    }
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3))
    for color, (name, values) in zip(["black", *COLORS], curves.items()):
        axes[0].plot(m, values, color=color, label=name)
    for color, (name, values) in zip(COLORS, gradients.items()):
        axes[1].plot(m, values, color=color, label=name)
    axes[0].set(title="binary losses against the margin m = label x score", xlabel="margin m",
                ylim=(0, 4))
    axes[1].set(title="their gradients in m (negative: push m up)", xlabel="margin m",
                ylim=(-2.2, 0.3))
    for ax in axes:
        ax.axvline(0, color="#cccccc", lw=1)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out)


def plot_stability(sweep, out):
    plt = pyplot()
    s = sweep["scales"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    panels = [("softmax", "softmax cross-entropy, logits s(1, 0, -1), label 2", "loss"),
              ("binary", "binary cross-entropy, logit s, label 0", "loss"),
              ("binary", "its gradient in the logit (exact: sigmoid(s))", "gradient")]
    for ax, (kind, title, what) in zip(axes, panels):
        suffix = " gradient" if what == "gradient" else ""
        stable, naive = sweep[f"{kind}: stable{suffix}"], sweep[f"{kind}: naive{suffix}"]
        ax.plot(s, stable, color=COLORS[0], lw=3, alpha=0.6, label="stable (jaxdl.losses)")
        ax.plot(s, np.where(np.isfinite(naive), naive, np.nan), color=COLORS[1], label="naive")
        failure = first_failure(s, naive)
        if failure is not None:
            what = "nan" if np.isnan(naive).any() else "inf"
            ax.axvline(failure, color=COLORS[1], ls=":",
                       label=f"naive is {what} from s = {failure:.3g}")
        ax.set(title=title, xlabel="logit scale s", xscale="log",
               yscale="linear" if what == "gradient" else "log")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out)


def plot_calibration(results, out):
    plt = pyplot()
    fig, (reliability, histogram) = plt.subplots(1, 2, figsize=(13, 5))
    reliability.plot([0, 1], [0, 1], "k--", lw=1, label="perfectly calibrated")
    bins = np.linspace(0, 1, 21)
    for color, (name, runs) in zip(COLORS, results.items()):
        if "ece" not in runs[0]:
            continue
        confidence = np.concatenate([r["confidence"] for r in runs])  # the seeds pooled
        correct = np.concatenate([r["correct"] for r in runs])
        ece, table = calibration(confidence, correct)
        conf, acc, count = map(np.array, zip(*table))
        reliability.plot(conf, acc, "-", color=color, alpha=0.6)
        reliability.scatter(conf, acc, s=8 + 200 * np.sqrt(count / count.max()), color=color,
                            label=f"{name} (ECE {ece:.3f})")
        histogram.hist(confidence, bins=bins, histtype="step", lw=1.5, color=color, label=name)
    reliability.set(title=f"accuracy against confidence ({len(SEEDS)} seeds pooled; "
                          "area ~ examples)",
                    xlabel="top-class confidence (mean in a bin of width 0.1)",
                    ylabel="accuracy in the bin", xlim=(0, 1.02), ylim=(-0.02, 1.05))
    histogram.set(title="how confident the models are (digits test set)", yscale="log",
                  xlabel="top-class confidence", ylabel="examples")
    for ax in (reliability, histogram):
        ax.legend(fontsize=8, loc="upper left")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out)


def main(argv):
    del argv
    out = pathlib.Path(OUT.value)
    sweep = stability_sweep()
    print("== float32, logits growing from 1 to 1e4 (400 log-spaced scales s)")
    for name in ("softmax: naive", "binary: naive", "binary: naive gradient"):
        failure = first_failure(sweep["scales"], sweep[name])
        print(f"  {name:24s} first inf/nan at s = {failure:.4g}")
    for name in ("softmax: stable", "binary: stable", "binary: stable gradient"):
        print(f"  {name:24s} all finite: {bool(np.isfinite(sweep[name]).all())}; "
              f"at s = 1e4: {sweep[name][-1]:.6g}")
    plot_stability(sweep, out / "stability.png")
    plot_margins(out / "margin_losses.png")

    x, y, outliers = line_with_outliers()
    fits, least_squares = compare_regressions(x, y)
    print(f"== line y = {TRUE_SLOPE:g}x + {TRUE_INTERCEPT:g} + noise, 100 points, "
          "10 of them lifted by 10 to 20")
    for name, (slope, intercept) in fits.items():
        print(f"  {name:16s} slope {slope:.3f}  intercept {intercept:.3f}")
    print(f"  closed-form least squares (numpy.polyfit): slope {least_squares[0]:.3f}  "
          f"intercept {least_squares[1]:.3f}")
    plot_regression(x, y, outliers, fits, out / "regression.png")

    train, test = digits_split()
    print(f"== digits MLP 64-{HIDDEN}-10, full-batch Adam lr {MLP_LR:g}, {MLP_STEPS} steps, "
          f"{len(train[1])} train / {len(test[1])} test, seeds {SEEDS} (mean +- std)")
    results = {}
    for name, (train_accuracy, runs) in compare_classifiers(train, test).items():
        results[name] = runs
        probabilistic = (f"  confidence {np.mean([r['confidence'].mean() for r in runs]):.3f}"
                         f"  ECE {mean_std([r['ece'] for r in runs])}" if "ece" in runs[0] else "")
        print(f"  {name:36s} train acc {train_accuracy:.3f}"
              f"  test acc {mean_std([r['accuracy'] for r in runs])}"
              f"  max |output| {np.mean([r['max output'] for r in runs]):5.1f}{probabilistic}")
    plot_calibration(results, out / "calibration.png")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
