"""Activations compared: their shapes and derivatives, how gradients flow through a 20-layer
MLP on scikit-learn's digits for each activation and three initial weight scales (per-layer
gradient norms, dead ReLUs, saturated tanh units), and which of those networks SGD can train.

  python -m jaxdl.experiments.activations            # at initialisation: ~20 s, three figures
  python -m jaxdl.experiments.activations --train    # also trains all 63 networks: ~1.5 min more

Every activation is the one of `jaxdl.activations`; everything is seeded, so a rerun prints the
same numbers.
"""

import argparse
import math
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl import activations as act
from jaxdl.scratch.layers import digits_split

DEPTH, WIDTH = 20, 64  # 20 hidden layers of 64 units; digits have 64 pixels, so all are 64 x 64
COMPARED = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu"]  # gelu_tanh ~ gelu
# Hidden weights ~ N(0, gain^2 / fan_in). Gain 1 keeps the variance of a linear layer's output
# equal to its input's (LeCun); sqrt 2 makes up for ReLU zeroing half of it (He); 2 is too much.
GAINS = {"gain 1 (LeCun)": 1.0, "gain sqrt 2 (He)": math.sqrt(2), "gain 2": 2.0}
HE = "gain sqrt 2 (He)"
SEEDS = 3  # training runs per (activation, gain): initial weights and minibatch order
STEPS, BATCH, LR, MOMENTUM = 1000, 32, 0.005, 0.9
SATURATED = 0.99  # |tanh| above this: slope below 1 - 0.99^2 = 0.02
COLORS = {"sigmoid": "#8c564b", "tanh": "#d62728", "relu": "#1f77b4", "leaky_relu": "#17becf",
          "elu": "#2ca02c", "gelu": "#ff7f0e", "gelu_tanh": "#ff7f0e", "silu": "#9467bd"}


# ---- the deep MLP -------------------------------------------------------------------------------


def standardized_digits():
    """The digits split of the NumPy track, each pixel standardised with the training set's mean
    and standard deviation: the initial scales above assume inputs of unit variance."""
    (X_train, y_train), (X_test, y_test) = digits_split()
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0  # a few corner pixels are 0 in every training image
    scale = lambda X: jnp.asarray((X - mean) / std, jnp.float32)  # noqa: E731
    return (scale(X_train), jnp.asarray(y_train)), (scale(X_test), jnp.asarray(y_test))


def init_mlp(rng, gain):
    """Hidden layers stacked into one [DEPTH, WIDTH, WIDTH] array (so a lax.scan runs them),
    zero biases, and an output layer of gain 1. Drawn by NumPy: jax.random's generator would
    cost a second of compilation, and these arrays are made once."""
    return {"W": jnp.asarray(rng.standard_normal((DEPTH, WIDTH, WIDTH)) * gain / math.sqrt(WIDTH), jnp.float32),
            "b": jnp.zeros((DEPTH, WIDTH)),
            "W_out": jnp.asarray(rng.standard_normal((WIDTH, 10)) / math.sqrt(WIDTH), jnp.float32),
            "b_out": jnp.zeros(10)}


def initial_parameters(seed):
    """One draw of weights, scaled by every gain and stacked (leading axis: GAINS), so that the
    gains (and the activations, which all start from these) differ in nothing else."""
    unit = init_mlp(np.random.default_rng(seed), 1.0)
    return {key: jnp.stack([value * (gain if key == "W" else 1.0) for gain in GAINS.values()])
            for key, value in unit.items()}


def forward(params, x, f):
    """Logits, and every hidden layer's pre-activations [DEPTH, batch, WIDTH]; the hidden layers
    apply the activation f."""
    def layer(h, weights):
        W, b = weights
        z = h @ W + b
        return f(z), z

    h, pre_activations = jax.lax.scan(layer, x, (params["W"], params["b"]))
    return h @ params["W_out"] + params["b_out"], pre_activations


def loss_fn(params, x, y, f):
    return optax.softmax_cross_entropy_with_integer_labels(forward(params, x, f)[0], y).mean()


def layer_statistics(params, X, y, f):
    """On the whole training set: ||dL/dW|| of each layer (DEPTH hidden + the output layer); the
    fraction of each layer's units that are dead (pre-activation <= 0 on every image, so a ReLU
    unit passes no gradient at all); the fraction of (unit, image) pairs where tanh would be
    saturated; and the mean cosine similarity between different images' activations."""
    grads = jax.grad(loss_fn)(params, X, y, f)
    grad_norms = jnp.concatenate([jnp.linalg.norm(grads["W"], axis=(1, 2)),
                                  jnp.linalg.norm(grads["W_out"])[None]])
    _, z = forward(params, X, f)
    dead = (z <= 0).all(axis=1).mean(axis=1)
    saturated = (jnp.abs(jnp.tanh(z)) > SATURATED).mean(axis=(1, 2))
    h = f(z)
    unit = h / (jnp.linalg.norm(h, axis=2, keepdims=True) + 1e-30)
    # Mean over pairs i != j of <unit_i, unit_j>: |sum_i unit_i|^2 minus the pairs i == j.
    n = X.shape[0]
    cosine = ((unit.sum(axis=1) ** 2).sum(axis=1) - (unit**2).sum(axis=(1, 2))) / (n * (n - 1))
    return {"grad norm": grad_norms, "dead": dead, "saturated": saturated, "cosine": cosine,
            "loss": loss_fn(params, X, y, f)}


