"""Reader for a CPT file the user licenses from the AMA and supplies ("bring your own").

Nothing AMA-owned ships with codesearch. The file is a CSV with a header row naming at least
a code column and a descriptor column, and optionally a short descriptor:

    code,descriptor,short_descriptor
    99213,"<long descriptor from your licensed file>","<short descriptor>"

Column names are matched case-insensitively; ``code``/``cpt``/``cpt code``/``hcpcs`` and
``descriptor``/``description``/``long descriptor`` are accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.records import SYSTEM_CPT, CodeRecord
from codesearch.sources.text import read_csv_text

CPT_RE = re.compile(r"^[0-9]{4}[0-9FTU]$")
CODE_NAMES = ("code", "cpt", "cpt code", "cpt_code", "hcpcs", "hcpcs code")
LONG_NAMES = ("descriptor", "description", "long descriptor", "long description", "long_descriptor")
SHORT_NAMES = ("short descriptor", "short description", "short_descriptor", "short")


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for i, name in enumerate(header):
        if name.strip().lower().replace("_", " ") in {n.replace("_", " ") for n in names}:
            return i
    return None


def read_cpt(path: str | Path) -> Iterator[CodeRecord]:
    """Yield a CodeRecord (system CPT) for each row of a user-supplied CPT CSV."""
    path = Path(path)
    text = read_csv_text(path, "a CPT CSV file")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if not header:
        raise CorpusFileError(path, "empty file, expected a header row", row=1)
    code_i, long_i, short_i = _column(header, CODE_NAMES), _column(header, LONG_NAMES), _column(header, SHORT_NAMES)
    if code_i is None or long_i is None:
        missing = "code" if code_i is None else "descriptor"
        raise CorpusFileError(path, f"missing column {missing!r} in the header", row=1)
    seen: set[str] = set()
    for rownum, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue
        code = row[code_i].strip().upper() if code_i < len(row) else ""
        if not CPT_RE.match(code):
            raise CorpusFileError(path, f"invalid CPT code {code!r} (five characters: 4 digits and a digit, F, T or U)",
                                  row=rownum, column=header[code_i])
        if code in seen:
            raise CorpusFileError(path, f"code {code} appears twice", row=rownum, column=header[code_i])
        seen.add(code)
        long = " ".join(row[long_i].split()) if long_i < len(row) else ""
        if not long:
            raise CorpusFileError(path, "empty descriptor", row=rownum, column=header[long_i])
        short = " ".join(row[short_i].split()) if short_i is not None and short_i < len(row) else ""
        yield CodeRecord(code=code, kind="procedure", system=SYSTEM_CPT, status="active",
                         short=short or long[:60], long=long)
