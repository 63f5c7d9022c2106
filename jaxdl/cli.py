"""What every command line shares: the --config/--workdir/--mode flags, multi-host start-up, and
the one wrapper that turns an error a user can fix into one line naming the fix.

An experiment's entry point is `cli.run(task, modes={...})`: `--mode=train` (the default) trains
the task through `jaxdl.train.fit`; a topic adds its other modes (sample, predict, ...) by name.
Any other command (`jaxdl.bench`, `jaxdl.pretrained.*`) is `cli.main(main)`, main(argv) as for
absl's app.run. Exit status: 0 done, 2 a usage error (a flag, config value, preset, mode or
--workdir to fix), 1 a runtime error the user can fix (missing data or extra, a diverged run, a
busy workdir). Anything else is a bug and keeps its traceback; --verbose (or JAXDL_VERBOSE=1)
shows the traceback of user errors too.
"""

import os
import pathlib
import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxdl import distributed, extras, train
from jaxdl.errors import ConfigError, UserError
from jaxdl.logging import log
from jaxdl.runtime import keep_freed_memory

CONFIG = config_flags.DEFINE_config_file(
    "config", None, "Config file and presets: path/to/config.py[:preset,preset].", lock_config=True
)
WORKDIR = flags.DEFINE_string("workdir", None, "Run directory: config, metrics, checkpoints.")
MODE = flags.DEFINE_string("mode", "train", "train (or resume), or another mode of the topic (sample, ...).")
# Sampling, for the language-model experiments (each sets its own defaults with set_defaults).
NUM_SAMPLES = flags.DEFINE_integer("num_samples", 1, "Sampling: independent samples to print.",
                                   lower_bound=1)
TEMPERATURE = flags.DEFINE_float("temperature", 1.0, "Sampling: softmax temperature (0 = greedy).",
                                 lower_bound=0.0)
TOP_K = flags.DEFINE_integer("top_k", 0, "Sampling: keep the k most likely tokens (0 = all).",
                             lower_bound=0)
SAMPLE_SEED = flags.DEFINE_integer(
    "sample_seed", 0, "Sampling: random seed (training's is --config.seed).", lower_bound=0)
MULTIHOST = flags.DEFINE_bool(
    "multihost", False, "Join a multi-process run first (TPU pods, SLURM, launch/local.sh)."
)
VERBOSE = flags.DEFINE_bool(
    "verbose", False, "Show the traceback of every error (also: environment JAXDL_VERBOSE=1).")

