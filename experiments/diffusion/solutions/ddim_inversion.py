"""Exercise 3 of the diffusion article: DDIM at eta = 0 is a discretised ODE, so it can be run
forwards to encode an image into noise and backwards to decode it. How close is the round trip?

Here the data is a Gaussian, N(0.3, 0.4^2) per coordinate, so the exact noise prediction is
known, eps(x, t) = sqrt(1 - abar_t) (x - sqrt(abar_t) m) / (abar_t s^2 + 1 - abar_t), and every
error is the sampler's own discretisation error. Encoding uses the same update as sampling,
moved from abar_t up to the next, noisier abar (Euler steps of the ODE in the other direction).
The full exercise does the same with the trained Fashion-MNIST network as eps.

  python experiments/diffusion/solutions/ddim_inversion.py
"""

import numpy as np

from jaxdl.generative.diffusion import alpha_bars, timesteps

MEAN, STD = 0.3, 0.4


def ddim_step(x, eps, abar, abar_next):
    """Deterministic DDIM (eta 0, no clipping) in float64 NumPy: the predicted x_0 moved to
    abar_next plus the predicted noise direction (jaxdl.generative.diffusion.ddim_step in JAX)."""
    x0 = (x - np.sqrt(1 - abar) * eps) / np.sqrt(abar)
    return np.sqrt(abar_next) * x0 + np.sqrt(1 - abar_next) * eps


def exact_eps(x, abar):
    return np.sqrt(1 - abar) * (x - np.sqrt(abar) * MEAN) / (abar * STD ** 2 + 1 - abar)


def round_trip_error(steps: int, num: int = 1000, seed: int = 0) -> float:
    """Mean |x_0 - decode(encode(x_0))| over `num` data points."""
    abar_T = alpha_bars("cosine", 1000)
    ts = timesteps(1000, steps)[::-1]  # increasing times
    levels = np.concatenate([[1.0], abar_T[ts]])  # abar of x_0 (1.0), then of each time
    x0 = MEAN + STD * np.random.default_rng(seed).standard_normal(num)
    # encode, towards noise: the first step leaves abar = 1, where there is no noise to read,
    # so it reads eps at its noisier end; later steps read it where they start
    x = np.sqrt(levels[1]) * x0 + np.sqrt(1 - levels[1]) * exact_eps(x0, levels[1])
    for here, there in zip(levels[1:-1], levels[2:]):
        x = ddim_step(x, exact_eps(x, here), here, there)
    for here, there in zip(levels[::-1][:-1], levels[::-1][1:]):  # decode, towards data
        x = ddim_step(x, exact_eps(x, here), here, there)
    return float(np.mean(np.abs(x - x0)))


def main(tiny: bool = False):
    found = {steps: round_trip_error(steps) for steps in (10, 50, 250)}
    for steps, error in found.items():
        print(f"{steps} steps: mean round-trip error {error:.2e} (data std {STD})")
    return found


if __name__ == "__main__":
    main()
