"""Normalization and initialization in a deep MLP on scikit-learn's digits, the computations of
experiments/normalization/README.md: the spread of the activations and of the weight gradients
layer by layer, at initialization and after training, without normalization and with BatchNorm
or LayerNorm (jaxdl.nn.norms), from naive N(0, 1), Xavier and Kaiming weights; and the training
losses those nine networks reach at each of five learning rates.

Training runs through the training loop's own step, vmapped over the networks
(`jaxdl.step.vmapped_train_step`), which switches BatchNorm with model.train() / model.eval()
and carries its running statistics. Everything is seeded: a rerun gives the same numbers.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from jaxdl import losses
from jaxdl import state as state_lib
from jaxdl import step
from jaxdl.data import digits
from jaxdl.nn import norms
from jaxdl.nn.layers import Dense

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


def digits_split():
    """scikit-learn's 1,797 digits, pixels scaled to [0, 1]: 1,078 to train, 719 to test, as
    {"x", "y"}."""
    parts = digits.split({"train": 0.6, "test": 0.4}, dtype=np.float32)
    return tuple({"x": X, "y": y} for X, y in parts.values())


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
def layer_statistics(graphdef, params, model_state, batch):
    """Per hidden layer: the standard deviation of its output over the batch and its units, the
    norm of the loss gradient in its weight matrix, and the mean cosine between the outputs of
    different examples. Train mode (BatchNorm uses the batch's
    statistics); the running statistics it updates here are thrown away."""
    def loss(params):
        # A copy of model_state made in this trace, so BatchNorm may update it here (as in jaxdl.step).
        model = nnx.merge(graphdef, params, jax.tree.map(lambda x: x, model_state))
        model.train()
        return loss_fn(model, batch, None)[0]

    model = nnx.merge(graphdef, params, model_state)
    model.train()
    outputs = model.hidden_outputs(batch["x"])
    stds = jnp.stack([spread(h) for h in outputs])
    cosines = jnp.stack([mean_cosine(h) for h in outputs])
    grads = jax.grad(loss)(params)
    grad_norms = jnp.stack([jnp.linalg.norm(grads["hidden"][i]["kernel"][...])
                            for i in range(DEPTH)])
    return stds, grad_norms, cosines


@functools.partial(jax.jit, static_argnums=(0, 4))
def evaluate(graphdef, params, model_state, data, use_running_average=True):
    """Mean loss and accuracy over `data` as one batch; BatchNorm in eval mode (running
    averages) or, with use_running_average=False, with the statistics of `data` itself."""
    model = nnx.merge(graphdef, params, model_state)
    if use_running_average:
        model.eval()
    else:
        model.train()
    logits = model(data["x"])
    return losses.cross_entropy(logits, data["y"]), (logits.argmax(-1) == data["y"]).mean()


@functools.partial(jax.jit, static_argnums=0)
def accuracy_with_recomputed_statistics(graphdef, params, model_state, train_data, test_data):
    """Test accuracy in eval mode after replacing BatchNorm's running averages by the statistics
    of the whole training set under the final weights: one pass in train mode with momentum 0."""
    model = nnx.merge(graphdef, params, model_state)
    model.set_attributes(momentum=0.0, raise_if_not_found=False)
    model.train()
    model(train_data["x"])
    model.eval()
    return (model(test_data["x"]).argmax(-1) == test_data["y"]).mean()


# ---- training -----------------------------------------------------------------------------------


def sgd(lr):
    """SGD with momentum, its learning rate kept in the optimizer state (inject_hyperparams), so
    that it can differ along the stacked axis."""
    return optax.inject_hyperparams(optax.sgd)(learning_rate=lr, momentum=MOMENTUM)


def train_all(norm, train_data, test_data):
    """Every (init, learning rate) network of one normalization, trained side by side: the same
    graph with stacked states, one call of the training loop's vmapped step per batch.

    Returns graphdef, the final stacked state, the batch losses [STEPS, configs], and the test
    accuracy with BatchNorm's running averages and with the test batch's own statistics at the
    BN_CHECKS steps ({step: [configs, 2]}, BatchNorm only)."""
    models = {init: DeepMLP(init=init, norm=norm, rngs=nnx.Rngs(0))
              for init in INIT_STD}  # one start per init, shared by its learning rates
    created = [state_lib.create(models[init], sgd(lr), seed=0) for init, lr in CONFIGS]
    graphdef = created[0][0]
    # Each network's update reads its learning rate from its own optimizer state, not this one.
    train_step = step.vmapped_train_step(graphdef, loss_fn, sgd(LEARNING_RATES[0]))
    both_modes = jax.jit(jax.vmap(
        lambda params, model_state: jnp.stack([
            evaluate(graphdef, params, model_state, test_data, mode)[1] for mode in (True, False)])))
    state, curve, bn_checks = state_lib.stack([state for _, state in created]), [], {}
    for i, batch in enumerate(batches(train_data), start=1):
        state, metrics = train_step(state, batch)
        curve.append(metrics["loss"])
        if norm == "BatchNorm" and i in BN_CHECKS:
            bn_checks[i] = np.asarray(both_modes(state.params, state.model_state))
    return graphdef, state, np.asarray(jnp.stack(curve)), bn_checks


def final_loss(curve):
    """Mean training loss of the last 20 batches; inf if the run diverged."""
    return float(curve[-20:].mean()) if np.isfinite(curve).all() else np.inf


def statistics(graphdef, params, model_state, probe):
    """layer_statistics on `probe`, as NumPy arrays."""
    return tuple(np.asarray(s) for s in layer_statistics(graphdef, params, model_state, probe))


def statistics_at_init(probe, **model_args):
    """statistics of DeepMLP(**model_args) as nnx.Rngs(0) initialises it."""
    return statistics(*nnx.split(DeepMLP(**model_args, rngs=nnx.Rngs(0)), nnx.Param, ...), probe)


def init_statistics(probe):
    """{(activation, init): statistics} of the networks without normalization, at init."""
    return {(activation, init): statistics_at_init(probe, init=init, norm="none", activation=activation)
            for activation in ACTIVATIONS for init in INIT_STD}


def compare_norms(train_data, test_data, probe):
    """{(norm, init): result} for the ReLU networks: "at init" (statistics), "curves" and
    "finals" ({lr: batch losses, final_loss}), "best lr" (None if every lr diverged) and, at it,
    "trained" (statistics), "test loss", "test accuracy"; for BatchNorm also "bn checks"
    ({step: (accuracy with running averages, with batch statistics)}) and "recomputed" (the
    accuracy with statistics recomputed on the training set)."""
    results = {}
    for norm in NORMS:
        graphdef, state, losses_by_step, bn_checks = train_all(norm, train_data, test_data)
        for init in INIT_STD:
            columns = {lr: i for i, (config_init, lr) in enumerate(CONFIGS) if config_init == init}
            result = results[norm, init] = {
                "at init": statistics_at_init(probe, init=init, norm=norm),
                "curves": {lr: losses_by_step[:, i] for lr, i in columns.items()},
                "finals": {lr: final_loss(losses_by_step[:, i]) for lr, i in columns.items()},
                "best lr": None}
            lr = min(result["finals"], key=result["finals"].get)
            if not np.isfinite(result["finals"][lr]):
                continue
            trained = state_lib.unstack(state, columns[lr])
            params, model_state = trained.params, trained.model_state
            test_loss, test_accuracy = evaluate(graphdef, params, model_state, test_data)
            result.update({"best lr": lr, "trained": statistics(graphdef, params, model_state, probe),
                           "test loss": float(test_loss), "test accuracy": float(test_accuracy)})
            if bn_checks:
                result["bn checks"] = {k: bn_checks[k][columns[lr]] for k in BN_CHECKS}
                result["recomputed"] = float(accuracy_with_recomputed_statistics(
                    graphdef, params, model_state, train_data, test_data))
    return results


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
