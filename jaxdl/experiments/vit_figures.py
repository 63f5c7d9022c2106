"""The figures and the arithmetic of experiments/vit/README.md.

  python -m jaxdl.experiments.vit_figures --workdir=runs/vit/digits --out=experiments/vit/figures

From a finished vit run: `attention.png`, the class token's attention over the patches in every
block (mean over heads) for one validation image of each of a few classes; `positions.png`, the
cosine similarity of each patch's learned position embedding to every other patch's; and the
val accuracy with the patches shuffled or the position embeddings removed. With --sweep_runs:
`data_sweep.png`, test accuracy against training-set size per model. First it prints,
for each vit config, tokens, parameters and forward FLOPs per image (counted here and by XLA).
Training curves: `python -m jaxdl.plot` on the run folders.
"""

import importlib.util
import pathlib

import jax
import ml_collections
import numpy as np
from absl import flags
from flax import nnx

from jaxdl import checkpoint, cli
from jaxdl import config as config_lib
from jaxdl.data import images
from jaxdl.tasks import image as image_task
from jaxdl.figures import pyplot, save
from jaxdl.logging import read_metrics
from jaxdl.nn.vit import ViT, patches

CONFIGS = {"digits": (8, 1), "fashion_mnist": (28, 1), "fashion_mnist:cpu": (28, 1),
           "cifar10": (32, 3)}  # config -> (image side, channels), for the arithmetic


def class_token_attention(model: ViT, x_BHWC) -> np.ndarray:
    """[blocks, B, grid, grid]: how much the class token's query attends to each patch, averaged
    over heads (the rest of each row, up to 1, goes to the class token itself)."""
    grid = model.image_size // model.patch_size
    maps = [np.asarray(a)[:, :, 0, 1:].mean(1) for a in model.attention_maps(x_BHWC)]
    return np.stack(maps).reshape(len(maps), x_BHWC.shape[0], grid, grid)


def position_similarity(model: ViT) -> np.ndarray:
    """[N, N] cosine similarity between the patches' position embeddings (class token left out)."""
    positions = np.asarray(model.position_embedding[...])[1:]
    unit = positions / np.linalg.norm(positions, axis=1, keepdims=True)
    return unit @ unit.T


def shuffle_patches(x_BHWC, patch_size: int, order) -> np.ndarray:
    """The images whose i-th patch (row-major) is patch order[i] of x."""
    B, side, _, C = x_BHWC.shape
    grid = side // patch_size
    tiles = np.asarray(patches(x_BHWC, patch_size))[:, order]
    tiles = tiles.reshape(B, grid, grid, patch_size, patch_size, C).transpose(0, 1, 3, 2, 4, 5)
    return tiles.reshape(B, side, side, C)


def position_ablation(model: ViT, x_BHWC, labels, seed: int = 0) -> dict[str, float]:
    """Accuracy as trained; with the patches of every image in one random order; with the
    position embeddings of the patches set to zero (the class token's slot kept)."""
    def accuracy(m, x):
        return float((np.asarray(m(x)).argmax(1) == labels).mean())

    order = np.random.default_rng(seed).permutation(model.num_patches)
    result = {"trained": accuracy(model, x_BHWC),
              "patches shuffled": accuracy(model, shuffle_patches(x_BHWC, model.patch_size, order))}
    no_positions = nnx.clone(model)  # a copy: the figures use the trained model
    no_positions.position_embedding[...] = no_positions.position_embedding[...].at[1:].set(0)
    result["position embeddings zeroed"] = accuracy(no_positions, x_BHWC)
    return result


def plot_attention(model: ViT, raw_BHWC, x_BHWC, labels, out: pathlib.Path) -> None:
    attention = class_token_attention(model, x_BHWC)
    blocks, count = attention.shape[:2]
    side = model.image_size
    plt = pyplot()
    fig, axes = plt.subplots(count, blocks + 1, figsize=(1.6 * (blocks + 1), 1.6 * count),
                             squeeze=False)
    for row in range(count):
        axes[row, 0].imshow(raw_BHWC[row, ..., 0], cmap="gray_r")
        axes[row, 0].set_title(f"label {labels[row]}", fontsize=8)
        for block in range(blocks):
            ax = axes[row, block + 1]
            # One cell per patch, stretched over its pixels; the digit's outline on top.
            ax.imshow(attention[block, row], cmap="viridis", vmin=0,
                      extent=(-0.5, side - 0.5, side - 0.5, -0.5))
            ax.contour(raw_BHWC[row, ..., 0], levels=[96], colors="white", linewidths=0.8)
            ax.set_title(f"block {block + 1}: cls {1 - attention[block, row].sum():.2f}",
                         fontsize=7)
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    fig.suptitle("class token's attention over the patches (mean of heads);\n"
                 "'cls': weight on itself", fontsize=8)
    save(fig, out)


