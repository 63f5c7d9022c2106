import ctypes.util
import subprocess
import sys

import pytest

from jaxdl.runtime import keep_freed_memory


@pytest.mark.skipif("glibc" not in " ".join(map(str, __import__("platform").libc_ver())),
                    reason="glibc only")
def test_glibc_accepts_the_allocator_settings():
    # In a subprocess: the settings last for the life of a process.
    code = "from jaxdl.runtime import keep_freed_memory; print(keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    assert ctypes.util.find_library("c")
    assert callable(keep_freed_memory)
