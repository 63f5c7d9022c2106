"""nanoGPT: character-level language models of Shakespeare (bigram -> RNN -> GPT).

  python -m jaxdl.experiments.nanogpt --config=experiments/nanogpt/shakespeare_char.py:cpu --workdir=DIR
  python -m jaxdl.experiments.nanogpt --mode=sample --workdir=DIR --prompt="ROMEO:"

The task interface of `jaxdl.train.fit`: build_model, build_data, loss_fn. Sampling reads the
workdir's config.json and latest checkpoint.
"""

import sys

import jax
import numpy as np
from absl import flags
from flax import nnx

from jaxdl import cli, losses, train
from jaxdl.data import Data, sources, text
from jaxdl.errors import UserError
from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate

PROMPT = flags.DEFINE_string("prompt", "\n", "Sampling: text to continue.")
MAX_NEW_TOKENS = flags.DEFINE_integer("max_new_tokens", 500, "Sampling: characters to generate.")


def build_model(cfg, rngs: nnx.Rngs) -> nnx.Module:
    m = cfg.model
    if m.name == "gpt":
        return GPT(vocab_size=m.vocab_size, block_size=cfg.data.block_size, layers=m.layers,
                   heads=m.heads, width=m.width, dropout=m.dropout, use_bias=m.use_bias, rngs=rngs)
    if m.name == "rnn":
        return RecurrentLM(vocab_size=m.vocab_size, cell=m.cell, embed=m.embed, hidden=m.width,
                           rngs=rngs)
    if m.name == "bigram":
        return BigramLM(vocab_size=m.vocab_size, rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: choose gpt, rnn or bigram.")


def build_data(cfg, mesh) -> Data:
    corpus = sources.load_text(cfg.data.corpus)
    tokenizer = text.CharTokenizer.from_text(corpus.text)
    cfg.data.vocab = tokenizer.chars  # recorded in config.json, so sampling needs no corpus
    cfg.model.vocab_size = tokenizer.vocab_size
    train_text, val_text = sources.split_text(corpus.text)

    def windows(part: str, seed: int):
        return text.random_windows(
            tokenizer.encode(part), batch_size=cfg.data.batch_size, block_size=cfg.data.block_size,
            seed=seed, process_index=jax.process_index(), process_count=jax.process_count())

    val = windows(val_text, cfg.seed + 1)
    return Data(
        train=iter(windows(train_text, cfg.seed).to_iter_dataset()),
        eval={"val": lambda: (val[i] for i in range(cfg.train.eval_steps))},
        unit="tokens",
        per_batch=cfg.data.batch_size * cfg.data.block_size,
        description=(f"{corpus.origin}; {tokenizer.vocab_size} characters; "
                     f"{len(train_text):,} train / {len(val_text):,} val tokens"),
    )


def loss_fn(model, batch, rng):
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng))
    return losses.cross_entropy(logits_BTV, batch["targets"]), {}


def sample(workdir, prompt: str, *, max_new_tokens: int, num_samples: int = 1, seed: int = 0,
           temperature: float = 0.8, top_k: int | None = 200) -> list[str]:
    """Continues `prompt` with the workdir's latest checkpoint; returns prompt + new text."""
    model, cfg = train.load_model(workdir, sys.modules[__name__])
    tokenizer = text.CharTokenizer(cfg.data.vocab)
    prompt_ids = tokenizer.encode(prompt)
    if len(prompt_ids) == 0:
        raise UserError("--prompt is empty: give at least one character.")
    tokens = generate(model, np.repeat(prompt_ids[None], num_samples, axis=0), max_new_tokens,
                      key=jax.random.PRNGKey(seed), temperature=temperature, top_k=top_k)
    return [tokenizer.decode(row) for row in tokens]


def main():
    if cli.MODE.value == "sample":
        completions = sample(cli.WORKDIR.value, PROMPT.value, max_new_tokens=MAX_NEW_TOKENS.value,
                             num_samples=cli.NUM_SAMPLES.value, seed=cli.SEED.value,
                             temperature=cli.TEMPERATURE.value, top_k=cli.TOP_K.value or None)
        for i, completion in enumerate(completions):
            print(f"--- sample {i} ---\n{completion}", flush=True)
        return
    cli.fit_and_report(sys.modules[__name__])


if __name__ == "__main__":
    flags.FLAGS.set_default("temperature", 0.8)  # nanoGPT's sample.py defaults
    flags.FLAGS.set_default("top_k", 200)
    cli.run(main)
