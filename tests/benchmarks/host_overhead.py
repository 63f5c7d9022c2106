"""Where a small model's step time goes: kernels, matmuls, and the host's per-call work.

  JAXDL_DATA_DIR=... python tests/benchmarks/host_overhead.py

Prints, for the nanoGPT `:cpu` train step, the share of kernel time in matmul fusions (from a
jax.profiler trace of 20 steps); for makemore's transformer state, how long dispatching a trivial
jitted call takes with the state as NNX variables and as plain arrays; the train step of small
models (one step per call) jitted over the TrainState, as the loop once did, against the loop's
step over the state's leaves, alternating in one run; and what one KV-cached decoded token of the
nanoGPT `:cpu` model costs.
"""

import collections
import glob
import gzip
import importlib.util
import json
import pathlib
import statistics
import tempfile
import time

import jax
import jax.numpy as jnp
import ml_collections
from flax import nnx

from jaxdl import mesh as mesh_lib
from jaxdl import step as step_lib
from jaxdl import train
from jaxdl.bench import call_times
from jaxdl.runtime import keep_freed_memory
from jaxdl.sample import _extend
from jaxdl.tasks import makemore, nanogpt

REPO = pathlib.Path(__file__).resolve().parents[2]


def config(relative_path: str, arg: str):
    spec = importlib.util.spec_from_file_location("config", REPO / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(arg)


def median_ms(fn, repeats: int = 50) -> float:
    return 1e3 * statistics.median(call_times(fn, repeats))


def step_dispatch_ms(run, batch) -> float:
    """Median time until `run.train_step` returns (the host's part; the device may still run)."""
    leaves, times = jax.tree.map(jnp.copy, run.leaves), []  # the step donates its input
    for i in range(40):
        start = time.perf_counter()
        leaves, _ = run.train_step(leaves, batch)
        if i >= 10:
            times.append(time.perf_counter() - start)
        jax.block_until_ready(leaves)
    return 1e3 * statistics.median(times)


def step_over_train_state(run, task, cfg):
    """The train step jitted over the TrainState itself (NNX variables in it), as the loop did
    before it kept the state as leaves: same computation, same shardings, same donation."""
    shardings = jax.tree.unflatten(run.treedef, [leaf.sharding for leaf in run.leaves])
    step = step_lib.pure_train_step(run.graphdef, task.loss_fn, train.build_optimizer(cfg, task))
    return jax.jit(step, in_shardings=(shardings, run.batch_sharding),
                   out_shardings=(shardings, None), donate_argnums=0)


def state_as_leaves(rounds: int = 6, steps: int = 50) -> None:
    """ms per step, steps dispatched back to back, of the two forms, alternating block by block."""
    models = {"makemore transformer": ("experiments/makemore/names.py", "transformer", makemore),
              "nanoGPT smoke": ("experiments/nanogpt/shakespeare_char.py", "smoke", nanogpt)}
    for name, (path, preset, task) in models.items():
        cfg = config(path, preset)
        cfg.train.steps_per_call = 1
        run = train.prepare(cfg, task, jax.devices()[:1])
        batch = mesh_lib.put_batch(next(run.data.train), run.batch_sharding)
        forms = {"TrainState": (step_over_train_state(run, task, cfg), run.state),
                 "leaves": (run.train_step, run.leaves)}
        times = {form: [] for form in forms}
        for _ in range(rounds + 1):  # the first round compiles and warms up
            for form, (step, state) in forms.items():
                state = jax.tree.map(jnp.copy, state)  # the step donates its input
                start = time.perf_counter()
                for _ in range(steps):
                    state, metrics = step(state, batch)
                jax.block_until_ready((state, metrics))
                times[form].append(1e3 * (time.perf_counter() - start) / steps)
        print(f"{name} ({len(run.leaves)} state leaves), ms per train step, median of {rounds} "
              f"alternating blocks of {steps}: "
              + ", ".join(f"over the {form} {statistics.median(t[1:]):.2f} "
                          f"(range {min(t[1:]):.2f}-{max(t[1:]):.2f})"
                          for form, t in times.items()))


def kernel_time_split(steps: int = 20) -> None:
    run = train.prepare(config("experiments/nanogpt/shakespeare_char.py", "cpu"), nanogpt,
                      jax.devices()[:1])
    batch = mesh_lib.put_batch(next(run.data.train), run.batch_sharding)
    print(f"nanoGPT :cpu: calling the train step takes the host {step_dispatch_ms(run, batch):.2f} "
          f"ms ({len(run.leaves)} state leaves)")
    leaves = run.leaves
    for _ in range(5):
        leaves, _ = run.train_step(leaves, batch)
    jax.block_until_ready(leaves)
    with tempfile.TemporaryDirectory() as folder:
        with jax.profiler.trace(folder, create_perfetto_trace=True):
            for _ in range(steps):
                leaves, _ = run.train_step(leaves, batch)
            jax.block_until_ready(leaves)
        trace = glob.glob(f"{folder}/**/*.trace.json.gz", recursive=True)[0]
        events = json.load(gzip.open(trace))["traceEvents"]
    host = ("$", "Thunk", "Pjit", "Await", "Parse", "Execute", "Slinky")  # not kernels
    kernels = collections.Counter()
    for e in events:
        if e.get("ph") == "X" and "dur" in e and not e["name"].startswith(host) \
                and not any(h in e["name"] for h in host[1:]):
            kernels[e["name"]] += e["dur"]
    total = sum(kernels.values())
    matmul = sum(t for name, t in kernels.items() if name.startswith(("ynn_fusion", "dot")))
    print(f"nanoGPT :cpu step: {len(kernels)} kernels, {total / steps / 1e3:.1f} ms of kernel "
          f"time per step (summed over threads), {matmul / total:.0%} in matmul fusions")


def dispatch_cost() -> None:
    cfg = config("experiments/makemore/names.py", "transformer")
    cfg.train.steps_per_call = 1
    run = train.prepare(cfg, makemore, jax.devices()[:1])
    batch = mesh_lib.put_batch(next(run.data.train), run.batch_sharding)
    print(f"makemore transformer: calling the train step (one step per call) takes the host "
          f"{step_dispatch_ms(run, batch):.2f} ms")

    def bump(tree):
        return jax.tree.map(lambda x: x + 1 if jnp.issubdtype(x.dtype, jnp.floating) else x, tree)

    def timed(tree):
        step = jax.jit(bump, donate_argnums=0)
        box = [jax.tree.map(jnp.copy, tree)]

        def call():
            box[0] = step(box[0])
            jax.block_until_ready(box[0])

        return median_ms(call, 100)

    leaves = len(jax.tree.leaves(run.state))
    print(f"makemore transformer state ({leaves} leaves), a trivial jitted call: "
          f"{timed(run.state):.2f} ms as NNX variables, "
          f"{timed(jax.tree.leaves(run.state)):.2f} ms as plain arrays")


def decode_cost() -> None:
    cfg = config("experiments/nanogpt/shakespeare_char.py", "cpu")
    spec = ml_collections.ConfigDict(nanogpt.build_data(cfg).spec)
    model = nanogpt.build_model(cfg, spec, nnx.Rngs(0))
    model.eval()
    graphdef, state = nnx.split(model)
    leaves, treedef = jax.tree.flatten(state)
    context = jnp.zeros((1, 32), jnp.int32)

    def extend(n):
        return lambda: _extend(graphdef, treedef, leaves, context, jax.random.PRNGKey(0), 0,
                               new_tokens=n, temperature=1.0, top_k=None).block_until_ready()

    one, many = median_ms(extend(1), 30), median_ms(extend(32), 30)
    print(f"nanoGPT :cpu sampling, batch 1: prefill 32 + 1 token {one:.2f} ms, + 32 tokens "
          f"{many:.2f} ms: {1e3 * (many - one) / 31:.0f} us per decoded token")


if __name__ == "__main__":
    keep_freed_memory()
    kernel_time_split()
    dispatch_cost()
    state_as_leaves()
    decode_cost()
