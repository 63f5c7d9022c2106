"""The encoder-decoder models (transformer, GRU with attention) and their decoding."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl import decode
from jaxdl.nn.seq2seq import EncoderDecoder
from jaxdl.nn.seq2seq_rnn import GRUAttention

PAD, BOS, EOS, V, S, T = 0, 1, 2, 13, 7, 5
SOURCE = jnp.array([[3, 4, 5, 6, 7, 0, 0], [8, 9, 10, 11, 12, 3, 4], [5, 5, 6, 0, 0, 0, 0]])
TARGET_IN = jnp.array([[BOS, 3, 4, 5, 6], [BOS, 7, 8, 9, 10], [BOS, 11, 12, 3, 4]])


def transformer():
    return EncoderDecoder(vocab_size=V, source_len=S, target_len=T, layers=2, heads=2, width=16,
                          dropout=0.0, rngs=nnx.Rngs(0))


def gru():
    return GRUAttention(vocab_size=V, embed=8, hidden=16, attention=12, rngs=nnx.Rngs(0))


# Jitted: eager NNX calls cost seconds each on a busy 2-core machine.
forward = nnx.jit(lambda model, source, target_in: model(source, target_in))
# CI runs the transformer; the GRU's runs of the same tests are slow (its scans compile slowly).
MODELS = pytest.mark.parametrize("make", [transformer, pytest.param(gru, marks=pytest.mark.slow)],
                                 ids=["transformer", "gru"])


@MODELS
def test_every_target_position_sees_every_source_position(make):
    model = make()
    base = forward(model, SOURCE, TARGET_IN)
    for j in range(S):
        if SOURCE[1, j] == PAD:
            continue
        changed = forward(model, SOURCE.at[1, j].set(3 + (SOURCE[1, j] - 2) % (V - 3)),
                          TARGET_IN)
        # Every target position, the first included, moves when any one source token changes.
        assert np.all(np.abs(changed[1] - base[1]).max(-1) > 1e-6), j


@MODELS
def test_decoder_is_causal(make):
    model = make()
    base = forward(model, SOURCE, TARGET_IN)
    for t in range(1, T):
        changed = forward(model, SOURCE, TARGET_IN.at[:, t].set(PAD + 5))
        np.testing.assert_array_equal(changed[:, :t], base[:, :t])
        assert np.abs(changed[:, t] - base[:, t]).max() > 1e-6


@MODELS
def test_padding_is_invisible(make):
    """A source padded to 7 gives what the same source trimmed to its real tokens gives."""
    model = make()
    padded = forward(model, SOURCE[2:], TARGET_IN[2:])
    trimmed = forward(model, SOURCE[2:, :3], TARGET_IN[2:])
    np.testing.assert_allclose(padded, trimmed, atol=1e-5)


@MODELS
def test_cached_decoding_matches_teacher_forcing(make):
    model = make()

    @nnx.jit
    def step_by_step(model, source, target_in):
        memory = model.encode(source)
        cache = model.init_cache(memory, T)
        steps = []
        for i in range(T):
            logits, cache = model.decode(target_in[:, i:i + 1], cache, i, memory)
            steps.append(logits)
        return jnp.concatenate(steps, 1)

    np.testing.assert_allclose(step_by_step(model, SOURCE, TARGET_IN),
                               forward(model, SOURCE, TARGET_IN), atol=1e-5)


@MODELS
def test_attention_maps_are_distributions_over_real_source_tokens(make):
    maps = np.asarray(nnx.jit(lambda m: m.attention_maps(SOURCE, TARGET_IN))(make()))  # LBHTS
    np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-5)
    pads = np.broadcast_to((np.asarray(SOURCE) == PAD)[None, :, None, None, :], maps.shape)
    assert np.all(maps[pads] == 0) and np.all(maps[~pads] > 0)


def _sequence_log_prob(model, source, tokens):
    """sum_t log p(y_t | y_<t, x) by teacher forcing, up to and including the first EOS."""
    target_in = jnp.concatenate([jnp.full((len(tokens), 1), BOS), tokens[:, :-1]], 1)
    logp = jax.nn.log_softmax(forward(model, source, target_in), -1)
    picked = jnp.take_along_axis(logp, tokens[..., None], -1)[..., 0]
    after_eos = jnp.cumsum(tokens == EOS, 1) - (tokens == EOS) > 0
    return jnp.where(after_eos, 0.0, picked).sum(1)


@MODELS
def test_beam_width_one_is_greedy_and_scores_are_log_probs(make):
    model = make()
    options = dict(max_len=T, bos=BOS, eos=EOS, pad=PAD)
    greedy = decode.greedy(model, SOURCE, **options)
    tokens, scores = decode.beam_search(model, SOURCE, width=1, **options)
    np.testing.assert_array_equal(tokens[:, 0], greedy)
    tokens4, scores4 = decode.beam_search(model, SOURCE, width=4, **options)
    for k in range(4):
        np.testing.assert_allclose(scores4[:, k], _sequence_log_prob(model, SOURCE, tokens4[:, k]),
                                   atol=1e-4)
    assert np.all(np.diff(scores4, axis=1) <= 0)  # best first
    assert np.all(scores4[:, 0] >= scores[:, 0] - 1e-6)  # a wider beam never finds worse


@pytest.mark.slow
def test_beam_search_stops_beams_at_eos():
    """With EOS forced likely, finished beams carry PAD after EOS and keep their scores."""
    model = gru()
    model.head.bias[...] = model.head.bias[...].at[EOS].add(3.0)
    tokens, scores = decode.beam_search(model, SOURCE, max_len=T, width=3, bos=BOS, eos=EOS,
                                        pad=PAD)
    tokens = np.asarray(tokens)
    for row in tokens.reshape(-1, T):
        if EOS in row:
            assert np.all(row[list(row).index(EOS) + 1:] == PAD)
    assert (tokens == EOS).any()
    np.testing.assert_allclose(scores[:, 0], _sequence_log_prob(model, SOURCE, tokens[:, 0]),
                               atol=1e-4)
