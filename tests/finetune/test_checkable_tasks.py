"""The generated instruction set: fixed by its seed, answers right, the checker strict about
whole words."""

import re

from jaxdl.data import checkable_tasks


def test_the_set_is_fixed_by_its_seed_and_its_answers_are_right():
    tasks = checkable_tasks.tasks(seed=0, per_kind=10)
    assert tasks == checkable_tasks.tasks(seed=0, per_kind=10)
    assert tasks != checkable_tasks.tasks(seed=1, per_kind=10)
    assert [t["kind"] for t in tasks] == [k for k in checkable_tasks.KINDS for _ in range(10)]
    assert len({t["instruction"] for t in tasks}) == 40
    plurals = dict(checkable_tasks.PLURALS)
    for t in tasks:
        q = t["instruction"]
        if t["kind"] == "arithmetic":
            a, op, b = re.fullmatch(r"What is (\d+) ([-+*]) (\d+)\?", q).groups()
            expected = {"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[op]
        elif t["kind"] == "units":
            n, source, target = re.fullmatch(r"Convert (\d+) (\w+) to (\w+)\.", q).groups()
            factor = {(s, d): f for s, d, f in checkable_tasks.UNITS}[source, target]
            expected = int(n) * factor
        elif t["kind"] == "reverse":
            expected = re.search(r"'(\w+)'", q).group(1)[::-1]
        else:
            expected = plurals[re.search(r"'(\w+)'", q).group(1)]
        assert t["output"] == str(expected), q


def test_the_checker_wants_whole_words():
    assert checkable_tasks.is_right(["3000", "3,000"], "That is 3,000 meters.")
    assert checkable_tasks.is_right(["42"], "The answer is 42.")
    assert not checkable_tasks.is_right(["42"], "The answer is 420.")
    assert not checkable_tasks.is_right(["men"], "The plural of woman is women.")
    assert checkable_tasks.is_right(["mice"], "The plural of 'mouse' is 'Mice'.")
