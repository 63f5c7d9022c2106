"""Every exercise solution under experiments/*/solutions/ runs on tiny settings, and says what
its exercise asks (so that a solution never rots)."""

import math
import pathlib

import numpy as np
import pytest

from testlib import REPO, has_data_file, load_module


def _value_checks():
    def finite_difference(out):
        analytic, numeric = out
        assert abs(analytic - numeric) < 1e-6 * abs(analytic) + 1e-10

    def irnn(curves):
        assert curves["default init"][19] < 1e-3 * curves["default init"][0]  # vanishes
        assert 0.2 < curves["identity"][19] / curves["identity"][0] <= 1.0  # kept, within noise
        assert curves["1.5 identity"][19] > 100 * curves["1.5 identity"][0]  # explodes

    def sample_names(out):
        losses, names = out
        assert np.mean(losses[-5:]) < losses[0] - 0.3
        assert len(names) == 10 and all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in names)

    def stateful_tbptt(results):
        assert set(results) == {"fresh", "stateful"}
        assert all(1.0 < v < math.log(65) + 0.5 for v in results.values())

    return {"rnn/finite_difference": finite_difference, "rnn/irnn": irnn,
            "rnn/sample_names": sample_names, "rnn/stateful_tbptt": stateful_tbptt}


CHECKS = _value_checks()
SOLUTIONS = sorted(REPO.glob("experiments/*/solutions/*.py"))
NEEDS_DATA = {"rnn/sample_names": "names.txt", "rnn/stateful_tbptt": "tinyshakespeare.txt"}


def test_every_solution_has_a_check():
    names = {f"{p.parent.parent.name}/{p.stem}" for p in SOLUTIONS}
    assert names == set(CHECKS)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_solution_runs_and_answers(path: pathlib.Path):
    name = f"{path.parent.parent.name}/{path.stem}"
    if name in NEEDS_DATA and not has_data_file(NEEDS_DATA[name]):
        pytest.skip(f"needs {NEEDS_DATA[name]} in $JAXDL_DATA_DIR")
    module = load_module(str(path.relative_to(REPO)))
    CHECKS[name](module.main(tiny=True))
