"""MLP language model: every hand-written gradient vs JAX autodiff and finite differences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.scratch import mlp
from jaxdl.scratch.bigram import Vocab

pytestmark = pytest.mark.usefixtures("jax_x64")

PARAM_NAMES = ["C", "W1", "gamma", "beta", "W2", "b2"]
WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]


@pytest.fixture(scope="module")
def case():
    """Small float64 model with every parameter jittered, so no gradient hides behind 0s and 1s."""
    rng = np.random.default_rng(0)
    params = mlp.init_params(27, block_size=3, n_embd=4, n_hidden=16, rng=rng)
    params = {name: p + 0.5 * rng.standard_normal(p.shape) for name, p in params.items()}
    X = rng.integers(0, 27, size=(32, 3))
    Y = rng.integers(0, 27, size=32)
    return params, X, Y


def jax_loss(params, X, Y):
    """The same network in jax.numpy, written from its definition (training-mode BatchNorm)."""
    hpre = params["C"][X].reshape(len(X), -1) @ params["W1"]
    mean = hpre.mean(axis=0)
    var = ((hpre - mean) ** 2).mean(axis=0)
    hnorm = params["gamma"] * (hpre - mean) / jnp.sqrt(var + mlp.BN_EPS) + params["beta"]
    logits = jnp.tanh(hnorm) @ params["W2"] + params["b2"]
    return -jax.nn.log_softmax(logits)[jnp.arange(len(Y)), Y].mean()


@pytest.fixture(scope="module")
def manual_and_jax(case):
    params, X, Y = case
    loss, grads, _ = mlp.loss_and_grads(params, X, Y)
    return loss, grads, float(jax_loss(params, X, Y)), jax.grad(jax_loss)(params, X, Y)


def test_loss_matches_jax(manual_and_jax):
    loss, _, expected, _ = manual_and_jax
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_grad_matches_jax(manual_and_jax, name, rel_error):
    _, grads, _, jax_grads = manual_and_jax
    assert grads[name].dtype == np.float64
    assert rel_error(grads[name], jax_grads[name]) <= 1e-6


@pytest.mark.parametrize("name", PARAM_NAMES)
def test_grad_matches_finite_differences(case, name):
    params, X, Y = case
    _, grads, _ = mlp.loss_and_grads(params, X, Y)
    rng = np.random.default_rng(1)
    h = 1e-6
    # Rows of C for characters in the batch: the others have zero gradient, a weak check.
    coords = [tuple(int(rng.integers(0, n)) for n in params[name].shape) for _ in range(3)]
    if name == "C":
        coords = [(int(X[0, 0]), 1), (int(X[5, 2]), 3), (int(X[9, 1]), 0)]
    for coord in coords:
        up, down = dict(params), dict(params)
        up[name], down[name] = params[name].copy(), params[name].copy()
        up[name][coord] += h
        down[name][coord] -= h
        numeric = (mlp.loss_and_grads(up, X, Y)[0] - mlp.loss_and_grads(down, X, Y)[0]) / (2 * h)
        assert numeric == pytest.approx(grads[name][coord], rel=1e-6, abs=1e-9)


def test_eval_mode_with_batch_stats_reproduces_training_forward(case):
    """Eval BN with the batch's own mean/var must give the training-mode loss: same network."""
    params, X, Y = case
    loss, _, (batch_mean, batch_var) = mlp.loss_and_grads(params, X, Y)
    assert mlp.eval_loss(params, {"mean": batch_mean, "var": batch_var}, X, Y) == pytest.approx(loss, rel=1e-12)


def test_dataset_contexts_and_split():
    vocab = Vocab(WORDS)
    X, Y = mlp.build_dataset(["ava"], vocab, block_size=3)
    assert vocab.decode(Y) == "ava."
    assert [vocab.decode(row) for row in X] == ["...", "..a", ".av", "ava"]
    train, val, test = mlp.split_words([f"w{i}" for i in range(100)])
    assert (len(train), len(val), len(test)) == (80, 10, 10)
    assert sorted(train + val + test) == sorted(f"w{i}" for i in range(100))


def test_split_is_the_lectures_split_the_jax_side_uses():
    from jaxdl.data import name_rows  # the JAX track's split (tests may import beyond NumPy)

    words = [f"w{i}" for i in range(100)]
    expected = name_rows.split(words, "lectures", 42)
    assert mlp.split_words(words) == (expected["train"], expected["val"], expected["test"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_lowers_loss_and_keeps_dtype(dtype):
    vocab = Vocab(WORDS)
    X, Y = mlp.build_dataset(WORDS, vocab, block_size=3)
    rng = np.random.default_rng(0)
    params = mlp.init_params(vocab.size, n_hidden=32, rng=rng, dtype=dtype)
    running = mlp.init_running_stats(params)
    losses = mlp.train(params, running, X, Y, steps=400, rng=rng, batch_size=16, bn_momentum=0.05)
    assert np.mean(losses[-50:]) < np.mean(losses[:50]) - 0.5
    assert all(p.dtype == dtype for p in [*params.values(), *running.values()])
    assert mlp.eval_loss(params, running, X, Y) < np.log(vocab.size) - 0.5


def test_sampling_is_deterministic_per_seed(case):
    params, _, _ = case
    vocab = Vocab(["abcdefghijklmnopqrstuvwxyz"])
    running = mlp.init_running_stats(params)
    draw = lambda seed: mlp.sample(params, running, vocab, np.random.default_rng(seed), 10)
    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_cli_runs(names, capsys):
    mlp.main(["--steps=50"])
    out = capsys.readouterr().out
    assert "val loss" in out and "samples:" in out
