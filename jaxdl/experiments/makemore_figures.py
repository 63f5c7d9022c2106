"""Figures and the results table of the makemore articles (experiments/makemore/*.md).

  python -m jaxdl.experiments.makemore_figures --runs=runs/makemore --out=experiments/makemore/figures

`--runs` is the folder `experiments/makemore/reproduce.sh` trained into (one workdir per run, and
`<run>.log` beside it). The command draws

  bigram_counts.png   the 27 x 27 table of bigram counts of names.txt (jaxdl.scratch.bigram)
  embeddings.png      learned character embeddings, projected onto their top-2 principal axes
  val_loss.png        the final val loss of every 2000-step run (makemore's held-out names)
  long_runs.png       val loss against step of the 20k-step runs on makemore's split

and prints the results table: for every run its parameters, steps, the loss over the WHOLE
train split (the `train/loss` the loop logs is one batch of 32 names, too noisy to compare),
val and test loss, ms/step and wall time from the run's log.
"""

import argparse
import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.data import name_rows, sources
from jaxdl.data.arrays import whole_split
from jaxdl.tasks import makemore
from jaxdl.figures import pyplot, save
from jaxdl.logging import read_metrics
from jaxdl.scratch import bigram

VOWELS = set("aeiou")
# The runs of reproduce.sh, in the order of the ladder.
RUNS = ["bigram", "mlp", "mlp3", "wavenet", "cnn", "rnn", "gru", "lstm", "transformer",
        "mlp3_long", "wavenet_long", "lstm_long", "transformer_long"]
# Runs whose character embeddings are drawn: the long ones, whose tables had time to move away
# from their random start (the printed similarities cover every run).
EMBEDDINGS = ["mlp3_long", "wavenet_long", "lstm_long", "transformer_long"]


# ---- the figures (plain arrays in, PNG out) ---------------------------------------------------


def plot_bigram_counts(counts: np.ndarray, itos: list[str], out) -> None:
    """Each cell: the bigram (row char, then column char) and how often it occurs; darker = more."""
    plt = pyplot()
    n = len(itos)
    fig, ax = plt.subplots(figsize=(0.62 * n, 0.62 * n))
    ax.imshow(counts, cmap="Blues")
    for i in range(n):
        for j in range(n):
            dark = counts[i, j] > counts.max() / 2
            colour = "white" if dark else "black"
            ax.text(j, i - 0.17, itos[i] + itos[j], ha="center", va="center", fontsize=7, color=colour)
            ax.text(j, i + 0.22, str(counts[i, j]), ha="center", va="center", fontsize=6, color=colour)
    ax.set_xticks(range(n), itos)
    ax.set_yticks(range(n), itos)
    ax.xaxis.tick_top()
    ax.set_xlabel("next character")
    ax.xaxis.set_label_position("top")
    ax.set_ylabel("current character")
    save(fig, out)


def pca_2d(table: np.ndarray) -> tuple[np.ndarray, float]:
    """Rows of `table` projected onto its two main axes of variation, and the share of the
    variance those two axes hold. The axes are the top right-singular vectors of the centred
    table: the directions along which the rows differ most."""
    centred = table - table.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, float((s[:2] ** 2).sum() / (s**2).sum())


def plot_embeddings(panels: list[tuple[str, np.ndarray, str]], out, columns: int = 2) -> None:
    """One scatter per (title, embedding table [vocab, dim], vocab string): each character at its
    2-D PCA position, vowels in red."""
    plt = pyplot()
    rows = -(-len(panels) // columns)
    cols = min(columns, len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 5 * rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, table, vocab) in zip(axes.flat, panels):
        xy, share = pca_2d(np.asarray(table, np.float64))
        for (x, y), ch in zip(xy, vocab):
            colour = "tab:red" if ch in VOWELS else "tab:blue" if ch != name_rows.BOUNDARY else "black"
            ax.scatter(x, y, s=220, color=colour, alpha=0.25)
            ax.text(x, y, ch, ha="center", va="center", fontsize=11, color=colour)
        ax.set(title=f"{title}\n({table.shape[1]}-D; the 2 axes hold {100 * share:.0f}% of the variance)",
               xlabel="principal axis 1", ylabel="principal axis 2")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out)


