"""codesearch: full-text and synonym search for medical billing codes (HCPCS Level II,
ICD-10-CM, and CPT from a user's licensed file).

The library API, imported on first use so that ``import codesearch`` stays cheap::

    import codesearch

    codesearch.build_index(codesearch.Settings.from_env())  # once; `codesearch build` does the same
    index = codesearch.open_index("index")
    results = index.search("octagam", limit=5)    # SearchResults: results, total, systems, suggestion
    results.results[0].code                        # 'J1568'
    index.search("TIA", system="icd10cm")          # within one code system
    index.get("J1568")                             # CodeRecord: descriptors, brands, NDCs, ...
    index.ranked("wheelchair", limit=500).codes    # codes only, one ranking

Errors are :class:`CodeSearchError` subclasses, each naming what was wrong.
"""

from importlib import import_module

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

#: Public names defined in submodules, loaded when first asked for (PEP 562).
_LAZY = {
    "Settings": "codesearch.config",
    "build_index": "codesearch.build",
    "open_index": "codesearch.index",
    "CodeIndex": "codesearch.index",
    "SearchResults": "codesearch.search",
    "CodeRecord": "codesearch.records",
}

__all__ = [
    "BuildLockedError",
    "CodeIndex",
    "CodeRecord",
    "CodeSearchError",
    "CorpusFileError",
    "IndexCorruptError",
    "IndexMissingError",
    "QueryError",
    "SearchResults",
    "Settings",
    "UnknownCodeError",
    "__version__",
    "build_index",
    "open_index",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'codesearch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
