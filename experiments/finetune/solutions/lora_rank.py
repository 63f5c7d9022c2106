"""Exercise 5 (fine-tuning, research-y): vary the LoRA rank and plot quality against trainable
parameters. Where does it stop helping?

A small honest experiment in NumPy: a frozen "pretrained" matrix W0 must move to a target whose
difference from W0 has rank 4 (plus a little noise). LoRA learns (alpha / r) A B by gradient
descent on the squared error, for ranks 1, 2, 4, 8 and 16. The error falls until the rank reaches
that of the needed update and then stops falling, while the trainable count r (d_in + d_out) keeps
growing. The full-size run is SMS spam with
`--config=experiments/finetune/spam.py:lora --config.finetune.lora_rank=R` for R in 1, 4, 16, 64.

  python experiments/finetune/solutions/lora_rank.py
"""

import numpy as np

RANKS = (1, 2, 4, 8, 16)


def fit(rank: int, d_in=24, d_out=16, true_rank=4, steps=1500, lr=0.05, seed=0) -> float:
    """Relative error ||W0 + (alpha/r) A B - W*|| / ||W* - W0|| after training A, B."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, d_in))
    w0 = rng.normal(size=(d_in, d_out)) / np.sqrt(d_in)
    delta = rng.normal(size=(d_in, true_rank)) @ rng.normal(size=(true_rank, d_out)) / d_in
    target = w0 + delta + 0.003 * rng.normal(size=(d_in, d_out))
    y = x @ target
    a = rng.normal(size=(d_in, rank)) / np.sqrt(d_in)  # as jaxdl.nn.lora: A random, B zero
    b = np.zeros((rank, d_out))
    scale = 1.0  # alpha = r: the update's size does not depend on the rank
    for _ in range(steps):
        err = x @ w0 + scale * (x @ a) @ b - y  # [N, d_out]
        grad_w = x.T @ err / len(x)  # d loss / d (A B)
        a, b = a - lr * scale * grad_w @ b.T, b - lr * scale * a.T @ grad_w
    return float(np.linalg.norm(w0 + scale * a @ b - target) / np.linalg.norm(target - w0))


def sweep(ranks=RANKS, d_in=24, d_out=16) -> dict[int, tuple[int, float]]:
    """rank -> (trainable numbers r (d_in + d_out), relative error)."""
    return {r: (r * (d_in + d_out), fit(r, d_in, d_out)) for r in ranks}


def main(tiny: bool = True):
    result = sweep()
    for rank, (count, error) in result.items():
        print(f"rank {rank:2d}: {count:4d} trainable, relative error {error:.3f}")
    return result


if __name__ == "__main__":
    main()
