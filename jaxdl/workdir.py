"""One training run per workdir.

Two runs writing the same checkpoints destroy each other's (orbax renames step folders under
the other run's feet). So a training run holds an exclusive lock on `<workdir>/run.lock` for as
long as it runs: `fcntl.flock`, which the kernel drops when the process ends in any way, so a
crashed or killed run leaves no stale lock, only the file with its pid. A second training run on
a busy workdir refuses at once and names the pid of the first. Reading a workdir (sampling,
evaluation, plots) takes no lock and may run meanwhile: it reads only finished checkpoints.

With several processes (multi-host), process 0 takes the lock for the run.
"""

import contextlib
import fcntl
import os
import pathlib

import jax

from jaxdl.errors import ConfigError, UserError, WorkdirBusy

LOCK_FILE = "run.lock"


def create(workdir) -> pathlib.Path:
    """Creates `workdir` (and its parents) if needed; a path that exists and is not a folder is
    a ConfigError naming --workdir."""
    workdir = pathlib.Path(workdir)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"--workdir={workdir} is a file, or inside one: name a folder "
                          "(a new one is created).") from None
    except PermissionError:
        raise UserError(f"--workdir={workdir}: no permission to create or write it; "
                        "choose a folder you can write.") from None
    return workdir


def holder_pid(workdir) -> str:
    """The pid written by the last run that took the lock ("unknown" if none is readable)."""
    try:
        return (pathlib.Path(workdir) / LOCK_FILE).read_text().strip() or "unknown"
    except OSError:
        return "unknown"


@contextlib.contextmanager
def exclusive(workdir):
    """Holds the workdir's run lock for the `with` block, or raises WorkdirBusy naming the pid
    of the run that holds it."""
    if jax.process_index() != 0:
        yield
        return
    path = pathlib.Path(workdir) / LOCK_FILE
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkdirBusy(
                f"{workdir} is in use by another training run (pid {holder_pid(workdir)}): wait "
                "for it to end, or train in another --workdir. (Sampling from it needs no wait.)"
            ) from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(descriptor)  # releases the lock
