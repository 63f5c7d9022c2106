"""word2vec: skip-gram and CBOW with negative sampling, trained by the shared loop.

The corpus's words (speaker lines of the plays dropped; text8 as it is) are split into the first
``1 - data.val_fraction`` for training and the rest for a held-out loss; the vocabulary is the
training words seen ``data.min_count`` times. ``--mode=evaluate`` loads the trained input vectors
and prints nearest neighbours, Google-analogy accuracy and WordSim-353 correlation
(jaxdl/embeddings.py).
"""

import functools

import jax
import numpy as np
from flax import nnx

from jaxdl import config as config_lib
from jaxdl import embeddings
from jaxdl.data import Data, sources, words
from jaxdl.nn.word2vec import Word2Vec

PROBES = ["king", "love", "france", "sword", "death", "night", "good", "father"]


def build_config():
    """The skip-gram run on the plays; the presets change model, corpus or length."""
    cfg = config_lib.base_config()
    cfg.data.update(
        corpus="shakespeare_plays",  # or text8 (downloaded once, sha256-checked), tiny_shakespeare
        batch_size=1024,  # (center, context) pairs, or CBOW windows, per step
        window=5,  # the largest distance; each pair's distance follows the dynamic window
        negatives=5,  # noise words per pair, drawn from unigram^0.75
        subsample=1e-3,  # t of the frequent-word subsampling (0 = off)
        min_count=5,
        val_fraction=0.05,  # the last words of the corpus: a held-out loss
    )
    cfg.model = dict(name="skipgram", dim=100)  # skipgram | cbow
    cfg.train.update(steps=10_000, log_every=500, eval_every=2500, eval_steps=20)
    cfg.checkpoint.every = 2500
    # Adam on the two tables; a dense update of every row is cheap at these vocabulary sizes.
    cfg.opt.update(lr=3e-3, min_lr=3e-5, warmup_steps=100, weight_decay=0.0, grad_clip=0.0)
    return cfg


def cbow(cfg):
    cfg.model.name = "cbow"


def text8(cfg):
    cfg.data.update(corpus="text8", subsample=1e-4, val_fraction=0.01)
    cfg.train.update(steps=50_000, eval_every=10_000)
    cfg.checkpoint.every = 10_000


smoke = config_lib.smoke(20, eval_every=10, checkpoint_every=10, data=dict(batch_size=64),
                         model=dict(dim=16), train=dict(eval_steps=2))


PRESETS = dict(cbow=cbow, text8=text8, smoke=smoke)


@functools.lru_cache(maxsize=1)
def corpus_words(name: str) -> tuple[list[str], str]:
    """The corpus's words and a line saying where they came from (kept: a few seconds to make)."""
    if name == "text8":
        return words.plain_words(words.text8()), "text8 (Mahoney; 100M chars of Wikipedia)"
    corpus = sources.load_text(name)  # plays-like: speeches opened by a speaker line
    return words.plays_words(corpus.text), corpus.origin


def build_data(cfg) -> Data:
    d = cfg.data
    all_words, origin = corpus_words(d.corpus)
    cut = int(len(all_words) * (1 - d.val_fraction))
    vocab = words.Vocabulary.build(all_words[:cut], d.min_count)
    train_ids, val_ids = vocab.encode(all_words[:cut]), vocab.encode(all_words[cut:])

    def stream(ids, seed):
        return words.batches(ids, vocab, model=cfg.model.name, batch_size=d.batch_size,
                             window=d.window, negatives=d.negatives, subsample=d.subsample,
                             seed=seed, process_index=jax.process_index(),
                             process_count=jax.process_count())

    val = stream(val_ids, cfg.seed + 1)
    return Data(
        train=iter(stream(train_ids, cfg.seed).to_iter_dataset()),
        eval={"val": lambda: (val[i] for i in range(cfg.train.eval_steps))},
        unit="examples",
        units_per_batch=d.batch_size,
        description=(f"{origin}; {len(vocab):,} words seen >= {d.min_count} times; "
                     f"{len(train_ids):,} train / {len(val_ids):,} held-out words"),
        spec=dict(vocab_size=len(vocab), words=list(vocab.words)),
    )


def build_model(cfg, spec, rngs: nnx.Rngs) -> Word2Vec:
    return Word2Vec(spec.vocab_size, cfg.model.dim, rngs=rngs)


def loss_fn(model, batch, rng):
    if "context_valid" in batch:  # CBOW
        loss_B = model.cbow_loss(batch["context"], batch["context_valid"], batch["center"],
                                 batch["negatives"])
    else:
        loss_B = model.skipgram_loss(batch["center"], batch["context"], batch["negatives"])
    return loss_B.mean(), {}


def vectors(model, spec) -> embeddings.WordVectors:
    """The trained input vectors, one per vocabulary word."""
    return embeddings.WordVectors(list(spec.words), np.asarray(model.inputs[...]))


def report(vecs: embeddings.WordVectors, name: str) -> str:
    """Neighbours of the probe words, the analogy table and WordSim-353, as Markdown."""
    lines = [f"Nearest neighbours ({name}, cosine):"]
    for word in (w for w in PROBES if w in vecs.index):
        lines.append(f"- {word}: " + ", ".join(f"{w} {c:.2f}" for w, c in vecs.nearest(word, 8)))
    analogies = embeddings.analogy_accuracy(vecs, embeddings.google_analogies())
    lines += ["", embeddings.analogy_table({name: analogies}), "", "Sections with answered questions:"]
    for section, (correct, answered, asked) in analogies.items():
        if answered and section not in ("semantic", "syntactic", "total"):
            lines.append(f"- {section}: {correct}/{answered} ({correct / answered:.1%}; {asked} asked)")
    rho, used, given = embeddings.similarity(vecs, embeddings.wordsim353())
    lines += ["", f"WordSim-353: Spearman {rho:.3f} over {used} of {given} pairs"]
    return "\n".join(lines)
