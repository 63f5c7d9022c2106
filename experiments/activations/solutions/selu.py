"""Exercise 3 (activations, research-y): does SELU keep a 20-layer network normalised by itself?

SELU (Klambauer et al., 2017) is lambda * ELU with alpha = 1.6733 and lambda = 1.0507, chosen so
that N(0, 1) inputs come out with mean 0 and variance 1 under LeCun's gain 1: mean and variance
are a fixed point, layer after layer, with no normalisation layer. Check it on the article's
20-layer, 64-wide MLP at initialisation (standardised digits, zero biases, NumPy forward pass):
the mean and standard deviation of each layer's output for SELU, ELU and tanh at gain 1.
(Full size: add SELU to `COMPARED` in jaxdl/studies/activations.py and run the article's
`--train` to see whether the better-kept signal also trains better.)

  python experiments/activations/solutions/selu.py
"""

import math

import numpy as np

from jaxdl.studies.activations import DEPTH, WIDTH, standardized_digits

ALPHA, LAMBDA = 1.6732632423543772, 1.0507009873554805


def elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


ACTIVATIONS = {"selu": lambda x: LAMBDA * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0))),
               "elu": elu, "tanh": np.tanh}


def layer_moments(images: int = 512, seed: int = 0) -> dict[str, np.ndarray]:
    """{activation: [DEPTH, 2] mean and std of each hidden layer's outputs}, one weight draw."""
    X = np.asarray(standardized_digits()[0][0], np.float64)[:images]
    W = np.random.default_rng(seed).standard_normal((DEPTH, WIDTH, WIDTH)) / math.sqrt(WIDTH)
    out = {}
    for name, f in ACTIVATIONS.items():
        h, rows = X, []
        for layer in W:
            h = f(h @ layer)
            rows.append((h.mean(), h.std()))
        out[name] = np.array(rows)
    return out


def main(tiny: bool = False):
    moments = layer_moments(images=256 if tiny else 1438)
    print("layer         " + "".join(f"{name:>18s}" for name in moments))
    for layer in (0, 4, 9, 14, 19):
        print(f"  {layer + 1:2d} (mean, std)" + "".join(
            f"    {m[layer, 0]:+.3f}, {m[layer, 1]:.3f}" for m in moments.values()))
    return moments


if __name__ == "__main__":
    main()
