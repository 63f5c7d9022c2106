"""Writes the chapters as Jupyter notebooks: the Markdown article stays the single source.

  pip install -e '.[notebooks]'
  python notebooks/build.py                  # every chapter below -> notebooks/<name>.ipynb
  python notebooks/build.py rnn transformer_intro

jupytext turns each ```python block into a code cell and the prose around it into Markdown
cells. Shell blocks (the "Run it" commands, which train for minutes) stay Markdown: a notebook
run never starts a training job. The notebooks are not committed (notebooks/.gitignore).
"""

import pathlib
import sys

import jupytext
import nbformat

REPO = pathlib.Path(__file__).resolve().parents[1]
CHAPTERS = {
    "rnn": "experiments/rnn/README.md",
    "lstm": "experiments/rnn/lstm.md",
    "gru": "experiments/rnn/gru.md",
    "transformer_intro": "experiments/transformer_intro/README.md",
    "makemore_cnn": "experiments/makemore/cnn.md",
}
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook(markdown_path: pathlib.Path) -> nbformat.NotebookNode:
    nb = jupytext.read(markdown_path, fmt="md")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.startswith("%%"):  # %%bash: show, don't run
            magic, _, body = cell.source.partition("\n")
            nb.cells[i] = nbformat.v4.new_markdown_cell(f"```{magic[2:]}\n{body}\n```")
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    return nb


def build(name: str) -> pathlib.Path:
    out = REPO / "notebooks" / f"{name}.ipynb"
    nbformat.write(notebook(REPO / CHAPTERS[name]), out)
    return out


def main(names: list[str]):
    unknown = set(names) - set(CHAPTERS)
    if unknown:
        sys.exit(f"error: unknown chapter(s) {sorted(unknown)}; choose from {sorted(CHAPTERS)}")
    for name in names or CHAPTERS:
        print(f"wrote {build(name).relative_to(REPO)}")


if __name__ == "__main__":
    main(sys.argv[1:])
