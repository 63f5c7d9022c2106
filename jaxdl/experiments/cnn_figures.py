"""The figures of experiments/cnn/README.md, from finished runs of the cnn task.

  python -m jaxdl.experiments.cnn_figures --runs=digits=runs/cnn/digits,fashion=runs/cnn/fashion \
      --out=experiments/cnn/figures

For every run: training curves (train and val loss, val accuracy) from metrics.jsonl; for each
run: the learned first-layer filters, and for small-CNN runs the feature maps of the first test
image after each conv block.
"""

import pathlib

import numpy as np
from absl import flags
from flax import nnx

from jaxdl import checkpoint
from jaxdl.data import images
from jaxdl.tasks import image as image_task
from jaxdl.figures import pyplot, save
from jaxdl.logging import read_metrics
from jaxdl.nn.cnn import pool

RUNS = flags.DEFINE_list("runs", [], "name=workdir pairs.")
OUT = flags.DEFINE_string("out", "experiments/cnn/figures", "Folder for the PNGs.")


def plot_curves(runs: dict[str, pathlib.Path], out: pathlib.Path) -> None:
    plt = pyplot()
    keys = ("train/loss", "val/loss", "val/accuracy")
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.2))
    for ax, key in zip(axes, keys):
        for name, workdir in runs.items():
            points = [(m["step"], m[key]) for m in read_metrics(workdir) if key in m]
            if points:
                ax.plot(*zip(*points), label=name, marker="." if len(points) < 30 else None)
        ax.set(xlabel="step", title=key, yscale="log" if "loss" in key else "linear")
        ax.grid(alpha=0.3)
        ax.legend()
    save(fig, out)


def first_conv(model: nnx.Module) -> nnx.Conv:
    return next(node for _, node in nnx.iter_graph(model) if isinstance(node, nnx.Conv))


def plot_filters(model: nnx.Module, out: pathlib.Path, title: str) -> None:
    """Each first-layer kernel (input channel 0), all on one colour scale: what the layer
    looks for at every position."""
    kernel = np.asarray(first_conv(model).kernel[...])[:, :, 0, :]  # [kh, kw, filters]
    plt = pyplot()
    count = kernel.shape[-1]
    columns = min(count, 8)
    rows = -(-count // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows))
    for index, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if index < count:
            ax.imshow(kernel[:, :, index], cmap="RdBu_r", vmin=-np.abs(kernel).max(),
                      vmax=np.abs(kernel).max())
    fig.suptitle(title, fontsize=9)
    save(fig, out)


def block_outputs(model: nnx.Module, x_BHWC) -> list[np.ndarray]:
    """The output of each conv block of a small CNN (after its ReLU, before its pooling)."""
    outputs, h = [], x_BHWC
    for block in model.blocks:
        h = block(h)
        outputs.append(np.asarray(h))
        h = pool(h)
    return outputs


def plot_feature_maps(model: nnx.Module, spec, image: np.ndarray, label: str,
                      out: pathlib.Path, maps: int = 8) -> None:
    batch = {"images": image[None], "labels": np.zeros(1, np.int32), "mask": np.ones(1)}
    for step in images.transforms(mean=spec.mean, std=spec.std, train=False):
        batch = step.map(batch)
    outputs = block_outputs(model, batch["images"])
    plt = pyplot()
    fig, axes = plt.subplots(len(outputs), maps + 1, figsize=((maps + 1) * 1.0, len(outputs) * 1.1))
    for row, activations in enumerate(outputs):
        axes[row, 0].imshow(image[:, :, 0], cmap="gray")
        axes[row, 0].set_title(label if row == 0 else "", fontsize=8)
        # The channels that respond most to this image.
        strongest = np.argsort(-activations[0].mean((0, 1)))[:maps]
        for column, channel in enumerate(strongest, start=1):
            axes[row, column].imshow(activations[0, :, :, channel], cmap="viridis")
            axes[row, column].set_title(f"block {row + 1} ch {channel}", fontsize=6)
        for ax in axes[row]:
            ax.axis("off")
    save(fig, out)


def main(argv):
    del argv
    runs = dict(pair.split("=", 1) for pair in RUNS.value)
    runs = {name: pathlib.Path(workdir) for name, workdir in runs.items()}
    out = pathlib.Path(OUT.value)
    plot_curves(runs, out / "curves.png")
    for name, workdir in runs.items():
        model, cfg, spec = checkpoint.load_model(workdir, image_task)
        model.eval()
        plot_filters(model, out / f"{name}_filters.png",
                     f"{name}: first-layer {cfg.model.name} filters")
        if cfg.model.name == "small_cnn":
            test = images.load_splits(cfg.data.dataset, val_fraction=cfg.data.val_fraction,
                                      seed=cfg.data.split_seed)
            image, label = test["test"]["images"][0], test["test"]["labels"][0]
            plot_feature_maps(model, spec, image, test["classes"][label],
                              out / f"{name}_feature_maps.png")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
