"""A small generated set of instructions whose answers a program can check: arithmetic, unit
conversion, string reversal and plural forms, drawn with a fixed seed. Instruction fine-tuning
is scored on it before and after (`jaxdl.tasks.instruct.score`), without an outside judge.

An answer is right when one of its accepted forms occurs in the response as whole words, after
lower-casing and turning punctuation into spaces ("3,000" reads as "3 000", so both are
accepted): a response that repeats the question fails only when it never states the answer.
"""

import re

import numpy as np

KINDS = ("arithmetic", "units", "reverse", "plural")
UNITS = (("kilometers", "meters", 1000), ("kilograms", "grams", 1000), ("hours", "minutes", 60),
         ("meters", "centimeters", 100), ("minutes", "seconds", 60), ("liters", "milliliters", 1000))
WORDS = ("planet", "garden", "yellow", "stream", "window", "button", "forest", "candle", "pocket",
         "silver", "market", "pencil", "rabbit", "orange", "bridge", "dragon")
PLURALS = (("mouse", "mice"), ("child", "children"), ("tooth", "teeth"), ("goose", "geese"),
           ("foot", "feet"), ("person", "people"), ("knife", "knives"), ("leaf", "leaves"),
           ("city", "cities"), ("box", "boxes"), ("bus", "buses"), ("baby", "babies"),
           ("woman", "women"), ("potato", "potatoes"), ("wolf", "wolves"), ("ox", "oxen"))


def normalise(text: str) -> str:
    """Lower case, punctuation turned into spaces, runs of white space as one space."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def is_right(accepted: list[str], response: str) -> bool:
    """True when one accepted answer occurs in `response` as whole words (normalised)."""
    return any(f" {normalise(answer)} " in f" {normalise(response)} " for answer in accepted)


def _number(n: int) -> list[str]:
    return [str(n), f"{n:,}"]


def _arithmetic(rng) -> tuple[str, list[str]]:
    a, b = (int(v) for v in rng.integers(11, 99, 2))
    op = ("+", "-", "*")[int(rng.integers(3))]
    if op == "*":
        b = int(rng.integers(2, 9))
    a, b = (max(a, b), min(a, b)) if op == "-" else (a, b)  # no negative answers
    value = {"+": a + b, "-": a - b, "*": a * b}[op]
    return f"What is {a} {op} {b}?", _number(value)


def _units(rng) -> tuple[str, list[str]]:
    source, target, factor = UNITS[int(rng.integers(len(UNITS)))]
    amount = int(rng.integers(2, 10))
    return f"Convert {amount} {source} to {target}.", _number(amount * factor)


def _reverse(rng) -> tuple[str, list[str]]:
    word = WORDS[int(rng.integers(len(WORDS)))]
    return f"Write the word '{word}' backwards.", [word[::-1]]


def _plural(rng) -> tuple[str, list[str]]:
    singular, plural = PLURALS[int(rng.integers(len(PLURALS)))]
    return f"What is the plural form of '{singular}'?", [plural]


def tasks(seed: int = 0, per_kind: int = 10) -> list[dict]:
    """`per_kind` distinct questions of each kind: {kind, instruction, accepted, output} (output:
    the first accepted answer, as a reference)."""
    rng = np.random.default_rng(seed)
    makers = {"arithmetic": _arithmetic, "units": _units, "reverse": _reverse, "plural": _plural}
    out = []
    for kind in KINDS:
        seen = {}
        while len(seen) < per_kind:
            instruction, accepted = makers[kind](rng)
            seen.setdefault(instruction, accepted)
        out += [dict(kind=kind, instruction=q, accepted=a, output=a[0]) for q, a in seen.items()]
    return out
