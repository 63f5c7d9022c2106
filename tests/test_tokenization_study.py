"""The tokenization study (jaxdl/studies/tokenization.py): its table and bits per character."""

import json
import math

import pytest

from jaxdl.studies import tokenization

TEXT = ("ROMEO:\nBut soft, what light through yonder window breaks?\n"
        "It is the east, and Juliet is the sun.\n\n") * 40


def test_vocabulary_table_rows():
    train, test = TEXT, "It is the east, and the window breaks.\n"
    found = {name: t for name, t in tokenization.tokenizers(train, (256, 300)).items()
             if name.startswith("our")}
    chars, ours_256, ours_300 = tokenization.vocabulary_table(train, test, found)
    assert chars["tokens_per_char"] == 1.0 and chars["vocab"] == len(set(train))
    assert ours_256["tokens_per_char"] == 1.0  # bytes only: one token per ASCII character
    assert ours_300["tokens_per_char"] < 0.5 and ours_300["used"] <= 300
    assert ours_256["rare"] == 256 - len(set(train))  # bytes the text never uses


def test_bits_per_char_from_a_workdir(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(
        {"data": {"tokenizer": "bpe", "batch_size": 4, "block_size": 32}}))
    (tmp_path / "spec.json").write_text(json.dumps({"vocab_size": 300, "val_tokens_per_char": 0.5}))
    (tmp_path / "metrics.jsonl").write_text('{"step": 5, "val/loss": 3.0}\n'
                                            '{"step": 10, "train/loss": 2.0}\n'
                                            '{"step": 10, "val/loss": 2.0}\n')
    r = tokenization.bits_per_char(tmp_path)
    assert r["steps"] == 10 and r["chars_per_block"] == 64
    assert r["bits_per_char"] == pytest.approx(2.0 / math.log(2) * 0.5)
    assert [step for step, _ in r["curve"]] == [5, 10]
    assert r["curve"][0][1] == pytest.approx(3.0 / math.log(2) * 0.5)
