"""torchvision state_dict -> our Flax models, and our own on-disk format for the result.

Our models keep torchvision's module tree (`jaxdl/nn/convblocks.py`), so a key maps to a path by
splitting at the dots; only the leaf names and the layouts differ:

    torch key            torch layout               ours        our layout
    conv  .weight        [out, in, kh, kw]  (OIHW)  .kernel     [kh, kw, in, out]  (HWIO)
    linear.weight        [out, in]                  .kernel     [in, out]          (x @ W)
    norm  .weight/.bias  [C]                        .scale/.bias
    norm  .running_mean  [C]                        .mean       (a BatchStat, not a Param)
    norm  .running_var   [C]                        .var        (torch keeps the unbiased
                                                                 estimate; eval uses it as is)
    norm  .num_batches_tracked                      -           (only for momentum=None)

Our format: a folder with `params.npz` (every variable, BatchNorm statistics included, keyed by
its path "features/0/1/mean") and `model.json` (registry name, constructor arguments, source file
and its sha256), enough to rebuild the model with no torch file at hand.
"""

import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn import image_models

RENAMED_LEAVES = {"running_mean": "mean", "running_var": "var", "bias": "bias"}


def torch_to_ours(key: str, array: np.ndarray) -> tuple[tuple, np.ndarray] | None:
    """One state_dict entry -> (our path, array in our layout); None for entries we drop."""
    *modules, leaf = key.split(".")
    path = tuple(int(m) if m.isdigit() else m for m in modules)
    if leaf == "num_batches_tracked":
        return None
    if leaf == "weight":
        if array.ndim == 4:
            return (*path, "kernel"), array.transpose(2, 3, 1, 0)
        if array.ndim == 2:
            return (*path, "kernel"), array.T
        return (*path, "scale"), array
    if leaf in RENAMED_LEAVES:
        return (*path, RENAMED_LEAVES[leaf]), array
    raise UserError(f"Unknown state_dict entry {key!r}.")


def path_name(path: tuple) -> str:
    return "/".join(map(str, path))


def assign(model: nnx.Module, arrays: dict[tuple, np.ndarray], *, keep=()) -> None:
    """Sets every variable of `model` from `arrays` ({path: array}). Paths starting with a prefix
    in `keep` keep their current (fresh) values: a new classifier head, for instance. Missing,
    unexpected or mis-shaped entries fail, naming them. `model` may be abstract (`nnx.eval_shape`)
    if nothing is kept."""
    def kept(path):
        return any(path[:len(prefix)] == tuple(prefix) for prefix in keep)

    flat = nnx.to_flat_state(nnx.state(model))
    ours = {path for path, _ in flat if not kept(path)}
    given = {path for path in arrays if not kept(path)}
    if ours != given:
        missing = sorted(map(path_name, ours - given))
        unexpected = sorted(map(path_name, given - ours))
        raise UserError(f"Weights do not fit the model: missing {missing[:8]}, "
                        f"unexpected {unexpected[:8]}.")
    updated = []
    for path, variable in flat:
        if path in ours:
            array = arrays[path]
            if array.shape != variable.shape:
                raise UserError(f"{path_name(path)}: checkpoint shape {array.shape}, "
                                f"model shape {variable.shape}.")
            variable = variable.replace(jnp.asarray(array, variable.dtype))
        updated.append((path, variable))
    nnx.update(model, nnx.from_flat_state(updated))


def from_torch(state_dict: dict[str, np.ndarray]) -> dict[tuple, np.ndarray]:
    """A torchvision state_dict as {our path: array in our layout}."""
    return dict(filter(None, (torch_to_ours(k, v) for k, v in state_dict.items())))


def load_torch_state_dict(model: nnx.Module, state_dict: dict[str, np.ndarray], *,
                          keep=()) -> None:
    """Puts a torchvision state_dict into our model with the same architecture."""
    assign(model, from_torch(state_dict), keep=keep)


def save(arrays: dict[tuple, np.ndarray], folder, description: dict) -> None:
    """Writes `params.npz` (from {path: array}, every variable of the model) and `model.json`;
    `description` holds at least "model" (a registry name), "num_classes", "in_channels" and
    "hyper" (the constructor's other arguments). model.json is written last: its presence
    means the folder is complete."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "params.npz", **{path_name(p): np.asarray(a) for p, a in arrays.items()})
    (folder / "model.json").write_text(json.dumps(description, indent=2, sort_keys=True) + "\n")


def abstract_model(name: str, **kwargs) -> nnx.Module:
    """Model `name` with shapes but no values, to be filled by `assign`: creating random initial
    weights op by op only to overwrite them takes seconds per model on a CPU."""
    return nnx.eval_shape(lambda: image_models.build(name, rngs=nnx.Rngs(0), **kwargs))


def load(folder) -> tuple[nnx.Module, dict]:
    """The model saved by `save`, in eval mode, and its description."""
    folder = Path(folder)
    description = json.loads((folder / "model.json").read_text())
    model = abstract_model(description["model"], num_classes=description["num_classes"],
                           in_channels=description["in_channels"],
                           **description.get("hyper", {}))
    assign(model, read_arrays(folder))
    model.eval()
    return model, description


def read_arrays(folder) -> dict[tuple, np.ndarray]:
    """{path: array} of every variable saved by `save`."""
    with np.load(Path(folder) / "params.npz") as npz:
        return {tuple(int(p) if p.isdigit() else p for p in name.split("/")): npz[name]
                for name in npz.files}
