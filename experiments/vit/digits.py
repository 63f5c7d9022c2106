"""ViT on scikit-learn's digits (1,797 8x8 handwritten digits; bundled, no download).

  python -m jaxdl.experiments.vit --config=experiments/vit/digits.py --workdir=runs/vit/digits

Patch 2: 16 tokens of 4 pixels plus the class token; 2 blocks of width 64, dropout 0.2 (chosen
on val among 8 variants, experiments/vit/README.md). Presets: smoke (seconds), patch4 (4 tokens
of 16 pixels).
Results (split seed 0, 1 CPU device of the shared 2-core VM, wall time with other jobs running):
  default  val accuracy 0.9722, test 0.9778, 56 s (seeds 1 and 2: val 0.9688 and 0.9583)
  patch4   val accuracy 0.9688, test 0.9833, 34 s
"""

from jaxdl import config as config_lib
from jaxdl.tasks.image import image_config


def get_config(arg: str | None = None):
    cfg = image_config("digits", "vit", patch_size=2, width=64, layers=2, heads=4, mlp_ratio=2, dropout=0.2)
    # The cnn digits config's split (val 20%, test 20%, seed 0): the two families meet the same
    # examples.
    cfg.data.update(batch_size=128, eval_batch_size=512, val_fraction=0.2)
    cfg.train.update(steps=1000, log_every=100, eval_every=100)
    cfg.checkpoint.every = 1000
    cfg.opt.update(lr=2e-3, min_lr=1e-4, warmup_steps=100, weight_decay=0.05, grad_clip=1.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


smoke = config_lib.smoke(20, eval_every=10)


def patch4(cfg):
    cfg.model.patch_size = 4


PRESETS = dict(smoke=smoke, patch4=patch4)
