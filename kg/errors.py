"""Exceptions raised by kg. Only the CLI turns them into exit codes and one-line messages."""


class KGError(Exception):
    """Base class of every expected failure (bad input, bad query): exit code 1 in the CLI."""


class InputError(KGError):
    """A path or file that cannot be read or decoded."""


class NoInputError(InputError):
    """The given paths hold no readable .txt file, or none could be built. `fates`: what became of each
    input (kg.model.FileFate, for the CLI's per-file summary; empty when none was found)."""

    def __init__(self, message: str = "", fates: list | None = None):
        super().__init__(message)
        self.fates: list = list(fates or [])


class QueryError(KGError):
    """A query that cannot be parsed, is refused or failed."""


class QueryNotFound(QueryError):
    """A named query that does not exist."""


class QueryRefused(QueryError):
    """A query that would write, or reach outside the local graph."""


class QueryTimeout(QueryError):
    """A query that ran past its time limit."""


class ParameterError(QueryError):
    """A missing or invalid named-query parameter."""


class UnknownTerm(KGError):
    """A code or IRI that is not in the vocabulary or the graph."""


class StoreError(KGError):
    """A store or SPARQL endpoint that cannot be read or written."""


class ServerError(StoreError):
    """A SPARQL server at `url` that could not be reached or answered with an HTTP error (`status`, None
    when it could not be reached). A failed push exits with `exit_code` 3: the local graph is still
    written."""

    exit_code = 3

    def __init__(self, message: str = "", status: int | None = None, url: str | None = None):
        super().__init__(message)
        self.status = status
        self.url = url


class OutputError(KGError):
    """An output that cannot be written (a full disk, a refused permission): one line with the path."""


class BuildLocked(KGError):
    """Another build of the same output is running and the caller would not wait (--no-wait)."""


class ValidationFailed(KGError):
    """SHACL validation found violations."""


def first_line(exc: BaseException, default: str | None = None) -> str:
    """The first non-empty line of an exception's message (libraries put details on later lines);
    `default` (the exception's type name if None) when the message is empty."""
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    return type(exc).__name__ if default is None else default
