"""word2vec: train skip-gram or CBOW vectors (or resume), or evaluate a trained workdir.

  python -m jaxdl.experiments.word2vec --config=experiments/embeddings/word2vec.py --workdir=DIR
  python -m jaxdl.experiments.word2vec --mode=evaluate --workdir=DIR
"""

from jaxdl import checkpoint, cli
from jaxdl.tasks import word2vec


def evaluate():
    model, cfg, spec = checkpoint.load_model(cli.WORKDIR.value, word2vec)
    name = f"{cfg.model.name} {cfg.model.dim}d, {cfg.data.corpus}"
    print(word2vec.report(word2vec.vectors(model, spec), name), flush=True)


if __name__ == "__main__":
    cli.run(word2vec, modes={"evaluate": evaluate})
