"""Joining a multi-process run: `jax.distributed.initialize` with what the launcher provides.

On a TPU VM, under SLURM or Open MPI, jax finds the coordinator, the process count and this
process's index by itself. `launch/local.sh N` (several processes on one machine, what the tests
use) sets JAX_COORDINATOR_ADDRESS, which jax reads, and JAXDL_NUM_PROCESSES / JAXDL_PROCESS_ID,
which jax has no variables for.
"""

import os

import jax
from jax.experimental import multihost_utils

from jaxdl import mesh as mesh_lib


def initialize() -> None:
    """Connects this process to the others; afterwards jax.devices() lists every process's devices."""
    count, index = os.environ.get("JAXDL_NUM_PROCESSES"), os.environ.get("JAXDL_PROCESS_ID")
    if count is None:
        jax.distributed.initialize()  # a cluster jax detects (TPU VM, SLURM, Open MPI)
    else:
        jax.distributed.initialize(num_processes=int(count), process_id=int(index))
    # One collective over every device while the processes are in step: on CPU it sets up the
    # gloo connections, which otherwise the first train step would, with a 30 s deadline that a
    # process still compiling (or importing TensorBoard, on process 0) can miss.
    multihost_utils.sync_global_devices("jaxdl: all processes joined")


def compile_then_sync(run) -> None:
    """With several processes: compiles the train and eval steps, then waits for every process.

    On CPU each jitted function's first cross-process collective sets up its gloo connections
    with a 30 s deadline; compiling first (jax caches the executables for the calls that follow)
    makes the processes reach it together. The data iterator is put back where it was.
    """
    if jax.process_count() == 1:
        return
    position = run.data.train.get_state()
    run.train_step.lower(run.leaves, run.next_train_input()).compile()
    run.data.train.set_state(position)
    for batches in {**run.data.eval, **run.data.final_eval}.values():
        batch = mesh_lib.put_batch(next(iter(batches())), run.batch_sharding)
        run.eval_step.lower(run.leaves, batch).compile()
    multihost_utils.sync_global_devices("jaxdl: steps compiled")
