"""JAX for PyTorch users: runs the demos of experiments/jax_basics/README.md, prints every result
and draws the figures. The demos are `jaxdl.studies.jax_basics` (arrays, autodiff, jit, vmap)
and `jaxdl.studies.jax_basics_training` (a grain pipeline and an nnx MLP on digits).

  python -m jaxdl.experiments.jax_basics    # prints every demo's result, writes the figures
"""

import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags

from jaxdl.figures import pyplot, save
from jaxdl.studies.jax_basics import (Graph, arrays_demo, autodiff_demo, jaxpr_graph, layout,
                                      neuron_example, neuron_loss, per_example_grads, time_jit,
                                      traced_shapes)
from jaxdl.studies.jax_basics_training import (DigitsSource, digits_pipeline, digits_split,
                                               pixel_stats, shift_between, train_digits,
                                               worker_demo)

FIGURES = flags.DEFINE_string("figures", "experiments/jax_basics/figures", "Where to write the PNGs.")
WORKERS = flags.DEFINE_integer("workers", 2, "Worker processes for the grain demo (0: skip it).")


def plot_graphs(graphs: dict[str, Graph], out):
    plt = pyplot()
    colors = {"input": "#dddddd", "forward": "#9ecae1", "backward": "#fdae6b", "output": "#ffffff"}
    positions = [layout(graph) for graph in graphs.values()]
    widths = [np.ptp(xy[:, 0]) + 1.6 for xy in positions]
    fig, axes = plt.subplots(1, len(graphs), figsize=(2.2 * sum(widths), 9), dpi=110,
                             gridspec_kw={"width_ratios": widths})
    drawn = []
    for ax, (title, graph), xy in zip(np.atleast_1d(axes), graphs.items(), positions):
        boxes = [ax.text(x, y, label, ha="center", va="center", fontsize=8, family="monospace", zorder=3,
                         bbox=dict(boxstyle="round", fc=colors[kind], ec="#555555"))
                 for (x, y), label, kind in zip(xy, graph.labels, graph.kinds)]
        ax.set(xlim=(xy[:, 0].min() - 0.8, xy[:, 0].max() + 0.8), ylim=(xy[:, 1].min() - 0.6, 0.6),
               title=title)
        ax.axis("off")
        drawn.append((ax, graph, xy, boxes))
    handles = [plt.Rectangle((0, 0), 1, 1, fc=c, ec="#555555") for c in colors.values()]
    fig.legend(handles, ["input", "forward pass", "backward pass (gradient)", "output"],
               loc="lower center", ncol=4)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.canvas.draw()  # sizes the boxes, so that each arrow can end at the edge of its box
    for ax, graph, xy, boxes in drawn:
        edges_y = [b.get_bbox_patch().get_window_extent().transformed(ax.transData.inverted()) for b in boxes]
        for parent, child in graph.edges:
            skips_rows = xy[parent, 1] - xy[child, 1] > 1  # bend it, so it passes beside the nodes between
            ax.annotate("", xy=(xy[child, 0], edges_y[child].y1), xytext=(xy[parent, 0], edges_y[parent].y0),
                        zorder=1, arrowprops=dict(arrowstyle="->", color="#777777", shrinkA=0, shrinkB=1,
                                                  connectionstyle=f"arc3,rad={0.25 if skips_rows else 0}"))
    save(fig, out)  # at dpi 110, the figure's own, which the box sizes above were measured at


def plot_pipeline(source: DigitsSource, out, columns=8):
    """The first examples of epoch 1, and the same examples in epoch 2: each epoch has its own
    order and its own random shifts."""
    plt = pyplot()
    elements = digits_pipeline(source, seed=0, batch_size=1, epochs=2, augment=True)  # one per batch
    n = len(source)
    epoch2_position = {int(elements[n + j]["index"][0]): j for j in range(n)}
    fig, axes = plt.subplots(3, columns, figsize=(1.45 * columns, 5.6))
    for c in range(columns):
        first = elements[c]
        index = int(first["index"][0])
        original = source[int(np.searchsorted(source.indices, index))]["image"]
        second = elements[n + epoch2_position[index]]
        panels = ((original, f"#{index}, label {first['label'][0]}"),
                  (first["image"][0], f"position {c}"),
                  (second["image"][0], f"position {epoch2_position[index]}"))
        for r, (image, caption) in enumerate(panels):
            if r:
                caption += "\nshift {:+d},{:+d}".format(*shift_between(original, image))
            axes[r, c].imshow(image, cmap="gray_r", vmin=0, vmax=16)
            axes[r, c].set(xticks=[], yticks=[])
            axes[r, c].set_title(caption, fontsize=8)
    for r, name in enumerate(("source", "epoch 1", "epoch 2")):
        axes[r, 0].set_ylabel(name)
    fig.suptitle("grain: source -> shuffle(seed=0) -> repeat(2) -> random_map(random_shift, seed=1)")
    fig.tight_layout()
    save(fig, out)


