"""CNNs on Fashion-MNIST (70,000 28x28 grey images of 10 kinds of clothing; the Debian package
dataset-fashion-mnist, else prepared tfds data).

  python -m jaxdl.experiments.cnn --config=experiments/cnn/fashion_mnist.py \
      --workdir=runs/cnn/fashion

Presets: smoke (seconds); models small (the default), lenet5, vgg; augment (random crop, pad 2).
Results (seed 0, 1 CPU device of a 2-core AMD EPYC VM shared with other jobs; README.md):
  small   421,738 params, 1500 x 128 (3.6 epochs): test accuracy 0.9179, val 0.9260, 633 s wall
          (139 s on the same kind of VM when idle)
  lenet5   61,706 params, the same schedule: test 0.8881, val 0.8918, 99 s
  augment  small CNN with random crops: test 0.9057, val 0.9110, 629 s (worse at 3.6 epochs)
"""

from jaxdl import config as config_lib
from jaxdl.tasks.image import MODEL_PRESETS, image_config


def get_config(arg: str | None = None):
    cfg = image_config("fashion_mnist", "small_cnn", widths=(32, 64), hidden=128, dropout=0.25,
                       batch_norm=True)
    cfg.data.update(batch_size=128, eval_batch_size=1000, val_fraction=0.1)
    cfg.train.update(steps=1500, log_every=100, eval_every=250)  # 1500 x 128: 3.6 epochs
    cfg.checkpoint.every = 500
    cfg.opt.update(lr=3e-3, min_lr=1e-4, warmup_steps=100, weight_decay=0.05, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


smoke = config_lib.smoke(20)


def augment(cfg):
    cfg.data.crop_padding = 2  # no flips: they would not change the classes, but help less here


PRESETS = dict(MODEL_PRESETS, smoke=smoke, augment=augment)
