"""Text classification: train (or resume), or report a trained workdir's test accuracy, F1 and
confusion matrix (printed, saved as report.json, and drawn with --out).

  python -m jaxdl.experiments.text_classify --config=experiments/text_classify/spam.py --workdir=DIR
  python -m jaxdl.experiments.text_classify --mode=report --workdir=DIR [--out=FOLDER]
"""

import json
import pathlib

import numpy as np
from absl import flags

from jaxdl import cli, figures
from jaxdl.tasks import text_classify

OUT = flags.DEFINE_string("out", "", "Report: folder for the confusion-matrix figure ('' = none).")


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


if __name__ == "__main__":
    cli.run(text_classify, modes={"report": report})
