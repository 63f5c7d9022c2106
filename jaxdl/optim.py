"""Optimizers from `cfg.opt`: AdamW with linear warmup, cosine decay, clipping, decay mask."""

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
    if opt.grad_clip:
        return optax.chain(optax.clip_by_global_norm(opt.grad_clip), adamw)
    return adamw
