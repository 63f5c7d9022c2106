"""What every experiment's command line shares: the --config/--workdir/--mode flags, multi-host
start-up, and turning the errors a user can fix into one clear message instead of a traceback.

An entry point is `cli.run(task, modes={...})`: `--mode=train` (the default) trains the task
through `jaxdl.train.fit`; a topic adds its other modes (sample, predict, ...) by name."""

import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxdl import distributed, train
from jaxdl.errors import UserError
from jaxdl.logging import log
from jaxdl.runtime import keep_freed_memory

CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Config file and presets: path/to/config.py[:preset,preset].", lock_config=True
)
WORKDIR = flags.DEFINE_string("workdir", None, "Run directory: config, metrics, checkpoints.")
MODE = flags.DEFINE_string("mode", "train", "train (or resume), or another mode of the topic (sample, ...).")
# Sampling, for the language-model experiments (each sets its own defaults with set_defaults).
NUM_SAMPLES = flags.DEFINE_integer("num_samples", 1, "Sampling: independent samples to print.")
TEMPERATURE = flags.DEFINE_float("temperature", 1.0, "Sampling: softmax temperature (0 = greedy).")
TOP_K = flags.DEFINE_integer("top_k", 0, "Sampling: keep the k most likely tokens (0 = all).")
SAMPLE_SEED = flags.DEFINE_integer(
    "sample_seed", 0, "Sampling: random seed (training's is --config.seed).")
MULTIHOST = flags.DEFINE_bool(
    "multihost", False, "Join a multi-process run first (TPU pods, SLURM, launch/local.sh)."
)


def _innermost_message(error: BaseException) -> str:
    while error.args and isinstance(error.args[0], BaseException):
        error = error.args[0]
    text = str(error.args[0]) if error.args else str(error)
    return " ".join(text.replace("'", "").split())


def _parse_flags(argv):
    # Config files, presets and --config.KEY overrides are read while flags are parsed.
    try:
        return flags.FLAGS(argv)
    except (AttributeError, KeyError) as error:  # ml_collections: a key the config lacks
        sys.exit(f"error: unknown config key: {_innermost_message(error)}")
    except flags.Error as error:
        cause = error
        while cause is not None and not isinstance(cause, UserError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            sys.exit(f"error: {error}")
        # ml_collections re-raises a config file's error with its traceback as the message.
        sys.exit("error: " + str(cause).strip().splitlines()[-1].removeprefix("jaxdl.errors.UserError: "))


def fit_and_report(task) -> dict[str, float]:
    """Trains `task` as --config says in --workdir, resuming what is there, then logs the final
    train and eval metrics on one line."""
    final = train.fit(CONFIG.value, WORKDIR.value, task)
    log("final: " + " | ".join(f"{k} {v:.4f}" for k, v in sorted(final.items())))
    return final


def run(task, modes: dict | None = None) -> None:
    """The main of an entry point: --mode=train trains `task`; `modes` maps the topic's other
    modes to functions of no arguments. --workdir is required; user errors print as one line."""
    modes = {"train": lambda: fit_and_report(task), **(modes or {})}
    flags.mark_flag_as_required("workdir")

    def wrapped(argv):
        if len(argv) > 1:
            raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
        if MODE.value not in modes:
            raise app.UsageError(f"--mode={MODE.value}: this topic has {', '.join(modes)}.")
        # orbax and grain log every save at INFO; keep the run's own progress lines readable.
        logging.set_verbosity(logging.WARNING)
        keep_freed_memory()  # before the first large allocation; see jaxdl/runtime.py
        if MULTIHOST.value:
            distributed.initialize()
        if MODE.value == "train" and CONFIG.value is None:
            raise app.UsageError("--config is required to train.")
        try:
            modes[MODE.value]()
        except UserError as error:
            sys.exit(f"error: {error}")

    app.run(wrapped, flags_parser=_parse_flags)
