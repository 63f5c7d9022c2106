"""Optimizers compared: paths on 2-D test functions, a small MLP on scikit-learn's digits,
learning-rate schedules and weight decay. The update rules are the NumPy ones of
`jaxdl.scratch.optimizers`; only the MLP's gradients come from `jax.grad`.

  python -m jaxdl.experiments.optimizers    # prints the article's tables, writes its figures

Every optimizer gets its own learning rate, the best of one log grid: on the 2-D functions the
one that first brings f within 1e-4 of its minimum for good, on the MLP the one with the lowest
validation loss. Everything is seeded: a rerun prints the same numbers.
"""

import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags
from sklearn.datasets import load_digits

from jaxdl.scratch import optimizers as opt

FIGURES = flags.DEFINE_string("figures", "experiments/optimizers/figures", "Where to write the PNGs.")

RULES = {  # lr -> optimizer, every other hyperparameter at optax's default
    "SGD": opt.SGD,
    "Momentum": opt.Momentum,
    "Nesterov": opt.Nesterov,
    "Adagrad": opt.Adagrad,
    "RMSprop": opt.RMSprop,
    "Adam": opt.Adam,
}
COLORS = dict(zip([*RULES, "AdamW"], ["#444444", "#1f77b4", "#17becf", "#2ca02c", "#ff7f0e",
                                      "#d62728", "#9467bd"]))
LR_GRID = 10.0 ** np.arange(-4, 1.01, 0.25)  # 1e-4 ... 10, four per decade


# ---- 2-D test functions: value and gradient of a point p = (x, y) -------------------------------


def rosenbrock(p):
    """A curved, flat-bottomed valley; minimum 0 at (1, 1)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2, np.array(
        [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def beale(p):
    """Flat plateaus and steep walls; minimum 0 at (3, 0.5)."""
    x, y = p
    terms = [c - x + x * y**k for c, k in ((1.5, 1), (2.25, 2), (2.625, 3))]
    value = sum(t**2 for t in terms)
    dx = sum(2 * t * (y**k - 1) for t, k in zip(terms, (1, 2, 3)))
    dy = sum(2 * t * k * x * y ** (k - 1) for t, k in zip(terms, (1, 2, 3)))
    return value, np.array([dx, dy])


def quadratic_bowl(angle_degrees: float, condition: float = 50.0):
    """0.5 p^T H p, H with eigenvalues 1 and `condition`, its axes turned by the angle."""
    a = np.radians(angle_degrees)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    H = rotation @ np.diag([1.0, condition]) @ rotation.T
    return lambda p: (0.5 * p @ H @ p, H @ p)


# name: (function, start, minimum, plot window (x0, x1, y0, y1))
SURFACES = {
    "Rosenbrock": (rosenbrock, (-1.2, 1.0), (1.0, 1.0), (-2, 2.5, -1, 3)),
    "Beale": (beale, (1.0, 1.5), (3.0, 0.5), (-1.5, 6, -2, 2)),
    "bowl, axis-aligned (condition 50)": (quadratic_bowl(0), (-4.0, 2.0), (0.0, 0.0), (-5, 5, -4, 3)),
    "bowl, turned 45 degrees": (quadratic_bowl(45), (-4.0, 2.0), (0.0, 0.0), (-5, 5, -4, 3)),
}
SURFACE_STEPS = 1000
TOLERANCE = 1e-4


def descend(function, start, optimizer, steps):
    """The path of `optimizer` from `start`: points [steps + 1, 2] and values [steps + 1]."""
    params = {"p": np.array(start, dtype=np.float64)}
    state = optimizer.init(params)
    points, values = [params["p"]], []
    for _ in range(steps):
        value, grad = function(params["p"])
        values.append(value)
        if not np.isfinite(value) or value > 1e10:  # diverged: stop early
            break
        params, state = optimizer.update({"p": grad}, state, params)
        points.append(params["p"])
    else:
        values.append(function(params["p"])[0])
    return np.array(points), np.array(values)


def steps_to_tolerance(values, minimum_value, steps):
    """Updates until f - f* < TOLERANCE for the rest of the run; `steps + 1` if never."""
    if len(values) < steps + 1:
        return steps + 1
    above = np.flatnonzero(~(values - minimum_value < TOLERANCE))
    return int(above[-1]) + 1 if len(above) else 0


def race_on_surfaces():
    """Each rule at its best grid lr on each surface: {surface: {rule: (lr, steps, final, path)}}."""
    results = {}
    for surface, (function, start, minimum, _) in SURFACES.items():
        f_min = function(np.array(minimum))[0]
        results[surface] = {}
        for name, rule in RULES.items():
            best = None
            for lr in LR_GRID:
                path, values = descend(function, start, rule(lr), SURFACE_STEPS)
                score = (steps_to_tolerance(values, f_min, SURFACE_STEPS), values[-1])
                if best is None or score < best[:2]:
                    best = (*score, lr, path)
            steps, final, lr, path = best
            results[surface][name] = (lr, steps, final - f_min, path)
    return results


# ---- a small MLP on digits: gradients by jax.grad, updates by the scratch optimizers -------------


def digits_splits(seed=0):
    """scikit-learn's 1,797 8x8 digits, pixels scaled to [0, 1], split 60/20/20."""
    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    cut1, cut2 = int(0.6 * len(y)), int(0.8 * len(y))
    parts = order[:cut1], order[cut1:cut2], order[cut2:]
    return {name: (X[i], y[i]) for name, i in zip(("train", "val", "test"), parts)}


