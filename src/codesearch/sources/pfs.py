"""Reader for CMS's Medicare Physician Fee Schedule relative value file (PPRRVU CSV).

CMS ships the file with banner rows (title, AMA/ADA notices, release date) above the
data, and with each column name split over several rows: ``STATUS`` over ``CODE``,
``NON-FAC`` over ``PE RVU`` and so on, the last of them being the row that starts with
``HCPCS``. Columns are found by their joined names, never by position, because 2026
releases add a ``PRIC IND`` column after ``TEAM SURG`` (and come as a ``_nonQPP`` and a
``_QPP`` file with different conversion factors).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.sources.text import read_csv_text
from codesearch.records import FeeScheduleRow
from codesearch.sources.hcpcs import CODE_RE, CPT_RE

HEADER_SEARCH_ROWS = 40
#: Rows above the ``HCPCS`` row that can hold upper parts of column names.
MAX_NAME_ROWS = 8
# Upper parts of column names are upper-case words; banner rows have lower case or digits.
_NAME_PART_RE = re.compile(r"^[A-Z][A-Z /&\-.]*$")
_NUMBER_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")

#: Field → accepted joined column names (first is CMS's current spelling).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("HCPCS",),
    "modifier": ("MOD",),
    "status": ("STATUS CODE",),
    "work_rvu": ("WORK RVU",),
    "nonfacility_pe_rvu": ("NON-FAC PE RVU", "NON-FACILITY PE RVU", "FULLY IMPLEMENTED NON-FACILITY PE RVU"),
    "facility_pe_rvu": ("FACILITY PE RVU", "FULLY IMPLEMENTED FACILITY PE RVU"),
    "mp_rvu": ("MP RVU",),
    "nonfacility_total": ("NON-FACILITY TOTAL", "NON-FAC TOTAL", "FULLY IMPLEMENTED NON-FACILITY TOTAL"),
    "facility_total": ("FACILITY TOTAL", "FULLY IMPLEMENTED FACILITY TOTAL"),
    "global_days": ("GLOB DAYS", "GLOBAL DAYS"),
    "conversion_factor": ("CONV FACTOR", "CONVERSION FACTOR"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "pricing_indicator": ("PRIC IND", "PRICING IND", "PRICING INDICATOR"),
}
NUMERIC = ("work_rvu", "nonfacility_pe_rvu", "facility_pe_rvu", "mp_rvu", "nonfacility_total",
           "facility_total", "conversion_factor")


def _join(parts: list[str]) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p.strip()).upper()


def _column_names(rows: list[list[str]], header_at: int) -> list[str]:
    """Join each column's name parts: the ``HCPCS`` row and the name rows right above it."""
    header = rows[header_at]
    start = header_at
    while start > 0 and header_at - start < MAX_NAME_ROWS:
        cells = [c.strip() for c in rows[start - 1] if c.strip()]
        if not cells or not all(_NAME_PART_RE.match(c) for c in cells):
            break
        start -= 1
    names = []
    for col in range(len(header)):
        names.append(_join([r[col] if col < len(r) else "" for r in rows[start : header_at + 1]]))
    return names


def read_pfs(path: str | Path) -> dict[str, list[FeeScheduleRow]]:
    """Map each HCPCS code to its fee schedule rows: the global row first, then modifier rows.

    Rows for Level I (CPT) codes are skipped; their descriptors belong to the AMA.
    """
    path = Path(path)
    text = read_csv_text(path, "the PFS relative value CSV")
    rows = list(csv.reader(text.splitlines()))
    header_at = next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if row and row[0].strip().upper() == "HCPCS"),
        None,
    )
    if header_at is None:
        raise CorpusFileError(
            path, f"no header row starting with 'HCPCS' in the first {HEADER_SEARCH_ROWS} rows"
        )
    names = _column_names(rows, header_at)
    where = {name: i for i, name in reversed(list(enumerate(names))) if name}

    def find(aliases: tuple[str, ...]) -> int | None:
        return next((where[a] for a in aliases if a in where), None)

    index = {field: find(aliases) for field, aliases in COLUMNS.items()}
    missing = [aliases[0] for field, aliases in COLUMNS.items() if index[field] is None]
    if missing:
        raise CorpusFileError(
            path, f"missing column(s) {', '.join(map(repr, missing))}", row=header_at + 1
        )
    index.update({field: find(aliases) for field, aliases in OPTIONAL_COLUMNS.items()})
    labels = {field: names[i] for field, i in index.items() if i is not None}

    out: dict[str, list[FeeScheduleRow]] = defaultdict(list)
    for rownum, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue

        def get(field: str, row=row) -> str:
            i = index.get(field)
            return row[i].strip() if i is not None and i < len(row) else ""

        code = get("code").upper()
        if CPT_RE.match(code):
            continue
        if not CODE_RE.match(code):
            raise CorpusFileError(path, f"invalid HCPCS code {code[:20]!r}", row=rownum, column=labels["code"])
        values: dict[str, object] = {}
        for field in NUMERIC:
            raw = get(field).replace(",", "")
            if raw == "" and field != "conversion_factor":
                values[field] = 0.0
            elif _NUMBER_RE.match(raw):
                values[field] = float(raw)
            else:
                raise CorpusFileError(
                    path, f"malformed number {get(field)[:20]!r}", row=rownum, column=labels[field]
                )
        status = get("status").upper()
        if not status:
            raise CorpusFileError(path, "empty status code", row=rownum, column=labels["status"])
        out[code].append(
            FeeScheduleRow(
                modifier=get("modifier").upper(),
                status=status,
                global_days=get("global_days").upper(),
                pricing_indicator=get("pricing_indicator"),
                **values,
            )
        )
    if not out:
        raise CorpusFileError(path, "no data rows after the header", row=header_at + 1)
    return {code: sorted(found, key=lambda r: (r.modifier != "", r.modifier)) for code, found in out.items()}


__all__ = ["COLUMNS", "read_pfs"]
