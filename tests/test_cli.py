"""The command line as a user runs it: bad input gives one clear line, SIGKILL + rerun resumes
exactly, sampling reads the workdir."""

import json
import os
import signal
import subprocess
import sys
import time

from testlib import ONE_DEVICE_XLA_FLAGS, REPO, shakespeare_corpus

CONFIG = "--config=experiments/nanogpt/shakespeare_char.py:smoke"


def nanogpt(*args, **kwargs):
    env = {**os.environ, "XLA_FLAGS": ONE_DEVICE_XLA_FLAGS}  # one CPU device, as a user's laptop
    command = [sys.executable, "-m", "jaxdl.experiments.nanogpt", *args]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def finish(process, timeout=300):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def final_train_loss(workdir):
    lines = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    return [m for m in lines if "train/loss" in m][-1]


def test_a_mistyped_config_key_fails_and_names_it(tmp_path):
    code, out, err = finish(nanogpt(CONFIG, "--config.train.stepz=3", f"--workdir={tmp_path}"))
    assert code != 0
    assert "stepz" in err and "Traceback" not in err
    assert not (tmp_path / "config.json").exists()


def test_sigkill_then_rerun_ends_like_a_straight_run(tmp_path):
    args = [CONFIG, f"--config.data.corpus={shakespeare_corpus()}", "--config.train.steps=200",
            "--config.checkpoint.every=50", "--config.train.eval_every=200"]
    straight = nanogpt(*args, f"--workdir={tmp_path / 'straight'}")

    killed_dir = tmp_path / "killed"
    killed = nanogpt(*args, f"--workdir={killed_dir}")
    deadline = time.time() + 120
    while not (killed_dir / "checkpoints" / "100").is_dir() and killed.poll() is None:
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    code, out, err = finish(nanogpt(*args, f"--workdir={killed_dir}"))
    assert code == 0, err
    assert "Resumed from" in out
    assert finish(straight)[0] == 0
    assert final_train_loss(killed_dir) == final_train_loss(tmp_path / "straight")

    code, out, err = finish(nanogpt("--mode=sample", f"--workdir={killed_dir}", "--prompt=ROMEO:",
                                    "--max_new_tokens=20", "--num_samples=2"))
    assert code == 0, err
    assert out.count("ROMEO:") == 2
    code, out, err = finish(nanogpt("--mode=sample", f"--workdir={killed_dir}", "--prompt=~ROMEO"))
    assert code == 1 and "['~'] are not in the vocabulary" in err and "Traceback" not in err
