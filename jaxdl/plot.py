"""Loss curves of one or more runs, from their metrics.jsonl, as a PNG.

  python -m jaxdl.plot runs/bigram runs/gru runs/gpt --key=val/loss --out=figure.png
"""

import pathlib

from absl import app, flags

from jaxdl.logging import read_metrics

KEYS = flags.DEFINE_list("key", ["train/loss", "val/loss"], "Metrics to plot, one panel each.")
OUT = flags.DEFINE_string("out", "losses.png", "Where to write the PNG.")
TITLE = flags.DEFINE_string("title", "", "Figure title.")


def plot(workdirs, keys, out, title=""):
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 3.8), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for workdir in workdirs:
            points = [(m["step"], m[key]) for m in read_metrics(workdir) if key in m]
            if points:
                steps, values = zip(*points)
                ax.plot(steps, values, label=pathlib.Path(workdir).name, marker="." if len(points) < 30 else None)
        ax.set(xlabel="step", ylabel=key, title=key)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


def main(argv):
    if len(argv) < 2:
        raise app.UsageError("give one or more workdirs")
    plot(argv[1:], KEYS.value, OUT.value, TITLE.value)


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
