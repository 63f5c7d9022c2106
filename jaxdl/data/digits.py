"""scikit-learn's 1,797 8x8 digits (bundled, no download) and the seeded splits the articles cut.

NumPy only (no JAX, no grain): the NumPy track `jaxdl.scratch` loads them too. The image tasks
take the same images through `jaxdl.data.images` (stratified splits, uint8 pixels); the
standalone articles use `split`, a shuffle cut into consecutive parts:

    train, test = split({"train": 0.6, "test": 0.4}, dtype=np.float32).values()
"""

import numpy as np

COUNT = 1797  # images in the dataset


def load() -> tuple[np.ndarray, np.ndarray]:
    """All images [1797, 8, 8], float64 pixel values 0..16, and their int32 labels 0..9."""
    from sklearn.datasets import load_digits  # only callers who want the data pay its import

    bunch = load_digits()
    return bunch.images, bunch.target.astype(np.int32)


def shuffled_parts(fractions: dict[str, float], *, seed: int = 0) -> dict[str, np.ndarray]:
    """Indices of each part: numpy's Generator(seed) permutes all images, and the parts take
    consecutive runs of that order, in the dict's order; a part ends at int(cumulative
    fraction x 1797). The fractions add up to 1, so the parts cover the dataset once."""
    if not np.isclose(sum(fractions.values()), 1.0):
        raise ValueError(f"the fractions {fractions} must add up to 1")
    order = np.random.default_rng(seed).permutation(COUNT)
    ends = [int(end * COUNT) for end in np.cumsum(list(fractions.values()))]
    return dict(zip(fractions, np.split(order, ends[:-1])))


def split(fractions: dict[str, float], *, seed: int = 0,
          dtype=np.float64) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{part: (X [n, 64] with pixels scaled from 0..16 to [0, 1] in `dtype`, labels [n])} for the
    parts of `shuffled_parts`."""
    images, labels = load()
    X = (images.reshape(COUNT, 64) / 16.0).astype(dtype)
    return {name: (X[rows], labels[rows]) for name, rows in shuffled_parts(fractions, seed=seed).items()}
