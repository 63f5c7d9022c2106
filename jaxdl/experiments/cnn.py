"""CNNs on images: train (or resume) an image classifier.

  python -m jaxdl.experiments.cnn --config=experiments/cnn/digits.py --workdir=DIR
"""

from jaxdl import cli
from jaxdl.tasks import image

if __name__ == "__main__":
    cli.run(image)
