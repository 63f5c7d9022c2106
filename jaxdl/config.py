"""Shared config fields, presets and the config.json record of a run.

Every trainable config starts from `base_config()`, so the keys that the loop reads (`seed`,
`train.*`, `checkpoint.*`, `data.batch_size`, `opt.*`, `mesh.*`) exist everywhere and can be set
from the command line as `--config.KEY=VALUE`. A config file chooses presets from the text after
the colon: `--config=experiments/nanogpt/shakespeare_char.py:cpu,bigram` applies `cpu`, then `bigram`.
"""

import json
from collections.abc import Callable, Mapping

import ml_collections

from jaxdl.errors import UserError

Preset = Callable[[ml_collections.ConfigDict], None]

# Logical axis -> mesh axes. Models name logical axes; this table decides where they live.
# Batch is split over every data-parallel axis; weights are split over fsdp (their "embed" side)
# and model (their "mlp"/"heads"/"vocab" side).
DEFAULT_SHARDING_RULES = (
    ("batch", ("data", "fsdp")),
    ("embed", "fsdp"),
    ("mlp", "model"),
    ("heads", "model"),
    ("kv", None),
    ("vocab", "model"),
)


def base_config() -> ml_collections.ConfigDict:
    """The fields that `jaxdl.train.fit` reads, with neutral defaults; topics fill in the rest."""
    cfg = ml_collections.ConfigDict()
    cfg.seed = 0
    cfg.train = dict(
        steps=1000,  # total optimizer steps; also the length of the lr schedule
        log_every=100,
        eval_every=500,  # also evaluated after the last step
        eval_steps=20,  # batches per evaluation split
        # Optimizer steps per jitted call, run by one lax.scan: >1 spares small models the host's
        # per-call overhead. steps, eval_every and checkpoint.every must be multiples of it.
        steps_per_call=1,
        grad_accum=1,  # micro-batches of data.batch_size rows per optimizer step (jaxdl/step.py)
        profile="",  # "START:STOP": a jax.profiler trace of those steps in WORKDIR/profile
    )
    cfg.checkpoint = dict(every=1000, max_to_keep=2)  # also saved after the last step
    cfg.data = dict(batch_size=32)
    cfg.opt = dict(
        lr=1e-3,
        min_lr=1e-4,  # end of the cosine decay
        warmup_steps=100,
        decay_steps=-1,  # cosine length; -1 = train.steps
        b1=0.9,
        b2=0.99,
        weight_decay=0.1,  # applied to matrices only (ndim >= 2), as nanoGPT does
        grad_clip=1.0,  # global norm; 0 = off
        trainable="",  # regex over parameter paths ("classifier/"): train only those; "" = all
    )
    cfg.mesh = dict(data=-1, fsdp=1, model=1)  # -1 = all remaining devices
    cfg.sharding = "fsdp_tp"  # a rule preset of jaxdl.mesh.RULE_PRESETS: fsdp_tp | dp | fsdp
    cfg.sharding_rules = ()  # a rule table spelled out ((logical, mesh axes), ...): replaces it
    return cfg


def apply_presets(
    cfg: ml_collections.ConfigDict, arg: str | None, presets: Mapping[str, Preset]
) -> ml_collections.ConfigDict:
    """Applies the comma-separated presets named in `arg`, in order; unknown names fail loudly."""
    for name in filter(None, (arg or "").split(",")):
        if name not in presets:
            raise UserError(f"Unknown preset {name!r}; known presets: {', '.join(sorted(presets))}")
        presets[name](cfg)
    return cfg


def smoke(steps: int = 20, *, eval_every: int | None = None, checkpoint_every: int | None = None,
          log_every: int = 10, warmup_steps: int = 5, **sections: dict) -> Preset:
    """The `smoke` preset of a config: a run of seconds (first try, tests). It trains `steps`
    steps, evaluating and checkpointing every `eval_every` / `checkpoint_every` (default: at the end);
    `sections` update other fields, e.g. `smoke(50, model=dict(layers=2), data=dict(batch_size=8))`."""

    def preset(cfg: ml_collections.ConfigDict) -> None:
        cfg.train.update(steps=steps, log_every=log_every, eval_every=eval_every or steps)
        cfg.checkpoint.every = checkpoint_every or steps
        cfg.opt.warmup_steps = warmup_steps
        for section, values in sections.items():
            cfg[section].update(values)

    return preset


def to_json(cfg: ml_collections.ConfigDict) -> str:
    return json.dumps(cfg.to_dict(), indent=2, sort_keys=True, default=str)


def from_json_file(path) -> ml_collections.ConfigDict:
    """Reads a run's config.json (or spec.json) back; tuples come back as lists."""
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))
