"""Shared test helpers: loading experiment configs by path, and the corpus tests train on."""

import importlib.util
import os
import pathlib
import signal

REPO = pathlib.Path(__file__).resolve().parents[1]
# XLA_FLAGS for a test's subprocess that should see one CPU device, as a laptop does: conftest.py's
# compile setting without its 8 simulated devices.
ONE_DEVICE_XLA_FLAGS = "--xla_backend_optimization_level=0"


def load_config(relative_path: str, arg: str = ""):
    """get_config(arg) of a config file under experiments/, as the --config flag would."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(arg)


def has_data_file(name: str) -> bool:
    folder = os.environ.get("JAXDL_DATA_DIR")
    return bool(folder) and (pathlib.Path(folder) / name).exists()


def shakespeare_corpus() -> str:
    """tiny_shakespeare where the data folder has it (CI), else the embedded plays."""
    return "tiny_shakespeare" if has_data_file("tinyshakespeare.txt") else "shakespeare_plays"


def load_module(relative_path: str):
    """A Python file under experiments/ (not a package), imported by its path."""
    path = REPO / relative_path
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SigtermAtBatch:
    """`task`, but this process gets SIGTERM when train batch `n` (1-based) is drawn: a
    preemption in the middle of a run, for kill/resume tests."""

    def __init__(self, task, n):
        self.task, self.n = task, n

    def __getattr__(self, name):
        return getattr(self.task, name)

    def build_data(self, cfg):
        data = self.task.build_data(cfg)
        inner, n = data.train, self.n

        class Iterator:
            def __next__(self):
                if inner.get_state()["next_index"] == n - 1:
                    os.kill(os.getpid(), signal.SIGTERM)
                return next(inner)

            def get_state(self):
                return inner.get_state()

            def set_state(self, state):
                inner.set_state(state)

        data.train = Iterator()
        return data


def nanogpt_smoke(**train_overrides):
    """nanoGPT's smoke config on the test corpus, with train.* overrides."""
    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke")
    cfg.data.corpus = shakespeare_corpus()
    cfg.train.update(train_overrides)
    return cfg
