"""Normalization and initialization in a deep MLP on scikit-learn's digits: the spread of the
activations and of the weight gradients layer by layer, at initialization and after training,
without normalization and with BatchNorm or LayerNorm (jaxdl.nn.norms), from naive N(0, 1),
Xavier and Kaiming weights; and the training losses those nine networks reach at each of five
learning rates.

  python -m jaxdl.experiments.normalization    # prints the article's numbers, writes its figures

Training runs through the training loop's own jitted step (jaxdl.step), which switches BatchNorm
with model.train() / model.eval() and carries its running statistics. Everything is seeded: a
rerun prints the same numbers.
"""

import functools
import math
import pathlib
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from absl import app, flags
from flax import nnx
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from sklearn.datasets import load_digits

from jaxdl import losses, step
from jaxdl.nn import norms
from jaxdl.nn.layers import Dense
from jaxdl.state import TrainState

OUT = flags.DEFINE_string("out", "experiments/normalization/figures", "Where to write the PNGs.")

DEPTH, WIDTH, CLASSES = 20, 64, 10
BATCH, STEPS, MOMENTUM = 64, 200, 0.9
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1)  # every network trains at each; the best is kept
BN_CHECKS = (10, 50, STEPS)  # steps at which BatchNorm's two modes are compared on the test set

# The standard deviation of a layer's weights, from its fan-in and fan-out.
INIT_STD = {
    "naive N(0, 1)": lambda fan_in, fan_out: 1.0,
    # Glorot and Bengio (2010): Var(W) = 2 / (fan_in + fan_out) keeps the variance of the
    # activations and of the gradients roughly constant through linear (or tanh) layers.
    "Xavier": lambda fan_in, fan_out: math.sqrt(2.0 / (fan_in + fan_out)),
    # He et al. (2015): ReLU zeroes half of its inputs, halving E[h^2]; Var(W) = 2 / fan_in
    # doubles it back.
    "Kaiming": lambda fan_in, fan_out: math.sqrt(2.0 / fan_in),
}
CONFIGS = [(init, lr) for init in INIT_STD for lr in LEARNING_RATES]
NORMS = {"none": None, "BatchNorm": norms.BatchNorm, "LayerNorm": norms.LayerNorm}
ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh}
COLORS = {"none": "#444444", "BatchNorm": "#1f77b4", "LayerNorm": "#d62728",
          "naive N(0, 1)": "#d62728", "Xavier": "#2ca02c", "Kaiming": "#1f77b4"}


class DeepMLP(nnx.Module):
    """DEPTH hidden layers of Linear -> normalization (or nothing) -> activation, then a linear
    head. Normalizing before the activation is where the BatchNorm paper puts it."""

    def __init__(self, *, init: str, norm: str, activation: str = "relu", rngs: nnx.Rngs):
        sizes = [64] + [WIDTH] * DEPTH
        self.hidden = nnx.List([
            Dense(d_in, d_out, (None, None), std=INIT_STD[init](d_in, d_out), rngs=rngs)
            for d_in, d_out in zip(sizes[:-1], sizes[1:])])
        self.norms = (nnx.List([NORMS[norm](WIDTH) for _ in range(DEPTH)])
                      if NORMS[norm] else None)
        self.head = Dense(WIDTH, CLASSES, (None, None), std=INIT_STD[init](WIDTH, CLASSES),
                          rngs=rngs)
        self.activation = activation

    def hidden_outputs(self, x):
        outputs = []
        for i, layer in enumerate(self.hidden):
            x = layer(x)
            if self.norms is not None:
                x = self.norms[i](x)
            x = ACTIVATIONS[self.activation](x)
            outputs.append(x)
        return outputs

    def __call__(self, x):
        return self.head(self.hidden_outputs(x)[-1])


def loss_fn(model, batch, rng):
    return losses.cross_entropy(model(batch["x"]), batch["y"]), {}


# ---- data ---------------------------------------------------------------------------------------


def digits_split(seed=0, train_fraction=0.6):
    """scikit-learn's 1,797 digits, pixels scaled to [0, 1]: 1,078 to train, 719 to test."""
    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(train_fraction * len(y))
    return {"x": X[order[:cut]], "y": y[order[:cut]]}, {"x": X[order[cut:]], "y": y[order[cut:]]}


