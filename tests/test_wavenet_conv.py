"""The WaveNet as a causal dilated convolution (form="conv") against the lectures' reshape form."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.context_lm import WaveNetLM

IDX = jax.random.randint(jax.random.PRNGKey(1), (4, 16), 0, 27)
VALID = jnp.arange(16)[None] < jnp.array([[5], [16], [9], [1]])


def wavenet(**kw):
    return WaveNetLM(vocab_size=27, levels=3, embed=6, hidden=10, rngs=nnx.Rngs(0), **kw)


def both_forms(model, *args, **kw):
    """The model's logits in the reshape form, then in the conv form (same weights)."""
    reshape = model(*args, **kw)
    model.form = "conv"
    return reshape, model(*args, **kw)


def test_without_batchnorm_both_forms_give_the_same_logits():
    model = wavenet(batch_norm=False)
    reshape, conv = both_forms(model, IDX)
    np.testing.assert_allclose(conv, reshape, atol=1e-5, rtol=0)
    assert reshape.shape == (4, 16, 27) and np.abs(reshape).max() > 1e-2


@pytest.mark.slow  # CI keeps the equality without BatchNorm and the lax.conv check
def test_with_running_statistics_both_forms_give_the_same_logits():
    model = wavenet()
    model.eval()  # BatchNorm is then a fixed affine map per channel, the same in both forms
    reshape, conv = both_forms(model, IDX)
    np.testing.assert_allclose(conv, reshape, atol=1e-5, rtol=0)


def test_conv_levels_are_lax_dilated_convolutions():
    model = wavenet(batch_norm=False, form="conv")
    x = jax.random.normal(jax.random.PRNGKey(2), (2, 11, 10))
    dense, dilation = model.fuse[1], 2
    shifted = dense(jnp.concatenate([x[:, :-dilation], x[:, dilation:]], axis=-1))
    conv = jax.lax.conv_general_dilated(
        x, dense.kernel[...].reshape(2, 10, -1), window_strides=(1,), padding="VALID",
        rhs_dilation=(dilation,), dimension_numbers=("NWC", "WIO", "NWC")) + dense.bias[...]
    np.testing.assert_allclose(shifted, conv, atol=1e-5)


@pytest.mark.slow  # CI keeps the equality without BatchNorm and the lax.conv check
def test_conv_form_is_causal_with_a_window_of_eight():
    model = wavenet(batch_norm=False, form="conv")
    edited = IDX.at[:, 3].set((IDX[:, 3] + 1) % 27)
    changed = np.abs(model(edited) - model(IDX)).max(axis=(0, 2)) > 0
    np.testing.assert_array_equal(np.flatnonzero(changed), np.arange(3, 11))


@pytest.mark.slow  # CI keeps the equality without BatchNorm and the lax.conv check
def test_conv_batch_statistics_count_each_position_once():
    model = wavenet(form="conv")
    model(IDX, valid=VALID)
    # Level 1's pre-norm activations at every position of the left-padded sequence, in NumPy.
    emb = np.asarray(model.token_embedding[...])[np.pad(np.asarray(IDX), ((0, 0), (7, 0)))]
    kernel = np.asarray(model.fuse[0].kernel[...])
    level1 = np.concatenate([emb[:, :-1], emb[:, 1:]], axis=-1) @ kernel  # [B, 22, H]
    counted = np.concatenate([np.repeat(np.asarray(VALID)[:, :1], 7, 1), np.asarray(VALID)], 1)[:, 1:]
    mean = level1[counted].mean(0)
    np.testing.assert_allclose(model.norms[0].running_mean[...], 0.1 * mean, atol=1e-5)


def test_unknown_form_is_a_user_error():
    with pytest.raises(UserError, match="reshape or conv"):
        wavenet(form="dilated")
