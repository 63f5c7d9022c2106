"""Exercise 4 (MLP rung, research-y): what BatchNorm fixes, measured at initialisation.

The lectures' `mlp3` without BatchNorm, initialised naively ($W_1 \\sim \\mathcal{N}(0, 1)$,
output layer $\\mathcal{N}(0, 1)$), starts with most tanh units saturated ($|h| > 0.97$, where
$1 - \\tanh^2 < 0.06$ lets almost no gradient through) and an initial loss far above
$\\ln 27$. Kaiming's scale for tanh, $W_1 \\sim \\mathcal{N}(0, (5/3)^2 / \\text{fan}_\\text{in})$,
and a small output layer (0.01) fix both, without BatchNorm. This measures the saturated
fraction and the initial loss for the three on random windows of random characters (the
lectures use real ones); what each does to a full 200,000-step run is the open part.
NumPy only.

  python experiments/makemore/solutions/tanh_saturation.py
"""

import numpy as np

from jaxdl.scratch.bigram import softmax


def at_init(w1_scale: float, out_scale: float, n: int = 2048, k: int = 3, E: int = 10,
            H: int = 200, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(27, E))
    x = C[rng.integers(0, 27, (n, k))].reshape(n, k * E)
    h = np.tanh(x @ (w1_scale * rng.normal(size=(k * E, H))))
    logits = h @ (out_scale * rng.normal(size=(H, 27)))
    targets = rng.integers(0, 27, n)
    loss = -np.log(softmax(logits)[np.arange(n), targets]).mean()
    return float(np.mean(np.abs(h) > 0.97)), float(loss)


def main(tiny: bool = False):
    fan_in = 3 * 10
    results = {"naive N(0, 1)": at_init(1.0, 1.0),
               "Kaiming (5/3)/sqrt(fan_in), output x0.01": at_init(5 / 3 / np.sqrt(fan_in), 0.01)}
    for name, (saturated, loss) in results.items():
        print(f"{name:42s} saturated {saturated:.1%}, initial loss {loss:.3f} (ln 27 = 3.296)")
    return results


if __name__ == "__main__":
    main()
