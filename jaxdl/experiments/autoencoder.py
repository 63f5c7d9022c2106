"""Plain and denoising autoencoders: train (or resume), or draw reconstructions (and, with two
latents, the latent map).

  python -m jaxdl.experiments.autoencoder --config=experiments/autoencoder/fashion_mnist.py:cpu --workdir=DIR
  python -m jaxdl.experiments.autoencoder --mode=sample --workdir=DIR
"""

from jaxdl import cli
from jaxdl.tasks import autoencoder

if __name__ == "__main__":
    cli.run(autoencoder, modes={"sample": lambda: autoencoder.sample_main(
        cli.WORKDIR.value, seed=cli.SAMPLE_SEED.value)})
