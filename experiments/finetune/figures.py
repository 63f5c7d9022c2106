"""The fine-tuning article's figure: validation accuracy after each epoch, per run, read from
the runs' metrics.jsonl.

  python experiments/finetune/figures.py --out=experiments/finetune/figures/spam_val.png \
      "last_block seed 123=runs/spam_last_block_s123" "lora=runs/spam_lora" ...
"""

import argparse
import json
import pathlib

from jaxdl import figures


def curve(workdir) -> tuple[list[int], list[float]]:
    """(steps, val/accuracy) of a run's evaluations."""
    rows = [json.loads(line) for line in (pathlib.Path(workdir) / "metrics.jsonl").open()]
    rows = [r for r in rows if "val/accuracy" in r]
    return [r["step"] for r in rows], [r["val/accuracy"] for r in rows]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps_per_epoch", type=int, default=130)
    parser.add_argument("runs", nargs="+", help="LABEL=WORKDIR")
    args = parser.parse_args()
    plt = figures.pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for run in args.runs:
        label, workdir = run.split("=", 1)
        steps, accuracy = curve(workdir)
        ax.plot([s / args.steps_per_epoch for s in steps], [100 * a for a in accuracy], "o-",
                label=label)
    ax.axhline(95.67, color="gray", ls="--", lw=1, label="the book, last block (test)")
    ax.set(xlabel="epoch", ylabel="validation accuracy (%)", title="SMS spam, SmolLM2-135M")
    ax.legend(fontsize=8)
    figures.save(fig, args.out)


if __name__ == "__main__":
    main()
