"""AlexNet: torchvision's parameter count, the 6x6 map at 224 pixels, and dropout's switch.
(Torch parity, flatten order included: tests/pretrained/test_parity.py.)"""

import jax
import numpy as np
from flax import nnx

from jaxdl.nn import alexnet
from numpy_weights import numpy_weights


def test_parameter_count_matches_torchvision():
    model = nnx.eval_shape(lambda: alexnet.AlexNet(num_classes=1000, in_channels=3,
                                                   rngs=nnx.Rngs(0)))
    assert sum(p.size for p in jax.tree.leaves(nnx.state(model, nnx.Param))) == 61_100_840


def test_features_of_a_224_image_are_6x6x256():
    model = nnx.eval_shape(lambda: alexnet.AlexNet(num_classes=10, in_channels=3,
                                                   rngs=nnx.Rngs(0)))
    shape = jax.eval_shape(lambda m, x: m.features(x), model,
                           jax.ShapeDtypeStruct((1, 224, 224, 3), np.float32)).shape
    assert shape == (1, 6, 6, 256)


def test_dropout_only_in_training():
    model = numpy_weights(lambda: alexnet.AlexNet(num_classes=3, in_channels=1, rngs=nnx.Rngs(0)))
    x = jax.random.normal(jax.random.key(0), (2, 64, 64, 1))
    forward = nnx.jit(lambda m, x, r: m(x, rngs=r))
    model.eval()
    np.testing.assert_array_equal(forward(model, x, nnx.Rngs(dropout=1)),
                                  forward(model, x, nnx.Rngs(dropout=2)))
    model.train()
    assert np.abs(np.asarray(forward(model, x, nnx.Rngs(dropout=1))
                             - forward(model, x, nnx.Rngs(dropout=2)))).max() > 0
