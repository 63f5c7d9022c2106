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

    def permutation(errors):
        assert errors["unmasked"] < 1e-5 and errors["causal"] > 1e-2

    def scaling(results):
        for d, ((std, entropy), (std_scaled, entropy_scaled)) in results.items():
            assert abs(std / np.sqrt(d) - 1) < 0.2 and abs(std_scaled - 1) < 0.2
            assert entropy_scaled > 2.0  # near ln 16 = 2.77 at every width
        assert results[1024][0][1] < 0.5  # unscaled at d=1024: nearly one-hot

    def rotary_shift(out):
        rotary, sinusoidal = out
        assert rotary < 1e-5 and sinusoidal > 1e-2

    def alibi(weights_BHTT):
        last = weights_BHTT[0, :, -1]  # equal q and k: the weights are the distance bias alone
        assert np.allclose(last.sum(-1), 1, atol=1e-5) and np.all(np.diff(last, axis=-1) > 0)
        assert np.all(np.diff(last[:, -1]) < 0)  # steeper slopes (first heads) favour the recent
        assert np.all(np.triu(weights_BHTT[0, 0], 1) == 0)

    def counts(found):
        assert set(found) == {"lstm", "gru"}
        for built, formula in found.values():
            assert built == formula

    def forget_bias(curves):
        far = len(curves[0.0]) - 1
        assert curves[0.0][far] < curves[1.0][far] < curves[3.0][far]  # more bias, longer memory

    def coupled_gates(out):
        saved, formula, error = out
        assert saved == formula and error < 1e-5

    def gru_swap(out):
        error, copied = out
        assert error < 1e-5 and copied < 1e-6

    def receptive_field(positions):
        np.testing.assert_array_equal(positions, np.arange(4, 12))  # t = 11: t-7 .. t

    def count_work(counts):
        assert abs(counts["conv"] / counts["reshape"] - 2 / 3) < 0.01

    return {"makemore/receptive_field": receptive_field, "makemore/count_work": count_work,
            "rnn/cell_count": counts, "rnn/forget_bias": forget_bias,
            "rnn/coupled_gates": coupled_gates, "rnn/gru_swap": gru_swap,
            "transformer_intro/permutation": permutation, "transformer_intro/scaling": scaling,
            "transformer_intro/rotary_shift": rotary_shift, "transformer_intro/alibi": alibi,
            "rnn/finite_difference": finite_difference, "rnn/irnn": irnn,
            "rnn/sample_names": sample_names, "rnn/stateful_tbptt": stateful_tbptt}


CHECKS = _value_checks()
# A topic may have its own test file, tests/test_solutions_<name>.py, that names the topic.
_OWN_TESTS = "\n".join(p.read_text() for p in REPO.glob("tests/test_solutions_*.py"))
SOLUTIONS = sorted(p for p in REPO.glob("experiments/*/solutions/*.py")
                   if f'"{p.parent.parent.name}"' not in _OWN_TESTS
                   and f"experiments/{p.parent.parent.name}/" not in _OWN_TESTS)
NEEDS_DATA = {"rnn/sample_names": "names.txt", "rnn/stateful_tbptt": "tinyshakespeare.txt"}


def test_every_solution_has_a_check():
    assert {_name(p) for p in SOLUTIONS} == set(CHECKS) and JAX_SOLUTIONS <= set(CHECKS)


# The NumPy solutions run in CI; those that build JAX models compile for seconds each and run
# with `pytest -m slow` (CI budget).
JAX_SOLUTIONS = {"rnn/forget_bias", "rnn/coupled_gates", "rnn/gru_swap", "rnn/cell_count",
                 "transformer_intro/permutation", "transformer_intro/rotary_shift",
                 "transformer_intro/alibi", "makemore/receptive_field"}


def _name(path: pathlib.Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.slow) if _name(p) in JAX_SOLUTIONS else p for p in SOLUTIONS],
    ids=_name)
def test_solution_runs_and_answers(path: pathlib.Path):
    name = _name(path)
    if name in NEEDS_DATA and not has_data_file(NEEDS_DATA[name]):
        pytest.skip(f"needs {NEEDS_DATA[name]} in $JAXDL_DATA_DIR")
    module = load_module(str(path.relative_to(REPO)))
    CHECKS[name](module.main(tiny=True))
