"""nanoGPT on Shakespeare: train (or resume), or sample from a trained workdir.

  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu --workdir=DIR
  python -m jaxdl.experiments.nanogpt --mode=sample --workdir=DIR --prompt="ROMEO:"
"""

from absl import flags

from jaxdl import cli
from jaxdl.tasks import nanogpt

PROMPT = flags.DEFINE_string("prompt", "\n", "Sampling: text to continue.")
MAX_NEW_TOKENS = flags.DEFINE_integer("max_new_tokens", 500, "Sampling: characters to generate.",
                                      lower_bound=1)


def sample():
    completions = nanogpt.sample(
        cli.WORKDIR.value, PROMPT.value, max_new_tokens=MAX_NEW_TOKENS.value,
        num_samples=cli.NUM_SAMPLES.value, seed=cli.SAMPLE_SEED.value,
        temperature=cli.TEMPERATURE.value, top_k=cli.TOP_K.value or None)
    for i, completion in enumerate(completions):
        print(f"--- sample {i} ---\n{completion}", flush=True)


if __name__ == "__main__":
    flags.FLAGS.set_default("temperature", 0.8)  # nanoGPT's sample.py defaults
    flags.FLAGS.set_default("top_k", 200)
    cli.run(nanogpt, modes={"sample": sample})
