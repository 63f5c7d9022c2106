"""Spam or ham (SMS), or positive or negative (IMDB reviews), with an LSTM or a transformer.

  python -m jaxdl.experiments.text_classify --config=experiments/text_classify/spam.py --workdir=runs/spam/lstm
  python -m jaxdl.experiments.text_classify --config=experiments/text_classify/spam.py:transformer --workdir=runs/spam/transformer
  python -m jaxdl.experiments.text_classify --mode=report --workdir=runs/spam/lstm

Default: the LSTM (embedding 64, hidden 128) on the UCI SMS Spam Collection (offline with
JAXDL_DATA_DIR; else downloaded once from UCI, sha256-checked), 600 steps of 64 messages.
Presets: transformer (2 bidirectional blocks, 64 wide, mean-pooled), imdb (IMDB reviews through
tensorflow-datasets: needs network once), glove (the embedding table starts at GloVe 6B 50d's
vectors; the [words] extra), frozen (the table is not trained: with glove, frozen GloVe),
smoke (seconds). Results: experiments/text_classify/README.md.
"""

from jaxdl import config as config_lib
from jaxdl.tasks import text_classify


def get_config(arg: str | None = None):
    return config_lib.apply_presets(text_classify.text_config(), arg, text_classify.PRESETS)
