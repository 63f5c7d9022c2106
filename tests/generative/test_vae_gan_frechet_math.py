"""The VAE bounds against float64 NumPy and an exact linear-Gaussian model, the GAN's two-player
gradients, and the Fréchet distance against a closed form."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from jaxdl.generative import elbo as elbo_lib
from jaxdl.generative import gan
from jaxdl.generative.frechet import frechet_distance, gaussian_stats


def _numpy_bernoulli_elbo(x, W_enc, W_dec, b_dec, noise):
    """A tiny VAE in float64: linear encoder to (mean, log_var), linear decoder to logits."""
    h = x @ W_enc
    z_dim = W_enc.shape[1] // 2
    mean, log_var = h[:, :z_dim], h[:, z_dim:]
    z = mean + np.exp(0.5 * log_var) * noise
    logits = z @ W_dec + b_dec
    log_px = np.sum(x * logits - np.log1p(np.exp(logits)), axis=1)
    kl = 0.5 * np.sum(mean ** 2 + np.exp(log_var) - 1 - log_var, axis=1)
    return log_px - kl


def test_tiny_vae_elbo_matches_float64_numpy():
    rng = np.random.default_rng(0)
    x = (rng.random((5, 6)) < 0.5).astype(np.float64)
    W_enc, W_dec = rng.normal(size=(6, 4)) * 0.5, rng.normal(size=(2, 6))
    b_dec, noise = rng.normal(size=6), rng.normal(size=(5, 2))
    want = _numpy_bernoulli_elbo(x, W_enc, W_dec, b_dec, noise)

    h = jnp.asarray(x @ W_enc, jnp.float32)
    decode = lambda z, xx: elbo_lib.bernoulli_log_likelihood(  # noqa: E731
        z @ jnp.asarray(W_dec, jnp.float32) + jnp.asarray(b_dec, jnp.float32), xx)
    got, _, _ = elbo_lib.elbo(decode, jnp.asarray(x, jnp.float32), h[:, :2], h[:, 2:],
                              jnp.asarray(noise, jnp.float32))
    np.testing.assert_allclose(got, want, rtol=1e-5)


@pytest.mark.slow  # 4000 ELBO draws: the NumPy comparisons below run in CI
def test_bounds_equal_log_evidence_with_the_exact_posterior():
    # p(z) = N(0, I), p(x|z) = N(Wz + b, s^2 I): p(x) = N(b, W W^T + s^2 I), and the posterior is
    # Gaussian. With q = the posterior, every draw's weight p(x|z)p(z)/q(z|x) is p(x): L_k equals
    # log p(x) for any draws, and the ELBO does on average (its KL is exact, its E_q one draw).
    rng = np.random.default_rng(1)
    W, b, s = rng.normal(size=(3, 2)), rng.normal(size=3), 0.7
    x = rng.normal(size=(4, 3))
    cov = W @ W.T + s ** 2 * np.eye(3)
    diff = x - b
    log_px = -0.5 * (np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
                     + np.linalg.slogdet(cov)[1] + 3 * math.log(2 * math.pi))
    post_cov = np.linalg.inv(np.eye(2) + W.T @ W / s ** 2)
    post_mean = diff @ W @ post_cov.T / s ** 2
    # a diagonal q needs a diagonal posterior: rotate z so that W^T W is diagonal
    evals, evecs = np.linalg.eigh(W.T @ W)
    W_rot, mean_rot = W @ evecs, post_mean @ evecs
    log_var = np.log(np.broadcast_to(1 / (1 + evals / s ** 2), (4, 2)))

    f32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    decode = lambda z, xx: elbo_lib.gaussian_log_likelihood(  # noqa: E731
        z @ f32(W_rot.T) + f32(b), jnp.float32(math.log(s)), xx)
    noise = jax.random.normal(jax.random.key(0), (4000, 4, 2))
    got_elbo = jax.vmap(lambda n: elbo_lib.elbo(decode, f32(x), f32(mean_rot), f32(log_var),
                                                n)[0])(noise).mean(0)
    noise_k = jax.random.normal(jax.random.key(1), (7, 4, 2))
    got_iw = elbo_lib.importance_weighted_bound(decode, f32(x), f32(mean_rot), f32(log_var),
                                                noise_k)
    np.testing.assert_allclose(got_elbo, log_px, atol=0.05)  # Monte Carlo: sd about 0.01
    np.testing.assert_allclose(got_iw, log_px, rtol=1e-4)


def test_importance_weighted_bound_matches_float64_numpy():
    rng = np.random.default_rng(2)
    x = (rng.random((3, 5)) < 0.5).astype(np.float64)
    mean, log_var = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)) * 0.3
    W, noise = rng.normal(size=(2, 5)), rng.normal(size=(6, 3, 2))
    z = mean + np.exp(0.5 * log_var) * noise  # [K, B, Z]
    logits = z @ W
    log_px = np.sum(x * logits - np.log1p(np.exp(logits)), -1)
    log_prior = -0.5 * np.sum(z ** 2 + math.log(2 * math.pi), -1)
    log_q = -0.5 * np.sum((z - mean) ** 2 / np.exp(log_var) + log_var + math.log(2 * math.pi), -1)
    log_w = log_px + log_prior - log_q
    want = np.log(np.mean(np.exp(log_w - log_w.max(0)), 0)) + log_w.max(0)

    f32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    decode = lambda zz, xx: elbo_lib.bernoulli_log_likelihood(zz @ f32(W), xx)  # noqa: E731
    got = elbo_lib.importance_weighted_bound(decode, f32(x), f32(mean), f32(log_var), f32(noise))
    np.testing.assert_allclose(got, want, rtol=1e-5)


class _Players(nnx.Module):
    def __init__(self):
        self.generator = nnx.Linear(2, 3, rngs=nnx.Rngs(0))
        self.discriminator = nnx.Linear(3, 1, rngs=nnx.Rngs(1))


@pytest.mark.parametrize("kind", ["non_saturating", "hinge"])
def test_each_player_gets_the_gradient_of_its_own_loss_only(kind):
    model = _Players()
    real = jax.random.normal(jax.random.key(0), (8, 3)) + 2.0
    z = jax.random.normal(jax.random.key(1), (8, 2))
    graphdef, params = nnx.split(model, nnx.Param)

    def combined(p):
        m = nnx.merge(graphdef, p)
        return gan.two_player_loss(m.generator, m.discriminator, real, z, kind)[0]

    def d_only(p):
        m = nnx.merge(graphdef, p)
        fake = m.generator(z)
        return gan.discriminator_loss(m.discriminator(real), m.discriminator(fake), kind)

    def g_only(p):
        m = nnx.merge(graphdef, p)
        return gan.generator_loss(m.discriminator(m.generator(z)), kind)

    grads, d_grads, g_grads = (jax.grad(f)(params) for f in (combined, d_only, g_only))
    for name in ("kernel", "bias"):
        np.testing.assert_allclose(grads["discriminator"][name][...],
                                   d_grads["discriminator"][name][...], rtol=1e-6)
        np.testing.assert_allclose(grads["generator"][name][...],
                                   g_grads["generator"][name][...], rtol=1e-6)
        assert np.abs(g_grads["generator"][name][...]).sum() > 0  # the check is not vacuous


def test_player_optimizer_moves_only_the_player_with_a_learning_rate():
    model = _Players()
    _, params = nnx.split(model, nnx.Param)
    tx = gan.player_optimizer({"generator": optax.sgd(0.0), "discriminator": optax.sgd(0.1)})
    grads = jax.tree.map(jnp.ones_like, params)
    updates, _ = tx.update(grads, tx.init(params), params)
    new = optax.apply_updates(params, updates)
    np.testing.assert_array_equal(new["generator"]["kernel"][...],
                                  params["generator"]["kernel"][...])
    np.testing.assert_allclose(new["discriminator"]["kernel"][...],
                               params["discriminator"]["kernel"][...] - 0.1, rtol=1e-6)


def test_frechet_distance_matches_the_closed_form_for_diagonal_covariances():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([4.0, 1.0, 0.25])
    want = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(v1) - np.sqrt(v2)) ** 2)
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(want, rel=1e-9)
    features = np.random.default_rng(0).normal(size=(500, 4))
    mu, cov = gaussian_stats(features)
    assert frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-6)
