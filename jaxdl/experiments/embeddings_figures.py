"""Results and figures of experiments/embeddings/README.md: our word2vec runs beside GloVe.

  python -m jaxdl.experiments.embeddings_figures --runs runs/w2v_skipgram runs/w2v_cbow \
      --gensim --out=experiments/embeddings/figures

For each trained workdir (python -m jaxdl.experiments.word2vec ...) and for GloVe 6B 50d it
prints nearest neighbours, the Google-analogy table (the 30,000 most frequent words searched,
as word2vec's compute-accuracy does; GloVe also over its whole 400,000-word vocabulary, as
GloVe's own evaluate.py does, and on exactly the questions the first run could answer) and the
WordSim-353 correlation. `--gensim` adds gensim's Word2Vec on the first run's corpus and settings
(5 epochs, its default). It draws

  projection.png   family and royalty words, GloVe and the first run, on their top-2 principal
                   axes; lines join each male word to its female counterpart
"""

import argparse
import pathlib
import time

import numpy as np

from jaxdl import embeddings
from jaxdl.checkpoint import load_model
from jaxdl.figures import pyplot, save
from jaxdl.tasks import word2vec

PAIRS = [("king", "queen"), ("man", "woman"), ("prince", "princess"), ("father", "mother"),
         ("son", "daughter"), ("brother", "sister"), ("husband", "wife"), ("lord", "lady"),
         ("uncle", "aunt"), ("boy", "girl")]


def trained_vectors(workdir) -> tuple[embeddings.WordVectors, object]:
    model, cfg, spec = load_model(workdir, word2vec)
    return word2vec.vectors(model, spec), cfg


def gensim_vectors(cfg) -> embeddings.WordVectors:
    """gensim's Word2Vec (C-optimised; 2 threads) on the same words and settings as `cfg`."""
    from gensim.models import Word2Vec as GensimWord2Vec

    all_words, _ = word2vec.corpus_words(cfg.data.corpus)
    train = all_words[:int(len(all_words) * (1 - cfg.data.val_fraction))]
    start = time.perf_counter()
    model = GensimWord2Vec([train[i:i + 10_000] for i in range(0, len(train), 10_000)],
                           vector_size=cfg.model.dim, window=cfg.data.window,
                           negative=cfg.data.negatives, sample=cfg.data.subsample,
                           min_count=cfg.data.min_count, sg=int(cfg.model.name == "skipgram"),
                           epochs=5, workers=2, seed=cfg.seed)
    print(f"gensim trained in {time.perf_counter() - start:.0f} s")
    return embeddings.WordVectors(list(model.wv.index_to_key), model.wv.vectors)


def project(ax, vecs: embeddings.WordVectors, title: str) -> None:
    pairs = [(m, f) for m, f in PAIRS if m in vecs.index and f in vecs.index]
    names = [w for pair in pairs for w in pair]
    points = vecs.unit[[vecs.index[w] for w in names]]
    centred = points - points.mean(0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ axes[:2].T
    for k in range(len(pairs)):
        (x0, y0), (x1, y1) = xy[2 * k], xy[2 * k + 1]
        ax.plot([x0, x1], [y0, y1], color="0.7", zorder=1)
    ax.scatter(xy[0::2, 0], xy[0::2, 1], color="C0", label="male", zorder=2)
    ax.scatter(xy[1::2, 0], xy[1::2, 1], color="C3", label="female", zorder=2)
    for name, (x, y) in zip(names, xy):
        ax.annotate(name, (x, y), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", nargs="*", default=[], help="word2vec workdirs")
    parser.add_argument("--gensim", action="store_true", help="add gensim's Word2Vec row")
    parser.add_argument("--out", default="experiments/embeddings/figures")
    args = parser.parse_args()
    sections = embeddings.google_analogies()
    table, models = {}, {}
    for workdir in args.runs:
        vecs, cfg = trained_vectors(workdir)
        name = f"ours: {cfg.model.name} {cfg.model.dim}d, {cfg.data.corpus}"
        models[name] = (vecs, cfg)
        print(word2vec.report(vecs, name), "\n")
        table[name] = embeddings.analogy_accuracy(vecs, sections)
    if args.gensim and models:
        vecs, cfg = next(iter(models.values()))
        name = f"gensim: {cfg.model.name} {cfg.model.dim}d, {cfg.data.corpus}, 5 epochs"
        gensim = gensim_vectors(cfg)
        print(word2vec.report(gensim, name), "\n")
        table[name] = embeddings.analogy_accuracy(gensim, sections)
    glove = embeddings.glove_6b_50d()
    print(word2vec.report(glove, "GloVe 6B 50d"), "\n")
    table["GloVe 6B 50d (30k words searched)"] = embeddings.analogy_accuracy(glove, sections)
    table["GloVe 6B 50d (all 400k words searched)"] = embeddings.analogy_accuracy(
        glove, sections, restrict=len(glove.words))
    if models:
        first_vecs, _ = next(iter(models.values()))
        known = set(first_vecs.words[:30_000])
        same = {s: [q for q in qs if all(w in known for w in q)] for s, qs in sections.items()}
        table["GloVe 6B 50d, the first run's questions"] = embeddings.analogy_accuracy(glove, same)
    print(embeddings.analogy_table(table))
    for name, vecs in [("GloVe 6B 50d", glove), *[(n, v) for n, (v, _) in models.items()]]:
        rho, used, given = embeddings.similarity(vecs, embeddings.wordsim353())
        print(f"WordSim-353, {name}: Spearman {rho:.3f} over {used} of {given} pairs")

    plt = pyplot()
    panels = [("GloVe 6B 50d", glove)] + [(n, v) for n, (v, _) in list(models.items())[:1]]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.4), squeeze=False)
    for ax, (name, vecs) in zip(axes[0], panels):
        project(ax, vecs, name)
    axes[0][0].legend(fontsize=8)
    save(fig, pathlib.Path(args.out) / "projection.png")


if __name__ == "__main__":
    main()