def init_mlp(seed, sizes=(64, 64, 10)):
    """Weights ~ N(0, 1/fan_in), zero biases: the same start for every optimizer of a seed."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        params[f"b{i}"] = np.zeros(fan_out, np.float32)
    return params


def mlp_logits(params, X):
    hidden = jax.nn.relu(X @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def mlp_loss(params, X, y):
    log_probs = jax.nn.log_softmax(mlp_logits(params, X))
    return -jnp.take_along_axis(log_probs, y[:, None], axis=1).mean()


loss_and_grads = jax.jit(jax.value_and_grad(mlp_loss))
evaluate_loss = jax.jit(mlp_loss)
accuracy = jax.jit(lambda params, X, y: (mlp_logits(params, X).argmax(axis=1) == y).mean())

MLP_STEPS, BATCH, EVAL_EVERY = 600, 32, 20
SEEDS = (0, 1, 2)  # schedules and weight decay: differences are small, so average over seeds


def batch_order(n_train, seed):
    """Minibatch indices for every step: a fresh permutation each epoch."""
    rng = np.random.default_rng(seed)
    epochs = -(-MLP_STEPS * BATCH // n_train)
    return np.concatenate([rng.permutation(n_train) for _ in range(epochs)])


def train_mlp(optimizer, data, seed=0):
    """MLP_STEPS minibatch updates from init and batch order `seed`; returns a dict of the
    curves (one value per EVAL_EVERY steps) and the final test accuracy."""
    params = init_mlp(seed)
    state = optimizer.init(params)
    X, y = data["train"]
    order = batch_order(len(y), seed)
    run = {"step": [], "train": [], "val": [], "weight_norm": []}
    for step in range(MLP_STEPS + 1):
        if step % EVAL_EVERY == 0:
            run["step"].append(step)
            run["train"].append(float(evaluate_loss(params, X, y)))
            run["val"].append(float(evaluate_loss(params, *data["val"])))
            run["weight_norm"].append(float(np.sqrt(sum(np.sum(params[w] ** 2) for w in ("W1", "W2")))))
            if not np.isfinite(run["train"][-1]):
                return run | {"test_accuracy": np.nan, "finished": False}
        if step < MLP_STEPS:
            rows = order[step * BATCH:(step + 1) * BATCH]
            _, grads = loss_and_grads(params, X[rows], y[rows])
            params, state = optimizer.update({k: np.asarray(g) for k, g in grads.items()}, state, params)
    return run | {"test_accuracy": float(accuracy(params, *data["test"])), "finished": True}


def final_val(run):
    return run["val"][-1] if run["finished"] else np.inf


def mlp_lr_sweep(data):
    """Every rule (and AdamW, decay 1e-2) at every grid lr, seed 0: {rule: {lr: run}}."""
    rules = {**RULES, "AdamW": lambda lr: opt.AdamW(lr, weight_decay=1e-2)}
    return {name: {lr: train_mlp(rule(lr), data) for lr in LR_GRID} for name, rule in rules.items()}


def best_lr(runs):
    return min(runs, key=lambda lr: final_val(runs[lr]))


def describe(runs):
    """One table row from the runs of one setting (one seed, or mean +- std over several)."""

    def stat(values, fmt):
        values = np.array(values)
        return f"{values.mean():{fmt}}" + (f" +- {values.std():{fmt}}" if len(values) > 1 else "")

    return (f"train {stat([r['train'][-1] for r in runs], '.4f')}  "
            f"val {stat([r['val'][-1] for r in runs], '.4f')}  "
            f"test acc {stat([r['test_accuracy'] for r in runs], '.4f')}  "
            f"|W| {stat([r['weight_norm'][-1] for r in runs], '.1f')}")


# ---- figures ---------------------------------------------------------------------------------------


def plot_surfaces(results, out):
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(2, 2, figsize=(12, 9.5))
    for ax, (surface, (function, start, minimum, (x0, x1, y0, y1))) in zip(axes.flat, SURFACES.items()):
        xs, ys = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        zs = np.vectorize(lambda x, y: function(np.array([x, y]))[0])(xs, ys)
        f_min = function(np.array(minimum))[0]
        ax.contour(xs, ys, zs - f_min + 1e-3, levels=np.logspace(-3, np.log10(zs.max() - f_min), 25),
                   norm=LogNorm(), cmap="Greys", linewidths=0.6, alpha=0.7)
        for name, (lr, steps, _, path) in results[surface].items():
            reached = f"{steps}" if steps <= SURFACE_STEPS else "never"
            ax.plot(path[:, 0], path[:, 1], color=COLORS[name], lw=1.3, alpha=0.85,
                    label=f"{name} (lr {lr:.2g}, {reached})")
        ax.plot(*start, "ko", ms=6)
        ax.plot(*minimum, "*", color="gold", mec="k", ms=14)
        ax.set(xlim=(x0, x1), ylim=(y0, y1), title=surface)
        ax.legend(fontsize=8, loc="best", title=f"steps to f - f* < {TOLERANCE:g}",
                  title_fontsize=8)
    fig.suptitle(f"{SURFACE_STEPS} steps from the black dot, each rule at its best learning rate")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_mlp(sweep, out):
    import matplotlib.pyplot as plt

    fig, (ax_curve, ax_lr) = plt.subplots(1, 2, figsize=(13, 4.8))
    for name, runs in sweep.items():
        lr = best_lr(runs)
        ax_curve.plot(runs[lr]["step"], runs[lr]["train"], color=COLORS[name], label=f"{name} (lr {lr:.2g})")
        ax_curve.plot(runs[lr]["step"], runs[lr]["val"], color=COLORS[name], ls=":")
        lrs = sorted(runs)
        ax_lr.plot(lrs, [min(final_val(runs[lr]), 3.0) for lr in lrs], "o-", ms=3, color=COLORS[name],
                   label=name)
    ax_curve.set(yscale="log", xlabel="step", ylabel="cross-entropy",
                 title="each rule at its best lr (solid: train, dotted: validation)")
    ax_lr.set(xscale="log", yscale="log", xlabel="learning rate",
              ylabel=f"validation loss after {MLP_STEPS} steps", title="validation loss by learning rate "
              "(diverged: 3)")
    for ax in (ax_curve, ax_lr):
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle("MLP 64-64-10 on scikit-learn digits, batch 32")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_schedules_and_decay(schedules, schedule_runs, decay_runs, plain_adam, out):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for name, schedule in schedules.items():
        axes[0].plot([schedule(t) for t in range(MLP_STEPS)], label=name)
        runs = schedule_runs[name]
        axes[1].plot(runs[0]["step"], np.mean([r["train"] for r in runs], axis=0), label=name)
    axes[0].set(xlabel="step", ylabel="learning rate", title="schedules, same peak")
    axes[1].set(xlabel="step", ylabel="train cross-entropy", yscale="log",
                title=f"momentum SGD, mean of {len(SEEDS)} seeds")
    for kind, marker in (("Adam + L2", "o"), ("AdamW", "s")):
        strengths = sorted(s for k, s in decay_runs if k == kind)
        norms = [np.mean([r["weight_norm"][-1] for r in decay_runs[kind, s]]) for s in strengths]
        axes[2].plot(strengths, norms, marker=marker, label=kind)
    axes[2].axhline(np.mean([r["weight_norm"][-1] for r in plain_adam]), color="k", ls=":",
                    label="Adam, no decay")
    axes[2].set(xscale="log", xlabel="decay strength (l2 or weight_decay)",
                ylabel=f"weight norm after {MLP_STEPS} steps", title="decay with Adam: L2 vs decoupled")
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv):
    import matplotlib

    matplotlib.use("Agg")
    del argv
    started = time.time()
    figures = pathlib.Path(FIGURES.value)
    figures.mkdir(parents=True, exist_ok=True)

    with np.errstate(all="ignore"):  # diverging learning rates are part of the grid
        surfaces = race_on_surfaces()
    print(f"== 2-D surfaces: steps until f - f* < {TOLERANCE:g} for good (of {SURFACE_STEPS}), "
          "at the best grid lr")
    for surface, rules in surfaces.items():
        print(f"{surface}:")
        for name, (lr, steps, gap, _) in rules.items():
            print(f"  {name:9s} lr {lr:<7.3g} steps {steps if steps <= SURFACE_STEPS else 'never':>5}"
                  f"  final f - f* {gap:.2e}")
    plot_surfaces(surfaces, figures / "surfaces.png")

    data = digits_splits()
    with np.errstate(all="ignore"):
        sweep = mlp_lr_sweep(data)
    print(f"== digits MLP 64-64-10, {MLP_STEPS} steps of batch {BATCH}, seed 0, best lr by validation loss")
    for name, runs in sweep.items():
        lr = best_lr(runs)
        print(f"  {name:9s} lr {lr:<7.3g} {describe([runs[lr]])}")
    plot_mlp(sweep, figures / "mlp_digits.png")

    peak = best_lr(sweep["Momentum"])
    schedules = {
        "constant": opt.constant(peak),
        "step (x0.1 every 200)": opt.step_decay(peak, every=200, factor=0.1),
        "exponential (to 1/100)": opt.exponential_decay(peak, rate=0.01, steps=MLP_STEPS),
        "cosine": opt.cosine_decay(peak, MLP_STEPS),
        "warmup 60 + cosine": opt.warmup_cosine(peak, warmup=60, steps=MLP_STEPS),
    }
    schedule_runs = {name: [train_mlp(opt.Momentum(s), data, seed) for seed in SEEDS]
                     for name, s in schedules.items()}
    print(f"== momentum SGD, peak lr {peak:.3g}, seeds {SEEDS} (mean +- std)")
    for name, runs in schedule_runs.items():
        print(f"  {name:24s} {describe(runs)}")

    adam_lr = best_lr(sweep["Adam"])
    plain_adam = [train_mlp(opt.Adam(adam_lr), data, seed) for seed in SEEDS]
    decay_rules = {"Adam + L2": lambda s: opt.Adam(adam_lr, l2=s),
                   "AdamW": lambda s: opt.AdamW(adam_lr, weight_decay=s)}
    decay_runs = {(kind, strength): [train_mlp(rule(strength), data, seed) for seed in SEEDS]
                  for kind, rule in decay_rules.items() for strength in (1e-4, 1e-3, 1e-2, 1e-1, 1.0)}
    print(f"== weight decay with Adam, lr {adam_lr:.3g}, seeds {SEEDS} (mean +- std)")
    print(f"  {'no decay':24s} {describe(plain_adam)}")
    for (kind, strength), runs in decay_runs.items():
        print(f"  {kind + f' {strength:g}':24s} {describe(runs)}")
    plot_schedules_and_decay(schedules, schedule_runs, decay_runs, plain_adam,
                             figures / "schedules_and_decay.png")
    print(f"wrote {', '.join(sorted(p.name for p in figures.glob('*.png')))} to {figures} "
          f"in {time.time() - started:.0f} s")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
