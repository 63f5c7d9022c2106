"""Exercise 1 (CNN rung): the conv form's logits at position t depend on characters t-7 .. t
only. The gradient of one logit with respect to the embedded inputs is non-zero exactly there.

  python experiments/makemore/solutions/receptive_field.py
"""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.context_lm import WaveNetLM


def dependent_positions(t: int = 11, T: int = 16, levels: int = 3) -> np.ndarray:
    """The input positions whose embedding changes logit[0, t, 0] (gradient norm > 0).

    Position s reads its own token, 27 + s, so the gradient's row 27 + s of the embedding table
    is the gradient with respect to what position s sees."""
    model = WaveNetLM(vocab_size=27 + T, levels=levels, embed=6, hidden=10, batch_norm=False,
                      form="conv", rngs=nnx.Rngs(0))
    idx = 27 + jnp.arange(T)[None]
    grads = nnx.grad(lambda m: m(idx)[0, t, 0])(model)
    rows = np.asarray(grads.token_embedding[...])[27:]
    return np.flatnonzero(np.abs(rows).sum(-1) > 0)


def main(tiny: bool = False):
    positions = dependent_positions()
    print(f"logit at t=11 depends on positions {positions.tolist()}")
    return positions


if __name__ == "__main__":
    main()
