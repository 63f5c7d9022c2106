"""`fit`: the one training loop that every topic uses.

A task (see jaxdl/tasks/__init__.py) supplies build_data(cfg), build_model(cfg, spec, rngs),
loss_fn(model, batch, rng) and optionally build_optimizer(cfg); `fit` does the rest: mesh, sharded
init, jit, checkpoints and resume, the eval/log/checkpoint cadence, the NaN stop and the SIGTERM
save.
"""

import dataclasses
import json
import math
import pathlib
import signal
import threading
import time
from collections.abc import Callable

import jax
import ml_collections
from flax import nnx

from jaxdl import checkpoint as checkpoint_lib
from jaxdl import config as config_lib
from jaxdl import distributed
from jaxdl import mesh as mesh_lib
from jaxdl import optim
from jaxdl import profiling
from jaxdl import state as state_lib
from jaxdl import step as step_lib
from jaxdl import workdir as workdir_lib
from jaxdl.data import Data, EvalSplits
from jaxdl.errors import TrainingDiverged, UserError
from jaxdl.logging import MetricWriter, Progress, log


class _Preemption:
    """Turns SIGTERM (how TPU VMs announce preemption) into a flag the loop checks every step."""

    def __init__(self):
        self.requested = False

    def __enter__(self):
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


def _record(name: str, record: dict, workdir: pathlib.Path) -> None:
    """Writes config.json or spec.json; says which fields changed if a resumed run differs."""
    path = workdir / name
    text = json.dumps(record, indent=2, sort_keys=True, default=str)
    if path.exists() and path.read_text() != text:
        old, new = json.loads(path.read_text()), json.loads(text)
        changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        log(f"{name} in {workdir} differs in: {', '.join(changed)}; the new one replaces it.")
    if jax.process_index() == 0:
        path.write_text(text)


def build_optimizer(cfg, task):
    """The task's own optimizer if it has one (e.g. one per player of a GAN), else AdamW from cfg.opt."""
    if hasattr(task, "build_optimizer"):
        return task.build_optimizer(cfg)
    return optim.build(cfg.opt, cfg.train.steps)


@dataclasses.dataclass
class PreparedRun:
    """Everything a run is made of before its first step (also what `jaxdl.bench` times)."""

    mesh: jax.sharding.Mesh
    data: Data
    graphdef: nnx.GraphDef
    # The TrainState as its leaves, which the jitted steps take and return, and its tree.
    leaves: list[jax.Array]
    treedef: jax.tree_util.PyTreeDef
    batch_sharding: jax.sharding.NamedSharding
    train_step: Callable  # (leaves, step_lib.next_input(...)) -> (leaves, metrics)
    eval_step: Callable  # (leaves, batch) -> metrics
    steps_per_call: int
    grad_accum: int = 1  # micro-batches per optimizer step

    @property
    def state(self) -> state_lib.TrainState:
        return jax.tree.unflatten(self.treedef, self.leaves)

    @state.setter
    def state(self, state: state_lib.TrainState) -> None:
        self.leaves = jax.tree.leaves(state)

    def next_train_input(self):
        return step_lib.next_input(self.data.train, self.steps_per_call, self.batch_sharding,
                                   self.grad_accum)

    def evaluate(self, splits: EvalSplits) -> dict[str, float]:
        """Per split, loss_fn's metrics averaged over its batches, each batch weighted by its
        mask's sum (exact means over padded batches) or, without a mask, equally."""
        results = {}
        for split, batches in splits.items():
            sums, total = {}, 0.0
            for batch in batches():
                metrics = jax.device_get(
                    self.eval_step(self.leaves, mesh_lib.put_batch(batch, self.batch_sharding)))
                # The global batch's mask sum, computed on the mesh: a process holds only its rows.
                weight = float(metrics.pop(step_lib.EVAL_WEIGHT, 1.0))
                for key, value in metrics.items():
                    sums[key] = sums.get(key, 0.0) + weight * float(value)
                total += weight
            results.update({f"{split}/{key}": value / total for key, value in sums.items()})
        return results


def prepare(cfg: ml_collections.ConfigDict, task, devices=None) -> PreparedRun:
    """Mesh, data, sharded initial state and the compiled-on-first-call steps of `task`."""
    steps_per_call = step_lib.check_steps_per_call(cfg)
    grad_accum = step_lib.check_grad_accum(cfg)
    dtype = step_lib.compute_dtype(cfg)
    mesh = mesh_lib.make_mesh(cfg.mesh, devices)
    data = task.build_data(cfg)
    spec = ml_collections.ConfigDict(data.spec)
    tx = build_optimizer(cfg, task)
    graphdef, state, shardings = state_lib.init(
        lambda rngs: task.build_model(cfg, spec, rngs), cfg, tx, mesh)
    batch_sharding = mesh_lib.batch_sharding(mesh, mesh_lib.rules_of(cfg))
    _check_batches(data, mesh, mesh_lib.rules_of(cfg))
    return PreparedRun(
        mesh=mesh,
        data=data,
        graphdef=graphdef,
        leaves=jax.tree.leaves(state),
        treedef=jax.tree.structure(shardings),
        batch_sharding=batch_sharding,
        train_step=step_lib.make_train_step(graphdef, task.loss_fn, tx, shardings, batch_sharding,
                                            steps_per_call, grad_accum, dtype),
        eval_step=step_lib.make_eval_step(graphdef, task.loss_fn, shardings, batch_sharding, dtype),
        steps_per_call=steps_per_call,
        grad_accum=grad_accum,
    )


