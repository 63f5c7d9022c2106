"""LoRA: low-rank adapters on chosen matmuls of a pretrained model (Hu et al., 2021).

A frozen matmul x @ W ([in, out]) gains a trainable low-rank update,

    y = x @ W + (alpha / r) * (x @ A) @ B,    A: [in, r], B: [r, out], B = 0 at the start,

so that training starts from the pretrained model exactly and learns r * (in + out) numbers per
matmul instead of in * out. `merge` folds the update into W (W + (alpha / r) A B): the merged
model is the plain model again, with no extra cost per token.

We wrap our own `Dense` rather than use `nnx.LoRALinear`: the adapters must carry logical axes
(`out_sharding`) like every parameter here, and the wrapped layer keeps its parameter names, so a
pretrained checkpoint's paths still find it under `.../base/kernel`. Adapters are plain
`nnx.Param`s named `lora_a` / `lora_b`: the regex `lora_` selects them for training and for the
adapter-only checkpoint (`jaxdl.nn.freezing`).
"""

import re

import jax
from flax import nnx

from jaxdl.errors import UserError
from jaxdl.nn.layers import Dense, param

# Every attention and MLP matmul of our transformer blocks (qkv, out, up, down).
ALL_BLOCK_MATMULS = r"blocks/\d+/(attn/(qkv|out)|mlp/(up|down))$"


class LoRADense(nnx.Module):
    """`base` (a Dense, frozen by the caller) plus a rank-`rank` adapter scaled by alpha / rank."""

    def __init__(self, base: Dense, *, rank: int, alpha: float, rngs: nnx.Rngs):
        if rank < 1:
            raise UserError(f"LoRA rank {rank} must be at least 1.")
        self.base = base
        d_in, d_out = base.kernel.shape
        axes = base.kernel.get_metadata()["out_sharding"]
        self.scale = alpha / rank
        # A as a Dense layer's weights, B zero: the adapted model starts as the pretrained one.
        self.lora_a = param(rngs, nnx.initializers.normal(d_in ** -0.5), (d_in, rank), (axes[0], None))
        self.lora_b = param(rngs, nnx.initializers.zeros, (rank, d_out), (None, axes[1]))

    def __call__(self, x: jax.Array) -> jax.Array:
        x_NI = x.reshape(-1, x.shape[-1])
        update_NO = (x_NI @ self.lora_a[...]) @ self.lora_b[...] * self.scale
        return self.base(x) + update_NO.reshape(*x.shape[:-1], -1)

    def merged(self) -> Dense:
        """The base layer with the adapter folded into its kernel."""
        delta = self.lora_a[...] @ self.lora_b[...] * self.scale
        self.base.kernel[...] = self.base.kernel[...] + delta
        return self.base


def _path(path) -> str:
    return "/".join(str(key) for key in path)


def _replace(model: nnx.Module, path: tuple, new: nnx.Module) -> None:
    parent = model
    for key in path[:-1]:
        parent = parent[key] if isinstance(parent, nnx.List) else getattr(parent, key)
    if isinstance(parent, nnx.List):
        parent[path[-1]] = new
    else:
        setattr(parent, path[-1], new)


def add(model: nnx.Module, *, rank: int, alpha: float, targets: str = ALL_BLOCK_MATMULS,
        rngs: nnx.Rngs) -> int:
    """Wraps, in place, every Dense whose path ("blocks/3/attn/qkv") matches the regex
    `targets` in a LoRADense. Returns how many it wrapped (0 is an error: a wrong regex)."""
    regex = re.compile(targets)
    found = [(path, m) for path, m in nnx.iter_modules(model)
             if isinstance(m, Dense) and regex.search(_path(path))]
    if not found:
        raise UserError(f"No matmul matches the LoRA targets {targets!r}: fix lora.targets.")
    for path, dense in found:
        _replace(model, path, LoRADense(dense, rank=rank, alpha=alpha, rngs=rngs))
    return len(found)


def merge(model: nnx.Module) -> nnx.Module:
    """Folds every adapter into its base kernel, in place: the model without LoRADense layers."""
    for path, m in list(nnx.iter_modules(model)):
        if isinstance(m, LoRADense):
            _replace(model, path, m.merged())
    return model
