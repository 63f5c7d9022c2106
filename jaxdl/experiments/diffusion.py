"""Denoising diffusion: train (or resume), or sample a PNG grid from a trained workdir.

  python -m jaxdl.experiments.diffusion --config=experiments/diffusion/fashion_mnist.py:cpu --workdir=DIR
  python -m jaxdl.experiments.diffusion --mode=sample --workdir=DIR --num_samples=64 --steps=50 --guidance=3
"""

from absl import flags

from jaxdl import cli
from jaxdl.tasks import diffusion

STEPS = flags.DEFINE_integer("steps", 50, "Sampling: denoising steps (DDPM: all training steps).")
GUIDANCE = flags.DEFINE_float("guidance", 3.0, "Sampling: classifier-free guidance scale "
                              "(1 = plain conditional, 0 = unconditional).")
METHOD = flags.DEFINE_enum("method", "ddim", ["ddim", "ddpm"], "Sampling: the reverse process.")
ETA = flags.DEFINE_float("eta", 0.0, "Sampling: DDIM's noise (0 = deterministic, 1 = DDPM-like).")


def sample():
    diffusion.sample_main(cli.WORKDIR.value, num_samples=cli.NUM_SAMPLES.value, steps=STEPS.value,
                          guidance=GUIDANCE.value, method=METHOD.value, eta=ETA.value,
                          seed=cli.SAMPLE_SEED.value)


if __name__ == "__main__":
    flags.FLAGS.set_default("num_samples", 64)
    cli.run(diffusion, modes={"sample": sample})
