"""ResNet: torchvision's parameter counts, the two stems' resolutions, BatchNorm's train/eval
switch, and a gradient for every parameter. (Torch parity: tests/pretrained/test_parity.py.)"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn import image_models, resnet
from numpy_weights import numpy_weights


@pytest.mark.parametrize("name, count", [("resnet18", 11_689_512), ("resnet34", 21_797_672),
                                         ("resnet50", 25_557_032)])
def test_parameter_counts_match_torchvision(name, count):
    model = nnx.eval_shape(lambda: image_models.build(name, num_classes=1000, in_channels=3,
                                                rngs=nnx.Rngs(0)))
    assert sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param))) == count


def small(stem, block="basic"):
    return numpy_weights(lambda: resnet.ResNet(num_classes=5, in_channels=1, rngs=nnx.Rngs(0),
                                               block=block, stage_blocks=(1, 1), stem=stem,
                                               width=4))


@pytest.mark.parametrize("stem, side_after_stem", [("imagenet", 8), ("small", 32)])
def test_stems(stem, side_after_stem):
    model = small(stem)
    x = jnp.ones((2, 32, 32, 1))
    h = model.bn1(model.conv1(x))
    if stem == "imagenet":
        h = resnet.max_pool(h, 3, 2, padding=1)
    assert h.shape == (2, side_after_stem, side_after_stem, 4)
    # Stage 2 halves the resolution once more and doubles the width.
    assert model.layer2(model.layer1(h)).shape == (2, side_after_stem // 2, side_after_stem // 2, 8)
    assert model(x).shape == (2, 5)


def test_bottleneck_widens_four_times_and_projects_the_shortcut():
    model = small("small", block="bottleneck")
    assert model.num_features == 8 * 4
    assert model.layer1[0].downsample is not None  # 4 channels in, 16 out
    assert model.layer1[0].conv3.kernel.shape == (1, 1, 4, 16)


def test_batchnorm_uses_batch_statistics_in_training_and_running_ones_in_eval():
    model = small("small")
    x = jax.random.normal(jax.random.key(0), (4, 16, 16, 1)) * 3 + 2
    model.train()
    y_train = model(x)
    mean_after = np.asarray(model.bn1.mean[...])
    assert np.abs(mean_after).max() > 0  # running averages moved towards the batch's
    model.eval()
    y_eval = model(x)
    np.testing.assert_array_equal(model.bn1.mean[...], mean_after)  # eval leaves them alone
    assert np.abs(np.asarray(y_train - y_eval)).max() > 1e-3
    # In eval mode an example's output does not depend on the rest of its batch.
    np.testing.assert_allclose(model(x[:1]), y_eval[:1], atol=1e-5)


def test_every_parameter_gets_a_gradient():
    model = small("imagenet", block="bottleneck")
    model.train()
    x = jax.random.normal(jax.random.key(0), (2, 32, 32, 1))
    grads = nnx.jit(nnx.grad(lambda m: jnp.square(m(x)).mean()))(model)
    for path, g in nnx.to_flat_state(grads):
        assert np.abs(np.asarray(g.get_value())).max() > 0, path
