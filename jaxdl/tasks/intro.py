"""Intro: neurons, layers and networks on small real tables, trained by the shared loop.

One task for four bundled scikit-learn datasets: diabetes (regression), breast_cancer (binary),
iris and digits (multi-class). Each is split once into train / val / test; the model standardizes
its inputs with statistics of the train split only and is a stack of `nnx.Linear` layers (none
hidden: linear or logistic regression). Config: experiments/intro/tables.py (a preset per dataset).
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from sklearn import datasets
from sklearn.model_selection import train_test_split

from jaxdl.config import FRACTION, SEED, OneOf, count
from jaxdl.data import Data
from jaxdl.data.arrays import shuffled_batches, whole_split
from jaxdl.errors import ConfigError, UserError

# Dataset name -> (loader, kind of target). diabetes is loaded unscaled: scikit-learn's default
# copy is already centred and scaled with statistics of all 442 rows, val and test included.
DATASETS = {
    "diabetes": (lambda: datasets.load_diabetes(scaled=False), "regression"),
    "breast_cancer": (datasets.load_breast_cancer, "binary"),
    "iris": (datasets.load_iris, "multiclass"),
    "digits": (datasets.load_digits, "multiclass"),
}
# What this task's own config keys accept (jaxdl.config.validate checks them before a run).
CONFIG_RULES = {
    "data.dataset": OneOf(tuple(DATASETS)),
    "data.val_fraction": FRACTION,
    "data.test_fraction": FRACTION,
    "data.split_seed": SEED,
    "model.hidden": count(),  # widths of the hidden layers; () = none
}


def check_config(cfg) -> None:
    if cfg.data.val_fraction + cfg.data.test_fraction >= 1:
        raise ConfigError(f"--config.data.val_fraction={cfg.data.val_fraction} and "
                          f"--config.data.test_fraction={cfg.data.test_fraction} leave no "
                          "training rows: their sum must be below 1.")


def split_rows(targets: np.ndarray, val_fraction: float, test_fraction: float, seed: int,
               stratify: bool) -> dict[str, np.ndarray]:
    """Row indices of train / val / test: disjoint, covering every row, the same for the same
    arguments. With `stratify`, every split keeps the classes' proportions."""
    rows = np.arange(len(targets))
    rest, test = train_test_split(rows, test_size=test_fraction, random_state=seed,
                                  stratify=targets if stratify else None)
    train_, val = train_test_split(rest, test_size=val_fraction / (1 - test_fraction),
                                   random_state=seed,
                                   stratify=targets[rest] if stratify else None)
    return {"train": train_, "val": val, "test": test}


def load_splits(name: str, val_fraction: float, test_fraction: float,
                seed: int) -> dict[str, dict[str, np.ndarray]]:
    """{"train"|"val"|"test": {"features": [N, F] float32, "targets": [N]}} of a bundled dataset
    (targets float32 for regression, int32 class ids otherwise)."""
    if name not in DATASETS:
        raise UserError(f"Unknown data.dataset {name!r}: choose {', '.join(DATASETS)}.")
    load, kind = DATASETS[name]
    bunch = load()
    features = bunch.data.astype(np.float32)
    targets = bunch.target.astype(np.float32 if kind == "regression" else np.int32)
    splits = split_rows(targets, val_fraction, test_fraction, seed,
                        stratify=kind != "regression")
    return {split: {"features": features[rows], "targets": targets[rows]}
            for split, rows in splits.items()}


