"""The losses of jaxdl.losses: values and gradients against optax wherever optax has the loss,
against float64 NumPy where it does not, and finite, exact answers at logits of +-1e4."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl import losses

RNG = np.random.default_rng(0)
BATCH, CLASSES = 16, 5
LOGITS = jnp.asarray(RNG.normal(0.0, 3.0, (BATCH, CLASSES)), jnp.float32)
LABELS = jnp.asarray(RNG.integers(0, CLASSES, BATCH))
ONE_HOT = jax.nn.one_hot(LABELS, CLASSES)
PROBS = jax.nn.softmax(jnp.asarray(RNG.normal(size=(BATCH, CLASSES)), jnp.float32))
PREDICTIONS = jnp.asarray(RNG.normal(0.0, 2.0, (BATCH, 3)), jnp.float32)
TARGETS = jnp.asarray(RNG.normal(0.0, 2.0, (BATCH, 3)), jnp.float32)
BINARY_LOGITS = jnp.asarray(RNG.normal(0.0, 3.0, (BATCH, 3)), jnp.float32)
BINARY_LABELS = jnp.asarray(RNG.integers(0, 2, (BATCH, 3)), jnp.float32)
SOFT_LABELS = jnp.asarray(RNG.uniform(size=(BATCH, 3)), jnp.float32)
SIGNS = 2.0 * BINARY_LABELS - 1.0

# name: (ours, optax's, first argument (differentiated), other arguments)
OPTAX_PAIRS = {
    "squared_error": (losses.squared_error, optax.losses.squared_error, PREDICTIONS, (TARGETS,)),
    "huber": (losses.huber, optax.losses.huber_loss, PREDICTIONS, (TARGETS,)),
    "huber_delta_0.5": (lambda p, t: losses.huber(p, t, delta=0.5),
                        lambda p, t: optax.losses.huber_loss(p, t, delta=0.5),
                        PREDICTIONS, (TARGETS,)),
    "softmax_cross_entropy": (losses.softmax_cross_entropy, optax.losses.softmax_cross_entropy,
                              LOGITS, (ONE_HOT,)),
    "softmax_cross_entropy_soft_targets": (losses.softmax_cross_entropy,
                                           optax.losses.softmax_cross_entropy, LOGITS, (PROBS,)),
    "softmax_cross_entropy_integer": (losses.softmax_cross_entropy_integer,
                                      optax.losses.softmax_cross_entropy_with_integer_labels,
                                      LOGITS, (LABELS,)),
    "label_smoothing_cross_entropy": (
        lambda z, y: losses.softmax_cross_entropy(z, losses.smooth_labels(y, 0.1)),
        lambda z, y: optax.losses.softmax_cross_entropy(z, optax.losses.smooth_labels(y, 0.1)),
        LOGITS, (ONE_HOT,)),
    "sigmoid_binary_cross_entropy": (losses.sigmoid_binary_cross_entropy,
                                     optax.losses.sigmoid_binary_cross_entropy,
                                     BINARY_LOGITS, (BINARY_LABELS,)),
    "sigmoid_binary_cross_entropy_soft": (losses.sigmoid_binary_cross_entropy,
                                          optax.losses.sigmoid_binary_cross_entropy,
                                          BINARY_LOGITS, (SOFT_LABELS,)),
    "focal": (losses.sigmoid_focal_loss, optax.losses.sigmoid_focal_loss,
              BINARY_LOGITS, (BINARY_LABELS,)),
    "focal_alpha_gamma": (lambda z, y: losses.sigmoid_focal_loss(z, y, alpha=0.25, gamma=1.5),
                          lambda z, y: optax.losses.sigmoid_focal_loss(z, y, alpha=0.25, gamma=1.5),
                          BINARY_LOGITS, (SOFT_LABELS,)),
    "hinge": (losses.hinge, optax.losses.hinge_loss, BINARY_LOGITS, (SIGNS,)),
    "multiclass_hinge": (losses.multiclass_hinge, optax.losses.multiclass_hinge_loss,
                         LOGITS, (LABELS,)),
    "kl_divergence": (lambda z, t: losses.kl_divergence(jax.nn.log_softmax(z), t),
                      lambda z, t: optax.losses.kl_divergence(jax.nn.log_softmax(z), t),
                      LOGITS, (PROBS,)),
    "kl_divergence_one_hot_targets": (
        lambda z, t: losses.kl_divergence(jax.nn.log_softmax(z), t),
        lambda z, t: optax.losses.kl_divergence(jax.nn.log_softmax(z), t), LOGITS, (ONE_HOT,)),
}


def value_and_grad(loss, x, *rest):
    """The per-element losses and the gradient of their sum in x, compiled as one program (three
    times faster here than running the ops one by one)."""
    def both(x, *rest):
        return loss(x, *rest), jax.grad(lambda x: loss(x, *rest).sum())(x)
    return jax.jit(both)(x, *rest)


@pytest.mark.parametrize("name", OPTAX_PAIRS)
def test_value_and_gradient_match_optax(name):
    ours, theirs, x, rest = OPTAX_PAIRS[name]
    # Both in one compiled program: one compilation per pair.
    (value_ours, grad_ours), (value_theirs, grad_theirs) = jax.jit(
        lambda x, *rest: (value_and_grad(ours, x, *rest), value_and_grad(theirs, x, *rest)))(
        x, *rest)
    np.testing.assert_allclose(value_ours, value_theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad_ours, grad_theirs, rtol=1e-5, atol=1e-6)


def test_smooth_labels_match_optax():
    np.testing.assert_allclose(losses.smooth_labels(ONE_HOT, 0.2),
                               optax.losses.smooth_labels(ONE_HOT, 0.2), rtol=1e-6)


def test_absolute_error_and_its_gradient_against_numpy():
    # optax has no L1 loss: compare with float64 NumPy.
    residual = np.float64(PREDICTIONS) - np.float64(TARGETS)
    np.testing.assert_allclose(losses.absolute_error(PREDICTIONS, TARGETS), np.abs(residual),
                               rtol=1e-6)
    grad = jax.grad(lambda p: losses.absolute_error(p, TARGETS).sum())(PREDICTIONS)
    np.testing.assert_array_equal(grad, np.sign(residual))


def test_cross_entropy_against_float64_numpy():
    z = np.float64(LOGITS)
    log_probs = z - np.log(np.exp(z).sum(-1, keepdims=True))  # safe: |z| is small here
    expected = -log_probs[np.arange(BATCH), np.asarray(LABELS)]
    mask = jnp.arange(BATCH) % 3 != 0
    per_example, masked_mean = jax.jit(lambda z, y, mask: (
        losses.softmax_cross_entropy_integer(z, y), losses.cross_entropy(z, y, mask)))(
        LOGITS, LABELS, mask)
    np.testing.assert_allclose(per_example, expected, rtol=1e-5)
    # The training loop's masked mean agrees with the per-example losses.
    np.testing.assert_allclose(masked_mean, expected[np.asarray(mask)].mean(), rtol=1e-5)


def test_huber_gradient_is_the_residual_clipped_to_delta():
    residual = jnp.linspace(-3.0, 3.0, 13)
    _, grad = value_and_grad(lambda r: losses.huber(r, 0.0, delta=1.5), residual)
    np.testing.assert_allclose(grad, jnp.clip(residual, -1.5, 1.5), rtol=1e-6)


def test_logsumexp_gradient_is_softmax_and_all_minus_inf_gives_minus_inf():
    _, grad = value_and_grad(losses.logsumexp, LOGITS)
    np.testing.assert_allclose(grad, jax.nn.softmax(LOGITS), rtol=1e-5, atol=1e-7)
    assert losses.logsumexp(jnp.full((3,), -jnp.inf)) == -jnp.inf


def test_log_sigmoid_gradient_is_sigmoid_of_minus_z_also_at_zero():
    # log sigmoid is built from two pieces with a kink at 0 each; their slopes must add up there.
    z = jnp.array([0.0, -0.0, 1e-8, -1e-8, 2.0, -2.0])
    value, grad = value_and_grad(losses.log_sigmoid, z)
    np.testing.assert_allclose(grad, jax.nn.sigmoid(-z), rtol=1e-6)
    np.testing.assert_allclose(value, jax.nn.log_sigmoid(z), rtol=1e-6)


def test_cross_entropy_with_smoothed_labels_is_minimal_where_softmax_equals_them():
    target = losses.smooth_labels(ONE_HOT, 0.1)
    grad = jax.grad(lambda z: losses.softmax_cross_entropy(z, target).sum())(jnp.log(target))
    np.testing.assert_allclose(grad, 0.0, atol=1e-6)


def test_kl_is_cross_entropy_minus_entropy_and_zero_for_equal_distributions():
    log_q = jax.nn.log_softmax(LOGITS)
    entropy = -(PROBS * jnp.log(PROBS)).sum(-1)
    np.testing.assert_allclose(losses.kl_divergence(log_q, PROBS),
                               losses.softmax_cross_entropy(LOGITS, PROBS) - entropy,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(losses.kl_divergence(jnp.log(PROBS), PROBS), 0.0, atol=1e-6)


def test_hinges_are_zero_beyond_the_margin():
    assert losses.hinge(jnp.array([1.0, -2.0]), jnp.array([1.0, -1.0])).max() == 0.0
    scores = jnp.array([[3.0, 1.9, 2.0], [0.0, 0.0, 5.0]])
    np.testing.assert_allclose(losses.multiclass_hinge(scores, jnp.array([0, 2])), [0.0, 0.0])
    np.testing.assert_allclose(losses.multiclass_hinge(scores, jnp.array([1, 0])), [2.1, 6.0])


# ---- extreme logits: finite values, finite gradients, the exact answers -------------------------

BIG = 1e4
EXTREME = jnp.array([[BIG, -BIG, 0.0], [-BIG, BIG, -BIG], [0.0, 0.0, BIG]])
EXTREME_LABELS = jnp.array([1, 1, 0])


def test_softmax_cross_entropy_at_extreme_logits():
    loss, grad = value_and_grad(losses.softmax_cross_entropy_integer, EXTREME, EXTREME_LABELS)
    # -log softmax(z)_y = max(z) - z_y when one logit dominates by 1e4.
    np.testing.assert_allclose(loss, [2 * BIG, 0.0, BIG], rtol=1e-6)
    np.testing.assert_allclose(grad, jax.nn.softmax(EXTREME) - jax.nn.one_hot(EXTREME_LABELS, 3),
                               atol=1e-6)
    per_example, per_example_optax = jax.jit(lambda z, y: (
        losses.softmax_cross_entropy(z, losses.smooth_labels(y, 0.1)),
        optax.losses.softmax_cross_entropy(z, optax.losses.smooth_labels(y, 0.1))))(
        EXTREME, jax.nn.one_hot(EXTREME_LABELS, 3))
    np.testing.assert_allclose(per_example, per_example_optax, rtol=1e-6)
    assert np.isfinite(per_example).all()


@pytest.mark.parametrize("name", ["sigmoid_binary_cross_entropy", "focal", "focal_alpha_gamma"])
def test_binary_losses_at_extreme_logits(name):
    ours, theirs, *_ = OPTAX_PAIRS[name]
    z = jnp.array([BIG, BIG, -BIG, -BIG, BIG, -BIG])
    y = jnp.array([1.0, 0.0, 1.0, 0.0, 0.5, 0.25])
    value, grad = value_and_grad(ours, z, y)
    value_optax, grad_optax = value_and_grad(theirs, z, y)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(value, value_optax, rtol=1e-6)
    np.testing.assert_allclose(grad, grad_optax, rtol=1e-6)


def test_binary_cross_entropy_exact_limits():
    z = jnp.array([BIG, BIG, -BIG, -BIG])
    y = jnp.array([1.0, 0.0, 1.0, 0.0])
    value, grad = value_and_grad(losses.sigmoid_binary_cross_entropy, z, y)
    np.testing.assert_allclose(value, [0.0, BIG, BIG, 0.0])
    np.testing.assert_allclose(grad, jax.nn.sigmoid(z) - y)  # [0, 1, -1, 0]


def test_log_softmax_and_kl_at_extreme_logits():
    log_q = losses.log_softmax(EXTREME)
    np.testing.assert_allclose(log_q, EXTREME - EXTREME.max(-1, keepdims=True), atol=1e-3)
    target = jnp.array([0.2, 0.3, 0.5])
    value, grad = value_and_grad(lambda z: losses.kl_divergence(losses.log_softmax(z), target),
                                 EXTREME)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(
        value, optax.losses.kl_divergence(jax.nn.log_softmax(EXTREME), target), rtol=1e-6)
