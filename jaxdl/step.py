"""The one jit site: pure train and eval steps over the explicit TrainState, and their jitted,
sharded forms.

A task supplies `loss_fn(model, batch, rng) -> (loss, metrics)`; the model arrives in train mode
(dropout on, BatchNorm updating its statistics) in the train step and in eval mode in the eval step.

`train.steps_per_call = k > 1` runs k optimizer steps per jitted call, one `lax.scan` over k
batches stacked on a new, unsplit leading axis: small models then spend less of each step on the
host's per-call work. Everything about k lives here: the check of the cadences, the stacking of
the input, the scan, and the unstacking of the metrics.
"""

from collections.abc import Callable, Iterator

import jax
import numpy as np
import optax
from flax import nnx
from jax.sharding import NamedSharding, PartitionSpec

from jaxdl import mesh as mesh_lib
from jaxdl.errors import UserError
from jaxdl.state import TrainState

LossFn = Callable[[nnx.Module, dict, jax.Array], tuple[jax.Array, dict]]
StepFn = Callable[[TrainState, dict], tuple[TrainState, dict]]


def pure_train_step(graphdef: nnx.GraphDef, loss_fn: LossFn,
                    tx: optax.GradientTransformation) -> StepFn:
    """(state, batch) -> (state, metrics), unjitted: one optimizer step. Metrics hold the loss,
    the gradient's global norm, and what loss_fn returned."""

    def train_step(state: TrainState, batch: dict) -> tuple[TrainState, dict]:
        rng = jax.random.fold_in(state.rng, state.step)

        def loss_of(params):
            # nnx.merge reuses the Variable objects of the States it gets; model_state is copied so
            # that its variables belong to this trace and BatchNorm may update them here.
            model = nnx.merge(graphdef, params, jax.tree.map(lambda x: x, state.model_state))
            model.train()
            loss, metrics = loss_fn(model, batch, rng)
            return loss, (metrics, nnx.state(model, nnx.Not(nnx.Param)))

        (loss, (metrics, model_state)), grads = jax.value_and_grad(loss_of, has_aux=True)(state.params)
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        new_state = state.replace(
            step=state.step + 1,
            params=optax.apply_updates(state.params, updates),
            model_state=model_state,
            opt_state=opt_state,
        )
        return new_state, {"loss": loss, "grad_norm": optax.tree.norm(grads), **metrics}

    return train_step


def make_train_step(graphdef, loss_fn: LossFn, tx, state_shardings: TrainState,
                    batch_sharding: NamedSharding, steps_per_call: int = 1) -> StepFn:
    """The jitted, sharded train step. With `steps_per_call` k > 1 it takes k batches stacked on a
    new leading axis (`next_input`) and returns every step's metrics stacked the same way."""
    step, batch_in = pure_train_step(graphdef, loss_fn, tx), batch_sharding
    if steps_per_call > 1:
        one_step = step
        step = lambda state, batches: jax.lax.scan(one_step, state, batches)  # noqa: E731
        batch_in = stacked_sharding(batch_sharding)
    # Donating the old state lets XLA update parameters and moments in place.
    return jax.jit(step, in_shardings=(state_shardings, batch_in),
                   out_shardings=(state_shardings, None), donate_argnums=0)


def vmapped_train_step(graphdef, loss_fn: LossFn, tx) -> StepFn:
    """One jitted call that steps many models at once: states stacked on a leading axis
    (`jaxdl.state.stack`), one shared batch. For studies that train many small models side by
    side (seeds, inits, learning rates kept in the optimizer state); on one device."""
    return jax.jit(jax.vmap(pure_train_step(graphdef, loss_fn, tx), in_axes=(0, None)))


def make_eval_step(graphdef: nnx.GraphDef, loss_fn: LossFn, state_shardings, batch_sharding):
    """The jitted, sharded eval step: (state, batch) -> {"loss": ..., **metrics}, model in eval mode."""

    def eval_step(state: TrainState, batch: dict) -> dict:
        model = nnx.merge(graphdef, state.params, state.model_state)
        model.eval()
        loss, metrics = loss_fn(model, batch, state.rng)
        return {"loss": loss, **metrics}

    return jax.jit(eval_step, in_shardings=(state_shardings, batch_sharding))


def stacked_sharding(batch_sharding: NamedSharding) -> NamedSharding:
    """The sharding of batches stacked on a new leading (step) axis: that axis unsplit."""
    return NamedSharding(batch_sharding.mesh, PartitionSpec(None, *batch_sharding.spec))


def check_steps_per_call(cfg) -> int:
    """train.steps_per_call, checked: evaluations and checkpoints fall between calls, so their
    cadences must be multiples of it."""
    k = cfg.train.steps_per_call
    if k < 1:
        raise UserError(f"train.steps_per_call={k} must be at least 1.")
    for key in ("train.steps", "train.eval_every", "checkpoint.every"):
        section, name = key.split(".")
        if cfg[section][name] % k:
            raise UserError(f"{key}={cfg[section][name]} must be a multiple of "
                            f"train.steps_per_call={k}: a jitted call runs {k} steps at once.")
    return k


def next_input(batches: Iterator[dict], k: int, batch_sharding: NamedSharding):
    """The train step's next input on the mesh: one batch, or k batches stacked on a new axis."""
    if k == 1:
        return mesh_lib.put_batch(next(batches), batch_sharding)
    stacked = jax.tree.map(lambda *rows: np.stack(rows), *(next(batches) for _ in range(k)))
    return mesh_lib.put_batch(stacked, stacked_sharding(batch_sharding))


def unstack_metrics(metrics: dict, k: int) -> list[dict]:
    """One call's metrics (fetched to the host) as a list of k per-step dicts."""
    if k == 1:
        return [metrics]
    return [{name: values[i] for name, values in metrics.items()} for i in range(k)]
