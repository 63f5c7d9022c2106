"""Exercise 2 (intro): the linear diabetes model in closed form.

The `diabetes,linear` config trains linear regression by gradient descent (AdamW, 2000 steps).
Linear regression also has an exact answer: standardize the features with the train split's
statistics, append a column of ones, and solve the least-squares problem X w = y
(`numpy.linalg.lstsq`). Compute its val and test R^2 = 1 - SSE / SST on the same splits and compare
with the trained model's (val 0.5093, test 0.3432 in the results table). The exact solution is
the best linear fit of the TRAIN split (its residual is orthogonal to every feature: the normal
equations X^T (X w - y) = 0); is it also the best on val? What does the config's weight decay
change?

  python experiments/intro/solutions/least_squares.py
"""

import numpy as np

from jaxdl.tasks.intro import load_splits, standardization


def r2(predictions, targets) -> float:
    return float(1 - ((predictions - targets) ** 2).sum() / ((targets - targets.mean()) ** 2).sum())


def main(tiny: bool = False):
    """{"train"|"val"|"test": R^2 of the least-squares fit, "normal equations": the largest
    |X^T (X w - y)| relative to |X^T y|}."""
    splits = load_splits("diabetes", 0.2, 0.2, seed=0)
    mean, std = standardization(splits["train"]["features"])

    def design(split):
        X = (splits[split]["features"].astype(np.float64) - mean) / std
        return np.hstack([X, np.ones((len(X), 1))])

    w, *_ = np.linalg.lstsq(design("train"), splits["train"]["targets"].astype(np.float64), rcond=None)
    found = {split: r2(design(split) @ w, splits[split]["targets"]) for split in ("train", "val", "test")}
    X, y = design("train"), splits["train"]["targets"].astype(np.float64)
    found["normal equations"] = float(np.abs(X.T @ (X @ w - y)).max() / np.abs(X.T @ y).max())
    print("least squares R^2: " + ", ".join(f"{k} {found[k]:.4f}" for k in ("train", "val", "test"))
          + f"; normal equations residual {found['normal equations']:.1e}")
    return found


if __name__ == "__main__":
    main()
