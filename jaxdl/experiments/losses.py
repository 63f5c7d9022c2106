"""Loss functions compared: their shapes and gradients, what naive formulas do at large logits,
a line fit with outliers under MSE / MAE / Huber, and six classification losses training the same
MLP on scikit-learn's digits (accuracy, confidence, calibration).

  python -m jaxdl.experiments.losses    # prints the article's numbers, writes its figures

Every loss is the one of `jaxdl.losses`; everything is seeded, so a rerun prints the same numbers.
"""

import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import flags
from sklearn.datasets import load_digits

from jaxdl import losses

OUT = flags.DEFINE_string("out", "experiments/losses/figures", "Where to write the PNGs.")

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#444444"]


# ---- what naive formulas do at large logits (float32) -------------------------------------------


def naive_softmax_cross_entropy(logits, label):
    """-log(exp(z_y) / sum_j exp(z_j)), exactly as written on paper."""
    probs = jnp.exp(logits) / jnp.exp(logits).sum(-1, keepdims=True)
    return -jnp.log(probs[..., label])


def naive_binary_cross_entropy(logit, label):
    """-y log p - (1 - y) log(1 - p) with p = 1 / (1 + exp(-z)), as written on paper."""
    p = 1.0 / (1.0 + jnp.exp(-logit))
    return -label * jnp.log(p) - (1.0 - label) * jnp.log(1.0 - p)


def stability_sweep():
    """Both formulas of two losses for logits growing from 1 to 1e4 (in float32), each with a
    label the model gets wrong, so that the exact loss grows with the logits:
    softmax cross-entropy at logits s * (1, 0, -1) with label 2 (exact: about 2s), and binary
    cross-entropy at logit s with label 0 (exact: about s)."""
    scales = jnp.logspace(0, 4, 400, dtype=jnp.float32)
    logits = scales[:, None] * jnp.array([1.0, 0.0, -1.0])
    label = jnp.full(scales.shape, 2)
    zero = jnp.zeros_like(scales)
    grad = jax.vmap(jax.grad(lambda z, y: naive_binary_cross_entropy(z, y)))
    return {
        "scales": np.asarray(scales),
        "softmax: naive": np.asarray(jax.vmap(naive_softmax_cross_entropy, (0, None))(logits, 2)),
        "softmax: stable": np.asarray(losses.softmax_cross_entropy_integer(logits, label)),
        "binary: naive": np.asarray(naive_binary_cross_entropy(scales, zero)),
        "binary: stable": np.asarray(losses.sigmoid_binary_cross_entropy(scales, zero)),
        "binary: naive gradient": np.asarray(grad(scales, zero)),
        "binary: stable gradient": np.asarray(jax.vmap(jax.grad(
            losses.sigmoid_binary_cross_entropy))(scales, zero)),
    }


def first_failure(scales, values):
    """The smallest scale at which `values` is inf or nan, or None."""
    bad = ~np.isfinite(values)
    return float(scales[bad.argmax()]) if bad.any() else None


# ---- a line with outliers: MSE vs MAE vs Huber -------------------------------------------------

TRUE_SLOPE, TRUE_INTERCEPT = 2.0, 1.0
REGRESSION = {
    "MSE": losses.squared_error,
    "MAE": losses.absolute_error,
    "Huber (delta 1)": losses.huber,
}


def line_with_outliers(n=100, outlier_fraction=0.1, seed=0):
    """y = 2x + 1 + N(0, 0.5^2) on x in [0, 5], and 10% of the points lifted by 10 to 20."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5, n).astype(np.float32)
    y = (TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, 0.5, n)).astype(np.float32)
    outliers = rng.choice(n, int(outlier_fraction * n), replace=False)
    y[outliers] += rng.uniform(10, 20, len(outliers)).astype(np.float32)
    return x, y, outliers


def fit_line(loss, x, y, steps=3000):
    """(slope, intercept) minimising mean loss(slope x + intercept, y), by Adam with a cosine
    decay to 0 (the MAE's gradient never shrinks, so the step size must)."""
    tx = optax.adam(optax.cosine_decay_schedule(0.1, steps))
    params = jnp.zeros(2)

    def step(carry, _):
        params, state = carry
        grads = jax.grad(lambda p: loss(p[0] * x + p[1], y).mean())(params)
        updates, state = tx.update(grads, state)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, tx.init(params)), length=steps)
    return np.asarray(params)


# ---- six classification losses on digits -------------------------------------------------------

CLASSES = 10


def one_hot(labels):
    return jax.nn.one_hot(labels, CLASSES)


