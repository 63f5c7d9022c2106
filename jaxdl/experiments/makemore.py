"""makemore: character-level models that learn to make more names.

  python -m jaxdl.experiments.makemore --config=experiments/makemore/names.py:transformer --workdir=DIR
  python -m jaxdl.experiments.makemore --mode=sample --workdir=DIR --num_samples=20

The ladder of makemore and its lectures (bigram, MLP, WaveNet, RNN, GRU, LSTM, transformer), all
behind one interface (token ids -> logits), trained by `jaxdl.train.fit`.
"""

import functools
import sys

import jax
import jax.numpy as jnp
import numpy as np
from absl import flags
from flax import nnx

from jaxdl import cli, losses, train
from jaxdl import mesh as mesh_lib
from jaxdl.data import Data, names, sources
from jaxdl.errors import UserError
from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.context_lm import MLPLM, WaveNetLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate



def build_model(cfg, rngs: nnx.Rngs) -> nnx.Module:
    m, vocab = cfg.model, cfg.model.vocab_size
    if m.name == "bigram":
        return BigramLM(vocab_size=vocab, rngs=rngs)
    if m.name == "mlp":
        context = cfg.data.block_size if m.context == -1 else m.context
        return MLPLM(vocab_size=vocab, context=context, embed=m.embed, hidden=m.hidden,
                     batch_norm=m.batch_norm, blank_token=m.blank_token, rngs=rngs)
    if m.name == "wavenet":
        return WaveNetLM(vocab_size=vocab, levels=m.levels, embed=m.embed, hidden=m.hidden, rngs=rngs)
    if m.name in ("rnn", "gru", "lstm"):
        return RecurrentLM(vocab_size=vocab, cell=m.name, embed=m.embed, hidden=m.hidden, rngs=rngs)
    if m.name == "transformer":
        return GPT(vocab_size=vocab, block_size=cfg.data.block_size, layers=m.layers, heads=m.heads,
                   width=m.embed, dropout=m.dropout, use_bias=True, init="torch", rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: bigram, mlp, wavenet, rnn, gru, lstm or "
                    "transformer.")


def build_data(cfg, mesh) -> Data:
    corpus = sources.load_text(cfg.data.corpus)
    words = corpus.text.split()
    tokenizer = names.tokenizer_for(words)
    cfg.data.vocab = tokenizer.chars  # recorded in config.json, so sampling needs no corpus
    cfg.data.block_size = max(map(len, words)) + 1
    cfg.model.vocab_size = tokenizer.vocab_size
    splits = names.split(words, cfg.data.split, cfg.data.split_seed)
    rows = {name: names.encode(part, tokenizer, cfg.data.block_size) for name, part in splits.items()}
    where = dict(process_index=jax.process_index(), process_count=jax.process_count())
    train_rows = names.random_rows(rows["train"], batch_size=cfg.data.batch_size, seed=cfg.seed,
                                   **where)
    if cfg.data.pack_rows:  # several names per row: fewer positions computed, same predictions
        if cfg.model.name != "transformer":
            raise UserError("data.pack_rows needs model.name=transformer (the model that can "
                            "attend within each packed name).")
        if mesh is not None:
            mesh_lib.check_batch(cfg.data.pack_rows, mesh, cfg.sharding_rules, "data.pack_rows")
        packed_rows = cfg.data.pack_rows // jax.process_count()
        train_rows = train_rows.map(functools.partial(
            names.pack, num_rows=packed_rows, length=cfg.data.pack_length))
    eval_batches = {name: [names.whole_split(rows[name], cfg.data.batch_size, **where)]
                    for name in splits if name != "train"}
    return Data(
        train=iter(train_rows.to_iter_dataset()),
        eval={name: (lambda batches=batches: batches) for name, batches in eval_batches.items()},
        unit="names",
        per_batch=cfg.data.batch_size,
        description=(f"{corpus.origin}; {cfg.data.split} split "
                     + ", ".join(f"{len(v):,} {k}" for k, v in splits.items())
                     + f"; {tokenizer.vocab_size} tokens, {cfg.data.block_size} positions"),
    )


def loss_fn(model, batch, rng):
    valid_BT = batch["targets"] >= 0
    packed = {k: batch[k] for k in ("positions", "segments") if k in batch}  # see names.pack
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng), valid=valid_BT, **packed)
    return losses.cross_entropy(logits_BTV, jnp.maximum(batch["targets"], 0), valid_BT), {}


def sample(workdir, *, num_samples: int, seed: int = 0, temperature: float = 1.0,
           top_k: int | None = None) -> list[str]:
    """New names from the workdir's latest checkpoint: each starts after the boundary token and
    ends at the next one (or after the longest name's length)."""
    model, cfg = train.load_model(workdir, sys.modules[__name__])
    start = np.zeros((num_samples, 1), np.int32)
    tokens = generate(model, start, cfg.data.block_size - 1, key=jax.random.PRNGKey(seed),
                      temperature=temperature, top_k=top_k)
    alphabet = cfg.data.vocab
    out = []
    for row in tokens[:, 1:]:
        ends = np.flatnonzero(row == 0)
        out.append("".join(alphabet[i] for i in row[:ends[0] if len(ends) else len(row)]))
    return out


def main():
    if cli.MODE.value == "sample":
        samples = sample(cli.WORKDIR.value, num_samples=cli.NUM_SAMPLES.value, seed=cli.SEED.value,
                         temperature=cli.TEMPERATURE.value, top_k=cli.TOP_K.value or None)
        print("\n".join(samples), flush=True)
        return
    cli.fit_and_report(sys.modules[__name__])


if __name__ == "__main__":
    flags.FLAGS.set_default("num_samples", 20)
    cli.run(main)
