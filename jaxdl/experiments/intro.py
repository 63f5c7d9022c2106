"""Intro: neurons and small networks on bundled scikit-learn tables; train (or resume).

  python -m jaxdl.experiments.intro --config=experiments/intro/tables.py:digits --workdir=DIR
"""

from jaxdl import cli
from jaxdl.tasks import intro

if __name__ == "__main__":
    cli.run(intro)
