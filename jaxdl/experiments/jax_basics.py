"""JAX for PyTorch users: the runnable demos behind experiments/jax_basics/README.md.

  python -m jaxdl.experiments.jax_basics    # prints every demo's result, writes the figures

Arrays and random keys; autodiff (grad, value_and_grad, vjp, jvp, jacobians) and the graph JAX
differentiates (a jaxpr); jit and vmap; an `nnx.Module` trained with `nnx.Optimizer`; and a grain
input pipeline on scikit-learn's digits (shuffle, augment, normalise, batch, workers, resume).
tests/test_jax_basics.py checks what the article says about each.
"""

import dataclasses
import functools
import pathlib
import time

import grain
import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import flags
from flax import nnx
from jax.extend.core import Var
from sklearn.datasets import load_digits

FIGURES = flags.DEFINE_string("figures", "experiments/jax_basics/figures", "Where to write the PNGs.")
WORKERS = flags.DEFINE_integer("workers", 2, "Worker processes for the grain demo (0: skip it).")


# ---- arrays and random numbers ---------------------------------------------------------------------


def arrays_demo() -> dict:
    """Facts the article states about jax.numpy arrays and jax.random."""
    x = jnp.arange(6.0).reshape(2, 3)
    y = x.at[0, 1].set(100.0)  # arrays are immutable: .at[...] returns an updated copy
    key = jax.random.key(0)
    left, right = jax.random.split(key)
    return {
        "dtype": str(x.dtype),  # float32 unless jax_enable_x64 is on
        "original_after_set": np.asarray(x),
        "updated": np.asarray(y),
        "same_key_same_numbers": bool(jnp.array_equal(jax.random.normal(key, (3,)),
                                                       jax.random.normal(key, (3,)))),
        "split_keys_differ": not bool(jnp.array_equal(jax.random.normal(left, (3,)),
                                                       jax.random.normal(right, (3,)))),
        "device": str(x.device),
    }


# ---- autodiff ----------------------------------------------------------------------------------------


def neuron_loss(w, b, x, y):
    """Squared error of one tanh neuron: mean((tanh(x @ w + b) - y)^2)."""
    return jnp.mean((jnp.tanh(x @ w + b) - y) ** 2)


def neuron_example():
    """Fixed inputs for the neuron: w [3], b [], x [4, 3], y [4]."""
    rng = np.random.default_rng(0)
    return (rng.standard_normal(3), np.array(0.1), rng.standard_normal((4, 3)), rng.standard_normal(4))


def squash(v):
    """A function R^3 -> R^2, to show jacobians and the vector products they stand for."""
    return jnp.stack([jnp.sin(v[0]) * v[1], v[1] * v[2] ** 2])


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def autodiff_demo() -> dict:
    """grad, value_and_grad, jvp, vjp and jacobians, in float64 so finite differences are sharp."""
    with jax.enable_x64(True):
        w, b, x, y = (jnp.asarray(a) for a in neuron_example())
        loss, (grad_w, grad_b) = jax.value_and_grad(neuron_loss, argnums=(0, 1))(w, b, x, y)
        h = 1e-6  # central differences: error O(h^2) plus rounding O(eps / h)
        finite_w = np.array([(neuron_loss(w + h * e, b, x, y) - neuron_loss(w - h * e, b, x, y)) / (2 * h)
                             for e in np.eye(3)])

        v = jnp.array([0.3, -1.2, 2.0])
        u_out, v_in = jnp.array([1.0, -2.0]), jnp.array([0.5, 1.0, -1.0])
        value, jvp_out = jax.jvp(squash, (v,), (v_in,))  # J @ v_in, one forward pass
        value_again, pullback = jax.vjp(squash, v)       # u_out @ J, one backward pass
        (vjp_out,) = pullback(u_out)
        return {
            "loss": float(loss), "grad_w": np.asarray(grad_w), "grad_b": float(grad_b),
            "finite_difference_grad_w": finite_w,
            "jacobian": np.asarray(jax.jacfwd(squash)(v)),   # built from 3 jvps (one per input)
            "jacobian_rev": np.asarray(jax.jacrev(squash)(v)),  # built from 2 vjps (one per output)
            "jvp": np.asarray(jvp_out), "vjp": np.asarray(vjp_out), "u": np.asarray(u_out),
            "v": np.asarray(v_in), "value": np.asarray(value), "value_again": np.asarray(value_again),
            "rosenbrock_hessian_at_min": np.asarray(jax.hessian(rosenbrock)(jnp.array([1.0, 1.0]))),
        }


