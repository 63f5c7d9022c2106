"""How far back does the gradient reach? ||d loss_T / d h_t|| against the distance T - t.

For every run folder under --runs (trained by experiments/rnn/reproduce.sh), this takes the
first 96 validation windows of 64 characters, keeps only the loss of the LAST prediction, and
measures the gradient that reaches each earlier hidden state, once for the trained weights and
once for a fresh initialisation of the same config. It prints a Markdown table and writes
figures/gradient_flow.png; with the *_noclip runs present, also the clipping table and
figures/clipping.png.

  python experiments/rnn/gradient_flow.py --runs=runs/rnn
"""

import itertools
import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from absl import app, flags, logging
from flax import nnx

from jaxdl import checkpoint, figures
from jaxdl.tasks import nanogpt

HERE = pathlib.Path(__file__).resolve().parent
CELLS = {"rnn": "RNN (tanh)", "rnn_relu": "RNN (ReLU)", "gru": "GRU", "lstm": "LSTM"}
NUM_BATCHES = 8  # of the validation set's 12 windows each: 96 windows of 64 characters
DISTANCES = (0, 1, 2, 4, 8, 16, 32, 63)
RUNS = flags.DEFINE_string("runs", "runs/rnn", "Folder holding one workdir per cell.")
OUT = flags.DEFINE_string("out", str(HERE / "figures"), "Where the figures go.")
CLIPPING_ONLY = flags.DEFINE_bool("clipping_only", False, "Only the clipping table and figure.")


def _with_state(carry, h):
    """The carry with its hidden state replaced by h (the LSTM carries (h, c))."""
    return (h, carry[1]) if isinstance(carry, tuple) else h


def state_gradients(model, idx_BT, targets_BT):
    """[B, T, H]: d loss_T / d h_t for every t, loss_T the cross-entropy of the last position.

    A zero probe is added to every h_t on its way into the next step and into the head; the
    gradient with respect to the probes is the gradient with respect to the states."""
    xw_TBO = jnp.take(model.cell.project(model.token_embedding[...]), idx_BT.T, axis=0)
    carry0 = model.init_cache(idx_BT.shape[0])

    def last_loss(probes_TBH):
        def step(carry, inputs):
            xw, probe = inputs
            carry, h = model.cell.step(carry, xw)
            return _with_state(carry, h + probe), h + probe

        _, h_TBH = jax.lax.scan(step, carry0, (xw_TBO, probes_TBH))
        logp_BV = jax.nn.log_softmax(model.head(h_TBH[-1]))
        return -jnp.take_along_axis(logp_BV, targets_BT[:, -1:], axis=-1).mean()

    probes = jnp.zeros((idx_BT.shape[1], idx_BT.shape[0], model.cell.hidden))
    return jnp.swapaxes(jax.grad(last_loss)(probes), 0, 1)


def norm_by_distance(model, batch) -> np.ndarray:
    """Mean over the batch of ||d loss_T / d h_t||, indexed by the distance T - t."""
    grads_BTH = state_gradients(model, jnp.asarray(batch["inputs"]), jnp.asarray(batch["targets"]))
    return np.asarray(jnp.linalg.norm(grads_BTH, axis=-1).mean(0))[::-1]


def measure(workdir: pathlib.Path) -> dict[str, np.ndarray]:
    trained, cfg, spec = checkpoint.load_model(workdir, nanogpt, log=lambda _: None)
    batches = list(itertools.islice(nanogpt.build_data(cfg).eval["val"](), NUM_BATCHES))
    batch = {k: np.concatenate([b[k] for b in batches]) for k in ("inputs", "targets")}
    fresh = nanogpt.build_model(cfg, spec, nnx.Rngs(cfg.seed))
    return {"init": norm_by_distance(fresh, batch), "trained": norm_by_distance(trained, batch)}


def table(results) -> str:
    head = "| cell | weights | " + " | ".join(f"T-t={d}" for d in DISTANCES) + " |"
    rows = [head, "| --- | --- |" + " ---: |" * len(DISTANCES)]
    for cell, curves in results.items():
        for when, curve in curves.items():
            rows.append(f"| {CELLS[cell]} | {when} | "
                        + " | ".join(f"{curve[d]:.2e}" for d in DISTANCES) + " |")
    return "\n".join(rows)


def plot_gradient_flow(results, out):
    plt = figures.pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (cell, curves) in enumerate(results.items()):
        for when, style in (("init", ":"), ("trained", "-")):
            ax.semilogy(curves[when], style, color=f"C{i}", label=f"{CELLS[cell]}, {when}")
    ax.set(xlabel="distance T - t (characters back)", ylabel="mean ||d loss_T / d h_t||",
           title="How far back the gradient of the last prediction reaches")
    ax.legend(fontsize=8, ncol=2)
    figures.save(fig, out)


def read_metrics(workdir) -> list[dict]:
    return [json.loads(line) for line in open(workdir / "metrics.jsonl")]


# run name -> label, for the pairs trained with and without clipping (name and name_noclip)
CLIPPED = {"rnn": "RNN (tanh), lr 3e-3", "rnn_relu": "RNN (ReLU), lr 3e-3",
           "rnn_relu_lr1e-2": "RNN (ReLU), lr 1e-2"}


def clipping_table(runs: pathlib.Path) -> str:
    lines = ["| run | clipping | val loss | logged steps with norm > 1 | largest logged norm |",
             "| --- | --- | ---: | ---: | ---: |"]
    for name, label in CLIPPED.items():
        for suffix, clip in (("", "1.0"), ("_noclip", "none")):
            rows = read_metrics(runs / f"{name}{suffix}")
            norms = [r["train/grad_norm"] for r in rows if "train/grad_norm" in r]
            val = [r["val/loss"] for r in rows if "val/loss" in r][-1]
            lines.append(f"| {label} | {clip} | {val:.4f} | {sum(n > 1 for n in norms)} of "
                         f"{len(norms)} | {max(norms):.2f} |")
    return "\n".join(lines)


def plot_clipping(runs: pathlib.Path, out):
    plt = figures.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, (name, label) in enumerate(CLIPPED.items()):
        for suffix, style, clip in (("", "-", "clip 1.0"), ("_noclip", ":", "no clipping")):
            rows = [r for r in read_metrics(runs / f"{name}{suffix}") if "train/grad_norm" in r]
            steps = [r["step"] for r in rows]
            for ax, key in zip(axes, ("train/grad_norm", "train/loss")):
                ax.plot(steps, [r[key] for r in rows], style, color=f"C{i}",
                        label=f"{label}, {clip}")
    axes[0].set(yscale="log", xlabel="step", ylabel="gradient norm before clipping")
    axes[1].set(xlabel="step", ylabel="train loss (logged batch)", ylim=(1.4, 2.6))
    axes[1].legend(fontsize=7)
    figures.save(fig, out)


def main(_):
    logging.set_verbosity(logging.WARNING)  # orbax logs every restore at INFO
    runs = pathlib.Path(RUNS.value)
    if not CLIPPING_ONLY.value:
        results = {cell: measure(runs / cell) for cell in CELLS if (runs / cell).exists()}
        print(table(results))
        plot_gradient_flow(results, pathlib.Path(OUT.value) / "gradient_flow.png")
    if all((runs / f"{name}_noclip").exists() for name in CLIPPED):
        print(clipping_table(runs))
        plot_clipping(runs, pathlib.Path(OUT.value) / "clipping.png")


if __name__ == "__main__":
    app.run(main)
