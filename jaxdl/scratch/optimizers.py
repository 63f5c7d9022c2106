"""Optimizers written from their update equations, in NumPy only: SGD, momentum, Nesterov,
Adagrad, RMSprop, Adam and AdamW, plus learning-rate schedules (step, exponential, cosine, warmup).

Every optimizer has optax's interface, except that `update` also takes the step:

    opt = Adam(lr=1e-3)
    state = opt.init(params)                          # params: dict of name -> np.ndarray
    params, state = opt.update(grads, state, params)  # grads: same names and shapes

Where papers and libraries disagree on a detail (where eps goes, how Nesterov looks ahead, what
Adagrad's sum starts at), each class follows optax and its docstring says so; the tests run 100
steps of each against optax and require agreement to 1e-6. `lr` is a number or a schedule: a
function of the update count, 0 for the first update, as in optax.
"""

import math
from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]
Schedule = Callable[[int], float]


class Optimizer:
    """The shared part: the update count, the learning-rate schedule, the optional L2 penalty
    and the loop over parameter arrays. A subclass says what per-array state it keeps
    (`init_slots`) and how one array moves (`step`)."""

    def __init__(self, lr: float | Schedule, l2: float = 0.0):
        self.lr = lr if callable(lr) else constant(lr)
        # L2 regularisation adds l2 * p to the gradient before the rule sees it: what the
        # `weight_decay` argument of PyTorch's SGD, Adagrad, RMSprop and Adam does (optax:
        # chain(add_decayed_weights(l2), rule)). AdamW decays differently, see there.
        self.l2 = l2

    def init(self, params: Params) -> dict:
        return {"count": 0, "slots": {name: self.init_slots(p) for name, p in params.items()}}

    def update(self, grads: Params, state: dict, params: Params) -> tuple[Params, dict]:
        count = state["count"]
        lr = self.lr(count)
        new_params, new_slots = {}, {}
        for name, p in params.items():
            g = grads[name] + self.l2 * p if self.l2 else grads[name]
            new_params[name], new_slots[name] = self.step(p, g, state["slots"][name], lr, count + 1)
        return new_params, {"count": count + 1, "slots": new_slots}

    def init_slots(self, p: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def step(self, p, g, slots, lr: float, t: int) -> tuple[np.ndarray, dict]:
        """One array's update; `t` counts updates from 1 (Adam's bias correction needs it)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent: p <- p - lr * g."""

    def step(self, p, g, slots, lr, t):
        return p - lr * g, slots


class Momentum(Optimizer):
    """Heavy-ball momentum, in PyTorch's and optax's form (lr outside the velocity):

        v <- mu * v + g        (v starts at 0)
        p <- p - lr * v

    The velocity is a running sum of past gradients, discounted by mu: along a direction where
    gradients agree, steps grow towards lr / (1 - mu) * g; where they alternate, they cancel.
    """

    def __init__(self, lr, mu: float = 0.9, l2: float = 0.0):
        super().__init__(lr, l2)
        self.mu = mu

    def init_slots(self, p):
        return {"v": np.zeros_like(p)}

    def step(self, p, g, slots, lr, t):
        v = self.mu * slots["v"] + g
        return p - lr * v, {"v": v}


class Nesterov(Momentum):
    """Nesterov momentum, in the form PyTorch and optax use:

        v <- mu * v + g
        p <- p - lr * (g + mu * v)

    Nesterov evaluates the gradient at the point the velocity is about to carry us to; rewriting
    the parameters as that look-ahead point gives this form, which needs only the gradient at p:
    the step already contains the next update's momentum part, mu * v.
    """

    def step(self, p, g, slots, lr, t):
        v = self.mu * slots["v"] + g
        return p - lr * (g + self.mu * v), {"v": v}


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step is divided by the root of its summed squared gradients.

        s <- s + g^2
        p <- p - lr * g / sqrt(s + eps)

    optax starts s at 0.1 (`initial_accumulator_value`) and puts eps = 1e-7 inside the root;
    PyTorch starts s at 0 and adds eps = 1e-10 outside it. The steps only shrink: s never decreases.
    """

    def __init__(self, lr, initial_accumulator: float = 0.1, eps: float = 1e-7, l2: float = 0.0):
        super().__init__(lr, l2)
        self.initial_accumulator, self.eps = initial_accumulator, eps

    def init_slots(self, p):
        return {"s": np.full_like(p, self.initial_accumulator)}

    def step(self, p, g, slots, lr, t):
        s = slots["s"] + g**2
        return p - lr * g / np.sqrt(s + self.eps), {"s": s}


class RMSprop(Optimizer):
    """RMSprop: Adagrad with a moving average instead of a sum, so steps can grow again.

        s <- rho * s + (1 - rho) * g^2     (s starts at 0)
        p <- p - lr * g / sqrt(s + eps)

    optax's defaults: rho = 0.9, eps = 1e-8 inside the root. PyTorch: rho (`alpha`) = 0.99 and
    eps outside the root, g / (sqrt(s) + eps).
    """

    def __init__(self, lr, rho: float = 0.9, eps: float = 1e-8, l2: float = 0.0):
        super().__init__(lr, l2)
        self.rho, self.eps = rho, eps

    def init_slots(self, p):
        return {"s": np.zeros_like(p)}

    def step(self, p, g, slots, lr, t):
        s = self.rho * slots["s"] + (1 - self.rho) * g**2
        return p - lr * g / np.sqrt(s + self.eps), {"s": s}


class Adam(Optimizer):
    """Adam: momentum on the gradient (m) and RMSprop's scaling (v), both bias-corrected.

        m <- b1 * m + (1 - b1) * g
        v <- b2 * v + (1 - b2) * g^2
        m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)      (t = 1, 2, ...)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)            (eps outside the root)

    m and v start at 0, so early averages are too small by the factor 1 - b^t; dividing it out
    makes the first step m_hat / sqrt(v_hat) = g / |g|: a step of size lr in every coordinate.
    """

    def __init__(self, lr, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, l2: float = 0.0):
        super().__init__(lr, l2)
        self.b1, self.b2, self.eps = b1, b2, eps

    def init_slots(self, p):
        return {"m": np.zeros_like(p), "v": np.zeros_like(p)}

    def direction(self, g, slots, t):
        """Adam's step direction before the learning rate, and the new moments."""
        m = self.b1 * slots["m"] + (1 - self.b1) * g
        v = self.b2 * slots["v"] + (1 - self.b2) * g**2
        m_hat = m / (1 - self.b1**t)
        v_hat = v / (1 - self.b2**t)
        return m_hat / (np.sqrt(v_hat) + self.eps), {"m": m, "v": v}

    def step(self, p, g, slots, lr, t):
        d, slots = self.direction(g, slots, t)
        return p - lr * d, slots


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter):

        p <- p - lr * (m_hat / (sqrt(v_hat) + eps) + wd * p)

    The decay bypasses the moments. With L2 (`Adam(l2=...)`) the penalty's gradient l2 * p goes
    through v and is divided by sqrt(v_hat): weights with large gradients would barely decay.
    As in optax and PyTorch the decay is multiplied by lr, so a schedule scales both.
    """

    def __init__(self, lr, b1=0.9, b2=0.999, eps=1e-8, weight_decay: float = 1e-4):
        super().__init__(lr, b1, b2, eps)
        self.weight_decay = weight_decay

    def step(self, p, g, slots, lr, t):
        d, slots = self.direction(g, slots, t)
        return p - lr * (d + self.weight_decay * p), slots


# ---- learning-rate schedules: functions of the update count t = 0, 1, 2, ... ---------------------


def constant(lr: float) -> Schedule:
    return lambda t: lr


def step_decay(lr: float, every: int, factor: float) -> Schedule:
    """Multiply by `factor` every `every` updates (PyTorch's StepLR)."""
    return lambda t: lr * factor ** (t // every)


def exponential_decay(lr: float, rate: float, steps: int) -> Schedule:
    """Smooth decay by `rate` per `steps` updates: lr * rate^(t / steps)."""
    return lambda t: lr * rate ** (t / steps)


def cosine_decay(lr: float, steps: int, final_lr: float = 0.0) -> Schedule:
    """Half a cosine from lr down to final_lr over `steps` updates, then flat."""

    def schedule(t):
        progress = min(t, steps) / steps
        return final_lr + (lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))

    return schedule


def warmup_cosine(peak_lr: float, warmup: int, steps: int, init_lr: float = 0.0,
                  final_lr: float = 0.0) -> Schedule:
    """Linear warmup from init_lr to peak_lr over `warmup` updates, then cosine decay to
    final_lr at update `steps`. Warmup keeps the first updates small while Adam's v (or the
    network's activations) are still far from their typical values."""
    decay = cosine_decay(peak_lr, steps - warmup, final_lr)

    def schedule(t):
        if t < warmup:
            return init_lr + (peak_lr - init_lr) * t / warmup
        return decay(t - warmup)

    return schedule
