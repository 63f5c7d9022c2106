"""Sentence embeddings from a BERT encoder: mean-pooled over real tokens, unit length.

The library side of `python -m jaxdl.pretrained.embed` (all-MiniLM-L6-v2's recipe).
"""

import jax
import numpy as np
from flax import nnx

from jaxdl.nn.bert import mean_pool


@jax.jit
def _pooled(graphdef, state, ids_BT, valid_BT):
    model = nnx.merge(graphdef, state)
    x_BC = mean_pool(model(ids_BT, valid_BT=valid_BT), valid_BT)
    return x_BC / jax.numpy.linalg.norm(x_BC, axis=-1, keepdims=True)


def embed(model, tokenizer, sentences: list[str], multiple: int = 1) -> np.ndarray:
    """Unit-length sentence embeddings [N, C]; the batch is right-padded with a padding mask to a
    multiple of `multiple` tokens (fewer distinct shapes to compile when embedding many batches)."""
    rows = [tokenizer.encode(s, add_special=True) for s in sentences]
    T = -(-max(map(len, rows)) // multiple) * multiple
    ids_BT = np.zeros((len(rows), T), np.int32)
    valid_BT = np.zeros((len(rows), T), bool)
    for b, row in enumerate(rows):
        ids_BT[b, :len(row)], valid_BT[b, :len(row)] = row, True
    return np.asarray(_pooled(*nnx.split(model), ids_BT, valid_BT))


def cosine_matrix(embeddings_NC: np.ndarray) -> np.ndarray:
    return embeddings_NC @ embeddings_NC.T
