"""Text from a pretrained language model: prompts batched with left padding, streaming.

The library side of `python -m jaxdl.pretrained.generate` (which only adds flags). Decoding is
`jaxdl.sample.generate`, the jitted KV-cached loop the nanoGPT sampler runs too.
"""

import sys

import jax
import numpy as np

from jaxdl.errors import UserError
from jaxdl.sample import generate

PAD_TO = 16  # prompts are left-padded to a multiple of this: fewer shapes, fewer compilations


class Streamer:
    """Prints row 0's text as its tokens arrive (called on the host from the device loop). One
    object for the whole run: jit keys its compiled loop on it."""

    def __init__(self, tokenizer, out=sys.stdout):
        self.tokenizer, self.out = tokenizer, out
        self.reset()

    def reset(self):
        self.ids, self.printed = [], ""

    def __call__(self, i, token_B):
        if int(token_B[0]) < 0 or int(token_B[0]) in self.tokenizer.stop:
            return
        self.ids.append(int(token_B[0]))
        text = self.tokenizer.decode(self.ids)
        if not text.endswith("\ufffd"):  # wait for the rest of a multi-byte character
            self.out.write(text[len(self.printed):])
            self.out.flush()
            self.printed = text


def left_padded(rows: list[list[int]], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """[B, T] ids, each row right-aligned, and each row's padding count [B]."""
    T = -(-max(map(len, rows)) // PAD_TO) * PAD_TO
    ids_BT = np.full((len(rows), T), pad, np.int32)
    for b, row in enumerate(rows):
        ids_BT[b, T - len(row):] = row
    return ids_BT, np.array([T - len(row) for row in rows], np.int32)


def row_keys(seed: int, rows: int):
    """Row b samples with fold_in(PRNGKey(seed), b): its tokens depend on its own key only."""
    key = jax.random.PRNGKey(seed)
    return jax.vmap(lambda b: jax.random.fold_in(key, b))(np.arange(rows))


def complete(model, tokenizer, prompts: list[str], *, max_new_tokens: int, temperature=0.0,
             top_k=None, top_p=None, seed=0, on_token=None) -> list[str]:
    """Each prompt's continuation (up to a stop token), decoded in one batch."""
    rows = [tokenizer.encode(p) for p in prompts]
    if not all(rows):
        raise UserError("A prompt is empty: give some text.")
    ids_BT, start_B = left_padded(rows, tokenizer.pad if tokenizer.pad is not None else 0)
    tokens = generate(model, ids_BT, max_new_tokens, key=row_keys(seed, len(rows)),
                      temperature=temperature, top_k=top_k, top_p=top_p, start_B=start_B,
                      stop=tokenizer.stop, on_token=on_token)
    new = tokens[:, ids_BT.shape[1]:]
    return [tokenizer.decode([t for t in row if t >= 0 and t not in tokenizer.stop])
            for row in new]
