"""Exercise 3 (bigram rung): the learning rate, not the model, holds the bigram at 2.74.

Adam's step in each coordinate is $\\eta\\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)$, and
$|\\hat m| / \\sqrt{\\hat v} \\le$ about 1, so in $S$ steps no weight moves further than about
$S\\eta$ from its start. The bigram's logit table starts at 0; the counted table's log-probabilities
spread over up to 10 nats within a row. This trains the table in NumPy (`jaxdl.scratch`'s Adam,
makemore's betas, batches of 32 names) at makemore's 5e-4 and at 0.05, and returns the largest
|logit| reached, the bound $S\\eta$, and the val NLL.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/adam_step_bound.py
"""

import numpy as np

from jaxdl.data import name_rows
from jaxdl.scratch import bigram, optimizers


def train(lr: float, steps: int, seed: int = 0) -> tuple[float, float]:
    words = bigram.read_names()
    vocab = bigram.Vocab(words)
    splits = name_rows.split(words, "makemore", 3407)
    train_names = splits["train"]
    params = {"W": np.zeros((27, 27))}
    opt = optimizers.Adam(lr, b1=0.9, b2=0.99)
    state = opt.init(params)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        batch = [train_names[i] for i in rng.integers(0, len(train_names), 32)]
        prev, nxt = bigram.bigram_pairs(batch, vocab)
        _, grad = bigram.net_loss_and_grad(params["W"], bigram.one_hot(prev, 27), nxt, l2=0.0)
        params, state = opt.update({"W": grad}, state, params)
    val = bigram.mean_nll(bigram.net_probs(params["W"]), *bigram.bigram_pairs(splits["val"], vocab))
    return float(np.abs(params["W"]).max()), val


def main(tiny: bool = False):
    steps = 100 if tiny else 2000
    results = {lr: (*train(lr, steps), steps * lr) for lr in (5e-4, 0.05)}
    for lr, (largest, val, bound) in results.items():
        print(f"lr {lr:g}, {steps} steps: largest |logit| {largest:.3f} (bound {bound:g}), "
              f"val NLL {val:.4f}")
    return results


if __name__ == "__main__":
    main()
