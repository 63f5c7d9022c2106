"""word2vec (skip-gram or CBOW, negative sampling) through the shared loop.

Train on the embedded plays (no download), then print neighbours, analogies and WordSim-353:

  python -m jaxdl.experiments.word2vec --config=experiments/embeddings/word2vec.py \
      --workdir=runs/w2v_skipgram
  python -m jaxdl.experiments.word2vec --mode=evaluate --workdir=runs/w2v_skipgram

Presets (combine with commas):
  (none)  skip-gram, 100 dimensions, window 5, 5 negatives, subsampling 1e-3, min count 5,
          10,000 steps of 1,024 pairs on the plays. Result: experiments/embeddings/README.md.
  cbow    CBOW instead of skip-gram (the mean of the window predicts the center).
  text8   text8 (downloaded once from mattmahoney.net, sha256-checked), subsampling 1e-4,
          50,000 steps.
  smoke   a tiny run of seconds.
"""

from jaxdl import config as config_lib
from jaxdl.tasks import word2vec


def get_config(arg: str | None = None):
    return config_lib.apply_presets(word2vec.build_config(), arg, word2vec.PRESETS)
