"""How many packed rows makemore's batches need, and what packing costs on the host.

  JAXDL_DATA_DIR=... python tests/benchmarks/packing.py [--batches=100000] [--length=48]

Draws random batches of 32 names as the training loop does (with replacement), packs each with
`jaxdl.data.name_rows.pack` into as many rows as it likes, and prints how often each row count was
needed: `data.pack_rows` must cover the largest with a margin, or a run stops at the batch that
does not fit.
"""

import argparse
import collections
import time

import numpy as np

from jaxdl.data import name_rows, sources


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=48)
    parser.add_argument("--batch_size", type=int, default=32)
    args = parser.parse_args()
    words = sources.load_text("names").text.split()
    rows = name_rows.encode(words, name_rows.tokenizer_for(words), max(map(len, words)) + 1)
    rng = np.random.default_rng(0)
    needed = collections.Counter()
    start = time.perf_counter()
    for _ in range(args.batches):
        picked = rng.integers(0, len(words), args.batch_size)
        batch = {key: value[picked] for key, value in rows.items()}
        packed = name_rows.pack(batch, num_rows=args.batch_size, length=args.length)
        needed[int((packed["segments"].max(1) > 0).sum())] += 1
    units_per_batch = (time.perf_counter() - start) / args.batches
    print(f"{args.batches:,} batches of {args.batch_size} names, rows of {args.length}: rows "
          "needed " + ", ".join(f"{k}: {v:,}" for k, v in sorted(needed.items())))
    print(f"draw + pack: {1e6 * units_per_batch:.0f} us per batch")


if __name__ == "__main__":
    main()
