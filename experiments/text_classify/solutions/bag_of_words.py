"""Exercise (text_classify, research-y): which words does a spam classifier rely on?

The simplest model that can answer it: logistic regression on bags of words (a 1 where a
vocabulary word occurs in the message), trained by full-batch gradient descent in NumPy on the
same train split and vocabulary as the LSTM. Each word's weight is its own evidence for spam, so
the largest weights list the spammiest words. Its test accuracy says how much of the LSTM's
accuracy word order adds. (For the LSTM itself: replace each word by UNK and measure the change
in the spam logit, summed over the test set; a longer experiment.)

  python experiments/text_classify/solutions/bag_of_words.py
"""

import numpy as np
import scipy.sparse

from jaxdl.data import labelled_text
from jaxdl.tasks.text_classify import scores


def bags(texts, vocab) -> scipy.sparse.csr_matrix:
    """[N, V] 0/1: which vocabulary words each message has (sparse: ~15 of 3,217 per row)."""
    ids = labelled_text.encode(texts, vocab, 64)
    x = np.zeros((len(texts), len(vocab)), np.float32)
    np.put_along_axis(x, ids, 1.0, axis=1)
    x[:, :2] = 0  # <pad> and <unk> carry no word
    return scipy.sparse.csr_matrix(x)


def fit(x, y, class_weights=(1.0, 1.0), steps: int = 300, lr: float = 1.0, l2: float = 1e-4):
    """Weights and bias minimising the (class-weighted) mean logistic loss + l2 |w|^2 / 2."""
    w, b, y = np.zeros(x.shape[1]), 0.0, y.astype(np.float64)
    weight = np.where(y == 1, class_weights[1], class_weights[0])
    weight /= weight.mean()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        error = weight * (p - y) / len(y)
        w -= lr * (x.T @ error + l2 * w)
        b -= lr * error.sum()
    return w, b


def evaluate(w, b, x, y) -> dict:
    predicted = (x @ w + b > 0).astype(int)
    confusion = np.zeros((2, 2), np.int64)
    np.add.at(confusion, (y, predicted), 1)
    return scores(confusion)


def data(vocab_size: int = 8000):
    splits, _ = labelled_text.sms_spam(seed=0)
    vocab = labelled_text.build_vocab(splits["train"][0], vocab_size, 2)
    return {name: (bags(texts, vocab), labels) for name, (texts, labels) in splits.items()}, vocab


def main(tiny: bool = False):
    arrays, vocab = data()
    w, b = fit(*arrays["train"], steps=200 if tiny else 1000)
    test = evaluate(w, b, *arrays["test"])
    spammiest = [vocab[i] for i in np.argsort(-w)[:10]]
    print(f"bag-of-words logistic regression, test: {test}")
    print("the ten spammiest words:", ", ".join(spammiest))
    return test, spammiest


if __name__ == "__main__":
    main()
