"""Exercise 3 (intro, research-y): why a score chosen on val is optimistic.

Choosing the best of k runs by their val score fits the choice to val a little. Make the effect
visible where nothing can be learned: k "models" that guess iris species at random (the real
val and test labels of the 30 / 30 split), the one with the best val accuracy chosen, repeated
2,000 times. How does the chosen model's val accuracy grow with k, and what is its test accuracy?
(The article chose among 8 runs per dataset; real runs are correlated, so the effect is smaller
than for independent guessers. Full size: the same question for the 32 runs of the grid.)

  python experiments/intro/solutions/selection_bias.py
"""

import numpy as np

from jaxdl.tasks.intro import load_splits

KS = (1, 2, 8, 32)


def main(tiny: bool = False):
    """{k: (mean val accuracy of the chosen guesser, mean test accuracy of the same guesser)}."""
    splits = load_splits("iris", 0.2, 0.2, seed=0)
    val, test = splits["val"]["targets"], splits["test"]["targets"]
    rng = np.random.default_rng(0)
    repeats = 500 if tiny else 2000
    found = {}
    for k in KS:
        guesses_val = rng.integers(0, 3, (repeats, k, len(val)))
        guesses_test = rng.integers(0, 3, (repeats, k, len(test)))
        val_accuracy = (guesses_val == val).mean(-1)
        chosen = val_accuracy.argmax(-1)
        test_accuracy = (guesses_test == test).mean(-1)[np.arange(repeats), chosen]
        found[k] = (float(val_accuracy.max(-1).mean()), float(test_accuracy.mean()))
        print(f"best of {k:2d}: val accuracy {found[k][0]:.3f}, its test accuracy {found[k][1]:.3f}")
    return found


if __name__ == "__main__":
    main()
