"""Transfer learning: an ImageNet-pretrained MobileNetV2 with a new head, frozen or fine-tuned.

  python -m jaxdl.experiments.transfer --config=experiments/pretrained/transfer.py:frozen --workdir=DIR
"""

from jaxdl import cli
from jaxdl.tasks import transfer

if __name__ == "__main__":
    cli.run(transfer)
