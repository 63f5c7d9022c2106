"""Exercise 1 of the autoencoders article, for the case with an exact answer: a LINEAR
autoencoder with d latents trained on squared error ends where PCA is (Baldi and Hornik, 1989):
its reconstructions are the projections on the top d principal directions, and its error per
pixel is the sum of the discarded eigenvalues of the data covariance divided by the pixel count.
On scikit-learn's 8x8 digits (64 pixels, scaled to [-1, 1]), d = 2, 4, 8, 16, 32: the error
falls with d, fast at first. The full exercise trains the conv autoencoder with
`--config.model.latents=d` and plots its test error beside this linear floor.

  python experiments/autoencoders/solutions/latent_size.py
"""

import numpy as np

from jaxdl.data import digits


def pca_errors(latents=(2, 4, 8, 16, 32)) -> dict[int, tuple[float, float]]:
    """d -> (reconstruction MSE per pixel of the rank-d projection, discarded eigenvalues / 64)."""
    images, _ = digits.load()
    x = images.reshape(len(images), -1).astype(np.float64)
    x = 2 * x / x.max() - 1
    centred = x - x.mean(0)
    eigenvalues, vectors = np.linalg.eigh(centred.T @ centred / len(x))
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = eigenvalues[order], vectors[:, order]
    out = {}
    for d in latents:
        top = vectors[:, :d]
        error = np.mean((centred - centred @ top @ top.T) ** 2)
        out[d] = (float(error), float(eigenvalues[d:].sum() / x.shape[1]))
    return out


def main(tiny: bool = False):
    found = pca_errors()
    for d, (error, discarded) in found.items():
        print(f"d = {d:2d}: MSE per pixel {error:.4f} (discarded variance / 64: {discarded:.4f})")
    return found


if __name__ == "__main__":
    main()
