"""Where is each token? No positions, learned, sinusoidal and rotary, on makemore's names.

Trains `PositionalTransformer` (attention.py: makemore's transformer size, 4 layers, 4 heads,
64 wide) with makemore's data, loss and schedule through jaxdl's one loop, once per position
scheme and seed, then prints the val-loss table and draws attention maps of a trained model.

  python experiments/transformer_intro/positions.py --runs=runs/positions            # 12 runs
  python experiments/transformer_intro/positions.py --runs=runs/positions --steps=30 --seeds=0
"""

import importlib.util
import json
import pathlib
import types

import jax.numpy as jnp
import numpy as np
from absl import app, flags, logging

from jaxdl import checkpoint, figures, train
from jaxdl.tasks import makemore

HERE = pathlib.Path(__file__).resolve().parent
RUNS = flags.DEFINE_string("runs", "runs/positions", "One workdir per scheme and seed goes here.")
STEPS = flags.DEFINE_integer("steps", 2000, "Training steps per run (makemore's 2000).")
SEEDS = flags.DEFINE_list("seeds", ["0", "1", "2"], "Seeds of each scheme.")
SCHEMES = flags.DEFINE_list("schemes", ["none", "learned", "sinusoidal", "rotary"], "Schemes.")
OUT = flags.DEFINE_string("out", str(HERE / "figures"), "Where the figures go.")
NAME = flags.DEFINE_string("name", "isabella", "The name whose attention maps are drawn.")


def _load(path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


attention = _load(HERE / "attention.py")


def build_model(cfg, spec, rngs):
    m = cfg.model
    return attention.PositionalTransformer(
        vocab_size=spec.vocab_size, block_size=spec.block_size, layers=m.layers, heads=m.heads,
        width=m.embed, positions=m.positions, rngs=rngs)


# makemore's task with this chapter's model: the loop, data, loss and evaluation are shared.
TASK = types.SimpleNamespace(build_model=build_model, build_data=makemore.build_data,
                             loss_fn=makemore.loss_fn)


def config(scheme: str, seed: int, steps: int):
    cfg = _load(HERE.parent / "makemore" / "names.py").get_config("")
    cfg.seed = seed
    cfg.data.pack_rows = 0  # one name per row: every scheme sees positions 0, 1, 2, ...
    cfg.model.positions = scheme
    cfg.train.update(steps=steps, eval_every=steps, log_every=min(100, steps))
    cfg.checkpoint.every = steps
    return cfg


def final_val(workdir: pathlib.Path) -> float:
    rows = [json.loads(line) for line in open(workdir / "metrics.jsonl")]
    return [r["val/loss"] for r in rows if "val/loss" in r][-1]


def table(runs: pathlib.Path, schemes, seeds) -> str:
    lines = ["| positions | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | spread |",
             "| --- |" + " ---: |" * (len(seeds) + 2)]
    for scheme in schemes:
        losses = [final_val(runs / f"{scheme}_s{s}") for s in seeds]
        lines.append(f"| {scheme} | " + " | ".join(f"{v:.4f}" for v in losses)
                     + f" | {np.mean(losses):.4f} | {max(losses) - min(losses):.4f} |")
    return "\n".join(lines)


def plot_attention(workdir: pathlib.Path, name: str, out):
    """Every head of every layer on one name: row t shows where position t looks."""
    model, cfg, spec = checkpoint.load_model(workdir, TASK, log=lambda _: None)
    text = "." + name
    maps = model.attention_maps(jnp.asarray([[spec.vocab.index(c) for c in text]]))
    plt = figures.pyplot()
    layers, heads = len(maps), maps[0].shape[1]
    fig, axes = plt.subplots(layers, heads, figsize=(2.2 * heads, 2.3 * layers),
                             constrained_layout=True)
    for layer, weights in enumerate(maps):
        for head in range(heads):
            ax = axes[layer, head]
            ax.imshow(np.asarray(weights[0, head]), cmap="viridis", vmin=0, vmax=1)
            ax.set_xticks(range(len(text)), list(text), fontsize=7)
            ax.set_yticks(range(len(text)), list(text), fontsize=7)
            ax.set_title(f"layer {layer + 1}, head {head + 1}", fontsize=8)
    fig.suptitle(f"attention weights ({cfg.model.positions} positions): row = query, "
                 "column = key", fontsize=10)
    figures.save(fig, out)


def main(_):
    logging.set_verbosity(logging.WARNING)  # orbax logs every restore at INFO
    runs = pathlib.Path(RUNS.value)
    seeds = [int(s) for s in SEEDS.value]
    for scheme in SCHEMES.value:
        for seed in seeds:
            train.fit(config(scheme, seed, STEPS.value), runs / f"{scheme}_s{seed}", TASK)
    print(table(runs, SCHEMES.value, seeds))
    scheme = "rotary" if "rotary" in SCHEMES.value else SCHEMES.value[-1]
    plot_attention(runs / f"{scheme}_s{seeds[0]}", NAME.value,
                   pathlib.Path(OUT.value) / "attention_maps.png")


if __name__ == "__main__":
    app.run(main)
