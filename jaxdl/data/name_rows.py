"""Names as training data for makemore's character-level models (NumPy and grain, no JAX).

Every name becomes one row of `length = longest name + 1` positions:

    inputs   .  e  m  m  a  .  .  .        (0 = the boundary token ".", also the padding)
    targets  e  m  m  a  .  -1 -1 -1       (-1 = nothing to predict)

so position t predicts the character after the first t characters, the last real target is the
end of the name, and a model is trained on every character of every name at once.
"""

import random

import grain
import numpy as np

from jaxdl.data.text import CharTokenizer
from jaxdl.errors import UserError

BOUNDARY = "."  # sorts before the letters: id 0


def tokenizer_for(words: list[str]) -> CharTokenizer:
    return CharTokenizer(BOUNDARY + "".join(words))


def encode(words: list[str], tokenizer: CharTokenizer, length: int) -> dict[str, np.ndarray]:
    inputs = np.zeros((len(words), length), np.int32)
    targets = np.full((len(words), length), -1, np.int32)
    for row, word in enumerate(words):
        ids = tokenizer.encode(word)
        inputs[row, 1:len(ids) + 1] = ids
        targets[row, :len(ids)] = ids
        targets[row, len(ids)] = 0
    return {"inputs": inputs, "targets": targets}


def torch_randperm(n: int, seed: int) -> list[int]:
    """`torch.manual_seed(seed); torch.randperm(n)` on a CPU, without torch: the same Fisher-Yates
    shuffle over the same mt19937 stream (NumPy's legacy RandomState seeds mt19937 the same way).
    Checked equal to torch 2.13's for makemore's 32,033 names and seed 3407."""
    raw = np.random.RandomState(seed)._bit_generator.random_raw(max(n - 1, 0))
    order = list(range(n))
    for i in range(n - 1):
        j = i + int(raw[i]) % (n - i)
        order[i], order[j] = order[j], order[i]
    return order


def split(words: list[str], scheme: str, seed: int) -> dict[str, list[str]]:
    """The split of makemore (`torch.randperm`; its last 1000 names held out) or of the lectures
    (`random.seed(42); random.shuffle(words)`; 80% train, 10% val, 10% test), reproduced exactly,
    so losses compare with theirs.

    makemore calls its held-out names the test set, but it evaluates on them during training and
    keeps the checkpoint that scores best there: they are a validation set, and are named "val"."""
    if scheme == "makemore":
        shuffled = [words[i] for i in torch_randperm(len(words), seed)]
        n_held_out = min(1000, int(len(words) * 0.1))
        return {"train": shuffled[:-n_held_out], "val": shuffled[-n_held_out:]}
    if scheme == "lectures":
        shuffled = list(words)
        random.Random(seed).shuffle(shuffled)
        n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))
        return {"train": shuffled[:n1], "val": shuffled[n1:n2], "test": shuffled[n2:]}
    raise ValueError(f"unknown split scheme {scheme!r}: makemore or lectures")


def random_rows(rows: dict[str, np.ndarray], *, batch_size: int, seed: int,
                process_index: int = 0, process_count: int = 1) -> grain.MapDataset:
    """Endless batches of rows drawn with replacement (makemore's sampler); batch i depends only
    on (seed, i). Each process keeps its share of the global batch."""
    n = len(next(iter(rows.values())))
    per_process = batch_size // process_count
    mine = slice(process_index * per_process, (process_index + 1) * per_process)

    def batch(i: int) -> dict[str, np.ndarray]:
        picked = np.random.default_rng([seed, i]).integers(0, n, batch_size)[mine]
        return {key: value[picked] for key, value in rows.items()}

    return grain.MapDataset.range(2**62).map(batch)


def pack(rows: dict[str, np.ndarray], *, num_rows: int, length: int) -> dict[str, np.ndarray]:
    """Packs a batch of names end to end into `num_rows` rows of `length` positions.

    A name of n characters fills n + 1 positions (its inputs "." c1 .. cn, its targets c1 .. cn
    "."); padded one per row, most of a batch is padding (names average 6 characters in rows of
    16). Names go longest first into the first row with room. `positions` numbers each name's
    own positions from 0 and `segments` the names within a row from 1 (0 = padding): a model that
    attends within a segment only, with those positions, computes exactly what it computes on the
    padded rows.
    """
    sizes = (rows["targets"] >= 0).sum(1).tolist()
    out = {"inputs": np.zeros((num_rows, length), np.int32),
           "targets": np.full((num_rows, length), -1, np.int32),
           "positions": np.zeros((num_rows, length), np.int32),
           "segments": np.zeros((num_rows, length), np.int32)}
    used, names_in = [0] * num_rows, [0] * num_rows  # plain lists: this runs on every step
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        n = sizes[i]
        r = next((r for r in range(num_rows) if used[r] + n <= length), None)
        if r is None:
            raise UserError(f"{len(sizes)} names ({sum(sizes)} positions) do not fit in "
                            f"{num_rows} rows of {length}: raise data.pack_rows (or "
                            "data.pack_length; tests/benchmarks/packing.py shows what batches need)")
        names_in[r] += 1
        span = slice(used[r], used[r] + n)
        out["inputs"][r, span] = rows["inputs"][i, :n]
        out["targets"][r, span] = rows["targets"][i, :n]
        out["positions"][r, span] = np.arange(n)
        out["segments"][r, span] = names_in[r]
        used[r] += n
    return out