def batches(train, seed=0):
    """STEPS batches of BATCH training examples drawn without replacement within a batch; the
    same batches for every network."""
    rng = np.random.default_rng(seed)
    for _ in range(STEPS):
        rows = rng.choice(len(train["y"]), BATCH, replace=False)
        yield {"x": train["x"][rows], "y": train["y"][rows]}


# ---- measurements -------------------------------------------------------------------------------


def mean_cosine(h):
    """The mean cosine similarity between the hidden vectors of different examples: near 1 when
    the layer maps every input to the same direction and the examples become indistinguishable."""
    unit = h / jnp.maximum(jnp.linalg.norm(h, axis=1, keepdims=True), 1e-30)
    n = h.shape[0]
    return ((unit @ unit.T).sum() - jnp.trace(unit @ unit.T)) / (n * (n - 1))


def spread(h):
    """The standard deviation of h, taken at the scale of max |h|: squaring an activation of
    1e20 overflows float32 (naive init, no normalization, reaches that)."""
    scale = jnp.maximum(jnp.abs(h).max(), 1e-30)
    return scale * (h / scale).std()


@functools.partial(jax.jit, static_argnums=0)
def layer_statistics(graphdef, params, rest, batch):
    """Per hidden layer: the standard deviation of its output over the batch and its units, the
    norm of the loss gradient in its weight matrix, and the mean cosine between the outputs of
    different examples. Train mode (BatchNorm uses the batch's
    statistics); the running statistics it updates here are thrown away."""
    def loss(params):
        # A copy of `rest` made in this trace, so BatchNorm may update it here (as in jaxdl.step).
        model = nnx.merge(graphdef, params, jax.tree.map(lambda x: x, rest))
        model.train()
        return loss_fn(model, batch, None)[0]

    model = nnx.merge(graphdef, params, rest)
    model.train()
    outputs = model.hidden_outputs(batch["x"])
    stds = jnp.stack([spread(h) for h in outputs])
    cosines = jnp.stack([mean_cosine(h) for h in outputs])
    grads = jax.grad(loss)(params)
    grad_norms = jnp.stack([jnp.linalg.norm(grads["hidden"][i]["kernel"][...])
                            for i in range(DEPTH)])
    return stds, grad_norms, cosines


@functools.partial(jax.jit, static_argnums=(0, 4))
def evaluate(graphdef, params, rest, data, use_running_average=True):
    """Mean loss and accuracy over `data` as one batch; BatchNorm in eval mode (running
    averages) or, with use_running_average=False, with the statistics of `data` itself."""
    model = nnx.merge(graphdef, params, rest)
    if use_running_average:
        model.eval()
    else:
        model.train()
    logits = model(data["x"])
    return losses.cross_entropy(logits, data["y"]), (logits.argmax(-1) == data["y"]).mean()


@functools.partial(jax.jit, static_argnums=0)
def accuracy_with_recomputed_statistics(graphdef, params, rest, train_data, test_data):
    """Test accuracy in eval mode after replacing BatchNorm's running averages by the statistics
    of the whole training set under the final weights: one pass in train mode with momentum 0."""
    model = nnx.merge(graphdef, params, rest)
    model.set_attributes(momentum=0.0, raise_if_not_found=False)
    model.train()
    model(train_data["x"])
    model.eval()
    return (model(test_data["x"]).argmax(-1) == test_data["y"]).mean()


# ---- training -----------------------------------------------------------------------------------


def stack(trees):
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trees)


def unstack(tree, i):
    return jax.tree.map(lambda leaf: leaf[i], tree)


