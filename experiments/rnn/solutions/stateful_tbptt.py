"""Exercise 4 (RNN chapter): truncated BPTT on one stream, the state carried across chunks.

Both variants see the same number of characters per step (batch x k) and cut the gradient
every k characters. "fresh" starts every chunk from h = 0 at a random place in the text;
"stateful" reads `batch` long streams in order and starts each chunk from the previous chunk's
last state, so the network can use context from before the cut (char-rnn's way).

  JAXDL_DATA_DIR=... python experiments/rnn/solutions/stateful_tbptt.py
"""

import importlib.util
import pathlib

import numpy as np

from jaxdl.data import sources
from jaxdl.scratch import optimizers, rnn

_spec = importlib.util.spec_from_file_location(
    "truncated_bptt", pathlib.Path(__file__).resolve().parents[1] / "truncated_bptt.py")
tb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tb)


def train(ids, vocab, *, stateful: bool, k: int, steps: int, batch=32, hidden=64, seed=0):
    rng = np.random.default_rng(seed)
    params = rnn.init(rng, vocab_size=vocab, hidden=hidden, dtype=np.float32)
    opt = optimizers.Adam(lr=3e-3)
    state = opt.init(params)
    stride = len(ids) // batch  # stream b reads ids[b * stride:], k characters per step
    starts = np.arange(batch) * stride
    h = np.zeros((batch, hidden), np.float32)
    for step in range(steps):
        if stateful:
            offsets = starts + (step * k) % (stride - k - 1)
            rows = np.stack([ids[s:s + k + 1] for s in offsets])
            inputs, targets = rows[:, :-1], rows[:, 1:]
        else:
            inputs, targets = tb.windows(ids, rng, batch, k)
            h = np.zeros((batch, hidden), np.float32)
        _, cache = rnn.forward(params, inputs, targets, h0_BH=h)
        grads = tb.clip({name: g for name, g in rnn.backward(params, cache).items() if name in params})
        params, state = opt.update(grads, state, params)
        h = cache["hs"][:, -1]  # the state after this chunk: the next chunk's start (no gradient)
    return params


def main(tiny: bool = False):
    ids, vocab = tb.encode(sources.load_text("tiny_shakespeare").text)
    split = int(0.9 * len(ids))
    steps = 20 if tiny else 3000
    results = {}
    for stateful in (False, True):
        params = train(ids[:split], vocab, stateful=stateful, k=8, steps=steps)
        results["stateful" if stateful else "fresh"] = tb.val_loss(params, ids[split:])
    print(" ".join(f"{name}: val {loss:.4f}" for name, loss in results.items()))
    return results


if __name__ == "__main__":
    main()
