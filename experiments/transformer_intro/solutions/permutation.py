"""Exercise 1 (transformer chapter): attention without mask or positions is permutation
equivariant; the causal mask breaks it (position t sees a different set after a shuffle).

  python experiments/transformer_intro/solutions/permutation.py
"""

import importlib.util
import pathlib

import jax
import numpy as np

_path = pathlib.Path(__file__).resolve().parents[1] / "attention.py"
_spec = importlib.util.spec_from_file_location("attention", _path)
attention = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attention)


def errors(seed=0, T=6, C=8):
    """max |f(x[perm]) - f(x)[perm]| for stage 2 (unmasked) and stage 3 (causal)."""
    keys = jax.random.split(jax.random.PRNGKey(seed), 4)
    x = jax.random.normal(keys[0], (1, T, C))
    W_q, W_k, W_v = (jax.random.normal(k, (C, C)) for k in keys[1:])
    perm = np.random.default_rng(seed).permutation(T)
    out = {}
    for name, f in (("unmasked", attention.projected_self_attention),
                    ("causal", attention.causal_self_attention)):
        out[name] = float(np.abs(f(x[:, perm], W_q, W_k, W_v) - f(x, W_q, W_k, W_v)[:, perm]).max())
    return out


def main(tiny: bool = False):
    result = errors()
    print(f"unmasked: {result['unmasked']:.1e} (equivariant), causal: {result['causal']:.2f}")
    return result


if __name__ == "__main__":
    main()
