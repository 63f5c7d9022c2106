"""Exercise 2 (transformer chapter): why scores are divided by sqrt(d_k).

For unit-variance q and k of width d, q . k has variance d: without scaling the scores grow like
sqrt(d), the softmax saturates (entropy near 0: one key takes all the weight) and its gradient
vanishes. Divided by sqrt(d) the scores keep unit scale at every width.

  python experiments/transformer_intro/solutions/scaling.py
"""

import numpy as np


def measure(d: int, keys: int = 16, trials: int = 200, seed: int = 0):
    """(std of q . k, mean softmax entropy over `keys` scores) unscaled, then scaled."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((trials, 1, d))
    k = rng.standard_normal((trials, keys, d))
    scores = (q * k).sum(-1)
    out = []
    for s in (scores, scores / np.sqrt(d)):
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        out.append((float(s.std()), float(-(p * np.log(p + 1e-30)).sum(-1).mean())))
    return out


def main(tiny: bool = False):
    results = {d: measure(d) for d in (4, 64, 1024)}
    print(f"uniform over 16 keys: entropy ln 16 = {np.log(16):.2f}")
    for d, ((std, ent), (std_s, ent_s)) in results.items():
        print(f"d={d:5d}  unscaled: std {std:6.2f} entropy {ent:.2f}   scaled: std {std_s:.2f} "
              f"entropy {ent_s:.2f}")
    return results


if __name__ == "__main__":
    main()
