"""DCGAN: train (or resume) both players in one jitted step, or sample a PNG grid.

  python -m jaxdl.experiments.gan --config=experiments/gan/fashion_mnist.py:cpu --workdir=DIR
  python -m jaxdl.experiments.gan --mode=sample --workdir=DIR --num_samples=64
"""

from absl import flags

from jaxdl import cli
from jaxdl.tasks import gan

if __name__ == "__main__":
    flags.FLAGS.set_default("num_samples", 64)
    cli.run(gan, modes={"sample": lambda: gan.sample_main(
        cli.WORKDIR.value, num_samples=cli.NUM_SAMPLES.value, seed=cli.SAMPLE_SEED.value)})
