"""Date normalization with an encoder-decoder: "the 3rd of march, 1998" -> "1998-03-03".

  python -m jaxdl.experiments.seq2seq --config=experiments/seq2seq/dates.py --workdir=runs/seq2seq/transformer
  python -m jaxdl.experiments.seq2seq --config=experiments/seq2seq/dates.py:gru --workdir=runs/seq2seq/gru
  python -m jaxdl.experiments.seq2seq --mode=decode --workdir=runs/seq2seq/transformer

The default is sized for a CPU: a 2+2-layer transformer, 64 wide, 3000 steps of 128 examples.
Presets: gru (the GRU encoder-decoder with additive attention instead), smoke (seconds).
Results: experiments/seq2seq/README.md.
"""

from jaxdl import config as config_lib
from jaxdl.tasks import seq2seq


def get_config(arg: str | None = None):
    return config_lib.apply_presets(seq2seq.date_config(), arg, seq2seq.PRESETS)
