"""The bigram language model: the next character's logits are one row of a table."""

from flax import nnx

from jaxdl.nn.layers import embedding, take_rows


class BigramLM(nnx.Module):
    context_size = None  # it looks at one character only

    def __init__(self, *, vocab_size: int, rngs: nnx.Rngs):
        self.logits_table = embedding(vocab_size, vocab_size, ("vocab", None), std=0.0, rngs=rngs)

    def __call__(self, idx_BT, *, rngs=None, valid=None):
        return take_rows(self.logits_table, idx_BT)

    def init_cache(self, batch_size: int, length: int = 0):
        return ()

    def decode(self, idx_BT, cache, pos=0):
        return take_rows(self.logits_table, idx_BT), cache
