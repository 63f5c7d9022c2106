"""The one jit site: pure train and eval steps over the explicit TrainState.

A task supplies `loss_fn(model, batch, rng) -> (loss, metrics)`; the model arrives in train mode
(dropout on, BatchNorm updating its statistics) in the train step and in eval mode in the eval step.
"""

from collections.abc import Callable

import jax
import optax
from flax import nnx
from jax.sharding import NamedSharding, PartitionSpec

from jaxdl.state import TrainState

LossFn = Callable[[nnx.Module, dict, jax.Array], tuple[jax.Array, dict]]


def make_train_step(
    graphdef: nnx.GraphDef,
    loss_fn: LossFn,
    tx: optax.GradientTransformation,
    state_shardings: TrainState,
    batch_sharding: NamedSharding,
    steps_per_call: int = 1,
):
    """The jitted train step: (state, batch) -> (state, metrics). With `steps_per_call` k > 1 it
    takes k batches stacked on a new leading axis, runs k steps in one `lax.scan`, and returns
    the metrics of every step, stacked the same way."""

    def train_step(state: TrainState, batch: dict) -> tuple[TrainState, dict]:
        rng = jax.random.fold_in(state.rng, state.step)

        def loss_of(params):
            # nnx.merge reuses the Variable objects of the States it gets; `rest` is copied so
            # that its variables belong to this trace and BatchNorm may update them here.
            model = nnx.merge(graphdef, params, jax.tree.map(lambda x: x, state.rest))
            model.train()
            loss, metrics = loss_fn(model, batch, rng)
            return loss, (metrics, nnx.state(model, nnx.Not(nnx.Param)))

        (loss, (metrics, rest)), grads = jax.value_and_grad(loss_of, has_aux=True)(state.params)
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        new_state = state.replace(
            step=state.step + 1,
            params=optax.apply_updates(state.params, updates),
            rest=rest,
            opt_state=opt_state,
        )
        return new_state, {"loss": loss, "grad_norm": optax.tree.norm(grads), **metrics}

    fn, batch_in = train_step, batch_sharding
    if steps_per_call > 1:
        fn = lambda state, batches: jax.lax.scan(train_step, state, batches)  # noqa: E731
        batch_in = stacked_sharding(batch_sharding)
    # Donating the old state lets XLA update parameters and moments in place.
    return jax.jit(
        fn,
        in_shardings=(state_shardings, batch_in),
        out_shardings=(state_shardings, None),
        donate_argnums=0,
    )


def stacked_sharding(batch_sharding: NamedSharding) -> NamedSharding:
    """The sharding of batches stacked on a new leading (step) axis: that axis unsplit."""
    return NamedSharding(batch_sharding.mesh, PartitionSpec(None, *batch_sharding.spec))


def make_eval_step(graphdef: nnx.GraphDef, loss_fn: LossFn, state_shardings, batch_sharding):
    def eval_step(state: TrainState, batch: dict) -> dict:
        model = nnx.merge(graphdef, state.params, state.rest)
        model.eval()
        loss, metrics = loss_fn(model, batch, state.rng)
        return {"loss": loss, **metrics}

    return jax.jit(eval_step, in_shardings=(state_shardings, batch_sharding))
