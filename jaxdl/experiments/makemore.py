"""makemore: train (or resume) a name model, or sample names from a trained workdir.

  python -m jaxdl.experiments.makemore --config=experiments/makemore/names.py:transformer --workdir=DIR
  python -m jaxdl.experiments.makemore --mode=sample --workdir=DIR --num_samples=20
"""

from absl import flags

from jaxdl import cli
from jaxdl.tasks import makemore


def sample():
    names = makemore.sample(cli.WORKDIR.value, num_samples=cli.NUM_SAMPLES.value,
                            seed=cli.SAMPLE_SEED.value, temperature=cli.TEMPERATURE.value,
                            top_k=cli.TOP_K.value or None)
    print("\n".join(names), flush=True)


if __name__ == "__main__":
    flags.FLAGS.set_default("num_samples", 20)
    cli.run(makemore, modes={"sample": sample})
