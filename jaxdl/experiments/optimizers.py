"""Optimizers compared: prints the tables of experiments/optimizers/README.md and draws its
figures. The computations are `jaxdl.studies.optimizers`.

  python -m jaxdl.experiments.optimizers    # prints the article's tables, writes its figures

Everything is seeded: a rerun prints the same numbers.
"""

import pathlib

import numpy as np
from absl import flags

from jaxdl.figures import pyplot, save
from jaxdl.studies.optimizers import (BATCH, MLP_STEPS, RULES, SEEDS, SURFACE_STEPS, SURFACES,
                                      TOLERANCE, best_lr, compare_schedules, compare_weight_decay,
                                      digits_splits, final_val, mlp_lr_sweep, race_on_surfaces)

FIGURES = flags.DEFINE_string("figures", "experiments/optimizers/figures", "Where to write the PNGs.")

COLORS = dict(zip([*RULES, "AdamW"], ["#444444", "#1f77b4", "#17becf", "#2ca02c", "#ff7f0e",
                                      "#d62728", "#9467bd"]))


def describe(runs):
    """One table row from the runs of one setting (one seed, or mean +- std over several)."""

    def stat(values, fmt):
        values = np.array(values)
        return f"{values.mean():{fmt}}" + (f" +- {values.std():{fmt}}" if len(values) > 1 else "")

    return (f"train {stat([r['train'][-1] for r in runs], '.4f')}  "
            f"val {stat([r['val'][-1] for r in runs], '.4f')}  "
            f"test acc {stat([r['test_accuracy'] for r in runs], '.4f')}  "
            f"|W| {stat([r['weight_norm'][-1] for r in runs], '.1f')}")


def plot_surfaces(results, out):
    from matplotlib.colors import LogNorm

    plt = pyplot()
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
    save(fig, out)


def plot_mlp(sweep, out):
    plt = pyplot()
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
    save(fig, out)


def plot_schedules_and_decay(schedules, schedule_runs, decay_runs, plain_adam, out):
    plt = pyplot()
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
    save(fig, out)


def main(argv):
    del argv
    figures = pathlib.Path(FIGURES.value)
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
    sweep = mlp_lr_sweep(data)
    print(f"== digits MLP 64-64-10, {MLP_STEPS} steps of batch {BATCH}, seed 0, best lr by validation loss")
    for name, runs in sweep.items():
        lr = best_lr(runs)
        print(f"  {name:9s} lr {lr:<7.3g} {describe([runs[lr]])}")
    plot_mlp(sweep, figures / "mlp_digits.png")

    peak = best_lr(sweep["Momentum"])
    schedules, schedule_runs = compare_schedules(data, peak)
    print(f"== momentum SGD, peak lr {peak:.3g}, seeds {SEEDS} (mean +- std)")
    for name, runs in schedule_runs.items():
        print(f"  {name:24s} {describe(runs)}")

    adam_lr = best_lr(sweep["Adam"])
    plain_adam, decay_runs = compare_weight_decay(data, adam_lr)
    print(f"== weight decay with Adam, lr {adam_lr:.3g}, seeds {SEEDS} (mean +- std)")
    print(f"  {'no decay':24s} {describe(plain_adam)}")
    for (kind, strength), runs in decay_runs.items():
        print(f"  {kind + f' {strength:g}':24s} {describe(runs)}")
    plot_schedules_and_decay(schedules, schedule_runs, decay_runs, plain_adam,
                             figures / "schedules_and_decay.png")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
