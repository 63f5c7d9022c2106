"""The one jit site: pure train and eval steps over the explicit TrainState, and their jitted,
sharded forms.

A task supplies `loss_fn(model, batch, rng) -> (loss, metrics)`; the model arrives in train mode
(dropout on, BatchNorm updating its statistics) in the train step and in eval mode in the eval step.

`train.steps_per_call = k > 1` runs k optimizer steps per jitted call, one `lax.scan` over k
batches stacked on a new, unsplit leading axis: small models then spend less of each step on the
host's per-call work. Everything about k lives here: the check of the cadences, the stacking of
the input, the scan, and the unstacking of the metrics.

`train.grad_accum = A > 1` takes A batches of `data.batch_size` rows per optimizer step (stacked
on another unsplit leading axis, inside the steps axis) and averages their gradients in a
`lax.scan`: the update of one batch of A x batch_size rows (exactly, for a loss that is a mean over
rows) with the activation memory of one micro-batch.

The jitted train and eval steps take and return the state as its list of leaves
(`jax.tree.leaves(state)`, in the order of `state_shardings`): jit then flattens a flat list of
arrays on each call instead of the NNX variables of a TrainState, which made a trivial call over
a small transformer's state several times slower (tests/benchmarks/host_overhead.py).

Mixed precision (`model.dtype`, e.g. bfloat16): the parameters stay in `model.param_dtype` (float32
master weights, which the optimizer updates) and are cast to the compute dtype as the model is
rebuilt inside each step, so every topic's matmuls and activations run in it; gradients flow back
through the cast in float32. Attention's softmax, the norms' statistics and the loss
(`jaxdl.losses`) compute in float32.
"""

import math
from collections.abc import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import NamedSharding, PartitionSpec

from jaxdl import mesh as mesh_lib
from jaxdl.errors import UserError
from jaxdl.state import TrainState

LossFn = Callable[[nnx.Module, dict, jax.Array], tuple[jax.Array, dict]]
StepFn = Callable[[TrainState, dict], tuple[TrainState, dict]]


def compute_dtype(cfg):
    """The dtype the model computes in: cfg.model.dtype where a topic's config has it."""
    return jnp.dtype(cfg.get("model", {}).get("dtype", "float32"))


def cast_params(params, dtype):
    """Floating-point parameters in the compute dtype (a no-op for float32)."""
    return jax.tree.map(
        lambda p: p.astype(dtype) if jnp.issubdtype(p.dtype, jnp.floating) else p, params)


def pure_train_step(graphdef: nnx.GraphDef, loss_fn: LossFn,
                    tx: optax.GradientTransformation, grad_accum: int = 1,
                    dtype=jnp.float32) -> StepFn:
    """(state, batch) -> (state, metrics), unjitted: one optimizer step. Metrics hold the loss,
    the gradient's global norm, and what loss_fn returned. With `grad_accum` A > 1 the batch
    holds A micro-batches on a leading axis; loss, metrics and gradients are their means.
    `dtype`: the compute dtype the parameters are cast to inside the step."""

    def loss_and_grads(params, model_state, batch, rng):
        def loss_of(params):
            # nnx.merge reuses the Variable objects of the States it gets; model_state is copied so
            # that its variables belong to this trace and BatchNorm may update them here.
            model = nnx.merge(graphdef, cast_params(params, dtype),
                              jax.tree.map(lambda x: x, model_state))
            model.train()
            loss, metrics = loss_fn(model, batch, rng)
            return loss, (metrics, nnx.state(model, nnx.Not(nnx.Param)))

        (loss, (metrics, model_state)), grads = jax.value_and_grad(loss_of, has_aux=True)(params)
        return loss, metrics, model_state, grads

    def accumulated(params, model_state, batches, rng):
        def micro_step(carry, micro):
            grad_sum, model_state = carry
            i, batch = micro
            loss, metrics, model_state, grads = loss_and_grads(params, model_state, batch,
                                                               jax.random.fold_in(rng, i))
            return (jax.tree.map(jnp.add, grad_sum, grads), model_state), (loss, metrics)

        zeros = jax.tree.map(jnp.zeros_like, params)
        (grad_sum, model_state), (losses, metrics) = jax.lax.scan(
            micro_step, (zeros, model_state), (jnp.arange(grad_accum), batches))
        grads = jax.tree.map(lambda g: g / grad_accum, grad_sum)
        return losses.mean(), jax.tree.map(lambda x: x.mean(0), metrics), model_state, grads

    def train_step(state: TrainState, batch: dict) -> tuple[TrainState, dict]:
        rng = jax.random.fold_in(state.rng, state.step)
        compute = loss_and_grads if grad_accum == 1 else accumulated
        loss, metrics, model_state, grads = compute(state.params, state.model_state, batch, rng)
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
                    batch_sharding: NamedSharding, steps_per_call: int = 1,
                    grad_accum: int = 1, dtype=jnp.float32) -> StepFn:
    """The jitted, sharded train step: (leaves, batch) -> (leaves, metrics), the state as
    `jax.tree.leaves(state)`; `state_shardings` is the state's tree with a sharding per leaf.
    With `steps_per_call` k > 1 it takes k batches stacked on a new leading axis (`next_input`)
    and returns every step's metrics stacked the same way; with `grad_accum` A > 1 each step's
    batch is A micro-batches stacked on the next axis."""
    step = pure_train_step(graphdef, loss_fn, tx, grad_accum, dtype)
    if steps_per_call > 1:
        one_step = step
        step = lambda state, batches: jax.lax.scan(one_step, state, batches)  # noqa: E731
    treedef = jax.tree.structure(state_shardings)

    def step_on_leaves(leaves, batch):
        state, metrics = step(jax.tree.unflatten(treedef, leaves), batch)
        return jax.tree.leaves(state), metrics

    batch_in = stacked_sharding(batch_sharding, len(_stack_shape(steps_per_call, grad_accum)))
    leaf_shardings = jax.tree.leaves(state_shardings)
    # Donating the old state lets XLA update parameters and moments in place.
    return jax.jit(step_on_leaves, in_shardings=(leaf_shardings, batch_in),
                   out_shardings=(leaf_shardings, None), donate_argnums=0)


