"""Data of the fine-tuning topics: SMS spam balanced for classification, Alpaca-style instructions,
and batches of token lists padded per batch (to the batch's longest row, not a fixed length).

* SMS spam (`jaxdl.data.labelled_text`'s file: UCI, CC BY 4.0): all 747 spam and 747 ham drawn
  with a seed, shuffled and cut 70/10/20, as "Build a Large Language Model (From Scratch)"
  chapter 6 does. `dedupe=True` first drops exact repeats (653 spam then), so that no test
  message is also a training message.
* `instruction-data.json` (1,100 entries {instruction, input, output}; rasbt/LLMs-from-scratch,
  Apache-2.0): shuffled with a seed and cut 85/5/10, written in the Alpaca prompt format.
"""

import json

import grain
import numpy as np

from jaxdl.data import labelled_text, sources

INSTRUCTIONS = ("instruction-data.json",
                "https://raw.githubusercontent.com/rasbt/LLMs-from-scratch/main/ch07/"
                "01_main-chapter-code/instruction-data.json",
                "7e09a9af353722ca15c18bc580f093f9c39d3178335a75177319cb1e1d163944")
RESPONSE = "\n\n### Response:\n"


def _cut(items: list, fractions: tuple[float, float], seed: int) -> dict[str, list]:
    """Shuffled with `seed`, then the first fractions[0] train, the next fractions[1] val, the
    rest test."""
    order = np.random.default_rng(seed).permutation(len(items))
    n_train, n_val = int(len(items) * fractions[0]), int(len(items) * fractions[1])
    parts = {"train": order[:n_train], "val": order[n_train:n_train + n_val],
             "test": order[n_train + n_val:]}
    return {name: [items[i] for i in idx] for name, idx in parts.items()}


def balanced_spam(seed: int = 123, dedupe: bool = False) -> dict[str, list[tuple[str, int]]]:
    """{split: [(text, label)]}, label 1 = spam, as many ham as spam, cut 70/10/20."""
    path = sources.data_file(*labelled_text._SMS, member="SMSSpamCollection")
    lines = path.read_text(encoding="utf-8").splitlines()
    if dedupe:
        lines = list(dict.fromkeys(lines))
    rows = [(text, int(label == "spam")) for label, text in (line.split("\t", 1) for line in lines)]
    spam = [r for r in rows if r[1]]
    ham = [r for r in rows if not r[1]]
    rng = np.random.default_rng(seed)
    picked = [ham[i] for i in sorted(rng.choice(len(ham), len(spam), replace=False))]
    return _cut(spam + picked, (0.7, 0.1), seed)


def instruction_splits(seed: int = 123) -> dict[str, list[dict]]:
    path = sources.data_file(*INSTRUCTIONS)
    return _cut(json.loads(path.read_text(encoding="utf-8")), (0.85, 0.05), seed)


def alpaca_prompt(entry: dict) -> str:
    """The instruction (and input, if any) in the Alpaca format, up to the response header."""
    text = ("Below is an instruction that describes a task. Write a response that appropriately "
            f"completes the request.\n\n### Instruction:\n{entry['instruction']}")
    if entry.get("input"):
        text += f"\n\n### Input:\n{entry['input']}"
    return text + RESPONSE


def pad_rows(rows: list[list[int]], pad_id: int, multiple: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """ids [B, T] right-padded with `pad_id` to the longest row (rounded up to `multiple`, so
    fewer shapes compile), and valid [B, T] (True at real tokens)."""
    T = max(len(r) for r in rows)
    T = -(-T // multiple) * multiple
    ids = np.full((len(rows), T), pad_id, np.int32)
    valid = np.zeros((len(rows), T), bool)
    for i, row in enumerate(rows):
        ids[i, :len(row)], valid[i, :len(row)] = row, True
    return ids, valid


def train_batches(examples: list, batch_size: int, seed: int, collate):
    """Endless shuffled batches (a new permutation each epoch): collate(list of examples) -> a
    batch dict. A grain iterator: its state (one index) is saved with every checkpoint."""
    dataset = grain.MapDataset.range(len(examples)).shuffle(seed=seed).repeat().batch(batch_size)
    return iter(dataset.map(lambda idx: collate([examples[i] for i in idx])).to_iter_dataset())


def eval_batches(examples: list, batch_size: int, collate, filler) -> list[dict]:
    """A split in batches of `batch_size` rows; the last one is filled with `filler` examples,
    which collate must give a zero mask."""
    batches = []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start:start + batch_size]
        batches.append(collate(chunk + [filler] * (batch_size - len(chunk))))
    return batches
