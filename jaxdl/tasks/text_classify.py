"""Text classification (SMS spam, IMDB sentiment) with an LSTM or a transformer encoder.

The task (build_data, build_model, loss_fn), its config builder and presets, and the test report
of a trained workdir (accuracy, F1 of the positive class, confusion matrix). Data:
`jaxdl.data.labelled_text`; models: `jaxdl.nn.text_classifier`. Configs in
experiments/text_classify/.

The embedding table starts random (`model.embeddings=learned`) or from GloVe 6B 50d
(`glove`: each vocabulary word's GloVe vector; words GloVe lacks get small random rows, std
`GLOVE_MISSING_STD`). The `frozen` preset keeps the table as it started: the optimizer's
trainable mask (`opt.trainable`) leaves `token_embedding` out.

loss_fn reports the confusion matrix as fractions of the batch's rows (`confusion_ij`: true class
i, predicted j); the loop's mask-weighted means make them exact fractions of a split, from which
precision, recall and F1 follow.
"""

import functools
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import embeddings, losses
from jaxdl import config as config_lib
from jaxdl.data import Data, labelled_text
from jaxdl.data.arrays import shuffled_batches, split_batches
from jaxdl.errors import ConfigError, UserError
from jaxdl.nn.text_classifier import LSTMClassifier, TransformerClassifier

LOADERS = {"sms_spam": labelled_text.sms_spam, "imdb": labelled_text.imdb}
GLOVE_WIDTH = 50
GLOVE_MISSING_STD = 0.1  # GloVe's own components have std 0.64
FROZEN_EMBEDDINGS = "^(?!token_embedding)"  # opt.trainable: every parameter but the table
CONFIG_RULES = {"model.embeddings": config_lib.OneOf(("learned", "glove"))}
_glove = functools.cache(embeddings.glove_6b_50d)


def text_config():
    cfg = config_lib.base_config()
    cfg.data.update(dataset="sms_spam", batch_size=64, eval_batch_size=256, max_len=64,
                    vocab_size=8000, min_count=2, split_seed=0)
    cfg.model = dict(name="lstm", embed=64, hidden=128,  # lstm
                     layers=2, heads=4, width=64,  # transformer
                     dropout=0.1, embeddings="learned")
    cfg.train.update(steps=600, log_every=100, eval_every=200)  # about 10 epochs of SMS
    cfg.checkpoint.every = 600
    cfg.opt.update(lr=2e-3, min_lr=2e-4, warmup_steps=50, weight_decay=0.01)
    return cfg


def _transformer(cfg):
    cfg.model.name = "transformer"


def _imdb(cfg):
    cfg.data.update(dataset="imdb", max_len=256, vocab_size=20000, min_count=5)
    cfg.train.update(steps=3000, eval_every=500)
    cfg.checkpoint.every = 1000


def _glove_init(cfg):
    cfg.model.update(embeddings="glove", embed=GLOVE_WIDTH)


def _frozen(cfg):
    cfg.opt.trainable = FROZEN_EMBEDDINGS


PRESETS = {
    "transformer": _transformer,
    "imdb": _imdb,
    "glove": _glove_init,
    "frozen": _frozen,
    "smoke": config_lib.smoke(20, data=dict(batch_size=16, eval_batch_size=128, max_len=32),
                              model=dict(embed=16, hidden=16, layers=1, width=16, heads=2)),
}


def check_config(cfg):
    m = cfg.model
    key = "model.embed" if m.name == "lstm" else "model.width"
    width = m.embed if m.name == "lstm" else m.width
    if m.embeddings == "glove" and width != GLOVE_WIDTH:
        raise ConfigError(f"--config.{key}={width}: GloVe 6B 50d vectors need "
                          f"--config.{key}={GLOVE_WIDTH}.")


def load(cfg):
    """({split: {"ids": [N, max_len], "labels": [N]}}, classes, vocab): the vocabulary is the
    train split's most frequent words."""
    d = cfg.data
    if d.dataset not in LOADERS:
        raise UserError(f"Unknown data.dataset {d.dataset!r}: choose {', '.join(LOADERS)}.")
    splits, classes = LOADERS[d.dataset](seed=d.split_seed)
    vocab = labelled_text.build_vocab(splits["train"][0], d.vocab_size, d.min_count)
    arrays = {name: {"ids": labelled_text.encode(texts, vocab, d.max_len), "labels": labels}
              for name, (texts, labels) in splits.items()}
    return arrays, classes, vocab


