"""Several processes for real: `launch/local.sh 2` (two processes of 4 CPU devices, a localhost
coordinator) trains as one process of 8 devices does, and its checkpoint resumes in one process."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from jaxdl import train
from jaxdl.logging import read_metrics
from jaxdl.tasks import nanogpt
from testlib import ONE_DEVICE_XLA_FLAGS, REPO, load_config, shakespeare_corpus

# The same run on both sides; decay_steps is fixed so that the 4-step run and the 6-step one it
# resumes into share one learning-rate schedule.
OVERRIDES = dict(steps=4, log_every=1, eval_every=2, every=2, batch_size=8, decay_steps=6)


def flags(steps):
    o = OVERRIDES
    return [f"--config.data.corpus={shakespeare_corpus()}", f"--config.train.steps={steps}",
            f"--config.train.log_every={o['log_every']}", f"--config.train.eval_every={o['eval_every']}",
            f"--config.checkpoint.every={o['every']}", f"--config.data.batch_size={o['batch_size']}",
            f"--config.opt.decay_steps={o['decay_steps']}"]


def config(steps):
    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke")
    cfg.data.corpus = shakespeare_corpus()
    cfg.train.update(steps=steps, log_every=1, eval_every=2)
    cfg.checkpoint.every = 2
    cfg.data.batch_size = 8
    cfg.opt.decay_steps = 6
    return cfg


def by_step(workdir, key):
    return {m["step"]: m[key] for m in read_metrics(workdir) if key in m}


@pytest.mark.slow  # three process start-ups: about 5 min on a loaded 2-core machine
def test_two_processes_equal_one_and_their_checkpoint_resumes_in_one(tmp_path):
    env = {**os.environ,
           "XLA_FLAGS": f"--xla_force_host_platform_device_count=4 {ONE_DEVICE_XLA_FLAGS}",
           "PYTHONPATH": str(REPO), "LOCAL_LOG_DIR": str(tmp_path)}
    command = [str(REPO / "launch/local.sh"), "2", sys.executable, "-m", "jaxdl.experiments.nanogpt",
               "--config=experiments/nanogpt/shakespeare_char.py:smoke",
               f"--workdir={tmp_path / 'two'}", *flags(4)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    # Process 0 alone logs: each line of the run once.
    assert done.stdout.count("memory per device") == 1
    assert "mesh {'data': 8, 'fsdp': 1, 'model': 1} over 8 cpu" in done.stdout
    assert not (tmp_path / "process_1.log").read_text().count("step 4/4")

    train.fit(config(6), tmp_path / "one", nanogpt)  # one process, its 8 devices
    one, two = by_step(tmp_path / "one", "train/loss"), by_step(tmp_path / "two", "train/loss")
    assert sorted(two) == [1, 2, 3, 4]
    np.testing.assert_allclose([two[s] for s in two], [one[s] for s in two], rtol=0, atol=1e-5)
    # Evaluation reads per-process rows too: the same validation loss.
    one_val, two_val = by_step(tmp_path / "one", "val/loss"), by_step(tmp_path / "two", "val/loss")
    np.testing.assert_allclose([two_val[2], two_val[4]], [one_val[2], one_val[4]], atol=1e-5)

    # The two processes' checkpoint at step 4, resumed by this one process up to step 6.
    train.fit(config(6), tmp_path / "two", nanogpt)
    resumed = by_step(tmp_path / "two", "train/loss")
    np.testing.assert_allclose([resumed[5], resumed[6]], [one[5], one[6]], rtol=0, atol=1e-5)
    assert jax.process_count() == 1