def _check_batches(data: Data, mesh, rules) -> None:
    """The first train batch and each split's first eval batch must split over the mesh. The
    train iterator is put back where it was."""
    position = data.train.get_state()
    mesh_lib.check_batch_shapes(next(data.train), mesh, rules, "train")
    data.train.set_state(position)
    for split, batches in {**data.eval, **data.final_eval}.items():
        mesh_lib.check_batch_shapes(next(iter(batches())), mesh, rules, split)


def _check_finite(step: int, values: dict[str, float]) -> None:
    if not (math.isfinite(values["loss"]) and math.isfinite(values["grad_norm"])):
        raise TrainingDiverged(f"Training diverged at step {step}: loss={values['loss']}, "
                               f"grad_norm={values['grad_norm']}.")


def fit(cfg: ml_collections.ConfigDict, workdir, task, devices=None) -> dict[str, float]:
    """Trains `task` as `cfg` says, in `workdir`; resumes if it holds checkpoints.

    `devices` defaults to all of them. Returns the last logged train metrics and the last
    evaluation (the final one includes `final_eval`, e.g. test). A bad config value fails before
    anything is built or written; a workdir that another run is training in is refused.
    """
    config_lib.validate(cfg, task)
    workdir = workdir_lib.create(workdir)
    with workdir_lib.exclusive(workdir):
        return _fit(cfg, workdir, task, devices)


def _fit(cfg, workdir: pathlib.Path, task, devices) -> dict[str, float]:
    run = prepare(cfg, task, devices)
    data, k = run.data, run.steps_per_call
    _record("config.json", cfg.to_dict(), workdir)  # as the user's command resolved it
    _record("spec.json", data.spec, workdir)  # what the data decided
    log(f"data: {data.description}")
    log(f"model: {state_lib.count_params(run.state.params):,} parameters; mesh "
        f"{dict(run.mesh.shape)} over {run.mesh.size} {run.mesh.devices.flat[0].platform} device(s)")
    log(mesh_lib.describe_memory(run.state))

    checkpointer = checkpoint_lib.Checkpointer(workdir, cfg.checkpoint.max_to_keep)
    writer = MetricWriter(workdir)
    restored = checkpointer.restore_latest(run.state, log=log)
    if restored is not None:
        run.state, data_state = restored
        data.train.set_state(data_state)
        writer.truncate_after(int(run.state.step))
        log(f"Resumed from {checkpointer.directory / str(int(run.state.step))} "
            f"(step {int(run.state.step)}).")
        if int(run.state.step) % k:
            raise UserError(f"Resumed at step {int(run.state.step)}, not a multiple of "
                            f"train.steps_per_call={k}: resume with a steps_per_call that divides it.")

    distributed.compile_then_sync(run)
    if int(run.state.step) >= cfg.train.steps:
        log(f"Already trained to step {int(run.state.step)}; raise --config.train.steps to go on.")
    progress = Progress(cfg.train.steps, cfg.train.log_every, data.unit,
                        data.units_per_batch * run.grad_accum, writer)
    last_eval = {}
    pending = None  # (step, metrics) dispatched but not yet read
    profiler = profiling.StepProfiler(cfg.train.profile, workdir)

    def record(step: int, metrics) -> None:
        """Reads one call's metrics (those of the k steps that end at `step`)."""
        for i, values in enumerate(step_lib.unstack_metrics(jax.device_get(metrics), k)):
            values = {name: float(v) for name, v in values.items()}
            _check_finite(step - k + 1 + i, values)
            progress.record(step - k + 1 + i, values)

    try:
        with _Preemption() as preemption:
            # `step` is the last step of each call: k steps per call, the cadences multiples of k.
            for step in range(int(run.state.step) + k, cfg.train.steps + 1, k):
                train_input = run.next_train_input()
                profiler.before_call(step, k)
                run.leaves, metrics = run.train_step(run.leaves, train_input)
                profiler.after_call(step, (run.leaves, metrics))
                if pending:
                    record(*pending)
                pending = (step, metrics)
                final = step == cfg.train.steps
                do_eval = final or step % cfg.train.eval_every == 0
                do_save = final or step % cfg.checkpoint.every == 0 or preemption.requested
                if not (do_eval or do_save):
                    continue
                record(*pending)  # a checkpoint is written only once its step is finite
                pending = None
                started = time.perf_counter()
                if do_eval:
                    last_eval = run.evaluate({**data.eval, **(data.final_eval if final else {})})
                    writer.write(step, last_eval)
                    log(f"step {step}/{cfg.train.steps} | "
                        + " | ".join(f"{k} {v:.4f}" for k, v in sorted(last_eval.items())))
                if do_save:
                    checkpointer.save(step, run.state, data.train.get_state())
                progress.exclude(time.perf_counter() - started)
                if preemption.requested:
                    log(f"SIGTERM: saving checkpoint {step} and stopping; run again to resume.")
                    break
    except TrainingDiverged as error:
        checkpointer.wait()
        saved = checkpointer.steps()
        where = f"step {saved[-1]} in {checkpointer.directory}" if saved else "none: none was saved"
        raise TrainingDiverged(f"{error} The last good checkpoint is {where}. Try a lower "
                               "--config.opt.lr or a stronger --config.opt.grad_clip.") from None
    finally:  # on every exit: finish the checkpoint being written
        profiler.close()
        checkpointer.wait()
        checkpointer.close()
        writer.close()
    return {**progress.last, **last_eval}
