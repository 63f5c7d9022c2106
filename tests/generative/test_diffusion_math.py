"""Diffusion math: schedules, the forward process by Monte Carlo, DDPM vs DDIM, guidance, EMA."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.generative import diffusion
from jaxdl.generative.ema import Averaged


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_schedules_decrease_from_one_to_nearly_zero(kind):
    abar = diffusion.alpha_bars(kind, 1000)
    assert np.all(np.diff(abar) < 0) and 0.99 < abar[0] < 1 and abar[-1] < 1e-4
    b = diffusion.betas(kind, 1000)
    if kind == "linear":
        np.testing.assert_allclose(b[[0, -1]], [1e-4, 0.02])


def test_unknown_schedule_is_a_user_error():
    with pytest.raises(UserError, match="linear or cosine"):
        diffusion.betas("quadratic", 10)


@pytest.mark.parametrize("t", [0, 250, 999])
def test_forward_process_has_the_schedules_mean_and_variance(t):
    abar = diffusion.alpha_bars("cosine", 1000)
    x0 = jnp.array([-1.0, 0.3, 0.9])
    n = 200_000
    noise = jax.random.normal(jax.random.key(t), (n, 3))
    x_t = diffusion.q_sample(abar, jnp.broadcast_to(x0, (n, 3)), jnp.full((n,), t), noise)
    mean, var = np.mean(x_t, 0), np.var(x_t, 0)
    want_mean, want_var = np.sqrt(abar[t]) * np.asarray(x0), 1 - abar[t]
    # 5 standard errors of the Monte Carlo estimates
    np.testing.assert_allclose(mean, want_mean, atol=5 * np.sqrt(want_var / n))
    np.testing.assert_allclose(var, want_var, atol=5 * want_var * np.sqrt(2 / n) + 1e-7)


def test_ddim_with_eta_one_over_all_steps_has_the_ddpm_posterior_variance():
    abar = diffusion.alpha_bars("linear", 1000)
    abar_prev = np.concatenate([[1.0], abar[:-1]])
    beta = diffusion.betas("linear", 1000)
    posterior = (1 - abar_prev) / (1 - abar) * beta  # Ho et al.'s beta tilde, float64
    np.testing.assert_allclose(diffusion.ddim_variance(abar, abar_prev, 1.0), posterior, rtol=1e-9)
    np.testing.assert_allclose(diffusion.posterior_variance(abar, abar_prev), posterior, rtol=1e-9)


@pytest.mark.parametrize("clip", [False, True])
def test_ddim_step_with_eta_one_is_the_ddpm_step(clip):
    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    x_t, eps, noise = (jax.random.normal(k, (4, 5)) for k in (k1, k2, k3))
    abar = diffusion.alpha_bars("cosine", 1000)
    for t in (1, 500, 999):
        a, p = jnp.float32(abar[t]), jnp.float32(abar[t - 1])
        np.testing.assert_allclose(diffusion.ddim_step(x_t, eps, a, p, 1.0, noise, clip),
                                   diffusion.ddpm_step(x_t, eps, a, p, noise, clip),
                                   rtol=1e-4, atol=1e-5)


@pytest.mark.slow  # two compiled 20-step scans; the step-level equivalence runs in CI
def test_ddpm_and_ddim_eta_one_samplers_agree_with_the_same_key():
    abar = diffusion.alpha_bars("linear", 20)
    eps_fn = lambda x, t: 0.3 * x  # noqa: E731  any fixed network will do
    kwargs = dict(shape=(3, 4), key=jax.random.key(1), steps=20, clip=False)
    ddpm = diffusion.sample(eps_fn, abar, method="ddpm", **kwargs)
    ddim = diffusion.sample(eps_fn, abar, method="ddim", eta=1.0, **kwargs)
    np.testing.assert_allclose(ddpm, ddim, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("method,steps,eta", [
    pytest.param("ddpm", 20, 1.0, marks=pytest.mark.slow), ("ddim", 10, 0.0),
    pytest.param("ddim", 10, 1.0, marks=pytest.mark.slow)])
def test_samplers_recover_a_point_mass_with_its_exact_noise_predictor(method, steps, eta):
    # Data that is always c: the optimal noise prediction is (x_t - sqrt(abar_t) c)/sqrt(1-abar_t),
    # so every sampler must land on c exactly (up to float32).
    abar = diffusion.alpha_bars("cosine", 20)
    c = jnp.array([0.5, -0.25, 0.0, 0.75])
    abar32 = jnp.asarray(abar, jnp.float32)

    def eps_fn(x, t_B):
        a = abar32[t_B][:, None]
        return (x - jnp.sqrt(a) * c) / jnp.sqrt(1 - a)

    x0, path = diffusion.sample(eps_fn, abar, (6, 4), jax.random.key(2), steps=steps,
                                method=method, eta=eta, clip=False, trajectory=True)
    np.testing.assert_allclose(x0, jnp.broadcast_to(c, (6, 4)), atol=1e-4)
    assert path.shape == (steps + 1, 6, 4)
    np.testing.assert_allclose(path[-1], x0)


def test_ddim_eta_zero_ignores_the_noise():
    x_t, eps = jnp.ones((2, 3)), jnp.full((2, 3), 0.5)
    a, p = jnp.float32(0.3), jnp.float32(0.6)
    np.testing.assert_array_equal(diffusion.ddim_step(x_t, eps, a, p, 0.0, jnp.zeros((2, 3))),
                                  diffusion.ddim_step(x_t, eps, a, p, 0.0, jnp.ones((2, 3))))


def test_x0_prediction_inverts_the_forward_process():
    abar = diffusion.alpha_bars("linear", 1000)
    x0 = jax.random.uniform(jax.random.key(3), (5, 2), minval=-1, maxval=1)
    noise = jax.random.normal(jax.random.key(4), (5, 2))
    t = jnp.array([0, 10, 100, 500, 900])
    x_t = diffusion.q_sample(abar, x0, t, noise)
    a = jnp.asarray(abar, jnp.float32)[t][:, None]
    np.testing.assert_allclose(diffusion.predict_x0(x_t, noise, a, clip=False), x0, atol=2e-3)


@pytest.mark.slow
def test_simple_loss_is_the_mean_square_of_the_noise_for_a_zero_network():
    abar = diffusion.alpha_bars("linear", 1000)
    loss = diffusion.simple_loss(lambda x, t: jnp.zeros_like(x), abar,
                                 jnp.zeros((16, 16, 16)), jax.random.key(5)).mean()
    assert abs(float(loss) - 1.0) < 0.05  # 4,096 squared standard normals: sd 0.022


def test_guidance_mixes_conditional_and_unconditional_predictions():
    def eps_fn(x, t, labels):  # depends on the label so that the two branches differ
        return x * (1.0 + labels[:, None])

    x, t, labels = jnp.ones((2, 3)), jnp.zeros(2), jnp.array([1, 2])
    null = 9
    cond, uncond = eps_fn(x, t, labels), eps_fn(x, t, jnp.full(2, null))
    for scale in (0.0, 1.0, 3.0):
        np.testing.assert_allclose(diffusion.guided(eps_fn, labels, null, scale)(x, t),
                                   uncond + scale * (cond - uncond), rtol=1e-6)


def test_timesteps_run_down_to_zero_and_reject_bad_counts():
    np.testing.assert_array_equal(diffusion.timesteps(1000, 5), [999, 749, 500, 250, 0])
    np.testing.assert_array_equal(diffusion.timesteps(4, 4), [3, 2, 1, 0])
    with pytest.raises(UserError, match="steps"):
        diffusion.timesteps(10, 11)


def test_ema_follows_the_warmed_up_decay():
    net = nnx.Linear(2, 2, rngs=nnx.Rngs(0))
    model = Averaged(net, decay=0.9)
    average = np.asarray(net.kernel[...], np.float64)
    for n in range(30):
        net.kernel[...] = net.kernel[...] + 1.0
        model.update()
        decay = min(0.9, (1 + n) / (10 + n))
        average = decay * average + (1 - decay) * np.asarray(net.kernel[...])
    np.testing.assert_allclose(model.averaged_net().kernel[...], average, rtol=1e-5)
    np.testing.assert_allclose(model.averaged_net().bias[...], 0.0)  # a constant averages to itself
