"""Training batches of a dataset held in memory as NumPy arrays (tables, images)."""

import grain
import numpy as np


def shuffled_batches(arrays: dict[str, np.ndarray], *, batch_size: int, seed: int,
                     process_index: int = 0, process_count: int = 1) -> grain.MapDataset:
    """Endless batches of rows of `arrays` (all of one length), plus a `mask` of ones: each
    epoch a new permutation (grain reshuffles a shuffled dataset on every repeat), cut into
    batches of `batch_size` rows. Batch i is a pure function of (seed, i), so the iterator's
    state is one index. Each process keeps its rows of the global batch."""
    rows = batch_size // process_count
    mine = slice(process_index * rows, (process_index + 1) * rows)

    def gather(indices: np.ndarray) -> dict[str, np.ndarray]:
        picked = indices[mine]
        return {**{key: value[picked] for key, value in arrays.items()},
                "mask": np.ones(len(picked), np.float32)}

    n = len(next(iter(arrays.values())))
    # Endless in practice: an unbounded repeat() has length sys.maxsize, which grain's iterator
    # cannot take the len() of once batch_size=1 keeps it; 2**62 rows keep it in range.
    epochs = 2**62 // n
    return (grain.MapDataset.range(n).shuffle(seed=seed).repeat(num_epochs=epochs)
            .batch(batch_size).map(gather))


def whole_split(arrays: dict[str, np.ndarray], multiple: int, *, fill: dict | None = None,
                process_index: int = 0, process_count: int = 1) -> dict[str, np.ndarray]:
    """A whole evaluation split as one batch, padded to a multiple of `multiple` rows (the batch
    size, which the mesh divides) with a `mask` (1 = real row, 0 = padding). Padding rows hold 0,
    or `fill[key]`. Each process keeps its share of the rows."""
    n = len(next(iter(arrays.values())))
    padded = -(-n // multiple) * multiple
    fill = fill or {}
    out = {}
    for key, value in {**arrays, "mask": np.ones(n, np.float32)}.items():
        out[key] = np.full((padded, *value.shape[1:]), fill.get(key, 0), value.dtype)
        out[key][:n] = value
    share = padded // process_count
    return {k: v[process_index * share:(process_index + 1) * share] for k, v in out.items()}


def split_batches(arrays: dict[str, np.ndarray], batch_size: int, *, process_index: int = 0,
                  process_count: int = 1):
    """A whole evaluation split in order, in batches of `batch_size` rows with a `mask`; the
    last batch is padded (mask 0) so that every batch has one shape. Each process keeps its rows
    of each batch."""
    whole = whole_split(arrays, batch_size)
    rows = batch_size // process_count
    for start in range(0, len(whole["mask"]), batch_size):
        mine = slice(start + process_index * rows, start + (process_index + 1) * rows)
        yield {key: value[mine] for key, value in whole.items()}
