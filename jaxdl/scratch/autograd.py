"""A scalar reverse-mode autodiff engine in pure Python (no NumPy), to see backprop whole.

Every arithmetic operation on `Value`s records a node of a computational graph: its result, the
Values it was computed from (its parents) and the local derivatives d(result)/d(parent), known
the moment the result is. `root.backward()` then applies the chain rule once per edge, visiting
the nodes in reverse topological order, so each node's gradient is complete before it is passed on:

    a = Value(2.0, "a"); b = Value(-3.0, "b")
    loss = (a * b + a).tanh()
    loss.backward()          # now a.grad = dloss/da, b.grad = dloss/db

`mlp_loss` builds a whole classifier's loss out of Values, which makes the engine's gradients
comparable with the matrix layers of `layers.py`. `to_dot(root)` writes the graph in Graphviz's DOT language; `render(root, path)` turns it into an
image when the `dot` program is installed.
"""

import math
import shutil
import subprocess
from pathlib import Path


class Value:
    """A float that remembers how it was computed, and collects d(root)/d(itself) in `grad`."""

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(self, data: float, label: str = "", *, parents=(), local_grads=(), op: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents: tuple[Value, ...] = tuple(parents)
        # local_grads[i] = d(self)/d(parents[i]), evaluated at this forward pass's numbers.
        self.local_grads: tuple[float, ...] = tuple(local_grads)
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- the primitive operations: each states its local derivatives ----------------------------

    def __add__(self, other):
        other = as_value(other)
        return Value(self.data + other.data, parents=(self, other), local_grads=(1.0, 1.0), op="+")

    def __sub__(self, other):
        other = as_value(other)
        return Value(self.data - other.data, parents=(self, other), local_grads=(1.0, -1.0), op="-")

    def __neg__(self):
        return Value(-self.data, parents=(self,), local_grads=(-1.0,), op="neg")

    def __mul__(self, other):
        other = as_value(other)
        return Value(self.data * other.data, parents=(self, other),
                     local_grads=(other.data, self.data), op="*")

    def __pow__(self, exponent: float):
        """A Value to a constant power; d(x^k)/dx = k x^(k-1)."""
        if isinstance(exponent, Value):
            raise TypeError("only constant exponents: write (y * x.log()).exp() for x ** y")
        return Value(self.data**exponent, parents=(self,),
                     local_grads=(exponent * self.data ** (exponent - 1),), op=f"**{exponent:g}")

    def exp(self):
        out = math.exp(self.data)
        return Value(out, parents=(self,), local_grads=(out,), op="exp")  # (e^x)' = e^x

    def log(self):
        return Value(math.log(self.data), parents=(self,), local_grads=(1.0 / self.data,), op="log")

    def tanh(self):
        out = math.tanh(self.data)
        return Value(out, parents=(self,), local_grads=(1.0 - out * out,), op="tanh")

    def relu(self):
        # At exactly 0 ReLU has no derivative; 0 is the usual choice (and jax.nn.relu's).
        positive = self.data > 0
        return Value(self.data if positive else 0.0, parents=(self,),
                     local_grads=(1.0 if positive else 0.0,), op="relu")

    # ---- everything else is built from the primitives ---------------------------------------------

    def __truediv__(self, other):
        return self * as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return as_value(other) - self

    def __rtruediv__(self, other):
        return as_value(other) / self

    # ---- reverse mode -------------------------------------------------------------------------

    def backward(self) -> None:
        """Set every node's `grad` to d(self)/d(node), for all nodes this Value was computed from.

        Gradients from earlier calls are cleared first. A node used by several others receives the
        sum of what each passes back (the multivariable chain rule), so it must have heard from all
        of them before it passes its own gradient on: reverse topological order guarantees that.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad


def as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, once, each after all of its parents (root last).

    A depth-first search that appends a node when all its parents are done. It keeps its own stack
    rather than recursing, so a graph thousands of operations deep does not hit Python's limit.
    """
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((parent, False) for parent in node.parents if id(parent) not in seen)
    return order


def mlp_loss(weights, inputs, labels, activation: str = "relu") -> Value:
    """Mean softmax cross-entropy of an MLP, one scalar operation at a time.

    weights: [(W, b), ...] per layer, W as rows W[i][j] (input i -> output j) and b as a list, of
    Values or numbers; inputs: rows of numbers; labels: class indices. The activation (a Value
    method name, "relu" or "tanh") follows every layer but the last.
    """
    total = Value(0.0)
    for x, label in zip(inputs, labels):
        h = list(x)
        for depth, (W, b) in enumerate(weights):
            h = [sum((h[i] * W[i][j] for i in range(len(h))), b[j]) for j in range(len(b))]
            if depth < len(weights) - 1:
                h = [getattr(v, activation)() for v in h]
        # log-sum-exp shifted by the largest logit (a constant: it cancels in value and gradient)
        # so that exp never overflows.
        top = max(v.data for v in h)
        total = total + sum((v - top).exp() for v in h).log() - (h[label] - top)
    return total / len(labels)


def to_dot(root: Value, rankdir: str = "LR") -> str:
    """The graph of `root` in Graphviz's DOT language: a box per Value (label, data, grad) and an
    ellipse per operation, edges pointing from inputs to results."""
    order = topological_order(root)
    index = {id(node): i for i, node in enumerate(order)}
    lines = [f"digraph {{\n  rankdir={rankdir};\n  node [fontname=Helvetica];"]
    for i, node in enumerate(order):
        name = f"{node.label} | " if node.label else ""
        lines.append(f'  v{i} [shape=record, label="{{ {name}data {node.data:.4f} | '
                     f'grad {node.grad:.4f} }}"];')
        if node.op:
            lines.append(f'  op{i} [label="{node.op}"];\n  op{i} -> v{i};')
            lines.extend(f"  v{index[id(parent)]} -> op{i};" for parent in node.parents)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(root: Value, path: str | Path) -> bool:
    """Draw the graph into `path` (its suffix picks the format, e.g. .png or .svg) with Graphviz's
    `dot` program. Returns False, writing nothing, when `dot` is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return False
    path = Path(path)
    subprocess.run([dot, f"-T{path.suffix.lstrip('.')}", "-o", str(path)],
                   input=to_dot(root), text=True, check=True)
    return True
