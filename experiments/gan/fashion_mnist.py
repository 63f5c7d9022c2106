"""DCGAN on Fashion-MNIST (28x28 padded to 32x32): non-saturating loss (`:hinge` for the hinge
loss), one Adam per player. The article is experiments/gan/README.md.

  python -m jaxdl.experiments.gan --config=experiments/gan/fashion_mnist.py:cpu --workdir=runs/gan/fashion
  python -m jaxdl.experiments.gan --mode=sample --workdir=runs/gan/fashion

Result (:cpu, 800 steps of 64, one loaded core of a 2-core EPYC, 371 s): test L_D 1.176, L_G
0.895; FD and class histogram in experiments/diffusion/README.md.

Presets: smoke, cpu, hinge; data: fashion_mnist (default), digits, mnist_5k.
"""

from jaxdl import config as config_lib
from jaxdl.tasks.gan import PRESETS, gan_config


def get_config(arg: str | None = None):
    return config_lib.apply_presets(gan_config(), arg, PRESETS)
