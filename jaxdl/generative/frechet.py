"""A Fréchet distance between image sets in the feature space of OUR Fashion-MNIST classifier.

FD = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^{1/2}): the distance between two Gaussians
fitted to the features of the two sets (Heusel et al. 2017 use Inception-v3's pool features and
call it FID; no Inception weights are available offline here, so the features are the 128 hidden
units of the small CNN of experiments/cnn trained on Fashion-MNIST). The numbers are only
comparable with each other, never with published FIDs. The classifier also labels samples: its
accuracy on class-conditional samples and the class histogram of unconditional ones.
"""

import jax
import jax.numpy as jnp
import numpy as np
import scipy.linalg

from jaxdl.nn.cnn import pool


def gaussian_stats(features_ND: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features_ND, np.float64)
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1, cov1, mu2, cov2) -> float:
    """In float64; the matrix square root's tiny imaginary part (round-off) is dropped."""
    root = scipy.linalg.sqrtm(cov1 @ cov2)
    if not np.isfinite(root).all():  # singular product: nudge both diagonals, as FID code does
        eps = 1e-6 * np.eye(len(cov1))
        root = scipy.linalg.sqrtm((cov1 + eps) @ (cov2 + eps))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * np.real(root)))


def small_cnn_features(model, images_BHWC: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(hidden features [B, 128], logits) of experiments/cnn's SmallCNN in eval mode."""
    h = images_BHWC
    for block in model.blocks:
        h = pool(block(h))
    hidden = model.classifier.hidden[0]
    features = jax.nn.relu(hidden(h.reshape(len(h), -1)))
    return features, model.classifier.out(features)


def to_classifier_input(images_BHWC, mean, std, size: int = 28) -> jax.Array:
    """Generated images in [-1, 1] (possibly padded to 32x32) -> the classifier's normalized
    28x28 input: centre crop, back to [0, 1], standardized with its train statistics."""
    pad = (images_BHWC.shape[1] - size) // 2
    crop = images_BHWC[:, pad:pad + size, pad:pad + size]
    return ((crop + 1) / 2 - jnp.asarray(mean)) / jnp.asarray(std)
