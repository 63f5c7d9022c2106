"""The device mesh and the logical-axis rules that place arrays on it.

Models annotate parameters with logical axis names (`nnx.with_partitioning(init, ("embed", "mlp"))`);
a rule table maps each logical name to mesh axes (`data`, `fsdp`, `model`): `cfg.sharding` names
one of RULE_PRESETS, or `cfg.sharding_rules` spells a table out. The same model code thus runs on
one CPU, 8 simulated CPU devices, a GPU or a TPU slice.
"""

import math
from collections.abc import Mapping, Sequence

import jax
import numpy as np
from jax.sharding import AxisType, Mesh, NamedSharding, PartitionSpec

from jaxdl.config import DEFAULT_SHARDING_RULES
from jaxdl.errors import UserError

MESH_AXES = ("data", "fsdp", "model")

# Rule tables by name (`--config.sharding=NAME`). A dimension the mesh does not divide stays whole.
RULE_PRESETS = {
    # Batch over data and fsdp; weights split over fsdp on their "embed" side (FSDP / ZeRO-3:
    # gathered for each matmul, gradients reduce-scattered) and over model on their
    # "mlp"/"heads"/"vocab" side (Megatron tensor parallelism: column- then row-parallel
    # matmuls). The mesh shape picks the mix: fsdp=8 is pure FSDP, model=8 pure TP.
    "fsdp_tp": DEFAULT_SHARDING_RULES,
    # Pure data parallelism on any mesh shape: batch over every axis, every weight replicated.
    "dp": (("batch", ("data", "fsdp", "model")),),
    # FSDP over every device whatever the mesh shape: batch and the "embed" side of weights
    # over all three axes.
    "fsdp": (("batch", ("data", "fsdp", "model")), ("embed", ("data", "fsdp", "model"))),
}


def rules_of(cfg):
    """The run's rule table: cfg.sharding_rules if it spells one out, else the preset
    cfg.sharding names."""
    if cfg.get("sharding_rules"):
        return cfg.sharding_rules
    name = cfg.get("sharding", "fsdp_tp")
    if name not in RULE_PRESETS:
        raise UserError(f"sharding={name!r} is not a rule preset: choose one of "
                        f"{', '.join(RULE_PRESETS)} (or spell out sharding_rules).")
    return RULE_PRESETS[name]


def make_mesh(mesh_cfg: Mapping[str, int], devices: Sequence[jax.Device] | None = None) -> Mesh:
    """Builds a (data, fsdp, model) mesh; one axis may be -1 to take the remaining devices."""
    devices = list(devices if devices is not None else jax.devices())
    n = len(devices)
    sizes = [int(mesh_cfg[a]) for a in MESH_AXES]
    spec = ", ".join(f"{a}={s}" for a, s in zip(MESH_AXES, sizes))
    if sizes.count(-1) > 1 or any(s == 0 or s < -1 for s in sizes):
        raise UserError(f"Bad mesh ({spec}): sizes must be positive, and at most one may be -1.")
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        if n % known:
            raise UserError(f"Mesh ({spec}) cannot fill {n} devices: {n} is not divisible by {known}.")
        sizes[sizes.index(-1)] = n // known
    if math.prod(sizes) != n:
        raise UserError(
            f"Mesh ({spec}) has {math.prod(sizes)} devices but {n} are available "
            f"({devices[0].platform}). Set --config.mesh.* so that the product is {n}, or use -1."
        )
    # Auto axes: XLA propagates shardings; explicit axes would reject sharded contractions.
    return Mesh(np.asarray(devices).reshape(sizes), MESH_AXES, axis_types=(AxisType.Auto,) * 3)


def logical_to_spec(logical_axes: Sequence[str | None], rules) -> PartitionSpec:
    # Rules read back from config.json hold lists where the config file had tuples.
    rules = {name: tuple(axes) if isinstance(axes, list) else axes for name, axes in rules}
    return PartitionSpec(*(rules.get(name) if name else None for name in logical_axes))


