"""An Elman RNN language model and backpropagation through time (BPTT) by hand, in NumPy only.

Characters are one-hot, so W_xh x_t is row x_t of W_xh. For t = 1..T:

    a_t = W_xh[x_t] + h_{t-1} W_hh + b_h,    h_t = act(a_t),    logits_t = h_t W_hy + b_y

and the loss is the mean cross-entropy over the positions whose target is not -1 (padding; a
target of -1 everywhere but the last position gives the loss of the last prediction alone).

Backward, from t = T down to 1, with dh the gradient reaching h_t:

    dh_t = dlogits_t W_hy^T + da_{t+1} W_hh^T      (its own prediction + the next step)
    da_t = dh_t * act'(a_t)

and every weight's gradient is a sum over t. `truncate=k` is truncated BPTT as RNN training loops
run it: the sequence is cut into chunks of k steps, the state flows forward across the cuts, but
gradients stop at them (PyTorch: `h = h.detach()` every k steps).

    rng = np.random.default_rng(0)
    params = init(rng, vocab_size=27, hidden=32)
    loss, cache = forward(params, inputs_BT, targets_BT)
    grads = backward(params, cache)           # grads["h"][:, t]: dloss / dh_t
"""

import numpy as np

from jaxdl.scratch.bigram import softmax


def _relu_grad(h):
    return (h > 0).astype(h.dtype)


# act(a), and act'(a) written from the output h = act(a) (all that the backward keeps).
ACTIVATIONS = {
    "tanh": (np.tanh, lambda h: 1 - h * h),
    "relu": (lambda a: np.maximum(a, 0), _relu_grad),
}


def init(rng: np.random.Generator, *, vocab_size: int, hidden: int,
         dtype=np.float64) -> dict[str, np.ndarray]:
    """Uniform +-1/sqrt(fan_in) weights (torch.nn.RNN's init), zero biases."""
    def uniform(fan_in, shape):
        bound = 1 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape).astype(dtype)

    return dict(W_xh=uniform(vocab_size, (vocab_size, hidden)), W_hh=uniform(hidden, (hidden, hidden)),
                b_h=np.zeros(hidden, dtype), W_hy=uniform(hidden, (hidden, vocab_size)),
                b_y=np.zeros(vocab_size, dtype))


def forward(params, inputs_BT, targets_BT, h0_BH=None, activation: str = "tanh"):
    """Returns the mean cross-entropy over real targets and what `backward` needs."""
    act, _ = ACTIVATIONS[activation]
    B, T = inputs_BT.shape
    h = np.zeros((B, params["W_hh"].shape[0]), params["W_hh"].dtype) if h0_BH is None else h0_BH
    hs, logits = [h], []
    for t in range(T):
        h = act(params["W_xh"][inputs_BT[:, t]] + h @ params["W_hh"] + params["b_h"])
        hs.append(h)
        logits.append(h @ params["W_hy"] + params["b_y"])
    logits_BTV = np.stack(logits, axis=1)
    probs_BTV = softmax(logits_BTV)
    # log softmax as z - max - log sum exp(z - max): finite even where a probability underflows
    shifted = logits_BTV - logits_BTV.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    valid_BT = targets_BT >= 0
    count = valid_BT.sum()
    picked = np.take_along_axis(log_probs, np.maximum(targets_BT, 0)[..., None], axis=-1)[..., 0]
    loss = -picked[valid_BT].sum() / count
    cache = dict(inputs=inputs_BT, targets=targets_BT, hs=np.stack(hs, axis=1), probs=probs_BTV,
                 valid=valid_BT, count=count, activation=activation)
    return loss, cache


def backward(params, cache, truncate: int | None = None) -> dict[str, np.ndarray]:
    """Gradients of the loss for every parameter, plus "h" ([B, T, H]: dloss/dh_t, the gradient
    that reaches each state from every later loss term) and "h0" (dloss / d initial state)."""
    _, act_grad = ACTIVATIONS[cache["activation"]]
    hs, inputs = cache["hs"], cache["inputs"]  # hs[:, 0] is h0
    B, T = inputs.shape
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["h"] = np.zeros_like(hs[:, 1:])
    da_next = np.zeros_like(hs[:, 0])
    for t in reversed(range(T)):
        h_t = hs[:, t + 1]
        # softmax cross-entropy: dloss/dlogits = (p - onehot(target)) / count, at real targets
        dlogits_t = cache["probs"][:, t].copy()
        dlogits_t[np.arange(B), np.maximum(cache["targets"][:, t], 0)] -= 1
        dlogits_t *= cache["valid"][:, t, None] / cache["count"]
        grads["W_hy"] += h_t.T @ dlogits_t
        grads["b_y"] += dlogits_t.sum(0)
        dh = dlogits_t @ params["W_hy"].T + da_next @ params["W_hh"].T
        grads["h"][:, t] = dh
        da = dh * act_grad(h_t)
        grads["W_hh"] += hs[:, t].T @ da
        grads["b_h"] += da.sum(0)
        np.add.at(grads["W_xh"], inputs[:, t], da)
        da_next = np.zeros_like(da) if truncate and t % truncate == 0 else da
    grads["h0"] = da_next @ params["W_hh"].T
    return grads
