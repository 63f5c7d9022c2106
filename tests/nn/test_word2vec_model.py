"""word2vec's negative-sampling losses: values and gradients vs a float64 NumPy derivation."""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.word2vec import Word2Vec


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_loss_and_grads(v_in, u_out, center, context, negatives):
    """Mean skip-gram loss and its gradients for both tables, derived by hand in float64.

    With h = v[c], s_o = u[o] . h, s_k = u[k] . h and L = -log sig(s_o) - sum_k log sig(-s_k):
    dL/dh = (sig(s_o) - 1) u[o] + sum_k sig(s_k) u[k];  dL/du[o] = (sig(s_o) - 1) h;
    dL/du[k] = sig(s_k) h. Repeated ids add up (np.add.at), as the gather's transpose does.
    """
    B = len(center)
    h = v_in[center]
    s_o = np.sum(u_out[context] * h, -1)
    s_k = np.einsum("bd,bkd->bk", h, u_out[negatives])
    loss = np.mean(-np.log(sigmoid(s_o)) - np.log(sigmoid(-s_k)).sum(-1))
    g_pos = (sigmoid(s_o) - 1.0) / B
    g_neg = sigmoid(s_k) / B
    d_v, d_u = np.zeros_like(v_in), np.zeros_like(u_out)
    np.add.at(d_v, center, g_pos[:, None] * u_out[context] + np.einsum("bk,bkd->bd", g_neg, u_out[negatives]))
    np.add.at(d_u, context, g_pos[:, None] * h)
    np.add.at(d_u, negatives, g_neg[..., None] * h[:, None, :])
    return loss, d_v, d_u


def test_skipgram_gradients_match_float64_numpy():
    rng = np.random.default_rng(0)
    V, D, B, K = 13, 6, 9, 4
    v_in, u_out = rng.normal(size=(V, D)), rng.normal(size=(V, D)) * 0.5
    center = rng.integers(0, V, B)
    center[:3] = 2  # a repeated center: its gradients must add up
    context, negatives = rng.integers(0, V, B), rng.integers(0, V, (B, K))
    expected_loss, expected_dv, expected_du = numpy_loss_and_grads(v_in, u_out, center, context, negatives)
    with jax.enable_x64(True):
        model = Word2Vec(V, D, rngs=nnx.Rngs(0))
        model.inputs[...] = jnp.asarray(v_in)
        model.outputs[...] = jnp.asarray(u_out)

        def loss(m):
            return m.skipgram_loss(jnp.asarray(center), jnp.asarray(context), jnp.asarray(negatives)).mean()

        value, grads = nnx.jit(nnx.value_and_grad(loss))(model)
        np.testing.assert_allclose(value, expected_loss, rtol=1e-12)
        np.testing.assert_allclose(grads.inputs[...], expected_dv, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(grads.outputs[...], expected_du, rtol=1e-10, atol=1e-14)


def test_cbow_averages_only_the_valid_context_words():
    rng = np.random.default_rng(1)
    model = Word2Vec(10, 4, rngs=nnx.Rngs(0))
    model.outputs[...] = jnp.asarray(rng.normal(size=(10, 4)), jnp.float32)
    context = np.array([[1, 2, 7, 0], [3, 3, 3, 3]])
    valid = np.array([[True, True, False, False], [True, False, False, False]])
    center, negatives = np.array([5, 6]), np.array([[8, 9], [0, 1]])
    got = nnx.jit(lambda m: m.cbow_loss(context, valid, center, negatives))(model)
    v = np.asarray(model.inputs[...])
    h = np.stack([(v[1] + v[2]) / 2, v[3]])
    u = np.asarray(model.outputs[...])
    expected = (-np.log(sigmoid(np.sum(u[center] * h, -1)))
                - np.log(sigmoid(-np.einsum("bd,bkd->bk", h, u[negatives]))).sum(-1))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_init_as_the_c_tool():
    model = Word2Vec(50, 20, rngs=nnx.Rngs(0))
    assert np.abs(np.asarray(model.inputs[...])).max() <= 0.5 / 20
    assert not np.any(np.asarray(model.outputs[...]))
