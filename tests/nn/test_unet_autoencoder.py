"""UNet and conv encoder/decoder: shapes for generic channels, the conditioning paths, and the
sinusoidal time embedding against NumPy."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.autoencoder import ConvDecoder, ConvEncoder
from jaxdl.nn.unet import UNet, timestep_embedding


def test_timestep_embedding_matches_numpy():
    t = np.array([0.0, 3.0, 999.0])
    half = 4
    freqs = np.exp(-math.log(10_000) * np.arange(half) / half)
    want = np.concatenate([np.cos(t[:, None] * freqs), np.sin(t[:, None] * freqs)], -1)
    np.testing.assert_allclose(timestep_embedding(jnp.asarray(t), 8), want, atol=1e-4)


@pytest.mark.slow  # building a UNet eagerly compiles an initializer per shape: minutes when busy
def test_unet_maps_any_channels_and_listens_to_time_and_label():
    unet = UNet(3, 5, base_channels=8, channel_mults=(1, 2), attention_levels=(1,),
                num_classes=4, groups=4, rngs=nnx.Rngs(0))
    # Zero-initialized convs make every block the identity at first and would hide the
    # conditioning: give every parameter random values.
    graphdef, params = nnx.split(unet, nnx.Param)
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(0), len(leaves))
    params = jax.tree.unflatten(tree, [0.2 * jax.random.normal(k, p.shape)
                                       for k, p in zip(keys, leaves)])
    forward = jax.jit(lambda x, t, y: nnx.merge(graphdef, params)(x, t, y))
    x = jax.random.normal(jax.random.key(1), (3, 8, 8, 3))
    # label 4 is the null class; row 1 changes its time, row 2 its label
    out = forward(jnp.concatenate([x[:1]] * 3), jnp.array([1, 50, 1]), jnp.array([0, 0, 2]))
    assert out.shape == (3, 8, 8, 5)
    assert not np.allclose(out[0], out[1], atol=1e-3)
    assert not np.allclose(out[0], out[2], atol=1e-3)


@pytest.mark.slow
def test_encoder_decoder_shapes_and_a_clear_error_for_odd_sizes():
    enc = ConvEncoder(1, 6, image_size=16, widths=(4, 8), norm="group", rngs=nnx.Rngs(0))
    dec = ConvDecoder(3, 2, image_size=16, widths=(4, 8), norm="batch", rngs=nnx.Rngs(1))
    assert enc(jnp.ones((2, 16, 16, 1))).shape == (2, 6)
    assert dec(jnp.ones((2, 3))).shape == (2, 16, 16, 2)
    with pytest.raises(UserError, match="divisible"):
        ConvEncoder(1, 6, image_size=10, widths=(4, 8), rngs=nnx.Rngs(0))


def test_a_denoising_autoencoder_samples_without_noise(tmp_path):
    from jaxdl import train
    from jaxdl.tasks import autoencoder
    from testlib import load_config

    cfg = load_config("experiments/autoencoder/fashion_mnist.py", "digits,smoke,denoising")
    cfg.train.update(steps=2, eval_every=2)
    train.fit(cfg, tmp_path, autoencoder, devices=jax.devices()[:1])
    assert autoencoder.sample_main(tmp_path).is_file()  # it crashed asking for a noise key
