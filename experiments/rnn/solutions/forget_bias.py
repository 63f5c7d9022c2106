"""Exercise (LSTM chapter): the forget-gate bias. With b_f = 0 the forget gate starts near
sigma(0) = 0.5, and the cell state, with its gradient, halves at every step; b_f = 1 (Gers et
al. 2000, Jozefowicz et al. 2015) starts it near sigma(1) = 0.73, b_f = 3 near 0.95.

Measures mean ||d loss_T / d h_t|| at initialisation against the distance T - t, on random
characters, for three forget biases.

  python experiments/rnn/solutions/forget_bias.py
"""

import importlib.util
import pathlib
import sys

import jax
import numpy as np
from flax import nnx

from jaxdl.nn.rnn import RecurrentLM

if "gradient_flow" not in sys.modules:  # it defines absl flags: load it once per process
    _spec = importlib.util.spec_from_file_location(
        "gradient_flow", pathlib.Path(__file__).resolve().parents[1] / "gradient_flow.py")
    sys.modules["gradient_flow"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["gradient_flow"])
gradient_flow = sys.modules["gradient_flow"]


def norms(forget_bias: float, length: int, hidden: int = 64, batch: int = 16,
          seed: int = 0) -> np.ndarray:
    model = RecurrentLM(vocab_size=65, cell="lstm", embed=32, hidden=hidden, rngs=nnx.Rngs(seed))
    bias = model.cell.gates.bias  # [i | f | g | o], each `hidden` wide
    bias[...] = bias[...].at[hidden:2 * hidden].set(forget_bias)
    idx = jax.random.randint(jax.random.PRNGKey(seed), (batch, length), 0, 65)
    return gradient_flow.norm_by_distance(model, {"inputs": idx, "targets": idx})


def main(tiny: bool = False):
    length, hidden, batch = (12, 16, 4) if tiny else (64, 64, 16)
    curves = {b: norms(b, length, hidden, batch) for b in (0.0, 1.0, 3.0)}
    shown = [d for d in (0, 4, 8, 15, 32, 63) if d < length]
    print("forget bias | " + " | ".join(f"T-t={d}" for d in shown))
    for b, curve in curves.items():
        print(f"{b:11.1f} | " + " | ".join(f"{curve[d]:.1e}" for d in shown))
    return curves


if __name__ == "__main__":
    main()
