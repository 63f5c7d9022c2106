"""Scratch optimizers and schedules vs optax: 100 steps on the same problem, same hyperparameters,
float64 on both sides; and the checks can tell optax's conventions from the other common ones."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.scratch import optimizers as opt

STEPS = 100


def make_problem():
    """Softmax regression on fixed random data: params -> (loss, grads), all NumPy float64."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    y = rng.integers(0, 3, size=64)
    params = {"W": 0.5 * rng.standard_normal((5, 3)), "b": 0.1 * rng.standard_normal(3)}

    def loss_and_grads(p):
        logits = X @ p["W"] + p["b"]
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(len(y)), y]).mean()
        dlogits = probs.copy()
        dlogits[np.arange(len(y)), y] -= 1
        dlogits /= len(y)
        return loss, {"W": X.T @ dlogits, "b": dlogits.sum(axis=0)}

    return params, loss_and_grads


def run_ours(optimizer, steps=STEPS):
    params, loss_and_grads = make_problem()
    state = optimizer.init(params)
    for _ in range(steps):
        params, state = optimizer.update(loss_and_grads(params)[1], state, params)
    return params


def run_optax(tx, steps=STEPS):
    params, loss_and_grads = make_problem()
    with jax.enable_x64(True):
        params = {k: jnp.asarray(v) for k, v in params.items()}
        state = tx.init(params)
        for _ in range(steps):
            grads = loss_and_grads({k: np.asarray(v) for k, v in params.items()})[1]
            updates, state = tx.update(grads, state, params)
            params = optax.apply_updates(params, updates)
        return {k: np.asarray(v) for k, v in params.items()}