def per_example_grads(w, b, x, y):
    """Each example's gradient, [N, 3] and [N]: the gradient of one example's loss, vmapped over
    the batch (PyTorch needs torch.func or a loop for this)."""

    def example_loss(w, b, xi, yi):
        return neuron_loss(w, b, xi[None], yi[None])

    return jax.vmap(jax.grad(example_loss, argnums=(0, 1)), in_axes=(None, None, 0, 0))(w, b, x, y)


@dataclasses.dataclass
class Graph:
    """A jaxpr as a drawable graph: inputs, one node per primitive, outputs."""
    labels: list[str]
    kinds: list[str]  # "input", "forward", "backward" or "output"
    depth: list[int]  # longest path from an input: the drawing's row
    edges: list[tuple[int, int]]


def jaxpr_graph(fn, args, input_names, output_names) -> Graph:
    """Traces fn(*args) to its jaxpr. Nodes that the first output depends on are "forward"; the
    others (only the gradient needs them) are "backward"."""
    jaxpr = jax.make_jaxpr(fn)(*args).jaxpr
    labels, kinds, depth, edges, producer = [], [], [], [], {}

    def add(label, kind, parents):
        labels.append(label)
        kinds.append(kind)
        depth.append(1 + max((depth[p] for p in parents), default=-1))
        edges.extend((p, len(labels) - 1) for p in parents)
        return len(labels) - 1

    for name, var in zip(input_names, jaxpr.invars):
        producer[var] = add(f"{name}\n{var.aval.str_short()}", "input", [])
    for eqn in jaxpr.eqns:
        parents = sorted({producer[v] for v in eqn.invars if isinstance(v, Var) and v in producer})
        node = add(f"{eqn.primitive.name}\n{eqn.outvars[0].aval.str_short()}", "backward", parents)
        producer.update((v, node) for v in eqn.outvars)
    for name, var in zip(output_names, jaxpr.outvars):
        add(name, "output", [producer[var]])

    forward, frontier = set(), [producer[jaxpr.outvars[0]]]
    while frontier:  # walk back from the first output
        node = frontier.pop()
        if node not in forward:
            forward.add(node)
            frontier.extend(p for p, child in edges if child == node)
    kinds = ["forward" if k == "backward" and i in forward else k for i, k in enumerate(kinds)]
    return Graph(labels, kinds, depth, edges)


def layout(graph: Graph) -> np.ndarray:
    """x, y of each node. Row = depth, except that a node without parents (an input, a constant)
    sits just above its first consumer. Within a row, nodes are ordered by the mean x of their
    neighbours, sweeping down, up and down again: fewer crossing edges."""
    n = len(graph.labels)
    parents = [[p for p, c in graph.edges if c == i] for i in range(n)]
    children = [[c for p, c in graph.edges if p == i] for i in range(n)]
    row = list(graph.depth)
    for i in range(n):
        if not parents[i] and children[i]:
            row[i] = min(graph.depth[c] for c in children[i]) - 1
    rows = [[i for i in range(n) if row[i] == r] for r in range(max(row) + 1)]
    xy = np.zeros((n, 2))

    def place(nodes, neighbours):
        nodes.sort(key=lambda i: np.mean([xy[j, 0] for j in neighbours[i]]) if neighbours[i] else xy[i, 0])
        for slot, i in enumerate(nodes):
            xy[i] = (slot - (len(nodes) - 1) / 2, -row[i])

    for nodes in rows:
        place(nodes, [[]] * n)
    for order, neighbours in ((rows, parents), (rows[::-1], children), (rows, parents)):
        for nodes in order:
            place(nodes, neighbours)
    return xy


