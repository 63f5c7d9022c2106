"""2-D convolution and pooling in NumPy, forward and backward, written two ways.

Layouts are those of the JAX models: images NHWC, kernels HWIO (kh, kw, in, out). A convolution
layer (a cross-correlation, as in every framework) with stride s and zero padding p maps an H x W
image to ((H + 2p - kh) // s + 1) x ((W + 2p - kw) // s + 1) positions; at each one, the output
channel o is  sum over (i, j, c) of window[i, j, c] * kernel[i, j, c, o]  plus bias[o].

- Direct loops (`conv2d_loops`): one dot product per output position. The definition, read
  literally; the backward pass sends each position's gradient back to the window it came from.
- im2col (`conv2d_im2col`): copy every window into a row of one matrix, [N*OH*OW, kh*kw*C],
  so the whole layer is ONE matrix product with the kernel reshaped to [kh*kw*C, O]. That is how
  early GPU libraries (Caffe, cuDNN's first algorithm) ran convolutions on fast matmul code. The
  backward pass is two more matmuls and `col2im`, which adds the rows back where they overlap.

Each forward returns (out, cache) and each backward takes (dout, cache), as `mlp.py`'s layers do.
Pooling reuses the windows: max-pool sends the gradient to each window's (first) largest input,
avg-pool spreads it evenly.
"""

import numpy as np


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def pad(x_NHWC: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x_NHWC, ((0, 0), (padding, padding), (padding, padding), (0, 0)))


