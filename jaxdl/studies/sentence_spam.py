"""SMS spam from frozen sentence embeddings: MiniLM (all-MiniLM-L6-v2) embeds every message once,
logistic regression reads the 384 numbers.

The pretrained-embeddings row of experiments/text_classify: the same splits and test messages
as the trained classifiers (`jaxdl.data.labelled_text.sms_spam`, split seed 0). The regression's
inverse regularisation C is chosen on the validation split from a small grid; lbfgs on a convex
loss has one answer, so seeds change nothing here.

  python -m jaxdl.experiments.text_classify --mode=minilm --workdir=runs/spam/minilm
"""

import time

import numpy as np

from jaxdl.data import labelled_text
from jaxdl.pretrained import lm_store
from jaxdl.pretrained.sentences import embed

C_GRID = (0.1, 1.0, 10.0, 100.0)


def sentence_features(texts, model, tokenizer, batch_size: int = 128) -> np.ndarray:
    """[N, C] unit-length sentence embeddings; messages sorted by length so batches pad little."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), model.token_embedding.shape[1]), np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start:start + batch_size]
        out[rows] = embed(model, tokenizer, [texts[i] for i in rows], multiple=32)
    return out


def fit_and_score(features: dict, labels: dict, c_grid=C_GRID) -> dict:
    """Logistic regression on features["train"], C by val accuracy; the test confusion matrix
    (rows: true ham, spam; columns: predicted) and its scores."""
    from sklearn.linear_model import LogisticRegression

    from jaxdl.tasks.text_classify import scores

    fits = {c: LogisticRegression(C=c, max_iter=5000).fit(features["train"], labels["train"])
            for c in c_grid}
    val = {c: float((f.predict(features["val"]) == labels["val"]).mean()) for c, f in fits.items()}
    best = max(c_grid, key=lambda c: (val[c], -c))  # ties: the stronger regularisation
    predicted = fits[best].predict(features["test"])
    confusion = np.zeros((2, 2), np.int64)
    np.add.at(confusion, (labels["test"], predicted), 1)
    return {"C": best, "val_accuracy": val, "confusion": confusion.tolist(), **scores(confusion)}


def run(model_name: str = "minilm-l6", split_seed: int = 0, limit: int | None = None) -> dict:
    """Embeds the SMS splits (the first `limit` messages of each, for a quick check) and fits."""
    splits, _ = labelled_text.sms_spam(seed=split_seed)
    model, tokenizer = lm_store.load(model_name)
    start = time.perf_counter()
    features = {name: sentence_features(texts[:limit], model, tokenizer)
                for name, (texts, _) in splits.items()}
    seconds = time.perf_counter() - start
    labels = {name: y[:limit] for name, (_, y) in splits.items()}
    result = fit_and_score(features, labels)
    return {"model": model_name, "messages": sum(map(len, features.values())),
            "embed_seconds": seconds, **result}
