"""jaxdl.studies.backprop: the neuron's gradients against the chain rule by hand, and the two
engines compared on a small MLP."""

import math

import numpy as np
import pytest

from jaxdl.scratch import layers
from jaxdl.studies import backprop as study


def test_neuron_gradients_by_hand():
    loss, leaves = study.neuron_graph(**study.NEURON)
    loss.backward()
    n = study.NEURON
    out = math.tanh(n["w1"] * n["x1"] + n["w2"] * n["x2"] + n["b"])
    dz = 2 * (out - study.TARGET) * (1 - out**2)
    assert loss.data == pytest.approx((out - study.TARGET) ** 2, rel=1e-12)
    for name, expected in (("w1", dz * n["x1"]), ("x2", dz * n["w2"]), ("b", dz)):
        assert leaves[name].grad == pytest.approx(expected, rel=1e-12)
    assert study.finite_difference_check() < 1e-8


def test_engines_agree_on_a_small_mlp():
    rng = np.random.default_rng(0)
    X, y = rng.random((3, 64)), np.array([0, 3, 9])
    model = layers.MLP([64, 4, 10], rng=rng)
    loss_gap, grad_gap, _, _, nodes = study.compare_engines(model, X, y)
    assert loss_gap < 1e-12 and grad_gap < 1e-12 and nodes > 3 * 64 * 4
