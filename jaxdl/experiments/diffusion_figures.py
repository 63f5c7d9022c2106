"""The figures of experiments/diffusion/README.md.

  python -m jaxdl.experiments.diffusion_figures --workdir=runs/diffusion/fashion \\
      --out=experiments/diffusion/figures

schedules.png (abar_t and the signal-to-noise ratio of the linear and cosine schedules; needs no
run), and from a trained workdir: trajectory.png (guided DDIM, 50 steps: one row per class, from
noise on the left to the sample on the right) and guidance.png (the same noise sampled at
guidance 0, 1 and 3).
"""

import pathlib

import numpy as np
from absl import app, flags

from jaxdl import checkpoint
from jaxdl.figures import pyplot, save
from jaxdl.generative import diffusion as diffusion_math
from jaxdl.generative import grid
from jaxdl.tasks import diffusion

WORKDIR = flags.DEFINE_string("workdir", None, "A trained diffusion workdir (optional).")
OUT = flags.DEFINE_string("out", "experiments/diffusion/figures", "Folder for the PNGs.")


def plot_schedules(out: pathlib.Path) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    t = np.arange(1000)
    for kind in ("linear", "cosine"):
        abar = diffusion_math.alpha_bars(kind, 1000)
        axes[0].plot(t, abar, label=kind)
        axes[1].plot(t, np.log10(abar / (1 - abar)), label=kind)
    axes[0].set(xlabel="step t", title=r"$\bar\alpha_t$ (signal kept)")
    axes[1].set(xlabel="step t", title=r"$\log_{10}$ SNR $= \bar\alpha_t / (1-\bar\alpha_t)$")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend()
    save(fig, out / "schedules.png")


def plot_trajectory(model, spec, out: pathlib.Path) -> None:
    shape = (spec.num_classes, spec.image_size, spec.image_size, spec.in_channels)
    _, _, _, path = diffusion.generate(model, shape, steps=50, guidance=3.0, trajectory=True)
    columns = np.linspace(0, len(path) - 1, 11).round().astype(int)  # x_T ... x_0
    frames = path[columns].transpose(1, 0, 2, 3, 4).reshape(-1, *shape[1:])  # row = class
    grid.save_png(frames, out / "trajectory.png", columns=len(columns))
    print(f"wrote {out / 'trajectory.png'}")


def plot_guidance(model, spec, out: pathlib.Path) -> None:
    shape = (2 * spec.num_classes, spec.image_size, spec.image_size, spec.in_channels)
    rows = [diffusion.generate(model, shape, steps=50, guidance=g, conditional=g > 0, seed=1)[0]
            for g in (0.0, 1.0, 3.0)]
    grid.save_png(np.concatenate(rows), out / "guidance.png", columns=spec.num_classes)
    print(f"wrote {out / 'guidance.png'}")


def main(argv):
    del argv
    out = pathlib.Path(OUT.value)
    plot_schedules(out)
    if WORKDIR.value:
        model, _, spec = checkpoint.load_model(WORKDIR.value, diffusion.build_model)
        plot_trajectory(model, spec, out)
        plot_guidance(model, spec, out)


if __name__ == "__main__":
    app.run(main)
