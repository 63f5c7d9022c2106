"""What the fine-tuning tasks (classify, instruct) share: the base language model and its
tokenizer, which parameters train, LoRA, and the optimizer that leaves the rest alone.

`cfg.model.base` names a model of `jaxdl.pretrained.lm_registry` (loaded by
`jaxdl.pretrained.lm_store`, converted once and cached) or one of the tiny random models below,
which have the same architectures and a byte tokenizer: tests and CI use them, never the real
weights. `cfg.model.init="scratch"` keeps the architecture and draws fresh weights.

`cfg.finetune.trainable` is a regex over parameter paths ("backbone/blocks/11/mlp/up/kernel");
`LAST` in it stands for the index of the last block. The optimizer updates only what it matches,
and the loss makes every other parameter a constant to the gradient
(`jaxdl.nn.freezing.stop_frozen_gradients`), so frozen layers are not in the backward pass.
"""

import functools
import json
import re

import jax
import ml_collections
import numpy as np
import optax
from flax import nnx

from jaxdl import checkpoint, optim
from jaxdl.config import SEED, Check, OneOf, Regex, count, number
from jaxdl.data.sources import cache_dir
from jaxdl.errors import UserError
from jaxdl.nn import freezing, lora
from jaxdl.pretrained import convert, lm_store
from jaxdl.pretrained.lm_registry import MODELS

_TINY_COMMON = dict(vocab_size=257, layers=2, heads=4, width=32)
TINY = {  # (family, kwargs): the registry's three architectures, a few thousand parameters
    "tiny-llama": ("gpt", dict(_TINY_COMMON, block_size=2048, kv_heads=2, positions="rotary",
                               norm="rms", mlp="swiglu", mlp_hidden=48, tied_head=True)),
    "tiny-gpt2": ("gpt", dict(_TINY_COMMON, block_size=2048, use_bias=True, mlp="gelu_tanh")),
    "tiny-bert": ("bert", dict(_TINY_COMMON, max_positions=2048, mlp_hidden=64)),
}


CONFIG_RULES = {  # the keys both tasks share (jaxdl.config.validate)
    "data.eval_batch_size": count(),
    "data.split_seed": SEED,
    "data.max_length": count(0),  # 0: as long as the data
    "data.pad_multiple": count(1, 256),
    "model.base": OneOf((*MODELS, *TINY)),
    "model.init": OneOf(("pretrained", "scratch")),
    "finetune.trainable": Regex(),
    "finetune.lora_rank": count(0, 4096),
    "finetune.lora_alpha": number(low_open=True),
    "finetune.lora_targets": Regex(),
}
FLAG = Check(lambda v: isinstance(v, bool), "True or False")


def check_length(cfg, longest: int) -> None:
    """The longest row, rounded up to data.pad_multiple, must fit the model's context."""
    family, kwargs, _, _ = base_model(cfg.model.base)
    context = kwargs.get("block_size", kwargs.get("max_positions"))
    padded = -(-longest // cfg.data.pad_multiple) * cfg.data.pad_multiple
    if context and padded > context:
        raise UserError(f"Rows of up to {padded} tokens exceed {cfg.model.base}'s context of "
                        f"{context}: set --config.data.max_length (and data.pad_multiple) lower.")


class ByteTokenizer:
    """UTF-8 bytes as ids 0-255 and 256 as end of text (also the padding id): the tiny models'."""

    eos = pad = 256
    stop = (256,)
    bos = None

    def encode(self, text: str, add_special: bool = False) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids) -> str:
        return bytes(int(i) for i in ids if 0 <= i < 256).decode("utf-8", errors="replace")


