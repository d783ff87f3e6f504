"""The library's own exception types.

Every error raised at the library's boundary names the argument, the value it got and what was
expected, so that the CLI can print it as one line.
"""


class PracticalNNError(Exception):
    """Base class of every error practicalnn raises on purpose."""


class ConfigError(PracticalNNError, ValueError):
    """An argument has a value outside what is accepted."""


class DataError(PracticalNNError, ValueError):
    """Input data (arrays, labels, files) does not fit what is expected."""


class DataTypeError(DataError, TypeError):
    """Input data of a type that cannot be read as numbers (sparse matrices, objects)."""


class ModelFileError(PracticalNNError, ValueError):
    """A model file is missing, truncated, tampered with or not a practicalnn file."""


class TrainingDiverged(PracticalNNError, ArithmeticError):
    """The cost or the gradient stopped being finite.

    The network keeps the last parameters whose cost and gradient were finite; ``history`` holds
    what was recorded before the divergence.
    """

    def __init__(self, message, *, iteration, history=None):
        super().__init__(message)
        self.iteration = iteration
        self.history = history


def argument_error(argument, value, expected, error=ConfigError):
    """Build an error whose message reads: ``argument=value: expected ...``."""
    return error(f"{argument}={value!r}: expected {expected}")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a function that trains several runs (a recipe, a sweep, an ensemble, a study).

    It is a KeyboardInterrupt, so code that does not expect it stops as Ctrl-C always does; code that
    does (the CLI) finds in ``partial`` what had finished before the interruption (the same type the
    function would have returned, holding only completed runs, or None when nothing had), and
    ``message`` says what was interrupted. Nothing half-finished is in ``partial``.
    """

    def __init__(self, message="interrupted", partial=None):
        super().__init__(message)
        self.message = message
        self.partial = partial
