"""Fixtures shared by the scratch tests: the real names file and float64 JAX."""

import os
from pathlib import Path

import jax
import numpy as np
import pytest

from jaxdl.scratch.bigram import read_names


@pytest.fixture(scope="session")
def names() -> list[str]:
    data_dir = os.environ.get("JAXDL_DATA_DIR")
    if not data_dir or not (Path(data_dir) / "names.txt").is_file():
        pytest.skip("needs $JAXDL_DATA_DIR/names.txt")
    return read_names(data_dir)


@pytest.fixture(scope="module")
def jax_x64():
    """float64 JAX for the module, restored afterwards so other test modules keep their default."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


def relative_error(a, b) -> float:
    """Whole-array relative error: elementwise ratios blow up on entries that are ~0 in both."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-300))


@pytest.fixture
def rel_error():
    return relative_error
