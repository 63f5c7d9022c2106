"""Layers as objects with hand-written backward passes, for classifiers in NumPy only.

A layer's `forward` keeps what its backward will need; its `backward` takes dL/d(output) for a
whole batch and returns dL/d(input), leaving dL/d(parameter) in `layer.grads`. A network is then
a list of layers: forward left to right, backward right to left, which is the chain rule applied
one matrix at a time instead of one number at a time (`autograd.py`).

The per-layer math is shared with the names MLP of `mlp.py` (linear, tanh, softmax cross-entropy);
this module packages it into layers that remember their caches and gradients, adds ReLU, and
trains a classifier on scikit-learn's 8x8 digits (`jaxdl.data.digits`, NumPy only as well):

    parts = digits.split({"test": 0.2, "train": 0.8})
    model = MLP([64, 128, 10], rng=np.random.default_rng(0))
    history = train(model, parts["train"], parts["test"], epochs=30, rng=np.random.default_rng(0))
"""

import numpy as np

from jaxdl.scratch import mlp


class Layer:
    """A layer without parameters; those with some fill `params` and, in backward, `grads`."""

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Linear(Layer):
    """y = x W + b, with W drawn from N(0, gain^2 / fan_in) so that activations keep their scale
    from layer to layer (gain sqrt(2) for ReLU, 5/3 for tanh, 1 before a softmax)."""

    def __init__(self, fan_in: int, fan_out: int, *, rng: np.random.Generator, gain: float = np.sqrt(2)):
        super().__init__()
        self.params = {"W": rng.standard_normal((fan_in, fan_out)) * gain / np.sqrt(fan_in),
                       "b": np.zeros(fan_out)}

    def forward(self, x):
        out, self.cache = mlp.linear_forward(x, self.params["W"], self.params["b"])
        return out

    def backward(self, dout):
        dx, self.grads["W"], self.grads["b"] = mlp.linear_backward(dout, self.cache)
        return dx


class ReLU(Layer):
    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, 0.0)

    def backward(self, dout):
        # Slope 1 where the input was positive, 0 elsewhere (also at exactly 0, like jax.nn.relu).
        return np.where(self.positive, dout, 0.0)


class Tanh(Layer):
    def forward(self, x):
        out, self.out = mlp.tanh_forward(x)
        return out

    def backward(self, dout):
        return mlp.tanh_backward(dout, self.out)


class SoftmaxCrossEntropy:
    """Mean over the batch of -log softmax(logits)[label]. Taken together, softmax and log have
    the short gradient (softmax(logits) - onehot(label)) / batch in the logits."""

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        loss, self.cache = mlp.cross_entropy_forward(logits, labels)
        return loss

    def backward(self) -> np.ndarray:
        return mlp.cross_entropy_backward(self.cache)


ACTIVATIONS = {"relu": (ReLU, np.sqrt(2)), "tanh": (Tanh, 5 / 3)}  # layer class, init gain


class MLP:
    """Linear -> activation -> ... -> Linear, producing logits; `sizes` = [inputs, hidden..., classes]."""

    def __init__(self, sizes: list[int], *, rng: np.random.Generator, activation: str = "relu"):
        layer_class, gain = ACTIVATIONS[activation]
        self.layers: list[Layer] = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
            self.layers += [Linear(fan_in, fan_out, rng=rng, gain=gain), layer_class()]
        self.layers.append(Linear(sizes[-2], sizes[-1], rng=rng, gain=1.0))
        self.loss = SoftmaxCrossEntropy()

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        """Fill every layer's grads; returns dL/d(input)."""
        for layer in reversed(self.layers):
            dlogits = layer.backward(dlogits)
        return dlogits

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray) -> float:
        loss = self.loss.forward(self.forward(x), labels)
        self.backward(self.loss.backward())
        return loss

    def parameters(self):
        """(layer index, name, array, gradient) for every parameter, in layer order."""
        for i, layer in enumerate(self.layers):
            for name, value in layer.params.items():
                yield i, name, value, layer.grads.get(name)

    def accuracy(self, x: np.ndarray, labels: np.ndarray) -> float:
        return float((self.forward(x).argmax(axis=1) == labels).mean())


def train(model: MLP, train_split, test_split, *, epochs: int, rng: np.random.Generator,
          batch_size: int = 32, lr: float = 0.1) -> list[dict]:
    """Minibatch SGD over shuffled epochs; after each epoch, the mean training loss and the
    accuracies on both splits. Updates the model in place."""
    X, y = train_split
    history = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(y))
        losses = []
        for start in range(0, len(y), batch_size):
            batch = order[start:start + batch_size]
            losses.append(model.loss_and_grads(X[batch], y[batch]))
            for _, _, value, grad in model.parameters():
                value -= lr * grad  # in place: the layer holds this very array
        history.append({"epoch": epoch, "loss": float(np.mean(losses)),
                        "train accuracy": model.accuracy(X, y),
                        "test accuracy": model.accuracy(*test_split)})
    return history

