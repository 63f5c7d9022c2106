"""Test setup, before JAX is imported: 8 simulated CPU devices, and XLA's CPU backend at
optimization level 0. Most of the suite's time is compiling many small programs that run for
milliseconds; skipping LLVM's optimizations cut test_train.py + test_makemore.py from 376 s to
260 s on a 2-core EPYC (the same numbers, only slower code: tests never time themselves)."""

import os

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_force_host_platform_device_count=8 --xla_backend_optimization_level=0"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")
