"""Seconds per SMS-spam fine-tuning step: `last_block` with the frozen trunk cached, the same
uncached (the trunk recomputed every step), and `lora`. The steps alternate, round after round,
on the same batches, so that a shared machine's load weighs on each alike. Wall and CPU seconds
per step (CPU time is what the step costs when other processes share the core).

  JAXDL_CACHE_DIR=... taskset -c 1 python tests/benchmarks/finetune_steps.py [--base=tiny] [--rounds=2]

The cached run also pays once for the trunk's states (read back from the cache folder when an
earlier run computed them; --trunk times computing them again).
"""

import argparse
import importlib.util
import json
import os
import pathlib
import time

import jax
import numpy as np
from flax import nnx

from jaxdl import train
from jaxdl.data import finetune_text
from jaxdl.tasks import classify, frozen_cache, lm_finetune

_spec = importlib.util.spec_from_file_location(
    "spam", pathlib.Path(__file__).resolve().parents[2] / "experiments/finetune/spam.py")
spam = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spam)

RUNS = {"last_block cached": ("last_block", True), "last_block uncached": ("last_block", False),
        "lora": ("lora", False)}


def clocks():
    return time.perf_counter(), time.process_time()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="smollm2", help="a base-model preset of spam.py")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--trunk", action="store_true", help="also time computing the cache")
    args = parser.parse_args()
    prepared = {}
    for name, (preset, cached) in RUNS.items():
        cfg = spam.get_config(f"{args.base},{preset}")
        cfg.finetune.cache_frozen = cached
        run = train.prepare(cfg, classify, jax.devices()[:1])
        batches = [run.next_train_input() for _ in range(args.batches)]
        state = run.state
        for batch in batches:  # compile every shape
            state, _ = run.train_step(state, batch)
        jax.block_until_ready(state)
        prepared[name] = (run, batches, state)
    per_step = {name: ([], []) for name in RUNS}
    for _ in range(args.rounds):
        for name, (run, batches, state) in prepared.items():
            wall, cpu = clocks()
            for batch in batches:
                state, metrics = run.train_step(state, batch)
            jax.block_until_ready((state, metrics))
            now_wall, now_cpu = clocks()
            per_step[name][0].append((now_wall - wall) / len(batches))
            per_step[name][1].append((now_cpu - cpu) / len(batches))
            prepared[name] = (run, batches, state)
    result = {name: dict(wall_s=float(np.median(w)), cpu_s=float(np.median(c)))
              for name, (w, c) in per_step.items()}
    if args.trunk:
        cfg = spam.get_config(f"{args.base},last_block")
        model = classify.build_model(cfg, classify.types.SimpleNamespace(num_classes=2),
                                     nnx.Rngs(0))
        splits = finetune_text.balanced_spam(cfg.data.split_seed)
        rows = classify.encode(cfg, [t for part in splits.values() for t, _ in part])
        tok = lm_finetune.tokenizer(cfg)
        wall, cpu = clocks()
        frozen_cache.trunk_states(model.backbone, model.family, cfg.model.base, model.cut, rows,
                                  tok.pad if tok.pad is not None else (tok.eos or 0), store=False)
        now_wall, now_cpu = clocks()
        result["trunk cache, all messages"] = dict(wall_s=now_wall - wall, cpu_s=now_cpu - cpu)
    for name, r in result.items():
        print(f"{name:28s} wall {r['wall_s']:7.3f} s  cpu {r['cpu_s']:7.3f} s")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
