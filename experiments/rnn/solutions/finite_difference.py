"""Exercise 1 (RNN chapter): one entry of dL/dW_hh by a central difference, against BPTT.

  python experiments/rnn/solutions/finite_difference.py
"""

import numpy as np

from jaxdl.scratch import rnn


def compare(entry=(3, 5), eps=1e-6, seed=0):
    """(BPTT's dL/dW_hh[entry], the central difference), in float64."""
    rng = np.random.default_rng(seed)
    params = rnn.init(rng, vocab_size=11, hidden=8)
    inputs, targets = rng.integers(0, 11, (2, 12)), rng.integers(0, 11, (2, 12))
    _, cache = rnn.forward(params, inputs, targets)
    analytic = rnn.backward(params, cache)["W_hh"][entry]

    def loss_with(delta):
        shifted = dict(params, W_hh=params["W_hh"].copy())
        shifted["W_hh"][entry] += delta
        return rnn.forward(shifted, inputs, targets)[0]

    return analytic, (loss_with(eps) - loss_with(-eps)) / (2 * eps)


def main(tiny: bool = False):
    analytic, numeric = compare()
    print(f"BPTT {analytic:.10f}  central difference {numeric:.10f}  "
          f"relative error {abs(analytic - numeric) / abs(analytic):.1e}")
    return analytic, numeric


if __name__ == "__main__":
    main()
