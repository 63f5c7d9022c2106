"""The shape every topic keeps: configs import library code only, an entry point run with -m is
imported once, and every registered task offers the interface the loop calls."""

import inspect
import os
import subprocess
import sys

import pytest

from jaxdl import tasks
from testlib import ONE_DEVICE_XLA_FLAGS, REPO

CONFIG_FILES = sorted(p for p in (REPO / "experiments").rglob("*.py")
                      if "def get_config" in p.read_text())


def test_loading_every_config_imports_no_entry_point():
    assert len(CONFIG_FILES) >= 10
    script = f"""
import importlib.util, pathlib, sys
from jaxdl.errors import UserError
for path in {[str(p) for p in CONFIG_FILES]!r}:
    spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.get_config("")
    except UserError:  # a config that needs a preset still loaded its imports
        pass
print(sorted(m for m in sys.modules if m.startswith(("jaxdl.experiments", "jaxdl.cli",
                                                     "jaxdl.train"))))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("topic, config", [
    ("nanogpt", "experiments/nanogpt/shakespeare_char.py:smoke"),
    ("cnn", "experiments/cnn/digits.py:smoke"),
])
def test_an_entry_point_run_with_dash_m_is_imported_once(tmp_path, topic, config):
    # -X importtime names every module imported; as __main__, the entry point must not also be
    # imported under its own name (its flags would then be defined twice). The bad --mode stops
    # the command right after the config file has been loaded.
    env = {**os.environ, "XLA_FLAGS": ONE_DEVICE_XLA_FLAGS}
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", f"jaxdl.experiments.{topic}",
                          f"--config={config}", f"--workdir={tmp_path}", "--mode=nope"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "--mode=nope: this topic has train" in out.stderr
    imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
                if line.startswith("import time:")]
    assert "jaxdl.tasks" in imported and f"jaxdl.experiments.{topic}" not in imported
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("topic", sorted(tasks.REGISTRY))
def test_every_registered_task_offers_the_interface(topic):
    task = tasks.get(topic)
    signatures = {"build_data": ["cfg"], "build_model": ["cfg", "spec", "rngs"],
                  "loss_fn": ["model", "batch", "rng"]}
    for name, parameters in signatures.items():
        assert list(inspect.signature(getattr(task, name)).parameters) == parameters, name
    assert (REPO / "jaxdl" / "experiments" / f"{topic}.py").exists()
