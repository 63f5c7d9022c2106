"""Text classification: train (or resume), or report a trained workdir's test accuracy, F1 and
confusion matrix (printed, saved as report.json, and drawn with --out).

  python -m jaxdl.experiments.text_classify --config=experiments/text_classify/spam.py --workdir=DIR
  python -m jaxdl.experiments.text_classify --mode=report --workdir=DIR [--out=FOLDER]
  python -m jaxdl.experiments.text_classify --mode=seeds --workdir=runs/spam --runs='scratch50_s*,glove_frozen_s*'
  python -m jaxdl.experiments.text_classify --mode=minilm --workdir=runs/spam/minilm

seeds: the mean and spread over seeds of each group of finished runs (the folders under
--workdir that each --runs pattern matches); minilm: logistic regression on MiniLM sentence
embeddings (jaxdl.studies.sentence_spam), written to minilm.json.
"""

import json
import pathlib

import numpy as np
from absl import flags

from jaxdl import cli, figures
from jaxdl.errors import UserError
from jaxdl.tasks import text_classify

OUT = flags.DEFINE_string("out", "", "Report: folder for the confusion-matrix figure ('' = none).")
RUNS = flags.DEFINE_list("runs", [], "Seeds: glob patterns of run folders under --workdir, one "
                         "row each.")


def report():
    workdir = pathlib.Path(cli.WORKDIR.value)
    result = text_classify.report(workdir)
    names = ("accuracy", "precision", "recall", "f1")
    print(" | ".join(f"test {name} {result[name]:.4f}" for name in names))
    print(f"confusion (rows true {result['classes']}, columns predicted): {result['confusion']}")
    (workdir / "report.json").write_text(json.dumps(result, indent=2))
    if OUT.value:
        plt = figures.pyplot()
        fig, ax = plt.subplots(figsize=(2.8, 2.6))
        counts = np.array(result["confusion"])
        ax.imshow(counts, cmap="Blues")
        for (i, j), n in np.ndenumerate(counts):
            ax.text(j, i, str(n), ha="center", va="center",
                    color="white" if n > counts.max() / 2 else "black")
        ticks = range(len(result["classes"]))
        ax.set_xticks(ticks, result["classes"])
        ax.set_yticks(ticks, result["classes"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{workdir.name}: F1 {result['f1']:.3f}", fontsize=9)
        figures.save(fig, pathlib.Path(OUT.value) / f"confusion_{workdir.name}.png")


def seeds():
    print("| runs | seeds | steps | test accuracy | spam F1 | accuracy of each seed |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    for pattern in RUNS.value:
        found = sorted(folder for folder in pathlib.Path(cli.WORKDIR.value).glob(pattern)
                       if folder.is_dir())
        if not found:
            raise UserError(f"--runs={pattern}: no folder under {cli.WORKDIR.value} matches.")
        rows = [text_classify.final_scores(folder) for folder in found]
        accuracy, f1 = (np.array([row[key] for row in rows]) for key in ("accuracy", "f1"))
        steps = ", ".join(sorted({str(row["step"]) for row in rows}))
        print(f"| {pattern} | {len(rows)} | {steps} | {accuracy.mean():.4f} ± "
              f"{accuracy.std():.4f} | {f1.mean():.4f} ± {f1.std():.4f} | "
              + ", ".join(f"{a:.4f}" for a in accuracy) + " |")


def minilm():
    from jaxdl.studies import sentence_spam

    result = sentence_spam.run()
    print(f"MiniLM sentence embeddings + logistic regression (C={result['C']} by val): "
          f"test accuracy {result['accuracy']:.4f} | precision {result['precision']:.4f} | "
          f"recall {result['recall']:.4f} | F1 {result['f1']:.4f}; confusion "
          f"{result['confusion']}; {result['messages']:,} messages embedded in "
          f"{result['embed_seconds']:.0f} s")
    workdir = pathlib.Path(cli.WORKDIR.value)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "minilm.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    cli.run(text_classify, modes={"report": report, "seeds": seeds, "minilm": minilm})
