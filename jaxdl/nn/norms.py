"""Normalization layers written out from their formulas: BatchNorm, LayerNorm, RMSNorm, GroupNorm.

Each computes a mean and a variance over some axes of its input `x` of shape [N, ..., C]
(N examples, C features last), then

    y = (x - mean) / sqrt(var + eps) * scale + bias        (RMSNorm: no mean, no bias)

with a learned `scale` and `bias` per feature. They differ only in the axes they average over:

    BatchNorm  every axis but the features: one mean per feature, shared by the batch
    LayerNorm  the feature axis: one mean per example (and position)
    RMSNorm    the feature axis, without subtracting the mean
    GroupNorm  the features of one group, and every axis but the batch: one mean per example+group

Defaults, variable names and the running-average convention follow `flax.nnx`, so that the tests
can compare them with it. Variances are computed in two passes, E[(x - mean)^2], which stays
accurate when |mean| is much larger than the spread (flax's default E[x^2] - mean^2 does not).
"""

import jax
import jax.numpy as jnp
from flax import nnx


def normalize(x, mean, var, eps, scale=None, bias=None):
    """(x - mean) / sqrt(var + eps), then times `scale` and plus `bias` where given."""
    y = (x - mean) * jax.lax.rsqrt(var + eps)
    if scale is not None:
        y = y * scale
    if bias is not None:
        y = y + bias
    return y


def _scale_and_bias(num_features: int, use_bias: bool = True):
    # Nothing random: a normalization layer starts as the identity map after normalizing.
    return nnx.Param(jnp.ones((num_features,))), (
        nnx.Param(jnp.zeros((num_features,))) if use_bias else None)


class BatchNorm(nnx.Module):
    """Normalizes each feature by its mean and variance over the batch (and any middle axes).

    Training mode (`use_running_average=False`, what `model.train()` sets) uses the statistics of
    the current batch and folds them into running averages, as flax does:

        running = momentum * running + (1 - momentum) * batch_statistic

    (PyTorch's `momentum=0.1` is flax's 0.9; PyTorch also stores the unbiased variance.)
    Evaluation mode (`model.eval()`) uses the running averages, so an example's output no longer
    depends on the other examples in its batch.
    """

    def __init__(self, num_features: int, *, momentum: float = 0.99, eps: float = 1e-5):
        self.scale, self.bias = _scale_and_bias(num_features)
        self.mean = nnx.BatchStat(jnp.zeros((num_features,)))
        self.var = nnx.BatchStat(jnp.ones((num_features,)))
        self.momentum, self.eps = momentum, eps
        self.use_running_average = False

    def __call__(self, x: jax.Array) -> jax.Array:
        if self.use_running_average:
            mean, var = self.mean[...], self.var[...]
        else:
            batch_axes = tuple(range(x.ndim - 1))
            mean = x.mean(batch_axes)
            var = jnp.square(x - mean).mean(batch_axes)
            # The running averages are bookkeeping, not part of the function being differentiated.
            m = self.momentum
            self.mean[...] = m * self.mean[...] + (1 - m) * jax.lax.stop_gradient(mean)
            self.var[...] = m * self.var[...] + (1 - m) * jax.lax.stop_gradient(var)
        return normalize(x, mean, var, self.eps, self.scale[...], self.bias[...])


class LayerNorm(nnx.Module):
    """Normalizes each example over its own features: independent of the batch, same in training
    and evaluation."""

    def __init__(self, num_features: int, *, eps: float = 1e-6, use_bias: bool = True):
        self.scale, self.bias = _scale_and_bias(num_features, use_bias)
        self.eps = eps

    def __call__(self, x: jax.Array) -> jax.Array:
        mean = x.mean(-1, keepdims=True)
        var = jnp.square(x - mean).mean(-1, keepdims=True)
        return normalize(x, mean, var, self.eps, self.scale[...],
                         None if self.bias is None else self.bias[...])


class RMSNorm(nnx.Module):
    """LayerNorm without centring: x / sqrt(mean(x^2) + eps) * scale. One reduction fewer, and in
    transformers it works as well (Zhang and Sennrich, 2019; used by Llama)."""

    def __init__(self, num_features: int, *, eps: float = 1e-6):
        self.scale, _ = _scale_and_bias(num_features, use_bias=False)
        self.eps = eps

    def __call__(self, x: jax.Array) -> jax.Array:
        mean_square = jnp.square(x).mean(-1, keepdims=True)
        return normalize(x, 0.0, mean_square, self.eps, self.scale[...])


class GroupNorm(nnx.Module):
    """Splits the C features into `num_groups` groups of C / num_groups and normalizes each group
    of each example over its features and every middle axis (an image's pixels). One group is
    LayerNorm over everything but the batch; C groups is InstanceNorm."""

    def __init__(self, num_features: int, num_groups: int = 32, *, eps: float = 1e-6):
        if num_features % num_groups:
            raise ValueError(f"{num_features} features do not split into {num_groups} groups.")
        self.scale, self.bias = _scale_and_bias(num_features)
        self.num_groups, self.eps = num_groups, eps

    def __call__(self, x: jax.Array) -> jax.Array:
        grouped = x.reshape(*x.shape[:-1], self.num_groups, -1)   # [N, ..., G, C/G]
        axes = (*range(1, x.ndim - 1), -1)                         # middle axes and C/G
        mean = grouped.mean(axes, keepdims=True)
        var = jnp.square(grouped - mean).mean(axes, keepdims=True)
        y = normalize(grouped, mean, var, self.eps).reshape(x.shape)
        return y * self.scale[...] + self.bias[...]