def train(params, X, y, batches, f):
    """SGD with momentum over the given minibatch indices [STEPS, BATCH]; returns the final
    parameters and each step's loss."""
    tx = optax.sgd(LR, momentum=MOMENTUM)

    def step(carry, batch):
        params, state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, X[batch], y[batch], f)
        updates, state = tx.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    (params, _), losses = jax.lax.scan(step, (params, tx.init(params)), batches)
    return params, losses


def evaluate(params, train_split, test_split, f):
    return {**layer_statistics(params, *train_split, f),
            "test accuracy": (forward(params, test_split[0], f)[0].argmax(-1) == test_split[1]).mean()}


# Vmapped over stacked parameters (gains, or seeds x gains); data shared. The activation is
# static: one compilation of each per activation.
evaluate_all = jax.jit(jax.vmap(evaluate, (0, None, None, None)), static_argnums=3)
train_all = jax.jit(jax.vmap(train, (0, None, None, 0, None)), static_argnums=4)


def unstack(stacked, keys):
    stacked = jax.tree.map(np.asarray, stacked)
    return {key: jax.tree.map(lambda leaf: leaf[i], stacked) for i, key in enumerate(keys)}


def at_initialisation(train_split, test_split):
    """{activation: {gain: statistics}} for seed 0's weights."""
    initial = initial_parameters(0)
    return {name: unstack(evaluate_all(initial, train_split, test_split, act.ELEMENTWISE[name][0]), GAINS)
            for name in COMPARED}


def after_training(train_split, test_split):
    """{activation: {(seed, gain): {"init": statistics, "trained": statistics, "diverged"}}}: SEEDS x GAINS
    networks per activation, trained side by side. Seed s draws the initial weights and then the
    minibatch order from numpy's Generator(s)."""
    initial, batches = [], []
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        unit = init_mlp(rng, 1.0)
        order = rng.integers(0, len(train_split[1]), (STEPS, BATCH))
        for gain in GAINS.values():
            initial.append({key: value * (gain if key == "W" else 1.0) for key, value in unit.items()})
            batches.append(order)
    initial = jax.tree.map(lambda *leaves: jnp.stack(leaves), *initial)
    batches = jnp.asarray(np.stack(batches))
    keys = [(seed, gain) for seed in range(SEEDS) for gain in GAINS]
    results = {}
    for name in COMPARED:
        f = act.ELEMENTWISE[name][0]
        trained, losses = train_all(initial, *train_split, batches, f)
        stats = {"init": evaluate_all(initial, train_split, test_split, f),
                 "trained": evaluate_all(trained, train_split, test_split, f),
                 "diverged": ~jnp.isfinite(losses).all(axis=1)}
        results[name] = unstack(stats, keys)
    return results


def print_shapes():
    """The numbers the article quotes about each curve, on a fine grid of [-5, 5]."""
    x = jnp.linspace(-5, 5, 100_001)
    at = jnp.array([-3.0, 0.0, 3.0])
    print("== on [-5, 5]: f' at -3, 0, 3; the largest f'; the smallest f and where")
    for name, (f, derivative) in act.ELEMENTWISE.items():
        slopes, y = derivative(at), f(x)
        print(f"  {name:10s} f' {slopes[0]:.4f} {slopes[1]:.4f} {slopes[2]:.4f}   max f' "
              f"{derivative(x).max():.4f}   min f {y.min():+.4f} at x = {x[y.argmin()]:+.3f}")
    print(f"  largest |gelu_tanh - gelu| on [-5, 5]: {jnp.abs(act.gelu_tanh(x) - act.gelu(x)).max():.2e}")




# ---- figures ------------------------------------------------------------------------------------


def plot_functions(out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_gradient_flow(results, out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_units(results, out):
    """At initialisation: dead units, similarity between images, saturated tanh, per layer."""
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_training(results, out):
    """After STEPS steps of SGD: test accuracy per (activation, gain) over the seeds, and how
    dead ReLUs and saturated tanh units changed."""
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def accuracies(runs, gain):
    """Test accuracies of the seeds that did not diverge."""
    return [float(runs[(seed, gain)]["trained"]["test accuracy"]) for seed in range(SEEDS)
            if not runs[(seed, gain)]["diverged"]]


def cell_text(runs, gain):
    values, diverged = accuracies(runs, gain), SEEDS - len(accuracies(runs, gain))
    lines = [f"{np.median(values):.3f}", f"{min(values):.2f}-{max(values):.2f}"] if values else []
    return "\n".join(lines + ([f"{diverged} diverged"] if diverged else []))


# ---- the numbers ---------------------------------------------------------------------------------


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

    import matplotlib

    matplotlib.use("Agg")
    started = time.time()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
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
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} to {out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
