"""Joining a multi-process run: `jax.distributed.initialize` with what the launcher provides.

On a TPU VM, under SLURM or Open MPI, jax finds the coordinator, the process count and this
process's index by itself. `launch/local.sh N` (several processes on one machine, what the tests
use) sets JAX_COORDINATOR_ADDRESS, which jax reads, and JAXDL_NUM_PROCESSES / JAXDL_PROCESS_ID,
which jax has no variables for.
"""

import os

import jax


def initialize() -> None:
    """Connects this process to the others; afterwards jax.devices() lists every process's devices."""
    count, index = os.environ.get("JAXDL_NUM_PROCESSES"), os.environ.get("JAXDL_PROCESS_ID")
    if count is None:
        jax.distributed.initialize()  # a cluster jax detects (TPU VM, SLURM, Open MPI)
        return
    jax.distributed.initialize(num_processes=int(count), process_id=int(index))
