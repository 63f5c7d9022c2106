"""Exercise 1 (scaling): GPT-2 large (774M) on 16 GiB devices. How many FSDP devices do its
float32 weights and AdamW moments need; and with the gradients and the activations of a
16 x 1024-token batch in bfloat16?

  python experiments/scaling/solutions/fsdp_fit.py

N comes from the model's shapes (nothing is allocated). Bytes: 4N weights + 8N AdamW moments,
+ 4N gradients during the step, all divided by the FSDP size F. Activations: per layer and token,
about (34 C + 5 H T) bytes in 16-bit (Korthikanti et al. 2022, "Reducing Activation Recomputation
in Large Transformer Models", without sequence parallelism or recomputation); FSDP splits the
batch too, so they divide by F as well.
"""

import importlib.util
import math
import pathlib

import jax
import ml_collections
import numpy as np

from jaxdl import state as state_lib
from jaxdl.tasks import nanogpt

GIB = 2**30


def gpt2_config(preset):
    path = pathlib.Path(__file__).resolve().parents[2] / "nanogpt/gpt2.py"
    spec = importlib.util.spec_from_file_location("gpt2_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_config(preset)


def smallest_fsdp(bytes_total, device_bytes=16 * GIB):
    """The smallest power of two F with bytes_total / F <= device_bytes."""
    return 2 ** math.ceil(max(0.0, math.log2(bytes_total / device_bytes)))


def main(tiny: bool = False, preset: str = "large", batch: int = 16):
    cfg = gpt2_config(preset)
    spec = ml_collections.ConfigDict(dict(vocab_size=nanogpt.GPT2_VOCAB))
    _, params, _ = state_lib.abstract_model(lambda rngs: nanogpt.build_model(cfg, spec, rngs), 0)
    n = sum(int(np.prod(x.shape)) for x in jax.tree.leaves(params))
    layers, width, heads = cfg.model.layers, cfg.model.width, cfg.model.heads
    T = cfg.data.block_size
    activations = layers * batch * T * (34 * width + 5 * heads * T)
    result = dict(params=n, weights_adam_gib=12 * n / GIB, fsdp_weights_adam=smallest_fsdp(12 * n),
                  fsdp_with_grads=smallest_fsdp(16 * n), activations_gib=activations / GIB,
                  fsdp_with_activations=smallest_fsdp(16 * n + activations))
    if not tiny:
        for key, value in result.items():
            print(f"{key}: {value:,.2f}" if isinstance(value, float) else f"{key}: {value:,}")
    return result


if __name__ == "__main__":
    main()
