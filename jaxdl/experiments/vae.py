"""Variational autoencoder: train (or resume), sample (grid + latent interpolation), or bound
(the test set's negative ELBO and importance-weighted bound).

  python -m jaxdl.experiments.vae --config=experiments/vae/fashion_mnist.py:cpu --workdir=DIR
  python -m jaxdl.experiments.vae --mode=sample --workdir=DIR
  python -m jaxdl.experiments.vae --mode=bound --workdir=DIR --k=100
"""

from absl import flags

from jaxdl import cli
from jaxdl.tasks import vae

K = flags.DEFINE_integer("k", 100, "Bound: importance samples per image.")
NUM_TEST = flags.DEFINE_integer("num_test", 10_000, "Bound: test images (the first N).")

if __name__ == "__main__":
    flags.FLAGS.set_default("num_samples", 64)
    cli.run(vae, modes={
        "sample": lambda: vae.sample_main(cli.WORKDIR.value, num_samples=cli.NUM_SAMPLES.value,
                                          seed=cli.SAMPLE_SEED.value),
        "bound": lambda: vae.bound_main(cli.WORKDIR.value, k=K.value, num=NUM_TEST.value)})