# ---- jit and vmap --------------------------------------------------------------------------------------


def traced_shapes() -> list[tuple]:
    """jit runs the Python function once per new input shape (tracing), then reuses the compiled code."""
    traced = []

    @jax.jit
    def double(x):
        traced.append(x.shape)  # a Python side effect: happens while tracing only
        return 2 * x

    for shape in [(3,), (3,), (4,), (3,)]:
        double(jnp.ones(shape))
    return traced


def elementwise_chain(x):
    """60 small elementwise ops: eager JAX runs 60 kernels, jit fuses them into one."""
    for _ in range(20):
        x = jnp.tanh(x) * 0.9 + 0.1 * x
    return x


def time_jit(sizes=(100, 10_000, 1_000_000), repeats=20) -> dict:
    """ms per call of elementwise_chain, eager and jitted (best of `repeats`, the two alternating,
    so that a busy moment of a shared machine hits both), and the first jitted call (tracing and
    compiling included)."""
    jitted = jax.jit(elementwise_chain)
    results = {}
    for size in sizes:
        x = jnp.linspace(-3, 3, size)
        start = time.perf_counter()
        jitted(x).block_until_ready()
        first_call = 1e3 * (time.perf_counter() - start)
        results[size] = {"first_jit_call": first_call, "eager": np.inf, "jit": np.inf}
        for _ in range(repeats):
            for name, fn in (("eager", elementwise_chain), ("jit", jitted)):
                start = time.perf_counter()
                fn(x).block_until_ready()
                results[size][name] = min(results[size][name], 1e3 * (time.perf_counter() - start))
    return results


# ---- data: a grain pipeline, next to torch.utils.data ----------------------------------------------------


class DigitsSource:
    """scikit-learn's 1,797 8x8 digits as a random-access source (PyTorch: a map-style Dataset)."""

    def __init__(self, indices: np.ndarray):
        digits = load_digits()
        self.images = digits.images[indices].astype(np.float32)  # pixel values 0..16
        self.labels = digits.target[indices]
        self.indices = indices

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"image": self.images[i], "label": self.labels[i], "index": self.indices[i]}


def digits_split(test_fraction=0.2, seed=0) -> tuple[DigitsSource, DigitsSource]:
    order = np.random.default_rng(seed).permutation(1797)
    n_test = int(test_fraction * len(order))
    return DigitsSource(np.sort(order[n_test:])), DigitsSource(np.sort(order[:n_test]))


def random_shift(example, rng: np.random.Generator):
    """Augmentation: move the digit by up to one pixel in each direction, filling with background."""
    dy, dx = rng.integers(-1, 2, size=2)
    padded = np.pad(example["image"], 1)
    shifted = padded[1 - dy:9 - dy, 1 - dx:9 - dx]
    return example | {"image": shifted}


def normalize(example, mean: float, std: float):
    return example | {"image": (example["image"] - mean) / std}


def digits_pipeline(source: DigitsSource, *, seed: int, batch_size: int, epochs: int = 1,
                    augment: bool = False, mean: float = 0.0, std: float = 1.0) -> grain.MapDataset:
    """shuffle -> repeat -> (augment) -> normalise -> batch. Every step is a pure function of the
    element's position and the seed: batch i is the same whenever and wherever it is computed."""
    dataset = grain.MapDataset.source(source).shuffle(seed=seed).repeat(epochs)  # new order each epoch
    if augment:
        dataset = dataset.random_map(random_shift, seed=seed + 1)  # rng from (seed, position)
    dataset = dataset.map(functools.partial(normalize, mean=mean, std=std))
    return dataset.batch(batch_size, drop_remainder=True)


def pixel_stats(source: DigitsSource) -> tuple[float, float]:
    """Mean and standard deviation of the training pixels: what normalisation subtracts and divides."""
    return float(source.images.mean()), float(source.images.std())


# ---- nnx.Module, next to torch.nn.Module -------------------------------------------------------------------


