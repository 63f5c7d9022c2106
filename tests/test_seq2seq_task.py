"""The seq2seq topic through the shared loop: a smoke run, then decoding its checkpoint."""

import json

import pytest

from jaxdl import train
from jaxdl.tasks import seq2seq
from testlib import load_config


@pytest.mark.slow  # two compilations of each of train, eval, greedy and two beam widths
def test_smoke_run_then_greedy_and_beam_decoding(tmp_path):
    cfg = load_config("experiments/seq2seq/dates.py", "smoke")
    cfg.train.steps = cfg.train.eval_every = cfg.checkpoint.every = 4
    final = train.fit(cfg, tmp_path, seq2seq)
    assert {"val/exact_match", "test/exact_match", "test/token_accuracy"} <= set(final)
    assert json.loads((tmp_path / "spec.json").read_text())["target_len"] == 11
    results = seq2seq.decode_test(tmp_path, beam_widths=(1, 2), batch_size=50)
    assert set(results) == {"greedy", "beam1", "beam2"}
    assert results["beam1"]["exact_match"] == results["greedy"]["exact_match"]
    assert all(row["examples"] == 100 for row in results.values())
