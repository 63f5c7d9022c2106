"""The NumPy RNN's hand-written BPTT against jax.grad of the same equations, in float64."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.scratch import rnn

V, H, B, T = 7, 5, 3, 9


def jax_loss(params, inputs_BT, targets_BT, h0_BH, probes_TBH, activation, truncate):
    """The same RNN in jax.numpy; probes_TBH are added to each h_t (zero: the gradient wrt them
    is dloss/dh_t). stop_gradient at every k-th step is truncated BPTT."""
    act = jnp.tanh if activation == "tanh" else jax.nn.relu
    h, logps = h0_BH, []
    for t in range(T):
        if truncate and t % truncate == 0:
            h = jax.lax.stop_gradient(h)
        h = act(params["W_xh"][inputs_BT[:, t]] + h @ params["W_hh"] + params["b_h"]) + probes_TBH[t]
        logps.append(jax.nn.log_softmax(h @ params["W_hy"] + params["b_y"]))
    logp_BTV = jnp.stack(logps, axis=1)
    valid = targets_BT >= 0
    picked = jnp.take_along_axis(logp_BTV, jnp.maximum(targets_BT, 0)[..., None], -1)[..., 0]
    return -(picked * valid).sum() / valid.sum()


SLOW = pytest.mark.slow  # the same check on other settings; CI runs the first two


@pytest.mark.parametrize("activation, truncate, last_only", [
    ("tanh", None, False), ("tanh", 4, False), pytest.param("relu", None, False, marks=SLOW),
    pytest.param("tanh", None, True, marks=SLOW)])
def test_bptt_matches_jax_grad(activation, truncate, last_only):
    jax.config.update("jax_enable_x64", True)
    try:
        rng = np.random.default_rng(0)
        params = rnn.init(rng, vocab_size=V, hidden=H)
        params["b_h"] = rng.normal(size=H) * 0.1  # nonzero, so that its gradient is tested
        inputs = rng.integers(0, V, (B, T))
        targets = rng.integers(0, V, (B, T))
        targets[0, 6:] = -1  # padding
        if last_only:
            targets[:, :-1] = -1
        h0 = rng.normal(size=(B, H)) * 0.5
        loss, cache = rnn.forward(params, inputs, targets, h0, activation)
        grads = rnn.backward(params, cache, truncate)

        probes = jnp.zeros((T, B, H))
        want_loss, (want, want_h0, want_probes) = jax.value_and_grad(jax_loss, argnums=(0, 3, 4))(
            params, inputs, targets, jnp.asarray(h0), probes, activation, truncate)
        assert abs(loss - want_loss) < 1e-12
        for name in params:
            np.testing.assert_allclose(grads[name], want[name], atol=1e-6, rtol=0)
        np.testing.assert_allclose(grads["h"], want_probes.transpose(1, 0, 2), atol=1e-6, rtol=0)
        np.testing.assert_allclose(grads["h0"], want_h0, atol=1e-6, rtol=0)
        assert np.abs(grads["W_hh"]).max() > 1e-3  # not trivially zero
    finally:
        jax.config.update("jax_enable_x64", False)
