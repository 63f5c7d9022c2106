"""Bengio-style MLP language model on names with a hand-written backward pass, in NumPy only.

The previous `block_size` characters are looked up in an embedding table C, concatenated, and go
through linear -> BatchNorm -> tanh -> linear to logits over the next character:

    emb = C[X] -> flat @ W1 -> BN(gamma, beta) -> tanh -> h @ W2 + b2 -> cross-entropy

Every layer has a forward that returns its output plus what its backward needs, and a backward
that maps the gradient of its output to the gradients of its input and parameters. The first
linear has no bias: BatchNorm subtracts the batch mean right after, which cancels any bias
(its gradient would be exactly zero).

    JAXDL_DATA_DIR=/path/to/data python -m jaxdl.scratch.mlp --steps=200000
"""

import argparse
import random
import time

import numpy as np

from jaxdl.scratch.bigram import Vocab, read_names, softmax

BN_EPS = 1e-5


# ---- data -------------------------------------------------------------------------------------


def split_words(words: list[str], seed: int = 42) -> tuple[list[str], list[str], list[str]]:
    """The lectures' split: `random.seed(42); random.shuffle(words)`, then 80% / 10% / 10% into
    train / val / test (the same as `jaxdl.data.name_rows.split(words, "lectures", 42)`)."""
    shuffled = list(words)
    random.Random(seed).shuffle(shuffled)
    n_train, n_val = int(0.8 * len(words)), int(0.9 * len(words))
    return shuffled[:n_train], shuffled[n_train:n_val], shuffled[n_val:]


def build_dataset(words: list[str], vocab: Vocab, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (context, next char) example: context is the last block_size ids, '.'-padded at the start."""
    contexts, targets = [], []
    for word in words:
        context = [0] * block_size
        for nxt in [*vocab.encode(word), 0]:
            contexts.append(context)
            targets.append(nxt)
            context = context[1:] + [nxt]
    return np.array(contexts), np.array(targets)


# ---- layers: forward returns (output, cache); backward returns input grad (+ param grads) ------


def embedding_forward(C, X):
    B, T = X.shape
    return C[X].reshape(B, T * C.shape[1]), (X, C.shape)


def embedding_backward(dflat, cache):
    X, C_shape = cache
    dC = np.zeros(C_shape, dtype=dflat.dtype)
    # A row of C used several times (same char at several positions or in several examples)
    # collects the sum of its gradients; add.at accumulates repeats where dC[X] += ... would not.
    np.add.at(dC, X, dflat.reshape(*X.shape, C_shape[1]))
    return dC


def linear_forward(x, W, b=None):
    out = x @ W
    return (out if b is None else out + b), (x, W)


def linear_backward(dout, cache):
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)  # dx, dW, db (bias broadcast over the batch)


def batchnorm_forward(x, gamma, beta):
    """Training mode: normalise with this batch's mean and (biased) variance."""
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma), mean, var


def batchnorm_backward(dout, cache):
    """Gradients through y = gamma * (x - mean(x)) / sqrt(var(x) + eps) + beta.

    Each x[i] moves the output directly and also through the batch mean and variance, which every
    row shares. Collecting the three paths for one column (n rows, g = dL/dxhat) gives
        dx = inv_std / n * (n * g - sum(g) - xhat * sum(g * xhat)).
    The sum(g) term is what the mean path removes; the xhat * sum(g * xhat) term the variance path.
    """
    xhat, inv_std, gamma = cache
    n = dout.shape[0]
    dgamma = (dout * xhat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std / n * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    return dx, dgamma, dbeta


def batchnorm_eval(x, gamma, beta, running_mean, running_var):
    return gamma * (x - running_mean) / np.sqrt(running_var + BN_EPS) + beta


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, out):
    return dout * (1.0 - out**2)  # tanh' = 1 - tanh^2, so the output is all we keep


def cross_entropy_forward(logits, targets):
    probs = softmax(logits)
    rows = np.arange(len(targets))
    return float(-np.log(probs[rows, targets]).mean()), (probs, targets)


def cross_entropy_backward(cache):
    probs, targets = cache
    dlogits = probs.copy()
    dlogits[np.arange(len(targets)), targets] -= 1  # d(-log softmax[t]) / dlogits = probs - onehot(t)
    return dlogits / len(targets)


# ---- the model --------------------------------------------------------------------------------


