"""Byte-level byte-pair encoding (BPE) from scratch: train merges, encode, decode (stdlib only).

A tokenizer is one list, ``vocab``: token id -> the bytes it stands for. Ids 0..255 are single
bytes; every later token is the concatenation of two earlier ones, and its id is its merge rank
(earlier merges win). Encoding text:

1. pre-tokenize with GPT-2's pattern (contractions, runs of letters, of digits, of other
   symbols, each optionally led by one space, and whitespace runs), so no token crosses a word
   boundary;
2. turn each piece into UTF-8 bytes and, as tiktoken does, repeatedly merge the adjacent pair
   whose concatenation has the lowest id, until no adjacent pair is a token.

Loaded with GPT-2's ``encoder.json`` + ``vocab.bpe`` (``BPETokenizer.from_gpt2_files``) this
gives the same ids as tiktoken's ``gpt2`` encoding (tests/scratch/test_bpe.py).

GPT-2's pattern uses the Unicode classes ``\\p{L}`` (letters) and ``\\p{N}`` (numbers), which the
standard library's ``re`` lacks. Instead each character is replaced by an ASCII stand-in of its
class (letters -> ``a``, numbers -> ``0``, non-ASCII white space -> ``\\v``, anything else -> ``!``;
ASCII stays itself) and an ASCII-only version of the pattern runs on that string: the stand-ins
keep every character's position, so the matches cut the real text. The classes come from
``unicodedata`` (Python's Unicode version): a character assigned in a later Unicode version than
Python knows counts as a symbol here.

    python -m jaxdl.scratch.bpe --vocab_size=1024   # train on the embedded plays, show a line
"""

from __future__ import annotations

import argparse
import collections
import heapq
import json
import pathlib
import re
import unicodedata

# GPT-2's pre-tokenizer on ASCII stand-ins (see the module docstring); re.ASCII makes \s exactly
# the ASCII white space of Unicode's White_Space property.
_PIECES = re.compile(r"'(?:[sdmt]|ll|ve|re)| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+",
                     re.ASCII)
# Unicode's White_Space characters beyond ASCII (stable since Unicode 6.3).
_WIDE_SPACE = frozenset("\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                        "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _stand_in(char: str) -> str:
    if char.isascii():
        return char
    if char in _WIDE_SPACE:
        return "\v"
    kind = unicodedata.category(char)[0]
    return "a" if kind == "L" else "0" if kind == "N" else "!"


def pretokenize(text: str) -> list[str]:
    """The pieces GPT-2's pattern cuts ``text`` into (they join back to ``text``)."""
    classes = text if text.isascii() else "".join(map(_stand_in, text))
    return [text[m.start():m.end()] for m in _PIECES.finditer(classes)]


class BPETokenizer:
    """Text <-> token ids by byte-level BPE; ``vocab[i]`` is the bytes of token ``i``."""

    def __init__(self, vocab: list[bytes], special: dict[str, int] | None = None):
        if sorted(vocab[:256]) != [bytes([b]) for b in range(256)]:
            raise ValueError("vocab[:256] must hold the 256 single bytes, in any order")
        self.vocab = vocab
        self.ranks = {token: i for i, token in enumerate(vocab)}
        if len(self.ranks) != len(vocab):
            raise ValueError("vocab has repeated tokens")
        self.special = dict(special or {})  # e.g. GPT-2's <|endoftext|>: decoded, never encoded
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab) + len(self.special)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (special-token strings are encoded as ordinary text)."""
        ids: list[int] = []
        for piece in pretokenize(text):
            cached = self._cache.get(piece)
            if cached is None:
                cached = self._cache[piece] = self._merge(piece.encode("utf-8"))
            ids += cached
        return ids

    def decode(self, ids) -> str:
        """The text of ``ids``; byte sequences that are not UTF-8 become U+FFFD."""
        return self.decode_bytes(ids).decode("utf-8", errors="replace")

    def decode_bytes(self, ids) -> bytes:
        names = {i: name.encode("utf-8") for name, i in self.special.items()}
        n = len(self.vocab)
        return b"".join(self.vocab[i] if i < n else names[i] for i in map(int, ids))

    def _merge(self, piece: bytes) -> list[int]:
        """tiktoken's rule: a piece that is a token stays whole; else merge the lowest-id pair."""
        if piece in self.ranks:
            return [self.ranks[piece]]
        parts = [piece[i:i + 1] for i in range(len(piece))]
        while len(parts) > 1:
            best_rank, best_i = None, -1
            for i in range(len(parts) - 1):
                rank = self.ranks.get(parts[i] + parts[i + 1])
                if rank is not None and (best_rank is None or rank < best_rank):
                    best_rank, best_i = rank, i
            if best_rank is None:
                break
            parts[best_i:best_i + 2] = [parts[best_i] + parts[best_i + 1]]
        return [self.ranks[p] for p in parts]

    # ---- saving and loading

    def merges(self) -> list[tuple[int, int]]:
        """For each token after the bytes, the two earlier tokens it is made of."""
        pairs = []
        for i in range(256, len(self.vocab)):
            token = self.vocab[i]
            pairs.append(next((self.ranks[token[:k]], self.ranks[token[k:]])
                              for k in range(1, len(token))
                              if self.ranks.get(token[:k], i) < i and self.ranks.get(token[k:], i) < i))
        return pairs

    def save(self, path) -> None:
        """JSON: the merges as id pairs (tokens 0..255 are the bytes in order)."""
        if self.vocab[:256] != [bytes([b]) for b in range(256)]:
            raise ValueError("only tokenizers whose first 256 ids are the bytes in order are saved")
        pathlib.Path(path).write_text(json.dumps({"merges": self.merges()}))

    @classmethod
    def load(cls, path) -> "BPETokenizer":
        return cls.from_merges(json.loads(pathlib.Path(path).read_text())["merges"])

    @classmethod
    def from_merges(cls, merges) -> "BPETokenizer":
        vocab = [bytes([b]) for b in range(256)]
        for a, b in merges:
            vocab.append(vocab[a] + vocab[b])
        return cls(vocab)

    @classmethod
    def from_gpt2_files(cls, encoder_json, vocab_bpe) -> "BPETokenizer":
        """GPT-2's tokenizer from its ``encoder.json`` (token -> id) and ``vocab.bpe`` (merges).

        Both files spell bytes as printable characters (``gpt2_byte_names``). The merge list
        must agree with the ids: merge ``k`` makes token ``256 + k``, the rank tiktoken uses.
        """
        char_to_byte = {c: b for b, c in gpt2_byte_names().items()}
        encoder = json.loads(pathlib.Path(encoder_json).read_text(encoding="utf-8"))
        special = {name: i for name, i in encoder.items() if name == "<|endoftext|>"}
        vocab: list[bytes | None] = [None] * (len(encoder) - len(special))
        for name, i in encoder.items():
            if name not in special:
                vocab[i] = bytes(char_to_byte[c] for c in name)
        lines = pathlib.Path(vocab_bpe).read_text(encoding="utf-8").split("\n")[1:]
        for k, line in enumerate(filter(None, lines)):
            first, second = line.split(" ")
            if encoder[first + second] != 256 + k:
                raise ValueError(f"vocab.bpe merge {k} ({line!r}) is not token {256 + k}")
        return cls(vocab, special)


