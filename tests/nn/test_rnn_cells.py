"""Each recurrent cell against a float64 NumPy re-computation of its equations."""

import jax
import numpy as np
import pytest
from flax import nnx

from jaxdl.nn.layers import Dense
from jaxdl.nn.rnn import GRUCell, LSTMCell, RNNCell


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def weights(dense):
    return np.asarray(dense.kernel[...], np.float64), np.asarray(dense.bias[...], np.float64)


def numpy_rnn(cell, h, x):
    W, b = weights(cell.linear)
    return np.tanh(np.concatenate([x, h], -1) @ W + b)


def numpy_gru(cell, h, x):
    Wg, bg = weights(cell.gates)
    Wn, bn = weights(cell.candidate)
    r, z = np.split(sigmoid(np.concatenate([x, h], -1) @ Wg + bg), 2, -1)
    n = np.tanh(np.concatenate([x, r * h], -1) @ Wn + bn)
    return (1 - z) * n + z * h


def numpy_lstm(cell, carry, x):
    h, c = carry
    W, b = weights(cell.gates)
    i, f, g, o = np.split(np.concatenate([x, h], -1) @ W + b, 4, -1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


@pytest.mark.parametrize("cell_type, reference", [
    (RNNCell, numpy_rnn), (GRUCell, numpy_gru), (LSTMCell, numpy_lstm)])
def test_cell_matches_its_equations(cell_type, reference):
    cell = cell_type(5, 7, rngs=nnx.Rngs(0))
    denses = [node for _, node in nnx.iter_graph(cell) if isinstance(node, Dense)]
    assert denses
    for dense in denses:  # the init is zero: give the biases values that a bug would show
        dense.bias[...] = np.random.default_rng(1).normal(size=dense.bias.shape)
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(4, 3, 5))  # 4 time steps, batch 3
    carry = cell.initial_carry(rng.normal(size=(3, 7)).astype(np.float32))
    want = jax.tree.map(lambda a: np.asarray(a, np.float64), carry)
    for x in xs:
        carry, h = cell(carry, x.astype(np.float32))
        want = reference(cell, want, x)
        np.testing.assert_allclose(cell.output(carry), want[0] if isinstance(want, tuple) else want,
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(h, cell.output(carry))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_recurrent_lm_equals_the_cell_unrolled_on_embeddings(cell):
    """The LM projects the vocabulary's embeddings once and scans only the recurrent half; its
    logits must equal a float64 NumPy unroll of the cell's equations on the embedded tokens."""
    from jaxdl.nn.rnn import RecurrentLM

    model = RecurrentLM(vocab_size=6, cell=cell, embed=4, hidden=5, rngs=nnx.Rngs(0))
    for _, node in nnx.iter_graph(model):
        if isinstance(node, Dense):
            node.bias[...] = np.random.default_rng(1).normal(size=node.bias.shape)
    model.start[...] = np.random.default_rng(2).normal(size=5)
    idx = np.random.default_rng(3).integers(0, 6, size=(2, 7))
    logits = model(idx)

    reference = {"rnn": numpy_rnn, "gru": numpy_gru, "lstm": numpy_lstm}[cell]
    table = np.asarray(model.token_embedding[...], np.float64)
    h = np.broadcast_to(np.asarray(model.start[...], np.float64), (2, 5))
    carry = (h, np.zeros_like(h)) if cell == "lstm" else h
    W, b = weights(model.head)
    for t in range(7):
        carry = reference(model.cell, carry, table[idx[:, t]])
        h = carry[0] if cell == "lstm" else carry
        np.testing.assert_allclose(logits[:, t], h @ W + b, rtol=1e-5, atol=1e-5)
