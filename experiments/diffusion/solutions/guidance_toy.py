"""Exercise 2 of the diffusion article, on a toy whose noise predictor is exact: how guidance
trades variety for typicality.

Data: 1-D, two equally likely classes, N(-1, 0.5^2) and N(+1, 0.5^2). At step t the noisy
marginal of class k is N(sqrt(abar_t) m_k, abar_t s^2 + 1 - abar_t), so the exact conditional
and unconditional noise predictions are eps = -sqrt(1 - abar_t) * score. Guided DDIM (50 steps,
eta 0) with scale w in 0, 1, 3, 5, with DDIM's update in NumPy: "accuracy" is the share of
samples on their class's side of 0, "spread" their standard deviation around the class mean
(the data's is 0.5). The full exercise sweeps `--guidance` on the Fashion-MNIST model with
`jaxdl.experiments.generative_table` (FD and conditional accuracy per scale).

  python experiments/diffusion/solutions/guidance_toy.py
"""

import numpy as np

from jaxdl.generative.diffusion import alpha_bars, timesteps

MEANS, STD = np.array([-1.0, 1.0]), 0.5


def ddim_step(x, eps, abar, abar_next):
    """Deterministic DDIM (eta 0, no clipping) in float64 NumPy: the predicted x_0 moved to
    abar_next plus the predicted noise direction (jaxdl.generative.diffusion.ddim_step in JAX)."""
    x0 = (x - np.sqrt(1 - abar) * eps) / np.sqrt(abar)
    return np.sqrt(abar_next) * x0 + np.sqrt(1 - abar_next) * eps


def exact_eps(x, abar, label=None):
    """Noise prediction of the class `label` (None: of the two-class mixture)."""
    var = abar * STD ** 2 + 1 - abar
    centred = x[:, None] - np.sqrt(abar) * MEANS[None]  # [N, 2]
    if label is None:
        log_w = -centred ** 2 / (2 * var)
        w = np.exp(log_w - log_w.max(1, keepdims=True))
        w /= w.sum(1, keepdims=True)
        score = -(w * centred).sum(1) / var
    else:
        score = -centred[:, label] / var
    return -np.sqrt(1 - abar) * score


def guided_samples(scale: float, label: int, num: int = 2000, steps: int = 50, seed: int = 0):
    abar_T = alpha_bars("cosine", 1000)
    ts = timesteps(1000, steps)
    x = np.random.default_rng(seed).standard_normal(num)
    for i, t in enumerate(ts):
        abar_prev = abar_T[ts[i + 1]] if i + 1 < len(ts) else 1.0
        cond, uncond = exact_eps(x, abar_T[t], label), exact_eps(x, abar_T[t])
        eps = uncond + scale * (cond - uncond)
        x = ddim_step(x, eps, abar_T[t], abar_prev)
    return x


def main(tiny: bool = False):
    found = {}
    for scale in (0.0, 1.0, 3.0, 5.0):
        x = guided_samples(scale, label=1)
        found[scale] = {"accuracy": float(np.mean(x > 0)), "spread": float(np.std(x[x > 0]))}
        print(f"guidance {scale}: accuracy {found[scale]['accuracy']:.3f}, "
              f"spread {found[scale]['spread']:.3f}")
    return found


if __name__ == "__main__":
    main()
