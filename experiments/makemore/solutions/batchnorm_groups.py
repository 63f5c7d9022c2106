"""Exercise 3 (WaveNet rung, research-y): BatchNorm statistics per group.

At level 1 the reshape form holds, per position, 4 groups of neighbour pairs ([B, T, 4, 2C]).
The lectures' "fix bug in batchnorm" averages over batch, positions *and* groups: one mean and
variance per channel, as `WaveNetLM` does. The version before the fix kept the groups apart: a
mean and variance per channel *and group* (torch's BatchNorm1d on a 3-D input), so the oldest
pair of the window and the newest are normalised each by their own statistics.
`BatchNorm(groups=...)` is that option.

This solution trains both for a few hundred steps (makemore's settings otherwise: AdamW 5e-4,
batch 32, seed 3407) and compares the val loss, one seed each. The full-size run is 2000 steps
as the ladder's `:wavenet` row (2.0744), over three seeds.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/batchnorm_groups.py
"""

import jax
import numpy as np
import optax
from flax import nnx

from jaxdl.data import name_rows
from jaxdl.nn.context_lm import BatchNorm, WaveNetLM
from jaxdl.scratch.bigram import read_names
from jaxdl.tasks import makemore

KEY = jax.random.PRNGKey(0)  # loss_fn takes a dropout key; these models have no dropout


def wavenet(per_group: bool, seed: int = 3407) -> WaveNetLM:
    model = WaveNetLM(vocab_size=27, levels=3, embed=24, hidden=128, rngs=nnx.Rngs(seed))
    if per_group:  # levels 1, 2, 3 see 4, 2, 1 groups of fused pairs
        rngs = nnx.Rngs(seed)
        model.norms = nnx.List([BatchNorm(128, groups=g, rngs=rngs) for g in (4, 2, 1)])
    return model


def train(per_group: bool, rows: dict, steps: int, seed: int = 3407) -> tuple[float, WaveNetLM]:
    model = wavenet(per_group, seed)
    optimizer = nnx.Optimizer(model, optax.adamw(5e-4, b2=0.99, weight_decay=0.01), wrt=nnx.Param)

    @nnx.jit
    def step(model, optimizer, batch):
        loss, grads = nnx.value_and_grad(lambda m: makemore.loss_fn(m, batch, KEY)[0])(model)
        optimizer.update(model, grads)
        return loss

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        picked = rng.integers(0, len(rows["train"]["inputs"]), 32)
        step(model, optimizer, {k: v[picked] for k, v in rows["train"].items()})
    model.eval()  # the running statistics
    val = nnx.jit(lambda m, b: makemore.loss_fn(m, b, KEY)[0])(model, rows["val"])
    return float(val), model


def main(tiny: bool = False):
    words = read_names()
    tokenizer = name_rows.tokenizer_for(words)
    splits = name_rows.split(words, "makemore", 3407)
    rows = {name: name_rows.encode(split, tokenizer, 16) for name, split in splits.items()}
    steps = 50 if tiny else 2000
    results = {}
    for per_group in (False, True):
        val, model = train(per_group, rows, steps)
        results["per group" if per_group else "shared"] = (val, model.norms[0].running_mean[...].shape)
    for name, (val, shape) in results.items():
        print(f"statistics {name:9s}: level-1 running mean {shape}, val loss after {steps} steps {val:.4f}")
    return results


if __name__ == "__main__":
    main()
