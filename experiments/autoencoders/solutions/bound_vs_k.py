"""Exercise 3 of the autoencoders article: how the importance-weighted bound L_k approaches
log p(x) as k grows, where log p(x) is known exactly.

Model: p(z) = N(0, 1), p(x | z) = N(w z, sigma_x^2), so p(x) = N(0, w^2 + sigma_x^2) and the
posterior is Gaussian. The encoder is deliberately imperfect (its mean off by 0.3, its standard
deviation 1.5x the posterior's), as a trained encoder is. For k = 1, 10, 100 we average
L_k over many draws: it rises towards log p(x), and the gap shrinks like c / k (Burda et al.;
Maddison et al. 2017: gap ~ Var[w] / (2 k E[w]^2)), so k * gap levels off (k = 1000 needs far
more draws to resolve a gap of 5e-4). The full exercise runs `--mode=bound --k=K` on a trained
VAE.

  python experiments/autoencoders/solutions/bound_vs_k.py
"""

import numpy as np
from scipy.special import logsumexp

W, SIGMA_X, X = 2.0, 0.5, 1.3


def normal_logpdf(value, mean, var):
    return -0.5 * (np.log(2 * np.pi * var) + (value - mean) ** 2 / var)


def gaps(ks=(1, 10, 100), repeats: int = 20_000, seed: int = 0) -> dict[int, float]:
    """k -> log p(x) - E[L_k]."""
    log_px = normal_logpdf(X, 0.0, W ** 2 + SIGMA_X ** 2)
    post_var = SIGMA_X ** 2 / (SIGMA_X ** 2 + W ** 2)
    post_mean = W * X / (W ** 2 + SIGMA_X ** 2)
    q_mean, q_var = post_mean + 0.3, (1.5 ** 2) * post_var
    rng = np.random.default_rng(seed)
    out = {}
    for k in ks:
        z = q_mean + np.sqrt(q_var) * rng.standard_normal((repeats, k))
        log_w = (normal_logpdf(X, W * z, SIGMA_X ** 2) + normal_logpdf(z, 0.0, 1.0)
                 - normal_logpdf(z, q_mean, q_var))
        bound = logsumexp(log_w, axis=1) - np.log(k)
        out[k] = float(log_px - bound.mean())
    return out


def main(tiny: bool = False):
    found = gaps()
    for k, gap in found.items():
        print(f"k = {k:4d}: log p(x) - L_k = {gap:.5f} nats, k * gap = {k * gap:.3f}")
    return found


if __name__ == "__main__":
    main()
