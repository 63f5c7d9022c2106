"""`fit`: the one training loop that every topic uses.

A task is any object (usually the experiment's module) with
    build_model(cfg, rngs) -> nnx.Module
    build_data(cfg, mesh) -> jaxdl.data.Data     (may fill data-derived cfg fields, e.g. vocab size)
    loss_fn(model, batch, rng) -> (loss, metrics)
    evaluate(model, data) -> dict                (optional; default: mean loss_fn metrics per split)
and `fit` does the rest: mesh, sharded init, jit, checkpoints and resume, eval and log cadence,
the NaN stop and the SIGTERM save.
"""

import json
import math
import pathlib
import signal
import threading
import time

import jax
import ml_collections
from flax import nnx

from jaxdl import checkpoint as checkpoint_lib
from jaxdl import config as config_lib
from jaxdl import mesh as mesh_lib
from jaxdl import optim
from jaxdl import state as state_lib
from jaxdl import step as step_lib
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


def fit(cfg: ml_collections.ConfigDict, workdir, task, devices=None) -> dict[str, float]:
    """Trains `task` as `cfg` says, in `workdir`; resumes if it holds checkpoints.

    `devices` defaults to all of them. Returns the last logged train metrics and the last
    evaluation.
    """
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rules = cfg.sharding_rules
    mesh = mesh_lib.make_mesh(cfg.mesh, devices)
    mesh_lib.check_batch(cfg.data.batch_size, mesh, rules)
    data = task.build_data(cfg, mesh)
    _record_config(cfg, workdir)

    steps = cfg.train.steps
    tx = optim.build(cfg.opt, steps)
    graphdef, state, shardings = state_lib.init(task.build_model, cfg, tx, mesh)
    batch_sharding = mesh_lib.batch_sharding(mesh, rules)
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

    train_step = step_lib.make_train_step(graphdef, task.loss_fn, tx, shardings, batch_sharding)
    eval_step = step_lib.make_eval_step(graphdef, task.loss_fn, shardings, batch_sharding)

    def evaluate(state) -> dict[str, float]:
        if hasattr(task, "evaluate"):
            model = nnx.merge(graphdef, state.params, state.rest)
            model.eval()
            return {k: float(v) for k, v in task.evaluate(model, data).items()}
        return _default_evaluate(eval_step, state, data, batch_sharding)

    last_train, last_eval = {}, {}
    last_good_checkpoint = max(checkpointer.steps(), default=None)
    clock = {"time": None, "step": int(state.step)}  # throughput window, started once compiled

    def read(step: int, metrics) -> None:
        """Reads one step's metrics (a step late, so dispatch never waits); logs; stops on NaN."""
        nonlocal last_train
        values = {k: float(v) for k, v in jax.device_get(metrics).items()}
        if not (math.isfinite(values["loss"]) and math.isfinite(values["grad_norm"])):
            where = (f"step {last_good_checkpoint}, in {checkpointer.directory}"
                     if last_good_checkpoint is not None else "none was saved")
            raise TrainingDiverged(
                f"Training diverged at step {step}: loss={values['loss']}, "
                f"grad_norm={values['grad_norm']}. The last good checkpoint is {where}; "
                "try a lower --config.opt.lr or a stronger --config.opt.grad_clip."
            )
        if clock["time"] is None:
            clock.update(time=time.perf_counter(), step=step)
        if step % cfg.train.log_every == 0 or step == steps:
            last_train = {f"train/{k}": v for k, v in values.items()}
            writer.write(step, last_train)
            elapsed, done = time.perf_counter() - clock["time"], step - clock["step"]
            speed = ""
            if done > 0:
                per_step = elapsed / done
                speed = (f" | {1000 * per_step:.1f} ms/step | "
                         f"{data.per_batch / per_step:,.0f} {data.unit}/s | "
                         f"ETA {_format_eta(per_step * (steps - step))}")
            log(f"step {step}/{steps} | loss {values['loss']:.4f}{speed}")

    def save(step: int) -> None:
        nonlocal last_good_checkpoint
        checkpointer.save(step, state, data.train.get_state())
        last_good_checkpoint = step

    pending = None
    try:
        with _Preemption() as preemption:
            for step in range(int(state.step) + 1, steps + 1):
                batch = mesh_lib.put_batch(next(data.train), batch_sharding)
                state, metrics = train_step(state, batch)
                if pending is not None:
                    read(*pending)
                pending = (step, metrics)
                do_eval = step % cfg.train.eval_every == 0 or step == steps
                do_save = step % cfg.checkpoint.every == 0 or step == steps or preemption.requested
                if do_eval or do_save:
                    read(*pending)  # a checkpoint is only written once its step is known finite
                    pending = None
                    pause = time.perf_counter()
                    if do_eval:
                        last_eval = evaluate(state)
                        writer.write(step, last_eval)
                        log(f"step {step}/{steps} | " + " | ".join(
                            f"{k} {v:.4f}" for k, v in sorted(last_eval.items())))
                    if do_save:
                        save(step)
                    if clock["time"] is not None:  # eval and saving are not training throughput
                        clock["time"] += time.perf_counter() - pause
                if preemption.requested:
                    checkpointer.wait()
                    log(f"SIGTERM: saved checkpoint {step} and stopped; run again to resume.")
                    break
            if pending is not None:
                read(*pending)
    finally:  # also on divergence or an error: finish the checkpoint being written
        checkpointer.wait()
        checkpointer.close()
        writer.close()
    return {**last_train, **last_eval}



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
