r"""Exercise 4 (CNN article, research-y): is a stack of two 3x3 convolutions a 5x5 convolution?

Without the ReLU between them, yes: conv(conv(x, A), B) = conv(x, A * B), where A * B is the 5x5
*full* convolution of the two kernels. The converse is the interesting part: which 5x5 kernels
are such a product? One input and one output channel with m channels in between give kernels
$\sum_{c=1}^{m} A_c * B_c$: 18m numbers for a 25-number kernel. A single path (m = 1, 17 free
numbers up to scale) cannot reach a generic 5x5 kernel; this solution fits random 5x5 kernels by
alternating least squares (fix the A's, the B's solve a linear problem, and back) and reports
the relative error for m = 1, 2, 3, ... . The full-size question (C channels in and out, where
VGG's $18C^2$ against $25C^2$ comes from, and what the ReLU adds) is left open.

NumPy only.

  python experiments/cnn/solutions/two_3x3.py
"""

import numpy as np

from jaxdl.scratch import conv


def full_conv(a, b):
    """The 5x5 kernel of "slide a, then slide b" (cross-correlations, as the layers compute)."""
    out = np.zeros((5, 5))
    for i in range(3):
        for j in range(3):
            out[i:i + 3, j:j + 3] += a[i, j] * b
    return out


def composition_error(seed: int = 0) -> float:
    """|conv(conv(x, a), b) - conv(x, a * b)| on the interior of a random image."""
    rng = np.random.default_rng(seed)
    x, a, b = rng.normal(size=(1, 12, 12, 1)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    zero = np.zeros(1)
    two = conv.conv2d_im2col(conv.conv2d_im2col(x, a[:, :, None, None], zero)[0],
                             b[:, :, None, None], zero)[0]
    one = conv.conv2d_im2col(x, full_conv(a, b)[:, :, None, None], zero)[0]
    return float(np.abs(two - one).max())


# BILINEAR[i, p, o]: output pixel o of full_conv gets a[i] * b[p] (i, p: flat 3x3 indices).
BILINEAR = np.stack([full_conv(e_a.reshape(3, 3), e_b.reshape(3, 3)).ravel()
                     for e_a in np.eye(9) for e_b in np.eye(9)]).reshape(9, 9, 25)


def _design(kernels):
    """[25, 9m]: the linear map from the m other kernels to sum_c full_conv(kernels[c], other)
    (full_conv is symmetric in its two kernels, so one map serves both halves)."""
    return np.einsum("ci,ipo->ocp", kernels.reshape(len(kernels), 9), BILINEAR).reshape(25, -1)


def best_fit(target, m: int, rng, sweeps: int = 60, restarts: int = 3) -> float:
    """Smallest relative error of sum_c A_c * B_c against `target` found by alternating LS."""
    best = np.inf
    for _ in range(restarts):
        a = rng.normal(size=(m, 3, 3))
        for _ in range(sweeps):
            b = np.linalg.lstsq(_design(a), target.ravel(), rcond=None)[0].reshape(m, 3, 3)
            a = np.linalg.lstsq(_design(b), target.ravel(), rcond=None)[0].reshape(m, 3, 3)
        fit = sum(full_conv(a[c], b[c]) for c in range(m))
        best = min(best, np.linalg.norm(fit - target) / np.linalg.norm(target))
    return float(best)


def main(tiny: bool = False):
    rng = np.random.default_rng(0)
    targets = [rng.normal(size=(5, 5)) for _ in range(2 if tiny else 5)]
    errors = {m: float(np.mean([best_fit(t, m, rng) for t in targets])) for m in (1, 2, 3)}
    print(f"two 3x3 layers == one 5x5 of their full convolution: error {composition_error():.1e}")
    for m, error in errors.items():
        print(f"{m} channel(s) between: relative error of the best fit {error:.3f}")
    return composition_error(), errors


if __name__ == "__main__":
    main()
