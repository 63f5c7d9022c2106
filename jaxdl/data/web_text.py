"""FineWeb-Edu for GPT-2-size runs: web pages that a classifier judged educational (ODC-By), read
from the Hugging Face Hub, tokenized with GPT-2's BPE and kept as uint16 token files.

`tokens(train_tokens, val_tokens)` returns (train, val) as read-only `np.memmap`s of token ids
(GPT-2's 50,257 ids fit in 16 bits; nothing is read into memory). They live in
`fineweb_edu/<val_tokens>_<train_tokens>/` under `$JAXDL_DATA_DIR` (a folder prepared once, e.g.
on a cluster's shared disk) or the user cache (jaxdl.data.sources.cache_dir). The first time,
the `sample/10BT` parquet shards of HuggingFaceFW/fineweb-edu are listed at the dataset's current
commit, downloaded one at a time into the cache (each checked against the sha256 the Hub lists
for it, and deleted once tokenized), and their documents tokenized in order, each one preceded by
<|endoftext|> as in GPT-2's training data: the first documents, up to the one that reaches
`val_tokens` tokens, are the val split, the next `train_tokens` tokens the train split.
`meta.json`, written last, records the commit and the shards' hashes, and marks the folder
complete.

Offline (or with the Hub unreachable) it fails within seconds, naming the fixes. `HF_ENDPOINT`
points it at a mirror of the Hub, as it does huggingface_hub.
"""

import json
import os
import pathlib
import urllib.request

import numpy as np

from jaxdl.data import sources
from jaxdl.errors import DataUnavailableError

NAME = "fineweb_edu"
REPO = "HuggingFaceFW/fineweb-edu"
FOLDER = "sample/10BT"
EOT = 50256  # GPT-2's <|endoftext|>
_TIMEOUT_S = 5  # per socket operation of the API requests: offline fails fast


def tokens(train_tokens: int, val_tokens: int, log=print) -> tuple[np.memmap, np.memmap, dict]:
    """(train, val, meta): the token files of these sizes, made on first use (see the module)."""
    layout = f"{NAME}/{val_tokens}_{train_tokens}"
    places = [sources.cache_dir() / layout]
    if os.environ.get("JAXDL_DATA_DIR"):
        places.insert(0, pathlib.Path(os.environ["JAXDL_DATA_DIR"]).expanduser() / layout)
    folder = next((p for p in places if (p / "meta.json").is_file()), None)
    if folder is None:
        folder = places[-1]
        build(folder, train_tokens, val_tokens, endpoint(), log)
    meta = json.loads((folder / "meta.json").read_text())
    train, val = (np.memmap(folder / f"{split}.bin", np.uint16, "r") for split in ("train", "val"))
    return train, val, meta


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
        return json.loads(response.read())


def shard_list(hub: str) -> tuple[str, list[tuple[str, str]]]:
    """(commit, [(path, sha256), ...]) of the sample's parquet shards, in order. Raises
    DataUnavailableError when the Hub cannot be reached."""
    try:
        commit = _get_json(f"{hub}/api/datasets/{REPO}/revision/main")["sha"]
        entries = _get_json(f"{hub}/api/datasets/{REPO}/tree/{commit}/{FOLDER}")
    except OSError as error:  # URLError, timeouts, refused connections
        raise DataUnavailableError(
            f"{NAME}: the Hugging Face Hub ({hub}) could not be reached ({error}). Fix it by one "
            f"of: run once on a machine with network (tokens are cached in "
            f"{sources.cache_dir() / NAME}) and copy that folder into $JAXDL_DATA_DIR; set "
            "HF_ENDPOINT to a mirror; or train offline with --config.data.corpus="
            "shakespeare_plays.") from error
    shards = sorted((e["path"], e["lfs"]["oid"]) for e in entries
                    if e.get("type") == "file" and e["path"].endswith(".parquet"))
    return commit, shards


def build(folder: pathlib.Path, train_tokens: int, val_tokens: int, hub: str, log=print) -> None:
    """Downloads and tokenizes shards until both splits are full (or the sample ends)."""
    import pyarrow.parquet as pq  # the [lm] extra, like tiktoken

    from jaxdl.pretrained import tokenizer as tokenizer_lib

    commit, shards = shard_list(hub)
    encoding = tokenizer_lib.gpt2().backend
    folder.mkdir(parents=True, exist_ok=True)
    writer = _SplitWriter(folder, {"val": val_tokens, "train": train_tokens})
    used = []
    for path, sha256 in shards:
        if writer.full():
            break
        local = sources.cache_dir() / NAME / "shards" / pathlib.Path(path).name
        log(f"{NAME}: downloading {path} ({commit[:8]}) for tokens {writer.written:,} on")
        sources.download(f"{hub}/datasets/{REPO}/resolve/{commit}/{path}", local, sha256)
        for batch in pq.ParquetFile(local).iter_batches(batch_size=1024, columns=["text"]):
            texts = batch.column("text").to_pylist()
            writer.add(encoding.encode_ordinary_batch(texts), texts)
            if writer.full():
                break
        local.unlink()
        used.append(dict(path=path, sha256=sha256))
    sizes = writer.close()
    meta = dict(repo=REPO, commit=commit, shards=used, tokens=sizes, val_chars=writer.val_chars)
    # Written last: its presence says the folder is whole.
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


class _SplitWriter:
    """Appends documents (<|endoftext|> then their tokens) to val.bin, then train.bin, each up to
    its size (val in whole documents, so that its characters are counted exactly). Files are
    written as .part and renamed by close()."""

    def __init__(self, folder: pathlib.Path, sizes: dict[str, int]):
        self.folder, self.sizes = folder, sizes
        self.splits = list(sizes)
        self.counts = dict.fromkeys(sizes, 0)
        self.files = {s: open(folder / f"{s}.bin.part", "wb") for s in sizes}
        self.val_chars = 0  # characters of the val documents, for bits per character

    @property
    def written(self) -> int:
        return sum(self.counts.values())

    def full(self) -> bool:
        return all(self.counts[s] >= self.sizes[s] for s in self.splits)

    def add(self, documents: list[list[int]], texts: list[str]) -> None:
        for ids, text in zip(documents, texts):
            split = next((s for s in self.splits if self.counts[s] < self.sizes[s]), None)
            if split is None:
                return
            row = np.array([EOT, *ids], np.uint16)
            if split == "train":  # cut at its size; val keeps its last document whole
                row = row[:self.sizes[split] - self.counts[split]]
            row.tofile(self.files[split])
            self.counts[split] += len(row)
            if split == "val":
                self.val_chars += len(text)

    def close(self) -> dict[str, int]:
        for split, file in self.files.items():
            file.close()
            os.replace(self.folder / f"{split}.bin.part", self.folder / f"{split}.bin")
        return dict(self.counts)
