"""Date normalization, a generated seq2seq task: "the 3rd of march, 1998" -> "1998-03-03".

The output's first character (the year's first digit) may depend on the input's last words, so a
model must read the whole input before it writes: the task an encoder-decoder is for.

Dates run from 1900-01-01 to 2099-12-31 (73,049 days). A fixed seed permutes the days and cuts
them into train / val / test, so no date of the test split appears, in any spelling, in
training. Each example spells its date in one of `FORMATS`, chosen at random, in lower, Title or
UPPER case. Every string is characters; ids are a fixed alphabet with PAD, BOS and EOS first.
"""

import datetime
import string

import numpy as np

PAD, BOS, EOS = 0, 1, 2
ALPHABET = " ,-./0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
VOCAB = ["<pad>", "<s>", "</s>", *ALPHABET]
_ID = {c: i + 3 for i, c in enumerate(ALPHABET)}

SOURCE_LEN = 56  # the longest spelling below has 55 characters
TARGET_LEN = 11  # BOS or EOS plus "YYYY-MM-DD"

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_UNITS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                  "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                  "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]


def _suffix(day: int) -> str:
    if day in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _ordinal_word(day: int) -> str:
    """1 -> "first", 20 -> "twentieth", 31 -> "thirty-first"."""
    if day < 20:
        return _ORDINAL_UNITS[day]
    tens, unit = divmod(day, 10)
    return _TENS[tens][:-1] + "ieth" if unit == 0 else f"{_TENS[tens]}-{_ORDINAL_UNITS[unit]}"


def _number_word(n: int) -> str:
    """0 < n < 100 in words: 7 -> "seven", 98 -> "ninety-eight"."""
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + (f"-{_UNITS[unit]}" if unit else "")


def _year_words(year: int) -> str:
    """As a year is said: 1998 -> "nineteen ninety-eight", 1905 -> "nineteen oh five",
    2000 -> "two thousand", 2007 -> "two thousand seven", 2043 -> "twenty forty-three"."""
    century, rest = divmod(year, 100)
    if century == 20 and rest < 10:
        return "two thousand" + (f" {_UNITS[rest]}" if rest else "")
    if rest == 0:
        return f"{_number_word(century)} hundred"
    return f"{_number_word(century)} " + (f"oh {_UNITS[rest]}" if rest < 10 else _number_word(rest))


# Each format: date -> its spelling (lowercase; the case is chosen afterwards).
FORMATS = {
    "ordinal_of": lambda d: f"{d.day}{_suffix(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "month_first": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "day_month": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "short_month": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day:02d} {d.year}",
    "european_dots": lambda d: f"{d.day}.{d.month}.{d.year}",
    "us_slashes": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    "weekday": lambda d: f"{d.strftime('%A').lower()}, {MONTHS[d.month - 1]} {d.day}, {d.year}",
    "words": lambda d: (f"the {_ordinal_word(d.day)} of {MONTHS[d.month - 1]}, "
                        f"{_year_words(d.year)}"),
}
_CASES = (str.lower, string.capwords, str.upper)

FIRST_DAY = datetime.date(1900, 1, 1)
NUM_DAYS = (datetime.date(2099, 12, 31) - FIRST_DAY).days + 1


def split_days(seed: int, val_days: int, test_days: int) -> dict[str, np.ndarray]:
    """Day numbers (0 = 1900-01-01) of each split: a permutation of all days, cut in three."""
    days = np.random.default_rng(seed).permutation(NUM_DAYS)
    return {"val": days[:val_days], "test": days[val_days:val_days + test_days],
            "train": days[val_days + test_days:]}


def spell(day: int, format_name: str, case: int = 0) -> tuple[str, str]:
    """(source, target) for day number `day` in the named format and case (0 lower, 1 Title,
    2 UPPER)."""
    date = FIRST_DAY + datetime.timedelta(days=int(day))
    return _CASES[case](FORMATS[format_name](date)), date.isoformat()


def encode(text: str, length: int) -> np.ndarray:
    ids = np.full(length, PAD, np.int32)
    ids[:len(text)] = [_ID[c] for c in text]
    return ids


def decode(ids) -> str:
    """Characters of the ids up to the first EOS (or PAD); BOS is skipped."""
    out = []
    for i in map(int, ids):
        if i in (EOS, PAD):
            break
        if i != BOS:
            out.append(VOCAB[i])
    return "".join(out)


def examples(days: np.ndarray, per_day: int, seed: int) -> dict[str, np.ndarray]:
    """`per_day` random spellings of each day, as arrays: "source" [N, SOURCE_LEN] (PAD after
    the text), "target_in" [N, TARGET_LEN] (BOS + date: what the decoder reads, teacher
    forcing) and "target" [N, TARGET_LEN] (date + EOS: what it must predict)."""
    rng = np.random.default_rng(seed)
    names = list(FORMATS)
    n = len(days) * per_day
    formats = rng.integers(len(names), size=n)
    cases = rng.integers(len(_CASES), size=n)
    source = np.empty((n, SOURCE_LEN), np.int32)
    target = np.empty((n, TARGET_LEN), np.int32)
    for i, day in enumerate(np.repeat(days, per_day)):
        text, iso = spell(day, names[formats[i]], cases[i])
        source[i] = encode(text, SOURCE_LEN)
        target[i] = [*encode(iso, TARGET_LEN - 1), EOS]
    target_in = np.concatenate([np.full((n, 1), BOS, np.int32), target[:, :-1]], axis=1)
    return {"source": source, "target_in": target_in, "target": target}
