"""Exercise 3 (CNN article): equivariance and (partial) invariance, measured.

Shift an image one pixel to the right. A convolution's output shifts with it: equal away from the
border, where zero padding sees different pixels. A 2x2 max-pool of stride 2 keeps that only for
shifts by a multiple of its stride: after a 2-pixel shift the pooled map is the old one shifted
by one cell; after a 1-pixel shift the windows straddle other pixels and the values change. So
pooling is not invariant to small shifts either; it is only less sensitive than the pixels are.

NumPy only (`jaxdl.scratch.conv`).

  python experiments/cnn/solutions/shift.py
"""

import numpy as np

from jaxdl.scratch import conv


def shifted(x_NHWC, pixels: int):
    """x moved `pixels` to the right, zeros entering on the left."""
    out = np.zeros_like(x_NHWC)
    out[:, :, pixels:] = x_NHWC[:, :, :x_NHWC.shape[2] - pixels]
    return out


def errors(side: int = 16, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, side, side, 3))
    kernel, bias = rng.normal(size=(3, 3, 3, 8)), rng.normal(size=8)

    def features(image):
        return conv.conv2d_im2col(image, kernel, bias, padding=1)[0]

    def pooled(image):
        return conv.max_pool(features(image))[0]

    inner = slice(4, side - 4)  # away from the border and from the zeros shifted in
    conv_error = np.abs(features(shifted(x, 1))[:, inner, inner]
                        - shifted(features(x), 1)[:, inner, inner]).max()
    cells = slice(2, side // 2 - 2)
    pool_by_2 = np.abs(pooled(shifted(x, 2))[:, cells, cells]
                       - shifted(pooled(x), 1)[:, cells, cells]).max()
    before, after = pooled(x)[:, cells, cells], pooled(shifted(x, 1))[:, cells, cells]
    return {"conv, shift 1": float(conv_error), "pool, shift 2": float(pool_by_2),
            "pool, shift 1: cells changed": float(np.mean(np.abs(after - before) > 1e-9)),
            "pixels, shift 1: changed": float(np.mean(np.abs(shifted(x, 1) - x)[:, inner, inner] > 1e-9))}


def main(tiny: bool = False):
    found = errors()
    for name, value in found.items():
        print(f"{name:30s} {value:.3g}")
    return found


if __name__ == "__main__":
    main()
