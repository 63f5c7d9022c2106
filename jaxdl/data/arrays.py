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
    return grain.MapDataset.range(n).shuffle(seed=seed).repeat().batch(batch_size).map(gather)
