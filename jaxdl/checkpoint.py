"""Checkpoints of a run: the train state and the data iterator's position, under `checkpoints/<step>/`.

orbax writes each step to a temporary folder and renames it when complete, so a run killed while
saving leaves the previous checkpoints intact. A checkpoint that is there but unreadable (a disk
error, a file cut short) is moved aside to `corrupt_checkpoints/<step>` and the previous one is used.
"""

import pathlib
import shutil

import jax
import orbax.checkpoint as ocp

from jaxdl.state import TrainState


class Checkpointer:
    def __init__(self, workdir: pathlib.Path, max_to_keep: int):
        self.directory = pathlib.Path(workdir).absolute() / "checkpoints"
        self.corrupt_directory = self.directory.parent / "corrupt_checkpoints"
        self._manager = ocp.CheckpointManager(
            self.directory, options=ocp.CheckpointManagerOptions(max_to_keep=max_to_keep, create=True)
        )

    def save(self, step: int, state: TrainState, data_state: dict) -> None:
        """Starts an asynchronous save; training goes on while it is written."""
        self._manager.save(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state), data=ocp.args.JsonSave(data_state)
            ),
        )

    def steps(self) -> list[int]:
        return sorted(self._manager.all_steps())

    def restore_latest(self, target: TrainState, log=print) -> tuple[TrainState, dict] | None:
        """Restores the newest readable checkpoint onto `target`'s shapes and shardings.

        Returns None when there is none at all; raises if every checkpoint is unreadable.
        """
        abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, target)
        steps = self.steps()
        for step in reversed(steps):
            try:
                restored = self._manager.restore(
                    step,
                    args=ocp.args.Composite(
                        state=ocp.args.StandardRestore(abstract), data=ocp.args.JsonRestore()
                    ),
                )
            except Exception as error:  # orbax raises many types for damaged files
                log(f"WARNING: checkpoint {step} is unreadable ({type(error).__name__}: "
                    f"{str(error)[:200]}); moving it to {self.corrupt_directory / str(step)} "
                    "and falling back to the previous one.")
                self._set_aside(step)
                continue
            return restored.state, restored.data
        if steps:
            raise RuntimeError(
                f"No checkpoint under {self.directory} could be read (tried steps {steps}); "
                f"they were moved to {self.corrupt_directory}. Start with a new --workdir."
            )
        return None

    def _set_aside(self, step: int) -> None:
        if jax.process_index() == 0:
            self.corrupt_directory.mkdir(exist_ok=True)
            destination = self.corrupt_directory / str(step)
            shutil.rmtree(destination, ignore_errors=True)
            shutil.move(self.directory / str(step), destination)
        self._manager.reload()

    def wait(self) -> None:
        self._manager.wait_until_finished()

    def close(self) -> None:
        self._manager.close()