def vmapped_train_step(graphdef, loss_fn: LossFn, tx) -> StepFn:
    """One jitted call that steps many models at once: states stacked on a leading axis
    (`jaxdl.state.stack`), one shared batch. For studies that train many small models side by
    side (seeds, inits, learning rates kept in the optimizer state); on one device."""
    return jax.jit(jax.vmap(pure_train_step(graphdef, loss_fn, tx), in_axes=(0, None)))


# The eval step's output key for the batch's mask sum: the weight of its metrics in a split's mean.
EVAL_WEIGHT = "_weight"


def make_eval_step(graphdef: nnx.GraphDef, loss_fn: LossFn, state_shardings, batch_sharding,
                   dtype=jnp.float32):
    """The jitted, sharded eval step: (leaves, batch) -> {"loss": ..., **metrics}, the state as
    in `make_train_step`, model in eval mode; a batch with a "mask" adds its (global) sum under
    EVAL_WEIGHT."""
    treedef = jax.tree.structure(state_shardings)

    def eval_step(leaves: list, batch: dict) -> dict:
        state: TrainState = jax.tree.unflatten(treedef, leaves)
        model = nnx.merge(graphdef, cast_params(state.params, dtype), state.model_state)
        model.eval()
        loss, metrics = loss_fn(model, batch, state.rng)
        weight = {EVAL_WEIGHT: batch["mask"].sum()} if "mask" in batch else {}
        return {"loss": loss, **metrics, **weight}

    return jax.jit(eval_step, in_shardings=(jax.tree.leaves(state_shardings), batch_sharding))


def stacked_sharding(batch_sharding: NamedSharding, axes: int = 1) -> NamedSharding:
    """The sharding of batches stacked on `axes` new leading (step, micro-batch) axes: unsplit."""
    return NamedSharding(batch_sharding.mesh, PartitionSpec(*(None,) * axes, *batch_sharding.spec))


def _stack_shape(steps_per_call: int, grad_accum: int) -> tuple[int, ...]:
    """The leading axes a train input stacks its batches on: (k,), (A,), (k, A) or none."""
    return tuple(n for n in (steps_per_call, grad_accum) if n > 1)


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


def check_grad_accum(cfg) -> int:
    """train.grad_accum: micro-batches of data.batch_size rows per optimizer step."""
    accum = cfg.train.grad_accum
    if accum < 1:
        raise UserError(f"train.grad_accum={accum} must be at least 1.")
    return accum


def next_input(batches: Iterator[dict], k: int, batch_sharding: NamedSharding,
               grad_accum: int = 1):
    """The train step's next input on the mesh: one batch, or k x A batches stacked on new
    leading axes (k steps per call, A micro-batches per step)."""
    lead = _stack_shape(k, grad_accum)
    if not lead:
        return mesh_lib.put_batch(next(batches), batch_sharding)
    drawn = [next(batches) for _ in range(math.prod(lead))]
    stacked = jax.tree.map(lambda *rows: np.stack(rows).reshape(*lead, *rows[0].shape), *drawn)
    return mesh_lib.put_batch(stacked, stacked_sharding(batch_sharding, len(lead)))


def unstack_metrics(metrics: dict, k: int) -> list[dict]:
    """One call's metrics (fetched to the host) as a list of k per-step dicts."""
    if k == 1:
        return [metrics]
    return [{name: values[i] for name, values in metrics.items()} for i in range(k)]
