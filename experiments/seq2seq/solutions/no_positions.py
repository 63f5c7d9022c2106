"""Exercise (seq2seq, easy): drop the encoder's positional embeddings. Which spellings break?

Without positions the encoder is permutation-equivariant (self-attention and the MLP treat the
source as a set), and cross-attention sums over the memory, so the decoder's output cannot
depend on the order of the source characters at all: "12/03/1995" and "03/12/1995" (or
"21/30/1995") give the same logits. Every numeric spelling breaks; spellings whose characters
differ as a multiset ("march" vs "december") survive. Shown on an untrained model (the property
holds for any weights): the largest logit change between a source and a permutation of it, with
and without the source positions.

  python experiments/seq2seq/solutions/no_positions.py
"""

import jax.numpy as jnp
from flax import nnx

from jaxdl.data import dates
from jaxdl.nn.seq2seq import EncoderDecoder


def logit_change(model, first: str, second: str) -> float:
    source = jnp.asarray([dates.encode(first, dates.SOURCE_LEN),
                          dates.encode(second, dates.SOURCE_LEN)])
    target_in = jnp.asarray([[dates.BOS, *dates.encode("1995-03-12", 10)]] * 2)
    logits = model(source, target_in)
    return float(jnp.abs(logits[0] - logits[1]).max())


def main(tiny: bool = False):
    width = 16 if tiny else 64
    model = EncoderDecoder(vocab_size=len(dates.VOCAB), source_len=dates.SOURCE_LEN,
                           target_len=dates.TARGET_LEN, layers=1 if tiny else 2, heads=2,
                           width=width, dropout=0.0, pad_id=dates.PAD, rngs=nnx.Rngs(0))
    pair = ("12/03/1995", "03/12/1995")
    with_positions = logit_change(model, *pair)
    model.source_position[...] = jnp.zeros_like(model.source_position[...])
    without_positions = logit_change(model, *pair)
    print(f"max |logit change| {pair[0]} vs {pair[1]}: with source positions "
          f"{with_positions:.2e}, without {without_positions:.2e}")
    return with_positions, without_positions


if __name__ == "__main__":
    main()
