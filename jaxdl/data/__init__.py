"""Data pipelines. `Data` is what a task's `build_data` hands to the training loop.

This package imports no JAX at the top level: the NumPy-only track (`jaxdl.scratch`) uses its
file loaders too.
"""

import dataclasses
from collections.abc import Callable, Iterable, Iterator

EvalSplits = dict[str, Callable[[], Iterable[dict]]]


@dataclasses.dataclass
class Data:
    # Host batches (dicts of NumPy arrays, this process's rows). Must offer get_state()/set_state()
    # (a grain DatasetIterator does) so checkpoints record and restore its position.
    train: Iterator[dict]
    # Split name -> a function returning that split's evaluation batches, the same ones every call.
    # A batch with a "mask" (1 = real row) weighs its mask's sum in the split's mean, so padded
    # batches give exact split means. `eval` is read every train.eval_every steps and at the end;
    # `final_eval` (the test split) only at the end.
    eval: EvalSplits
    unit: str  # what the throughput counts: "tokens", "examples", "names"
    units_per_batch: int  # units in one global batch
    description: str  # one line naming the dataset, logged at start
    # Values the data decides and the model needs (vocabulary, classes, image shape, input
    # statistics ...): JSON-able, written to the workdir's spec.json, given to build_model.
    spec: dict = dataclasses.field(default_factory=dict)
    final_eval: EvalSplits = dataclasses.field(default_factory=dict)
