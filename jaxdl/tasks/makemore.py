"""makemore: character-level models that learn to make more names.

The ladder of makemore and its lectures (bigram, MLP, WaveNet and its CNN form, RNN, GRU, LSTM,
transformer), all behind one interface (token ids -> logits): the task and sampling from a trained workdir. Configs
in experiments/makemore/, entry point `python -m jaxdl.experiments.makemore`.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl import checkpoint, losses
from jaxdl.config import SEED, OneOf, check_divides, count, number
from jaxdl.data import Data, name_rows, sources
from jaxdl.data.arrays import whole_split
from jaxdl.errors import UserError
from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.context_lm import MLPLM, WaveNetLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate

MODELS = ("bigram", "mlp", "wavenet", "cnn", "rnn", "gru", "lstm", "transformer")
# What this task's own config keys accept (jaxdl.config.validate checks them before a run).
CONFIG_RULES = {
    "data.corpus": OneOf(sources.CORPORA),
    "data.split": OneOf(("makemore", "lectures")),
    "data.split_seed": SEED,
    "data.block_size": count(0),  # 0: the longest name + 1
    "data.pack_rows": count(0),  # 0: no packing
    "data.pack_length": count(),
    "model.name": OneOf(MODELS),
    "model.embed": count(),
    "model.hidden": count(),
    "model.context": count(also=(-1,)),
    "model.levels": count(1, 16),  # wavenet: 2**levels characters of context
    "model.layers": count(),
    "model.heads": count(),
    "model.dropout": number(0.0, 1.0, high_open=True),
}


def check_config(cfg) -> None:
    if cfg.model.name == "transformer":
        check_divides(cfg, "model.embed", "model.heads")


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    m, vocab = cfg.model, spec.vocab_size
    if m.name == "bigram":
        return BigramLM(vocab_size=vocab, rngs=rngs)
    if m.name == "mlp":
        context = spec.block_size if m.context == -1 else m.context
        return MLPLM(vocab_size=vocab, context=context, embed=m.embed, hidden=m.hidden,
                     batch_norm=m.batch_norm, blank_token=m.blank_token, rngs=rngs)
    if m.name in ("wavenet", "cnn"):  # cnn: the same model as a causal dilated convolution
        return WaveNetLM(vocab_size=vocab, levels=m.levels, embed=m.embed, hidden=m.hidden,
                         form="conv" if m.name == "cnn" else "reshape", rngs=rngs)
    if m.name in ("rnn", "gru", "lstm"):
        return RecurrentLM(vocab_size=vocab, cell=m.name, embed=m.embed, hidden=m.hidden, rngs=rngs)
    if m.name == "transformer":
        return GPT(vocab_size=vocab, block_size=spec.block_size, layers=m.layers, heads=m.heads,
                   width=m.embed, dropout=m.dropout, use_bias=True, init="torch", rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: bigram, mlp, wavenet, cnn, rnn, gru, lstm "
                    "or transformer.")


def block_size(cfg, words: list[str]) -> int:
    """Positions per row: the longest name and its end token, or data.block_size if set (a
    longer block only pads more; a shorter one would cut names, so it is an error)."""
    needed = max(map(len, words)) + 1
    if cfg.data.block_size and cfg.data.block_size < needed:
        raise UserError(f"data.block_size={cfg.data.block_size} is shorter than the longest name "
                        f"and its end token ({needed}): set it to at least {needed}, or 0 for that.")
    return cfg.data.block_size or needed


def build_data(cfg) -> Data:
    corpus = sources.load_text(cfg.data.corpus)
    words = corpus.text.split()
    tokenizer = name_rows.tokenizer_for(words)
    positions = block_size(cfg, words)
    splits = name_rows.split(words, cfg.data.split, cfg.data.split_seed)
    rows = {name: name_rows.encode(part, tokenizer, positions) for name, part in splits.items()}
    where = dict(process_index=jax.process_index(), process_count=jax.process_count())
    train_rows = name_rows.random_rows(rows["train"], batch_size=cfg.data.batch_size, seed=cfg.seed,
                                   **where)
    if cfg.data.pack_rows:  # several names per row: fewer positions computed, same predictions
        if cfg.model.name != "transformer":
            raise UserError("data.pack_rows needs model.name=transformer (the model that can "
                            "attend within each packed name).")
        packed_rows = cfg.data.pack_rows // jax.process_count()
        train_rows = train_rows.map(functools.partial(
            name_rows.pack, num_rows=packed_rows, length=cfg.data.pack_length))
    eval_batches = {name: [whole_split(rows[name], cfg.data.batch_size, fill={"targets": -1},
                                       **where)]
                    for name in splits if name != "train"}
    return Data(
        train=iter(train_rows.to_iter_dataset()),
        eval={name: (lambda batches=batches: batches) for name, batches in eval_batches.items()},
        unit="names",
        units_per_batch=cfg.data.batch_size,
        description=(f"{corpus.origin}; {cfg.data.split} split "
                     + ", ".join(f"{len(v):,} {k}" for k, v in splits.items())
                     + f"; {tokenizer.vocab_size} tokens, {positions} positions"),
        # spec.json records the alphabet, so sampling needs no corpus.
        spec=dict(vocab=tokenizer.chars, vocab_size=tokenizer.vocab_size, block_size=positions),
    )


def loss_fn(model, batch, rng):
    valid_BT = batch["targets"] >= 0
    packed = {k: batch[k] for k in ("positions", "segments") if k in batch}  # see name_rows.pack
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng), valid=valid_BT, **packed)
    return losses.cross_entropy(logits_BTV, jnp.maximum(batch["targets"], 0), valid_BT), {}


def sample(workdir, *, num_samples: int, seed: int = 0, temperature: float = 1.0,
           top_k: int | None = None) -> list[str]:
    """New names from the workdir's latest checkpoint: each starts after the boundary token and
    ends at the next one (or after the longest name's length)."""
    model, _, spec = checkpoint.load_model(workdir, build_model)
    start = np.zeros((num_samples, 1), np.int32)
    tokens = generate(model, start, spec.block_size - 1, key=jax.random.PRNGKey(seed),
                      temperature=temperature, top_k=top_k)
    out = []
    for row in tokens[:, 1:]:
        ends = np.flatnonzero(row == 0)
        out.append("".join(spec.vocab[i] for i in row[:ends[0] if len(ends) else len(row)]))
    return out
