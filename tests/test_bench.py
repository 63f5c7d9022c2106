"""jaxdl.bench: the FLOP formula and the command's output contract (not the speed itself)."""

import json
import os
import subprocess
import sys

import pytest
from flax import nnx

from jaxdl.bench import gpt_flops_per_token
from jaxdl.nn.gpt import GPT
from testlib import REPO, shakespeare_corpus


def test_gpt_flops_follow_nanogpts_estimate():
    L, H, C, V, T = 3, 2, 16, 11, 8
    model = GPT(vocab_size=V, block_size=T, layers=L, heads=H, width=C, dropout=0.0, rngs=nnx.Rngs(0))
    # Per layer: qkv 3C^2 + out C^2 + mlp 8C^2 matmul weights, two LayerNorm scales (2C);
    # plus the tied V x C embedding and the final LayerNorm; no position embeddings.
    n = L * (12 * C * C + 2 * C) + V * C + C
    assert gpt_flops_per_token(model, T) == 6 * n + 12 * L * H * (C // H) * T


def test_bench_prints_a_json_last_line():
    env = {**os.environ, "XLA_FLAGS": ""}
    command = [sys.executable, "-m", "jaxdl.bench", "nanogpt",
               "--config=experiments/nanogpt/shakespeare_char.py:smoke",
               f"--config.data.corpus={shakespeare_corpus()}", "--steps=4", "--repeats=2",
               "--warmup=1"]
    out = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("step_ms", "tokens_per_s", "flops_per_step", "mfu", "device"):
        assert key in result
    assert 0 < result["mfu"] < 1 and result["step_ms"] > 0
    assert abs(result["tokens_per_s"] - 8 * 32 / (result["step_ms"] / 1e3)) < 1e-6 * result["tokens_per_s"]


@pytest.mark.slow  # CI time: the output contract is checked on nanoGPT above
def test_bench_times_an_image_task_in_examples():
    env = {**os.environ, "XLA_FLAGS": ""}
    command = [sys.executable, "-m", "jaxdl.bench", "cnn",
               "--config=experiments/cnn/digits.py:smoke", "--steps=4", "--repeats=2",
               "--warmup=1"]
    out = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["unit"] == "examples" and 0 < result["mfu"] < 1
    assert abs(result["tokens_per_s"] - 64 / (result["step_ms"] / 1e3)) < 1e-6 * result["tokens_per_s"]
