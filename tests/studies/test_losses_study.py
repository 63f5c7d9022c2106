"""jaxdl.studies.losses: the stability sweep against float64, the line fits against least
squares, and the calibration error against a hand count."""

import numpy as np
import pytest

from jaxdl.studies import losses as study


@pytest.mark.slow  # seconds of small compilations
def test_stable_losses_match_float64_where_the_naive_ones_overflow():
    sweep = study.stability_sweep()
    s = np.float64(sweep["scales"])
    # Exact, in float64: logsumexp(s (1, 0, -1)) + s, and softplus(s).
    softmax = s + np.log1p(np.exp(-s) + np.exp(-2 * s)) + s
    binary = s + np.log1p(np.exp(-s))
    np.testing.assert_allclose(sweep["softmax: stable"], softmax, rtol=1e-6)
    np.testing.assert_allclose(sweep["binary: stable"], binary, rtol=1e-6)
    np.testing.assert_allclose(sweep["binary: stable gradient"], 1 / (1 + np.exp(-s)), rtol=1e-6)
    for name in ("softmax: naive", "binary: naive", "binary: naive gradient"):
        failure = study.first_failure(sweep["scales"], sweep[name])
        assert failure is not None and 10 < failure < 1e4  # float32 exp overflows near s = 88
    assert study.first_failure(s, sweep["softmax: stable"]) is None


@pytest.mark.slow  # seconds of small compilations
def test_robust_fits_resist_the_outliers_and_mse_is_least_squares():
    x, y, outliers = study.line_with_outliers()
    assert len(outliers) == 10
    fits, least_squares = study.compare_regressions(x, y)
    np.testing.assert_allclose(fits["MSE"], least_squares, atol=2e-3)
    for robust in ("MAE", "Huber (delta 1)"):
        assert abs(fits[robust][0] - study.TRUE_SLOPE) < 0.5 * abs(fits["MSE"][0] - study.TRUE_SLOPE)


def test_calibration_error_by_hand():
    confidence = np.array([0.95, 0.95, 0.55, 0.55, 0.05])
    correct = np.array([True, False, True, True, False])
    ece, table = study.calibration(confidence, correct)
    # Bins [0.9, 1): accuracy 0.5 at 0.95; [0.5, 0.6): 1.0 at 0.55; [0, 0.1): 0.0 at 0.05.
    assert ece == pytest.approx((2 * 0.45 + 2 * 0.45 + 1 * 0.05) / 5)
    assert [count for _, _, count in table] == [1, 2, 2]
