"""Exercise 4 (transformer chapter): ALiBi (Press et al., 2022), a fourth way to give order.

Nothing is added to x and nothing is rotated: each head h adds a fixed penalty -m_h (t - s) to
the score of query t and key s, a linear bias against distance with a head-specific slope
m_h = 2^(-8h/H). Like rotary it depends only on t - s, and it is defined at any length.

  python experiments/transformer_intro/solutions/alibi.py
"""

import math

import jax
import jax.numpy as jnp
import numpy as np


def alibi_weights(q_BHTD, k_BHTD):
    """Causal attention weights [B, H, T, T] with ALiBi's distance penalty."""
    H, T, D = q_BHTD.shape[1:]
    slopes_H = 2.0 ** (-8.0 * jnp.arange(1, H + 1) / H)
    distance_TT = jnp.arange(T)[:, None] - jnp.arange(T)[None, :]  # t - s
    scores = q_BHTD @ k_BHTD.swapaxes(-1, -2) / math.sqrt(D)
    scores = scores - slopes_H[:, None, None] * distance_TT
    return jax.nn.softmax(jnp.where(distance_TT >= 0, scores, -jnp.inf), axis=-1)


def main(tiny: bool = False):
    # identical queries and keys everywhere: the weights are then the bias alone, and each head
    # leans towards the recent past by its own slope
    q = jnp.ones((1, 4, 6, 8))
    weights = np.asarray(alibi_weights(q, q))
    for h in range(4):
        print(f"head {h + 1}: last row {np.round(weights[0, h, -1], 3)}")
    return weights


if __name__ == "__main__":
    main()
