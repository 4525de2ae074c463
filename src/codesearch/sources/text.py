"""Reading publisher text files: one place for the checks every CSV reader needs."""

from __future__ import annotations

from pathlib import Path

from codesearch.errors import CorpusFileError


def read_csv_text(path: Path, what: str) -> str:
    """The decoded text of a CSV ``what`` at ``path``, or a CorpusFileError naming the file.

    UTF-8 (with or without BOM) is tried first; CMS files are Windows-1252 (latin-1) in practice.
    """
    if not path.exists():
        raise CorpusFileError(path, "file not found")
    if path.is_dir():
        raise CorpusFileError(path, f"is a directory, expected {what}")
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise CorpusFileError(path, "binary data, expected a CSV text file (is this the XLSX?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
