"""The chapters open as notebooks: two are generated from their Markdown and run end to end."""

import pytest

from testlib import REPO, load_module

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")


@pytest.mark.slow  # about 15 s here: a kernel start per notebook
@pytest.mark.parametrize("chapter", ["rnn", "transformer_intro"])
def test_generated_notebook_runs(chapter):
    build = load_module("notebooks/build.py")
    nb = build.notebook(REPO / build.CHAPTERS[chapter])
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and not any(c.source.startswith("%%") for c in code)  # no shell cells run
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [o for c in code for o in c.outputs]
    assert not any(o.output_type == "error" for o in outputs)
    assert any(o.output_type == "stream" for o in outputs)  # the cells printed what they show