def main(argv):
    del argv
    figures = pathlib.Path(FIGURES.value)
    print(f"JAX {jax.__version__} on {jax.devices()}")

    print("== arrays")
    for key, value in arrays_demo().items():
        print(f"  {key}: {value}".replace("\n", "\n    "))

    print("== autodiff (float64)")
    facts = autodiff_demo()
    print(f"  neuron loss {facts['loss']:.6f}, grad_w {facts['grad_w']}, grad_b {facts['grad_b']:.6f}")
    difference = np.abs(facts["grad_w"] - facts["finite_difference_grad_w"]).max()
    print(f"  max |grad_w - central differences| = {difference:.1e}")
    print(f"  jacobian of squash:\n{facts['jacobian']}")
    print(f"  jvp  J @ v = {facts['jvp']}  (J @ v computed: {facts['jacobian'] @ facts['v']})")
    print(f"  vjp  u @ J = {facts['vjp']}  (u @ J computed: {facts['u'] @ facts['jacobian']})")
    print(f"  Hessian of Rosenbrock at (1, 1):\n{facts['rosenbrock_hessian_at_min']}")
    example = tuple(jnp.asarray(a, jnp.float32) for a in neuron_example())
    graphs = {
        "jax.make_jaxpr(neuron_loss)": jaxpr_graph(neuron_loss, example, "wbxy", ["loss"]),
        "jax.make_jaxpr(jax.value_and_grad(neuron_loss, argnums=(0, 1)))":
            jaxpr_graph(jax.value_and_grad(neuron_loss, argnums=(0, 1)), example, "wbxy",
                        ["loss", "dloss/dw", "dloss/db"]),
    }
    print(jax.make_jaxpr(neuron_loss)(*example))
    for title, graph in graphs.items():
        counts = {k: graph.kinds.count(k) for k in ("forward", "backward")}
        print(f"  {title}: {counts['forward']} forward and {counts['backward']} backward primitives")
    plot_graphs(graphs, figures / "graph.png")

    grads_w, grads_b = per_example_grads(*example)
    print(f"  per-example gradients {grads_w.shape}, {grads_b.shape}; their mean is the batch gradient: "
          f"{np.allclose(grads_w.mean(0), jax.grad(neuron_loss)(*example), atol=1e-6)}")

    print("== jit")
    print(f"  shapes traced for calls with (3,), (3,), (4,), (3,): {traced_shapes()}")
    for size, t in time_jit().items():
        print(f"  elementwise_chain on {size:,} floats: eager {t['eager']:.3f} ms, jit {t['jit']:.3f} ms "
              f"(first jit call {t['first_jit_call']:.1f} ms), {t['eager'] / t['jit']:.1f}x")

    print("== grain pipeline and an nnx MLP on digits")
    train_source, test_source = digits_split()
    mean, std = pixel_stats(train_source)
    print(f"  {len(train_source)} train / {len(test_source)} test images; train pixels mean {mean:.3f} "
          f"std {std:.3f}")
    plot_pipeline(train_source, figures / "pipeline.png")
    for augment in (False, True):
        history = train_digits(augment=augment)
        print(f"  MLP ({history['params']:,} parameters), augment={augment}: test accuracy per epoch "
              + " ".join(f"{a:.3f}" for a in history["test_accuracy"]))
    if WORKERS.value:
        result = worker_demo(train_source, WORKERS.value)
        print(f"  {WORKERS.value} workers: first batch after {result['first_batch_seconds']:.1f} s, "
              f"same batches as without workers: {result['same_batches_as_without_workers']}")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
