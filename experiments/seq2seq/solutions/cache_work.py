"""Exercise (seq2seq, research-y): the cache makes a decoding step cost one position. How does
the work of one step grow with the prefix, with and without it?

Without a cache, step t runs the decoder over the whole prefix (t positions: t rows of every
matmul, a t x t attention); with it, over one new position (1 row, attention over the cached
keys). So the uncached step's work grows about linearly in t and a whole decoding about
quadratically. Our cache is allocated at the full target length and masked beyond t, so the
cached step's work is the same at every t (a cache that grows would add a term linear in t).
Here the work is XLA's own flop count of the lowered step (`cost_analysis`), encoder
excluded, on a small model; the full-size experiment times greedy decoding of the test split
both ways as the target grows.

  python experiments/seq2seq/solutions/cache_work.py
"""

import jax
import jax.numpy as jnp
from flax import nnx

from jaxdl.data import dates
from jaxdl.nn.seq2seq import EncoderDecoder


def step_flops(model, prefix: int, cached: bool, batch: int = 4) -> float:
    graphdef, state = nnx.split(model)
    source = jnp.zeros((batch, dates.SOURCE_LEN), jnp.int32).at[:, :10].set(5)
    tokens = jnp.ones((batch, prefix), jnp.int32)

    def uncached_step(state, source, tokens):
        return nnx.merge(graphdef, state)(source, tokens)[:, -1]

    def cached_step(state, source, tokens):
        m = nnx.merge(graphdef, state)
        memory = m.encode(source)
        cache = m.init_cache(memory, dates.TARGET_LEN)
        return m.decode(tokens[:, -1:], cache, prefix - 1, memory)[0][:, -1]

    def encoder_only(state, source, tokens):
        return nnx.merge(graphdef, state).encode(source)

    cost = lambda f: jax.jit(f).lower(state, source, tokens).cost_analysis()["flops"]
    return cost(cached_step if cached else uncached_step) - cost(encoder_only)  # decoder only


def main(tiny: bool = False):
    width, layers = (16, 1) if tiny else (64, 2)
    model = EncoderDecoder(vocab_size=len(dates.VOCAB), source_len=dates.SOURCE_LEN,
                           target_len=dates.TARGET_LEN, layers=layers, heads=2, width=width,
                           dropout=0.0, pad_id=dates.PAD, rngs=nnx.Rngs(0))
    prefixes = (1, 2, 4, 8) if tiny else (1, 2, 4, 8, 11)
    flops = {p: (step_flops(model, p, cached=False), step_flops(model, p, cached=True))
             for p in prefixes}
    for p, (uncached, cached) in flops.items():
        print(f"prefix {p:2d}: decoder flops per step without cache {uncached:10,.0f}, "
              f"with cache {cached:10,.0f}")
    return flops


if __name__ == "__main__":
    main()
