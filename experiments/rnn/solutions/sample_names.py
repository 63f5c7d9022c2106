"""Exercise 2 (RNN chapter): train the NumPy RNN on names, then sample new ones.

Each name is a row ".emma....": the model reads "." first and must predict every next
character, the final "." included. Sampling starts from ".", draws the next character from the
softmax, feeds it back in with the carried state, and stops at the next ".".

  JAXDL_DATA_DIR=... python experiments/rnn/solutions/sample_names.py
"""

import numpy as np

from jaxdl.data import sources
from jaxdl.scratch import optimizers, rnn
from jaxdl.scratch.bigram import softmax

ALPHABET = ".abcdefghijklmnopqrstuvwxyz"


def rows(words, length=16):
    inputs = np.zeros((len(words), length), int)
    targets = np.full((len(words), length), -1)
    for r, word in enumerate(words):
        ids = [ALPHABET.index(c) for c in word[:length - 1]]
        inputs[r, 1:len(ids) + 1] = ids
        targets[r, :len(ids) + 1] = ids + [0]
    return inputs, targets


def sample(params, rng, n: int, max_length: int = 20) -> list[str]:
    """n names: the state carried from character to character, as in the forward pass."""
    names = []
    for _ in range(n):
        h, ch, out = np.zeros(params["W_hh"].shape[0]), 0, []
        for _ in range(max_length):
            h = np.tanh(params["W_xh"][ch] + h @ params["W_hh"] + params["b_h"])
            ch = rng.choice(len(ALPHABET), p=softmax(h @ params["W_hy"] + params["b_y"]))
            if ch == 0:
                break
            out.append(ALPHABET[ch])
        names.append("".join(out))
    return names


def train(words, steps: int, seed=0, hidden=64, batch=32):
    rng = np.random.default_rng(seed)
    inputs, targets = rows(words)
    params = rnn.init(rng, vocab_size=len(ALPHABET), hidden=hidden)
    opt = optimizers.Adam(lr=1e-2)
    state = opt.init(params)
    losses = []
    for _ in range(steps):
        pick = rng.integers(0, len(words), batch)
        loss, cache = rnn.forward(params, inputs[pick], targets[pick])
        grads = rnn.backward(params, cache)
        params, state = opt.update({k: grads[k] for k in params}, state, params)
        losses.append(loss)
    return params, losses


def main(tiny: bool = False):
    words = sources.load_text("names").text.split()
    params, losses = train(words, steps=30 if tiny else 1000)
    print(f"loss {losses[0]:.3f} -> {np.mean(losses[-10:]):.3f}")
    names = sample(params, np.random.default_rng(0), 10)
    print(" ".join(names))
    return losses, names


if __name__ == "__main__":
    main()
