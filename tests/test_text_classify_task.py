"""The text_classify topic through the shared loop: a smoke run on SMS spam, then its report."""

import numpy as np
import pytest

from jaxdl import train
from jaxdl.tasks import text_classify
from testlib import has_data_file, load_config


@pytest.mark.slow  # a train, eval and report compilation of the LSTM
@pytest.mark.skipif(not has_data_file("SMSSpamCollection"), reason="needs JAXDL_DATA_DIR")
def test_smoke_run_then_report_agrees_with_the_loop(tmp_path):
    cfg = load_config("experiments/text_classify/spam.py", "smoke")
    cfg.train.steps = cfg.train.eval_every = cfg.checkpoint.every = 4
    final = train.fit(cfg, tmp_path, text_classify)
    report = text_classify.report(tmp_path)
    assert sum(map(sum, report["confusion"])) == 1034
    assert report["accuracy"] == pytest.approx(final["test/accuracy"], abs=1e-6)
    assert report["confusion"][1][1] / 1034 == pytest.approx(final["test/confusion_11"], abs=1e-6)


def test_final_scores_read_the_last_test_metrics(tmp_path):
    import json

    rows = [{"step": 300, "val/accuracy": 0.9},
            {"step": 600, "test/accuracy": 0.98, "test/confusion_00": 0.88,
             "test/confusion_01": 0.01, "test/confusion_10": 0.01, "test/confusion_11": 0.10}]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = text_classify.final_scores(tmp_path)
    assert result["step"] == 600 and result["accuracy"] == pytest.approx(0.98)
    assert result["precision"] == pytest.approx(0.10 / 0.11)  # fractions, not counts
    assert result["f1"] == pytest.approx(0.10 / 0.11)
    counts = text_classify.scores(np.array([[880, 10], [10, 100]]))
    assert counts["f1"] == pytest.approx(result["f1"])
