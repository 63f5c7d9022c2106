"""Encoder-decoders on date normalization: train (or resume), decode the test split with greedy
and beam search, or draw the attention maps of a trained workdir.

  python -m jaxdl.experiments.seq2seq --config=experiments/seq2seq/dates.py --workdir=DIR
  python -m jaxdl.experiments.seq2seq --mode=decode --workdir=DIR [--beam_widths=1,4]
  python -m jaxdl.experiments.seq2seq --mode=figures --workdir=DIR --out=experiments/seq2seq/figures
"""

import json
import pathlib

from absl import flags

from jaxdl import cli
from jaxdl.experiments import seq2seq_figures
from jaxdl.tasks import seq2seq

BEAM_WIDTHS = flags.DEFINE_list("beam_widths", ["1", "4"], "Decoding: beam widths to compare.")
OUT = flags.DEFINE_string("out", "experiments/seq2seq/figures", "Figures: output folder.")


def decode():
    results = seq2seq.decode_test(cli.WORKDIR.value, beam_widths=tuple(map(int, BEAM_WIDTHS.value)))
    for name, row in results.items():
        print(f"{name:8s} test exact match {row['exact_match']:.4f} over {row['examples']} "
              f"examples, {row['examples_per_s']:,.0f} examples/s", flush=True)
    path = pathlib.Path(cli.WORKDIR.value) / "decode.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")


def figures():
    seq2seq_figures.attention_figure(cli.WORKDIR.value, OUT.value)


if __name__ == "__main__":
    cli.run(seq2seq, modes={"decode": decode, "figures": figures})
