"""Errors that a user causes and can fix: a bad config value, an impossible mesh, a missing data
file, a diverged run, a prompt with characters the model never saw. Every such error is a
`UserError` (the others subclass it), so the command line catches one type and prints its
message as one line, without a traceback."""


class UserError(ValueError):
    pass


class DataUnavailableError(UserError, FileNotFoundError):
    """A data file is neither on disk nor downloadable; the message says how to provide it."""


class TrainingDiverged(UserError):
    """The loss or the gradient norm became NaN or infinite."""


class ConfigError(UserError):
    """The command line asks for something invalid: a config value out of its declared range, an
    unknown choice, preset or mode, a --workdir that is a file. The command line exits with 2."""


class WorkdirBusy(UserError):
    """Another training run holds the workdir (see jaxdl/workdir.py)."""


class MissingExtra(UserError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names `pip install 'jaxdl[extra]'`."""
