"""Activation functions and their derivatives, each derivative written out by hand.

Backpropagation multiplies the gradient arriving at a layer's output by the activation's
derivative at every unit, so the derivative, more than the function, decides whether gradients
survive a deep network: sigmoid's is at most 1/4 and vanishes for large |x|, ReLU's is exactly 0
or 1, and so on. Every `<name>_derivative` here is checked against `jax.grad` of `<name>` in the
tests; `ELEMENTWISE` lists them in pairs. Softmax maps a vector to a vector, so it has a Jacobian
(`softmax_jacobian`) and, as backprop uses it, a vector-Jacobian product (`softmax_vjp`).
"""

import math

import jax.numpy as jnp
from jax import lax

GELU_TANH_C = math.sqrt(2 / math.pi)  # the constants of GELU's tanh approximation
GELU_TANH_A = 0.044715


def sigmoid(x):
    """1 / (1 + e^-x), computed from e^-|x| only: for x < 0 as e^x / (1 + e^x), the same number.
    No exponential overflows, and tiny outputs keep their relative precision."""
    e = jnp.exp(jnp.where(x >= 0, -x, x))  # e^-|x|; where(), unlike abs, has slope 1 at 0
    return jnp.where(x >= 0, 1.0, e) / (1.0 + e)


def sigmoid_derivative(x):
    s = sigmoid(x)
    return s * (1.0 - s)  # at most 1/4, at x = 0


def tanh(x):
    return jnp.tanh(x)


def tanh_derivative(x):
    return 1.0 - jnp.tanh(x) ** 2  # tanh(x) = 2 sigmoid(2x) - 1, so 4x sigmoid's: at most 1


def relu(x):
    return jnp.where(x > 0, x, 0.0)  # not maximum(x, 0): jax.grad splits a tie, slope 1/2 at 0


def relu_derivative(x):
    # Undefined at 0; 0 there, like jax.nn.relu, so a unit that sits at exactly 0 gets no update.
    return (x > 0).astype(jnp.result_type(x, float))


def leaky_relu(x, negative_slope=0.01):
    return jnp.where(x > 0, x, negative_slope * x)


def leaky_relu_derivative(x, negative_slope=0.01):
    return jnp.where(x > 0, 1.0, negative_slope)


def elu(x, alpha=1.0):
    """x for x > 0, alpha (e^x - 1) below. The exponential only sees inputs <= 0: jnp.where
    evaluates both branches, and e^x of a large positive x would be inf, whose gradient (inf * 0)
    is NaN even though where() discards the value."""
    return jnp.where(x > 0, x, alpha * jnp.expm1(negative_part(x)))


def elu_derivative(x, alpha=1.0):
    return jnp.where(x > 0, 1.0, alpha * jnp.exp(negative_part(x)))


def negative_part(x):
    return jnp.where(x > 0, 0.0, x)


def normal_cdf(x):
    # Not (1 + erf(x / sqrt 2)) / 2: for x << 0 that is 1 minus nearly 1, and float32 keeps none
    # of the difference; erfc(-x / sqrt 2) computes the small tail directly.
    return 0.5 * lax.erfc(-x / math.sqrt(2))


def normal_pdf(x):
    return jnp.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def gelu(x):
    """x Phi(x), Phi the standard normal CDF: the input, kept with the probability that a
    standard normal variable lies below it. Exact (erf) form, BERT's and PyTorch's default."""
    return x * normal_cdf(x)


def gelu_derivative(x):
    return normal_cdf(x) + x * normal_pdf(x)  # product rule; Phi' = phi


def gelu_tanh(x):
    """GPT-2's approximation x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + jnp.tanh(GELU_TANH_C * (x + GELU_TANH_A * x**3)))


def gelu_tanh_derivative(x):
    t = jnp.tanh(GELU_TANH_C * (x + GELU_TANH_A * x**3))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t**2) * GELU_TANH_C * (1.0 + 3 * GELU_TANH_A * x**2)


def swish(x, beta=1.0):
    """x sigmoid(beta x); beta = 1 is SiLU. beta -> infinity tends to ReLU, beta = 0 is x / 2."""
    return x * sigmoid(beta * x)


def swish_derivative(x, beta=1.0):
    s = sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)


def silu(x):
    return swish(x)


def silu_derivative(x):
    return swish_derivative(x)


def softmax(x, axis=-1):
    """e^x_i / sum_j e^x_j along `axis`, after subtracting the largest x: the result is the same
    (the factor e^-max cancels) and no exponent exceeds 0, so none overflows."""
    shifted = jnp.exp(x - jnp.max(x, axis=axis, keepdims=True))
    return shifted / jnp.sum(shifted, axis=axis, keepdims=True)


def softmax_jacobian(x):
    """d softmax(x)_i / d x_j = s_i (delta_ij - s_j) for a vector x: diag(s) - s s^T."""
    s = softmax(x)
    return jnp.diag(s) - jnp.outer(s, s)


def softmax_vjp(x, g, axis=-1):
    """g^T J without forming J: s * (g - <g, s>). What backprop needs, in O(n) instead of O(n^2)."""
    s = softmax(x, axis=axis)
    return s * (g - jnp.sum(g * s, axis=axis, keepdims=True))


# name: (function, derivative), for the tests and the experiments.
ELEMENTWISE = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "gelu": (gelu, gelu_derivative),
    "gelu_tanh": (gelu_tanh, gelu_tanh_derivative),
    "silu": (silu, silu_derivative),
}