class MLP(nnx.Module):
    """64 pixels -> hidden (ReLU, dropout) -> 10 logits."""

    def __init__(self, hidden: int, dropout: float, *, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(64, hidden, rngs=rngs)
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.out = nnx.Linear(hidden, 10, rngs=rngs)

    def __call__(self, images):
        x = images.reshape(images.shape[0], -1)
        return self.out(self.dropout(jax.nn.relu(self.hidden(x))))


def loss_fn(model, images, labels):
    return optax.softmax_cross_entropy_with_integer_labels(model(images), labels).mean()


@nnx.jit
def train_step(model, optimizer, images, labels):
    loss, grads = nnx.value_and_grad(loss_fn)(model, images, labels)
    optimizer.update(model, grads)  # in place: the model's Params change
    return loss


@nnx.jit
def count_correct(model, images, labels):
    return (model(images).argmax(axis=1) == labels).sum()


def train_digits(epochs=10, batch_size=32, lr=3e-3, augment=False, seed=0) -> dict:
    """The whole loop: grain batches -> nnx model -> optax Adam; test accuracy per epoch."""
    train_source, test_source = digits_split()
    mean, std = pixel_stats(train_source)
    model = MLP(hidden=64, dropout=0.1, rngs=nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.adam(lr), wrt=nnx.Param)
    test = digits_pipeline(test_source, seed=seed, batch_size=len(test_source), mean=mean, std=std)[0]
    steps_per_epoch = len(train_source) // batch_size
    batches = iter(digits_pipeline(train_source, seed=seed, batch_size=batch_size, epochs=epochs,
                                   augment=augment, mean=mean, std=std).to_iter_dataset())
    history = {"loss": [], "test_accuracy": []}
    for epoch in range(epochs):
        model.train()  # dropout on
        for _ in range(steps_per_epoch):
            batch = next(batches)
            history["loss"].append(float(train_step(model, optimizer, batch["image"], batch["label"])))
        model.eval()  # dropout off
        correct = count_correct(model, test["image"], test["label"])
        history["test_accuracy"].append(float(correct) / len(test_source))
    history["params"] = sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param)))
    return history


# ---- figures and main --------------------------------------------------------------------------------


def plot_graphs(graphs: dict[str, Graph], out):
    import matplotlib.pyplot as plt

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
    fig.savefig(out)  # at the figure's own dpi, which the box sizes above were measured at
    plt.close(fig)


def shift_between(original, shifted) -> tuple[int, int]:
    """The (dy, dx) that random_shift applied: the one that reproduces `shifted`."""
    padded = np.pad(original, 1)
    return next((int(dy), int(dx)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                if np.array_equal(padded[1 - dy:9 - dy, 1 - dx:9 - dx], shifted))


def plot_pipeline(source: DigitsSource, out, columns=8):
    """The first examples of epoch 1, and the same examples in epoch 2: each epoch has its own
    order and its own random shifts."""
    import matplotlib.pyplot as plt

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
    fig.savefig(out, dpi=110)
    plt.close(fig)


def worker_demo(source: DigitsSource, workers: int) -> dict:
    """The same pipeline read by worker processes: start-up time and whether the batches match."""
    dataset = digits_pipeline(source, seed=0, batch_size=32, augment=True)
    start = time.perf_counter()
    parallel = iter(dataset.to_iter_dataset().mp_prefetch(grain.MultiprocessingOptions(num_workers=workers)))
    first = next(parallel)
    startup = time.perf_counter() - start
    batches = [first] + [next(parallel) for _ in range(len(dataset) - 1)]
    parallel.close()  # stops the workers and frees their shared memory
    same = all(np.array_equal(a["image"], dataset[i]["image"]) for i, a in enumerate(batches))
    return {"first_batch_seconds": startup, "same_batches_as_without_workers": same}


def main(argv):
    import matplotlib

    matplotlib.use("Agg")
    del argv
    figures = pathlib.Path(FIGURES.value)
    figures.mkdir(parents=True, exist_ok=True)
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
    print(f"wrote {', '.join(sorted(p.name for p in figures.glob('*.png')))} to {figures}")


if __name__ == "__main__":
    from jaxdl import cli  # one-line errors for what a user can fix

    cli.main(main)
