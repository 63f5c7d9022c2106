"""Loss functions compared, the computations of experiments/losses/README.md: what naive formulas
do at large logits, a line fit with outliers under MSE / MAE / Huber, and six classification
losses training the same MLP on scikit-learn's digits (accuracy, confidence, calibration).

Every loss is the one of `jaxdl.losses`; everything is seeded, so a rerun gives the same numbers.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl import losses
from jaxdl.data import digits


# ---- what naive formulas do at large logits (float32) -------------------------------------------


def naive_softmax_cross_entropy(logits, label):
    """-log(exp(z_y) / sum_j exp(z_j)), exactly as written on paper."""
    probs = jnp.exp(logits) / jnp.exp(logits).sum(-1, keepdims=True)
    return -jnp.log(probs[..., label])


def naive_binary_cross_entropy(logit, label):
    """-y log p - (1 - y) log(1 - p) with p = 1 / (1 + exp(-z)), as written on paper."""
    p = 1.0 / (1.0 + jnp.exp(-logit))
    return -label * jnp.log(p) - (1.0 - label) * jnp.log(1.0 - p)


def stability_sweep():
    """Both formulas of two losses for logits growing from 1 to 1e4 (in float32), each with a
    label the model gets wrong, so that the exact loss grows with the logits:
    softmax cross-entropy at logits s * (1, 0, -1) with label 2 (exact: about 2s), and binary
    cross-entropy at logit s with label 0 (exact: about s)."""
    scales = jnp.logspace(0, 4, 400, dtype=jnp.float32)
    logits = scales[:, None] * jnp.array([1.0, 0.0, -1.0])
    label = jnp.full(scales.shape, 2)
    zero = jnp.zeros_like(scales)
    grad = jax.vmap(jax.grad(lambda z, y: naive_binary_cross_entropy(z, y)))
    return {
        "scales": np.asarray(scales),
        "softmax: naive": np.asarray(jax.vmap(naive_softmax_cross_entropy, (0, None))(logits, 2)),
        "softmax: stable": np.asarray(losses.softmax_cross_entropy_integer(logits, label)),
        "binary: naive": np.asarray(naive_binary_cross_entropy(scales, zero)),
        "binary: stable": np.asarray(losses.sigmoid_binary_cross_entropy(scales, zero)),
        "binary: naive gradient": np.asarray(grad(scales, zero)),
        "binary: stable gradient": np.asarray(jax.vmap(jax.grad(
            losses.sigmoid_binary_cross_entropy))(scales, zero)),
    }


def first_failure(scales, values):
    """The smallest scale at which `values` is inf or nan, or None."""
    bad = ~np.isfinite(values)
    return float(scales[bad.argmax()]) if bad.any() else None


# ---- a line with outliers: MSE vs MAE vs Huber -------------------------------------------------

TRUE_SLOPE, TRUE_INTERCEPT = 2.0, 1.0
REGRESSION = {
    "MSE": losses.squared_error,
    "MAE": losses.absolute_error,
    "Huber (delta 1)": losses.huber,
}


def line_with_outliers(n=100, outlier_fraction=0.1, seed=0):
    """y = 2x + 1 + N(0, 0.5^2) on x in [0, 5], and 10% of the points lifted by 10 to 20."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5, n).astype(np.float32)
    y = (TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0, 0.5, n)).astype(np.float32)
    outliers = rng.choice(n, int(outlier_fraction * n), replace=False)
    y[outliers] += rng.uniform(10, 20, len(outliers)).astype(np.float32)
    return x, y, outliers


def fit_line(loss, x, y, steps=3000):
    """(slope, intercept) minimising mean loss(slope x + intercept, y), by Adam with a cosine
    decay to 0 (the MAE's gradient never shrinks, so the step size must)."""
    tx = optax.adam(optax.cosine_decay_schedule(0.1, steps))
    params = jnp.zeros(2)

    def step(carry, _):
        params, state = carry
        grads = jax.grad(lambda p: loss(p[0] * x + p[1], y).mean())(params)
        updates, state = tx.update(grads, state)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, tx.init(params)), length=steps)
    return np.asarray(params)


def compare_regressions(x, y):
    """{loss name: (slope, intercept)} fitted under each REGRESSION loss, and the (slope,
    intercept) of closed-form least squares (numpy.polyfit, float64)."""
    fits = {name: fit_line(loss, jnp.asarray(x), jnp.asarray(y)) for name, loss in REGRESSION.items()}
    return fits, np.polyfit(np.float64(x), np.float64(y), 1)


# ---- six classification losses on digits -------------------------------------------------------

