"""The fixed-window LMs (MLP, WaveNet) and their masked BatchNorm."""

import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.context_lm import MLPLM, BatchNorm, WaveNetLM, windows


def test_windows_hold_the_last_k_tokens_oldest_first():
    idx = jnp.array([[5, 6, 7, 8]])
    np.testing.assert_array_equal(windows(idx, 3)[0], [[0, 0, 5], [0, 5, 6], [5, 6, 7], [6, 7, 8]])
    np.testing.assert_array_equal(windows(idx, 3, before_start=9)[0, :2], [[9, 9, 5], [9, 5, 6]])


def test_mlp_blank_token_reads_its_own_embedding_row_before_the_start():
    """makemore's MLP: positions before the start read row vocab_size, not the boundary token."""
    model = MLPLM(vocab_size=4, context=3, embed=2, hidden=5, batch_norm=False, blank_token=True,
                  rngs=nnx.Rngs(0))
    assert model.token_embedding.shape == (5, 2)
    idx = jnp.array([[0, 1, 2]])
    logits = model(idx)
    table = np.asarray(model.token_embedding[...])
    window = table[[4, 4, 0]].reshape(-1)  # position 0 sees <BLANK>, <BLANK>, "."
    hidden = np.tanh(window @ np.asarray(model.hidden.kernel[...]) + np.asarray(model.hidden.bias[...]))
    expected = hidden @ np.asarray(model.out.kernel[...]) + np.asarray(model.out.bias[...])
    np.testing.assert_allclose(logits[0, 0], expected, rtol=1e-5, atol=1e-6)


def test_wavenet_has_the_lectures_76579_parameters():
    model = WaveNetLM(vocab_size=27, levels=3, embed=24, hidden=128, rngs=nnx.Rngs(0))
    assert sum(p.size for p in jax_leaves(nnx.state(model, nnx.Param))) == 76_579


def jax_leaves(tree):
    import jax

    return jax.tree.leaves(tree)


def test_batchnorm_counts_only_valid_positions_and_keeps_running_stats():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 3)).astype(np.float32)
    valid = rng.random((4, 5)) < 0.6
    norm = BatchNorm(3, rngs=nnx.Rngs(0))
    norm.scale[...] = jnp.array([1.0, 2.0, 0.5])
    norm.bias[...] = jnp.array([0.0, 1.0, -1.0])
    y = norm(jnp.asarray(x), jnp.asarray(valid))

    real = x[valid].astype(np.float64)  # [n, 3]
    mean, var = real.mean(0), real.var(0)
    want = (x - mean) / np.sqrt(var + 1e-5) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    np.testing.assert_allclose(y[valid], want[valid], rtol=1e-5, atol=1e-5)
    # Values at padding positions do not change the statistics.
    x2 = np.where(valid[..., None], x, 1e3).astype(np.float32)
    np.testing.assert_allclose(norm(jnp.asarray(x2), jnp.asarray(valid))[valid], y[valid], rtol=1e-5)
    # Two updates with momentum 0.1 from (0, 1), unbiased variance as torch.nn.BatchNorm1d.
    n = len(real)
    np.testing.assert_allclose(norm.running_mean[...], 0.19 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.running_var[...], 0.81 + 0.19 * var * n / (n - 1), rtol=1e-5)

    norm.eval()
    running = norm(jnp.asarray(x))
    mean_r, var_r = np.asarray(norm.running_mean[...]), np.asarray(norm.running_var[...])
    want_r = (x - mean_r) / np.sqrt(var_r + 1e-5) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    np.testing.assert_allclose(running, want_r, rtol=1e-5, atol=1e-5)


def test_mlp_equals_the_concatenated_window_times_the_kernel_with_its_gradients():
    """The MLP computes hidden(concat of the window's embeddings) from a per-slot table of
    projected embeddings; logits and parameter gradients must equal the direct formula."""
    import jax

    model = MLPLM(vocab_size=6, context=4, embed=3, hidden=5, batch_norm=False, blank_token=True,
                  rngs=nnx.Rngs(0))
    model.hidden.bias[...] = jnp.arange(5.0) / 10  # the init is zero: a dropped bias would hide
    idx = jnp.asarray(np.random.default_rng(0).integers(0, 6, size=(3, 7)))
    targets = jnp.asarray(np.random.default_rng(1).integers(0, 6, size=(3, 7)))

    def direct(params):
        window = params["token_embedding"][windows(idx, 4, before_start=6)].reshape(3, 7, -1)
        hidden = jnp.tanh(window @ params["hidden"]["kernel"] + params["hidden"]["bias"])
        return hidden @ params["out"]["kernel"] + params["out"]["bias"]

    graphdef, state = nnx.split(model)
    params = nnx.to_pure_dict(state)

    def loss(logits):
        return -jnp.take_along_axis(jax.nn.log_softmax(logits), targets[..., None], -1).mean()

    def ours(params):
        nnx.replace_by_pure_dict(state, params)
        return nnx.merge(graphdef, state)(idx)

    np.testing.assert_allclose(ours(params), direct(params), rtol=1e-5, atol=1e-5)
    got, want = jax.grad(lambda p: loss(ours(p)))(params), jax.grad(lambda p: loss(direct(p)))(params)
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)

def test_batchnorm_per_group_keeps_statistics_of_each_group():
    """groups=G: statistics over batch and valid positions, one per (group, channel)."""
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(4, 5, 2, 3)) + [[0.0], [5.0]]).astype(np.float32)  # groups differ
    valid = rng.random((4, 5)) < 0.6
    norm = BatchNorm(3, groups=2, rngs=nnx.Rngs(0))
    y = np.asarray(norm(jnp.asarray(x), jnp.asarray(valid)))
    real = x[valid].astype(np.float64)  # [n, 2, 3]
    want = (x - real.mean(0)) / np.sqrt(real.var(0) + 1e-5)
    np.testing.assert_allclose(y[valid], want[valid], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(norm.running_mean[...], 0.1 * real.mean(0), rtol=1e-5, atol=1e-6)
