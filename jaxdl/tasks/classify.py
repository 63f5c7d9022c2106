"""Text classification by fine-tuning a pretrained language model: SMS spam or not.

The base model (`jaxdl.tasks.lm_finetune`) reads the message; one vector per message is pooled
from its hidden states and a new linear head maps it to the two classes. Pooling (`model.pool`):

  last   a causal model's state at the last real token, the only one that has read the whole
         message (the rows are right-padded, so it is not the last position)
  first  the first token's state: for a causal model it has seen one token only (a baseline that
         shows why `last`), for BERT the [CLS]-style first position
  mean   the mean over real tokens (BERT sentence embeddings)

Which parameters train is `finetune.trainable` (presets in experiments/finetune/spam.py). With
`finetune.cache_frozen` the frozen layers below the trained ones run once per message, in
build_data (`jaxdl.tasks.frozen_cache`); batches then carry their states as "hidden".
"""

import types

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint
from jaxdl.data import Data, finetune_text
from jaxdl.errors import UserError
from jaxdl.config import OneOf
from jaxdl.nn import freezing
from jaxdl.nn.bert import mean_pool
from jaxdl.nn.gpt import last_real
from jaxdl.nn.layers import Dense
from jaxdl.tasks import frozen_cache, lm_finetune
from jaxdl.tasks.lm_finetune import build_optimizer

__all__ = ["build_data", "build_model", "loss_fn", "build_optimizer", "predict"]
CLASSES = ("ham", "spam")

CONFIG_RULES = {**lm_finetune.CONFIG_RULES,
    "model.pool": OneOf(("last", "first", "mean")),
    "data.dedupe": lm_finetune.FLAG,
    "finetune.cache_frozen": lm_finetune.FLAG,
}

class Classifier(nnx.Module):
    def __init__(self, backbone: nnx.Module, family: str, pool: str, num_classes: int, *,
                 rngs: nnx.Rngs):
        if pool not in ("last", "first", "mean"):
            raise UserError(f"model.pool={pool!r}: last, first or mean.")
        self.backbone, self.family, self.pool = backbone, family, pool
        width = backbone.token_embedding.shape[1]
        self.head = Dense(width, num_classes, ("embed", None), rngs=rngs)

    def __call__(self, ids_BT, valid_BT, rngs=None):
        if self.family == "bert":
            x_BTC = self.backbone(ids_BT, valid_BT=valid_BT, rngs=rngs)
        else:  # causal: right padding never reaches a real token
            x_BTC = self.backbone.features(ids_BT, rngs=rngs)
        return self._classify(x_BTC, valid_BT)

    def from_hidden(self, hidden_BTC, valid_BT, start: int, rngs=None):
        """The class scores from the states entering block `start` (a frozen trunk's cache)."""
        if self.family == "bert":
            x_BTC = self.backbone.features_from(hidden_BTC, start, valid_BT, rngs=rngs)
        else:
            x_BTC = self.backbone.features_from(hidden_BTC, start, rngs=rngs)
        return self._classify(x_BTC, valid_BT)

    def _classify(self, x_BTC, valid_BT):
        if self.pool == "last":
            pooled_BC = last_real(x_BTC, valid_BT)
        elif self.pool == "first":
            pooled_BC = x_BTC[:, 0]
        else:
            pooled_BC = mean_pool(x_BTC, valid_BT)
        return self.head(pooled_BC)


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    family, backbone = lm_finetune.build_backbone(cfg, rngs)
    lm_finetune.add_lora(cfg, backbone, rngs)
    model = Classifier(backbone, family, cfg.model.pool, spec.num_classes, rngs=rngs)
    model.trainable = lm_finetune.trainable_pattern(model, cfg)  # static: read by loss_fn
    if cfg.finetune.get("cache_frozen"):
        if cfg.model.init != "pretrained":
            raise UserError("finetune.cache_frozen=True needs model.init=pretrained (a scratch "
                            "trunk is drawn per seed): set --config.finetune.cache_frozen=False.")
        model.cut = frozen_cache.cut(model, model.trainable)  # static: where the cache enters
    return model


def encode(cfg, texts: list[str]) -> list[list[int]]:
    tok = lm_finetune.tokenizer(cfg)
    limit = cfg.data.max_length
    return [tok.encode(t, add_special=True)[:limit or None] or [tok.eos] for t in texts]


def collate(pad_id: int, multiple: int):
    """Examples (ids, label, 1.0 real or 0.0 filler[, cached states [len, C]]) -> a batch."""
    def batch(examples) -> dict:
        ids, valid = finetune_text.pad_rows([e[0] for e in examples], pad_id, multiple)
        out = {"ids": ids, "valid": valid,
               "label": np.array([e[1] for e in examples], np.int32),
               "mask": np.array([e[2] for e in examples], np.float32)}
        if len(examples[0]) == 4:
            hidden = np.zeros((*ids.shape, examples[0][3].shape[1]), np.float32)
            for row, e in enumerate(examples):
                hidden[row, :len(e[3])] = e[3]
            out["hidden"] = hidden
        return out
    return batch


