"""Process-level settings for fast training on a CPU host.

glibc serves each large allocation with a fresh mmap and returns it with munmap when freed. XLA
allocates and frees a step's large scratch buffers every step, so every step page-faults tens of
megabytes in again: on the 2-core CPU of this project's machines that was a quarter of the
nanoGPT `:cpu` step (45 ms -> 31-38 ms without it, `python -m jaxdl.bench`). Serving everything
from the heap and never trimming it keeps those pages mapped. The cost: a process keeps its peak
memory until it exits, which suits a training run.

What this cannot reach: a buffer over 64 MB that one of XLA's worker threads allocates. glibc
gives each thread an arena of 64 MB heaps, and a larger request falls back to a fresh mmap
whatever the settings above say. nanoGPT's default config allocates a 7 GB scratch buffer that
way on every step, and page-faulting it in costs about a quarter of the step on a CPU. Start
such runs with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1` in the environment (it cannot be set from
inside a running process): glibc then asks for transparent huge pages, about 50 times fewer
faults (10.7 -> 0.2 million in a short benchmark),
and that step ran 8.3-8.6 -> 6.2-6.7 s (`tests/benchmarks/performance.sh`,
nanogpt_full_hugetlb).
"""

import ctypes
import ctypes.util

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_MAX = -4


def keep_freed_memory() -> bool:
    """Tells glibc to reuse freed memory instead of returning it; False where that is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):  # musl, macOS, Windows: leave the allocator be
        return False
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
