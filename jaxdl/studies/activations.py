"""Activations compared, the computations of experiments/activations/README.md: how gradients
flow through a 20-layer MLP on scikit-learn's digits for each activation and three initial
weight scales (per-layer gradient norms, dead ReLUs, saturated tanh units), and which of those
networks SGD can train.

Every activation is the one of `jaxdl.activations`; everything is seeded, so a rerun gives the
same numbers.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl import activations as act
from jaxdl.data import digits

DEPTH, WIDTH = 20, 64  # 20 hidden layers of 64 units; digits have 64 pixels, so all are 64 x 64
COMPARED = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu"]  # gelu_tanh ~ gelu
# Hidden weights ~ N(0, gain^2 / fan_in). Gain 1 keeps the variance of a linear layer's output
# equal to its input's (LeCun); sqrt 2 makes up for ReLU zeroing half of it (He); 2 is too much.
GAINS = {"gain 1 (LeCun)": 1.0, "gain sqrt 2 (He)": math.sqrt(2), "gain 2": 2.0}
HE = "gain sqrt 2 (He)"
SEEDS = 3  # training runs per (activation, gain): initial weights and minibatch order
STEPS, BATCH, LR, MOMENTUM = 1000, 32, 0.005, 0.9
SATURATED = 0.99  # |tanh| above this: slope below 1 - 0.99^2 = 0.02


# ---- the deep MLP -------------------------------------------------------------------------------


def standardized_digits():
    """The digits split of the NumPy track, each pixel standardised with the training set's mean
    and standard deviation: the initial scales above assume inputs of unit variance."""
    parts = digits.split({"test": 0.2, "train": 0.8})
    (X_train, y_train), (X_test, y_test) = parts["train"], parts["test"]
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0  # a few corner pixels are 0 in every training image
    scale = lambda X: jnp.asarray((X - mean) / std, jnp.float32)  # noqa: E731
    return (scale(X_train), jnp.asarray(y_train)), (scale(X_test), jnp.asarray(y_test))


def init_mlp(rng, gain):
    """Hidden layers stacked into one [DEPTH, WIDTH, WIDTH] array (so a lax.scan runs them),
    zero biases, and an output layer of gain 1. Drawn by NumPy: jax.random's generator would
    cost a second of compilation, and these arrays are made once."""
    return {"W": jnp.asarray(rng.standard_normal((DEPTH, WIDTH, WIDTH)) * gain / math.sqrt(WIDTH), jnp.float32),
            "b": jnp.zeros((DEPTH, WIDTH)),
            "W_out": jnp.asarray(rng.standard_normal((WIDTH, 10)) / math.sqrt(WIDTH), jnp.float32),
            "b_out": jnp.zeros(10)}


def initial_parameters(seed):
    """One draw of weights, scaled by every gain and stacked (leading axis: GAINS), so that the
    gains (and the activations, which all start from these) differ in nothing else."""
    unit = init_mlp(np.random.default_rng(seed), 1.0)
    return {key: jnp.stack([value * (gain if key == "W" else 1.0) for gain in GAINS.values()])
            for key, value in unit.items()}


def forward(params, x, f):
    """Logits, and every hidden layer's pre-activations [DEPTH, batch, WIDTH]; the hidden layers
    apply the activation f."""
    def layer(h, weights):
        W, b = weights
        z = h @ W + b
        return f(z), z

    h, pre_activations = jax.lax.scan(layer, x, (params["W"], params["b"]))
    return h @ params["W_out"] + params["b_out"], pre_activations


def loss_fn(params, x, y, f):
    return optax.softmax_cross_entropy_with_integer_labels(forward(params, x, f)[0], y).mean()


def layer_statistics(params, X, y, f):
    """On the whole training set: ||dL/dW|| of each layer (DEPTH hidden + the output layer); the
    fraction of each layer's units that are dead (pre-activation <= 0 on every image, so a ReLU
    unit passes no gradient at all); the fraction of (unit, image) pairs where tanh would be
    saturated; and the mean cosine similarity between different images' activations."""
    grads = jax.grad(loss_fn)(params, X, y, f)
    grad_norms = jnp.concatenate([jnp.linalg.norm(grads["W"], axis=(1, 2)),
                                  jnp.linalg.norm(grads["W_out"])[None]])
    _, z = forward(params, X, f)
    dead = (z <= 0).all(axis=1).mean(axis=1)
    saturated = (jnp.abs(jnp.tanh(z)) > SATURATED).mean(axis=(1, 2))
    h = f(z)
    unit = h / (jnp.linalg.norm(h, axis=2, keepdims=True) + 1e-30)
    # Mean over pairs i != j of <unit_i, unit_j>: |sum_i unit_i|^2 minus the pairs i == j.
    n = X.shape[0]
    cosine = ((unit.sum(axis=1) ** 2).sum(axis=1) - (unit**2).sum(axis=(1, 2))) / (n * (n - 1))
    return {"grad norm": grad_norms, "dead": dead, "saturated": saturated, "cosine": cosine,
            "loss": loss_fn(params, X, y, f)}


