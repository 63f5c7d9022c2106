"""Exercise 1 (fine-tuning): why pool the last real token of a causal model, not the first?

A causal model's state at position 1 has attended to the first token only, so every message
that starts with the same token gets the same first-token vector: the head cannot tell them
apart. The last real token's state has read the whole message. Here, on a tiny random model of
SmolLM2's architecture, two messages that share their first byte:

  python experiments/finetune/solutions/pooling.py

The full-size comparison is the article's `first_token` row against `last_block`.
"""

import importlib.util
import pathlib

import numpy as np
from flax import nnx

from jaxdl.tasks import classify, lm_finetune

_spec = importlib.util.spec_from_file_location(
    "spam", pathlib.Path(__file__).resolve().parents[1] / "spam.py")
spam = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(spam)

MESSAGES = ("WINNER! Claim your free prize now", "We are at the pub, come over")


def pooled_gaps(messages=MESSAGES) -> dict[str, float]:
    """max |pooled(message 1) - pooled(message 2)| for first-token and last-token pooling."""
    gaps = {}
    for pool in ("first", "last"):
        cfg = spam.get_config("tiny")
        cfg.model.pool = pool
        model = classify.build_model(cfg, classify.types.SimpleNamespace(num_classes=2),
                                     nnx.Rngs(0))
        rows = classify.encode(cfg, list(messages))
        batch = classify.collate(lm_finetune.ByteTokenizer.pad, 16)([(r, 0, 1.0) for r in rows])
        features = nnx.jit(lambda m, b: m._classify(m.backbone.features(b["ids"]), b["valid"]))
        logits = np.asarray(features(model, batch))
        gaps[pool] = float(np.abs(logits[0] - logits[1]).max())
    return gaps


def main(tiny: bool = True):
    gaps = pooled_gaps()
    print(f"logit gap between the two messages: first token {gaps['first']:.2e}, "
          f"last real token {gaps['last']:.2e}")
    return gaps


if __name__ == "__main__":
    main()
