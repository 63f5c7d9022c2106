"""Reading PyTorch checkpoints (`torch.save` files) into NumPy, without torch and without running
code from the file.

A `.pth` file is a pickle, and unpickling calls whatever functions the file names: a plain
`pickle.load` of a downloaded checkpoint can run any code. The unpickler here admits only what a
state_dict needs (OrderedDict, torch's tensor-rebuild functions, the typed storage classes) and
maps each to our own NumPy stand-in; any other global is refused before anything is called.

Two layouts exist:
  zip (torch >= 1.6): `ARCHIVE/data.pkl` pickles the object; storage k is the file `ARCHIVE/data/k`.
  legacy: five things one after another in one file: a magic number, a protocol version,
      system info, the object's pickle, then the storage keys, each followed by its raw data
      (int64 element count, then the bytes). torchvision's older checkpoints use it.
Both name a storage by a "persistent id" ("storage", StorageClass, key, device, element count);
a tensor is a view (offset, shape, strides, in elements) into one storage.
"""

import collections
import dataclasses
import pickle
import zipfile
from pathlib import Path

import ml_dtypes
import numpy as np

from jaxdl.errors import UserError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# torch's typed storage classes, by name, and the element type each holds.
STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": ml_dtypes.bfloat16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class UnsafeCheckpointError(UserError):
    """The file asks for a function or class that a checkpoint of tensors never needs."""


@dataclasses.dataclass(frozen=True)
class StorageType:
    dtype: type


@dataclasses.dataclass
class Storage:
    dtype: type
    numel: int
    data: np.ndarray | None = None  # 1-D, filled once the storage's bytes are read


@dataclasses.dataclass
class TensorView:
    storage: Storage
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]

    def to_numpy(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise UserError("Corrupt checkpoint: a tensor's storage was never written.")
        itemsize = data.dtype.itemsize
        end = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.strides)) + 1
        if min(self.shape, default=1) > 0 and end > data.size:
            raise UserError("Corrupt checkpoint: a tensor reaches past the end of its storage.")
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], self.shape, [s * itemsize for s in self.strides], writeable=False)
        return np.array(view)  # a compact copy that owns its memory


def rebuild_tensor(storage, offset, shape, strides, requires_grad=False, hooks=None,
                   metadata=None) -> TensorView:
    """Stands in for torch._utils._rebuild_tensor_v2 (a dense tensor on a storage)."""
    del requires_grad, hooks, metadata  # training-time bookkeeping; a state_dict has none
    return TensorView(storage, int(offset), tuple(shape), tuple(strides))


def rebuild_parameter(data, requires_grad=False, hooks=None, *rest):
    """Stands in for torch._utils._rebuild_parameter: an nn.Parameter is its tensor."""
    return data


ALLOWED_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    **{("torch", name): StorageType(dtype) for name, dtype in STORAGE_DTYPES.items()},
}


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only ALLOWED_GLOBALS (to our stand-ins); storages come from `load_storage`."""

    def __init__(self, file, load_storage=None):
        super().__init__(file)
        self.load_storage = load_storage

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f"Refusing to load: the checkpoint asks for {module}.{name}, which a file of "
                "tensors never needs and which could run code. Only tensors, storages and "
                "OrderedDict are admitted.") from None

    def persistent_load(self, pid):
        if self.load_storage is None or not (isinstance(pid, tuple) and pid[:1] == ("storage",)):
            raise UnsafeCheckpointError(f"Refusing to load: unexpected persistent id {pid!r}.")
        storage_type, key, numel = pid[1], str(pid[2]), int(pid[4])
        if not isinstance(storage_type, StorageType):
            raise UnsafeCheckpointError(
                f"Refusing to load: {storage_type!r} is not a storage type.")
        if len(pid) > 5 and pid[5] is not None:
            raise UserError("Unsupported checkpoint: storage views of the pre-2018 format.")
        return self.load_storage(key, storage_type.dtype, numel)


def load(path) -> object:
    """The object saved in a torch checkpoint, with every tensor as a NumPy array."""
    path = Path(path)
    obj = _load_zip(path) if zipfile.is_zipfile(path) else _load_legacy(path)
    return _materialize(obj)


def load_state_dict(path) -> dict[str, np.ndarray]:
    """A checkpoint that holds a state_dict: {"layer.weight": array, ...}."""
    obj = load(path)
    if not (isinstance(obj, dict) and all(isinstance(v, np.ndarray) for v in obj.values())):
        raise UserError(f"{path} does not hold a state_dict (a mapping of names to tensors).")
    return dict(obj)


def _load_zip(path: Path) -> object:
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise UserError(f"{path}: not a torch zip checkpoint (no single */data.pkl).")
        root = pickles[0].removesuffix("data.pkl")
        order = root + "byteorder"
        if order in archive.namelist() and archive.read(order).decode() != "little":
            raise UserError(f"{path}: big-endian checkpoints are not supported.")
        storages: dict[str, Storage] = {}

        def load_storage(key, dtype, numel):
            if key not in storages:
                data = np.frombuffer(archive.read(f"{root}data/{key}"), dtype)
                if data.size < numel:
                    raise UserError(f"{path}: storage {key} is truncated.")
                storages[key] = Storage(dtype, numel, data)
            return storages[key]

        with archive.open(pickles[0]) as f:
            return RestrictedUnpickler(f, load_storage).load()


def _load_legacy(path: Path) -> object:
    with open(path, "rb") as f:
        if RestrictedUnpickler(f).load() != LEGACY_MAGIC:
            raise UserError(f"{path}: neither a zip nor a legacy torch checkpoint.")
        RestrictedUnpickler(f).load()  # protocol version
        RestrictedUnpickler(f).load()  # system info (byte order, sizes of C types)
        storages: dict[str, Storage] = {}

        def load_storage(key, dtype, numel):
            return storages.setdefault(key, Storage(dtype, numel))

        obj = RestrictedUnpickler(f, load_storage).load()
        for key in RestrictedUnpickler(f).load():
            storage = storages[str(key)]
            count = int(np.frombuffer(f.read(8), "<i8")[0])
            nbytes = count * np.dtype(storage.dtype).itemsize
            storage.data = np.frombuffer(f.read(nbytes), storage.dtype)
            if storage.data.size != count:
                raise UserError(f"{path}: storage {key} is truncated.")
        return obj


def _materialize(obj):
    """Replaces every TensorView in nested dicts, lists and tuples by its NumPy array."""
    if isinstance(obj, TensorView):
        return obj.to_numpy()
    if isinstance(obj, dict):
        return type(obj)((k, _materialize(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialize(v) for v in obj)
    return obj
