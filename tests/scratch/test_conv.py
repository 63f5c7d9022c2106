"""NumPy convolution and pooling (jaxdl.scratch.conv): forward against lax.conv_general_dilated /
lax.reduce_window, backward against jax.grad, in float64; loops and im2col against each other."""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.scratch import conv

pytestmark = pytest.mark.usefixtures("jax_x64")

CASES = [  # (image H, W), kernel (kh, kw), stride, padding
    ((7, 7), (3, 3), 1, 0),
    ((7, 7), (3, 3), 1, 1),
    ((8, 9), (3, 3), 2, 1),
    ((9, 8), (5, 5), 2, 2),
    ((6, 7), (2, 3), 3, 0),
]
METHODS = {"loops": (conv.conv2d_loops, conv.conv2d_loops_backward),
           "im2col": (conv.conv2d_im2col, conv.conv2d_im2col_backward)}


def lax_conv(x, kernel, bias, stride, padding):
    return jax.lax.conv_general_dilated(
        x, kernel, (stride, stride), [(padding, padding)] * 2,
        dimension_numbers=("NHWC", "HWIO", "NHWC")) + bias


def example(size, kernel, c_in=3, c_out=4, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(2, *size, c_in)), rng.normal(size=(*kernel, c_in, c_out)),
            rng.normal(size=c_out))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size,kernel,stride,padding", CASES)
def test_conv_forward_and_backward_match_lax_and_jax_grad(method, size, kernel, stride, padding):
    forward, backward = METHODS[method]
    x, w, b = example(size, kernel)
    out, cache = forward(x, w, b, stride, padding)
    expected, vjp = jax.vjp(lambda *args: lax_conv(*args, stride, padding), x, w, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).normal(size=out.shape)
    for got, want in zip(backward(dout, cache), vjp(jnp.asarray(dout))):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_loops_and_im2col_agree_and_im2col_is_one_matmul():
    x, w, b = example((10, 10), (3, 3), c_in=2, c_out=5, seed=3)
    loops, loops_cache = conv.conv2d_loops(x, w, b, stride=2, padding=1)
    matmul, matmul_cache = conv.conv2d_im2col(x, w, b, stride=2, padding=1)
    np.testing.assert_allclose(loops, matmul, rtol=1e-12)
    cols = conv.im2col(x, 3, 3, 2, 1)
    assert cols.shape == (2 * 5 * 5, 3 * 3 * 2)
    dout = np.random.default_rng(4).normal(size=loops.shape)
    for a, c in zip(conv.conv2d_loops_backward(dout, loops_cache),
                    conv.conv2d_im2col_backward(dout, matmul_cache)):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), y> = <x, col2im(y)> for all x, y: col2im is exactly the backward of im2col.
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 7, 6, 3))
    cols = conv.im2col(x, 3, 3, 2, 1)
    y = rng.normal(size=cols.shape)
    np.testing.assert_allclose((cols * y).sum(),
                               (x * conv.col2im(y, x.shape, 3, 3, 2, 1)).sum(), rtol=1e-12)


def lax_pool(x, kind, size, stride):
    window, strides = (1, size, size, 1), (1, stride, stride, 1)
    if kind == "max":
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, strides, "VALID")
    return jax.lax.reduce_window(x, 0.0, jax.lax.add, window, strides, "VALID") / size**2


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), (2, 1)])
def test_pool_forward_and_backward_match_lax_and_jax_grad(kind, size, stride):
    forward, backward = {"max": (conv.max_pool, conv.max_pool_backward),
                         "avg": (conv.avg_pool, conv.avg_pool_backward)}[kind]
    x = np.random.default_rng(6).normal(size=(2, 7, 8, 3))  # continuous: no ties in a window
    out, cache = forward(x, size, stride)
    expected, vjp = jax.vjp(lambda v: lax_pool(v, kind, size, stride), x)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    dout = np.random.default_rng(7).normal(size=out.shape)
    np.testing.assert_allclose(backward(dout, cache), vjp(jnp.asarray(dout))[0], rtol=1e-12,
                               atol=1e-12)


def test_max_pool_gradient_goes_to_the_first_maximum_only():
    x = np.array([[1.0, 3.0], [3.0, 0.0]]).reshape(1, 2, 2, 1)
    out, cache = conv.max_pool(x)
    grad = conv.max_pool_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(grad.ravel(), [0, 1, 0, 0])


def test_conv_module_imports_no_jax():
    code = ("import sys, jaxdl.scratch.conv\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jax', 'jaxlib', 'flax'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
