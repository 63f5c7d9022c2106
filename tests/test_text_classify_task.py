"""The text_classify topic through the shared loop: a smoke run on SMS spam, then its report."""

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
