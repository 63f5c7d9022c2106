"""The train state: one explicit pytree that jit, donation, sharding and orbax all act on.

The NNX model is split once into a static `graphdef` (kept outside the state) and two `nnx.State`
trees: `params` (what the optimizer trains) and `rest` (everything else a model carries, such as
BatchNorm statistics). `nnx.merge(graphdef, params, rest)` rebuilds the module inside a step.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import nnx, struct
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxdl import mesh as mesh_lib


@struct.dataclass
class TrainState:
    step: jax.Array  # number of optimizer updates done
    params: nnx.State
    rest: nnx.State
    opt_state: optax.OptState
    rng: jax.Array  # base key; step k uses fold_in(rng, k), so resuming needs nothing more


def _build(build_model, cfg):
    # Shardings are applied by jit's out_shardings below, not eagerly at variable creation.
    with nnx.use_eager_sharding(False):
        return build_model(cfg, nnx.Rngs(cfg.seed))


def _opt_state_shardings(abstract_opt_state, param_shardings: dict, mesh: Mesh):
    """Optimizer moments mirror the params: each leaf whose path ends with a param's path (and has
    its shape) gets that param's sharding; counters and other scalars are replicated."""
    replicated = NamedSharding(mesh, PartitionSpec())

    def pick(path, leaf):
        for param_path, (shape, sharding) in param_shardings.items():
            if path[-len(param_path):] == param_path and leaf.shape == shape:
                return sharding
        return replicated

    return jax.tree_util.tree_map_with_path(pick, abstract_opt_state)


def init(
    build_model: Callable[[ml_collections.ConfigDict, nnx.Rngs], nnx.Module],
    cfg: ml_collections.ConfigDict,
    tx: optax.GradientTransformation,
    mesh: Mesh,
    abstract: bool = False,
) -> tuple[nnx.GraphDef, TrainState, TrainState]:
    """Returns (graphdef, state, state_shardings), the state initialised directly on the mesh
    (or, with `abstract`, only its shapes and shardings: a target to restore a checkpoint onto)."""
    rules = cfg.sharding_rules
    graphdef, abstract_params, abstract_rest = nnx.split(
        nnx.eval_shape(lambda: _build(build_model, cfg)), nnx.Param, ...
    )

    def shardings_of(abstract):
        return jax.tree.map(
            lambda v: v.replace(mesh_lib.variable_sharding(v, mesh, rules)),
            abstract,
            is_leaf=lambda x: isinstance(x, nnx.Variable),
        )

    param_shardings = shardings_of(abstract_params)
    by_path = {
        path: (leaf.shape, sharding)
        for (path, leaf), sharding in zip(
            jax.tree_util.tree_flatten_with_path(abstract_params)[0], jax.tree.leaves(param_shardings)
        )
    }
    replicated = NamedSharding(mesh, PartitionSpec())
    shardings = TrainState(
        step=replicated,
        params=param_shardings,
        rest=shardings_of(abstract_rest),
        opt_state=_opt_state_shardings(jax.eval_shape(tx.init, abstract_params), by_path, mesh),
        rng=replicated,
    )

    def create():
        _, params, rest = nnx.split(_build(build_model, cfg), nnx.Param, ...)
        return TrainState(
            step=jnp.zeros((), jnp.int32),
            params=params,
            rest=rest,
            opt_state=tx.init(params),
            # A stream of its own, apart from the one nnx.Rngs(seed) used for the init.
            rng=jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 1),
        )

    init_fn = jax.jit(create, out_shardings=shardings)
    state = init_fn.eval_shape() if abstract else init_fn()
    return graphdef, state, shardings


def count_params(params: nnx.State) -> int:
    return sum(x.size for x in jax.tree.leaves(params))
