"""Scaling on one machine: gradient accumulation equals the large batch; FSDP and tensor-parallel
meshes reproduce the 1-device losses and hold 1/8 of the sharded parameters per device."""

import json

import jax
import ml_collections
import numpy as np
import pytest
from flax import nnx

from jaxdl import mesh as mesh_lib
from jaxdl import optim, profiling, train
from jaxdl import state as state_lib
from jaxdl import step as step_lib
from jaxdl.errors import UserError
from jaxdl.logging import read_metrics
from jaxdl.tasks import nanogpt
from testlib import nanogpt_smoke


smoke = nanogpt_smoke



def train_losses(workdir):
    return [m["train/loss"] for m in read_metrics(workdir) if "train/loss" in m]


def test_grad_accum_of_4_batches_of_12_equals_one_batch_of_48():
    cfg = smoke()
    cfg.data.batch_size = 12
    data = nanogpt.build_data(cfg)
    model = nanogpt.build_model(cfg, ml_collections.ConfigDict(data.spec), nnx.Rngs(0))
    tx = optim.build(cfg.opt, cfg.train.steps)
    graphdef, start = state_lib.create(model, tx, seed=0)
    big_step = jax.jit(step_lib.pure_train_step(graphdef, nanogpt.loss_fn, tx))
    accum_step = jax.jit(step_lib.pure_train_step(graphdef, nanogpt.loss_fn, tx, grad_accum=4))
    big = accumulated = start
    for _ in range(3):
        micro = [next(data.train) for _ in range(4)]
        big, big_metrics = big_step(big, jax.tree.map(lambda *b: np.concatenate(b), *micro))
        accumulated, accum_metrics = accum_step(accumulated,
                                                jax.tree.map(lambda *b: np.stack(b), *micro))
        for key in ("loss", "grad_norm"):
            np.testing.assert_allclose(accum_metrics[key], big_metrics[key], rtol=1e-5)
    for a, b in zip(jax.tree.leaves(accumulated.params), jax.tree.leaves(big.params)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


@pytest.mark.slow  # several compiled runs: outside the CI budget
def test_grad_accum_in_the_loop_draws_micro_batches_in_order(tmp_path):
    cfg = smoke(steps=4, log_every=2, eval_every=4, grad_accum=2, steps_per_call=2)
    cfg.checkpoint.every = 4
    train.fit(cfg, tmp_path, nanogpt, devices=jax.devices()[:2])
    # 4 steps x 2 micro-batches: the checkpoint records the iterator 8 batches on.
    saved = tmp_path / "checkpoints/4/data/metadata"
    assert json.loads(saved.read_text())["next_index"] == 8
    with pytest.raises(UserError, match="grad_accum=0 must be at least 1"):
        step_lib.check_grad_accum(smoke(grad_accum=0))


def param_bytes(cfg, devices):
    run = train.prepare(cfg, nanogpt, devices)
    return (mesh_lib.bytes_per_device(run.state.params),
            mesh_lib.bytes_per_device(run.state.opt_state), run.state.params)


@pytest.mark.slow  # several compiled runs: outside the CI budget
def test_fsdp_and_tensor_parallel_meshes_equal_one_device_and_split_the_parameters(tmp_path):
    cfg = smoke(steps=3, log_every=1, eval_every=3)
    cfg.data.batch_size = 8
    train.fit(cfg, tmp_path / "one", nanogpt, devices=jax.devices()[:1])
    one = train_losses(tmp_path / "one")
    whole_params, whole_opt, params = param_bytes(cfg, jax.devices()[:1])
    for name, mesh in [("fsdp", dict(data=1, fsdp=8, model=1)),
                       ("tp", dict(data=1, fsdp=1, model=8))]:
        cfg.mesh.update(mesh)
        train.fit(cfg, tmp_path / name, nanogpt)
        np.testing.assert_allclose(train_losses(tmp_path / name), one, rtol=0, atol=1e-5)
        sharded_params, sharded_opt, _ = param_bytes(cfg, jax.devices())
        if name == "fsdp":  # every parameter has an "embed" side of 32 = 4 x 8 rows
            assert sharded_params * 8 == whole_params
            counters = whole_opt - 2 * whole_params  # AdamW's step counts: scalars, replicated
            assert sharded_opt == 2 * whole_params // 8 + counters
        else:  # tensor parallelism splits only the blocks' matrices; embeddings, norms stay whole
            matrices = sum(x.size * 4 for path, x in jax.tree_util.tree_leaves_with_path(params)
                           if "blocks" in jax.tree_util.keystr(path) and x.ndim == 2)
            assert sharded_params == whole_params - matrices + matrices // 8


@pytest.mark.slow  # several compiled runs: outside the CI budget
def test_profile_writes_a_trace_of_the_chosen_steps(tmp_path):
    cfg = smoke(steps=4, log_every=2, eval_every=4, profile="2:3")
    train.fit(cfg, tmp_path, nanogpt, devices=jax.devices()[:1])
    traces = list((tmp_path / "profile").rglob("*.xplane.pb"))
    assert len(traces) == 1 and traces[0].stat().st_size > 0
    # Read back: the train step's kernels (its matmuls among them), with runs for steps 2 and 3.
    times = profiling.kernel_times(tmp_path)
    step_ops = {op: runs for (module, op), (_, runs) in times.items()
                if module == "jit_step_on_leaves"}
    assert any(op.startswith(("dot", "ynn_fusion")) for op in step_ops)
    assert max(step_ops.values()) >= 2
    with pytest.raises(UserError, match="write START:STOP"):
        train.fit(smoke(profile="3"), tmp_path / "bad", nanogpt, devices=jax.devices()[:1])
