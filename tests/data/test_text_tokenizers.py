"""The nanoGPT text pipeline's tokenizer option: characters or byte-level BPE, kept in spec.json."""

import json

import numpy as np
import pytest

from jaxdl.data import text
from jaxdl.errors import UserError
from jaxdl.tasks import nanogpt
from testlib import load_config, shakespeare_corpus


def test_bpe_tokenizer_survives_spec_json():
    tokenizer = text.build_tokenizer("bpe", "the cat sat on the mat with the hat. " * 20, 270)
    spec = json.loads(json.dumps(text.tokenizer_spec(tokenizer)))
    assert spec["tokenizer"] == "bpe" and spec["vocab_size"] == 270 and len(spec["merges"]) == 14
    rebuilt = text.tokenizer_from_spec(spec)
    line = "the hat sat on the cat, naïvely 🙂"
    np.testing.assert_array_equal(rebuilt.encode(line), tokenizer.encode(line))
    assert rebuilt.decode(rebuilt.encode(line)) == line


@pytest.mark.slow  # learns merges on all of tiny shakespeare's train split: ~10 s under load
def test_bpe_option_trains_on_the_train_split_and_the_spec_rebuilds_it():
    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke,bpe")
    cfg.data.update(corpus=shakespeare_corpus(), bpe_vocab_size=300)
    data = nanogpt.build_data(cfg)
    spec = json.loads(json.dumps(data.spec))  # as spec.json stores it
    assert spec["tokenizer"] == "bpe" and spec["vocab_size"] == 300 and len(spec["merges"]) == 44
    assert 0.5 < spec["val_tokens_per_char"] < 0.9  # 44 merges already save a quarter or more
    batch = next(data.train)
    assert batch["inputs"].shape == (8, 32) and batch["inputs"].max() < 300
    np.testing.assert_array_equal(batch["inputs"][:, 1:], batch["targets"][:, :-1])
    tokenizer = text.tokenizer_from_spec(spec)
    line = "ROMEO: But soft, what light through yonder window breaks?\n"
    assert tokenizer.decode(tokenizer.encode(line)) == line
    assert len(tokenizer.encode(line)) < len(line)


def test_char_spec_stays_as_before_and_unknown_tokenizers_fail():
    tokenizer = text.build_tokenizer("char", "hello", 0)
    assert text.tokenizer_spec(tokenizer) == dict(vocab="ehlo", vocab_size=4)
    assert text.tokenizer_from_spec({"vocab": "ehlo"}).encode("hole").tolist() == [1, 3, 2, 0]
    with pytest.raises(UserError, match="data.tokenizer"):
        text.build_tokenizer("words", "hello", 0)
