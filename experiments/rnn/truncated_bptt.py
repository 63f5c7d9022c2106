"""Truncated BPTT with the NumPy RNN of jaxdl/scratch/rnn.py, on tiny Shakespeare.

Two measurements: (1) how far the truncated gradient of W_hh is from the full one, for chunk
lengths k, at initialisation and after training; (2) the validation loss of three RNNs trained
identically except for k (64 = full BPTT over the 64-character windows).

  python experiments/rnn/truncated_bptt.py               # about 2 min on 2 cores
  python experiments/rnn/truncated_bptt.py --steps=20    # seconds
"""

import argparse

import numpy as np

from jaxdl.data import sources
from jaxdl.scratch import optimizers, rnn

CHUNKS = (1, 2, 4, 8, 16, 32, 64)


def encode(text: str):
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return np.array([index[c] for c in text]), len(chars)


def windows(ids, rng, batch: int, length: int):
    """`batch` random windows: inputs ids[s : s+T], targets ids[s+1 : s+T+1]."""
    starts = rng.integers(0, len(ids) - length - 1, batch)
    rows = np.stack([ids[s:s + length + 1] for s in starts])
    return rows[:, :-1], rows[:, 1:]


def clip(grads, max_norm=1.0):
    norm = np.sqrt(sum((g * g).sum() for g in grads.values()))
    return {k: g * min(1.0, max_norm / (norm + 1e-12)) for k, g in grads.items()}


def train(train_ids, vocab, *, truncate, steps, hidden, seed, length=64, batch=32):
    rng = np.random.default_rng(seed)
    params = rnn.init(rng, vocab_size=vocab, hidden=hidden, dtype=np.float32)
    opt = optimizers.Adam(lr=3e-3)
    state = opt.init(params)
    for _ in range(steps):
        loss, cache = rnn.forward(params, *windows(train_ids, rng, batch, length))
        grads = rnn.backward(params, cache, truncate=truncate)
        grads = clip({k: grads[k] for k in params})
        params, state = opt.update(grads, state, params)
    return params


def val_loss(params, val_ids, *, length=64, batches=10, batch=32):
    rng = np.random.default_rng(123)  # the same windows for every model
    return float(np.mean([rnn.forward(params, *windows(val_ids, rng, batch, length))[0]
                          for _ in range(batches)]))


def truncation_error(params, ids) -> dict[int, float]:
    """||g_k - g_64|| / ||g_64|| for the gradient of W_hh, on 32 windows of 64 characters."""
    inputs, targets = windows(ids, np.random.default_rng(7), 32, 64)
    _, cache = rnn.forward(params, inputs, targets)
    full = rnn.backward(params, cache)["W_hh"]
    return {k: float(np.linalg.norm(rnn.backward(params, cache, truncate=k)["W_hh"] - full)
                     / np.linalg.norm(full)) for k in CHUNKS}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=64)
    args = parser.parse_args()
    ids, vocab = encode(sources.load_text("tiny_shakespeare").text)
    split = int(0.9 * len(ids))
    train_ids, val_ids = ids[:split], ids[split:]

    rows = {}
    for k in (1, 8, 64):
        params = train(train_ids, vocab, truncate=k, steps=args.steps, hidden=args.hidden, seed=0)
        rows[k] = (val_loss(params, val_ids), truncation_error(params, val_ids))
    init = rnn.init(np.random.default_rng(0), vocab_size=vocab, hidden=args.hidden,
                    dtype=np.float32)
    print("relative error of the truncated W_hh gradient, ||g_k - g_64|| / ||g_64||:\n")
    print("| weights | " + " | ".join(f"k={k}" for k in CHUNKS) + " |")
    print("| --- |" + " ---: |" * len(CHUNKS))
    for name, params in (("init", init), ("trained, k=64", None)):
        errors = truncation_error(init, val_ids) if params is not None else rows[64][1]
        print(f"| {name} | " + " | ".join(f"{errors[k]:.3f}" for k in CHUNKS) + " |")
    print(f"\nval loss after {args.steps} steps (batch 32 x 64 characters, hidden {args.hidden}):\n")
    print("| trained with | val loss |\n| --- | ---: |")
    for k, (loss, _) in rows.items():
        print(f"| k={k}{' (full BPTT)' if k == 64 else ''} | {loss:.4f} |")


if __name__ == "__main__":
    main()
