"""MobileNetV2: torchvision's width rounding and parameter count, depthwise convolutions,
where the residual connections are, and dropout only in training. (Torch parity:
tests/pretrained/test_parity.py.)"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn import mobilenet
from numpy_weights import numpy_weights


@pytest.mark.parametrize("value, rounded", [(32, 32), (16, 16), (8, 8), (12, 16), (5.6, 8),
                                            (72, 72), (33.6, 32), (1280, 1280), (60, 64)])
def test_make_divisible_rounds_as_torchvision(value, rounded):
    assert mobilenet.make_divisible(value) == rounded


def abstract(**kwargs):
    return nnx.eval_shape(lambda: mobilenet.MobileNetV2(in_channels=3, rngs=nnx.Rngs(0),
                                                        **kwargs))


def test_parameter_count_matches_torchvision():
    model = abstract(num_classes=1000)
    assert sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param))) == 3_504_872


def test_inverted_residuals_expand_filter_depthwise_and_project():
    model = abstract(num_classes=10)
    blocks = list(model.features)[1:-1]
    assert len(blocks) == 17
    assert sum(block.use_residual for block in blocks) == 10  # stride 1 and equal widths
    expand, depthwise, project, _ = blocks[1].conv  # 16 -> 96 -> 96 (stride 2) -> 24
    assert expand[0].kernel.shape == (1, 1, 16, 96)
    assert depthwise[0].feature_group_count == 96 and depthwise[0].kernel.shape == (3, 3, 1, 96)
    assert depthwise[0].strides == (2, 2)
    assert project.kernel.shape == (1, 1, 96, 24)
    assert len(blocks[0].conv) == 3  # expansion 1: no expanding conv


def test_width_multiplier_scales_the_backbone_but_not_the_last_1280():
    model = abstract(num_classes=10, width_multiplier=0.5)
    assert model.features[0][0].kernel.shape == (3, 3, 3, 16)
    assert model.num_features == 1280


def test_dropout_only_in_training():
    model = numpy_weights(lambda: mobilenet.MobileNetV2(
        num_classes=4, in_channels=3, rngs=nnx.Rngs(0), width_multiplier=0.35, dropout=0.5))
    x = jax.random.normal(jax.random.key(0), (2, 32, 32, 3))
    forward = nnx.jit(lambda m, x, r: m(x, rngs=r))
    model.eval()
    np.testing.assert_array_equal(forward(model, x, nnx.Rngs(dropout=1)),
                                  forward(model, x, nnx.Rngs(dropout=2)))
    model.train()
    a, b = forward(model, x, nnx.Rngs(dropout=1)), forward(model, x, nnx.Rngs(dropout=2))
    assert np.abs(np.asarray(a - b)).max() > 0
    assert a.shape == (2, 4) and jnp.isfinite(a).all()
