"""Checkpoints of a run: the train state and the data iterator's position, under `checkpoints/<step>/`;
and loading a trained model back from a workdir (parameters and model state, no optimizer).

orbax writes each step to a temporary folder and renames it when complete, so a run killed while
saving leaves the previous checkpoints intact. A checkpoint that is there but unreadable (a disk
error, a file cut short) is moved aside to `corrupt_checkpoints/<step>` and the previous one is used.
"""

import pathlib
import shutil

import jax
import ml_collections
import orbax.checkpoint as ocp
from flax import nnx

from jaxdl import config as config_lib
from jaxdl import mesh as mesh_lib
from jaxdl import state as state_lib
from jaxdl.errors import UserError
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
            raise UserError(
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


def read_run(workdir) -> tuple[ml_collections.ConfigDict, ml_collections.ConfigDict]:
    """(config, spec) of a trained run, as its config.json and spec.json recorded them."""
    workdir = pathlib.Path(workdir)
    if not (workdir / "config.json").exists():
        raise UserError(f"{workdir} holds no config.json: train there first (--mode=train).")
    spec_path = workdir / "spec.json"
    spec = config_lib.from_json_file(spec_path) if spec_path.exists() else ml_collections.ConfigDict()
    return config_lib.from_json_file(workdir / "config.json"), spec


def load_model(workdir, task, log=print):
    """(model, cfg, spec): the model of `workdir`'s latest readable checkpoint, built by the
    task's build_model (pass the task or build_model itself) from the run's config.json and
    spec.json, on one device. Only the parameters and the model's other state are read: no
    optimizer is built."""
    build_model = getattr(task, "build_model", task)
    workdir = pathlib.Path(workdir)
    cfg, spec = read_run(workdir)
    mesh = mesh_lib.make_mesh({"data": 1, "fsdp": 1, "model": 1}, jax.devices()[:1])
    graphdef, params, model_state = state_lib.abstract_model(
        lambda rngs: build_model(cfg, spec, rngs), cfg.seed)
    shardings = {"params": state_lib.variable_shardings(params, mesh, cfg.sharding_rules),
                 "model_state": state_lib.variable_shardings(model_state, mesh,
                                                                cfg.sharding_rules)}
    target = jax.tree.map(
        lambda leaf, sharding: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding),
        {"params": params, "model_state": model_state}, shardings)
    target["step"] = jax.ShapeDtypeStruct((), jax.numpy.int32,
                                          sharding=mesh_lib.replicated(mesh))
    manager = ocp.CheckpointManager(pathlib.Path(workdir).absolute() / "checkpoints")
    steps = sorted(manager.all_steps())
    if not steps:
        raise UserError(f"{workdir / 'checkpoints'} holds no checkpoint yet.")
    for step in reversed(steps):
        try:
            restored = manager.restore(step, args=ocp.args.Composite(state=ocp.args.PyTreeRestore(
                item=target, partial_restore=True,
                restore_args=ocp.checkpoint_utils.construct_restore_args(target))))
        except Exception as error:  # orbax raises many types for damaged or foreign files
            log(f"WARNING: checkpoint {step} could not be loaded ({type(error).__name__}: "
                f"{str(error)[:200]}); trying the one before.")
            continue
        state = restored.state
        if any(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in jax.tree.leaves(state)):
            # partial_restore leaves what the checkpoint lacks as shapes: another model's run.
            log(f"WARNING: checkpoint {step} lacks some of this model's variables; trying the "
                "one before.")
            continue
        log(f"Loaded step {int(state['step'])} from {workdir / 'checkpoints'}.")
        return nnx.merge(graphdef, state["params"], state["model_state"]), cfg, spec
    raise UserError(f"No checkpoint under {workdir / 'checkpoints'} fits this model (tried steps "
                    f"{steps}): it was written by another model or is damaged.")
