"""Data pipelines. `Data` is what a task's `build_data` hands to the training loop.

This package imports no JAX at the top level: the NumPy-only track (`jaxdl.scratch`) uses its
file loaders too.
"""

import dataclasses
from collections.abc import Callable, Iterable, Iterator


@dataclasses.dataclass
class Data:
    # Host batches (dicts of NumPy arrays, this process's rows). Must offer get_state()/set_state()
    # (a grain DatasetIterator does) so checkpoints record and restore its position.
    train: Iterator[dict]
    # Split name -> a function returning that split's evaluation batches, the same ones every call.
    eval: dict[str, Callable[[], Iterable[dict]]]
    unit: str  # what the throughput counts: "tokens" or "examples"
    per_batch: int  # units in one global batch
    description: str  # one line naming the dataset, logged at start