def train_all(norm, train_data, test_data):
    """Every (init, learning rate) network of one normalization, trained side by side: the same
    graph with stacked parameters, one vmapped call of the training loop's step (jaxdl.step)
    per batch. SGD with momentum; the learning rate lives in the optimizer state
    (inject_hyperparams), so it can differ along the stacked axis.

    Returns graphdef, the final stacked state, the batch losses [STEPS, configs], and the test
    accuracy with BatchNorm's running averages and with the test batch's own statistics at the
    BN_CHECKS steps ({step: [configs, 2]}, BatchNorm only)."""
    replicated = NamedSharding(Mesh(np.array(jax.devices()[:1]), ("data",)), PartitionSpec())
    models = {init: nnx.split(DeepMLP(init=init, norm=norm, rngs=nnx.Rngs(0)), nnx.Param, ...)
              for init in INIT_STD}  # one start per init, shared by its learning rates
    states = []
    for init, lr in CONFIGS:
        graphdef, params, rest = models[init]
        tx = optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=MOMENTUM)
        states.append(TrainState(step=jnp.array(0), params=params, rest=rest,
                                 opt_state=tx.init(params), rng=jax.random.key(0)))
    train_step = step.make_train_step(graphdef, loss_fn, tx, replicated, replicated)
    train_step = jax.jit(jax.vmap(train_step, in_axes=(0, None)))
    both_modes = jax.jit(jax.vmap(
        lambda params, rest: jnp.stack([evaluate(graphdef, params, rest, test_data, mode)[1]
                                        for mode in (True, False)])))
    state, curve, bn_checks = stack(states), [], {}
    for i, batch in enumerate(batches(train_data), start=1):
        state, metrics = train_step(state, batch)
        curve.append(metrics["loss"])
        if norm == "BatchNorm" and i in BN_CHECKS:
            bn_checks[i] = np.asarray(both_modes(state.params, state.model_state))
    return graphdef, state, np.asarray(jnp.stack(curve)), bn_checks


def final_loss(curve):
    """Mean training loss of the last 20 batches; inf if the run diverged."""
    return float(curve[-20:].mean()) if np.isfinite(curve).all() else np.inf


def flax_comparison():
    """Max |ours - flax.nnx| over a random [32, 8, 8, 16] input with random scale and bias, for
    each layer (BatchNorm: after three training calls, then in eval mode); and the max error
    against float64 NumPy of LayerNorm on features near 1e4 with spread 1, ours (two-pass
    variance) and flax's default (E[x^2] - E[x]^2)."""
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(1.0, 3.0, (32, 8, 8, 16)), jnp.float32)
    exact = dict(use_fast_variance=False, rngs=nnx.Rngs(0))
    pairs = {"BatchNorm": (norms.BatchNorm(16), nnx.BatchNorm(16, **exact)),
             "LayerNorm": (norms.LayerNorm(16), nnx.LayerNorm(16, **exact)),
             "RMSNorm": (norms.RMSNorm(16), nnx.RMSNorm(16, **exact)),
             "GroupNorm (4 groups)": (norms.GroupNorm(16, 4), nnx.GroupNorm(16, 4, **exact))}
    report = {}  # BatchNorm is compared after three training calls (statistics updated 3 times)
    for name, (ours, theirs) in pairs.items():
        for attribute in ("scale", "bias"):
            if getattr(ours, attribute, None) is not None:
                value = jnp.asarray(rng.normal(0.5, 1.0, (16,)), jnp.float32)
                getattr(ours, attribute)[...] = value
                getattr(theirs, attribute)[...] = value
        for _ in range(3 if name == "BatchNorm" else 1):
            batch = x + jnp.asarray(rng.normal(0, 1, x.shape), jnp.float32)
            report[name] = float(jnp.abs(ours(batch) - theirs(batch)).max())
        if name == "BatchNorm":
            report["BatchNorm running mean and var"] = max(
                float(jnp.abs(ours.mean[...] - theirs.mean[...]).max()),
                float(jnp.abs(ours.var[...] - theirs.var[...]).max()))
            ours.eval(), theirs.eval()
            report["BatchNorm, eval mode"] = float(jnp.abs(ours(x) - theirs(x)).max())
    far = jnp.asarray(rng.normal(1e4, 1.0, (4, 256)), jnp.float32)
    far64 = np.float64(far)
    expected = ((far64 - far64.mean(-1, keepdims=True))
                / np.sqrt(far64.var(-1, keepdims=True) + 1e-6))
    accuracy = {"ours (two-pass)": norms.LayerNorm(256)(far),
                "flax default (one-pass)": nnx.LayerNorm(256, rngs=nnx.Rngs(0))(far)}
    return report, {name: float(np.abs(y - expected).max()) for name, y in accuracy.items()}


# ---- figures ------------------------------------------------------------------------------------


