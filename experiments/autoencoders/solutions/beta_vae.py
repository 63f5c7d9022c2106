"""Exercise 2 of the autoencoders article (beta-VAE), worked out where it has a closed form.

Model: p(z) = N(0, 1), p(x | z) = N(w z, sigma_x^2), encoder q(z | x) = N(a x, s^2). The
beta-weighted negative ELBO is E_q[(x - w z)^2] / (2 sigma_x^2) + beta KL(q || p) + const, whose
s^2-dependent part is w^2 s^2 / (2 sigma_x^2) + beta (s^2 - log s^2) / 2. Setting its derivative
to zero gives the encoder's variance s^2 = beta sigma_x^2 / (beta sigma_x^2 + w^2): beta > 1
makes the codes noisier (reconstructions blur, the KL falls, samples look more like the average
decoded code), beta < 1 sharper. Found numerically here (a grid over s^2) and compared with the
formula for beta = 0.5, 1 and 4; beta = 1 gives the exact posterior's variance. The full exercise
adds `beta` to the VAE's loss and trains on Fashion-MNIST.

  python experiments/autoencoders/solutions/beta_vae.py
"""

import numpy as np

W, SIGMA_X = 2.0, 0.5


def best_variance(beta: float) -> tuple[float, float]:
    """(argmin over a grid of the s^2 part of the beta objective, the closed form)."""
    s2 = np.linspace(1e-4, 1.0, 200_001)
    objective = W ** 2 * s2 / (2 * SIGMA_X ** 2) + beta * (s2 - np.log(s2)) / 2
    closed = beta * SIGMA_X ** 2 / (beta * SIGMA_X ** 2 + W ** 2)
    return float(s2[np.argmin(objective)]), closed


def main(tiny: bool = False):
    found = {beta: best_variance(beta) for beta in (0.5, 1.0, 4.0)}
    posterior = SIGMA_X ** 2 / (SIGMA_X ** 2 + W ** 2)  # Var[z | x] of this model
    for beta, (grid, closed) in found.items():
        print(f"beta {beta}: encoder variance {grid:.5f} (formula {closed:.5f})")
    print(f"exact posterior variance {posterior:.5f}")
    return {"variances": found, "posterior": posterior}


if __name__ == "__main__":
    main()
