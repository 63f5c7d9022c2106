"""The intro tasks in Keras 3 on its JAX backend, beside the same configs trained by jaxdl's loop.

  pip install 'keras>=3'
  python experiments/intro/keras_side_by_side.py                 # all four tasks, MLP and linear
  python experiments/intro/keras_side_by_side.py --tasks=iris --presets=linear

Same splits, same train-split statistics, same layer widths, AdamW settings, warmup + cosine
schedule and number of examples seen; the script prints one markdown table of val/test metrics
from both. Keras is optional: nothing in jaxdl imports it.
"""

import importlib.util
import math
import os
import pathlib
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported: it reads this once

import keras  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags, logging  # noqa: E402

import ml_collections  # noqa: E402

from jaxdl import train  # noqa: E402
from jaxdl.tasks import intro  # noqa: E402

CONFIGS = pathlib.Path(__file__).resolve().parent
TASKS = flags.DEFINE_list("tasks", ["diabetes", "breast_cancer", "iris", "digits"], "Datasets.")
PRESETS = flags.DEFINE_list("presets", ["", "linear"], "Presets after the dataset ('' = none).")


def load_config(task: str, preset: str = ""):
    """(cfg, spec): experiments/intro/tables.py with presets `task` and `preset`, and what the
    data decides (feature statistics, kind, inputs and outputs)."""
    found = importlib.util.spec_from_file_location("intro_tables", CONFIGS / "tables.py")
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    cfg = module.get_config(",".join(filter(None, (task, preset))))
    return cfg, ml_collections.ConfigDict(intro.build_data(cfg).spec)


def keras_model(cfg, spec) -> keras.Sequential:
    """intro.Network in Keras: the same layers, the fitted statistics passed in (not `adapt`ed:
    adapt would divide a feature that is constant on the train split by 1e-7 instead of 1)."""
    d, m = spec, cfg.model
    layers = [keras.Input((spec.inputs,)),
              keras.layers.Normalization(mean=d.feature_mean, variance=np.square(d.feature_std))]
    layers += [keras.layers.Dense(width, activation="relu") for width in m.hidden]
    layers.append(keras.layers.Dense(spec.outputs))
    if spec.kind == "regression":  # back to target units, as intro.Network does
        layers.append(keras.layers.Normalization(mean=d.target_mean,
                                                 variance=d.target_std ** 2, invert=True))
    return keras.Sequential(layers)


def compile_like(model: keras.Model, cfg, kind: str, total_steps: int) -> None:
    """AdamW with jaxdl.optim's schedule (linear warmup from 0, cosine to min_lr), decay on kernels
    only, no clipping; the loss and metrics of intro.loss_fn."""
    o = cfg.opt
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, warmup_target=o.lr, warmup_steps=o.warmup_steps,
        decay_steps=total_steps - o.warmup_steps, alpha=o.min_lr / o.lr)
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=o.weight_decay, beta_1=o.b1,
                                       beta_2=o.b2, epsilon=1e-8)  # optax's epsilon
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    if kind == "regression":
        loss, metrics = "mse", [keras.metrics.RootMeanSquaredError(name="rmse"),
                                keras.metrics.R2Score(name="r2")]
    elif kind == "binary":
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
        metrics = [keras.metrics.BinaryAccuracy(name="accuracy", threshold=0.0)]
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)


def targets(kind: str, split) -> np.ndarray:
    """Keras keeps the output's trailing axis of 1 (regression, binary): targets get one too."""
    return split["targets"] if kind == "multiclass" else split["targets"][:, None]


def train_keras(cfg, spec) -> dict[str, float]:
    """Trains on the train split for as many examples as jaxdl's run sees; val/test metrics."""
    keras.utils.set_random_seed(cfg.seed)
    splits = intro.load_splits(cfg.data.dataset, cfg.data.val_fraction, cfg.data.test_fraction,
                               cfg.data.split_seed)
    n, batch = len(splits["train"]["targets"]), cfg.data.batch_size
    epochs = max(1, round(cfg.train.steps * batch / n))
    model = keras_model(cfg, spec)
    compile_like(model, cfg, spec.kind, total_steps=epochs * math.ceil(n / batch))
    model.fit(splits["train"]["features"], targets(spec.kind, splits["train"]), batch_size=batch,
              epochs=epochs, shuffle=True, verbose=0)
    results = {}
    for split in ("val", "test"):
        part = splits[split]
        # One batch holding the whole split: the metrics are exactly the split's.
        values = model.evaluate(part["features"], targets(spec.kind, part), batch_size=len(part["targets"]),
                                verbose=0, return_dict=True)
        results.update({f"{split}/{key}": float(value) for key, value in values.items()})
    return results


def train_jaxdl(cfg, spec) -> dict[str, float]:
    cfg.train.eval_every = cfg.train.steps  # evaluating does not change training: only at the end
    with tempfile.TemporaryDirectory() as workdir:
        return train.fit(cfg, workdir, intro)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # orbax logs every checkpoint save at INFO
    print("| task | model | framework | val | test |\n| --- | --- | --- | --- | --- |")
    for task in TASKS.value:
        for preset in PRESETS.value:
            cfg, spec = load_config(task, preset)
            key = "r2" if spec.kind == "regression" else "accuracy"
            model = "linear" if not cfg.model.hidden else f"MLP {tuple(cfg.model.hidden)}"
            for framework, run in (("jaxdl", train_jaxdl), ("Keras 3 (JAX)", train_keras)):
                result = run(*load_config(task, preset))
                print(f"| {task} | {model} | {framework} | {key} {result[f'val/{key}']:.4f} | "
                      f"{key} {result[f'test/{key}']:.4f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