# name: (loss of outputs [N, 10] and labels [N], how outputs become class probabilities or None)
CLASSIFICATION = {
    "cross-entropy": (lambda z, y: losses.softmax_cross_entropy_integer(z, y).mean(),
                      jax.nn.softmax),
    "cross-entropy, label smoothing 0.1": (
        lambda z, y: losses.softmax_cross_entropy(z, losses.smooth_labels(one_hot(y), 0.1)).mean(),
        jax.nn.softmax),
    "binary cross-entropy, one-vs-rest": (
        lambda z, y: losses.sigmoid_binary_cross_entropy(z, one_hot(y)).sum(-1).mean(),
        jax.nn.sigmoid),
    "focal, one-vs-rest, gamma 2": (
        lambda z, y: losses.sigmoid_focal_loss(z, one_hot(y), gamma=2.0).sum(-1).mean(),
        jax.nn.sigmoid),
    "multiclass hinge": (lambda z, y: losses.multiclass_hinge(z, y).mean(), None),
    "squared error to one-hot": (
        lambda z, y: losses.squared_error(z, one_hot(y)).sum(-1).mean(), None),
}
MLP_STEPS, MLP_LR, HIDDEN = 500, 3e-3, 64
SEEDS = (0, 1, 2)


def digits_split(seed=0, train_fraction=0.6):
    """scikit-learn's 1,797 digits, pixels scaled to [0, 1]: 1,078 to train, 719 to test."""
    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(train_fraction * len(y))
    return (X[order[:cut]], y[order[:cut]]), (X[order[cut:]], y[order[cut:]])


def init_mlp(seed):
    """64 -> 128 (ReLU) -> 10, He-normal weights, zero biases; the same start for every loss."""
    k1, k2 = jax.random.split(jax.random.key(seed))
    return {"W1": jax.random.normal(k1, (64, HIDDEN)) * np.sqrt(2 / 64), "b1": jnp.zeros(HIDDEN),
            "W2": jax.random.normal(k2, (HIDDEN, CLASSES)) * np.sqrt(2 / HIDDEN),
            "b2": jnp.zeros(CLASSES)}


def mlp(params, X):
    return jax.nn.relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def train_classifiers(loss, train, seeds):
    """One MLP per seed (its initial weights), each trained by full-batch Adam for MLP_STEPS
    steps: long enough to fit the training set exactly. The seeds train side by side (vmap)."""
    X, y = map(jnp.asarray, train)
    tx = optax.adam(MLP_LR)

    def run(params):
        def step(carry, _):
            params, state = carry
            grads = jax.grad(lambda p: loss(mlp(p, X), y))(params)
            updates, state = tx.update(grads, state)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, tx.init(params)), length=MLP_STEPS)
        return params

    stacked = jax.jit(jax.vmap(run))(jax.vmap(init_mlp)(jnp.asarray(seeds)))
    return [jax.tree.map(lambda leaf: leaf[i], stacked) for i in range(len(seeds))]


def calibration(confidence, correct, bins=10):
    """Expected calibration error: the bin-size-weighted mean |accuracy - confidence| over
    equal-width confidence bins, and the per-bin (confidence, accuracy, count)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table = [(confidence[which == b].mean(), correct[which == b].mean(), (which == b).sum())
             for b in range(bins) if (which == b).any()]
    ece = sum(n * abs(acc - conf) for conf, acc, n in table) / len(confidence)
    return ece, table


def evaluate(params, to_probs, data):
    """Accuracy, the largest |output|, and where the loss gives probabilities the top-class
    confidence (the softmax's largest probability, or the largest sigmoid) of each example."""
    X, y = data
    outputs = np.asarray(mlp(params, jnp.asarray(X)))
    result = {"correct": outputs.argmax(-1) == y, "max output": np.abs(outputs).max()}
    result["accuracy"] = result["correct"].mean()
    if to_probs is not None:
        result["confidence"] = np.asarray(to_probs(outputs)).max(-1)
        result["ece"] = calibration(result["confidence"], result["correct"])[0]
    return result


def mean_std(values, fmt=".3f"):
    return f"{np.mean(values):{fmt}} +- {np.std(values):{fmt}}"


# ---- figures -------------------------------------------------------------------------------------


def plot_regression(x, y, outliers, fits, out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_margins(out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_stability(sweep, out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_calibration(results, out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv):
    import matplotlib

    matplotlib.use("Agg")
    del argv
    started = time.time()
    out = pathlib.Path(OUT.value)
    out.mkdir(parents=True, exist_ok=True)

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
    fits = {name: fit_line(loss, jnp.asarray(x), jnp.asarray(y))
            for name, loss in REGRESSION.items()}
    least_squares = np.polyfit(np.float64(x), np.float64(y), 1)
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
    for name, (loss, to_probs) in CLASSIFICATION.items():
        params = train_classifiers(loss, train, SEEDS)
        results[name] = runs = [evaluate(p, to_probs, test) for p in params]
        train_accuracy = np.mean([evaluate(p, None, train)["accuracy"] for p in params])
        probabilistic = (f"  confidence {np.mean([r['confidence'].mean() for r in runs]):.3f}"
                         f"  ECE {mean_std([r['ece'] for r in runs])}" if "ece" in runs[0] else "")
        print(f"  {name:36s} train acc {train_accuracy:.3f}"
              f"  test acc {mean_std([r['accuracy'] for r in runs])}"
              f"  max |output| {np.mean([r['max output'] for r in runs]):5.1f}{probabilistic}")
    plot_calibration(results, out / "calibration.png")
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} to {out} "
          f"in {time.time() - started:.0f} s")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
