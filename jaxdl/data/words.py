"""Word-level training data for word2vec: vocabulary, subsampling, negatives, batches (NumPy).

Following Mikolov et al. (2013) and their C tool:

* words seen fewer than ``min_count`` times are dropped from the stream;
* each epoch a word occurrence is kept with probability ``(sqrt(z / t) + 1) * t / z``, ``z`` its
  share of the corpus and ``t`` the ``subsample`` threshold, so "the" and "and" thin out while
  rare words all stay (and windows reach further past the frequent ones);
* negatives are drawn from the unigram distribution raised to the power 3/4;
* the window is "dynamic": a context word at distance ``d`` is used with probability
  ``(window - d + 1) / window``, as the tool's random window shrink gives.

A skip-gram batch holds ``batch_size`` (center, context) pairs, each center drawn uniformly
from the epoch's subsampled stream and its context at a distance drawn with those weights,
plus ``negatives`` noise words per pair; in expectation that is the tool's stream of pairs.
A CBOW batch holds a center, its whole (shrunk) window padded to ``2 * window`` with
``context_valid`` marking real words, and the negatives. Batch ``i`` is a pure function of
(seed, i), so the grain iterator's state is all a checkpoint needs.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import hashlib
import os
import pathlib
import re
import zipfile

import grain
import numpy as np

from jaxdl.data import sources
from jaxdl.errors import UserError

_WORD = re.compile(r"[a-z]+")
# text8 (Matt Mahoney): the first 10^8 bytes of an English Wikipedia dump reduced to lower-case
# words. The zip is what is downloaded; the extracted file is what is kept and read.
TEXT8_ZIP = ("text8.zip", "https://mattmahoney.net/dc/text8.zip",
             "a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232")
TEXT8_SHA256 = "6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7"


def text8() -> str:
    """text8's 100,000,000 characters: ``$JAXDL_DATA_DIR/text8``, the cache, else downloaded.

    Both the zip and the extracted file are checked against their pinned sha256.
    """
    folders = [os.environ.get("JAXDL_DATA_DIR"), str(sources.cache_dir())]
    for folder in filter(None, folders):
        path = pathlib.Path(folder).expanduser() / "text8"
        if path.is_file():
            return _checked_text8(path.read_bytes(), path)
    archive = sources.data_file(*TEXT8_ZIP)
    with zipfile.ZipFile(archive) as z:
        data = z.read("text8")
    target = sources.cache_dir() / "text8"
    _checked_text8(data, archive)
    target.write_bytes(data)
    archive.unlink()  # the extracted file is what later runs read
    return data.decode("ascii")


def _checked_text8(data: bytes, path) -> str:
    actual = hashlib.sha256(data).hexdigest()
    if actual != TEXT8_SHA256:
        raise UserError(f"{path} has sha256 {actual}, expected {TEXT8_SHA256}: not text8. "
                        f"Replace or delete it.")
    return data.decode("ascii")


def plays_words(text: str) -> list[str]:
    """The words of the plays corpus without its speaker lines (``ROMEO:`` opens each speech)."""
    lines = [line for speech in text.split("\n\n") for line in speech.split("\n")[1:]]
    return _WORD.findall("\n".join(lines).lower())


def plain_words(text: str) -> list[str]:
    """Lower-case runs of letters: text8 is already in this form."""
    return _WORD.findall(text.lower())


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """Words with at least ``min_count`` occurrences, most frequent first (ties alphabetical)."""

    words: tuple[str, ...]
    counts: np.ndarray  # [V] occurrences in the corpus

    @classmethod
    def build(cls, words: list[str], min_count: int) -> "Vocabulary":
        counts = collections.Counter(words)
        kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        if len(kept) < 2:
            raise UserError(f"only {len(kept)} words occur >= {min_count} times: lower data.min_count")
        return cls(tuple(kept), np.array([counts[w] for w in kept], dtype=np.int64))

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, words: list[str]) -> np.ndarray:
        """Ids of the words in the vocabulary, the others dropped (as the C tool does)."""
        index = self.index
        return np.array([index[w] for w in words if w in index], dtype=np.int32)


def keep_probabilities(counts: np.ndarray, threshold: float) -> np.ndarray:
    """Per word, the chance an occurrence survives subsampling (1 for rare words; 0 threshold: off)."""
    if threshold <= 0:
        return np.ones(len(counts))
    share = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(share / threshold) + 1.0) * threshold / share)


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """Negative-sampling probabilities: unigram counts ** power, normalised."""
    weights = counts.astype(np.float64) ** power
    return weights / weights.sum()


class NegativeSampler:
    """Draws word ids from ``probs`` by inverting its cumulative distribution."""

    def __init__(self, probs: np.ndarray):
        self.cdf = np.cumsum(probs)
        self.cdf /= self.cdf[-1]

    def __call__(self, rng: np.random.Generator, shape) -> np.ndarray:
        ids = np.searchsorted(self.cdf, rng.random(shape), side="right")
        return np.minimum(ids, len(self.cdf) - 1).astype(np.int32)  # guards rounding at 1.0


def distance_probabilities(window: int) -> np.ndarray:
    """P(d) for d = 1..window under the dynamic window: proportional to window - d + 1."""
    weights = np.arange(window, 0, -1, dtype=np.float64)
    return weights / weights.sum()


def batches(ids: np.ndarray, vocab: Vocabulary, *, model: str, batch_size: int, window: int,
            negatives: int, subsample: float, seed: int, process_index: int = 0,
            process_count: int = 1) -> grain.MapDataset:
    """An endless MapDataset of skip-gram (``model="skipgram"``) or CBOW (``"cbow"``) batches.

    Every process draws the same global batch and keeps its own rows (as ``text.random_windows``).
    """
    if model not in ("skipgram", "cbow"):
        raise UserError(f"model.name {model!r} is not a word2vec model: choose skipgram or cbow")
    keep = keep_probabilities(vocab.counts, subsample)
    per_epoch = max(1, int(keep[ids].sum()) // batch_size)  # batches in one (expected) pass
    if keep[ids].sum() < 4 * window:
        raise UserError(f"the corpus has too few words ({len(ids)}) for window {window}")
    sampler = NegativeSampler(noise_distribution(vocab.counts))
    distances = distance_probabilities(window)

    @functools.lru_cache(maxsize=1)
    def epoch_stream(epoch: int) -> np.ndarray:
        rng = np.random.default_rng([seed, epoch, 1])
        return ids[rng.random(len(ids)) < keep[ids]]

    rows = batch_size // process_count
    mine = slice(process_index * rows, (process_index + 1) * rows)

    def batch(i: int) -> dict[str, np.ndarray]:
        return {key: value[mine] for key, value in global_batch(i).items()}

    def global_batch(i: int) -> dict[str, np.ndarray]:
        stream = epoch_stream(i // per_epoch)
        rng = np.random.default_rng([seed, i])
        centers = rng.integers(0, len(stream), batch_size)
        noise = sampler(rng, (batch_size, negatives))
        if model == "skipgram":
            offsets = rng.choice(np.arange(1, window + 1), size=batch_size, p=distances)
            offsets *= rng.choice([-1, 1], size=batch_size)
            inside = (centers + offsets >= 0) & (centers + offsets < len(stream))
            positions = np.where(inside, centers + offsets, centers - offsets)
            return {"center": stream[centers], "context": stream[positions], "negatives": noise}
        shrink = rng.integers(1, window + 1, batch_size)  # the tool's reduced window b
        offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])
        positions = centers[:, None] + offsets[None, :]
        valid = ((np.abs(offsets)[None, :] <= shrink[:, None])
                 & (positions >= 0) & (positions < len(stream)))
        context = stream[np.clip(positions, 0, len(stream) - 1)]
        return {"center": stream[centers], "context": np.where(valid, context, 0),
                "context_valid": valid, "negatives": noise}

    return grain.MapDataset.range(2**62).map(batch)
