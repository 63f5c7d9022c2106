"""Exercise 3 (losses): where does label smoothing stop pushing the logits apart?

With K classes and smoothing alpha the target is t = (1 - alpha) onehot + alpha / K. The
cross-entropy's gradient in the logits is softmax(z) - t, zero where softmax(z) = t: the gap
between the true logit and each other is log((1 - alpha + alpha / K) / (alpha / K)). Minimise the
smoothed loss by gradient descent from z = 0 (NumPy) and compare the gap it reaches with the
formula, for alpha = 0.05, 0.1, 0.2 and K = 10.

  python experiments/losses/solutions/smoothing_gap.py
"""

import numpy as np

K = 10


def descend(alpha: float, steps: int = 2000, lr: float = 5.0) -> float:
    """The gap z_true - z_other after gradient descent on the smoothed cross-entropy."""
    target = np.full(K, alpha / K)
    target[0] += 1 - alpha
    z = np.zeros(K)
    for _ in range(steps):
        p = np.exp(z - z.max())
        z -= lr * (p / p.sum() - target)
    return float(z[0] - z[1:].mean())


def formula(alpha: float) -> float:
    return float(np.log((1 - alpha + alpha / K) / (alpha / K)))


def main(tiny: bool = False):
    """{alpha: (gap found by descent, formula)}."""
    found = {alpha: (descend(alpha), formula(alpha)) for alpha in (0.05, 0.1, 0.2)}
    for alpha, (gap, exact) in found.items():
        print(f"alpha {alpha:4.2f}: gap after descent {gap:.4f}, formula {exact:.4f}")
    return found


if __name__ == "__main__":
    main()
