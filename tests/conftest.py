"""Test setup: 8 simulated CPU devices (set before JAX is imported) and the data folder."""

import os
import pathlib

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> pathlib.Path:
    return REPO


def has_data_file(name: str) -> bool:
    folder = os.environ.get("JAXDL_DATA_DIR")
    return bool(folder) and (pathlib.Path(folder) / name).exists()
