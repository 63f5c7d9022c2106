"""Torch parity: a plain torch.nn model with random weights and random BatchNorm statistics,
saved with torch.save, read back by our reader (no torch) and converted into our model, gives the
same eval-mode logits within 1e-4. Skipped without torch."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jax.numpy as jnp  # noqa: E402
from flax import nnx  # noqa: E402

import torch_reference as ref  # noqa: E402
from jaxdl.nn import alexnet, convblocks, mobilenet, resnet  # noqa: E402
from jaxdl.pretrained import convert, torchfile  # noqa: E402

# name -> (torch model, our model, image side)
CASES = {
    "resnet18": (lambda: ref.ResNet(ref.BasicBlock, (2, 2, 2, 2), 10),
                 lambda r: resnet.ResNet18(num_classes=10, in_channels=3, rngs=r), 64),
    "resnet34_small_stem": (
        lambda: ref.ResNet(ref.BasicBlock, (3, 4, 6, 3), 10, in_channels=1, stem="small",
                           width=8),
        lambda r: resnet.ResNet34(num_classes=10, in_channels=1, rngs=r, stem="small", width=8),
        16),
    "resnet50_width16": (
        lambda: ref.ResNet(ref.Bottleneck, (3, 4, 6, 3), 10, width=16),
        lambda r: resnet.ResNet50(num_classes=10, in_channels=3, rngs=r, width=16), 64),
    "mobilenet_v2": (lambda: ref.MobileNetV2(10),
                     lambda r: mobilenet.MobileNetV2(num_classes=10, in_channels=3, rngs=r), 64),
    "mobilenet_v2_half": (
        lambda: ref.MobileNetV2(10, width_multiplier=0.5),
        lambda r: mobilenet.MobileNetV2(num_classes=10, in_channels=3, rngs=r,
                                        width_multiplier=0.5), 32),
    # 100 pixels leave a 2x2 map before the adaptive pool: its 6x6 bins overlap.
    "alexnet": (lambda: ref.AlexNet(10),
                lambda r: alexnet.AlexNet(num_classes=10, in_channels=3, rngs=r), 100),
}


@pytest.mark.parametrize("name", CASES)
def test_converted_torch_weights_give_torch_logits(name, tmp_path):
    make_torch, make_ours, side = CASES[name]
    torch.manual_seed(0)
    theirs = ref.randomize(make_torch())
    torch.save(theirs.state_dict(), tmp_path / "weights.pth")

    ours = nnx.eval_shape(lambda: make_ours(nnx.Rngs(1)))  # shapes only: the weights come next
    convert.load_torch_state_dict(ours, torchfile.load_state_dict(tmp_path / "weights.pth"))
    ours.eval()

    channels = theirs.conv1.in_channels if hasattr(theirs, "conv1") else 3
    x_BCHW = torch.randn(4, channels, side, side, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = theirs(x_BCHW).numpy()
    got = np.asarray(nnx.jit(lambda m, x: m(x))(ours, x_BCHW.numpy().transpose(0, 2, 3, 1)))
    assert expected.std() > 0.05  # logits that differ, not a constant
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("size_in", [1, 2, 5, 13])
def test_adaptive_avg_pool_matches_torch(size_in):
    x = np.random.default_rng(size_in).normal(size=(2, 3, size_in, size_in + 3)).astype(np.float32)
    expected = torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x), 6).numpy()
    got = convblocks.adaptive_avg_pool(jnp.asarray(x.transpose(0, 2, 3, 1)), 6)
    np.testing.assert_allclose(np.asarray(got).transpose(0, 3, 1, 2), expected, atol=1e-6)
