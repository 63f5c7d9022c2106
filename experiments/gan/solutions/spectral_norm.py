"""Exercise 5 of the GAN article, its first step: spectral normalisation (Miyato et al., 2018)
divides each discriminator weight by its largest singular value, estimated by power iteration
(one step per training step, the vector u kept between steps). A conv kernel [k, k, C_in,
C_out] is reshaped to a [k k C_in, C_out] matrix first, as the paper does. Here: how fast power
iteration converges on the kernel of a DCGAN-sized layer, compared with NumPy's SVD, and that
the normalised kernel's largest singular value is 1. The research-y part (train D with it and
compare the class histograms of samples) runs on the full Fashion-MNIST setup.

  python experiments/gan/solutions/spectral_norm.py
"""

import numpy as np


def power_iteration(matrix: np.ndarray, steps: int, seed: int = 0) -> float:
    u = np.random.default_rng(seed).standard_normal(matrix.shape[1])
    for _ in range(steps):
        v = matrix @ u
        v /= np.linalg.norm(v)
        u = matrix.T @ v
        u /= np.linalg.norm(u)
    return float(v @ matrix @ u)


def main(tiny: bool = False, seed: int = 0):
    kernel = np.random.default_rng(seed).normal(0, 0.05, (3, 3, 64, 128))  # a D layer's conv
    matrix = kernel.reshape(-1, kernel.shape[-1])
    exact = float(np.linalg.svd(matrix, compute_uv=False)[0])
    estimates = {steps: power_iteration(matrix, steps) for steps in (1, 10, 100, 1000)}
    normalised = float(np.linalg.svd(matrix / estimates[1000], compute_uv=False)[0])
    print(f"largest singular value {exact:.4f}; power iteration {estimates}; "
          f"after normalising: {normalised:.4f}")
    return {"exact": exact, "estimates": estimates, "normalised": normalised}


if __name__ == "__main__":
    main()
