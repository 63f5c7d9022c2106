"""jaxdl.data.digits: the one digits loader (NumPy only): a seeded partition into consecutive
parts of one permutation, pixels scaled to [0, 1], and the sizes the articles quote."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from jaxdl.data import digits


def rows(X, y):
    return sorted(map(tuple, np.column_stack([X * 16, y]).tolist()))


def test_split_partitions_the_dataset_in_the_order_of_the_parts():
    parts = digits.split({"train": 0.6, "val": 0.2, "test": 0.2}, seed=0)
    assert [len(y) for _, y in parts.values()] == [1078, 359, 360]
    X, y = (np.concatenate(arrays) for arrays in zip(*parts.values()))
    assert X.dtype == np.float64 and X.shape[1] == 64 and X.min() == 0.0 and X.max() == 1.0
    original = load_digits()
    assert rows(X, y) == rows(original.data / 16, original.target)  # each image once
    # The parts are consecutive runs of one permutation: the same seed, other cuts, same order.
    order = np.concatenate(list(digits.shuffled_parts({"test": 0.2, "train": 0.8}, seed=0).values()))
    np.testing.assert_array_equal(order, np.random.default_rng(0).permutation(1797))
    np.testing.assert_array_equal(X[:20], original.data[order[:20]] / 16)


def test_split_is_deterministic_per_seed_and_keeps_the_dtype():
    a, b = digits.split({"test": 0.2, "train": 0.8}, seed=3, dtype=np.float32)["test"], \
        digits.split({"test": 0.2, "train": 0.8}, seed=3)["test"]
    assert len(a[1]) == 359 and a[0].dtype == np.float32
    np.testing.assert_array_equal(a[0], b[0])  # x / 16 of a small integer is exact in float32
    other = digits.split({"test": 0.2, "train": 0.8}, seed=4)["test"]
    assert not np.array_equal(other[1], a[1])


def test_fractions_must_cover_the_dataset():
    with pytest.raises(ValueError, match="add up to 1"):
        digits.shuffled_parts({"train": 0.6, "test": 0.2})
