"""Optimizers from `cfg.opt`: AdamW with linear warmup, cosine decay, clipping, decay mask, and
optionally only some parameters trained (`trainable`, e.g. a new head on a frozen backbone)."""

import re

import jax
import ml_collections
import optax


def learning_rate(opt: ml_collections.ConfigDict, total_steps: int) -> optax.Schedule:
    """Linear warmup to `lr`, then cosine to `min_lr` at `decay_steps`, then flat (nanoGPT's)."""
    decay_steps = total_steps if opt.decay_steps == -1 else opt.decay_steps
    warmup = min(opt.warmup_steps, decay_steps)
    return optax.warmup_cosine_decay_schedule(
        init_value=0.0,
        peak_value=opt.lr,
        warmup_steps=warmup,
        decay_steps=max(decay_steps, warmup + 1),
        end_value=opt.min_lr,
    )


def build(opt: ml_collections.ConfigDict, total_steps: int) -> optax.GradientTransformation:
    # Matrices decay, vectors (biases, norm scales) do not: the usual AdamW recipe.
    def decay_mask(params):
        return jax.tree.map(lambda p: p.ndim >= 2, params)

    adamw = optax.adamw(
        learning_rate(opt, total_steps),
        b1=opt.b1,
        b2=opt.b2,
        weight_decay=opt.weight_decay,
        mask=decay_mask,
    )
    tx = optax.chain(optax.clip_by_global_norm(opt.grad_clip), adamw) if opt.grad_clip else adamw
    trainable = opt.get("trainable", "")  # absent from config.json of runs that predate it
    if trainable:
        return optax.multi_transform({"train": tx, "freeze": optax.set_to_zero()},
                                     trainable_labels(trainable))
    return tx


def param_path(path) -> str:
    """A parameter's tree path as text: "features/3/conv/1/0/kernel"."""
    return "/".join(str(key.key) for key in path if isinstance(key, jax.tree_util.DictKey))


def trainable_labels(pattern: str):
    """Params -> "train" where `pattern` (a regex) matches somewhere in the path, else "freeze".
    Frozen parameters get no update, no moments and no weight decay; clipping sees only the
    trained gradients."""
    regex = re.compile(pattern)

    def labels(params):
        return jax.tree_util.tree_map_with_path(
            lambda path, _: "train" if regex.search(param_path(path)) else "freeze", params)

    return labels
