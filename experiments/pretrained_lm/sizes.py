"""Parameter counts, forward FLOPs per token and KV-cache bytes of nanoGPT, GPT-2 and SmolLM2,
counted from our own modules (built abstractly: shapes only, no weights), and the KV-cache figure.

  PYTHONPATH=. python experiments/pretrained_lm/sizes.py [--figure=experiments/pretrained_lm/figures/kv_cache.png]
"""

import argparse

import numpy as np
from flax import nnx

from jaxdl.pretrained.lm_store import build

NANOGPT = dict(vocab_size=65, block_size=256, layers=6, heads=6, width=384)
GPT2 = dict(vocab_size=50257, block_size=1024, layers=12, heads=12, width=768, use_bias=True,
            mlp="gelu_tanh", tied_head=True)
SMOLLM2 = dict(vocab_size=49152, block_size=8192, layers=30, heads=9, kv_heads=3, width=576,
               mlp_hidden=1536, positions="rotary", rope_base=100000.0, norm="rms", mlp="swiglu",
               tied_head=True, use_bias=False)
MODELS = {"nanoGPT (char, 6x384)": NANOGPT, "GPT-2 small": GPT2, "SmolLM2-135M": SMOLLM2}


def groups(model) -> dict:
    """Parameter counts by role."""
    counts = {}
    for path, v in nnx.to_flat_state(nnx.state(model, nnx.Param)):
        names = [str(p) for p in path]
        role = ("embeddings" if "embedding" in names[0] else "norms" if any(
            n.startswith("ln") for n in names) else names[2] if names[0] == "blocks" else "head")
        counts[role] = counts.get(role, 0) + int(np.prod(v.shape))
    return counts


def kv_bytes_per_token(kw, bytes_per_number=4) -> int:
    return 2 * kw["layers"] * kw.get("kv_heads", kw["heads"]) * (kw["width"] // kw["heads"]) * bytes_per_number


def flops_per_token(kw, counts, context) -> int:
    """Forward matmul FLOPs for one token: 2 per weight used (attention/MLP matmuls and the head
    over the vocabulary), plus the attention products q.k and att.v over `context` keys."""
    matmul = counts.get("attn", 0) + counts.get("mlp", 0) + kw["vocab_size"] * kw["width"]
    return 2 * matmul + 2 * 2 * kw["layers"] * context * kw["width"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--figure")
    args = parser.parse_args()
    print(f"{'model':24s} {'params':>12s} {'embeddings':>11s} {'attention':>11s} {'MLP':>11s} "
          f"{'norms':>7s} {'GFLOP/token@1024':>17s} {'KV KiB/token':>13s}")
    for name, kw in MODELS.items():
        model = build("gpt", kw | dict(tied_head=kw.get("tied_head", True)))
        counts = groups(model)
        total = sum(counts.values())
        print(f"{name:24s} {total:12,d} {counts['embeddings']:11,d} {counts['attn']:11,d} "
              f"{counts['mlp']:11,d} {counts['norms']:7,d} "
              f"{flops_per_token(kw, counts, 1024) / 1e9:17.3f} {kv_bytes_per_token(kw) / 1024:13.1f}")
    mha = SMOLLM2 | dict(kv_heads=9)
    print(f"SmolLM2 with 9 KV heads (no grouping) would cache {kv_bytes_per_token(mha) / 1024:.1f} "
          "KiB/token")
    if args.figure:
        from jaxdl import figures

        plt = figures.pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        length = np.arange(0, 8193, 256)
        for label, kw, style in (("GPT-2 small (12 x 12 heads)", GPT2, "-"),
                                 ("SmolLM2-135M, 3 KV heads (GQA)", SMOLLM2, "-"),
                                 ("SmolLM2-135M if 9 KV heads", mha, "--")):
            ax.plot(length, length * kv_bytes_per_token(kw) / 2**20, style, label=label)
        ax.set_xlabel("cached tokens per sequence")
        ax.set_ylabel("KV cache, MiB (fp32)")
        ax.legend(frameon=False)
        ax.grid(alpha=0.3)
        figures.save(fig, args.figure)


if __name__ == "__main__":
    main()
