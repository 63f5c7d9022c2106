"""Exercise 3 (normalization, research-y): how noisy is BatchNorm with small batches?

In training mode an example's BatchNorm output depends on the other examples of its batch: the
batch mean and variance are estimates, off by about 1/sqrt(B). Measure it: take one digit's
64 pixels (standardised), draw 300 batches of B - 1 other digits around it, and record the
spread (std over the draws) of that digit's normalised features, for B = 2, 4, 16, 64. LayerNorm
and GroupNorm see only the example itself: their spread is 0 by construction. (Full size: train
the article's DeepMLP with BatchNorm and with GroupNorm at batch 4 and 64, and compare the test
accuracy; jaxdl/studies/normalization.py.)

  python experiments/normalization/solutions/small_batch.py
"""

import numpy as np

from jaxdl.data import digits

BATCH_SIZES = (2, 4, 16, 64)


def batch_norm(x, eps=1e-5):
    """Training-mode BatchNorm without scale and bias: each feature by its batch statistics."""
    return (x - x.mean(0)) / np.sqrt(x.var(0) + eps)


def spreads(draws: int = 300, seed: int = 0) -> dict[int, float]:
    """{batch size: mean over features of the std, over draws, of example 0's output}."""
    X = digits.split({"train": 1.0}, seed=seed)["train"][0]
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
    rng = np.random.default_rng(seed)
    found = {}
    for B in BATCH_SIZES:
        outputs = []
        for _ in range(draws):
            others = rng.choice(np.arange(1, len(X)), B - 1, replace=False)
            outputs.append(batch_norm(X[np.r_[0, others]])[0])
        found[B] = float(np.std(outputs, axis=0).mean())
    return found


def main(tiny: bool = False):
    found = spreads(draws=100 if tiny else 1000)
    for B, spread in found.items():
        print(f"batch {B:2d}: spread of one digit's BatchNorm output over its companions {spread:.3f}")
    return found


if __name__ == "__main__":
    main()
