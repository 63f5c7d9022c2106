"""Character bigram language model on names, two ways, in NumPy only.

1. Counting: tally how often each character follows each other one, add +1 to every cell so no
   bigram has probability zero, and normalise rows into next-character distributions.
2. A one-layer net: one-hot(previous char) @ W gives logits, softmax gives the same kind of
   table. Trained by full-batch gradient descent with gradients derived by hand, it approaches
   the counting table; a small L2 penalty on W plays the role of the +1 smoothing (pulling rows
   towards uniform), so it settles a little above the counting model's loss.

Also holds what both this module and `mlp.py` need: the names file and the character vocabulary.

    JAXDL_DATA_DIR=/path/to/data python -m jaxdl.scratch.bigram
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np

from jaxdl.errors import DataUnavailableError  # standard library only: the NumPy track may use it

BOUNDARY = "."  # marks both the start and the end of a name


def read_names(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Names from `<data_dir>/names.txt`, `data_dir` defaulting to $JAXDL_DATA_DIR."""
    data_dir = data_dir or os.environ.get("JAXDL_DATA_DIR")
    if not data_dir:
        raise DataUnavailableError("JAXDL_DATA_DIR is not set: point it at a folder holding names.txt")
    path = Path(data_dir) / "names.txt"
    if not path.is_file():
        raise DataUnavailableError(f"{path} not found: JAXDL_DATA_DIR must name a folder holding names.txt")
    return path.read_text().split()


class Vocab:
    """Characters <-> integer ids; id 0 is the boundary token, then the letters in sorted order."""

    def __init__(self, words: list[str]):
        letters = sorted(set("".join(words)))
        if BOUNDARY in letters:
            raise ValueError(f"words may not contain the boundary token {BOUNDARY!r}")
        self.itos = [BOUNDARY, *letters]
        self.stoi = {ch: i for i, ch in enumerate(self.itos)}

    @property
    def size(self) -> int:
        return len(self.itos)

    def encode(self, word: str) -> list[int]:
        return [self.stoi[ch] for ch in word]

    def decode(self, ids) -> str:
        return "".join(self.itos[i] for i in ids)


def bigram_pairs(words: list[str], vocab: Vocab) -> tuple[np.ndarray, np.ndarray]:
    """(previous, next) id pairs of every name wrapped in boundary tokens: '.emma.' gives 5 pairs."""
    prev, nxt = [], []
    for word in words:
        ids = [0, *vocab.encode(word), 0]
        prev += ids[:-1]
        nxt += ids[1:]
    return np.array(prev), np.array(nxt)


def count_bigrams(prev: np.ndarray, nxt: np.ndarray, vocab_size: int) -> np.ndarray:
    counts = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    np.add.at(counts, (prev, nxt), 1)  # add.at, unlike counts[prev, nxt] += 1, counts repeated pairs
    return counts


def counts_to_probs(counts: np.ndarray, smoothing: float = 1.0, dtype=np.float64) -> np.ndarray:
    """Row-normalised next-char table; smoothing adds fake counts so unseen bigrams keep p > 0."""
    smoothed = counts.astype(dtype) + smoothing
    return smoothed / smoothed.sum(axis=1, keepdims=True)


def mean_nll(probs: np.ndarray, prev: np.ndarray, nxt: np.ndarray) -> float:
    """Average negative log-likelihood (nats per character) of the pairs under a bigram table."""
    return float(-np.log(probs[prev, nxt]).mean())


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))  # shift: exp never overflows
    return shifted / shifted.sum(axis=-1, keepdims=True)


def one_hot(ids: np.ndarray, num_classes: int, dtype=np.float64) -> np.ndarray:
    return np.eye(num_classes, dtype=dtype)[ids]


def net_init(vocab_size: int, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
    return rng.standard_normal((vocab_size, vocab_size)).astype(dtype)


def net_loss_and_grad(W: np.ndarray, x_onehot: np.ndarray, nxt: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Loss = mean NLL of softmax(x_onehot @ W) at `nxt` + l2 * mean(W**2), and dLoss/dW.

    Gradient by hand: for a softmax followed by -log p[target], dLoss/dlogits = probs - one_hot(target)
    (averaged over the n pairs), and logits = x @ W sends it back as dW = x.T @ dlogits.
    """
    n = len(nxt)
    probs = softmax(x_onehot @ W)
    rows = np.arange(n)
    nll = -np.log(probs[rows, nxt]).mean()
    dlogits = probs  # reused in place: probs is not needed any more
    dlogits[rows, nxt] -= 1
    dlogits /= n
    dW = x_onehot.T @ dlogits + l2 * 2 * W / W.size
    return float(nll + l2 * np.mean(W**2)), dW


def net_train(W, x_onehot, nxt, *, steps: int, lr: float, l2: float, log_every: int = 0) -> np.ndarray:
    """Full-batch gradient descent on a copy of W; returns the trained weights."""
    W = W.copy()
    for step in range(steps):
        loss, dW = net_loss_and_grad(W, x_onehot, nxt, l2)
        if log_every and step % log_every == 0:
            print(f"step {step:4d}  loss {loss:.4f}")
        W -= lr * dW
    return W


def net_probs(W: np.ndarray) -> np.ndarray:
    """The net's bigram table: row i is softmax(one_hot(i) @ W) = softmax(W[i])."""
    return softmax(W)


def sample(probs: np.ndarray, vocab: Vocab, rng: np.random.Generator, num: int) -> list[str]:
    """Draw names from a bigram table, starting after a boundary and stopping at the next one."""
    # rng.choice wants each row to sum to 1 at float64 precision, which a float32 table may miss.
    probs = probs.astype(np.float64)
    probs /= probs.sum(axis=1, keepdims=True)
    names = []
    for _ in range(num):
        ids, current = [], 0
        while True:
            current = rng.choice(vocab.size, p=probs[current])
            if current == 0:
                break
            ids.append(current)
        names.append(vocab.decode(ids))
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="gradient steps for the net")
    parser.add_argument("--lr", type=float, default=50.0)
    parser.add_argument("--l2", type=float, default=0.01, help="weight of mean(W**2) in the net's loss")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    words = read_names()
    vocab = Vocab(words)
    prev, nxt = bigram_pairs(words, vocab)
    print(f"{len(words)} names, {len(prev)} bigrams, vocab {vocab.size}")

    counted = counts_to_probs(count_bigrams(prev, nxt, vocab.size))
    print(f"counting model (+1 smoothing): mean NLL {mean_nll(counted, prev, nxt):.4f}")

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    x_onehot = one_hot(prev, vocab.size)
    W = net_train(net_init(vocab.size, rng), x_onehot, nxt, steps=args.steps, lr=args.lr, l2=args.l2,
                  log_every=max(1, args.steps // 10))
    seconds = time.perf_counter() - start
    learned = net_probs(W)
    loss_with_l2, _ = net_loss_and_grad(W, x_onehot, nxt, args.l2)
    print(f"net after {args.steps} steps ({seconds:.1f}s, {1000 * seconds / max(1, args.steps):.0f} ms/step): "
          f"mean NLL {mean_nll(learned, prev, nxt):.4f}, with L2 term {loss_with_l2:.4f}")

    for label, probs in (("counting", counted), ("net", learned)):
        print(f"samples from the {label} model:", " ".join(sample(probs, vocab, rng, 10)))


if __name__ == "__main__":
    main()
