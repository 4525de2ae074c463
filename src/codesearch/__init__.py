"""codesearch: full-text and synonym search for HCPCS medical billing codes."""

from codesearch.errors import (
    BuildLockedError,
    CodeSearchError,
    CorpusFileError,
    IndexCorruptError,
    IndexMissingError,
    QueryError,
    UnknownCodeError,
)

__version__ = "0.1.0"

__all__ = [
    "BuildLockedError",
    "CodeSearchError",
    "CorpusFileError",
    "IndexCorruptError",
    "IndexMissingError",
    "QueryError",
    "UnknownCodeError",
    "__version__",
]
