"""Exercise 1 (pretrained LM article): what temperature and top-p do to the next-token
distribution.

`generate` samples from $\\mathrm{softmax}(z / \\tau)$ after top-p truncation (the fewest most
probable tokens whose probabilities sum to at least p). On a Zipf-shaped distribution over
SmolLM2's 49,152 tokens ($p_r \\propto r^{-1.1}$, roughly what a language model's next-token
distribution looks like far from a sure token), this measures the entropy in nats and the
probability of the top token for $\\tau$ = 0.3, 0.8, 1.5, and how many tokens top-p 0.5 and 0.95
keep, with the sampler's own truncation (`jaxdl.sample._truncate`); the test uses 4,096 tokens. Running `generate` with
these settings, as the exercise asks, shows the same thing in text.

  python experiments/pretrained_lm/solutions/temperature.py
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.sample import _truncate


def zipf_logits(vocab: int = 49_152, exponent: float = 1.1) -> jnp.ndarray:
    return -exponent * jnp.log(jnp.arange(1, vocab + 1, dtype=jnp.float32))


def main(tiny: bool = False):
    logits = zipf_logits(4_096 if tiny else 49_152)
    by_temperature = {}
    for tau in (0.3, 0.8, 1.0, 1.5):
        p = np.asarray(jax.nn.softmax(logits / tau), np.float64)
        by_temperature[tau] = (float(-(p * np.log(np.maximum(p, 1e-30))).sum()), float(p[0]))
    probs = np.asarray(jax.nn.softmax(logits), np.float64)
    kept = {}
    for top_p in (0.5, 0.95):
        truncated = np.asarray(_truncate(logits[None], None, top_p)[0])
        kept[top_p] = (int(np.isfinite(truncated).sum()), float(probs[np.isfinite(truncated)].sum()))
    for tau, (entropy, top) in by_temperature.items():
        print(f"tau {tau}: entropy {entropy:.2f} nats, top token {top:.1%}")
    for top_p, (count, mass) in kept.items():
        print(f"top-p {top_p}: keeps {count:,} tokens holding {mass:.3f} of the probability")
    return by_temperature, kept, probs


if __name__ == "__main__":
    main()
