"""Denoising diffusion: noise schedules, the forward process, the simple loss, and the DDPM and
DDIM samplers as jitted `lax.scan`s over the steps.

Notation (Ho et al. 2020; Song et al. 2021): T steps t = 0..T-1, betas b_t, alpha_t = 1 - b_t,
abar_t = prod_{s<=t} alpha_s. The forward process jumps straight to step t:

    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I)

The network eps(x_t, t) predicts the noise; the loss is E ||eps - eps(x_t, t)||^2 over uniform t.
DDPM's reverse step draws from the posterior q(x_{t-1} | x_t, x_0) with x_0 predicted from eps;
DDIM's step with `eta` = 1 over all T steps is the same distribution, with `eta` = 0 it is
deterministic, and it can skip steps (a subsequence of 10..250 of the T times).
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.errors import UserError

EpsFn = Callable[[jax.Array, jax.Array], jax.Array]  # (x_t [B, ...], t [B]) -> predicted noise


def betas(kind: str, steps: int) -> np.ndarray:
    """float64 [T] betas. linear: 1e-4 .. 0.02 scaled by 1000 / T (DDPM's, for any T); cosine:
    abar_t = cos^2(pi/2 (t/T + s)/(1 + s)) normalized to abar_0 = 1, s = 0.008 (Nichol and
    Dhariwal 2021), betas clipped at 0.999."""
    if kind == "linear":
        scale = 1000 / steps
        return np.linspace(scale * 1e-4, scale * 0.02, steps, dtype=np.float64)
    if kind == "cosine":
        s = 0.008
        f = np.cos((np.arange(steps + 1) / steps + s) / (1 + s) * np.pi / 2) ** 2
        return np.clip(1 - f[1:] / f[:-1], 0, 0.999)
    raise UserError(f"Unknown diffusion schedule {kind!r}: choose linear or cosine.")


def alpha_bars(kind: str, steps: int) -> np.ndarray:
    return np.cumprod(1 - betas(kind, steps))


def _expand(v_B: jax.Array, x: jax.Array) -> jax.Array:
    return v_B.reshape(-1, *([1] * (x.ndim - 1)))


def q_sample(abar_T: jax.Array, x0: jax.Array, t_B: jax.Array, noise: jax.Array) -> jax.Array:
    """A draw of x_t ~ q(x_t | x_0) given the standard normal `noise`."""
    abar = _expand(jnp.asarray(abar_T, jnp.float32)[t_B], x0)
    return jnp.sqrt(abar) * x0 + jnp.sqrt(1 - abar) * noise


def simple_loss(eps_fn: EpsFn, abar_T, x0: jax.Array, key: jax.Array) -> jax.Array:
    """Ho et al.'s L_simple per example [B]: the mean squared error of the predicted noise at a
    uniform random step."""
    t_key, noise_key = jax.random.split(key)
    t_B = jax.random.randint(t_key, (len(x0),), 0, len(abar_T))
    noise = jax.random.normal(noise_key, x0.shape)
    error = jnp.square(eps_fn(q_sample(abar_T, x0, t_B, noise), t_B) - noise)
    return error.reshape(len(x0), -1).mean(-1)


def guided(eps_fn: Callable, labels_B: jax.Array, null_label: int, scale: float) -> EpsFn:
    """Classifier-free guidance: eps_u + scale (eps_c - eps_u), where eps_c is conditioned on the
    labels and eps_u on the null label. scale 1 is the plain conditional model, 0 unconditional,
    > 1 pushes samples towards what makes their class likely. One batched call of 2B."""

    def eps(x, t_B):
        both = eps_fn(jnp.concatenate([x, x]), jnp.concatenate([t_B, t_B]),
                      jnp.concatenate([labels_B, jnp.full_like(labels_B, null_label)]))
        cond, uncond = jnp.split(both, 2)
        return uncond + scale * (cond - uncond)

    return eps


def predict_x0(x_t, eps, abar_t, clip: bool):
    x0 = (x_t - jnp.sqrt(1 - abar_t) * eps) / jnp.sqrt(abar_t)
    return jnp.clip(x0, -1, 1) if clip else x0


def ddim_step(x_t, eps, abar_t, abar_prev, eta: float, noise, clip: bool = True):
    """x_{t_prev} from x_t (Song et al., eq. 12): the predicted x_0 moved to abar_prev, the
    predicted noise direction, and fresh noise of standard deviation
    sigma = eta sqrt((1 - abar_prev)/(1 - abar_t)) sqrt(1 - abar_t/abar_prev)."""
    x0 = predict_x0(x_t, eps, abar_t, clip)
    if clip:  # the noise consistent with the clipped x_0
        eps = (x_t - jnp.sqrt(abar_t) * x0) / jnp.sqrt(1 - abar_t)
    var = ddim_variance(abar_t, abar_prev, eta)
    direction = jnp.sqrt(jnp.maximum(1 - abar_prev - var, 0)) * eps
    return jnp.sqrt(abar_prev) * x0 + direction + jnp.sqrt(var) * noise


def ddim_variance(abar_t, abar_prev, eta: float):
    return eta ** 2 * (1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev)


def ddpm_step(x_t, eps, abar_t, abar_prev, noise, clip: bool = True):
    """Ancestral step: x_{t-1} ~ q(x_{t-1} | x_t, x_0 = predicted x_0), whose mean mixes x_0 and
    x_t and whose variance is the posterior's, (1 - abar_prev)/(1 - abar_t) beta_t."""
    beta = 1 - abar_t / abar_prev
    x0 = predict_x0(x_t, eps, abar_t, clip)
    mean = (jnp.sqrt(abar_prev) * beta * x0 + jnp.sqrt(1 - beta) * (1 - abar_prev) * x_t) / (
        1 - abar_t)
    return mean + jnp.sqrt(posterior_variance(abar_t, abar_prev)) * noise


def posterior_variance(abar_t, abar_prev):
    return (1 - abar_prev) / (1 - abar_t) * (1 - abar_t / abar_prev)


def timesteps(total: int, steps: int) -> np.ndarray:
    """`steps` evenly spaced times from T-1 down to 0 (DDIM's subsequence; all of them when
    steps == T)."""
    if not 1 <= steps <= total:
        raise UserError(f"--steps={steps} must be between 1 and the {total} training steps.")
    return np.round(np.linspace(total - 1, 0, steps)).astype(np.int32)


def sample(eps_fn: EpsFn, abar_T, shape, key: jax.Array, *, steps: int, method: str = "ddim",
           eta: float = 0.0, clip: bool = True, trajectory: bool = False):
    """Draws x_0 from pure noise with `steps` steps of DDIM (any eta) or DDPM (all T steps).
    With `trajectory`, also returns every intermediate x_t, [steps + 1, *shape]. Pure: jit it."""
    abar_T = jnp.asarray(abar_T, jnp.float32)
    if method == "ddpm" and steps != len(abar_T):
        raise UserError(f"DDPM samples with all {len(abar_T)} steps: use --steps={len(abar_T)}, "
                        "or --method=ddim to skip steps.")
    ts = jnp.asarray(timesteps(len(abar_T), steps))
    prev = jnp.concatenate([ts[1:], jnp.array([-1])])
    init_key, loop_key = jax.random.split(key)

    def step(x, inputs):
        t, t_prev, step_key = inputs
        abar_t = abar_T[t]
        abar_prev = jnp.where(t_prev >= 0, abar_T[jnp.maximum(t_prev, 0)], 1.0)
        eps = eps_fn(x, jnp.full((shape[0],), t))
        noise = jax.random.normal(step_key, shape)
        if method == "ddpm":
            x = ddpm_step(x, eps, abar_t, abar_prev, noise, clip)
        else:
            x = ddim_step(x, eps, abar_t, abar_prev, eta, noise, clip)
        return x, (x if trajectory else None)

    x_T = jax.random.normal(init_key, shape)
    keys = jax.random.split(loop_key, steps)
    x0, path = jax.lax.scan(step, x_T, (ts, prev, keys))
    if trajectory:
        return x0, jnp.concatenate([x_T[None], path])
    return x0
