"""Name -> thing tables whose entries are imported on first use ("package.module" or
"package.module:attribute"), so listing costs nothing and one entry's optional dependency never
breaks another's import. The task registry and the image-model registry are such tables."""

import importlib

from jaxdl.errors import UserError


def lookup(table: dict[str, str], name: str, what: str):
    """The module or attribute that `table[name]` names; an unknown name is a UserError that
    lists the known ones."""
    if name not in table:
        raise UserError(f"Unknown {what} {name!r}; known {what}s: {', '.join(sorted(table))}.")
    module, _, attribute = table[name].partition(":")
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found
