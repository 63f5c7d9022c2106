"""Exercise (embeddings, easy): replace the 3/4 power of the noise distribution by 1 (plain
unigram) and by 0 (uniform). Where do the negatives go?

The power decides how much of the noise the few very frequent words take. Measured on the
plays' vocabulary: the share of negative draws that hit the 10 most frequent words, and the
share that hit the rarer half of the vocabulary, for powers 1, 3/4 and 0 (computed from
`noise_distribution`, then checked by drawing from the sampler). With power 1 "the", "and", "i"
... take about a quarter of all negatives, and the model learns mostly that rare words are not
"the"; with power 0 every word is as likely as "the", and most negatives are words that hardly
ever occur; 3/4 sits between. (Held-out losses under different noise distributions are not
comparable: each one asks a different yes/no question.)

  python experiments/embeddings/solutions/noise_power.py
"""

import numpy as np

from jaxdl.data import sources, words


def main(tiny: bool = False, powers=(1.0, 0.75, 0.0)):
    text = sources.load_text("shakespeare_plays").text
    vocab = words.Vocabulary.build(words.plays_words(text[:500_000 if tiny else None]),
                                   min_count=5)
    rare_half = np.arange(len(vocab)) >= len(vocab) // 2
    rng = np.random.default_rng(0)
    shares = {}
    for power in powers:
        probs = words.noise_distribution(vocab.counts, power)
        drawn = words.NegativeSampler(probs)(rng, (20_000 if tiny else 1_000_000,))
        shares[power] = dict(top10=probs[:10].sum(), rare_half=probs[rare_half].sum(),
                             top10_drawn=float(np.mean(drawn < 10)))
        print(f"power {power:.2f}: top 10 words {shares[power]['top10']:.1%} of the negatives "
              f"(drawn {shares[power]['top10_drawn']:.1%}), rarer half of the "
              f"{len(vocab):,} words {shares[power]['rare_half']:.1%}")
    return shares


if __name__ == "__main__":
    main()
