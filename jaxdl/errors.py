"""Errors that a user causes and can fix (a bad config value, an impossible mesh, a prompt with
characters the model never saw). The command line prints their message without a traceback."""


class UserError(ValueError):
    pass
