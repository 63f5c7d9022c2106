"""Exercise 2 (pretrained LM article): SmolLM2-360M's parameters and KV cache per token, from
`sizes.py`'s model description and its counting functions (the model is built abstractly:
shapes only). 32 layers, width 960, 15 heads of 64, 5 KV heads, SwiGLU MLP of 2560, vocabulary
49,152, tied head. By hand: per layer $2C^2 + 2 C \\cdot C_{kv}$ for q, o, k, v
($C_{kv} = 5 \\cdot 64$), $3 \\cdot C \\cdot 2560$ for the MLP, $2C$ for the RMSNorms; plus
$49{,}152\\, C$ embeddings and a final norm. The cache holds a key and a value of $C_{kv}$
numbers per layer and token.

  PYTHONPATH=. python experiments/pretrained_lm/solutions/smollm2_360m.py
"""

import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "sizes", pathlib.Path(__file__).resolve().parents[1] / "sizes.py")
sizes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sizes)

SMOLLM2_360M = sizes.SMOLLM2 | dict(layers=32, width=960, heads=15, kv_heads=5, mlp_hidden=2560)


def main(tiny: bool = False):
    model = sizes.build("gpt", SMOLLM2_360M)
    counts = sizes.groups(model)
    kv = {"fp32": sizes.kv_bytes_per_token(SMOLLM2_360M),
          "bf16": sizes.kv_bytes_per_token(SMOLLM2_360M, bytes_per_number=2)}
    print(f"parameters {sum(counts.values()):,} ({counts}); KV cache per token: "
          f"{kv['fp32'] / 1024:.0f} KiB fp32, {kv['bf16'] / 1024:.0f} KiB bf16")
    return counts, kv


if __name__ == "__main__":
    main()
