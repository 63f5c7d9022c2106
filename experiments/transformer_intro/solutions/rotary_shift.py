"""Exercise 3 (transformer chapter): with rotary positions, shifting every position by the same
offset leaves the attention weights unchanged (only t - s matters); learned or sinusoidal
positions added to x do not have this property.

  python experiments/transformer_intro/solutions/rotary_shift.py
"""

import importlib.util
import pathlib

import jax
import numpy as np

_path = pathlib.Path(__file__).resolve().parents[1] / "attention.py"
_spec = importlib.util.spec_from_file_location("attention", _path)
attention = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(attention)


def weight_change(offset: int = 5, seed: int = 0, T: int = 7, D: int = 8):
    """max |weights(positions offset..) - weights(positions 0..)|: rotary, then sinusoidal."""
    kq, kk = jax.random.split(jax.random.PRNGKey(seed))
    q = jax.random.normal(kq, (1, 1, T, D))
    k = jax.random.normal(kk, (1, 1, T, D))
    rot = [attention.causal_weights(attention.rotary(q, start=s), attention.rotary(k, start=s))
           for s in (0, offset)]
    table = attention.sinusoidal(T + offset, D)
    sin = [attention.causal_weights(q + table[s:s + T], k + table[s:s + T]) for s in (0, offset)]
    return float(np.abs(rot[1] - rot[0]).max()), float(np.abs(sin[1] - sin[0]).max())


def main(tiny: bool = False):
    rotary, sinusoidal = weight_change()
    print(f"shift by 5: rotary weights change by {rotary:.1e}, sinusoidal by {sinusoidal:.2f}")
    return rotary, sinusoidal


if __name__ == "__main__":
    main()
