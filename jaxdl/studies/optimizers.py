"""Optimizers compared, the computations of experiments/optimizers/README.md: paths on 2-D test
functions, a small MLP on scikit-learn's digits, learning-rate schedules and weight decay. The
update rules are the NumPy ones of `jaxdl.scratch.optimizers`; only the MLP's gradients come from
`jax.grad`.

Every optimizer gets its own learning rate, the best of one log grid: on the 2-D functions the
one that first brings f within 1e-4 of its minimum for good, on the MLP the one with the lowest
validation loss. Everything is seeded: a rerun gives the same numbers.
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import digits
from jaxdl.scratch import optimizers as opt

RULES = {  # lr -> optimizer, every other hyperparameter at optax's default
    "SGD": opt.SGD,
    "Momentum": opt.Momentum,
    "Nesterov": opt.Nesterov,
    "Adagrad": opt.Adagrad,
    "RMSprop": opt.RMSprop,
    "Adam": opt.Adam,
}
LR_GRID = 10.0 ** np.arange(-4, 1.01, 0.25)  # 1e-4 ... 10, four per decade


# ---- 2-D test functions: value and gradient of a point p = (x, y) -------------------------------


def rosenbrock(p):
    """A curved, flat-bottomed valley; minimum 0 at (1, 1)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2, np.array(
        [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def beale(p):
    """Flat plateaus and steep walls; minimum 0 at (3, 0.5)."""
    x, y = p
    terms = [c - x + x * y**k for c, k in ((1.5, 1), (2.25, 2), (2.625, 3))]
    value = sum(t**2 for t in terms)
    dx = sum(2 * t * (y**k - 1) for t, k in zip(terms, (1, 2, 3)))
    dy = sum(2 * t * k * x * y ** (k - 1) for t, k in zip(terms, (1, 2, 3)))
    return value, np.array([dx, dy])


def quadratic_bowl(angle_degrees: float, condition: float = 50.0):
    """0.5 p^T H p, H with eigenvalues 1 and `condition`, its axes turned by the angle."""
    a = np.radians(angle_degrees)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    H = rotation @ np.diag([1.0, condition]) @ rotation.T
    return lambda p: (0.5 * p @ H @ p, H @ p)


# name: (function, start, minimum, plot window (x0, x1, y0, y1))
SURFACES = {
    "Rosenbrock": (rosenbrock, (-1.2, 1.0), (1.0, 1.0), (-2, 2.5, -1, 3)),
    "Beale": (beale, (1.0, 1.5), (3.0, 0.5), (-1.5, 6, -2, 2)),
    "bowl, axis-aligned (condition 50)": (quadratic_bowl(0), (-4.0, 2.0), (0.0, 0.0), (-5, 5, -4, 3)),
    "bowl, turned 45 degrees": (quadratic_bowl(45), (-4.0, 2.0), (0.0, 0.0), (-5, 5, -4, 3)),
}
SURFACE_STEPS = 1000
TOLERANCE = 1e-4


def descend(function, start, optimizer, steps):
    """The path of `optimizer` from `start`: points [steps + 1, 2] and values [steps + 1]."""
    params = {"p": np.array(start, dtype=np.float64)}
    state = optimizer.init(params)
    points, values = [params["p"]], []
    for _ in range(steps):
        value, grad = function(params["p"])
        values.append(value)
        if not np.isfinite(value) or value > 1e10:  # diverged: stop early
            break
        params, state = optimizer.update({"p": grad}, state, params)
        points.append(params["p"])
    else:
        values.append(function(params["p"])[0])
    return np.array(points), np.array(values)


def steps_to_tolerance(values, minimum_value, steps):
    """Updates until f - f* < TOLERANCE for the rest of the run; `steps + 1` if never."""
    if len(values) < steps + 1:
        return steps + 1
    above = np.flatnonzero(~(values - minimum_value < TOLERANCE))
    return int(above[-1]) + 1 if len(above) else 0


def race_on_surfaces():
    """Each rule at its best grid lr on each surface: {surface: {rule: (lr, steps, final, path)}}."""
    results = {}
    with np.errstate(all="ignore"):  # diverging learning rates are part of the grid
        for surface, (function, start, minimum, _) in SURFACES.items():
            f_min = function(np.array(minimum))[0]
            results[surface] = {}
            for name, rule in RULES.items():
                best = None
                for lr in LR_GRID:
                    path, values = descend(function, start, rule(lr), SURFACE_STEPS)
                    score = (steps_to_tolerance(values, f_min, SURFACE_STEPS), values[-1])
                    if best is None or score < best[:2]:
                        best = (*score, lr, path)
                steps, final, lr, path = best
                results[surface][name] = (lr, steps, final - f_min, path)
    return results


# ---- a small MLP on digits: gradients by jax.grad, updates by the scratch optimizers -------------


def digits_splits(seed=0):
    """scikit-learn's 1,797 8x8 digits, pixels scaled to [0, 1], split 60/20/20."""
    return digits.split({"train": 0.6, "val": 0.2, "test": 0.2}, seed=seed, dtype=np.float32)


def init_mlp(seed, sizes=(64, 64, 10)):
    """Weights ~ N(0, 1/fan_in), zero biases: the same start for every optimizer of a seed."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = (rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32)
        params[f"b{i}"] = np.zeros(fan_out, np.float32)
    return params


def mlp_logits(params, X):
    hidden = jax.nn.relu(X @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


def mlp_loss(params, X, y):
    log_probs = jax.nn.log_softmax(mlp_logits(params, X))
    return -jnp.take_along_axis(log_probs, y[:, None], axis=1).mean()


loss_and_grads = jax.jit(jax.value_and_grad(mlp_loss))
evaluate_loss = jax.jit(mlp_loss)
accuracy = jax.jit(lambda params, X, y: (mlp_logits(params, X).argmax(axis=1) == y).mean())

MLP_STEPS, BATCH, EVAL_EVERY = 600, 32, 20
SEEDS = (0, 1, 2)  # schedules and weight decay: differences are small, so average over seeds


def batch_order(n_train, seed):
    """Minibatch indices for every step: a fresh permutation each epoch."""
    rng = np.random.default_rng(seed)
    epochs = -(-MLP_STEPS * BATCH // n_train)
    return np.concatenate([rng.permutation(n_train) for _ in range(epochs)])


def train_mlp(optimizer, data, seed=0):
    """MLP_STEPS minibatch updates from init and batch order `seed`; returns a dict of the
    curves (one value per EVAL_EVERY steps) and the final test accuracy."""
    params = init_mlp(seed)
    state = optimizer.init(params)
    X, y = data["train"]
    order = batch_order(len(y), seed)
    run = {"step": [], "train": [], "val": [], "weight_norm": []}
    for step in range(MLP_STEPS + 1):
        if step % EVAL_EVERY == 0:
            run["step"].append(step)
            run["train"].append(float(evaluate_loss(params, X, y)))
            run["val"].append(float(evaluate_loss(params, *data["val"])))
            run["weight_norm"].append(float(np.sqrt(sum(np.sum(params[w] ** 2) for w in ("W1", "W2")))))
            if not np.isfinite(run["train"][-1]):
                return run | {"test_accuracy": np.nan, "finished": False}
        if step < MLP_STEPS:
            rows = order[step * BATCH:(step + 1) * BATCH]
            _, grads = loss_and_grads(params, X[rows], y[rows])
            params, state = optimizer.update({k: np.asarray(g) for k, g in grads.items()}, state, params)
    return run | {"test_accuracy": float(accuracy(params, *data["test"])), "finished": True}


def final_val(run):
    return run["val"][-1] if run["finished"] else np.inf


def mlp_lr_sweep(data):
    """Every rule (and AdamW, decay 1e-2) at every grid lr, seed 0: {rule: {lr: run}}."""
    rules = {**RULES, "AdamW": lambda lr: opt.AdamW(lr, weight_decay=1e-2)}
    with np.errstate(all="ignore"):  # diverging learning rates are part of the grid
        return {name: {lr: train_mlp(rule(lr), data) for lr in LR_GRID} for name, rule in rules.items()}


def best_lr(runs):
    return min(runs, key=lambda lr: final_val(runs[lr]))


def compare_schedules(data, peak):
    """Momentum SGD under five schedules of the same peak lr, SEEDS each: (schedules, {name: runs})."""
    schedules = {
        "constant": opt.constant(peak),
        "step (x0.1 every 200)": opt.step_decay(peak, every=200, factor=0.1),
        "exponential (to 1/100)": opt.exponential_decay(peak, rate=0.01, steps=MLP_STEPS),
        "cosine": opt.cosine_decay(peak, MLP_STEPS),
        "warmup 60 + cosine": opt.warmup_cosine(peak, warmup=60, steps=MLP_STEPS),
    }
    return schedules, {name: [train_mlp(opt.Momentum(s), data, seed) for seed in SEEDS]
                       for name, s in schedules.items()}


def compare_weight_decay(data, lr):
    """Adam at `lr` without decay, and with L2 or decoupled (AdamW) decay of five strengths, SEEDS
    each: (runs without decay, {(kind, strength): runs})."""
    plain = [train_mlp(opt.Adam(lr), data, seed) for seed in SEEDS]
    rules = {"Adam + L2": lambda s: opt.Adam(lr, l2=s), "AdamW": lambda s: opt.AdamW(lr, weight_decay=s)}
    return plain, {(kind, strength): [train_mlp(rule(strength), data, seed) for seed in SEEDS]
                   for kind, rule in rules.items() for strength in (1e-4, 1e-3, 1e-2, 1e-1, 1.0)}