@functools.cache
def base_model(name: str):
    """(family, kwargs, {path: array} or None for tiny models, tokenizer) of `name`."""
    if name in TINY:
        return *TINY[name], None, ByteTokenizer()
    # Concrete arrays even when first called inside a trace (load_model builds under eval_shape).
    with jax.ensure_compile_time_eval():
        model, tok = lm_store.load(name)  # a UserError naming the fix when it is not here
    description = json.loads((cache_dir() / "lm" / name / "model.json").read_text())
    arrays = {path: np.asarray(v.get_value()) for path, v in nnx.to_flat_state(nnx.state(model))}
    return description["family"], description["kwargs"], arrays, tok


def tokenizer(cfg):
    return base_model(cfg.model.base)[3]


def build_backbone(cfg, rngs: nnx.Rngs) -> tuple[str, nnx.Module]:
    """(family, the base model with its pretrained weights, or fresh ones for init=scratch)."""
    if cfg.model.init not in ("pretrained", "scratch"):
        raise UserError(f"model.init={cfg.model.init!r}: pretrained or scratch.")
    family, kwargs, arrays, _ = base_model(cfg.model.base)
    if cfg.model.base in TINY and cfg.model.init == "pretrained":  # fixed "pretrained" weights
        return family, lm_store.build(family, kwargs, nnx.Rngs(1234))
    backbone = lm_store.build(family, kwargs, rngs)
    if cfg.model.init == "pretrained":
        convert.assign(backbone, arrays)
    return family, backbone


def add_lora(cfg, backbone: nnx.Module, rngs: nnx.Rngs) -> None:
    if cfg.finetune.lora_rank:
        lora.add(backbone, rank=cfg.finetune.lora_rank, alpha=cfg.finetune.lora_alpha,
                 targets=cfg.finetune.lora_targets, rngs=rngs)


def resolve(pattern: str, names) -> str:
    """`pattern` with LAST replaced by the highest block index among the parameter `names`."""
    if "LAST" not in pattern:
        return pattern
    blocks = [int(m.group(1)) for n in names for m in [re.search(r"blocks/(\d+)/", n)] if m]
    if not blocks:
        raise UserError(f"finetune.trainable={pattern!r} names LAST, but the model has no blocks.")
    return pattern.replace("LAST", str(max(blocks)))


def trainable_pattern(model: nnx.Module, cfg) -> str:
    """finetune.trainable with LAST resolved for `model`; the loss passes it to
    `freezing.stop_frozen_gradients`."""
    return resolve(cfg.finetune.trainable, freezing.named_params(model))


def build_optimizer(cfg) -> optax.GradientTransformation:
    """cfg.opt's AdamW on the parameters finetune.trainable matches; the others get no update,
    no moments and no weight decay."""
    opt = ml_collections.ConfigDict(cfg.opt.to_dict())
    opt.trainable = ""
    tx = optim.build(opt, cfg.train.steps)
    if not cfg.finetune.trainable:
        return tx

    def labels(params):
        paths = [optim.param_path(p) for p, _ in jax.tree_util.tree_flatten_with_path(params)[0]]
        return optim.trainable_labels(resolve(cfg.finetune.trainable, paths))(params)

    return optax.multi_transform({"train": tx, "freeze": optax.set_to_zero()}, labels)


def save_trainable(workdir, build_model, out):
    """The workdir's trained parameters alone (finetune.trainable: a LoRA adapter and the head,
    or the last block) in `out`, named with the base model and the adapter settings."""
    model, cfg, _ = checkpoint.load_model(workdir, build_model)
    description = dict(base=cfg.model.base, lora_rank=cfg.finetune.lora_rank,
                       lora_alpha=cfg.finetune.lora_alpha, lora_targets=cfg.finetune.lora_targets)
    return freezing.save_trainable(model, model.trainable, out, description)


def finetune_config(cfg) -> None:
    """The fields both tasks add: which parameters train, LoRA's settings."""
    cfg.finetune = dict(
        trainable="",  # regex over parameter paths; "" = all; LAST = the last block's index
        lora_rank=0,  # 0 = no adapters
        lora_alpha=16.0,
        lora_targets=lora.ALL_BLOCK_MATMULS,
    )
