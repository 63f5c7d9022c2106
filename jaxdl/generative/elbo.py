"""The VAE's objective: the evidence lower bound (ELBO) and the importance-weighted bound.

With an encoder q(z|x) = N(mu, diag(sigma^2)), the prior p(z) = N(0, I) and a decoder p(x|z),

    log p(x) >= ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)),
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)          (closed form),

and the expectation is estimated with one reparameterized draw z = mu + sigma * eps, which lets
gradients flow through the sampling. The importance-weighted bound (Burda et al. 2016) with k
draws is tighter and tends to log p(x) as k grows:

    L_k = log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x),   z_i ~ q(z|x).

Decoders: Bernoulli over binarized pixels (logits), or a Gaussian with one learned standard
deviation for all pixels (`log_sigma`). Everything is per example, in nats, summed over pixels.
"""

import math

import jax
import jax.numpy as jnp


def sum_per_example(x: jax.Array) -> jax.Array:
    return x.reshape(len(x), -1).sum(-1)


def bernoulli_log_likelihood(logits: jax.Array, x: jax.Array) -> jax.Array:
    """log p(x|z) for x in {0, 1}: -sum of binary cross-entropies, written stably."""
    return -sum_per_example(jnp.logaddexp(0.0, logits) - x * logits)


def gaussian_log_likelihood(mean: jax.Array, log_sigma: jax.Array, x: jax.Array) -> jax.Array:
    return sum_per_example(-0.5 * jnp.square((x - mean) / jnp.exp(log_sigma)) - log_sigma
                           - 0.5 * math.log(2 * math.pi))


def diagonal_normal_log_density(z, mean, log_var) -> jax.Array:
    return -0.5 * (jnp.square(z - mean) / jnp.exp(log_var) + log_var + math.log(2 * math.pi)).sum(-1)


def kl_to_standard_normal(mean, log_var) -> jax.Array:
    return 0.5 * (jnp.square(mean) + jnp.exp(log_var) - 1 - log_var).sum(-1)


def reparameterize(mean, log_var, noise) -> jax.Array:
    return mean + jnp.exp(0.5 * log_var) * noise


def elbo(log_likelihood_fn, x, mean, log_var, noise) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Per example (ELBO, reconstruction log-likelihood, KL), one draw per example.
    `log_likelihood_fn(z, x)` is the decoder's log p(x|z)."""
    log_px = log_likelihood_fn(reparameterize(mean, log_var, noise), x)
    kl = kl_to_standard_normal(mean, log_var)
    return log_px - kl, log_px, kl


def importance_weighted_bound(log_likelihood_fn, x, mean, log_var, noise_KBZ) -> jax.Array:
    """Per example L_k with the k draws of `noise_KBZ` (k = its first axis)."""

    def log_weight(noise_BZ):
        z = reparameterize(mean, log_var, noise_BZ)
        log_prior = diagonal_normal_log_density(z, 0.0, jnp.zeros_like(z))
        return log_likelihood_fn(z, x) + log_prior - diagonal_normal_log_density(z, mean, log_var)

    log_w_KB = jax.lax.map(log_weight, noise_KBZ)  # one draw at a time: k x the decoder's memory
    return jax.nn.logsumexp(log_w_KB, axis=0) - math.log(len(noise_KBZ))
