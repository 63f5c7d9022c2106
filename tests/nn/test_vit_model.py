"""ViT: patch embedding as a strided convolution, a float64 NumPy re-computation of the forward pass
and its attention maps, permutation (in)variance, dropout only in train mode."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.experiments.vit_figures import shuffle_patches
from jaxdl.nn.vit import ViT, patches

K, C, SIDE, P, HEADS = 5, 3, 8, 4, 2


def make(dropout=0.0, seed=0):
    return ViT(num_classes=K, in_channels=C, image_size=SIDE, patch_size=P, width=16, layers=2,
               heads=HEADS, mlp_ratio=2, dropout=dropout, rngs=nnx.Rngs(seed))


def images(batch=3, seed=0):
    return jnp.asarray(np.random.default_rng(seed).normal(size=(batch, SIDE, SIDE, C)), jnp.float32)


def test_shapes():
    model = make()
    assert patches(images(), P).shape == (3, (SIDE // P) ** 2, P * P * C)
    assert model(images()).shape == (3, K)
    assert [a.shape for a in model.attention_maps(images())] == [(3, HEADS, 5, 5)] * 2


def test_patch_side_must_divide_the_image():
    with pytest.raises(UserError, match="does not divide"):
        ViT(num_classes=K, in_channels=C, image_size=10, patch_size=4, width=16, layers=1,
            heads=2, rngs=nnx.Rngs(0))


def test_patch_embedding_is_a_stride_p_convolution():
    dense = make().patch_embedding
    x = images()
    kernel_HWIO = dense.kernel[...].reshape(P, P, C, -1)  # a patch is flattened as (row, col, C)
    conv = jax.lax.conv_general_dilated(x, kernel_HWIO, window_strides=(P, P), padding="VALID",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))
    conv_BNE = (conv + dense.bias[...]).reshape(3, -1, conv.shape[-1])  # row-major patches
    np.testing.assert_allclose(dense(patches(x, P)), conv_BNE, rtol=1e-5, atol=1e-5)


def numpy_vit(params, x, heads):
    """The ViT forward pass in float64 NumPy: (logits, attention probabilities per block)."""
    p = jax.tree.map(lambda a: np.asarray(a, np.float64), params)
    x = np.asarray(x, np.float64)

    def layer_norm(h, ln):
        mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
        return (h - mean) / np.sqrt(var + 1e-5) * ln["scale"] + ln["bias"]

    def dense(h, layer):
        return h @ layer["kernel"] + layer["bias"]

    B = x.shape[0]
    # Patches by explicit loops over the grid: an independent statement of the token order.
    tokens = np.stack([x[:, r:r + P, c:c + P, :].reshape(B, -1)
                       for r in range(0, SIDE, P) for c in range(0, SIDE, P)], axis=1)
    h = dense(tokens, p["patch_embedding"])
    h = np.concatenate([np.broadcast_to(p["class_token"], (B, 1, h.shape[-1])), h], axis=1)
    h = h + p["position_embedding"]
    T, E = h.shape[1:]
    maps = []
    for block in p["blocks"].values():
        q, k, v = np.split(dense(layer_norm(h, block["ln_attn"]), block["attn"]["qkv"]), 3, -1)
        split = lambda t: t.reshape(B, T, heads, -1).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(q), split(k), split(v)
        att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(E // heads)  # no causal mask
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        maps.append(att)
        h = h + dense((att @ v).transpose(0, 2, 1, 3).reshape(B, T, E), block["attn"]["out"])
        u = dense(layer_norm(h, block["ln_mlp"]), block["mlp"]["up"])
        u = 0.5 * u * (1 + np.vectorize(math.erf)(u / math.sqrt(2)))
        h = h + dense(u, block["mlp"]["down"])
    return dense(layer_norm(h[:, 0], p["ln_final"]), p["head"]), maps


def test_forward_and_attention_maps_match_float64_numpy():
    model = make()
    # Non-trivial class token and position embeddings (init scale 0.02 would hide a mistake).
    keys = jax.random.split(jax.random.PRNGKey(1), 2)
    model.class_token[...] = jax.random.normal(keys[0], model.class_token.shape)
    model.position_embedding[...] = jax.random.normal(keys[1], model.position_embedding.shape)
    x = images()
    want_logits, want_maps = numpy_vit(nnx.to_pure_dict(nnx.state(model, nnx.Param)), x, HEADS)
    np.testing.assert_allclose(model(x), want_logits, rtol=1e-4, atol=1e-4)
    for got, want in zip(model.attention_maps(x), want_maps, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_without_position_embeddings_patch_order_does_not_matter():
    model, x = make(), images()
    order = np.array([2, 0, 3, 1])
    shuffled = jnp.asarray(shuffle_patches(x, P, order))
    np.testing.assert_array_equal(patches(shuffled, P), patches(x, P)[:, order])
    # With position embeddings the model sees where each patch was ...
    model.position_embedding[...] = jax.random.normal(jax.random.PRNGKey(0),
                                                      model.position_embedding.shape)
    assert np.abs(model(shuffled) - model(x)).max() > 1e-3
    # ... without them a ViT is a set model: the class token's output ignores the order.
    model.position_embedding[...] = jnp.zeros(model.position_embedding.shape)
    np.testing.assert_allclose(model(shuffled), model(x), rtol=1e-5, atol=1e-5)


def test_dropout_acts_in_train_mode_only():
    model, x = make(dropout=0.3), images()
    model.eval()
    eval_logits = model(x, rngs=nnx.Rngs(dropout=1))
    np.testing.assert_array_equal(model(x, rngs=nnx.Rngs(dropout=2)), eval_logits)
    np.testing.assert_array_equal(model(x), eval_logits)
    model.train()
    first, second = model(x, rngs=nnx.Rngs(dropout=1)), model(x, rngs=nnx.Rngs(dropout=2))
    assert np.abs(first - second).max() > 1e-3
    np.testing.assert_array_equal(model(x, rngs=nnx.Rngs(dropout=1)), first)
