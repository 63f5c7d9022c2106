"""Labelled texts for classification (SMS spam, IMDB reviews) and a word-level vocabulary.

* ``sms_spam``: the UCI SMS Spam Collection (Almeida, Gómez Hidalgo & Yamakami 2011; CC BY 4.0),
  5,574 messages, 747 spam. Found like every data file (``jaxdl.data.sources.data_file``):
  ``$JAXDL_DATA_DIR``, the user cache, else the UCI zip, whose ``SMSSpamCollection`` member is
  sha256-checked. Exact repeats are dropped (5,171 distinct messages, 653 spam), so that no test
  message is also a training message; then a seeded permutation cuts train / val / test.
* ``imdb``: the 50,000 IMDB reviews of Maas et al. (2011) through tensorflow-datasets
  (``imdb_reviews``, 25k train / 25k test; val is cut from train). Without a prepared copy and
  without network it fails within seconds, naming the fixes.

Texts become ids by a word vocabulary built on the train split only: lowercase, words and single
punctuation marks as tokens, PAD = 0, UNK = 1.
"""

import collections
import re
import socket

import numpy as np

from jaxdl.data import sources
from jaxdl.errors import UserError

PAD, UNK = 0, 1
_SMS = ("SMSSpamCollection",
        "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
        "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d")
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def _cut(texts, labels, val_fraction, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(texts))
    n_val, n_test = int(len(texts) * val_fraction), int(len(texts) * test_fraction)
    parts = {"val": order[:n_val], "test": order[n_val:n_val + n_test],
             "train": order[n_val + n_test:]}
    return {name: ([texts[i] for i in idx], labels[idx]) for name, idx in parts.items()}


def sms_spam(val_fraction=0.1, test_fraction=0.2, seed=0):
    """({split: (texts, labels)}, classes): labels 0 = ham, 1 = spam."""
    path = sources.data_file(*_SMS, member="SMSSpamCollection")
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t", 1) for line in dict.fromkeys(lines)]  # first of each repeat
    labels = np.array([label == "spam" for label, _ in rows], np.int32)
    texts = [text for _, text in rows]
    return _cut(texts, labels, val_fraction, test_fraction, seed), ("ham", "spam")


def _online(host="storage.googleapis.com", timeout=3.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def imdb(val_fraction=0.1, seed=0, data_dir=None):
    """({split: (texts, labels)}, classes): labels 0 = negative, 1 = positive."""
    import tensorflow_datasets as tfds

    try:
        sets = tfds.data_source("imdb_reviews", split=["train", "test"], data_dir=data_dir,
                                download=False)
    except Exception:  # not prepared here: tfds raises AssertionError or its own errors
        if not _online():
            raise UserError(
                "IMDB reviews are not prepared on this machine and it is offline: run once with "
                "network (tensorflow-datasets downloads imdb_reviews), or use "
                "--config.data.dataset=sms_spam") from None
        sets = tfds.data_source("imdb_reviews", split=["train", "test"], data_dir=data_dir,
                                download=True)

    def read(source):
        rows = [source[i] for i in range(len(source))]
        texts = [row["text"].decode("utf-8").replace("<br />", " ") for row in rows]
        return texts, np.array([row["label"] for row in rows], np.int32)

    train, test = map(read, sets)
    splits = _cut(*train, val_fraction, 0.0, seed)
    splits["test"] = test
    return splits, ("negative", "positive")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def build_vocab(texts, max_size: int, min_count: int = 2) -> list[str]:
    """["<pad>", "<unk>", then the train split's words by frequency (ties alphabetical)]."""
    counts = collections.Counter(word for text in texts for word in tokenize(text))
    words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return ["<pad>", "<unk>", *words[:max_size - 2]]


def encode(texts, vocab: list[str], length: int) -> np.ndarray:
    """[N, length] ids, the first `length` tokens of each text, PAD after."""
    index = {word: i for i, word in enumerate(vocab)}
    ids = np.zeros((len(texts), length), np.int32)
    for row, text in enumerate(texts):
        tokens = [index.get(word, UNK) for word in tokenize(text)[:length]]
        ids[row, :len(tokens)] = tokens
    return ids