def vowel_similarity(table: np.ndarray, vocab: str) -> str:
    """How alike the model made the vowels, in the full space: mean cosine similarity of two
    vowels, of a vowel and a consonant, and each vowel's most similar letter."""
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    cos = unit @ unit.T
    letters = [i for i, ch in enumerate(vocab) if ch != name_rows.BOUNDARY]
    vowels = [i for i in letters if vocab[i] in VOWELS]
    consonants = [i for i in letters if vocab[i] not in VOWELS]
    vv = np.mean([cos[a, b] for a in vowels for b in vowels if a < b])
    vc = np.mean([cos[a, b] for a in vowels for b in consonants])
    def most_similar(a):
        return vocab[max((b for b in letters if b != a), key=lambda b: cos[a, b])]

    nearest = " ".join(f"{vocab[a]}->{most_similar(a)}" for a in vowels)
    return f"cosine vowel-vowel {vv:.2f}, vowel-consonant {vc:.2f}; nearest: {nearest}"


def plot_val_losses(rows: list[tuple[str, float]], out, title: str = "") -> None:
    """Horizontal bars, one per (label, loss), the value written at the end of each bar."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1))
    labels, values = zip(*rows)
    ax.barh(range(len(rows)), values, color="tab:blue")
    for i, v in enumerate(values):
        ax.text(v + 0.005, i, f"{v:.4f}", va="center", fontsize=9)
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()
    low = min(values)
    ax.set_xlim(low - 0.1, max(values) + 0.1)
    ax.set(xlabel="val loss (nats per character)", title=title)
    ax.grid(axis="x", alpha=0.3)
    save(fig, out)


def plot_curves(curves: dict[str, tuple[list[int], list[float]]], out, ylabel: str,
                title: str = "") -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, (steps, values) in curves.items():
        ax.plot(steps, values, marker=".", label=label)
    ax.set(xlabel="step", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    save(fig, out)


# ---- what the figures and the table are made of ----------------------------------------------


def split_losses(model, cfg, spec, rows_per_call: int = 2048) -> dict[str, float]:
    """Mean loss per character over every name of every split (train included), the model in
    eval mode (BatchNorm uses its running statistics), as the loop's evaluation computes it."""
    words = sources.load_text(cfg.data.corpus).text.split()
    tokenizer = name_rows.tokenizer_for(words)
    assert tokenizer.chars == spec.vocab, "the corpus is not the one this run trained on"
    model.eval()
    graphdef, state = nnx.split(model)

    @jax.jit
    def nll_sum_and_count(state, inputs_BT, targets_BT):
        logits_BTV = nnx.merge(graphdef, state)(inputs_BT, valid=targets_BT >= 0)
        logp_BTV = jax.nn.log_softmax(logits_BTV.astype(jnp.float32))
        logp_BT = jnp.take_along_axis(logp_BTV, jnp.maximum(targets_BT, 0)[..., None], -1)[..., 0]
        valid_BT = targets_BT >= 0
        return -jnp.where(valid_BT, logp_BT, 0.0).sum(), valid_BT.sum()

    results = {}
    for split, part in name_rows.split(words, cfg.data.split, cfg.data.split_seed).items():
        rows = whole_split(name_rows.encode(part, tokenizer, spec.block_size), rows_per_call,
                           fill={"targets": -1})
        total, count = 0.0, 0
        for start in range(0, len(rows["inputs"]), rows_per_call):
            chunk = slice(start, start + rows_per_call)
            nll, n = nll_sum_and_count(state, rows["inputs"][chunk], rows["targets"][chunk])
            total, count = total + float(nll), count + int(n)
        results[split] = total / count
    return results