def build_data(cfg) -> Data:
    d = cfg.data
    arrays, classes, vocab = load(cfg)
    process = dict(process_index=jax.process_index(), process_count=jax.process_count())
    stream = shuffled_batches(arrays["train"], batch_size=d.batch_size, seed=cfg.seed, **process)

    def split(name):
        return lambda: split_batches(arrays[name], d.eval_batch_size, **process)

    counts = " / ".join(f"{len(arrays[s]['labels']):,} {s} ({arrays[s]['labels'].mean():.1%} "
                        f"{classes[1]})" for s in ("train", "val", "test"))
    return Data(
        train=iter(stream.to_iter_dataset()),
        eval={"val": split("val")},
        final_eval={"test": split("test")},
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"{d.dataset}: {counts}; {len(vocab):,} words, first {d.max_len} tokens "
                     f"(split seed {d.split_seed})"),
        spec=dict(vocab=vocab, vocab_size=len(vocab), classes=classes, num_classes=len(classes)),
    )


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    m, common = cfg.model, dict(vocab_size=spec.vocab_size, num_classes=spec.num_classes)
    if m.name == "lstm":
        model = LSTMClassifier(embed=m.embed, hidden=m.hidden, dropout=m.dropout, rngs=rngs,
                               **common)
    elif m.name == "transformer":
        model = TransformerClassifier(max_len=cfg.data.max_len, layers=m.layers, heads=m.heads,
                                      width=m.width, dropout=m.dropout, rngs=rngs, **common)
    else:
        raise UserError(f"Unknown model.name {m.name!r}: choose lstm or transformer.")
    if m.get("embeddings", "learned") == "glove":  # absent from runs that predate it
        set_glove_rows(model.token_embedding, spec.vocab, rngs.params())
    return model


def glove_coverage(vocab) -> tuple[int, int]:
    """(words of `vocab` that GloVe 6B 50d has, words in `vocab`)."""
    return int(embeddings.lookup(_glove(), vocab)[1].sum()), len(vocab)


def set_glove_rows(table: nnx.Param, vocab, key) -> None:
    """Row i of `table` becomes GloVe's vector of vocab[i], or a small random row where GloVe
    has no such word."""
    rows_VD, found_V = embeddings.lookup(_glove(), vocab)
    if rows_VD.shape != table.shape:
        raise UserError(f"The embedding table is {table.shape}; GloVe 6B 50d gives "
                        f"{rows_VD.shape}: set the width to {GLOVE_WIDTH}.")
    missing_VD = GLOVE_MISSING_STD * jax.random.normal(key, rows_VD.shape)
    table[...] = jnp.where(found_V[:, None], rows_VD, missing_VD)


def loss_fn(model, batch, rng):
    logits_BK = model(batch["ids"], rngs=nnx.Rngs(dropout=rng))
    mask_B, labels_B = batch["mask"], batch["labels"]
    predicted_B = logits_BK.argmax(-1)
    rows = jnp.maximum(mask_B.sum(), 1.0)
    K = logits_BK.shape[-1]
    metrics = {"accuracy": ((predicted_B == labels_B) * mask_B).sum() / rows}
    for i in range(K):
        for j in range(K):
            hits = (labels_B == i) & (predicted_B == j)
            metrics[f"confusion_{i}{j}"] = (hits * mask_B).sum() / rows
    return losses.cross_entropy(logits_BK, labels_B, mask_B), metrics


def scores(confusion: np.ndarray) -> dict:
    """Accuracy, and precision, recall and F1 of class 1 (spam, positive review), from a 2x2
    confusion matrix (rows: true class, columns: predicted) of counts or of fractions."""
    tp, fp, fn = confusion[1, 1], confusion[0, 1], confusion[1, 0]

    def ratio(part, whole):  # counts or fractions of a split alike; 0 when nothing was counted
        return part / whole if whole > 0 else 0.0

    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {"accuracy": float(np.trace(confusion) / confusion.sum()),
            "precision": float(precision), "recall": float(recall),
            "f1": float(2 * precision * recall / max(precision + recall, 1e-12))}


def final_scores(workdir) -> dict:
    """The scores of the last test evaluation a run logged (metrics.jsonl), with its step."""
    from jaxdl.logging import read_metrics

    logged = pathlib.Path(workdir) / "metrics.jsonl"
    rows = [row for row in read_metrics(workdir) if "test/accuracy" in row] if logged.is_file() \
        else []
    if not rows:
        raise UserError(f"{workdir} has logged no test metrics: finish its run first.")
    last = rows[-1]
    confusion = np.array([[last[f"test/confusion_{i}{j}"] for j in range(2)] for i in range(2)])
    return {"step": last["step"], **scores(confusion)}


def report(workdir, split="test") -> dict:
    """Counts of the confusion matrix and the scores of the workdir's model on a split."""
    from jaxdl import checkpoint  # not at the top: config files import this module

    model, cfg, spec = checkpoint.load_model(workdir, build_model)
    model.eval()
    arrays, _, vocab = load(cfg)
    if vocab != list(spec.vocab):
        raise UserError(f"{workdir}: the data now gives another vocabulary than the run's.")
    forward = nnx.jit(lambda model, ids: model(ids).argmax(-1))
    batches = split_batches(arrays[split], cfg.data.eval_batch_size)
    predicted = np.concatenate([np.asarray(forward(model, jnp.asarray(batch["ids"])))
                                for batch in batches])
    labels = arrays[split]["labels"]
    K = spec.num_classes
    confusion = np.zeros((K, K), np.int64)
    np.add.at(confusion, (labels, predicted[:len(labels)]), 1)
    return {"confusion": confusion.tolist(), "classes": list(spec.classes), **scores(confusion)}
