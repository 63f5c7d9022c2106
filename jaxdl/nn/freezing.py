"""Training only part of a model: the trainable parameters by a path regex, frozen ones out of
the backward pass, and checkpoints of the trainable part alone (a LoRA adapter, a new head).

Paths are written "blocks/3/attn/qkv/lora_a" (the module path and the parameter name), as
`jaxdl.optim.param_path` writes the optimizer's: one regex (`opt.trainable`) chooses what the
optimizer updates and what the gradient reaches.
"""

import json
import re
from pathlib import Path

import jax
import numpy as np
from flax import nnx

from jaxdl.errors import UserError


def named_params(model: nnx.Module) -> dict[str, nnx.Param]:
    return {"/".join(str(k) for k in path): v for path, v in nnx.iter_graph(model)
            if isinstance(v, nnx.Param)}


def trainable(model: nnx.Module, pattern: str) -> dict[str, nnx.Param]:
    """The parameters whose path the regex `pattern` matches (all of them when it is empty)."""
    regex = re.compile(pattern)
    return {name: v for name, v in named_params(model).items() if regex.search(name)}


def stop_frozen_gradients(model: nnx.Module, pattern: str) -> None:
    """Inside a loss: every parameter `pattern` does not match becomes a constant to the
    gradient. Its gradient is then structurally zero, and XLA drops the weight-gradient matmuls
    (and the backward pass below the lowest trained parameter) from the compiled step."""
    if not pattern:
        return
    regex = re.compile(pattern)
    for name, variable in named_params(model).items():
        if not regex.search(name):
            variable[...] = jax.lax.stop_gradient(variable[...])


def count(params: dict[str, nnx.Param]) -> int:
    return sum(int(np.prod(v.shape)) for v in params.values())


def save_trainable(model: nnx.Module, pattern: str, folder, description: dict) -> Path:
    """Writes the trainable parameters alone (`params.safetensors`) and `adapter.json`
    (`description`: the base model's name and the settings that shaped these arrays)."""
    from safetensors.numpy import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {name: np.asarray(v[...]) for name, v in trainable(model, pattern).items()}
    save_file(arrays, str(folder / "params.safetensors"))
    (folder / "adapter.json").write_text(json.dumps(
        dict(description, pattern=pattern), indent=2, sort_keys=True) + "\n")
    return folder


def load_trainable(model: nnx.Module, folder, description: dict) -> None:
    """Puts a `save_trainable` folder's arrays into `model` (built as they were: same base,
    same adapters). A folder made for another base model or other settings is a UserError."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    if not (folder / "adapter.json").is_file():
        raise UserError(f"{folder} holds no adapter.json: not a saved adapter folder.")
    saved = json.loads((folder / "adapter.json").read_text())
    differ = [key for key in description if saved.get(key) != description[key]]
    if differ:
        raise UserError(f"The adapter in {folder} was made for "
                        + ", ".join(f"{k}={saved.get(k)!r}" for k in differ) + "; this model has "
                        + ", ".join(f"{k}={description[k]!r}" for k in differ) + ".")
    arrays = load_file(str(folder / "params.safetensors"))
    params = trainable(model, saved["pattern"])
    if set(arrays) != set(params):
        raise UserError(f"The adapter in {folder} does not fit this model: it has "
                        f"{sorted(set(arrays) ^ set(params))[:3]} where the model differs.")
    for name, array in arrays.items():
        if array.shape != params[name].shape:
            raise UserError(f"The adapter in {folder}: {name} is {array.shape}, the model's "
                            f"{params[name].shape}.")
        params[name][...] = jax.numpy.asarray(array)
