"""Exercise 4 of the autoencoders article (research-y), its smallest version: what does training
with the importance-weighted bound (IWAE, k = 5) instead of the ELBO do to the encoder?

Model: p(z) = N(0, 1), p(x | z) = N(w z, sigma_x^2) at one x, and an encoder whose mean is off
by 0.5 (an amortisation error, as any encoder shared across images has), with its variance s^2
free. We maximise E[L_k] over s^2 (a grid, common random numbers, float64) for k = 1 (the ELBO)
and k = 5. The ELBO picks the posterior's variance whatever the mean error (KL between Gaussians
separates mean and variance); the k = 5 bound prefers a BROADER encoder, whose draws cover the
posterior better, and it scores higher at its optimum. The full exercise trains a VAE with
`k = 5` on Fashion-MNIST and compares the test L_100 and the number of active latents.

  python experiments/autoencoders/solutions/iwae_encoder.py
"""

import numpy as np
from scipy.special import logsumexp

W, SIGMA_X, X, MEAN_ERROR = 2.0, 0.5, 1.3, 0.5


def normal_logpdf(value, mean, var):
    return -0.5 * (np.log(2 * np.pi * var) + (value - mean) ** 2 / var)


def best_variance(k: int, repeats: int = 4000, seed: int = 0) -> tuple[float, float]:
    """(the s^2 that maximises E[L_k], that maximum)."""
    post_var = SIGMA_X ** 2 / (SIGMA_X ** 2 + W ** 2)
    q_mean = W * X / (W ** 2 + SIGMA_X ** 2) + MEAN_ERROR
    noise = np.random.default_rng(seed).standard_normal((repeats, k))
    variances = post_var * np.linspace(0.5, 12.0, 116)
    scores = []
    for q_var in variances:
        z = q_mean + np.sqrt(q_var) * noise
        log_w = (normal_logpdf(X, W * z, SIGMA_X ** 2) + normal_logpdf(z, 0.0, 1.0)
                 - normal_logpdf(z, q_mean, q_var))
        scores.append(np.mean(logsumexp(log_w, axis=1) - np.log(k)))
    best = int(np.argmax(scores))
    return float(variances[best]), float(scores[best])


def main(tiny: bool = False):
    post_var = SIGMA_X ** 2 / (SIGMA_X ** 2 + W ** 2)
    found = {k: best_variance(k) for k in (1, 5)}
    for k, (var, score) in found.items():
        print(f"k = {k}: best encoder variance {var:.4f} ({var / post_var:.2f}x the posterior's), "
              f"E[L_k] there {score:.4f}")
    return {"posterior": post_var, "best": found}


if __name__ == "__main__":
    main()