USAGE, RUNTIME = 2, 1  # exit statuses


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def flag_error(error: Exception) -> ConfigError | None:
    """The user's mistake behind an error raised while flags and the config file are parsed
    (unknown key, bad type, missing config file, unknown preset); None if it is a bug."""
    if isinstance(error, (AttributeError, KeyError)):  # ml_collections: a key the config lacks
        while error.args and isinstance(error.args[0], BaseException):
            error = error.args[0]
        text = str(error.args[0]) if error.args else str(error)
        return ConfigError(f"unknown config key {_one_line(text.replace(chr(39), ''))}")
    if isinstance(error, ValueError) and str(error).startswith("Could not parse"):
        return ConfigError(f"malformed config key: {_one_line(str(error).split(':')[0])}")
    if isinstance(error, OSError) and "config file" in str(error):  # config_flags' wording
        reason = str(error).strip().splitlines()[-1].strip()
        if "No such file" in reason:
            reason = f"no config file {reason.rsplit(': ', 1)[-1]} (the path is from {os.getcwd()})"
        return ConfigError(f"--config: {reason}")
    if isinstance(error, flags.Error):
        cause = error
        while cause is not None and not isinstance(cause, UserError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            return ConfigError(_one_line(error))
        # config_flags re-raises a config file's error with its traceback as the message.
        last = str(cause).strip().splitlines()[-1]
        return ConfigError(last.split("Error: ", 1)[-1] if last.startswith("jaxdl.") else last)
    return None


def exit_status(error: BaseException) -> tuple[int, str] | None:
    """(exit status, one-line message) for an error the user can fix; None for a bug."""
    if isinstance(error, ImportError) and (missing := extras.missing_extra(error)) is not None:
        error = missing
    if isinstance(error, (ConfigError, app.UsageError)):
        return USAGE, _one_line(error)
    if isinstance(error, UserError):
        return RUNTIME, _one_line(error)
    if isinstance(error, ModuleNotFoundError) and error.name is None:  # raised with a pip hint
        return RUNTIME, _one_line(error)
    if isinstance(error, MemoryError) or "RESOURCE_EXHAUSTED" in str(error)[:200]:
        return RUNTIME, ("out of memory: try a smaller --config.data.batch_size or model, or "
                         "more devices")
    return None


def _verbose() -> bool:
    # Read from argv too: a parse error happens before the flag has a value.
    return (os.environ.get("JAXDL_VERBOSE", "") not in ("", "0") or "--verbose" in sys.argv
            or (flags.FLAGS.is_parsed() and VERBOSE.value))


def _exit_for(error: BaseException) -> None:
    """Exits with one line for a user's error (re-raises it with --verbose); returns for a bug."""
    status = exit_status(error)
    if status is None or _verbose():
        return
    code, message = status
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def _parse_flags(argv):
    # Config files, presets and --config.KEY overrides are read while flags are parsed.
    try:
        argv = flags.FLAGS(argv)
        if "config" in flags.FLAGS and CONFIG.value is not None:
            CONFIG.value.keys()  # a config file that failed to load raises only when first read
        return argv
    except Exception as error:  # noqa: BLE001: what is not the user's is re-raised below
        _exit_for(flag_error(error) or error)
        raise


def main(main_function) -> None:
    """Runs `main_function(argv)` as absl's app.run does, with this module's error handling."""

    def guarded(argv):
        try:
            return main_function(argv)
        except Exception as error:  # noqa: BLE001: what is not the user's is re-raised below
            _exit_for(error)
            raise

    app.run(guarded, flags_parser=_parse_flags)


def guard(main_function) -> None:
    """Runs `main_function()`, a script's main that parses its own arguments (argparse), with
    this module's error handling: a user's error as one line, exit 2 or 1 (JAXDL_VERBOSE=1 for
    the traceback)."""
    try:
        main_function()
    except Exception as error:  # noqa: BLE001: what is not the user's is re-raised below
        _exit_for(error)
        raise


def fit_and_report(task) -> dict[str, float]:
    """Trains `task` as --config says in --workdir, resuming what is there, then logs the final
    train and eval metrics on one line."""
    final = train.fit(CONFIG.value, WORKDIR.value, task)
    log("final: " + " | ".join(f"{k} {v:.4f}" for k, v in sorted(final.items())))
    return final


def run(task, modes: dict | None = None) -> None:
    """The main of an experiment: --mode=train trains `task`; `modes` maps the topic's other
    modes to functions of no arguments. --workdir is required; user errors print as one line."""
    modes = {"train": lambda: fit_and_report(task), **(modes or {})}
    flags.mark_flag_as_required("workdir")

    def run_mode(argv):
        if len(argv) > 1:
            raise ConfigError(f"unexpected arguments {argv[1:]}: flags are --name=value.")
        if MODE.value not in modes:
            raise ConfigError(f"--mode={MODE.value}: this topic has {', '.join(modes)}.")
        if pathlib.Path(WORKDIR.value).is_file():
            raise ConfigError(f"--workdir={WORKDIR.value} is a file: name a folder.")
        # orbax and grain log every save at INFO; keep the run's own progress lines readable.
        logging.set_verbosity(logging.WARNING)
        keep_freed_memory()  # before the first large allocation; see jaxdl/runtime.py
        if MULTIHOST.value:
            distributed.initialize()
        if MODE.value == "train" and CONFIG.value is None:
            raise ConfigError("--config is required to train.")
        modes[MODE.value]()

    main(run_mode)
