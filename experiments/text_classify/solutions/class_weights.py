"""Exercise (text_classify, medium): weight the spam class in the loss by the inverse class
frequency. What happens to precision and recall, and to F1?

With 13% spam in train, inverse-frequency weights make each spam message count about 6.7 times
as much as a ham message. The classifier then flags more messages as spam: recall rises,
precision falls, and F1 moves by whichever wins. Shown on the bag-of-words logistic regression of
bag_of_words.py (seconds in NumPy); the same weights in text_classify's loss_fn would be the
full-size experiment with the LSTM.

  python experiments/text_classify/solutions/class_weights.py
"""

import importlib.util
import pathlib

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "bag_of_words", pathlib.Path(__file__).resolve().parent / "bag_of_words.py")
bag_of_words = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bag_of_words)


def main(tiny: bool = False):
    arrays, _ = bag_of_words.data()
    x, y = arrays["train"]
    spam_share = y.mean()
    inverse = (1 / (1 - spam_share), 1 / spam_share)
    steps = 200 if tiny else 1000
    results = {name: bag_of_words.evaluate(*bag_of_words.fit(x, y, weights, steps=steps),
                                           *arrays["test"])
               for name, weights in (("plain", (1.0, 1.0)), ("inverse frequency", inverse))}
    for name, row in results.items():
        print(f"{name:17s} " + " | ".join(f"{k} {v:.4f}" for k, v in row.items()))
    return results


if __name__ == "__main__":
    main()