def counting_bigram(words: list[str], vocab: bigram.Vocab) -> str:
    """The best a bigram can do on makemore's split: the +1-smoothed count table of the train
    names, scored on the train and held-out names (the bigram rung's floor)."""
    parts = name_rows.split(words, "makemore", 3407)
    train_pairs = bigram.bigram_pairs(parts["train"], vocab)
    probs = bigram.counts_to_probs(bigram.count_bigrams(*train_pairs, vocab.size))
    val_loss = bigram.mean_nll(probs, *bigram.bigram_pairs(parts["val"], vocab))
    return (f"counting bigram (+1 smoothing) of makemore's train split: train "
            f"{bigram.mean_nll(probs, *train_pairs):.4f}, val {val_loss:.4f}")


def from_log(log_path: pathlib.Path) -> dict[str, float]:
    """ms/step (the last progress line's average) and wall seconds, from a reproduce.sh log."""
    if not log_path.exists():
        return {}
    text = log_path.read_text()
    found = {}
    if steps := re.findall(r"\| ([\d.]+) ms/step", text):
        found["ms/step"] = float(steps[-1])
    if wall := re.search(r"^wall ([\d.]+) s", text, re.M):
        found["wall"] = float(wall.group(1))
    return found


def summarise(workdir: pathlib.Path) -> tuple[dict, nnx.Module, object]:
    model, cfg, spec = checkpoint.load_model(workdir, makemore)
    params = sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))
    last = {}
    for record in read_metrics(workdir):
        last.update(record)
    row = dict(run=workdir.name, model=cfg.model.name, params=params, steps=cfg.train.steps,
               split=cfg.data.split, logged_val=last.get("val/loss"),
               **{f"{k}_full": v for k, v in split_losses(model, cfg, spec).items()},
               **from_log(workdir.parent / f"{workdir.name}.log"))
    return row, model, spec


def markdown_table(rows: list[dict]) -> str:
    def number(v, digits=4):
        return "-" if v is None else f"{v:.{digits}f}"

    lines = ["| run | model | params | steps | split | train (whole split) | val | test | "
             "val logged | ms/step | wall s |", "|" + " --- |" * 11]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['model']} | {r['params']:,} | {r['steps']:,} | {r['split']} | "
            f"{number(r.get('train_full'))} | {number(r.get('val_full'))} | {number(r.get('test_full'))} | "
            f"{number(r.get('logged_val'))} | {number(r.get('ms/step'), 1)} | {number(r.get('wall'), 1)} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default="runs/makemore", help="the folder reproduce.sh trained into")
    parser.add_argument("--out", default="experiments/makemore/figures")
    args = parser.parse_args(argv)
    runs, out = pathlib.Path(args.runs), pathlib.Path(args.out)

    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    counts = bigram.count_bigrams(*bigram.bigram_pairs(words, vocab), vocab.size)
    plot_bigram_counts(counts, vocab.itos, out / "bigram_counts.png")
    print(counting_bigram(words, vocab))

    rows, embeddings = [], []
    for name in RUNS:
        if not (runs / name / "config.json").exists():
            print(f"skipping {name}: no run in {runs / name}")
            continue
        row, model, spec = summarise(runs / name)
        rows.append(row)
        if hasattr(model, "token_embedding"):
            table = np.asarray(model.token_embedding[...], np.float64)
            print(f"{name} embeddings: {vowel_similarity(table, spec.vocab)}")
            if name in EMBEDDINGS:
                embeddings.append((f"{name}: {row['model']}, {row['params']:,} params", table,
                                   spec.vocab))
    print(markdown_table(rows))

    if embeddings:
        plot_embeddings(embeddings, out / "embeddings.png")
    bars = [(r["run"], r["val_full"]) for r in rows if r["steps"] == 2000]
    if bars:
        plot_val_losses(bars, out / "val_loss.png",
                        title="val loss after 2000 steps (makemore's defaults and split)")
    curves = {}
    for name in ("lstm_long", "transformer_long"):
        points = [(m["step"], m["val/loss"]) for m in read_metrics(runs / name)
                  if "val/loss" in m] if (runs / name).exists() else []
        if points:
            curves[name] = tuple(map(list, zip(*points)))
    if curves:
        plot_curves(curves, out / "long_runs.png", "val loss",
                    title="20k steps on makemore's split (AdamW 2e-3, cosine, weight decay 0.1)")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.guard(main)
