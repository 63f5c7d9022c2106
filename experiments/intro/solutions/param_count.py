"""Exercise 1 (intro): count a network's parameters by hand.

A layer from a inputs to b outputs has a b weights and b biases, so widths w_0, ..., w_L give
sum_l (w_(l-1) + 1) w_l parameters. Compute it for the eight models of the results table and
check against the `Network` the intro task builds (its nnx.Param leaves; the fitted
standardization statistics are not parameters).

  python experiments/intro/solutions/param_count.py
"""

import math

import jax
import numpy as np
from flax import nnx

from jaxdl.tasks.intro import Network

# dataset: (inputs, outputs, hidden width of the MLP)
MODELS = {"diabetes": (10, 1, 32), "breast_cancer": (30, 1, 32), "iris": (4, 3, 16),
          "digits": (64, 10, 128)}


def formula(widths) -> int:
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def built(inputs: int, hidden: tuple, outputs: int) -> int:
    # eval_shape builds the module with shapes only: no random numbers drawn, nothing compiled.
    model = nnx.eval_shape(lambda: Network(
        inputs=inputs, hidden=hidden, outputs=outputs, feature_mean=np.zeros(inputs),
        feature_std=np.ones(inputs), target_mean=0.0, target_std=1.0, kind="classes",
        rngs=nnx.Rngs(0)))
    return sum(math.prod(p.shape) for p in jax.tree.leaves(nnx.state(model, nnx.Param)))


def main(tiny: bool = False):
    """{"<dataset> mlp"|"<dataset> linear": (parameters of the built Network, the formula)}."""
    found = {}
    for name, (inputs, outputs, width) in MODELS.items():
        for model, hidden in (("mlp", (width,)), ("linear", ())):
            found[f"{name} {model}"] = (built(inputs, hidden, outputs),
                                        formula([inputs, *hidden, outputs]))
    for name, (count, expected) in found.items():
        print(f"{name:22s} built {count:6,}  formula {expected:6,}")
    return found


if __name__ == "__main__":
    main()