def plot_init(stats, out):
    import matplotlib.pyplot as plt

    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
    for col, activation in enumerate(ACTIVATIONS):
        for init in INIT_STD:
            stds, grad_norms, _ = stats[activation, init]
            axes[0, col].plot(layers, stds, "o-", ms=3, color=COLORS[init], label=init)
            axes[1, col].plot(layers, grad_norms, "o-", ms=3, color=COLORS[init], label=init)
        axes[0, col].set(title=f"{activation}, no normalization: std of each layer's output",
                         yscale="log")
        axes[1, col].set(title=f"{activation}: norm of the loss gradient in each layer's weights",
                         yscale="log", xlabel="hidden layer")
    for ax in axes.flat:
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{DEPTH} layers of width {WIDTH} at initialization, a batch of 512 digits")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_layer_stats(at_init, trained, best_lr, out):
    import matplotlib.pyplot as plt

    layers = np.arange(1, DEPTH + 1)
    fig, axes = plt.subplots(len(INIT_STD), 3, figsize=(17, 11), sharex=True)
    for row, init in enumerate(INIT_STD):
        for norm in NORMS:
            for col, values in enumerate(at_init[norm, init]):
                axes[row, col].plot(layers, values, "-", color=COLORS[norm],
                                    label=f"{norm}, at init")
            if (norm, init) in trained:
                for col, values in enumerate(trained[norm, init]):
                    axes[row, col].plot(layers, values, "--", color=COLORS[norm],
                                        label=f"{norm}, trained")
        axes[row, 0].set(title=f"{init} init: std of each layer's output", yscale="log")
        axes[row, 1].set(title=f"{init} init: gradient norm in each layer's weights", yscale="log")
        axes[row, 2].set(title=f"{init} init: mean cosine between two examples", ylim=(0, 1.02))
    for ax in axes[-1]:
        ax.set(xlabel="hidden layer")
    labelled = {}
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        for handle, label in zip(*ax.get_legend_handles_labels()):
            labelled.setdefault(label, handle)
    order = [f"{norm}, {when}" for norm in NORMS for when in ("at init", "trained")]
    labels = [label for label in order if label in labelled]
    fig.legend([labelled[label] for label in labels], labels, loc="lower center", ncol=len(labels))
    fig.suptitle(f"ReLU MLP, {DEPTH} layers of width {WIDTH}, a batch of 512 training digits: "
                 f"at init (solid) and after {STEPS} steps at the best learning rate (dashed)")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_training(curves, best_lr, out):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(INIT_STD), figsize=(15, 8.5), sharey="row")
    window = 20
    for col, init in enumerate(INIT_STD):
        top, bottom = axes[0, col], axes[1, col]
        for norm in NORMS:
            finals = [final_loss(curves[norm, init, lr]) for lr in LEARNING_RATES]
            bottom.plot(LEARNING_RATES, np.where(np.isfinite(finals), finals, np.nan), "o-",
                        color=COLORS[norm], label=norm)
            diverged = [lr for lr, final in zip(LEARNING_RATES, finals) if not np.isfinite(final)]
            if diverged:
                bottom.scatter(diverged, [3.0] * len(diverged), marker="x", s=60,
                               color=COLORS[norm], label=f"{norm}: diverged (nan)")
            if (norm, init) not in best_lr:
                top.plot([], [], color=COLORS[norm], ls=":", label=f"{norm}: diverged at every lr")
                continue
            lr = best_lr[norm, init]
            smooth = np.convolve(curves[norm, init, lr], np.ones(window) / window, mode="valid")
            top.plot(np.arange(window, STEPS + 1), smooth, color=COLORS[norm],
                     label=f"{norm}, lr {lr:g}")
        top.set(title=f"{init} init, each at its best learning rate", xlabel="step",
                yscale="log")
        bottom.set(title=f"{init} init: loss after {STEPS} steps at each learning rate",
                   xlabel="learning rate", xscale="log", yscale="log")
        for ax in (top, bottom):
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
    axes[0, 0].set(ylabel=f"training loss (mean of {window} batches)")
    axes[1, 0].set(ylabel="training loss, last 20 batches")
    fig.suptitle(f"ReLU MLP, {DEPTH} layers of width {WIDTH}, SGD momentum {MOMENTUM}, "
                 f"batch {BATCH}, {STEPS} steps")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv):
    import matplotlib

    matplotlib.use("Agg")
    del argv
    started = time.time()
    out = pathlib.Path(OUT.value)
    out.mkdir(parents=True, exist_ok=True)
    parity, accuracy = flax_comparison()
    print("== ours vs flax.nnx (use_fast_variance=False), float32, random scale and bias: max |diff|")
    for name, difference in parity.items():
        print(f"  {name:28s} {difference:.2e}")
    print("== LayerNorm of 256 features near 1e4 (spread 1), max error against float64 NumPy")
    for name, error in accuracy.items():
        print(f"  {name:28s} {error:.3g}")

    train_data, test_data = digits_split()
    probe = {"x": train_data["x"][:512], "y": train_data["y"][:512]}

    def statistics(graphdef, params, rest):
        return tuple(np.asarray(s) for s in layer_statistics(graphdef, params, rest, probe))

    init_stats = {(activation, init): statistics(*nnx.split(
        DeepMLP(init=init, norm="none", activation=activation, rngs=nnx.Rngs(0)), nnx.Param, ...))
        for activation in ACTIVATIONS for init in INIT_STD}
    print(f"== at init, no normalization, {DEPTH} layers of width {WIDTH}: output std of layers "
          f"1 / {DEPTH // 2} / {DEPTH}, gradient norm in the weights of layers 1 / {DEPTH}")
    for (activation, init), (stds, grad_norms, _) in init_stats.items():
        print(f"  {activation:4s} {init:13s} std {stds[0]:9.3g} / {stds[DEPTH // 2 - 1]:9.3g} / "
              f"{stds[-1]:9.3g}   grad {grad_norms[0]:9.3g} / {grad_norms[-1]:9.3g}")
    plot_init(init_stats, out / "init.png")

    at_init, trained, curves, best_lr, cosines = {}, {}, {}, {}, {}
    print(f"== ReLU, SGD momentum {MOMENTUM}, batch {BATCH}, {STEPS} steps: training loss (last 20 "
          f"batches) at lr {' / '.join(f'{lr:g}' for lr in LEARNING_RATES)}; at the best lr "
          "the test loss and accuracy (eval mode)")
    for norm in NORMS:
        graphdef, state, losses_by_step, bn_checks = train_all(norm, train_data, test_data)
        for init in INIT_STD:
            at_init[norm, init] = statistics(*nnx.split(
                DeepMLP(init=init, norm=norm, rngs=nnx.Rngs(0)), nnx.Param, ...))
            cosines[norm, init] = at_init[norm, init][2]
            finals = {}
            for i, (config_init, lr) in enumerate(CONFIGS):
                if config_init == init:
                    curves[norm, init, lr] = losses_by_step[:, i]
                    finals[lr, i] = final_loss(losses_by_step[:, i])
            (lr, i), best = min(finals.items(), key=lambda item: item[1])
            row = "  ".join(f"{value:6.3f}" if np.isfinite(value) else "  nan " for value in
                            finals.values())
            line = f"  {init:13s} {norm:9s} {row}"
            if np.isfinite(best):
                best_lr[norm, init] = lr
                params, rest = unstack(state.params, i), unstack(state.model_state, i)
                trained[norm, init] = statistics(graphdef, params, rest)
                test_loss, test_accuracy = evaluate(graphdef, params, rest, test_data)
                line += (f"   best lr {lr:g}: test loss {float(test_loss):.3f} "
                         f"acc {float(test_accuracy):.3f}")
                if bn_checks:
                    line += "".join(f"\n      step {k:3d}: test acc {bn_checks[k][i][0]:.3f} with "
                                    f"running averages, {bn_checks[k][i][1]:.3f} with batch "
                                    "statistics" for k in BN_CHECKS)
                    recomputed = accuracy_with_recomputed_statistics(graphdef, params, rest,
                                                                     train_data, test_data)
                    line += (f"\n      test acc with statistics recomputed on the training set "
                             f"after training: {float(recomputed):.3f}")
            print(line)
    print(f"== at init: mean cosine between two examples' outputs of layers 1 / {DEPTH // 2} / "
          f"{DEPTH} (trained: the best lr)")
    for (norm, init), at_start in cosines.items():
        after = (" / ".join(f"{c:.3f}" for c in trained[norm, init][2][[0, DEPTH // 2 - 1, -1]])
                 if (norm, init) in trained else "-")
        print(f"  {init:13s} {norm:9s} {at_start[0]:.3f} / {at_start[DEPTH // 2 - 1]:.3f} / "
              f"{at_start[-1]:.3f}   trained {after}")
    plot_layer_stats(at_init, trained, best_lr, out / "layer_stats.png")
    plot_training(curves, best_lr, out / "training.png")
    print(f"wrote {', '.join(sorted(p.name for p in out.glob('*.png')))} to {out} "
          f"in {time.time() - started:.0f} s")


if __name__ == "__main__":
    app.run(main)
