"""Convolutional autoencoders on Fashion-MNIST: plain (default) or `:denoising` (input noise
0.5), 16 latents or `:latent2`. The article is experiments/autoencoders/README.md.

  python -m jaxdl.experiments.autoencoder --config=experiments/autoencoder/fashion_mnist.py:cpu \\
      --workdir=runs/autoencoder/fashion
  python -m jaxdl.experiments.autoencoder --mode=sample --workdir=runs/autoencoder/fashion

Result (:cpu, 800 steps of 64, one loaded core of a 2-core EPYC): test MSE per pixel 0.0561
(127 s); with :latent2 0.1354 (123 s).

Presets: smoke, cpu, denoising, latent2; data: fashion_mnist (default), digits, mnist_5k.
"""

from jaxdl import config as config_lib
from jaxdl.tasks.autoencoder import PRESETS, autoencoder_config


def get_config(arg: str | None = None):
    return config_lib.apply_presets(autoencoder_config(), arg, PRESETS)
