"""Exercise 4 (fine-tuning): replace contains-match by exact match after normalisation; find
an answer each rule scores wrongly.

Contains-match (`instruct.contains_match`) accepts a response when the normalised reference
occurs anywhere in it: a response that lists every option "contains" the right one (a false
positive), and the reference can even match inside a longer word. Exact match accepts only the
reference itself: a right answer in a sentence fails (a false negative), and so does a synonym,
under both rules. The pairs below are of the kinds a trained model writes; on the real test
entries, run `--mode=score` and compare the two verdicts per entry.

  python experiments/finetune/solutions/exact_match.py
"""

from jaxdl.data.checkable_tasks import normalise
from jaxdl.tasks.instruct import contains_match

# (reference, response, is the response right? judged by a person)
PAIRS = (
    ("Paris", "The capital of France is Paris.", True),
    ("Paris", "Paris", True),
    ("positive", "The sentiment could be positive or negative.", False),
    ("cat", "The plural of cat is cats.", False),
    ("quickly", "The adverb is 'rapidly'.", True),
    ("4", "2 + 2 = 4", True),
)


def exact_match(reference: str, response: str) -> bool:
    return normalise(reference) == normalise(response)


def verdicts(pairs=PAIRS) -> dict[str, list[bool]]:
    """Each rule's verdicts and where it disagrees with the person's."""
    out = {"contains": [contains_match(r, s) for r, s, _ in pairs],
           "exact": [exact_match(r, s) for r, s, _ in pairs],
           "person": [right for _, _, right in pairs]}
    for rule in ("contains", "exact"):
        out[f"{rule} wrong"] = [v != p for v, p in zip(out[rule], out["person"])]
    return out


def main(tiny: bool = True):
    result = verdicts()
    for (reference, response, _), c, e, p in zip(PAIRS, result["contains"], result["exact"],
                                                 result["person"]):
        print(f"contains {c!s:5} exact {e!s:5} person {p!s:5}  {reference!r} in {response!r}")
    return result


if __name__ == "__main__":
    main()
