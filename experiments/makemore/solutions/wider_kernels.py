"""Exercise 3 (CNN rung, research-y): wider kernels. Kernel size 3 with dilations 1, 3, 9 sees
$3^3 = 27$ characters with three levels, against $2^3 = 8$ for the rung's kernel 2 with
dilations 1, 2, 4. Names are at most 15 characters long, so a field of 16 already sees a whole
name from every position: the wider field can only help the positions past the 8th character.

Built from the same pieces as `WaveNetLM(form="conv")` (embedding, `Dense` on the taps side by
side, tanh; no BatchNorm here, to keep it short): a level of kernel k and dilation d is
$h_s = \\tanh([h_{s-(k-1)d}, \\dots, h_{s-d}, h_s] W)$. This solution checks the field of 27 by a
gradient and trains both models for a few hundred steps on names (AdamW 3e-3, batch 32) to
compare val losses, one seed each. The full-size run would be the ladder's: 2000 steps with
BatchNorm, against the `:cnn` row, over three seeds.

  JAXDL_DATA_DIR=... python experiments/makemore/solutions/wider_kernels.py
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from jaxdl.data import name_rows
from jaxdl.nn.layers import Dense, embedding, take_rows
from jaxdl.scratch.bigram import read_names


class DilatedCNN(nnx.Module):
    """Causal convolutions of kernel `kernel` and dilations 1, k, k^2, ...: a field of k^levels."""

    def __init__(self, *, kernel: int, levels: int = 3, vocab_size: int = 27, embed: int = 24,
                 hidden: int = 64, rngs: nnx.Rngs):
        self.kernel, self.field = kernel, kernel ** levels
        self.token_embedding = embedding(vocab_size, embed, ("vocab", "embed"), std=1.0, rngs=rngs)
        widths = [embed] + [hidden] * levels
        self.levels = nnx.List([Dense(kernel * w, hidden, ("embed", "mlp"), rngs=rngs)
                                for w in widths[:-1]])
        self.out = Dense(hidden, vocab_size, ("mlp", "vocab"), rngs=rngs)

    def __call__(self, idx_BT):
        x_BLC = take_rows(self.token_embedding, jnp.pad(idx_BT, ((0, 0), (self.field - 1, 0))))
        for i, dense in enumerate(self.levels):
            d, k, L = self.kernel ** i, self.kernel, x_BLC.shape[1]
            taps = [x_BLC[:, j * d:L - (k - 1 - j) * d] for j in range(k)]  # oldest first
            x_BLC = jnp.tanh(dense(jnp.concatenate(taps, axis=-1)))
        return self.out(x_BLC)  # [B, T, vocab]: the padding is used up exactly


def receptive_field(kernel: int, t: int = 30, T: int = 32) -> np.ndarray:
    """Positions whose token moves logit[0, t, 0]: each position reads its own token 27 + s."""
    model = DilatedCNN(kernel=kernel, vocab_size=27 + T, embed=4, hidden=6, rngs=nnx.Rngs(0))
    idx = 27 + jnp.arange(T)[None]
    grads = nnx.grad(lambda m: m(idx)[0, t, 0])(model)
    return np.flatnonzero(np.abs(np.asarray(grads.token_embedding[...])[27:]).sum(-1) > 0)


def masked_nll(model, batch):
    logits = model(batch["inputs"])
    mask = batch["targets"] >= 0
    nll = optax.softmax_cross_entropy_with_integer_labels(logits, jnp.maximum(batch["targets"], 0))
    return (nll * mask).sum() / mask.sum()


def train(kernel: int, rows: dict, steps: int, seed: int = 0) -> float:
    model = DilatedCNN(kernel=kernel, rngs=nnx.Rngs(seed))
    optimizer = nnx.Optimizer(model, optax.adamw(3e-3), wrt=nnx.Param)

    @nnx.jit
    def step(model, optimizer, batch):
        loss, grads = nnx.value_and_grad(masked_nll)(model, batch)
        optimizer.update(model, grads)
        return loss

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        picked = rng.integers(0, len(rows["train"]["inputs"]), 32)
        step(model, optimizer, {k: v[picked] for k, v in rows["train"].items()})
    return float(nnx.jit(masked_nll)(model, rows["val"]))


def main(tiny: bool = False):
    fields = {k: receptive_field(k) for k in (2, 3)}
    words = read_names()
    tokenizer = name_rows.tokenizer_for(words)
    splits = name_rows.split(words, "makemore", 3407)
    rows = {name: name_rows.encode(split, tokenizer, 16) for name, split in splits.items()}
    steps = 60 if tiny else 1000
    val = {k: train(k, rows, steps) for k in (2, 3)}
    for k in (2, 3):
        print(f"kernel {k}: logit at t=30 reads positions {fields[k][0]}..{fields[k][-1]} "
              f"({len(fields[k])}); val loss after {steps} steps {val[k]:.4f}")
    return fields, val


if __name__ == "__main__":
    main()