def gpt2_byte_names() -> dict[int, str]:
    """GPT-2's printable name of each byte: printable Latin-1 bytes name themselves, the other
    68 are named by code points 256, 257, ... in byte order (so files never hold raw controls)."""
    printable = [b for b in range(256) if chr(b).isprintable() and b != ord(" ")]
    names = {b: chr(b) for b in printable}
    for n, b in enumerate(b for b in range(256) if b not in names):
        names[b] = chr(256 + n)
    return names


def train(text: str, vocab_size: int) -> BPETokenizer:
    """Learn ``vocab_size - 256`` merges on ``text`` (fewer if no adjacent pair is left): each
    time, the most frequent adjacent pair.

    Counts pairs over the distinct pieces (weighted by how often each occurs), keeps the counts
    up to date after each merge by re-counting only the pieces that held the merged pair, and
    finds the most frequent pair with a heap whose stale entries are skipped. Ties go to the
    pair of smallest ids, so training is deterministic.
    """
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256 (the bytes), got {vocab_size}")
    counts = collections.Counter(pretokenize(text))
    words = [list(piece.encode("utf-8")) for piece in counts]
    freqs = list(counts.values())
    pair_counts: collections.Counter = collections.Counter()
    holders: dict[tuple[int, int], set[int]] = collections.defaultdict(set)
    for w, (ids, freq) in enumerate(zip(words, freqs)):
        for pair in zip(ids, ids[1:]):
            pair_counts[pair] += freq
            holders[pair].add(w)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)
    vocab = [bytes([b]) for b in range(256)]
    while len(vocab) < vocab_size and heap:
        neg_count, pair = heapq.heappop(heap)
        if -neg_count != pair_counts[pair]:  # stale: re-queue with the current count
            if pair_counts[pair] > 0:
                heapq.heappush(heap, (-pair_counts[pair], pair))
            continue
        new_id = len(vocab)
        vocab.append(vocab[pair[0]] + vocab[pair[1]])
        touched = set()
        for w in holders.pop(pair):
            ids, freq = words[w], freqs[w]
            for old in zip(ids, ids[1:]):
                pair_counts[old] -= freq
                touched.add(old)
            ids = words[w] = _apply_merge(ids, pair, new_id)
            for new in zip(ids, ids[1:]):
                pair_counts[new] += freq
                holders[new].add(w)
                touched.add(new)
        for p in touched - {pair}:
            if pair_counts[p] > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
        del pair_counts[pair]
    return BPETokenizer(vocab)


def _apply_merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def main():
    from jaxdl.data import sources

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab_size", type=int, default=1024)
    parser.add_argument("--line", default="ROMEO: But soft, what light through yonder window breaks?")
    args = parser.parse_args()
    train_text, _ = sources.split_text(sources.load_text("shakespeare_plays").text)
    tokenizer = train(train_text, args.vocab_size)
    ids = tokenizer.encode(args.line)
    print(f"{len(ids)} tokens for {len(args.line)} characters:")
    print(" | ".join(tokenizer.decode([i]) for i in ids))
    assert tokenizer.decode(ids) == args.line


if __name__ == "__main__":
    main()
