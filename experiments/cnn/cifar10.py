"""CNNs on CIFAR-10 (60,000 32x32 colour images, 10 classes) from prepared tfds data.

  python -m jaxdl.experiments.cnn --config=experiments/cnn/cifar10.py --workdir=runs/cnn/cifar10

No package ships CIFAR-10 and this machine is offline: prepare it once where there is internet
(`tfds build cifar10`), copy ~/tensorflow_datasets/cifar10 here (or set TFDS_DATA_DIR). Without
it the run fails at once naming that fix. Not run here (no data on the machine).
Presets: smoke; models vgg (the default: VGG-style, 3 stages, BatchNorm), small, lenet5;
vgg11 (VGG-11's widths, for an accelerator); no_augment.
"""

from jaxdl import config as config_lib
from jaxdl.tasks.image import image_config, set_model


def get_config(arg: str | None = None):
    cfg = image_config("cifar10", "vgg", stages=((64, 64), (128, 128), (256, 256)),
                       hidden=(512,), dropout=0.5, batch_norm=True)
    # The standard CIFAR augmentation: shifts of up to 4 pixels and left-right mirrors.
    cfg.data.update(batch_size=128, eval_batch_size=1000, val_fraction=0.1, crop_padding=4,
                    flip=True)
    cfg.train.update(steps=20_000, log_every=200, eval_every=1000)
    cfg.checkpoint.every = 2000
    cfg.opt.update(lr=2e-3, min_lr=1e-5, warmup_steps=500, weight_decay=0.05, grad_clip=0.0)
    return config_lib.apply_presets(cfg, arg, PRESETS)


smoke = config_lib.smoke(20)


def vgg(cfg):
    pass  # the default


def vgg11(cfg):
    set_model(cfg, "vgg", stages=((64,), (128,), (256, 256), (512, 512), (512, 512)),
              hidden=(512, 512), dropout=0.5, batch_norm=True)


def small(cfg):
    set_model(cfg, "small_cnn", widths=(32, 64, 128), hidden=256, dropout=0.25, batch_norm=True)


def lenet5(cfg):
    set_model(cfg, "lenet5")


def no_augment(cfg):
    cfg.data.update(crop_padding=0, flip=False)


PRESETS = dict(smoke=smoke, vgg=vgg, vgg11=vgg11, small=small, lenet5=lenet5,
               no_augment=no_augment)
