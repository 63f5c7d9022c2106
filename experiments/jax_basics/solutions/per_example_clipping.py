"""Exercise 4 (jax_basics, research-y): per-example gradient clipping, the core of DP-SGD.

Differentially private SGD clips each example's gradient to norm C before averaging, so that no
single example can move the model far. With `jax.vmap(jax.grad(...))` the per-example gradients
are one call. On softmax regression over 256 digits (weights at a point partway through
training), compute the mean of the clipped per-example gradients for C from large to small and
its cosine with the true batch gradient: how much direction does clipping cost? (Full size:
train with it and add the Gaussian noise of DP-SGD, sigma C / batch, and compare accuracies.)

  python experiments/jax_basics/solutions/per_example_clipping.py
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import digits

NORMS = (10.0, 3.0, 2.0, 1.0, 0.1)


def example_loss(W, x, y):
    logits = x @ W
    return jax.nn.logsumexp(logits) - logits[y]


@jax.jit
def clipped_means(W, X, y):
    """The per-example gradients' norms, the batch gradient, and for each C the clipped mean and
    the largest clipped per-example norm."""
    grads = jax.vmap(jax.grad(example_loss), in_axes=(None, 0, 0))(W, X, y)   # [B, 64, 10]
    norms = jnp.sqrt((grads**2).sum(axis=(1, 2)))
    clipped = {}
    for C in NORMS:
        each = grads * jnp.minimum(1, C / norms)[:, None, None]
        clipped[C] = (each.mean(0), jnp.sqrt((each**2).sum(axis=(1, 2))).max())
    return norms, grads.mean(0), clipped


def main(tiny: bool = False):
    """{"norms": per-example norms, "cosine": {C: cosine(clipped mean, batch gradient)},
    "clipped norms": {C: the largest per-example norm after clipping}}."""
    X, y = digits.split({"train": 1.0})["train"]
    X, y = jnp.asarray(X[:256], jnp.float32), jnp.asarray(y[:256])
    W = jnp.zeros((64, 10))
    for _ in range(20):  # a few plain gradient steps, so the gradients are not those of W = 0
        W = W - 0.5 * clipped_means(W, X, y)[1]
    norms, batch_grad, clipped = clipped_means(W, X, y)
    cosine = {C: float((g * batch_grad).sum() / jnp.linalg.norm(g) / jnp.linalg.norm(batch_grad))
              for C, (g, _) in clipped.items()}
    clipped_norms = {C: float(largest) for C, (_, largest) in clipped.items()}
    print(f"per-example gradient norms: median {float(jnp.median(norms)):.3f}, "
          f"max {float(norms.max()):.3f}")
    for C in NORMS:
        print(f"C = {C:6g}: cosine(clipped mean, batch gradient) = {cosine[C]:.4f}")
    return {"norms": np.asarray(norms), "cosine": cosine, "clipped norms": clipped_norms}


if __name__ == "__main__":
    main()
