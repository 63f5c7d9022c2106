"""Benchmarks: how fast a topic's train step runs, and how well it uses the chip.

  python -m jaxdl.bench nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu
  python -m jaxdl.bench makemore --config=experiments/makemore/names.py:transformer
  python -m jaxdl.bench nanogpt --config=...:cpu --what=sample   # KV cache vs recomputation

Training: compiles, warms up, then times `repeats` blocks of steps on pre-staged batches, the
device synchronised at the end of each block; prints median/min/max ms per step, tokens/s, the
model FLOPs per step (GPT: nanoGPT's 6N + 12*L*H*Q*T per token; other models: XLA's count),
achieved FLOP/s and MFU. The peak is measured in the same run on a CPU (the faster of a large fp32
jnp.dot and NumPy's matmul, so that a slow XLA matmul cannot inflate MFU) or taken from a table of
published dense bf16 peaks for GPUs and TPUs. The last line is one JSON object.
"""

import json
import statistics
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
from absl import flags
from flax import nnx

from jaxdl import cli, tasks, train
from jaxdl import config as config_lib
from jaxdl import state as state_lib
from jaxdl.cli import CONFIG
from jaxdl.errors import ConfigError
from jaxdl.nn.gpt import GPT
from jaxdl.runtime import keep_freed_memory
from jaxdl.sample import generate, generate_uncached

WHAT = flags.DEFINE_enum("what", "train", ["train", "sample"], "Time the train step or sampling.")
STEPS = flags.DEFINE_integer("steps", 60, "Timed train steps (split into --repeats blocks).")
REPEATS = flags.DEFINE_integer("repeats", 6, "Timed blocks; step time statistics are over these.")
WARMUP = flags.DEFINE_integer("warmup", 5, "Untimed steps after compilation.")
NEW_TOKENS = flags.DEFINE_integer("new_tokens", 200, "Sampling: tokens generated per sequence.")
SAMPLE_BATCH = flags.DEFINE_integer("sample_batch", 1, "Sampling: sequences generated at once.")

# Published dense bf16 peaks, FLOP/s per chip (datasheets), matched against device_kind.
ACCELERATOR_PEAKS = {
    "H100": 989e12, "H200": 989e12, "A100": 312e12, "L4": 121e12, "A10": 125e12,
    "TPU v4": 275e12, "TPU v5 lite": 197e12, "TPU v5e": 197e12, "TPU v5p": 459e12,
    "TPU v6": 918e12,
}


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    import os

    return f"{model} ({os.cpu_count()} cores)"


