"""The scaling article's exercise solutions (experiments/scaling/solutions/) run on tiny settings
and answer what their exercise asks."""

import math
import re

import numpy as np
import pytest

from testlib import REPO, load_module


def solution(name):
    return load_module(f"experiments/scaling/solutions/{name}.py")


def test_every_scaling_solution_is_checked_here_and_named_by_its_exercise():
    found = {p.stem for p in (REPO / "experiments/scaling/solutions").glob("*.py")}
    assert found == {"fsdp_fit", "padded_vocab", "bf16_softmax", "remat_cost",
                     "sequence_parallel"}
    exercises = (REPO / "experiments/scaling/README.md").read_text().split("## Exercises", 1)[1]
    assert set(re.findall(r"\(solutions/(\w+)\.py\)", exercises)) == found


@pytest.mark.slow  # the 774M model's shapes: ~20 s on the shared CI-size machine
def test_gpt2_large_fits_and_the_activations_decide_the_fsdp_size():
    out = solution("fsdp_fit").main(tiny=True)
    layers, width, vocab, block = 36, 1280, 50257, 1024
    n = (vocab + block) * width + layers * (12 * width**2 + 13 * width) + 2 * width
    assert out["params"] == n == 774_030_080
    assert out["weights_adam_gib"] == pytest.approx(12 * n / 2**30)
    assert out["fsdp_weights_adam"] == out["fsdp_with_grads"] == 1  # 8.65 and 11.5 GiB < 16
    activations = layers * 16 * block * (34 * width + 5 * 20 * block)
    assert out["activations_gib"] == pytest.approx(activations / 2**30)
    f = out["fsdp_with_activations"]
    assert (16 * n + activations) / f <= 16 * 2**30 < (16 * n + activations) / (f // 2)


def test_a_vocabulary_of_50304_splits_over_8_devices_and_50257_does_not():
    out = solution("padded_vocab").main(tiny=True, width=64)
    assert out[50257] == 50257 * 64 * 4  # whole on every device
    assert out[50304] == 50304 * 64 * 4 // 8


@pytest.mark.slow  # a compile on 8 devices: ~14 s under load
def test_position_wise_layers_split_over_time_without_communication():
    out = solution("sequence_parallel").main(tiny=True, T=64, devices=8)
    assert out["error"] < 1e-5 and out["shard_shape"] == (2, 8, 32)
    assert out["collectives"] == 0


@pytest.mark.slow  # two compiled runs
def test_bfloat16_tracks_float32_and_its_softmax_is_coarser(tmp_path):
    out = solution("bf16_softmax").main(tiny=True, steps=6, workdir=tmp_path)
    f32, bf16 = np.array(out["float32"]), np.array(out["bfloat16"])
    assert np.abs(f32 - bf16).max() < 0.02 and not np.array_equal(f32, bf16)
    assert f32[-1] < f32[0] and bf16[-1] < bf16[0]
    softmax = out["softmax"]
    assert softmax["float32"] < 1e-6 and softmax["bfloat16"] > 100 * softmax["float32"]
    assert softmax["bfloat16"] < 2**-5  # coarse, not wrong


@pytest.mark.slow  # two compiled steps
def test_remat_recomputes_the_blocks_forward():
    out = solution("remat_cost").main(tiny=True)
    assert 1.05 < out["ratio"] < 4 / 3 + 0.01
    assert math.isfinite(out["none"])