def init_params(vocab_size: int, block_size: int = 3, n_embd: int = 10, n_hidden: int = 200, *,
                rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    fan_in = block_size * n_embd
    params = {
        "C": rng.standard_normal((vocab_size, n_embd)),
        # Kaiming gain for tanh, 5/3, keeps pre-activations at unit scale before BN takes over.
        "W1": rng.standard_normal((fan_in, n_hidden)) * (5 / 3) / np.sqrt(fan_in),
        "gamma": np.ones(n_hidden),
        "beta": np.zeros(n_hidden),
        # Small output weights: the first logits are near zero, so the first loss is near log(vocab).
        "W2": rng.standard_normal((n_hidden, vocab_size)) * 0.01,
        "b2": np.zeros(vocab_size),
    }
    return {name: p.astype(dtype) for name, p in params.items()}


def init_running_stats(params) -> dict[str, np.ndarray]:
    n_hidden = params["gamma"].shape[0]
    dtype = params["gamma"].dtype
    return {"mean": np.zeros(n_hidden, dtype), "var": np.ones(n_hidden, dtype)}


def loss_and_grads(params, X, Y):
    """Training-mode forward (BN on batch statistics) and the manual backward pass.

    Returns (loss, grads keyed like params, (batch mean, batch var) of the BN input).
    """
    flat, emb_cache = embedding_forward(params["C"], X)
    hpre, lin1_cache = linear_forward(flat, params["W1"])
    hnorm, bn_cache, batch_mean, batch_var = batchnorm_forward(hpre, params["gamma"], params["beta"])
    h, tanh_cache = tanh_forward(hnorm)
    logits, lin2_cache = linear_forward(h, params["W2"], params["b2"])
    loss, ce_cache = cross_entropy_forward(logits, Y)

    grads = {}
    dlogits = cross_entropy_backward(ce_cache)
    dh, grads["W2"], grads["b2"] = linear_backward(dlogits, lin2_cache)
    dhnorm = tanh_backward(dh, tanh_cache)
    dhpre, grads["gamma"], grads["beta"] = batchnorm_backward(dhnorm, bn_cache)
    dflat, grads["W1"], _ = linear_backward(dhpre, lin1_cache)  # no b1, so its grad is dropped
    grads["C"] = embedding_backward(dflat, emb_cache)
    return loss, grads, (batch_mean, batch_var)


def eval_logits(params, running, X):
    """Inference-mode forward: BN uses the running statistics, so each example stands alone."""
    flat, _ = embedding_forward(params["C"], X)
    hpre = flat @ params["W1"]
    h = np.tanh(batchnorm_eval(hpre, params["gamma"], params["beta"], running["mean"], running["var"]))
    return h @ params["W2"] + params["b2"]


def eval_loss(params, running, X, Y, chunk: int = 8192) -> float:
    """Mean cross-entropy over a whole split, in chunks so the hidden activations stay small."""
    total = 0.0
    for start in range(0, len(Y), chunk):
        probs = softmax(eval_logits(params, running, X[start:start + chunk]))
        rows = np.arange(len(probs))
        total += -np.log(probs[rows, Y[start:start + chunk]]).sum()
    return float(total / len(Y))


def train(params, running, X, Y, *, steps: int, rng: np.random.Generator, batch_size: int = 32,
          lr: float = 0.1, decayed_lr: float = 0.01, decay_step: int | None = None,
          bn_momentum: float = 0.001, log_every: int = 0) -> list[float]:
    """Minibatch SGD, updating params and running stats in place; returns every step's loss.

    The learning rate steps from lr down to decayed_lr at decay_step (default: half way).
    """
    decay_step = steps // 2 if decay_step is None else decay_step
    n = len(Y)
    # PyTorch's convention: normalise with the biased batch variance, track the unbiased one.
    bessel = batch_size / (batch_size - 1)
    losses = []
    for step in range(steps):
        batch = rng.integers(0, n, size=batch_size)
        loss, grads, (batch_mean, batch_var) = loss_and_grads(params, X[batch], Y[batch])
        step_lr = lr if step < decay_step else decayed_lr
        for name, grad in grads.items():
            params[name] -= step_lr * grad
        running["mean"] += bn_momentum * (batch_mean - running["mean"])
        running["var"] += bn_momentum * (batch_var * bessel - running["var"])
        losses.append(loss)
        if log_every and step % log_every == 0:
            print(f"step {step:7d}/{steps}  lr {step_lr:g}  batch loss {loss:.4f}")
    return losses


def sample(params, running, vocab: Vocab, rng: np.random.Generator, num: int) -> list[str]:
    """Draw names one character at a time until the boundary token comes out."""
    block_size = params["W1"].shape[0] // params["C"].shape[1]
    names = []
    for _ in range(num):
        context, ids = [0] * block_size, []
        while True:
            # Softmax in float64: rng.choice wants the row to sum to 1 at float64 precision.
            probs = softmax(eval_logits(params, running, np.array([context])).astype(np.float64))[0]
            nxt = rng.choice(vocab.size, p=probs)
            if nxt == 0:
                break
            ids.append(nxt)
            context = context[1:] + [nxt]
        names.append(vocab.decode(ids))
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--block_size", type=int, default=3, help="characters of context")
    parser.add_argument("--n_embd", type=int, default=10)
    parser.add_argument("--n_hidden", type=int, default=200)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    parser.add_argument("--seed", type=int, default=0, help="init, batches and samples (split uses 42)")
    args = parser.parse_args(argv)

    words = read_names()
    vocab = Vocab(words)
    splits = {name: build_dataset(part, vocab, args.block_size)
              for name, part in zip(("train", "val", "test"), split_words(words))}
    print({name: len(Y) for name, (_, Y) in splits.items()}, "examples")

    rng = np.random.default_rng(args.seed)
    params = init_params(vocab.size, args.block_size, args.n_embd, args.n_hidden, rng=rng, dtype=args.dtype)
    running = init_running_stats(params)
    start = time.perf_counter()
    train(params, running, *splits["train"], steps=args.steps, rng=rng, batch_size=args.batch_size,
          log_every=max(1, args.steps // 20))
    seconds = time.perf_counter() - start
    print(f"trained {args.steps} steps in {seconds:.1f}s ({1000 * seconds / max(1, args.steps):.3f} ms/step)")

    for name, (X, Y) in splits.items():
        print(f"{name} loss {eval_loss(params, running, X, Y):.4f}")
    print("samples:", " ".join(sample(params, running, vocab, rng, 10)))


if __name__ == "__main__":
    main()