def train(params, X, y, batches, f):
    """SGD with momentum over the given minibatch indices [STEPS, BATCH]; returns the final
    parameters and each step's loss."""
    tx = optax.sgd(LR, momentum=MOMENTUM)

    def step(carry, batch):
        params, state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, X[batch], y[batch], f)
        updates, state = tx.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    (params, _), losses = jax.lax.scan(step, (params, tx.init(params)), batches)
    return params, losses


def evaluate(params, train_split, test_split, f):
    return {**layer_statistics(params, *train_split, f),
            "test accuracy": (forward(params, test_split[0], f)[0].argmax(-1) == test_split[1]).mean()}


# Vmapped over stacked parameters (gains, or seeds x gains); data shared. The activation is
# static: one compilation of each per activation.
evaluate_all = jax.jit(jax.vmap(evaluate, (0, None, None, None)), static_argnums=3)
train_all = jax.jit(jax.vmap(train, (0, None, None, 0, None)), static_argnums=4)


def unstack(stacked, keys):
    stacked = jax.tree.map(np.asarray, stacked)
    return {key: jax.tree.map(lambda leaf: leaf[i], stacked) for i, key in enumerate(keys)}


def at_initialisation(train_split, test_split):
    """{activation: {gain: statistics}} for seed 0's weights."""
    initial = initial_parameters(0)
    return {name: unstack(evaluate_all(initial, train_split, test_split, act.ELEMENTWISE[name][0]), GAINS)
            for name in COMPARED}


def after_training(train_split, test_split):
    """{activation: {(seed, gain): {"init": statistics, "trained": statistics, "diverged"}}}: SEEDS x GAINS
    networks per activation, trained side by side. Seed s draws the initial weights and then the
    minibatch order from numpy's Generator(s)."""
    initial, batches = [], []
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        unit = init_mlp(rng, 1.0)
        order = rng.integers(0, len(train_split[1]), (STEPS, BATCH))
        for gain in GAINS.values():
            initial.append({key: value * (gain if key == "W" else 1.0) for key, value in unit.items()})
            batches.append(order)
    initial = jax.tree.map(lambda *leaves: jnp.stack(leaves), *initial)
    batches = jnp.asarray(np.stack(batches))
    keys = [(seed, gain) for seed in range(SEEDS) for gain in GAINS]
    results = {}
    for name in COMPARED:
        f = act.ELEMENTWISE[name][0]
        trained, losses = train_all(initial, *train_split, batches, f)
        stats = {"init": evaluate_all(initial, train_split, test_split, f),
                 "trained": evaluate_all(trained, train_split, test_split, f),
                 "diverged": ~jnp.isfinite(losses).all(axis=1)}
        results[name] = unstack(stats, keys)
    return results


def shape_facts() -> tuple[dict, jax.Array]:
    """The numbers the article quotes about each curve, on a fine grid of [-5, 5]: per activation
    f' at -3, 0 and 3, the largest f', the smallest f and where; and the largest |gelu_tanh -
    gelu|."""
    x = jnp.linspace(-5, 5, 100_001)
    at = jnp.array([-3.0, 0.0, 3.0])
    facts = {}
    for name, (f, derivative) in act.ELEMENTWISE.items():
        y = f(x)
        facts[name] = {"slopes": derivative(at), "max slope": derivative(x).max(), "min": y.min(),
                       "argmin": x[y.argmin()]}
    return facts, jnp.abs(act.gelu_tanh(x) - act.gelu(x)).max()
