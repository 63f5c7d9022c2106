"""jaxdl.studies.normalization: its measurements against NumPy float64, the data it trains on,
and the flax comparison the article quotes."""

import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.studies import normalization as study


def test_spread_and_mean_cosine_match_numpy():
    h = np.random.default_rng(0).normal(0.3, 2.0, (16, 8)).astype(np.float32)
    assert float(study.spread(jnp.asarray(h))) == pytest.approx(np.float64(h).std(), rel=1e-5)
    unit = np.float64(h) / np.linalg.norm(np.float64(h), axis=1, keepdims=True)
    pairs = unit @ unit.T
    expected = (pairs.sum() - np.trace(pairs)) / (16 * 15)
    assert float(study.mean_cosine(jnp.asarray(h))) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    # Activations of 1e20 (naive init reaches them): h.std() squares them to inf in float32.
    huge = jnp.asarray(h) * 1e20
    assert not np.isfinite(float(huge.std()))
    assert float(study.spread(huge)) == pytest.approx(1e20 * np.float64(h).std(), rel=1e-5)


def test_digits_split_and_batches():
    train, test = study.digits_split()
    assert (len(train["y"]), len(test["y"])) == (1078, 719) and train["x"].shape == (1078, 64)
    first = next(study.batches(train))
    again = next(study.batches(train))
    assert first["x"].shape == (study.BATCH, 64)
    np.testing.assert_array_equal(first["y"], again["y"])  # the same batches for every network


@pytest.mark.slow  # seconds of small compilations
def test_ours_match_flax_and_two_pass_layernorm_is_more_accurate():
    parity, accuracy = study.flax_comparison()
    assert max(parity.values()) < 1e-4
    assert accuracy["ours (two-pass)"] < 0.1 * accuracy["flax default (one-pass)"]
