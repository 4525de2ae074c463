"""The exception hierarchy: every failure a user can cause has a precise type and message."""

from __future__ import annotations


class CodeSearchError(Exception):
    """Base class for errors codesearch reports to users (never a traceback)."""


class CorpusFileError(CodeSearchError):
    """A source file is missing, of the wrong kind, or malformed.

    The message names the file and, where known, the row and column.
    """

    def __init__(self, path, message: str, *, row: int | None = None, column: str | None = None):
        self.path = str(path)
        self.row = row
        self.column = column
        where = self.path
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class ConfigError(CodeSearchError):
    """A setting (a CODESEARCH_* variable or an option) has a value codesearch cannot use."""


class IndexMissingError(CodeSearchError):
    """No built index where one was expected."""


class IndexCorruptError(CodeSearchError):
    """An index exists but cannot be read consistently."""


class BuildLockedError(CodeSearchError):
    """Another build holds the index lock."""


class QueryError(CodeSearchError):
    """A query or one of its parameters is invalid."""

    def __init__(self, message: str, *, parameter: str | None = None):
        self.parameter = parameter
        super().__init__(message)


class UnknownCodeError(CodeSearchError):
    """A code that is not in the index was asked for."""


class ChangesUnavailableError(CodeSearchError):
    """The index holds no comparison of the kind asked for (ICD-10-CM without `build --previous`)."""
class IndexWriteError(CodeSearchError):
    """The index folder cannot be written (disk full, permissions); the message names the path and cause."""
