"""Exercise 3 (backprop): a Sigmoid layer for the NumPy layers, checked by finite differences.

Write `Sigmoid(Layer)`: forward keeps its output s = 1 / (1 + e^-x), backward multiplies the
incoming gradient by s (1 - s), elementwise. Put it into a 64-16-10 network in place of the ReLU
(Linear -> Sigmoid -> Linear -> softmax cross-entropy) and check every weight gradient of the
first layer, and the gradient in the input, against central differences in float64 on 20 digits.

  python experiments/backprop/solutions/sigmoid_layer.py
"""

import numpy as np

from jaxdl.data import digits
from jaxdl.scratch import layers


class Sigmoid(layers.Layer):
    def forward(self, x):
        e = np.exp(-np.abs(x))  # never overflows
        self.out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


def main(tiny: bool = False, h: float = 1e-5):
    """(largest relative error of dL/dW1, of dL/dX) against central differences."""
    X, y = digits.split({"train": 1.0})["train"]
    X, y = X[:20], y[:20]
    model = layers.MLP([64, 16, 10], rng=np.random.default_rng(0))
    model.layers[1] = Sigmoid()  # Linear -> Sigmoid -> Linear

    def loss():
        return model.loss.forward(model.forward(X), y)

    model.loss.forward(model.forward(X), y)
    dX = model.backward(model.loss.backward())
    W1, dW1 = model.layers[0].params["W"], model.layers[0].grads["W"]
    numeric_W1 = np.zeros_like(W1)
    for index in np.ndindex(W1.shape):
        original = W1[index]
        W1[index] = original + h
        up = loss()
        W1[index] = original - h
        numeric_W1[index] = (up - loss()) / (2 * h)
        W1[index] = original
    numeric_X = np.zeros_like(X[:2])  # two images' pixels: enough to exercise the input gradient
    for index in np.ndindex(numeric_X.shape):
        original = X[index]
        X[index] = original + h
        up = loss()
        X[index] = original - h
        numeric_X[index] = (up - loss()) / (2 * h)
        X[index] = original
    errors = (float(np.abs(dW1 - numeric_W1).max() / np.abs(dW1).max()),
              float(np.abs(dX[:2] - numeric_X).max() / np.abs(dX[:2]).max()))
    print(f"relative error vs central differences: dL/dW1 {errors[0]:.1e}, dL/dX {errors[1]:.1e}")
    return errors


if __name__ == "__main__":
    main()
