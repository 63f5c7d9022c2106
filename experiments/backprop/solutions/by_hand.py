"""Exercise 1 (backprop): the neuron's five gradients by hand, against the scalar engine.

With z = w1 x1 + w2 x2 + b, out = tanh(z) and L = (out - t)^2 the chain rule gives

  dL/dz = 2 (out - t) (1 - out^2),   dL/dw_i = dL/dz * x_i,   dL/dx_i = dL/dz * w_i,   dL/db = dL/dz.

Evaluate them at a point of your own and compare with `loss.backward()`.

  python experiments/backprop/solutions/by_hand.py
"""

import math

from jaxdl.studies.backprop import TARGET, neuron_graph

POINT = {"x1": -0.7, "x2": 0.4, "w1": 0.3, "w2": 1.1, "b": -0.2}


def by_hand(x1, x2, w1, w2, b):
    out = math.tanh(w1 * x1 + w2 * x2 + b)
    dz = 2 * (out - TARGET) * (1 - out * out)
    return {"x1": dz * w1, "x2": dz * w2, "w1": dz * x1, "w2": dz * x2, "b": dz}


def main(tiny: bool = False):
    """{input: (by hand, engine)}."""
    loss, leaves = neuron_graph(**POINT)
    loss.backward()
    hand = by_hand(**POINT)
    found = {name: (hand[name], leaves[name].grad) for name in POINT}
    for name, (h, e) in found.items():
        print(f"dL/d{name:3s} by hand {h:+.10f}   engine {e:+.10f}")
    return found


if __name__ == "__main__":
    main()
