"""Vision Transformer: train (or resume) a ViT image classifier; the image task of the cnn topic
with model.name=vit, so a ViT and a CNN meet the same examples.

  python -m jaxdl.experiments.vit --config=experiments/vit/digits.py --workdir=DIR
"""

from jaxdl import cli
from jaxdl.tasks import image

if __name__ == "__main__":
    cli.run(image)
