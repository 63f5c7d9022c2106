"""Intro, 3-class classification: scikit-learn's iris (150 flowers, 4 measurements, 3 species).

  python -m jaxdl.experiments.intro --config=experiments/intro/iris.py --workdir=runs/intro/iris

Presets: smoke (seconds), linear (no hidden layer: softmax regression).
Results (split seed 0, 1 CPU device; experiments/intro/README.md):
  default  MLP 4-16-3, lr 1e-2: val accuracy 1.0000, test accuracy 0.9667, chosen by val
  linear   4-3 (softmax regression), lr 1e-2: val 1.0000, test 1.0000
"""

from jaxdl import config as config_lib


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.data.update(dataset="iris", batch_size=16, val_fraction=0.2, test_fraction=0.2,
                    split_seed=0)
    # Filled by build_data from the train split, so config.json records them.
    cfg.data.update(feature_mean=(), feature_std=(), target_mean=0.0, target_std=1.0)
    cfg.model = dict(hidden=(16,), kind="", inputs=-1, outputs=-1)  # kind, inputs, outputs: filled
    cfg.train.update(steps=1000, log_every=100, eval_every=100)
    cfg.checkpoint.every = 1000
    # lr: the best on val of 1e-3, 3e-3, 1e-2, 3e-2 (README). No clipping: the models are small
    # and their inputs standardized.
    cfg.opt.update(lr=1e-2, min_lr=3e-4, warmup_steps=50, weight_decay=0.1, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


def smoke(cfg):
    cfg.train.update(steps=20, log_every=10, eval_every=10)
    cfg.checkpoint.every = 20
    cfg.opt.warmup_steps = 5


def linear(cfg):
    cfg.model.hidden = ()


PRESETS = dict(smoke=smoke, linear=linear)
