"""The train state: one explicit pytree that jit, donation, sharding and orbax all act on.

The NNX model is split once into a static `graphdef` (kept outside the state) and two `nnx.State`
trees: `params` (what the optimizer trains) and `model_state` (every other variable the model
carries, such as BatchNorm statistics). `nnx.merge(graphdef, params, model_state)` rebuilds the
module inside a step.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import ml_collections
import optax
from flax import nnx, struct
from jax.sharding import Mesh

from jaxdl import mesh as mesh_lib


@struct.dataclass
class TrainState:
    step: jax.Array  # number of optimizer updates done
    params: nnx.State
    model_state: nnx.State  # the model's variables that are not parameters (BatchNorm statistics)
    opt_state: optax.OptState
    rng: jax.Array  # base key; step k uses fold_in(rng, k), so resuming needs nothing more


ModelFactory = Callable[[nnx.Rngs], nnx.Module]


def _build(make_model: ModelFactory, seed: int) -> nnx.Module:
    # Shardings are applied by jit's out_shardings below, not eagerly at variable creation.
    with nnx.use_eager_sharding(False):
        return make_model(nnx.Rngs(seed))


def _opt_state_shardings(abstract_opt_state, param_shardings: dict, mesh: Mesh):
    """Optimizer moments mirror the params: each leaf whose path ends with a param's path (and has
    its shape) gets that param's sharding; counters and other scalars are replicated."""
    replicated = mesh_lib.replicated(mesh)

    def pick(path, leaf):
        for param_path, (shape, sharding) in param_shardings.items():
            if path[-len(param_path):] == param_path and leaf.shape == shape:
                return sharding
        return replicated

    return jax.tree_util.tree_map_with_path(pick, abstract_opt_state)


def abstract_model(make_model: ModelFactory, seed: int):
    """(graphdef, params, model_state) of the model as shapes only; nothing is computed."""
    return nnx.split(nnx.eval_shape(lambda: _build(make_model, seed)), nnx.Param, ...)


def variable_shardings(abstract: nnx.State, mesh: Mesh, rules) -> nnx.State:
    """Each variable's sharding on `mesh`, from the logical axes it names and `rules`."""
    return jax.tree.map(
        lambda v: v.replace(mesh_lib.variable_sharding(v, mesh, rules)),
        abstract,
        is_leaf=lambda x: isinstance(x, nnx.Variable),
    )


def init(
    make_model: ModelFactory,
    cfg: ml_collections.ConfigDict,
    tx: optax.GradientTransformation,
    mesh: Mesh,
    abstract: bool = False,
) -> tuple[nnx.GraphDef, TrainState, TrainState]:
    """Returns (graphdef, state, state_shardings), the state initialised directly on the mesh
    (or, with `abstract`, only its shapes and shardings: a target to restore a checkpoint onto).
    `make_model(rngs)` builds the model; `cfg.seed` seeds it, its rule table
    (`mesh.rules_of`) places it."""
    graphdef, abstract_params, abstract_rest = abstract_model(make_model, cfg.seed)
    param_shardings = variable_shardings(abstract_params, mesh, mesh_lib.rules_of(cfg))
    by_path = {
        path: (leaf.shape, sharding)
        for (path, leaf), sharding in zip(
            jax.tree_util.tree_flatten_with_path(abstract_params)[0],
            jax.tree.leaves(param_shardings))
    }
    replicated = mesh_lib.replicated(mesh)
    shardings = TrainState(
        step=replicated,
        params=param_shardings,
        model_state=variable_shardings(abstract_rest, mesh, mesh_lib.rules_of(cfg)),
        opt_state=_opt_state_shardings(jax.eval_shape(tx.init, abstract_params), by_path, mesh),
        rng=replicated,
    )

    def create_on_mesh():
        model = _build(make_model, cfg.seed)
        param_dtype = cfg.get("model", {}).get("param_dtype", "float32")
        if param_dtype != "float32":  # e.g. bfloat16 weights, optimizer moments alike
            nnx.update(model, jax.tree.map(lambda p: p.astype(param_dtype),
                                           nnx.state(model, nnx.Param)))
        return create(model, tx, cfg.seed)[1]

    init_fn = jax.jit(create_on_mesh, out_shardings=shardings)
    state = init_fn.eval_shape() if abstract else init_fn()
    return graphdef, state, shardings


def create(model: nnx.Module, tx: optax.GradientTransformation,
           seed: int) -> tuple[nnx.GraphDef, TrainState]:
    """(graphdef, state) of a model that exists, on the default device: step 0, fresh optimizer
    state, and the train steps' base key drawn from `seed`."""
    graphdef, params, model_state = nnx.split(model, nnx.Param, ...)
    return graphdef, TrainState(
        step=jnp.zeros((), jnp.int32),
        params=params,
        model_state=model_state,
        opt_state=tx.init(params),
        # A stream of its own, apart from the one nnx.Rngs(seed) used for the init.
        rng=jax.random.fold_in(jax.random.PRNGKey(seed), 1),
    )


def stack(states: list[TrainState]) -> TrainState:
    """States of models with one graph, stacked on a new leading axis (for a vmapped step)."""
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *states)


def unstack(state: TrainState, i: int) -> TrainState:
    """The i-th state of a stacked one."""
    return jax.tree.map(lambda leaf: leaf[i], state)


def count_params(params: nnx.State) -> int:
    return sum(x.size for x in jax.tree.leaves(params))