def standardization(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation per feature. A constant feature (digits has pixels that are
    always 0) gets std 1, so it becomes 0 instead of 0/0."""
    std = features.std(0)
    return features.mean(0), np.where(std > 0, std, 1.0)


class Fitted(nnx.Variable):
    """A statistic fitted on the training split: saved with the model, never changed by gradients."""


class Network(nnx.Module):
    """standardize -> [Linear -> ReLU] per hidden width -> Linear -> (regression: back to target units).

    The standardization is a fixed first layer (keras.layers.Normalization given the train split's
    mean and variance), so the saved model takes raw features and cannot meet the wrong statistics.
    """

    def __init__(self, *, inputs: int, hidden, outputs: int, feature_mean, feature_std,
                 target_mean: float, target_std: float, kind: str, rngs: nnx.Rngs):
        self.kind = kind  # static: loss_fn reads it to pick the loss
        self.feature_mean = Fitted(jnp.asarray(feature_mean, jnp.float32))
        self.feature_std = Fitted(jnp.asarray(feature_std, jnp.float32))
        self.target_mean = Fitted(jnp.asarray(target_mean, jnp.float32))
        self.target_std = Fitted(jnp.asarray(target_std, jnp.float32))
        widths = [inputs, *hidden, outputs]
        self.layers = nnx.List([nnx.Linear(a, b, rngs=rngs) for a, b in zip(widths, widths[1:])])

    def __call__(self, features_BF: jax.Array) -> jax.Array:
        h = (features_BF - self.feature_mean[...]) / self.feature_std[...]
        for layer in self.layers[:-1]:
            h = jax.nn.relu(layer(h))
        out = self.layers[-1](h)
        if self.kind == "regression":  # the net predicts in standard units; report target units
            return self.target_mean[...] + self.target_std[...] * out[:, 0]
        return out[:, 0] if self.kind == "binary" else out


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    return Network(inputs=spec.inputs, hidden=tuple(cfg.model.hidden), outputs=spec.outputs,
                   feature_mean=spec.feature_mean, feature_std=spec.feature_std,
                   target_mean=spec.target_mean, target_std=spec.target_std, kind=spec.kind,
                   rngs=rngs)


def build_data(cfg) -> Data:
    d = cfg.data
    splits = load_splits(d.dataset, d.val_fraction, d.test_fraction, d.split_seed)
    kind = DATASETS[d.dataset][1]
    train_split = splits["train"]
    # Every statistic comes from the train split only: val and test stand for unseen data.
    mean, std = standardization(train_split["features"])
    targets = train_split["targets"]
    classes = len(np.unique(targets)) if kind != "regression" else 0
    inputs = train_split["features"].shape[1]
    where = dict(process_index=jax.process_index(), process_count=jax.process_count())
    stream = shuffled_batches(train_split, batch_size=d.batch_size, seed=cfg.seed, **where)
    whole = {name: [whole_split(splits[name], d.batch_size, **where)] for name in ("val", "test")}
    sizes = " / ".join(f"{len(s['targets'])} {name}" for name, s in splits.items())
    target = f"{classes} classes, stratified" if classes else "a real-valued target"
    return Data(
        train=iter(stream.to_iter_dataset()),
        eval={"val": lambda: whole["val"]},
        final_eval={"test": lambda: whole["test"]},  # read once, at the end
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"scikit-learn {d.dataset}: {inputs} features, {target}; "
                     f"{sizes} (split seed {d.split_seed})"),
        spec=dict(kind=kind, inputs=inputs, outputs=classes if kind == "multiclass" else 1,
                  feature_mean=tuple(map(float, mean)), feature_std=tuple(map(float, std)),
                  target_mean=float(targets.mean()) if kind == "regression" else 0.0,
                  target_std=float(targets.std()) if kind == "regression" else 1.0),
    )


def masked_mean(values: jax.Array, mask: jax.Array) -> jax.Array:
    return (values * mask).sum() / jnp.maximum(mask.sum(), 1.0)


def loss_fn(model, batch, rng):
    """Mean squared error (regression) or cross-entropy (classification) over unmasked rows."""
    del rng  # no dropout here: every step is deterministic given its batch
    out, targets, mask = model(batch["features"]), batch["targets"], batch["mask"]
    if model.kind == "regression":
        error = out - targets
        mse = masked_mean(jnp.square(error), mask)
        # R^2 = 1 - SSE / SST: the share of the targets' variance (around their own mean) explained.
        target_mean = masked_mean(targets, mask)
        explained = 1 - mse / masked_mean(jnp.square(targets - target_mean), mask)
        return mse, {"rmse": jnp.sqrt(mse), "mae": masked_mean(jnp.abs(error), mask),
                     "r2": explained}
    if model.kind == "binary":  # one logit: p(class 1) = sigmoid(logit)
        loss = masked_mean(optax.sigmoid_binary_cross_entropy(out, targets.astype(out.dtype)), mask)
        predicted = (out > 0).astype(jnp.int32)
    else:  # one logit per class: p = softmax(logits)
        loss = masked_mean(optax.softmax_cross_entropy_with_integer_labels(out, targets), mask)
        predicted = out.argmax(-1)
    return loss, {"accuracy": masked_mean((predicted == targets).astype(jnp.float32), mask)}