CLASSES = 10


def one_hot(labels):
    return jax.nn.one_hot(labels, CLASSES)


# name: (loss of outputs [N, 10] and labels [N], how outputs become class probabilities or None)
CLASSIFICATION = {
    "cross-entropy": (lambda z, y: losses.softmax_cross_entropy_integer(z, y).mean(),
                      jax.nn.softmax),
    "cross-entropy, label smoothing 0.1": (
        lambda z, y: losses.softmax_cross_entropy(z, losses.smooth_labels(one_hot(y), 0.1)).mean(),
        jax.nn.softmax),
    "binary cross-entropy, one-vs-rest": (
        lambda z, y: losses.sigmoid_binary_cross_entropy(z, one_hot(y)).sum(-1).mean(),
        jax.nn.sigmoid),
    "focal, one-vs-rest, gamma 2": (
        lambda z, y: losses.sigmoid_focal_loss(z, one_hot(y), gamma=2.0).sum(-1).mean(),
        jax.nn.sigmoid),
    "multiclass hinge": (lambda z, y: losses.multiclass_hinge(z, y).mean(), None),
    "squared error to one-hot": (
        lambda z, y: losses.squared_error(z, one_hot(y)).sum(-1).mean(), None),
}
MLP_STEPS, MLP_LR, HIDDEN = 500, 3e-3, 64
SEEDS = (0, 1, 2)


def digits_split():
    """scikit-learn's 1,797 digits, pixels scaled to [0, 1]: 1,078 to train, 719 to test."""
    parts = digits.split({"train": 0.6, "test": 0.4}, dtype=np.float32)
    return parts["train"], parts["test"]


def init_mlp(seed):
    """64 -> HIDDEN (ReLU) -> 10, He-normal weights, zero biases; the same start for every loss."""
    k1, k2 = jax.random.split(jax.random.key(seed))
    return {"W1": jax.random.normal(k1, (64, HIDDEN)) * np.sqrt(2 / 64), "b1": jnp.zeros(HIDDEN),
            "W2": jax.random.normal(k2, (HIDDEN, CLASSES)) * np.sqrt(2 / HIDDEN),
            "b2": jnp.zeros(CLASSES)}


def mlp(params, X):
    return jax.nn.relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]


def train_classifiers(loss, train, seeds):
    """One MLP per seed (its initial weights), each trained by full-batch Adam for MLP_STEPS
    steps: long enough to fit the training set exactly. The seeds train side by side (vmap)."""
    X, y = map(jnp.asarray, train)
    tx = optax.adam(MLP_LR)

    def run(params):
        def step(carry, _):
            params, state = carry
            grads = jax.grad(lambda p: loss(mlp(p, X), y))(params)
            updates, state = tx.update(grads, state)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, tx.init(params)), length=MLP_STEPS)
        return params

    stacked = jax.jit(jax.vmap(run))(jax.vmap(init_mlp)(jnp.asarray(seeds)))
    return [jax.tree.map(lambda leaf: leaf[i], stacked) for i in range(len(seeds))]


def calibration(confidence, correct, bins=10):
    """Expected calibration error: the bin-size-weighted mean |accuracy - confidence| over
    equal-width confidence bins, and the per-bin (confidence, accuracy, count)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table = [(confidence[which == b].mean(), correct[which == b].mean(), (which == b).sum())
             for b in range(bins) if (which == b).any()]
    ece = sum(n * abs(acc - conf) for conf, acc, n in table) / len(confidence)
    return ece, table


def evaluate(params, to_probs, data):
    """Accuracy, the largest |output|, and where the loss gives probabilities the top-class
    confidence (the softmax's largest probability, or the largest sigmoid) of each example."""
    X, y = data
    outputs = np.asarray(mlp(params, jnp.asarray(X)))
    result = {"correct": outputs.argmax(-1) == y, "max output": np.abs(outputs).max()}
    result["accuracy"] = result["correct"].mean()
    if to_probs is not None:
        result["confidence"] = np.asarray(to_probs(outputs)).max(-1)
        result["ece"] = calibration(result["confidence"], result["correct"])[0]
    return result


def compare_classifiers(train, test):
    """{loss name: (train accuracy averaged over SEEDS, [evaluate() on the test set per seed])}."""
    results = {}
    for name, (loss, to_probs) in CLASSIFICATION.items():
        params = train_classifiers(loss, train, SEEDS)
        train_accuracy = np.mean([evaluate(p, None, train)["accuracy"] for p in params])
        results[name] = (train_accuracy, [evaluate(p, to_probs, test) for p in params])
    return results