def with_trunk_states(cfg, examples: dict[str, list], pad: int) -> dict[str, list]:
    """The examples with their frozen trunk's states appended (finetune.cache_frozen)."""
    model = build_model(cfg, types.SimpleNamespace(num_classes=len(CLASSES)), nnx.Rngs(cfg.seed))
    names = list(examples)
    rows = [e[0] for name in names for e in examples[name]]
    states = iter(frozen_cache.trunk_states(model.backbone, model.family, cfg.model.base,
                                            model.cut, rows, pad,
                                            store=cfg.model.base not in lm_finetune.TINY))
    return {name: [(*e, next(states)) for e in examples[name]] for name in names}


def build_data(cfg) -> Data:
    splits = finetune_text.balanced_spam(cfg.data.split_seed, cfg.data.dedupe)
    tok = lm_finetune.tokenizer(cfg)
    pad = tok.pad if tok.pad is not None else (tok.eos or 0)
    examples = {name: [(ids, label, 1.0) for ids, (_, label) in
                       zip(encode(cfg, [t for t, _ in rows]), rows)]
                for name, rows in splits.items()}
    filler = ([pad], 0, 0.0)
    if cfg.finetune.get("cache_frozen"):
        examples = with_trunk_states(cfg, examples, pad)
        width = examples["train"][0][3].shape[1]
        filler = (*filler, np.zeros((1, width), np.float32))
    make = collate(pad, cfg.data.pad_multiple)
    evaluated = {name: finetune_text.eval_batches(examples[name], cfg.data.eval_batch_size, make,
                                                  filler) for name in ("val", "test")}
    longest = max(len(e[0]) for rows in examples.values() for e in rows)
    lm_finetune.check_length(cfg, longest)
    return Data(
        train=finetune_text.train_batches(examples["train"], cfg.data.batch_size, cfg.seed, make),
        eval={"val": lambda: evaluated["val"]},
        final_eval={"test": lambda: evaluated["test"]},
        unit="examples", units_per_batch=cfg.data.batch_size,
        description=(f"SMS spam, {len(splits['train'])} train / {len(splits['val'])} val / "
                     f"{len(splits['test'])} test, half spam; up to {longest} tokens"),
        spec=dict(num_classes=len(CLASSES), classes=list(CLASSES), longest=longest))


def loss_fn(model, batch, rng):
    freezing.stop_frozen_gradients(model, model.trainable)
    rngs = nnx.Rngs(dropout=rng)
    if "hidden" in batch:
        logits_BK = model.from_hidden(batch["hidden"], batch["valid"], model.cut, rngs=rngs)
    else:
        logits_BK = model(batch["ids"], batch["valid"], rngs=rngs)
    mask_B = batch["mask"]
    log_p_BK = jax.nn.log_softmax(logits_BK)
    nll_B = -jnp.take_along_axis(log_p_BK, batch["label"][:, None], axis=1)[:, 0]
    correct_B = (jnp.argmax(logits_BK, axis=1) == batch["label"]).astype(jnp.float32)
    count = jnp.maximum(mask_B.sum(), 1.0)
    return (nll_B * mask_B).sum() / count, {"accuracy": (correct_B * mask_B).sum() / count}


def predict(workdir, texts: list[str]) -> list[tuple[str, float]]:
    """(label, its probability) of each text, from the workdir's latest checkpoint."""
    model, cfg, spec = checkpoint.load_model(workdir, build_model)
    rows = encode(cfg, texts)
    tok = lm_finetune.tokenizer(cfg)
    ids, valid = finetune_text.pad_rows(rows, tok.pad if tok.pad is not None else (tok.eos or 0))
    model.eval()
    probs = np.asarray(jax.nn.softmax(nnx.jit(lambda m, i, v: m(i, v))(model, ids, valid)))
    return [(spec.classes[int(p.argmax())], float(p.max())) for p in probs]


def baseline(cfg) -> dict[str, float]:
    """The non-neural row: TF-IDF of words and word pairs, logistic regression (scikit-learn),
    on the same balanced splits; val and test accuracy."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    splits = finetune_text.balanced_spam(cfg.data.split_seed, cfg.data.dedupe)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x_train = vectorizer.fit_transform([t for t, _ in splits["train"]])
    fitted = LogisticRegression(C=10.0, max_iter=1000).fit(x_train, [y for _, y in splits["train"]])
    return {f"{name}/accuracy": float(fitted.score(vectorizer.transform([t for t, _ in rows]),
                                                   [y for _, y in rows]))
            for name, rows in splits.items() if name != "train"}
