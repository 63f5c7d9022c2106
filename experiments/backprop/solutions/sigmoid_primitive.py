"""Exercise 2 (backprop): sigmoid as a primitive of the scalar engine.

`1 / (1 + (-x).exp())` already works: the engine differentiates it through four primitives
(neg, exp, +, **-1). Write sigmoid as ONE node whose local derivative is s (1 - s), computed from
its own output s, and check that value and gradient agree with the composed form while the graph
gets smaller.

  python experiments/backprop/solutions/sigmoid_primitive.py
"""

import math

from jaxdl.scratch.autograd import Value, topological_order


def sigmoid(x: Value) -> Value:
    # The exponent is never positive, so neither branch overflows.
    e = math.exp(-abs(x.data))
    s = 1 / (1 + e) if x.data >= 0 else e / (1 + e)
    return Value(s, parents=(x,), local_grads=(s * (1 - s),), op="sigmoid")


def composed(x: Value) -> Value:
    return 1 / (1 + (-x).exp())


def compare(x: float = 0.8, w: float = -1.3):
    """loss = sigmoid(w x)^2 both ways: (value, dL/dw, nodes) for the primitive and the composition."""
    out = {}
    for name, f in (("primitive", sigmoid), ("composed", composed)):
        wv = Value(w)
        loss = f(wv * x) ** 2
        loss.backward()
        out[name] = (loss.data, wv.grad, len(topological_order(loss)))
    return out


def main(tiny: bool = False):
    out = compare()
    for name, (value, grad, nodes) in out.items():
        print(f"{name:9s} loss {value:.12f}  dL/dw {grad:+.12f}  {nodes} nodes")
    return out


if __name__ == "__main__":
    main()