def _fits(shape, spec: PartitionSpec, mesh: Mesh) -> PartitionSpec:
    """Replicates a dimension the mesh does not divide (a vocabulary of 65 over 2 devices), or
    whose mesh axes an earlier dimension already uses (an ("mlp", "vocab") head: both on model)."""
    axes, used = [], set()
    for dim, names in zip(shape, tuple(spec) + (None,) * (len(shape) - len(spec))):
        group = (names,) if isinstance(names, str) else tuple(names or ())
        size = math.prod(mesh.shape[a] for a in group)
        fits = group and dim % size == 0 and not used & set(group)
        axes.append(names if fits else None)
        used |= set(group) if fits else set()
    return PartitionSpec(*axes)


def variable_sharding(variable, mesh: Mesh, rules) -> NamedSharding:
    """Sharding of one nnx.Variable from its `out_sharding` logical names (replicated if none)."""
    logical = variable.get_metadata().get("out_sharding") or ()
    return NamedSharding(mesh, _fits(variable.shape, logical_to_spec(logical, rules), mesh))


def batch_sharding(mesh: Mesh, rules) -> NamedSharding:
    """Leading (batch) dimension split over the data-parallel axes, the rest replicated."""
    return NamedSharding(mesh, logical_to_spec(("batch",), rules))


def check_batch(batch_size: int, mesh: Mesh, rules, key: str = "data.batch_size") -> None:
    names = logical_to_spec(("batch",), rules)[0] or ()
    names = (names,) if isinstance(names, str) else tuple(names)
    ways = math.prod(mesh.shape[a] for a in names)
    if batch_size % ways or batch_size % jax.process_count():
        raise UserError(
            f"{key}={batch_size} must be divisible by the data-parallel mesh size {ways} "
            f"({' x '.join(f'{a}={mesh.shape[a]}' for a in names)}) and by the {jax.process_count()} "
            "process(es)."
        )


def put_batch(batch, sharding: NamedSharding):
    """Host batch (this process's rows) -> global jax.Array laid out on the mesh."""
    return jax.tree.map(lambda x: jax.make_array_from_process_local_data(sharding, x), batch)


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, PartitionSpec())


def check_batch_shapes(batch, mesh: Mesh, rules, what: str) -> None:
    """Every array of a host batch must split evenly over the data-parallel devices. Checked on
    the first batch the loop sees, so build_data needs no mesh."""
    names = logical_to_spec(("batch",), rules)[0] or ()
    names = (names,) if isinstance(names, str) else tuple(names)
    ways = math.prod(mesh.shape[a] for a in names) // jax.process_count() or 1
    for key, array in batch.items():
        if array.shape[0] % ways:
            raise UserError(
                f"The {what} batch's {key!r} has {array.shape[0]} rows per process, which the "
                f"{ways} data-parallel devices of each process "
                f"({' x '.join(f'{a}={mesh.shape[a]}' for a in names)}) do not divide: choose a "
                "batch size (data.batch_size, or the option that sets the rows) that they divide.")


def bytes_per_device(tree) -> int:
    """Bytes one device holds of the arrays of `tree` (its shard of each, by its sharding)."""
    return sum(math.prod(x.sharding.shard_shape(x.shape)) * x.dtype.itemsize
               for x in jax.tree.leaves(tree))


def describe_memory(state) -> str:
    """One log line: parameter and optimizer-state bytes per device, and their unsharded total."""
    def mib(n):
        return f"{n / 2**20:,.3g} MiB" if n < 2**30 else f"{n / 2**30:,.3g} GiB"

    total = sum(x.size * x.dtype.itemsize for x in jax.tree.leaves((state.params, state.opt_state)))
    return (f"memory per device: parameters {mib(bytes_per_device(state.params))} + optimizer "
            f"{mib(bytes_per_device(state.opt_state))} (unsharded total {mib(total)})")
