r"""Exercise 2 (CNN article): the receptive field of a stack, measured by a gradient.

One output pixel's gradient with respect to the input is non-zero exactly on the pixels that can
move it. With all-ones kernels nothing cancels, so the non-zero square is the receptive field.
The recursion: a layer of kernel k adds (k - 1) * j pixels, where j, the step between
neighbouring outputs measured in input pixels, is multiplied by each layer's stride:

$$ r_\ell = r_{\ell-1} + (k_\ell - 1)\, j_{\ell-1}, \qquad j_\ell = j_{\ell-1}\, s_\ell. $$

NumPy only: the backward passes of `jaxdl.scratch.conv`.

  python experiments/cnn/solutions/receptive_field.py
"""

import numpy as np

from jaxdl.scratch import conv

STACKS = {  # name: layers, each ("conv", 3) or ("pool", 2)
    "3x3": [("conv", 3)],
    "3x3, 3x3": [("conv", 3)] * 2,
    "3x3 x3": [("conv", 3)] * 3,
    "3x3, pool, 3x3": [("conv", 3), ("pool", 2), ("conv", 3)],
    "small CNN: (3x3, pool) x2": [("conv", 3), ("pool", 2)] * 2,
}


def by_formula(layers) -> int:
    field, jump = 1, 1
    for kind, k in layers:
        field += (k - 1) * jump
        jump *= k if kind == "pool" else 1
    return field


def measured(layers, side: int = 32) -> int:
    """Side of the square of input pixels with a non-zero gradient of the centre output."""
    x = np.random.default_rng(0).normal(size=(1, side, side, 1))
    caches = []
    for kind, k in layers:
        if kind == "conv":
            x, cache = conv.conv2d_im2col(x, np.ones((k, k, 1, 1)), np.zeros(1), padding=k // 2)
        else:
            x, cache = conv.avg_pool(x, k)
        caches.append((kind, cache))
    grad = np.zeros_like(x)
    grad[0, x.shape[1] // 2, x.shape[2] // 2, 0] = 1.0
    for kind, cache in reversed(caches):
        grad = (conv.conv2d_im2col_backward(grad, cache)[0] if kind == "conv"
                else conv.avg_pool_backward(grad, cache))
    rows = np.flatnonzero(np.abs(grad[0, :, :, 0]).sum(1))
    return int(rows[-1] - rows[0] + 1)


def main(tiny: bool = False):
    fields = {name: (by_formula(layers), measured(layers)) for name, layers in STACKS.items()}
    for name, (formula, grad) in fields.items():
        print(f"{name:28s} formula {formula:2d}  gradient {grad:2d}")
    return fields


if __name__ == "__main__":
    main()
