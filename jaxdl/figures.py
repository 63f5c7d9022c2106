"""Writing figures to PNG files: matplotlib without a display, imported only when drawing.

matplotlib is an optional extra (`pip install 'jaxdl[plots]'`); importing this module does not
need it, so the experiments that draw figures still import (and their tests still run) without it.
"""

import pathlib


def pyplot():
    """matplotlib.pyplot on the Agg backend (files only, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, out) -> None:
    """Writes `fig` to `out` (creating its folder), closes it, and says where it went."""
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    print(f"wrote {out}")
