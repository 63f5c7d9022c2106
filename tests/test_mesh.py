import jax
import numpy as np
import pytest
from flax import nnx
from jax.sharding import PartitionSpec as P

from jaxdl import config as config_lib
from jaxdl import mesh as mesh_lib
from jaxdl.errors import UserError

RULES = config_lib.DEFAULT_SHARDING_RULES


def test_eight_simulated_devices():
    assert jax.device_count() == 8


def test_minus_one_takes_the_remaining_devices():
    mesh = mesh_lib.make_mesh({"data": -1, "fsdp": 1, "model": 2})
    assert dict(mesh.shape) == {"data": 4, "fsdp": 1, "model": 2}


@pytest.mark.parametrize("sizes, words", [
    ({"data": 3, "fsdp": 1, "model": 1}, "has 3 devices but 8"),
    ({"data": -1, "fsdp": 3, "model": 1}, "not divisible by 3"),
    ({"data": -1, "fsdp": -1, "model": 1}, "at most one may be -1"),
    ({"data": 0, "fsdp": 1, "model": 8}, "must be positive"),
])
def test_impossible_mesh_is_a_clear_error(sizes, words):
    with pytest.raises(UserError, match=words):
        mesh_lib.make_mesh(sizes)


def test_batch_must_divide_over_data_parallel_axes():
    mesh = mesh_lib.make_mesh({"data": 2, "fsdp": 2, "model": 2})
    mesh_lib.check_batch(8, mesh, RULES)
    with pytest.raises(UserError, match=r"batch_size=6 .* data-parallel mesh size 4"):
        mesh_lib.check_batch(6, mesh, RULES)


def test_rules_map_logical_axes_and_replicate_what_does_not_divide():
    mesh = mesh_lib.make_mesh({"data": 2, "fsdp": 2, "model": 2})
    kernel = nnx.Param(np.zeros((16, 64)), out_sharding=("embed", "mlp"), eager_sharding=False)
    assert mesh_lib.variable_sharding(kernel, mesh, RULES).spec == P("fsdp", "model")
    odd = nnx.Param(np.zeros((65, 16)), out_sharding=("vocab", "embed"), eager_sharding=False)
    assert mesh_lib.variable_sharding(odd, mesh, RULES).spec == P(None, "fsdp")
    head = nnx.Param(np.zeros((16, 64)), out_sharding=("mlp", "vocab"), eager_sharding=False)
    assert mesh_lib.variable_sharding(head, mesh, RULES).spec == P("model", None)
    # Rules read back from config.json carry lists, not tuples.
    json_rules = [[name, list(axes) if isinstance(axes, tuple) else axes] for name, axes in RULES]
    assert mesh_lib.batch_sharding(mesh, json_rules).spec == P(("data", "fsdp"))
