"""Exercise 4 (losses, research-y): can one number repair label smoothing's calibration?

The article's label-smoothed classifier is underconfident (ECE 0.139): its probabilities keep
10% for the other classes. Temperature scaling (Guo et al., 2017) divides the logits by one T
fitted on held-out data (the T of lowest NLL) and changes no prediction. Here, on a tiny scale:
softmax regression on the digits (NumPy, full-batch gradient descent on the smoothed loss,
alpha = 0.1), T fitted on a calibration split, ECE before and after on the test split.
(Full size: apply it to the article's MLPs, jaxdl/studies/losses.py, and to every loss.)

  python experiments/losses/solutions/temperature_scaling.py
"""

import numpy as np

from jaxdl.data import digits
from jaxdl.studies.losses import calibration

ALPHA, CLASSES = 0.1, 10


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def nll(logits, labels):
    return float(-np.log(softmax(logits)[np.arange(len(labels)), labels]).mean())


def train(X, y, steps: int, lr: float = 2.0):
    targets = np.full((len(y), CLASSES), ALPHA / CLASSES)
    targets[np.arange(len(y)), y] += 1 - ALPHA
    X1 = np.hstack([X, np.ones((len(X), 1))])
    W = np.zeros((X1.shape[1], CLASSES))
    for _ in range(steps):
        W -= lr * X1.T @ (softmax(X1 @ W) - targets) / len(y)
    return lambda X: np.hstack([X, np.ones((len(X), 1))]) @ W


def main(tiny: bool = False):
    """{"T", "ece before", "ece after", "accuracy before", "accuracy after", "nll before", "nll after"}."""
    parts = digits.split({"train": 0.6, "calibration": 0.2, "test": 0.2})
    logits_of = train(*parts["train"], steps=300 if tiny else 2000)
    cal_logits, cal_y = logits_of(parts["calibration"][0]), parts["calibration"][1]
    grid = np.exp(np.linspace(np.log(0.1), np.log(10), 201))
    T = float(grid[np.argmin([nll(cal_logits / t, cal_y) for t in grid])])
    test_logits, test_y = logits_of(parts["test"][0]), parts["test"][1]
    out = {"T": T}
    for when, logits in (("before", test_logits), ("after", test_logits / T)):
        p = softmax(logits)
        correct = p.argmax(1) == test_y
        out[f"ece {when}"] = float(calibration(p.max(1), correct)[0])
        out[f"accuracy {when}"] = float(correct.mean())
        out[f"nll {when}"] = nll(logits, test_y)
    print(f"T = {T:.3f}; test ECE {out['ece before']:.3f} -> {out['ece after']:.3f}, "
          f"NLL {out['nll before']:.3f} -> {out['nll after']:.3f}, "
          f"accuracy {out['accuracy before']:.4f} -> {out['accuracy after']:.4f}")
    return out


if __name__ == "__main__":
    main()
