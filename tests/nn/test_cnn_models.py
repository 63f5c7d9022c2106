"""LeNet-5, VGG and the small CNN: output shapes for every input size the configs use, a conv
layer against a float64 NumPy convolution, BatchNorm's train/eval behaviour, dropout."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn import cnn, image_models


@pytest.mark.parametrize("name,size,channels", [
    ("lenet5", 8, 1), ("lenet5", 28, 1), ("lenet5", 32, 3), ("vgg", 8, 1), ("vgg", 32, 3),
    ("small_cnn", 8, 1), ("small_cnn", 28, 1)])
def test_models_map_images_to_logits(name, size, channels):
    # Shapes only: build and run abstractly (nothing is compiled or computed).
    model = nnx.eval_shape(lambda: image_models.build(name, num_classes=7, in_channels=channels,
                                                rngs=nnx.Rngs(0), image_size=size))
    model.eval()
    graphdef, state = nnx.split(model)
    out = jax.eval_shape(lambda s, x: nnx.merge(graphdef, s)(x), state,
                         jax.ShapeDtypeStruct((5, size, size, channels), jnp.float32))
    assert out.shape == (5, 7) and out.dtype == jnp.float32


def test_lenet5_on_28x28_has_the_papers_400_features():
    model = nnx.eval_shape(lambda: cnn.LeNet5(num_classes=10, in_channels=1, rngs=nnx.Rngs(0),
                                              image_size=28))
    assert model.fc1.kernel.shape == (16 * 5 * 5, 120)
    assert model.conv1.kernel.shape == (5, 5, 1, 6)  # HWIO


def numpy_conv(x, kernel, bias, padding):
    """float64 cross-correlation, NHWC x HWIO, stride 1, written as a loop over kernel taps."""
    x = np.pad(x.astype(np.float64), ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    kh, kw = kernel.shape[:2]
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[3]))
    for i in range(kh):
        for j in range(kw):
            out += x[:, i:i + oh, j:j + ow, :] @ kernel[i, j].astype(np.float64)
    return out + bias


@pytest.mark.parametrize("kernel,padding", [(3, None), (5, 2), (5, 0)])
def test_conv_layer_matches_numpy(kernel, padding):
    """The convolution the CNNs use (jaxdl.nn.convblocks.conv); None pads to keep the size."""
    layer = cnn.conv(3, 4, kernel, padding=padding, use_bias=True, rngs=nnx.Rngs(1))
    layer.bias[...] = jnp.arange(4.0)
    x = np.random.default_rng(0).normal(size=(2, 9, 9, 3)).astype(np.float32)
    pad = kernel // 2 if padding is None else padding
    expected = numpy_conv(x, np.asarray(layer.kernel[...]), np.arange(4.0), pad)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_batch_norm_uses_batch_statistics_in_training_and_running_ones_in_eval():
    block = cnn.ConvBlock(2, 3, batch_norm_=True, rngs=nnx.Rngs(0))
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(8, 6, 6, 2)).astype(np.float32)
    pre = np.asarray(block.conv(x), np.float64)  # the conv alone: what BatchNorm normalizes
    block.train()
    block(x)
    batch_mean = pre.mean((0, 1, 2))
    normalized = np.asarray(block.norm(jnp.asarray(pre, jnp.float32)))
    np.testing.assert_allclose(normalized.mean((0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(normalized.std((0, 1, 2)), 1, atol=1e-3)
    # Two training calls so far, each moving the averages 10% towards the batch's statistics.
    np.testing.assert_allclose(block.norm.mean[...], (1 - 0.81) * batch_mean, rtol=1e-4)
    block.eval()
    running_mean, running_var = np.asarray(block.norm.mean[...]), np.asarray(block.norm.var[...])
    expected = np.maximum((pre - running_mean) / np.sqrt(running_var + 1e-5), 0)
    np.testing.assert_allclose(block(x), expected, rtol=1e-4, atol=1e-4)
    # In eval mode an example's output does not depend on the rest of the batch.
    np.testing.assert_allclose(block(x[:1]), block(x)[:1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(block.norm.mean[...], running_mean)  # eval changes nothing


def test_dropout_is_random_in_training_and_off_in_eval():
    model = cnn.SmallCNN(num_classes=10, in_channels=1, rngs=nnx.Rngs(0), image_size=8,
                         widths=(4,), hidden=16, dropout=0.5)
    x = np.random.default_rng(0).normal(size=(4, 8, 8, 1)).astype(np.float32)
    model.eval()
    np.testing.assert_array_equal(model(x), model(x, rngs=nnx.Rngs(dropout=1)))
    model.train()
    first, second = model(x, rngs=nnx.Rngs(dropout=1)), model(x, rngs=nnx.Rngs(dropout=2))
    assert np.abs(np.asarray(first) - np.asarray(second)).max() > 1e-3
