"""Exercise 3 (pretrained article): fold an eval-mode BatchNorm into the convolution before it.

In eval mode BatchNorm is an affine map per channel,
$y = \\gamma (z - \\mu) / \\sqrt{\\sigma^2 + \\epsilon} + \\beta$, and z = conv(x, W) + b is linear,
so the two are one convolution with

$$ W'_{\\cdot,\\cdot,\\cdot,o} = W_{\\cdot,\\cdot,\\cdot,o}\\, s_o, \\qquad b'_o = (b_o - \\mu_o)\\, s_o + \\beta_o,
\\qquad s_o = \\gamma_o / \\sqrt{\\sigma^2_o + \\epsilon}. $$

Deployment tools do this to every conv + BatchNorm pair (ResNet, MobileNetV2). Checked in NumPy
(float64) with random statistics, as the parity tests draw them.

  python experiments/pretrained/solutions/fold_batchnorm.py
"""

import numpy as np

from jaxdl.scratch import conv


def fold(kernel_HWIO, bias_O, gamma, beta, mean, var, eps=1e-5):
    scale = gamma / np.sqrt(var + eps)
    return kernel_HWIO * scale, (bias_O - mean) * scale + beta


def main(tiny: bool = False):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 9, 9, 3))
    kernel, bias = rng.normal(size=(3, 3, 3, 8)), np.zeros(8)  # convs before BatchNorm: no bias
    gamma, beta = rng.normal(size=8), rng.normal(size=8)
    mean, var = rng.normal(size=8), rng.uniform(0.1, 2.0, size=8)
    z = conv.conv2d_im2col(x, kernel, bias, padding=1)[0]
    two_steps = gamma * (z - mean) / np.sqrt(var + 1e-5) + beta
    folded = conv.conv2d_im2col(x, *fold(kernel, bias, gamma, beta, mean, var), padding=1)[0]
    error = float(np.abs(folded - two_steps).max())
    print(f"conv + BatchNorm vs the folded conv: largest difference {error:.1e}")
    return error


if __name__ == "__main__":
    main()