def call_times(fn, repeats: int) -> list[float]:
    """Seconds taken by each of `repeats` calls of `fn` (which must wait for its result), after
    one untimed call that compiles and warms up."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def measured_cpu_peak(n: int = 2048, repeats: int = 10) -> tuple[float, dict]:
    """FLOP/s of the faster of jnp.dot and NumPy on an n x n x n fp32 matmul, the best of
    `repeats` runs: other load can only slow a run down, so the best is the machine's rate, and a
    slow measurement cannot inflate the MFU (the median swung MFU by 0.09 between runs here)."""
    a = np.random.default_rng(0).standard_normal((n, n), np.float32)
    b = np.random.default_rng(1).standard_normal((n, n), np.float32)
    xa, xb = jnp.asarray(a), jnp.asarray(b)
    dot = jax.jit(jnp.dot)

    def rate(fn):
        return 2 * n**3 / min(call_times(fn, repeats))

    rates = {"jnp.dot": rate(lambda: dot(xa, xb).block_until_ready()),
             "numpy": rate(lambda: a @ b)}
    return max(rates.values()), rates


def peak_flops(device) -> tuple[float, str]:
    if device.platform == "cpu":
        peak, rates = measured_cpu_peak()
        return peak, ("measured: " + ", ".join(f"{k} {v / 1e9:.0f}" for k, v in rates.items())
                      + " GFLOP/s on 2048^3 fp32")
    for name, peak in ACCELERATOR_PEAKS.items():
        if name.lower() in device.device_kind.lower():
            return peak, f"published dense bf16 peak of {name}"
    return float("nan"), f"no known peak for {device.device_kind}"


def gpt_flops_per_token(model: GPT, block_size: int) -> float:
    """nanoGPT's estimate: 6N (matmuls forward and backward) + 12*L*H*Q*T (attention), N without
    the position embeddings (a lookup, no matmul)."""
    params = nnx.state(model, nnx.Param)
    n = sum(x.size for x in jax.tree.leaves(params)) - model.position_embedding.size
    layers, heads = len(model.blocks), model.heads
    head_dim = model.token_embedding.shape[1] // heads
    return 6 * n + 12 * layers * heads * head_dim * block_size


def bench_train(cfg, task) -> dict:
    run = train.prepare(cfg, task)
    device = run.mesh.devices.flat[0]
    k = run.steps_per_call  # optimizer steps per call of train_step
    batches = [run.next_train_input() for _ in range(8)]
    if "inputs" in batches[0]:  # sequence models: every position of the batch is a token
        tokens, unit = int(batches[0]["inputs"].size) // k, "tokens"
    else:  # other tasks count in their own unit (images: examples)
        tokens, unit = run.data.units_per_batch, run.data.unit
    compiled = run.train_step.lower(run.leaves, batches[0]).compile()
    # XLA counts a loop's body once: for k steps in one lax.scan this is one step's count (checked
    # here: makemore's transformer, 0.660 GFLOP for one step and for a 10-step scan alike).
    xla_flops = (compiled.cost_analysis() or {}).get("flops", float("nan"))

    leaves = run.leaves  # the state's arrays: what the jitted step takes
    for i in range(WARMUP.value):
        leaves, _ = run.train_step(leaves, batches[i % len(batches)])
    jax.block_until_ready(leaves)
    calls = max(1, STEPS.value // REPEATS.value // k)  # per timed block
    times = []
    for _ in range(REPEATS.value):
        start = time.perf_counter()
        for i in range(calls):
            leaves, metrics = run.train_step(leaves, batches[i % len(batches)])
        jax.block_until_ready((leaves, metrics))
        times.append((time.perf_counter() - start) / (calls * k))

    run.leaves = leaves
    state = run.state
    model = nnx.merge(run.graphdef, state.params, state.model_state)
    if isinstance(model, GPT):
        flops, how = gpt_flops_per_token(model, batches[0]["inputs"].shape[-1]) * tokens, "6N+12LHQT"
    else:
        flops, how = xla_flops, "XLA cost analysis"
    step_s = statistics.median(times)
    peak, peak_source = peak_flops(device)
    result = {
        "step_ms": 1e3 * step_s,
        "step_ms_min": 1e3 * min(times),
        "step_ms_max": 1e3 * max(times),
        "tokens_per_s": tokens / step_s,
        "flops_per_step": flops,
        "xla_flops_per_step": xla_flops,
        "achieved_flops": flops / step_s,
        "peak_flops": peak,
        "mfu": flops / step_s / peak,
        "params": state_lib.count_params(state.params),
        "device": cpu_name() if device.platform == "cpu" else device.device_kind,
        "devices": run.mesh.size,
        "steps_per_call": k,
        "unit": unit,  # what tokens_per_s counts
    }
    print(f"model: {result['params']:,} parameters; {tokens:,} {unit} per step; "
          f"{run.mesh.size} {device.platform} device(s): {result['device']}")
    print(f"step: median {result['step_ms']:.2f} ms (min {result['step_ms_min']:.2f}, max "
          f"{result['step_ms_max']:.2f}) over {REPEATS.value} x {calls * k} steps ({k} per call); "
          f"{result['tokens_per_s']:,.0f} {unit}/s")
    print(f"flops/step: {flops / 1e9:.3f} GFLOP ({how}; XLA counts {xla_flops / 1e9:.3f}); achieved "
          f"{result['achieved_flops'] / 1e9:.1f} GFLOP/s")
    print(f"peak: {peak / 1e9:.1f} GFLOP/s ({peak_source}); MFU {result['mfu']:.3f}")
    return result


def bench_sample(cfg, task) -> dict:
    spec = ml_collections.ConfigDict(task.build_data(cfg).spec)  # the vocabulary size
    model = task.build_model(cfg, spec, nnx.Rngs(cfg.seed))
    batch, n = SAMPLE_BATCH.value, NEW_TOKENS.value
    prompt = np.zeros((batch, 1), np.int32)
    key = jax.random.PRNGKey(0)
    times = {"cached": [], "uncached": []}
    for name, fn in (("cached", generate), ("uncached", generate_uncached)):
        fn(model, prompt, n, key=key)  # compile every shape it uses
    for _ in range(REPEATS.value // 2 or 1):  # alternate, so that load changes hit both alike
        for name, fn in (("cached", generate), ("uncached", generate_uncached)):
            start = time.perf_counter()
            fn(model, prompt, n, key=key)
            times[name].append(time.perf_counter() - start)
    rates = {name: batch * n / statistics.median(t) for name, t in times.items()}
    result = {"cached_tokens_per_s": rates["cached"], "uncached_tokens_per_s": rates["uncached"],
              "speedup": rates["cached"] / rates["uncached"], "new_tokens": n, "batch": batch,
              "context_size": model.context_size,
              "device": cpu_name() if jax.devices()[0].platform == "cpu"
              else jax.devices()[0].device_kind}
    print(f"sampling {n} tokens x {batch} sequences (context {model.context_size}): KV cache "
          f"{rates['cached']:,.0f} tokens/s, recomputing the context {rates['uncached']:,.0f} "
          f"tokens/s: {result['speedup']:.1f}x (medians of {len(times['cached'])} alternating runs)")
    return result


def main(argv):
    if len(argv) != 2:
        raise ConfigError("usage: python -m jaxdl.bench TOPIC --config=... (one topic)")
    if CONFIG.value is None:
        raise ConfigError("--config is required")
    keep_freed_memory()  # as the training command does (jaxdl.cli)
    task = tasks.get(argv[1])
    config_lib.validate(CONFIG.value, task)
    result = (bench_train if WHAT.value == "train" else bench_sample)(CONFIG.value, task)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    cli.main(main)
