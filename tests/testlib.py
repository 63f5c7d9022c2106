"""Shared test helpers: loading experiment configs by path, and the corpus tests train on."""

import importlib.util
import os
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[1]


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