def plot_positions(model: ViT, out: pathlib.Path) -> None:
    similarity = position_similarity(model)
    grid = model.image_size // model.patch_size
    plt = pyplot()
    fig, axes = plt.subplots(grid, grid, figsize=(1.1 * grid, 1.1 * grid), squeeze=False)
    for patch, ax in enumerate(axes.flat):
        ax.imshow(similarity[patch].reshape(grid, grid), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.plot(patch % grid, patch // grid, "k.", markersize=3)
        ax.set(xticks=[], yticks=[])
    fig.suptitle("cosine similarity of each patch's position embedding (dot) to all others",
                 fontsize=8)
    save(fig, out)


def plot_data_sweep(workdirs, out: pathlib.Path) -> None:
    """Final test accuracy against the number of training images, one colour per model, one point
    per run: how the gap between the architectures grows as the data shrinks."""
    by_model: dict[str, list[tuple[int, float]]] = {}
    for workdir in workdirs:
        cfg = config_lib.from_json_file(pathlib.Path(workdir) / "config.json")
        d = cfg.data
        train_size = len(images.load_splits(d.dataset, val_fraction=d.val_fraction,
                                            seed=d.split_seed)["train"]["labels"])
        test = [m["test/accuracy"] for m in read_metrics(workdir) if "test/accuracy" in m][-1]
        by_model.setdefault(cfg.model.name, []).append((train_size, test))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.8, 3.4))
    for name, points in sorted(by_model.items()):
        sizes, accuracies = zip(*sorted(points))
        line = ax.plot(sizes, accuracies, "o", alpha=0.6, label=name)[0]
        means = {n: np.mean([a for m, a in points if m == n]) for n in set(sizes)}
        ax.plot(sorted(means), [means[n] for n in sorted(means)], "-", color=line.get_color())
    ax.set(xscale="log", xlabel="training images", ylabel="test accuracy (360 images)",
           title="digits: test accuracy vs data (dots: seeds, line: mean)")
    ax.grid(alpha=0.3)
    ax.legend()
    save(fig, out)


def forward_flops(model: ViT, in_channels: int, num_classes: int) -> int:
    """Multiply-adds x 2 of one image's forward pass: the matmuls and the attention products
    (LayerNorm, GELU, softmax are a few percent at these widths and are left out)."""
    p, width = model.patch_size, model.position_embedding.shape[1]
    patches, tokens = model.num_patches, model.num_patches + 1
    hidden = model.blocks[0].mlp.up.kernel.shape[1]
    per_block = 2 * tokens * (width * 3 * width + width * width + 2 * width * hidden)
    per_block += 2 * 2 * tokens * tokens * width  # q k^T and attention x v
    return (2 * patches * p * p * in_channels * width + len(model.blocks) * per_block
            + 2 * width * num_classes)


def load_config(name: str):
    """experiments/vit/<name>.py's get_config(preset), from "name[:preset]" as --config reads
    it."""
    stem, _, preset = name.partition(":")
    path = pathlib.Path(__file__).resolve().parents[2] / "experiments" / "vit" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(preset)


def arithmetic(name: str) -> dict:
    """Tokens, parameters and FLOPs of a vit config (no data loaded, no weights drawn)."""
    cfg = load_config(name)
    side, channels = CONFIGS[name]
    spec = ml_collections.ConfigDict(dict(image_size=side, in_channels=channels, num_classes=10))
    model = nnx.eval_shape(lambda: image_task.build_model(cfg, spec, nnx.Rngs(0)))
    model.eval()
    x = jax.ShapeDtypeStruct((1, side, side, channels), np.float32)
    graphdef, state = nnx.split(model)
    compiled = jax.jit(lambda s, x: nnx.merge(graphdef, s)(x)).lower(state, x).compile()
    flops = forward_flops(model, channels, 10)
    # Training costs about 3 forward passes (the backward pass is about two).
    run = 3 * flops * cfg.data.batch_size * cfg.train.steps
    return {"config": name, "tokens": model.num_patches + 1,
            "params": sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param))),
            "forward_flops": flops, "xla_forward_flops": int(compiled.cost_analysis()["flops"]),
            "run_flops": run, "steps": cfg.train.steps, "batch": cfg.data.batch_size}


def main(argv):
    del argv
    for name in CONFIGS:
        a = arithmetic(name)
        print(f"{a['config']:18s} tokens {a['tokens']:3d} | params {a['params']:>9,} | forward "
              f"{a['forward_flops'] / 1e6:8.2f} MFLOP/image "
              f"(XLA {a['xla_forward_flops'] / 1e6:8.2f}) | run {a['steps']:,} x {a['batch']} "
              f"x 3 fwd = {a['run_flops']:.2e} FLOP")
    if flags.FLAGS.sweep_runs:
        plot_data_sweep(flags.FLAGS.sweep_runs, pathlib.Path(flags.FLAGS.out) / "data_sweep.png")
    if cli.WORKDIR.value is None:
        return
    model, cfg, spec = checkpoint.load_model(cli.WORKDIR.value, image_task)
    model.eval()
    val = images.load_splits(cfg.data.dataset, val_fraction=cfg.data.val_fraction,
                             seed=cfg.data.split_seed)["val"]
    normalize = images.Normalize(spec.mean, spec.std)
    x_val = normalize.map({"images": val["images"]})["images"]
    for name, value in position_ablation(model, x_val, val["labels"]).items():
        print(f"val accuracy, {name}: {value:.4f}")
    # The first validation image of each of the first classes.
    rows = [int(np.flatnonzero(val["labels"] == k)[0]) for k in range(flags.FLAGS.examples)]
    raw = val["images"][rows]
    x = normalize.map({"images": raw})["images"]
    out = pathlib.Path(flags.FLAGS.out)
    plot_attention(model, raw, x, val["labels"][rows], out / "attention.png")
    plot_positions(model, out / "positions.png")


if __name__ == "__main__":
    # Defined here, not on import: tests import this module beside others that define --out.
    # --workdir is jaxdl.cli's flag: a finished vit run; without it only the arithmetic prints.
    flags.DEFINE_string("out", "experiments/vit/figures", "Folder for the PNGs.")
    flags.DEFINE_integer("examples", 6, "Validation images in the attention figure.")
    flags.DEFINE_list("sweep_runs", [], "Finished image-task runs (any model, any training-set "
                      "size) for data_sweep.png.")
    cli.main(main)
