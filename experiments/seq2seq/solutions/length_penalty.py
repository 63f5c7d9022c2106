"""Exercise (seq2seq, medium): with outputs of different lengths, beam search's raw score
log p(y | x) favours short outputs (each token adds a negative term). Compare it with the length
penalty of Wu et al. (2016), score = log p(y | x) / lp(y), lp(y) = ((5 + |y|) / 6)^alpha.

Our dates all have 10 characters + EOS, so the article's beams never need it. Here: two
finished hypotheses of a made-up model, a short one whose tokens are less likely and a long one
whose every token is likely; which one each score picks as alpha goes from 0 (raw) to 1.

  python experiments/seq2seq/solutions/length_penalty.py
"""

import numpy as np


def length_penalty(length: int, alpha: float) -> float:
    return ((5 + length) / 6) ** alpha


def rescore(token_log_probs: list[np.ndarray], alpha: float) -> np.ndarray:
    """Each hypothesis's log p(y | x) / lp(|y|); alpha = 0 is the raw sum."""
    return np.array([lp.sum() / length_penalty(len(lp), alpha) for lp in token_log_probs])


def main(tiny: bool = False):
    short = np.log(np.full(4, 0.80))  # "1995" + EOS, cut short: 4 tokens at p = 0.80
    long = np.log(np.full(11, 0.90))  # "1995-10-30" + EOS: 11 tokens at p = 0.90
    alphas = (0.0, 0.5, 0.6, 1.0)
    winners = {}
    for alpha in alphas:
        scores = rescore([short, long], alpha)
        winners[alpha] = ("short", "long")[int(np.argmax(scores))]
        print(f"alpha {alpha:.1f}: scores short {scores[0]:.3f}, long {scores[1]:.3f} -> "
              f"{winners[alpha]}")
    return winners, rescore([short, long], 0.0)


if __name__ == "__main__":
    main()