def windows(x_NHWC: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """[N, OH, OW, kh, kw, C]: the window under each output position (x already padded).
    Built one kernel tap at a time: tap (i, j) of every window is a strided slice of x."""
    n, h, w, c = x_NHWC.shape
    oh, ow = output_size(h, kh, stride, 0), output_size(w, kw, stride, 0)
    out = np.empty((n, oh, ow, kh, kw, c), x_NHWC.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, :, i, j] = x_NHWC[:, i:i + stride * oh:stride, j:j + stride * ow:stride]
    return out


def add_windows(win: np.ndarray, padded_shape: tuple, stride: int) -> np.ndarray:
    """The adjoint of `windows`: adds each window's values back at the pixels it was cut from
    (overlapping windows add up). Returns an array of `padded_shape`."""
    _, oh, ow, kh, kw, _ = win.shape
    out = np.zeros(padded_shape, win.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, i:i + stride * oh:stride, j:j + stride * ow:stride] += win[:, :, :, i, j]
    return out


def unpad(x_NHWC: np.ndarray, padding: int) -> np.ndarray:
    h, w = x_NHWC.shape[1:3]
    return x_NHWC[:, padding:h - padding, padding:w - padding]


# ---- Convolution by direct loops ----------------------------------------------------------------


def conv2d_loops(x_NHWC, kernel_HWIO, bias_O, stride: int = 1, padding: int = 0):
    kh, kw, _, c_out = kernel_HWIO.shape
    xp = pad(x_NHWC, padding)
    n, h, w, _ = xp.shape
    oh, ow = output_size(h, kh, stride, 0), output_size(w, kw, stride, 0)
    out = np.empty((n, oh, ow, c_out), np.result_type(x_NHWC, kernel_HWIO))
    for r in range(oh):
        for s in range(ow):
            window = xp[:, r * stride:r * stride + kh, s * stride:s * stride + kw]  # [N, kh, kw, C]
            out[:, r, s] = np.tensordot(window, kernel_HWIO, axes=3) + bias_O
    return out, (x_NHWC, kernel_HWIO, stride, padding)


def conv2d_loops_backward(dout_NHWO, cache):
    """dL/dx, dL/dkernel, dL/dbias. Position (r, s) used window W_rs and the kernel K:
    out_rs = W_rs . K + b, so it adds dout_rs . K^T to the window's pixels and W_rs^T dout_rs
    to the kernel's gradient."""
    x_NHWC, kernel_HWIO, stride, padding = cache
    kh, kw = kernel_HWIO.shape[:2]
    xp = pad(x_NHWC, padding)
    dxp, dkernel = np.zeros_like(xp), np.zeros_like(kernel_HWIO)
    for r in range(dout_NHWO.shape[1]):
        for s in range(dout_NHWO.shape[2]):
            rows, cols = slice(r * stride, r * stride + kh), slice(s * stride, s * stride + kw)
            g = dout_NHWO[:, r, s]  # [N, O]
            dkernel += np.tensordot(xp[:, rows, cols], g, axes=([0], [0]))
            dxp[:, rows, cols] += np.tensordot(g, kernel_HWIO, axes=([1], [3]))
    return unpad(dxp, padding), dkernel, dout_NHWO.sum((0, 1, 2))


# ---- Convolution as one matrix product (im2col) -------------------------------------------------


def im2col(x_NHWC, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """[N*OH*OW, kh*kw*C]: one row per output position, holding its window."""
    win = windows(pad(x_NHWC, padding), kh, kw, stride)
    return win.reshape(-1, kh * kw * x_NHWC.shape[-1])


def col2im(cols, x_shape, kh: int, kw: int, stride: int, padding: int) -> np.ndarray:
    """The adjoint of im2col: each row's values go back to (add onto) the pixels they came from."""
    n, h, w, c = x_shape
    padded = (n, h + 2 * padding, w + 2 * padding, c)
    oh, ow = output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)
    win = cols.reshape(n, oh, ow, kh, kw, c)
    return unpad(add_windows(win, padded, stride), padding)


def conv2d_im2col(x_NHWC, kernel_HWIO, bias_O, stride: int = 1, padding: int = 0):
    kh, kw, c_in, c_out = kernel_HWIO.shape
    n, h, w, _ = x_NHWC.shape
    oh, ow = output_size(h, kh, stride, padding), output_size(w, kw, stride, padding)
    cols = im2col(x_NHWC, kh, kw, stride, padding)
    out = cols @ kernel_HWIO.reshape(kh * kw * c_in, c_out) + bias_O
    return out.reshape(n, oh, ow, c_out), (cols, x_NHWC.shape, kernel_HWIO, stride, padding)


def conv2d_im2col_backward(dout_NHWO, cache):
    """The backward of a matmul out = cols @ K: dK = cols^T dout, dcols = dout K^T; then col2im."""
    cols, x_shape, kernel_HWIO, stride, padding = cache
    kh, kw, c_in, c_out = kernel_HWIO.shape
    g = dout_NHWO.reshape(-1, c_out)
    dkernel = (cols.T @ g).reshape(kernel_HWIO.shape)
    dcols = g @ kernel_HWIO.reshape(kh * kw * c_in, c_out).T
    return col2im(dcols, x_shape, kh, kw, stride, padding), dkernel, g.sum(0)


# ---- Pooling ------------------------------------------------------------------------------------


def max_pool(x_NHWC, size: int = 2, stride: int = 2):
    """The largest value of each size x size window, per channel (no padding)."""
    win = windows(x_NHWC, size, size, stride)  # [N, OH, OW, k, k, C]
    flat = win.reshape(*win.shape[:3], size * size, win.shape[-1])
    return flat.max(3), (flat.argmax(3), x_NHWC.shape, size, stride)


def max_pool_backward(dout_NHWC, cache):
    """Only the window's largest input moved the output, so it alone gets the gradient (the first
    one when several tie)."""
    argmax, x_shape, size, stride = cache
    n, oh, ow, c = dout_NHWC.shape
    flat = np.zeros((n, oh, ow, size * size, c), dout_NHWC.dtype)
    np.put_along_axis(flat, argmax[:, :, :, None], dout_NHWC[:, :, :, None], axis=3)
    return add_windows(flat.reshape(n, oh, ow, size, size, c), x_shape, stride)


def avg_pool(x_NHWC, size: int = 2, stride: int = 2):
    """The mean of each size x size window, per channel (no padding)."""
    return windows(x_NHWC, size, size, stride).mean((3, 4)), (x_NHWC.shape, size, stride)


def avg_pool_backward(dout_NHWC, cache):
    """Every input of a window moved its mean by 1/size^2 of its own change."""
    x_shape, size, stride = cache
    n, oh, ow, c = dout_NHWC.shape
    spread = np.broadcast_to(dout_NHWC[:, :, :, None, None] / size**2, (n, oh, ow, size, size, c))
    return add_windows(spread, x_shape, stride)
