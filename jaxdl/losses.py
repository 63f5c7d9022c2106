"""Loss functions shared by the topics."""

import jax
import jax.numpy as jnp
import optax


def cross_entropy(logits: jax.Array, labels: jax.Array, mask: jax.Array | None = None) -> jax.Array:
    """Mean negative log-likelihood of integer `labels` under softmax(`logits`), over unmasked items."""
    losses = optax.softmax_cross_entropy_with_integer_labels(logits.astype(jnp.float32), labels)
    if mask is None:
        return losses.mean()
    mask = mask.astype(losses.dtype)
    return (losses * mask).sum() / jnp.maximum(mask.sum(), 1)


# ---- The losses of the `losses` topic, written out. Each returns one value per example (per
# element for the elementwise ones), as optax does; take `.mean()` for the batch loss. -----------


def squared_error(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """(p - t)^2 per element; its mean is the MSE. The Gaussian negative log-likelihood up to
    constants: the loss to use when the noise is roughly normal. Gradient 2 (p - t): large
    errors pull hardest, so one outlier can move the fit far."""
    return jnp.square(predictions - targets)


def absolute_error(predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """|p - t| per element; its mean is the MAE. The Laplace negative log-likelihood: its
    minimiser is the median, and every error pulls with the same force sign(p - t)."""
    return jnp.abs(predictions - targets)


def huber(predictions: jax.Array, targets: jax.Array, delta: float = 1.0) -> jax.Array:
    """0.5 r^2 where |r| <= delta, else delta (|r| - delta / 2), with r = p - t.

    Quadratic near zero, linear beyond `delta`, and continuous with its slope at |r| = delta:
    the gradient is r clipped to [-delta, delta]."""
    r = jnp.abs(predictions - targets)
    return jnp.where(r <= delta, 0.5 * jnp.square(r), delta * (r - 0.5 * delta))


def logsumexp(z: jax.Array, axis: int = -1, keepdims: bool = False) -> jax.Array:
    """log sum_j exp(z_j), as m + log sum_j exp(z_j - m) with m = max_j z_j.

    Every exp(z_j - m) is at most 1 and the largest is exactly 1, so nothing overflows and the
    sum is at least 1, so the log never sees 0. The result does not depend on m, which is why
    m may be held constant (stop_gradient) when differentiating."""
    m = jax.lax.stop_gradient(z.max(axis, keepdims=True))
    m = jnp.where(jnp.isfinite(m), m, 0.0)  # a row of all -inf gives -inf, not nan
    out = m + jnp.log(jnp.exp(z - m).sum(axis, keepdims=True))
    return out if keepdims else out.squeeze(axis)


def log_softmax(logits: jax.Array, axis: int = -1) -> jax.Array:
    """log softmax(z)_j = z_j - logsumexp(z): the log-probabilities without forming exp(z)."""
    return logits - logsumexp(logits, axis, keepdims=True)


def softmax_cross_entropy(logits: jax.Array, target_probs: jax.Array) -> jax.Array:
    """-sum_j y_j log softmax(z)_j over the last axis, for target distributions y (one-hot or
    smoothed); the categorical cross-entropy."""
    return -(target_probs * log_softmax(logits)).sum(-1)


def softmax_cross_entropy_integer(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """-log softmax(z)_label = logsumexp(z) - z_label: the categorical cross-entropy of integer
    labels."""
    return logsumexp(logits) - jnp.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]


def smooth_labels(one_hot: jax.Array, alpha: float) -> jax.Array:
    """(1 - alpha) y + alpha / K over K classes: a little probability on every wrong class, so the
    cross-entropy's minimum is at finite logits (gap log((1 - alpha + alpha/K) / (alpha/K)))."""
    return (1.0 - alpha) * one_hot + alpha / one_hot.shape[-1]


def log_sigmoid(z: jax.Array) -> jax.Array:
    """log sigmoid(z) = -log(1 + exp(-z)), as min(z, 0) - log1p(exp(-|z|)): the exp never
    overflows, and log1p keeps the digits of log(1 + tiny)."""
    # One condition picks both pieces, so that their slopes add up to sigmoid(-z) at z = 0 too
    # (jnp.minimum and jnp.abs each break the tie at 0 their own way: the gradient came out 1).
    positive = z >= 0
    abs_z = jnp.where(positive, z, -z)
    return jnp.where(positive, 0.0, z) - jnp.log1p(jnp.exp(-abs_z))


def sigmoid_binary_cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """-y log sigmoid(z) - (1 - y) log sigmoid(-z) per element, for labels y in [0, 1].

    With 1 - sigmoid(z) = sigmoid(-z), both terms go through the stable `log_sigmoid`, never
    through log of a probability that has rounded to 0."""
    labels = jnp.asarray(labels, logits.dtype)
    return -labels * log_sigmoid(logits) - (1.0 - labels) * log_sigmoid(-logits)


def sigmoid_focal_loss(logits: jax.Array, labels: jax.Array, alpha: float | None = None,
                       gamma: float = 2.0) -> jax.Array:
    """-alpha_t (1 - p_t)^gamma log p_t per element (Lin et al., 2017), p_t the probability given
    to the true label: cross-entropy scaled down on examples already classified well.

    1 - p_t = y (1 - p) + (1 - y) p, taken in log space so that it stays exact when p_t is close
    to 1; alpha_t = alpha y + (1 - alpha)(1 - y) weighs the positive class (None: no weight)."""
    labels = jnp.asarray(labels, logits.dtype)
    log_one_minus_p_t = jnp.logaddexp(jnp.log(labels) + log_sigmoid(-logits),
                                      jnp.log1p(-labels) + log_sigmoid(logits))
    loss = jnp.exp(gamma * log_one_minus_p_t) * sigmoid_binary_cross_entropy(logits, labels)
    if alpha is None:
        return loss
    return (alpha * labels + (1.0 - alpha) * (1.0 - labels)) * loss


def hinge(scores: jax.Array, targets: jax.Array) -> jax.Array:
    """max(0, 1 - t s) for targets t in {-1, +1}: zero once the example is on the right side with
    margin 1, the SVM's loss. Not a probability: it stops pushing correct examples."""
    return jnp.maximum(0.0, 1.0 - targets * scores)


def multiclass_hinge(scores: jax.Array, labels: jax.Array) -> jax.Array:
    """max_j (s_j + [j != y]) - s_y (Crammer and Singer, 2001): zero once the true class's score
    beats every other by at least 1, else the worst violation."""
    margins = scores + 1.0 - jax.nn.one_hot(labels, scores.shape[-1], dtype=scores.dtype)
    true_scores = jnp.take_along_axis(scores, labels[..., None], axis=-1)[..., 0]
    return margins.max(-1) - true_scores


def kl_divergence(log_predictions: jax.Array, targets: jax.Array) -> jax.Array:
    """KL(t || q) = sum_j t_j (log t_j - log q_j) over the last axis, with 0 log 0 = 0; q given as
    log-probabilities. It equals the cross-entropy minus the targets' entropy, so for fixed
    targets it has the same gradient as the cross-entropy, and it is 0 when q = t."""
    safe_log_targets = jnp.log(jnp.where(targets > 0, targets, 1.0))
    return (targets * (safe_log_targets - log_predictions)).sum(-1)