def max_difference(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


# Non-default hyperparameters, so a default silently used on either side would show. The eps values
# are large enough that putting eps inside or outside the root changes the result (see below).
LR = 0.05
PAIRS = {
    "sgd": (opt.SGD(LR), optax.sgd(LR)),
    "momentum": (opt.Momentum(LR, mu=0.8), optax.sgd(LR, momentum=0.8)),
    "nesterov": (opt.Nesterov(LR, mu=0.8), optax.sgd(LR, momentum=0.8, nesterov=True)),
    "adagrad": (opt.Adagrad(LR, initial_accumulator=0.2, eps=1e-3),
                optax.adagrad(LR, initial_accumulator_value=0.2, eps=1e-3)),
    "rmsprop": (opt.RMSprop(LR, rho=0.95, eps=1e-3), optax.rmsprop(LR, decay=0.95, eps=1e-3)),
    "adam": (opt.Adam(LR, b1=0.8, b2=0.95, eps=1e-3), optax.adam(LR, b1=0.8, b2=0.95, eps=1e-3)),
    "adamw": (opt.AdamW(LR, b1=0.8, b2=0.95, eps=1e-3, weight_decay=0.3),
              optax.adamw(LR, b1=0.8, b2=0.95, eps=1e-3, weight_decay=0.3)),
    "sgd+l2": (opt.SGD(LR, l2=0.3), optax.chain(optax.add_decayed_weights(0.3), optax.sgd(LR))),
    "adam+l2": (opt.Adam(LR, l2=0.3),
                optax.chain(optax.add_decayed_weights(0.3), optax.adam(LR))),
}
SCHEDULED_PAIRS = {
    "momentum+step": (opt.Momentum(opt.step_decay(LR, every=30, factor=0.5), mu=0.8),
                      optax.sgd(optax.exponential_decay(LR, 30, 0.5, staircase=True), momentum=0.8)),
    "adamw+warmup_cosine": (
        opt.AdamW(opt.warmup_cosine(LR, warmup=10, steps=80, init_lr=1e-3, final_lr=1e-3),
                  weight_decay=0.3),
        optax.adamw(optax.warmup_cosine_decay_schedule(1e-3, LR, 10, 80, end_value=1e-3),
                    weight_decay=0.3)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_rule_matches_optax_over_100_steps(name):
    """Both sides in float64: the rules agree to rounding error."""
    ours, theirs = PAIRS[name]
    start, _ = make_problem()
    ours_params, optax_params = run_ours(ours), run_optax(theirs)
    assert max_difference(ours_params, optax_params) < 1e-12
    assert max_difference(ours_params, start) > 1e-2  # the parameters did move


@pytest.mark.parametrize("name", list(SCHEDULED_PAIRS))
def test_scheduled_rule_matches_optax_over_100_steps(name):
    """Not to rounding error: optax evaluates a schedule on its int32 step counter in float32,
    so its learning rates carry float32 rounding even under x64."""
    ours, theirs = SCHEDULED_PAIRS[name]
    assert max_difference(run_ours(ours), run_optax(theirs)) < 1e-6


def test_training_lowers_the_loss():
    start, loss_and_grads = make_problem()
    assert loss_and_grads(run_ours(opt.Adam(LR)))[0] < 0.8 * loss_and_grads(start)[0]


# The parity checks have teeth: the other common conventions move the parameters by far more
# than the tolerance over the same 100 steps.
OTHER_CONVENTIONS = {
    "momentum is not nesterov": (opt.Momentum(LR, mu=0.8), optax.sgd(LR, 0.8, nesterov=True)),
    "adagrad sum from 0 (PyTorch)": (opt.Adagrad(LR, eps=1e-3),
                                     optax.adagrad(LR, initial_accumulator_value=0.0, eps=1e-3)),
    "rmsprop eps outside the root (PyTorch)": (
        opt.RMSprop(LR, eps=1e-3), optax.rmsprop(LR, eps=1e-3, eps_in_sqrt=False)),
    "adamw decay not scaled by lr": (
        opt.AdamW(LR, weight_decay=0.3),
        optax.chain(optax.scale_by_adam(), optax.scale(-LR), optax.add_decayed_weights(-0.3))),
    "adam + l2 is not adamw": (opt.Adam(LR, l2=0.3), optax.adamw(LR, weight_decay=0.3)),
}


@pytest.mark.parametrize("name", list(OTHER_CONVENTIONS))
def test_other_conventions_differ(name):
    ours, other = OTHER_CONVENTIONS[name]
    assert max_difference(run_ours(ours), run_optax(other)) > 1e-4


SCHEDULES = {
    "step": (opt.step_decay(0.1, every=25, factor=0.3),
             optax.exponential_decay(0.1, 25, 0.3, staircase=True)),
    "exponential": (opt.exponential_decay(0.1, rate=0.5, steps=40), optax.exponential_decay(0.1, 40, 0.5)),
    "cosine": (opt.cosine_decay(0.1, steps=80, final_lr=0.01),
               optax.cosine_decay_schedule(0.1, 80, alpha=0.1)),
    "warmup_cosine": (opt.warmup_cosine(0.1, warmup=20, steps=90, init_lr=0.01, final_lr=0.002),
                      optax.warmup_cosine_decay_schedule(0.01, 0.1, 20, 90, end_value=0.002)),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_optax(name):
    ours, theirs = SCHEDULES[name]
    with jax.enable_x64(True):
        expected = np.array([float(theirs(t)) for t in range(120)])  # past the end too
    np.testing.assert_allclose([ours(t) for t in range(120)], expected, rtol=1e-12, atol=1e-15)


def test_warmup_cosine_shape():
    schedule = opt.warmup_cosine(1.0, warmup=10, steps=50)
    assert schedule(0) == 0.0 and schedule(5) == pytest.approx(0.5) and schedule(10) == 1.0
    assert schedule(30) == pytest.approx(0.5) and schedule(50) == pytest.approx(0.0)


def test_state_is_not_mutated():
    """update returns new arrays: the caller's params and old state stay as they were."""
    params, loss_and_grads = make_problem()
    before = {k: v.copy() for k, v in params.items()}
    optimizer = opt.Adam(LR)
    state = optimizer.init(params)
    optimizer.update(loss_and_grads(params)[1], state, params)
    assert max_difference(params, before) == 0.0
    assert state["count"] == 0 and not state["slots"]["W"]["m"].any()


def test_scratch_optimizers_do_not_import_jax():
    code = ("import sys, jaxdl.scratch.optimizers\n"
            "print(sorted({n.split('.')[0] for n in sys.modules} & {'jax', 'jaxlib', 'flax', 'optax'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
