"""VAE on binarized Fashion-MNIST (Bernoulli decoder, 20 latents); `:gaussian` for a Gaussian
decoder on [-1, 1] pixels. The article is experiments/autoencoders/README.md.

  python -m jaxdl.experiments.vae --config=experiments/vae/fashion_mnist.py:cpu --workdir=runs/vae/fashion
  python -m jaxdl.experiments.vae --mode=bound --workdir=runs/vae/fashion --k=100

Result (:cpu, 1200 steps of 64, one loaded core of a 2-core EPYC, 276 s): test negative ELBO
136.69 nats, importance-weighted (k = 100) 128.80 nats, on the first 500 test images.

Presets: smoke, cpu, gaussian, flax_example (the Flax example's schedule); data: fashion_mnist
(default), digits, mnist_5k.
"""

from jaxdl import config as config_lib
from jaxdl.tasks.vae import PRESETS, vae_config


def get_config(arg: str | None = None):
    return config_lib.apply_presets(vae_config(), arg, PRESETS)
