"""Shared config fields, presets and the config.json record of a run.

Every trainable config starts from `base_config()`, so the keys that the loop reads (`seed`,
`train.*`, `checkpoint.*`, `data.batch_size`, `opt.*`, `mesh.*`) exist everywhere and can be set
from the command line as `--config.KEY=VALUE`. A config file chooses presets from the text after
the colon: `--config=experiments/nanogpt/shakespeare_char.py:cpu,bigram` applies `cpu`, then `bigram`.

What each key accepts is declared once, as a rule per dotted key: `BASE_RULES` for the keys of
`base_config()`, and a task module's `CONFIG_RULES` for its own (`validate(cfg, task)` checks both
before anything is built and names the key of a bad value; ml_collections already checks types).
"""

import dataclasses
import functools
import json
import math
import re
from collections.abc import Callable, Mapping

import ml_collections

from jaxdl.errors import ConfigError

Preset = Callable[[ml_collections.ConfigDict], None]

MESH_AXES = ("data", "fsdp", "model")
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
    cfg.sharding_rules = DEFAULT_SHARDING_RULES
    return cfg


def apply_presets(
    cfg: ml_collections.ConfigDict, arg: str | None, presets: Mapping[str, Preset]
) -> ml_collections.ConfigDict:
    """Applies the comma-separated presets named in `arg`, in order; unknown names fail loudly."""
    for name in filter(None, (arg or "").split(",")):
        if name not in presets:
            raise ConfigError(f"Unknown preset {name!r}; known presets: {', '.join(sorted(presets))}")
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


# The largest count a run may ask for: JAX counts steps and indexes arrays in int32.
MAX_COUNT = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class Range:
    """Numbers from `low` to `high` (open ends where `low_open` / `high_open`), integers only if
    `integer`, finite; `also` lists special values outside the range (-1 = "all" or "auto").
    A tuple value (layer widths) must hold such numbers only."""

    low: float = -math.inf
    high: float = math.inf
    integer: bool = False
    low_open: bool = False
    high_open: bool = False
    also: tuple = ()

    def problem(self, value) -> str | None:
        if isinstance(value, (tuple, list)):
            return next(filter(None, map(self.problem, value)), None)
        if value in self.also and not isinstance(value, bool):
            return None
        number_type = int if self.integer else (int, float)
        if (isinstance(value, bool) or not isinstance(value, number_type)
                or not math.isfinite(value)):
            return f"must be {'an integer' if self.integer else 'a finite number'} {self._text()}"
        if self.integer and value > self.high == MAX_COUNT:
            return f"must be at most {MAX_COUNT} (JAX counts in int32)"
        if (value < self.low or value > self.high or (self.low_open and value == self.low)
                or (self.high_open and value == self.high)):
            return f"must be {self._text()}"
        return None

    def _text(self) -> str:
        low, high = (f"{x:d}" if self.integer else f"{x:g}" for x in (self.low, self.high))
        if self.high in (math.inf, MAX_COUNT):
            text = f"{'>' if self.low_open else '>='} {low}"
        else:
            text = (f"in {'(' if self.low_open else '['}{low}, {high}"
                    f"{')' if self.high_open else ']'}")
        return text + "".join(f" or {v}" for v in self.also)


@dataclasses.dataclass(frozen=True)
class OneOf:
    """One of a fixed list of names."""

    choices: tuple

    def problem(self, value) -> str | None:
        if value in self.choices:
            return None
        return f"choose one of {', '.join(map(str, self.choices))}"


@dataclasses.dataclass(frozen=True)
class Regex:
    """A Python regular expression (searched in parameter paths)."""

    def problem(self, value) -> str | None:
        try:
            re.compile(value)
        except (re.error, TypeError) as error:
            return f"is not a regular expression ({error})"
        return None


@dataclasses.dataclass(frozen=True)
class Check:
    """A value that `accepts(value)` is true of; `text` says what that is."""

    accepts: Callable[[object], bool]
    text: str

    def problem(self, value) -> str | None:
        return None if self.accepts(value) else f"must be {self.text}"


def _are_sharding_rules(rules) -> bool:
    def mesh_axes(axes):
        names = axes if isinstance(axes, (tuple, list)) else (axes,)
        return axes is None or all(name in MESH_AXES for name in names)

    return isinstance(rules, (tuple, list)) and all(
        isinstance(rule, (tuple, list)) and len(rule) == 2 and isinstance(rule[0], str)
        and mesh_axes(rule[1]) for rule in rules)


def count(low: int = 1, high: int = MAX_COUNT, also: tuple = ()) -> Range:
    """An integer count or size, at least `low` (1 unless zero means something)."""
    return Range(low, high, integer=True, also=also)


def number(low: float = 0.0, high: float = math.inf, **ends) -> Range:
    """A finite real number, non-negative unless `low` says otherwise."""
    return Range(low, high, **ends)


PROBABILITY = number(0.0, 1.0)
FRACTION = number(0.0, 1.0, low_open=True, high_open=True)  # a share of rows: neither none nor all
SEED = count(0, 2**31 - 2)  # grain and NumPy seed with non-negative numbers; data adds 1 to it

BASE_RULES = {
    "seed": SEED,
    "train.steps": count(),
    "train.log_every": count(),
    "train.eval_every": count(),
    "train.eval_steps": count(),
    "train.steps_per_call": count(),
    "checkpoint.every": count(),
    "checkpoint.max_to_keep": count(),
    "data.batch_size": count(),
    "opt.lr": number(),
    "opt.min_lr": number(),
    "opt.warmup_steps": count(0),
    "opt.decay_steps": count(also=(-1,)),
    "opt.b1": number(0.0, 1.0, high_open=True),
    "opt.b2": number(0.0, 1.0, high_open=True),
    "opt.weight_decay": number(),
    "opt.grad_clip": number(),
    "opt.trainable": Regex(),
    "mesh.data": count(also=(-1,)),
    "mesh.fsdp": count(),
    "mesh.model": count(),
    "sharding_rules": Check(_are_sharding_rules, "pairs (logical axis, mesh axis, axes or None) "
                            f"over the mesh axes {', '.join(MESH_AXES)}"),
}


SECTION_TYPES = (ml_collections.ConfigDict, Mapping)


def check_divides(cfg: ml_collections.ConfigDict, whole: str, part: str) -> None:
    """A ConfigError unless the value at dotted key `part` divides the one at `whole`
    (e.g. attention heads must divide the model width)."""
    values = [functools.reduce(lambda holder, name: holder[name], key.split("."), cfg)
              for key in (whole, part)]
    if values[0] % values[1]:
        raise ConfigError(f"--config.{whole}={values[0]} must be a multiple of "
                          f"--config.{part}={values[1]}.")


def validate(cfg: ml_collections.ConfigDict, task=None) -> None:
    """Checks every key of `cfg` that has a rule (BASE_RULES, then the task module's CONFIG_RULES,
    which may override them), then the task's `check_config(cfg)` for rules between keys.
    Raises ConfigError naming the first bad key as the command line sets it."""
    rules = {**BASE_RULES, **getattr(task, "CONFIG_RULES", {})}
    for key, rule in rules.items():
        *sections, name = key.split(".")
        holder = cfg
        for section in sections:
            holder = holder.get(section) if isinstance(holder, SECTION_TYPES) else None
        if not isinstance(holder, SECTION_TYPES) or name not in holder:
            continue  # a key this config does not have (not every task has every key)
        value = holder[name]
        if (problem := rule.problem(value)) is not None:
            raise ConfigError(f"--config.{key}={value!r}: {problem}.")
    if hasattr(task, "check_config"):
        task.check_config(cfg)
