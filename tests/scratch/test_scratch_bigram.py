"""Bigram model: counting loss on the real names, hand-written net gradient, sampling."""

import math
from collections import Counter

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.scratch import bigram

pytestmark = pytest.mark.usefixtures("jax_x64")

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]
L2 = 0.01


@pytest.fixture
def net_case():
    """Random weights and pairs over the names' 27-character vocabulary."""
    rng = np.random.default_rng(0)
    prev, nxt = rng.integers(0, 27, size=(2, 300))
    return bigram.net_init(27, rng), bigram.one_hot(prev, 27), nxt


def jax_net_loss(W, x_onehot, nxt):
    log_probs = jax.nn.log_softmax(x_onehot @ W)
    return -log_probs[jnp.arange(len(nxt)), nxt].mean() + L2 * jnp.mean(W**2)


def test_vocab_puts_boundary_first():
    vocab = bigram.Vocab(WORDS)
    assert vocab.itos[0] == "." and vocab.itos[1:] == sorted(set("".join(WORDS)))
    assert vocab.decode(vocab.encode("mia")) == "mia"


def test_counting_loss_on_names_matches_direct_recomputation(names):
    vocab = bigram.Vocab(names)
    assert vocab.size == 27 and len(names) == 32033
    prev, nxt = bigram.bigram_pairs(names, vocab)
    loss = bigram.mean_nll(bigram.counts_to_probs(bigram.count_bigrams(prev, nxt, vocab.size)), prev, nxt)

    # Independent route: plain Python counters over the strings, +1 on each of the 27 next chars.
    pairs = Counter()
    for name in names:
        padded = "." + name + "."
        pairs.update(zip(padded, padded[1:]))
    row_totals = Counter()
    for (first, _), count in pairs.items():
        row_totals[first] += count
    nll = math.fsum(-count * math.log((count + 1) / (row_totals[first] + 27)) for (first, _), count in pairs.items())
    expected = nll / sum(pairs.values())

    print(f"counting bigram, +1 smoothing, all names: {loss:.4f} nats")
    assert loss == pytest.approx(expected, rel=1e-12)
    assert round(loss, 4) == 2.4546


def test_net_grad_matches_jax(net_case, rel_error):
    W, x_onehot, nxt = net_case
    loss, dW = bigram.net_loss_and_grad(W, x_onehot, nxt, L2)
    assert loss == pytest.approx(float(jax_net_loss(W, x_onehot, nxt)), rel=1e-12)
    assert rel_error(dW, jax.grad(jax_net_loss)(W, x_onehot, nxt)) <= 1e-6


def test_net_grad_matches_finite_differences(net_case):
    W, x_onehot, nxt = net_case
    _, dW = bigram.net_loss_and_grad(W, x_onehot, nxt, L2)
    h = 1e-6
    for i, j in [(0, 0), (3, 7), (26, 13), (11, 26)]:
        shifted = [W.copy(), W.copy()]
        shifted[0][i, j] += h
        shifted[1][i, j] -= h
        up, down = (bigram.net_loss_and_grad(Wh, x_onehot, nxt, L2)[0] for Wh in shifted)
        assert (up - down) / (2 * h) == pytest.approx(dW[i, j], rel=1e-6, abs=1e-9)


def test_net_training_approaches_counting_loss():
    vocab = bigram.Vocab(WORDS)
    prev, nxt = bigram.bigram_pairs(WORDS, vocab)
    # Without L2 the net's optimum is the unsmoothed counting table. With only 53 pairs each row's
    # gradient is large, so a smaller step than the full data's lr=50 keeps descent stable.
    floor = bigram.mean_nll(bigram.counts_to_probs(bigram.count_bigrams(prev, nxt, vocab.size), 0), prev, nxt)
    W = bigram.net_train(bigram.net_init(vocab.size, np.random.default_rng(0)), bigram.one_hot(prev, vocab.size),
                         nxt, steps=1000, lr=10.0, l2=0.0)
    assert bigram.mean_nll(bigram.net_probs(W), prev, nxt) == pytest.approx(floor, abs=0.01)


def test_sampling_is_deterministic_per_seed():
    vocab = bigram.Vocab(WORDS)
    probs = bigram.counts_to_probs(bigram.count_bigrams(*bigram.bigram_pairs(WORDS, vocab), vocab.size))
    draw = lambda seed: bigram.sample(probs, vocab, np.random.default_rng(seed), 20)
    assert draw(1) == draw(1)
    assert draw(1) != draw(2)
    assert all(set(name) <= set(vocab.itos[1:]) for name in draw(1))


def test_missing_data_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("JAXDL_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="JAXDL_DATA_DIR"):
        bigram.read_names()
    with pytest.raises(FileNotFoundError, match="JAXDL_DATA_DIR"):
        bigram.read_names(tmp_path)


def test_cli_runs(names, capsys):
    bigram.main(["--steps=2"])
    out = capsys.readouterr().out
    assert "mean NLL 2.4546" in out and out.count("samples from") == 2
