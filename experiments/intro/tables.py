"""Intro: one network on four bundled scikit-learn tables, a preset per dataset (no download).

  python -m jaxdl.experiments.intro --config=experiments/intro/tables.py:digits --workdir=runs/intro/digits

Datasets (each split once 60/20/20, seed 0; stratified for classes):
  digits         10 classes: 1,797 handwritten digits, 8x8 pixels of 0-16 (the default)
  iris           3 classes: 150 flowers, 4 measurements
  breast_cancer  binary: 569 tumours, 30 measurements of cell nuclei (malignant 0, benign 1);
                 one output logit, p(benign) = sigmoid(logit)
  diabetes       regression: 442 patients, 10 measurements; disease progression a year later
Presets: smoke (seconds), linear (no hidden layer: softmax, logistic or linear regression).
Results (split seed 0, 1 CPU device; experiments/intro/README.md), chosen by val:
  digits         MLP 64-128-10: val accuracy 0.9778, test 0.9778; linear: val 0.9722, test 0.9611
  iris           MLP 4-16-3: val 1.0000, test 0.9667; linear: val 1.0000, test 1.0000
  breast_cancer  MLP 30-32-1: val 0.9912, test 0.9649; linear: val 0.9912, test 0.9649
  diabetes       MLP 10-32-1: val R^2 0.3964, test R^2 0.3131 (RMSE 59.35);
                 linear: val R^2 0.5093, test R^2 0.3432 (RMSE 58.03)
"""

from jaxdl import config as config_lib


def get_config(arg: str | None = None):
    cfg = config_lib.base_config()
    cfg.data.update(dataset="digits", batch_size=64, val_fraction=0.2, test_fraction=0.2,
                    split_seed=0)
    cfg.model = dict(hidden=(128,))
    cfg.train.update(steps=2000, log_every=100, eval_every=100)
    cfg.checkpoint.every = 2000
    # lr: the best on val of 1e-3, 3e-3, 1e-2, 3e-2 (README). No clipping: the models are small
    # and their inputs standardized.
    cfg.opt.update(lr=1e-2, min_lr=3e-4, warmup_steps=50, weight_decay=0.1, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


def dataset(name: str, *, batch_size: int, hidden: int, steps: int, lr: float = 1e-2):
    def preset(cfg):
        cfg.data.update(dataset=name, batch_size=batch_size)
        cfg.model.hidden = (hidden,)
        cfg.train.steps = cfg.checkpoint.every = steps
        cfg.opt.lr = lr

    return preset


def linear(cfg):
    cfg.model.hidden = ()


PRESETS = dict(
    digits=dataset("digits", batch_size=64, hidden=128, steps=2000),
    iris=dataset("iris", batch_size=16, hidden=16, steps=1000),
    breast_cancer=dataset("breast_cancer", batch_size=32, hidden=32, steps=1000),
    diabetes=dataset("diabetes", batch_size=32, hidden=32, steps=2000, lr=1e-3),
    smoke=config_lib.smoke(20, eval_every=10),
    linear=linear,
)
