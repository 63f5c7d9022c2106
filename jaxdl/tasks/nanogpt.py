"""nanoGPT: character-level language models of Shakespeare (bigram -> RNN -> GPT).

The task (build_data, build_model, loss_fn) and sampling from a trained workdir; configs in
experiments/nanogpt/, entry point `python -m jaxdl.experiments.nanogpt`.
"""

import jax
import numpy as np
from flax import nnx

from jaxdl import checkpoint, losses
from jaxdl.config import OneOf, check_divides, count, number
from jaxdl.data import Data, sources, text, web_text
from jaxdl.errors import ConfigError, UserError
from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate

# What this task's own config keys accept (jaxdl.config.validate checks them before a run).
CONFIG_RULES = {
    "data.corpus": OneOf((*sources.CORPORA, web_text.NAME)),
    "data.block_size": count(),
    "model.name": OneOf(("gpt", "rnn", "bigram")),
    "model.layers": count(),
    "model.heads": count(),
    "model.width": count(),
    "model.embed": count(),
    "model.dropout": number(0.0, 1.0, high_open=True),
    "model.cell": OneOf(("rnn", "gru", "lstm")),
    "model.dtype": OneOf(("float32", "bfloat16", "float16")),
    "model.param_dtype": OneOf(("float32", "bfloat16")),
    "model.remat": OneOf(("none", "block", "dots")),
    "model.positions": OneOf(("learned", "rotary")),
}


def check_config(cfg) -> None:
    if cfg.model.name == "gpt":
        check_divides(cfg, "model.width", "model.heads")
    if cfg.data.corpus == web_text.NAME and ("web_train_tokens" not in cfg.data
                                             or cfg.data.tokenizer != "gpt2"):
        raise ConfigError(f"--config.data.corpus={web_text.NAME} needs GPT-2 tokens and a token "
                          "budget: use experiments/nanogpt/gpt2.py:fineweb.")


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    m = cfg.model
    if m.name == "gpt":
        return GPT(vocab_size=spec.vocab_size, block_size=cfg.data.block_size, layers=m.layers,
                   heads=m.heads, width=m.width, dropout=m.dropout, use_bias=m.use_bias,
                   mlp=m.get("mlp", "gelu"), remat=m.get("remat", "none"),
                   positions=m.get("positions", "learned"),
                   fused_attention=m.get("fused_attention", False), rngs=rngs)
    if m.name == "rnn":
        return RecurrentLM(vocab_size=spec.vocab_size, cell=m.cell, embed=m.embed, hidden=m.width,
                           rngs=rngs)
    if m.name == "bigram":
        return BigramLM(vocab_size=spec.vocab_size, rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: choose gpt, rnn or bigram.")


GPT2_VOCAB = text.GPT2_VOCAB


def _tokens(cfg):
    """(tokenizer, train ids, val ids, val characters, origin) of cfg.data.corpus."""
    if cfg.data.corpus == web_text.NAME:  # tokenized once, kept as files: see web_text
        train_ids, val_ids, meta = web_text.tokens(cfg.data.web_train_tokens,
                                                   cfg.data.web_val_tokens)
        origin = (f"{web_text.NAME}: {web_text.FOLDER} of {meta['repo']} at "
                  f"{meta['commit'][:8]} ({len(meta['shards'])} shards)")
        return text.GPT2Tokenizer(), train_ids, val_ids, meta["val_chars"], origin
    corpus = sources.load_text(cfg.data.corpus)
    train_text, val_text = sources.split_text(corpus.text)
    # Characters: those of the whole corpus (as nanoGPT). BPE: merges learned on train text only.
    tokenizer = text.build_tokenizer(cfg.data.tokenizer,
                                     corpus.text if cfg.data.tokenizer == "char" else train_text,
                                     cfg.data.bpe_vocab_size)
    return (tokenizer, tokenizer.encode(train_text), tokenizer.encode(val_text), len(val_text),
            corpus.origin)


def build_data(cfg) -> Data:
    tokenizer, train_ids, val_ids, val_chars, origin = _tokens(cfg)

    def windows(ids, seed: int):
        return text.random_windows(
            ids, batch_size=cfg.data.batch_size, block_size=cfg.data.block_size,
            seed=seed, process_index=jax.process_index(), process_count=jax.process_count())

    val = windows(val_ids, cfg.seed + 1)
    return Data(
        train=iter(windows(train_ids, cfg.seed).to_iter_dataset()),
        eval={"val": lambda: (val[i] for i in range(cfg.train.eval_steps))},
        # spec.json records the tokenizer, so sampling needs no corpus; and the val text's
        # tokens per character, which turns val/loss (nats per token) into bits per character.
        spec=dict(text.tokenizer_spec(tokenizer), val_tokens_per_char=len(val_ids) / val_chars),
        unit="tokens",
        units_per_batch=cfg.data.batch_size * cfg.data.block_size,
        description=(f"{origin}; {cfg.data.tokenizer} tokenizer, {tokenizer.vocab_size} "
                     f"tokens; {len(train_ids):,} train / {len(val_ids):,} val tokens"),
    )


def loss_fn(model, batch, rng):
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng))
    return losses.cross_entropy(logits_BTV, batch["targets"]), {}


def sample(workdir, prompt: str, *, max_new_tokens: int, num_samples: int = 1, seed: int = 0,
           temperature: float = 0.8, top_k: int | None = 200) -> list[str]:
    """Continues `prompt` with the workdir's latest checkpoint; returns prompt + new text."""
    model, _, spec = checkpoint.load_model(workdir, build_model)
    tokenizer = text.tokenizer_from_spec(spec)
    prompt_ids = tokenizer.encode(prompt)
    if len(prompt_ids) == 0:
        raise UserError("--prompt is empty: give at least one character.")
    tokens = generate(model, np.repeat(prompt_ids[None], num_samples, axis=0), max_new_tokens,
                      key=jax.random.PRNGKey(seed), temperature=temperature, top_k=top_k)
    return [tokenizer.decode(row) for row in tokens]

