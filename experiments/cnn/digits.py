"""CNNs on scikit-learn's digits (1,797 8x8 handwritten digits; bundled, no download).

  python -m jaxdl.experiments.cnn --config=experiments/cnn/digits.py --workdir=runs/cnn/digits

Presets: smoke (seconds); models small (the default), lenet5, vgg.
Results (1000 steps, seed 0, 1 CPU device of a shared 2-core AMD EPYC VM; README.md):
  small   53,098 params: val accuracy 0.9896, test 0.9889, 37 s wall (val 0.9688 at step 100)
  lenet5  21,386 params: val 0.9583, test 0.9583, 27 s
  vgg    199,338 params: val 0.9826, test 0.9917, 36 s
"""

from jaxdl import config as config_lib
from jaxdl.tasks.image import MODEL_PRESETS, image_config


def get_config(arg: str | None = None):
    cfg = image_config("digits", "small_cnn", widths=(32, 64), hidden=128, dropout=0.25,
                       batch_norm=True)
    cfg.data.update(batch_size=64, eval_batch_size=512, val_fraction=0.2)
    cfg.train.update(steps=1000, log_every=100, eval_every=100)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=3e-3, min_lr=1e-4, warmup_steps=50, weight_decay=0.05, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


smoke = config_lib.smoke(20, eval_every=10)


PRESETS = dict(MODEL_PRESETS, smoke=smoke)

