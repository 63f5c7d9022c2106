"""`fit`: the one training loop that every topic uses.

A task is any object (usually the experiment's module) with
    build_model(cfg, rngs) -> nnx.Module
    build_data(cfg, mesh) -> jaxdl.data.Data     (may fill data-derived cfg fields, e.g. vocab size)
    loss_fn(model, batch, rng) -> (loss, metrics)
    evaluate(model, data) -> dict                (optional; default: mean loss_fn metrics per split)
and `fit` does the rest: mesh, sharded init, jit, checkpoints and resume, eval and log cadence,
the NaN stop and the SIGTERM save.
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
import numpy as np
from flax import nnx

from jaxdl import checkpoint as checkpoint_lib
from jaxdl import config as config_lib
from jaxdl import mesh as mesh_lib
from jaxdl import optim
from jaxdl import state as state_lib
from jaxdl import step as step_lib
from jaxdl.data import Data
from jaxdl.errors import UserError
from jaxdl.logging import MetricWriter, log


class TrainingDiverged(RuntimeError):
    """The loss or the gradient norm became NaN or infinite."""


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


def _record_config(cfg: ml_collections.ConfigDict, workdir: pathlib.Path) -> None:
    path = workdir / "config.json"
    text = config_lib.to_json(cfg)
    if path.exists() and path.read_text() != text:
        old, new = json.loads(path.read_text()), json.loads(text)
        changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        log(f"config.json in {workdir} differs in: {', '.join(changed)}; the new one replaces it.")
    if jax.process_index() == 0:
        path.write_text(text)


def _format_eta(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"


def _default_evaluate(eval_step, state, data, batch_sharding) -> dict[str, float]:
    results = {}
    for split, batches in data.eval.items():
        sums, count = {}, 0
        for batch in batches():
            metrics = jax.device_get(eval_step(state, mesh_lib.put_batch(batch, batch_sharding)))
            for key, value in metrics.items():
                sums[key] = sums.get(key, 0.0) + float(value)
            count += 1
        results.update({f"{split}/{key}": total / count for key, total in sums.items()})
    return results


class _Progress:
    """Reads each step's metrics one step late (so dispatch never waits on the device), stops on
    a non-finite loss, and logs train metrics with throughput and ETA every `log_every` steps."""

    def __init__(self, cfg, data: Data, writer: MetricWriter):
        self.total, self.log_every = cfg.train.steps, cfg.train.log_every
        self.data, self.writer = data, writer
        self.last: dict[str, float] = {}
        self._start_time = self._start_step = None  # set after the first step: no compile time

    def record(self, step: int, metrics) -> None:
        values = {k: float(v) for k, v in jax.device_get(metrics).items()}
        if not (math.isfinite(values["loss"]) and math.isfinite(values["grad_norm"])):
            raise TrainingDiverged(f"Training diverged at step {step}: loss={values['loss']}, "
                                   f"grad_norm={values['grad_norm']}.")
        if self._start_time is None:
            self._start_time, self._start_step = time.perf_counter(), step
        if step % self.log_every and step != self.total:
            return
        self.last = {f"train/{k}": v for k, v in values.items()}
        self.writer.write(step, self.last)
        line = f"step {step}/{self.total} | loss {values['loss']:.4f}"
        if step > self._start_step:
            per_step = (time.perf_counter() - self._start_time) / (step - self._start_step)
            line += (f" | {1000 * per_step:.1f} ms/step | "
                     f"{self.data.per_batch / per_step:,.0f} {self.data.unit}/s | "
                     f"ETA {_format_eta(per_step * (self.total - step))}")
        log(line)

    def exclude(self, seconds: float) -> None:
        """Takes time spent evaluating or saving out of the throughput."""
        if self._start_time is not None:
            self._start_time += seconds


@dataclasses.dataclass
class Setup:
    """Everything a run is made of before its first step (also what `jaxdl.bench` times)."""

    mesh: jax.sharding.Mesh
    data: Data
    graphdef: nnx.GraphDef
    state: state_lib.TrainState
    batch_sharding: jax.sharding.NamedSharding
    train_step: Callable  # see next_train_input: one batch, or steps_per_call stacked
    eval_step: Callable
    steps_per_call: int

    def next_train_input(self):
        """The train step's next input, on the mesh: one batch, or `steps_per_call` batches
        stacked on a new leading axis."""
        k = self.steps_per_call
        if k == 1:
            return mesh_lib.put_batch(next(self.data.train), self.batch_sharding)
        batches = [next(self.data.train) for _ in range(k)]
        stacked = jax.tree.map(lambda *rows: np.stack(rows), *batches)
        return mesh_lib.put_batch(stacked, step_lib.stacked_sharding(self.batch_sharding))


def _check_steps_per_call(cfg) -> int:
    k = cfg.train.steps_per_call
    if k < 1:
        raise UserError(f"train.steps_per_call={k} must be at least 1.")
    # Evaluations and checkpoints happen between calls; every step's train metrics are logged.
    for key in ("train.steps", "train.eval_every", "checkpoint.every"):
        section, name = key.split(".")
        if cfg[section][name] % k:
            raise UserError(f"{key}={cfg[section][name]} must be a multiple of "
                            f"train.steps_per_call={k}: a jitted call runs {k} steps at once.")
    return k


def setup(cfg: ml_collections.ConfigDict, task, devices=None) -> Setup:
    """Mesh, data, sharded initial state and the compiled-on-first-call steps of `task`."""
    steps_per_call = _check_steps_per_call(cfg)
    mesh = mesh_lib.make_mesh(cfg.mesh, devices)
    mesh_lib.check_batch(cfg.data.batch_size, mesh, cfg.sharding_rules)
    data = task.build_data(cfg, mesh)
    tx = optim.build(cfg.opt, cfg.train.steps)
    graphdef, state, shardings = state_lib.init(task.build_model, cfg, tx, mesh)
    batch_sharding = mesh_lib.batch_sharding(mesh, cfg.sharding_rules)
    return Setup(
        mesh=mesh,
        data=data,
        graphdef=graphdef,
        state=state,
        batch_sharding=batch_sharding,
        train_step=step_lib.make_train_step(graphdef, task.loss_fn, tx, shardings, batch_sharding,
                                            steps_per_call),
        eval_step=step_lib.make_eval_step(graphdef, task.loss_fn, shardings, batch_sharding),
        steps_per_call=steps_per_call,
    )


def fit(cfg: ml_collections.ConfigDict, workdir, task, devices=None) -> dict[str, float]:
    """Trains `task` as `cfg` says, in `workdir`; resumes if it holds checkpoints.

    `devices` defaults to all of them. Returns the last logged train metrics and the last
    evaluation.
    """
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    run = setup(cfg, task, devices)
    mesh, data, graphdef, state = run.mesh, run.data, run.graphdef, run.state
    batch_sharding, train_step, k = run.batch_sharding, run.train_step, run.steps_per_call
    _record_config(cfg, workdir)  # after build_data: it fills the data-derived fields
    log(f"data: {data.description}")
    log(f"model: {state_lib.count_params(state.params):,} parameters; mesh "
        f"{dict(mesh.shape)} over {mesh.size} {mesh.devices.flat[0].platform} device(s)")

    checkpointer = checkpoint_lib.Checkpointer(workdir, cfg.checkpoint.max_to_keep)
    writer = MetricWriter(workdir)
    restored = checkpointer.restore_latest(state, log=log)
    if restored is not None:
        state, data_state = restored
        data.train.set_state(data_state)
        writer.truncate_after(int(state.step))
        log(f"Resumed from {checkpointer.directory / str(int(state.step))} (step {int(state.step)}).")
        if int(state.step) % k:
            raise UserError(f"Resumed at step {int(state.step)}, not a multiple of "
                            f"train.steps_per_call={k}: resume with a steps_per_call that divides it.")

    def evaluate(state) -> dict[str, float]:
        if hasattr(task, "evaluate"):
            model = nnx.merge(graphdef, state.params, state.rest)
            model.eval()
            return {k: float(v) for k, v in task.evaluate(model, data).items()}
        return _default_evaluate(run.eval_step, state, data, batch_sharding)

    if int(state.step) >= cfg.train.steps:
        log(f"Already trained to step {int(state.step)}; raise --config.train.steps to go on.")
    progress = _Progress(cfg, data, writer)
    last_eval = {}
    pending = None  # (step, metrics) dispatched but not yet read

    def record(step: int, metrics) -> None:
        """Reads one call's metrics: step `step`'s, or those of the k steps that end there."""
        if k == 1:
            return progress.record(step, metrics)
        values = jax.device_get(metrics)
        for i in range(k):
            progress.record(step - k + 1 + i, {name: v[i] for name, v in values.items()})

    try:
        with _Preemption() as preemption:
            # `step` is the last step of each call: k steps per call, the cadences multiples of k.
            for step in range(int(state.step) + k, cfg.train.steps + 1, k):
                state, metrics = train_step(state, run.next_train_input())
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
                    last_eval = evaluate(state)
                    writer.write(step, last_eval)
                    log(f"step {step}/{cfg.train.steps} | "
                        + " | ".join(f"{k} {v:.4f}" for k, v in sorted(last_eval.items())))
                if do_save:
                    checkpointer.save(step, state, data.train.get_state())
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
        checkpointer.wait()
        checkpointer.close()
        writer.close()
    return {**progress.last, **last_eval}


def load_model(workdir, task) -> tuple[nnx.Module, ml_collections.ConfigDict]:
    """The model of `workdir`'s latest readable checkpoint, built from its config.json, on one device."""
    workdir = pathlib.Path(workdir)
    if not (workdir / "config.json").exists():
        raise UserError(f"{workdir} holds no config.json: train there first (--mode=train).")
    cfg = config_lib.from_json_file(workdir / "config.json")
    mesh = mesh_lib.make_mesh({"data": 1, "fsdp": 1, "model": 1}, jax.devices()[:1])
    tx = optim.build(cfg.opt, cfg.train.steps)
    graphdef, abstract, _ = state_lib.init(task.build_model, cfg, tx, mesh, abstract=True)
    restored = checkpoint_lib.Checkpointer(workdir, cfg.checkpoint.max_to_keep).restore_latest(
        abstract, log=log)
    if restored is None:
        raise UserError(f"{workdir / 'checkpoints'} holds no checkpoint yet.")
    state = restored[0]
    log(f"Loaded step {int(state.step)} from {workdir / 'checkpoints'}.")
    return nnx.merge(graphdef, state.params, state.rest), cfg
