"""Exercise 2 (losses): the constant that each regression loss picks.

Fit one number c to a sample by minimising the mean loss of the residuals c - y: the squared
error picks the mean, the absolute error the median, and Huber something between, nearer the
median the smaller delta is. Check it on 100 points around 1 with ten outliers near 20, for
delta = 0.1, 1 and 10, minimising the Huber loss over a fine grid of c (NumPy).

  python experiments/losses/solutions/huber_location.py
"""

import numpy as np

DELTAS = (0.1, 1.0, 10.0)


def huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))


def main(tiny: bool = False):
    """{"mean", "median", "huber": {delta: minimiser}, "mse", "mae": grid minimisers}."""
    rng = np.random.default_rng(0)
    y = np.concatenate([1 + 0.5 * rng.standard_normal(90), 20 + rng.standard_normal(10)])
    grid = np.linspace(-2, 22, 24001)  # steps of 0.001
    residuals = grid[:, None] - y[None, :]
    found = {"mean": float(y.mean()), "median": float(np.median(y)),
             "mse": float(grid[np.argmin((residuals**2).mean(1))]),
             "mae": float(grid[np.argmin(np.abs(residuals).mean(1))]),
             "huber": {d: float(grid[np.argmin(huber(residuals, d).mean(1))]) for d in DELTAS}}
    print(f"mean {found['mean']:.3f} (MSE picks {found['mse']:.3f}), median {found['median']:.3f} "
          f"(MAE picks {found['mae']:.3f})")
    for d, c in found["huber"].items():
        print(f"Huber, delta {d:g}: {c:.3f}")
    return found


if __name__ == "__main__":
    main()
