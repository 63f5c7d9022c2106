"""word2vec data: vocabulary, subsampling, the unigram^0.75 sampler, window distances, batches."""

import numpy as np
import pytest

from jaxdl.data import words
from jaxdl.errors import UserError


def test_vocabulary_keeps_frequent_words_most_frequent_first():
    vocab = words.Vocabulary.build("b a c a b a d".split(), min_count=2)
    assert vocab.words == ("a", "b")
    assert vocab.counts.tolist() == [3, 2]
    assert vocab.encode("a x b c a".split()).tolist() == [0, 1, 0]
    with pytest.raises(UserError, match="min_count"):
        words.Vocabulary.build("a b c".split(), min_count=2)


def test_plays_words_drop_speaker_lines():
    text = "ROMEO:\nBut soft! what light\n\nFirst Witch:\nWhen shall we three meet again\n"
    assert words.plays_words(text) == "but soft what light when shall we three meet again".split()


def test_keep_probabilities_follow_the_c_tool():
    counts = np.array([1000, 100, 10, 1])
    t = 1e-2
    z = counts / counts.sum()
    expected = np.minimum(1, (np.sqrt(z / t) + 1) * t / z)
    np.testing.assert_allclose(words.keep_probabilities(counts, t), expected)
    assert words.keep_probabilities(counts, t)[-1] == 1.0  # rare words always stay
    assert words.keep_probabilities(counts, 0.0).tolist() == [1, 1, 1, 1]


def test_negative_sampler_draws_unigram_to_the_three_quarters():
    counts = np.array([900, 300, 50, 9, 1])
    probs = words.noise_distribution(counts)
    np.testing.assert_allclose(probs, counts**0.75 / np.sum(counts**0.75))
    draws = words.NegativeSampler(probs)(np.random.default_rng(0), (200_000,))
    freq = np.bincount(draws, minlength=len(counts)) / len(draws)
    sigma = np.sqrt(probs * (1 - probs) / len(draws))
    assert np.all(np.abs(freq - probs) < 5 * sigma)
    # The exponent shows: plain unigram frequencies would give word 0 far more draws.
    unigram = counts / counts.sum()
    assert abs(freq[0] - unigram[0]) > 50 * sigma[0]


def test_dynamic_window_distances():
    np.testing.assert_allclose(words.distance_probabilities(4), np.array([4, 3, 2, 1]) / 10)


def test_skipgram_batches_are_pairs_within_the_window_and_deterministic():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, 5000).astype(np.int32)
    ids[::7] = 19  # place marks to find positions back
    vocab = words.Vocabulary(tuple(str(i) for i in range(20)), np.bincount(ids, minlength=20))
    kwargs = dict(model="skipgram", batch_size=64, window=3, negatives=5, subsample=0.0, seed=1)
    ds = words.batches(ids, vocab, **kwargs)
    b = ds[3]
    assert b["center"].shape == b["context"].shape == (64,) and b["negatives"].shape == (64, 5)
    np.testing.assert_array_equal(words.batches(ids, vocab, **kwargs)[3]["negatives"], b["negatives"])
    # Two processes: each keeps its half of the same global batch.
    halves = [words.batches(ids, vocab, **kwargs, process_index=p, process_count=2)[3] for p in (0, 1)]
    for key in b:
        np.testing.assert_array_equal(np.concatenate([h[key] for h in halves]), b[key])
    # Without subsampling, every pair (center, context) must occur in the stream within 3 words.
    near = {(ids[i], ids[j]) for i in range(len(ids)) for j in range(i - 3, i + 4)
            if j != i and 0 <= j < len(ids)}
    assert all((c, o) in near for c, o in zip(b["center"], b["context"]))


def test_cbow_batches_mark_the_shrunk_window():
    ids = np.arange(1000, dtype=np.int32) % 50
    vocab = words.Vocabulary(tuple(str(i) for i in range(50)), np.full(50, 20))
    b = words.batches(ids, vocab, model="cbow", batch_size=32, window=4, negatives=3,
                      subsample=0.0, seed=0)[0]
    assert b["context"].shape == b["context_valid"].shape == (32, 8)
    offsets = np.array([-4, -3, -2, -1, 1, 2, 3, 4])
    for center, context, valid in zip(b["center"], b["context"], b["context_valid"]):
        assert valid.any()
        # ids are positions mod 50: a valid context word sits at center + offset
        np.testing.assert_array_equal(context[valid] % 50, (center + offsets[valid]) % 50)
        reach = np.abs(offsets[valid]).max()
        assert valid[np.abs(offsets) <= reach].all() or center < 4 or center > 995


def test_text8_with_other_bytes_is_refused_not_used(tmp_path, monkeypatch):
    (tmp_path / "text8").write_text(" anarchism originated as a term of abuse")
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path))
    with pytest.raises(UserError, match="sha256"):
        words.text8()


def _fake_text8(tmp_path, monkeypatch):
    """A small stand-in for text8.zip, served from a file:// URL, with its hashes pinned."""
    import hashlib
    import zipfile

    data = b" anarchism originated as a term of abuse" * 50
    remote = tmp_path / "remote" / "text8.zip"
    remote.parent.mkdir()
    with zipfile.ZipFile(remote, "w") as z:
        z.writestr("text8", data)
    monkeypatch.setenv("JAXDL_DATA_DIR", str(tmp_path / "data"))  # a folder without text8
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(words, "TEXT8_ZIP", ("text8.zip", remote.as_uri(),
                                             hashlib.sha256(remote.read_bytes()).hexdigest()))
    monkeypatch.setattr(words, "TEXT8_SHA256", hashlib.sha256(data).hexdigest())
    return data, remote


def test_text8_download_is_checked_extracted_and_cached(tmp_path, monkeypatch):
    data, remote = _fake_text8(tmp_path, monkeypatch)
    assert words.text8() == data.decode()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["text8"]  # zip removed
    remote.unlink()  # the second call reads the extracted file: no network
    assert words.text8() == data.decode()


def test_text8_offline_is_a_fast_error_naming_the_fixes(tmp_path, monkeypatch):
    import time
    import urllib.request

    from jaxdl.data import sources

    _fake_text8(tmp_path, monkeypatch)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    start = time.monotonic()
    with pytest.raises(sources.DataUnavailableError) as error:
        words.text8()
    assert time.monotonic() - start < 5
    assert "JAXDL_DATA_DIR" in str(error.value)
    assert "--config.data.corpus=shakespeare_plays" in str(error.value)
