"""Errors that the CLI turns into one-line messages and exit codes (no traceback)."""


class GreenLLMError(Exception):
    """Base class: a problem the user can fix, reported as one message."""

    exit_code = 1


class InputError(GreenLLMError):
    """Bad input: a scenario folder, config, data file or CLI argument. Exit code 2."""

    exit_code = 2


class InfeasibleError(GreenLLMError):
    """The scenario admits no feasible allocation; the message names the constraint family. Exit code 3."""

    exit_code = 3


class SolverError(GreenLLMError):
    """The solver failed or is unavailable (e.g. no usable Gurobi licence). Exit code 4."""

    exit_code = 4


class VerificationError(GreenLLMError):
    """The independent re-check found a solution that violates a constraint. Exit code 5."""

    exit_code = 5


class DataSourceError(GreenLLMError):
    """A data source failed: download, missing offline file, or a schema change. Exit code 2."""

    exit_code = 2


class OutputError(GreenLLMError):
    """An output cannot be written (a full disk, a quota, no permission); nothing existing was damaged. Exit code 2."""

    exit_code = 2


class Interrupted(GreenLLMError):
    """The user stopped a long computation (Ctrl-C); the message says what was stopped. Exit code 130."""

    exit_code = 130
