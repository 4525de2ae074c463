"""Reader for CMS's ASP NDC-HCPCS crosswalk CSV, in the format CMS publishes it."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.sources.text import read_csv_text
from codesearch.records import DrugProduct
from codesearch.sources.hcpcs import CODE_RE, CPT_RE

# The first column is named after the year (`_2026_CODE`); older files say `HCPCS CODE`.
CODE_COLUMN_RE = re.compile(r"^(_?\d{4}_CODE|HCPCS( CODE)?|HCPCS_CODE)$")
REQUIRED = ("LABELER NAME", "NDC2", "DRUG NAME", "HCPCS DOSAGE", "BILLUNITS", "BILLUNITSPKG")
OPTIONAL = ("PKG SIZE", "PKG QTY")
# NDCs come 5-4-2; a few device rows carry a bare 10-12 digit product identifier instead.
NDC_RE = re.compile(r"^(\d{5}-\d{4}-\d{2}|\d{10,12})$")
HEADER_SEARCH_ROWS = 40


def read_crosswalk(path: str | Path) -> dict[str, list[DrugProduct]]:
    """Map each HCPCS code to its NDC products (drug name, labeler, units).

    Banner rows before the header, the year-dependent code column, trailing empty columns
    and padded names are all handled. Rows for Level I (CPT) codes are skipped.
    """
    path = Path(path)
    text = read_csv_text(path, "the crosswalk CSV")
    rows = csv.reader(text.splitlines())
    header = None
    header_row = 0
    for rownum, row in enumerate(rows, start=1):
        cells = [c.strip().upper() for c in row]
        if cells and CODE_COLUMN_RE.match(cells[0]):
            header, header_row = cells, rownum
            break
        if rownum >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise CorpusFileError(
            path,
            f"no header row (a first column like '_2026_CODE' followed by columns such as 'NDC2') "
            f"in the first {HEADER_SEARCH_ROWS} rows",
        )
    index = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        raise CorpusFileError(
            path, f"missing column(s) {', '.join(map(repr, missing))}", row=header_row
        )
    code_column = header[0]
    out: dict[str, list[DrugProduct]] = defaultdict(list)
    for rownum, row in enumerate(rows, start=header_row + 1):
        if not any(c.strip() for c in row):
            continue

        def get(col: str, row=row) -> str:
            i = index.get(col)
            return row[i].strip() if i is not None and i < len(row) else ""

        code = row[0].strip().upper()
        if CPT_RE.match(code):
            continue
        if not CODE_RE.match(code):
            raise CorpusFileError(path, f"invalid HCPCS code {row[0]!r}", row=rownum, column=code_column)
        ndc = get("NDC2")
        if not NDC_RE.match(ndc):
            raise CorpusFileError(
                path, f"malformed NDC {ndc!r} (expected 5-4-2 digits such as 00000-0000-00)", row=rownum, column="NDC2"
            )
        name = " ".join(get("DRUG NAME").split())
        if not name:
            raise CorpusFileError(path, "empty drug name", row=rownum, column="Drug Name")
        out[code].append(
            DrugProduct(
                ndc=ndc,
                drug_name=name,
                labeler=" ".join(get("LABELER NAME").split()),
                dosage=" ".join(get("HCPCS DOSAGE").split()),
                package_size=get("PKG SIZE"),
                package_quantity=get("PKG QTY"),
                billing_units=get("BILLUNITS"),
                billing_units_per_package=get("BILLUNITSPKG"),
            )
        )
    if not out:
        raise CorpusFileError(path, "no data rows after the header", row=header_row)
    return dict(out)
