"""The fine-tuning article's exercise solutions (experiments/finetune/solutions/) run on tiny
settings and answer what their exercise asks."""

import re

import numpy as np
import pytest
from flax import nnx

from jaxdl.nn import lora
from testlib import REPO, load_module


def solution(name):
    return load_module(f"experiments/finetune/solutions/{name}.py")


SOLVED = ["pooling", "trainable_count", "comparable_loss", "exact_match", "lora_rank"]


def test_every_exercise_has_a_level_and_a_checked_solution():
    found = {p.stem for p in (REPO / "experiments/finetune/solutions").glob("*.py")}
    assert found == set(SOLVED)
    exercises = (REPO / "experiments/finetune/README.md").read_text().split("## Exercises", 1)[1]
    levels = re.findall(r"^\d\. \*\*\((easy|medium|research-y)\)", exercises, re.M)
    assert levels == ["easy", "easy", "medium", "medium", "research-y"]
    assert re.findall(r"\(solutions/(\w+)\.py\)", exercises) == SOLVED


@pytest.mark.slow  # compiles a tiny model: seconds (CI budget)
def test_first_token_pooling_cannot_tell_messages_with_the_same_first_token_apart():
    gaps = solution("pooling").main()
    assert gaps["first"] < 1e-6 < 1e-3 < gaps["last"]


@pytest.mark.slow  # compiles a tiny model: seconds (CI budget)
def test_trainable_counts_match_the_adapter_shapes_and_the_file_size():
    module = solution("trainable_count")
    result = module.main()
    (last, total, _), (adapters, _, lora_bytes), (every, _, every_bytes) = (
        result["last_block"], result["lora"], result["all"])
    assert last < every == total and adapters < every
    cfg = module.spam.get_config("tiny,lora")
    model = module.classify.build_model(cfg, module.classify.types.SimpleNamespace(num_classes=2),
                                        nnx.Rngs(0))
    wrapped = [m for _, m in nnx.iter_modules(model) if isinstance(m, lora.LoRADense)]
    expected = sum(m.lora_a.shape[1] * sum(m.base.kernel.shape) for m in wrapped) + 32 * 2 + 2
    assert adapters == expected  # r (d_in + d_out) per matmul, plus the head
    for count, size in ((adapters, lora_bytes), (every, every_bytes)):
        assert 4 * count < size < 4 * count + 8192  # float32 numbers and a JSON header


@pytest.mark.slow  # compiles a tiny model: seconds (CI budget)
def test_the_response_only_loss_is_the_numpy_mean_and_differs_from_the_plain_one():
    result = solution("comparable_loss").main()
    assert result["response only"] == pytest.approx(result["response only, NumPy"], rel=1e-5)
    assert abs(result["response only"] - result["every token"]) > 1e-3


def test_each_rule_scores_some_answer_wrongly():
    result = solution("exact_match").main()
    assert sum(result["contains wrong"]) == 3 and sum(result["exact wrong"]) == 3
    assert result["exact"] == [False, True, False, False, False, False]


def test_lora_error_stops_falling_at_the_rank_of_the_needed_update():
    result = solution("lora_rank").main()
    counts, errors = zip(*(result[r] for r in (1, 2, 4, 8, 16)))
    assert list(counts) == [40, 80, 160, 320, 640]
    assert errors[0] > errors[1] > 10 * errors[2]  # below rank 4: the update does not fit
    assert errors[3] > 0.5 * errors[2] and errors[4] > 0.5 * errors[2]  # above: little gain
    assert np.isfinite(errors).all()
