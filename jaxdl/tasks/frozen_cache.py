"""Caching a frozen trunk's outputs (`finetune.cache_frozen`): when only the top blocks train
(`last_block`), every layer below them computes the same states for a message every epoch. We
compute them once per example, and the train and eval steps run the trained blocks alone on them.

The cut is the lowest block with a trainable parameter; nothing below it (embeddings, lower
blocks, their adapters) may train, or the cache would be stale. The states are kept per example,
unpadded: causal blocks never let padding reach a real token, and BERT's blocks hide padding keys,
so a message's states do not depend on the batch it was computed in. They are stored under the
cache folder, keyed by the model, the cut and the token ids, so that other seeds and resumed runs
reuse them.
"""

import hashlib
import re
import time

import jax
import numpy as np
from flax import nnx

from jaxdl.data.sources import cache_dir
from jaxdl.errors import UserError
from jaxdl.logging import format_eta, log
from jaxdl.nn import freezing

BATCH = 16  # rows per trunk call; rows are sorted by length, so little padding


def cut(model: nnx.Module, pattern: str) -> int:
    """The index of the lowest block with a parameter the regex `pattern` trains. A UserError
    when nothing below that block is frozen to cache, or when something below it trains."""
    names = freezing.named_params(model)
    regex = re.compile(pattern)
    trained = [n for n in names if pattern and regex.search(n)]
    blocks = [int(m.group(1)) for n in trained for m in [re.search(r"blocks/(\d+)/", n)] if m]
    lowest = min(blocks, default=0)
    below = [n for n in trained if "blocks/" not in n and "ln_final" not in n
             and not n.startswith("head/")]
    if not pattern or not blocks or lowest == 0 or below:
        raise UserError(f"finetune.cache_frozen=True needs frozen embeddings and lower blocks, but "
                        f"finetune.trainable={pattern!r} trains "
                        f"{(below or ['every block'])[0]}: set --config.finetune.cache_frozen=False.")
    return lowest


def _key(base: str, stop: int, rows: list[list[int]]) -> str:
    digest = hashlib.sha256(f"{base}|{stop}|".encode())
    for row in rows:
        digest.update(np.asarray(row, np.int32).tobytes() + b"|")
    return digest.hexdigest()[:24]


def trunk_states(backbone: nnx.Module, family: str, base: str, stop: int,
                 rows: list[list[int]], pad_id: int, store: bool = True) -> list[np.ndarray]:
    """Each row's states entering block `stop`: float32 arrays [len(row), C], computed in
    batches of similar length, or read back from the cache folder (`store`: kept there)."""
    path = cache_dir() / "frozen" / f"{_key(base, stop, rows)}.npy"
    lengths = np.array([len(r) for r in rows])
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    if store and path.is_file():
        try:
            flat = np.load(path)
        except (OSError, ValueError, EOFError):  # a damaged file: computed again, replaced below
            flat = None
        if flat is not None and len(flat) == offsets[-1]:
            return [flat[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
        log(f"frozen trunk: {path} is damaged; computing it again")
    if family == "bert":
        run = nnx.jit(lambda m, ids, valid: m.trunk(ids, valid, stop))
    else:
        run = nnx.jit(lambda m, ids, valid: m.trunk(ids, stop))
    backbone.eval()
    states = [None] * len(rows)
    order = np.argsort(lengths, kind="stable")
    log(f"frozen trunk: the states entering block {stop} for {len(rows)} rows, computed once"
        + (f" and kept in {path.parent}" if store else ""))
    started, report = time.perf_counter(), max(1, len(rows) // BATCH // 10) * BATCH
    for start in range(0, len(rows), BATCH):
        if start and start % report == 0:  # about every tenth of the rows
            left = (time.perf_counter() - started) / start * (len(rows) - start)
            log(f"frozen trunk: {start}/{len(rows)} rows | ETA {format_eta(left)}")
        chunk = order[start:start + BATCH]
        width = -(-int(lengths[chunk].max()) // 16) * 16  # few shapes to compile
        ids = np.full((len(chunk), width), pad_id, np.int32)
        valid = np.zeros((len(chunk), width), bool)
        for j, i in enumerate(chunk):
            ids[j, :lengths[i]], valid[j, :lengths[i]] = rows[i], True
        out = np.asarray(jax.device_get(run(backbone, ids, valid)), np.float32)
        for j, i in enumerate(chunk):
            states[i] = out[j, :lengths[i]]
    if not store:
        return states
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npy")
    np.save(temporary, np.concatenate(states))
    temporary.replace(path)
    return states
