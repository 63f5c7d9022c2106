"""The generated date-normalization task: spellings, ids, and disjoint splits."""

import datetime

import numpy as np
import pytest

from jaxdl.data import dates


@pytest.mark.parametrize("day, fmt, case, source", [
    (35000, "ordinal_of", 0, "30th of october 1995"),
    (35000, "words", 1, "The Thirtieth Of October, Nineteen Ninety-five"),
    (0, "words", 2, "THE FIRST OF JANUARY, NINETEEN HUNDRED"),
    (36524, "words", 0, "the first of january, two thousand"),
    ((datetime.date(2006, 1, 22) - dates.FIRST_DAY).days, "words", 0,
     "the twenty-second of january, two thousand six"),
    (dates.NUM_DAYS - 1, "weekday", 0, "thursday, december 31, 2099"),
    (35000, "us_slashes", 0, "10/30/1995"),
    (35000, "european_dots", 0, "30.10.1995"),
    (1, "short_month", 0, "jan 02 1900"),
])
def test_spellings(day, fmt, case, source):
    assert dates.spell(day, fmt, case)[0] == source


def test_targets_are_iso_dates_and_every_spelling_fits():
    assert dates.spell(35000, "words")[1] == "1995-10-30"
    longest = max(len(dates.spell(day, fmt)[0]) for day in range(0, dates.NUM_DAYS, 7)
                  for fmt in dates.FORMATS)
    assert longest <= dates.SOURCE_LEN


def test_splits_are_disjoint_and_cover_every_day():
    splits = dates.split_days(seed=0, val_days=500, test_days=700)
    assert [len(splits[s]) for s in ("val", "test")] == [500, 700]
    every = np.concatenate(list(splits.values()))
    assert len(every) == dates.NUM_DAYS and len(set(every.tolist())) == dates.NUM_DAYS
    again = dates.split_days(seed=0, val_days=500, test_days=700)
    assert all(np.array_equal(splits[s], again[s]) for s in splits)


def test_examples_round_trip_and_teacher_forcing_shift():
    batch = dates.examples(np.array([35000, 12]), per_day=3, seed=5)
    assert batch["source"].shape == (6, dates.SOURCE_LEN)
    assert [dates.decode(t) for t in batch["target"]] == ["1995-10-30"] * 3 + ["1900-01-13"] * 3
    np.testing.assert_array_equal(batch["target_in"][:, 1:], batch["target"][:, :-1])
    assert (batch["target_in"][:, 0] == dates.BOS).all()
    assert (batch["target"][:, -1] == dates.EOS).all()
    for ids in batch["source"][:3]:
        text = dates.decode(ids)
        np.testing.assert_array_equal(dates.encode(text, dates.SOURCE_LEN), ids)
    assert np.array_equal(batch["source"], dates.examples(np.array([35000, 12]), 3, 5)["source"])
