"""jaxdl.studies.optimizers: the test functions' gradients against finite differences, the
steps-to-tolerance count, and a descent that converges."""

import numpy as np
import pytest

from jaxdl.scratch import optimizers as opt
from jaxdl.studies import optimizers as study


@pytest.mark.parametrize("surface", list(study.SURFACES))
def test_gradients_match_central_differences_and_minima(surface):
    function, _, minimum, _ = study.SURFACES[surface]
    h = 1e-6
    for p in (np.array([0.3, -0.7]), np.array([1.5, 0.4])):
        numeric = [(function(p + h * e)[0] - function(p - h * e)[0]) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(function(p)[1], numeric, rtol=1e-6, atol=1e-6)
    value, grad = function(np.array(minimum))
    assert value == pytest.approx(0.0, abs=1e-12) and np.abs(grad).max() < 1e-9


def test_steps_to_tolerance_counts_until_it_stays_below():
    values = np.array([5.0, 1e-5, 1.0, 1e-5, 1e-6])
    assert study.steps_to_tolerance(values, 0.0, steps=4) == 3
    assert study.steps_to_tolerance(values[:3], 0.0, steps=4) == 5  # diverged, stopped early


def test_momentum_descends_the_bowl():
    function, start, _, _ = study.SURFACES["bowl, turned 45 degrees"]
    path, values = study.descend(function, start, opt.Momentum(0.01), steps=500)
    assert path.shape == (501, 2) and values[-1] < 1e-6 < values[0]


def test_digits_splits():
    data = study.digits_splits()
    assert [len(data[name][1]) for name in ("train", "val", "test")] == [1078, 359, 360]
