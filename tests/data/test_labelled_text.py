"""SMS spam and IMDB loading, the zip-member download, and the word vocabulary."""

import hashlib
import time
import zipfile

import numpy as np
import pytest

from jaxdl.data import labelled_text, sources
from jaxdl.errors import UserError
from testlib import has_data_file


def test_zip_member_download_is_checked(monkeypatch, tmp_path):
    monkeypatch.delenv("JAXDL_DATA_DIR", raising=False)
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not this one")
        z.writestr("Data", "ham\thello\n")
    digest = hashlib.sha256(b"ham\thello\n").hexdigest()
    path = sources.data_file("Data", archive.as_uri(), digest, member="Data")
    assert path.read_bytes() == b"ham\thello\n" and path.parent == tmp_path / "cache"
    with pytest.raises(ValueError, match="expected"):
        sources.data_file("Other", archive.as_uri(), digest, member="readme.txt")
    assert not (tmp_path / "cache" / "Other").exists()


@pytest.mark.skipif(not has_data_file("SMSSpamCollection"), reason="needs JAXDL_DATA_DIR")
def test_sms_spam_splits():
    splits, classes = labelled_text.sms_spam(val_fraction=0.1, test_fraction=0.2, seed=0)
    sizes = {name: len(texts) for name, (texts, _) in splits.items()}
    assert sizes == {"val": 517, "test": 1034, "train": 3620} and classes == ("ham", "spam")
    assert sum(labels.sum() for _, labels in splits.values()) == 653
    assert not set(splits["train"][0]) & set(splits["test"][0])


def test_imdb_offline_fails_fast_and_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(labelled_text, "_online", lambda: False)
    start = time.perf_counter()
    with pytest.raises(UserError, match="sms_spam"):
        labelled_text.imdb(data_dir=str(tmp_path))
    assert time.perf_counter() - start < 10


def test_vocab_and_encoding():
    texts = ["Win a FREE prize!", "free free call", "call me"]
    vocab = labelled_text.build_vocab(texts, max_size=4, min_count=1)
    assert vocab == ["<pad>", "<unk>", "free", "call"]
    ids = labelled_text.encode(["free prize, call", ""], vocab, 3)
    np.testing.assert_array_equal(ids, [[2, 1, 1], [0, 0, 0]])
