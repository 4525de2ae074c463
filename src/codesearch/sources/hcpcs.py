"""Reader for the CMS HCPCS Level II alpha-numeric release (XLSX, or the quarterly ZIP)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.records import CodeRecord

CODE_RE = re.compile(r"^[A-Z][0-9]{4}$")
CPT_RE = re.compile(r"^[0-9]{4}[0-9A-Z]$")  # Level I (AMA) codes: never loaded
MODIFIER_RE = re.compile(r"^[A-Z0-9]{2}$")
DATE_RE = re.compile(r"^[0-9]{8}$")

REQUIRED_COLUMNS = (
    "HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "COV", "BETOS",
    "ADD DT", "ACT EFF DT", "TERM DT", "ACTION CD",
)
OPTIONAL_GROUPS = {
    "PRICE": ("PRICE1", "PRICE2", "PRICE3", "PRICE4"),
    "XREF": ("XREF1", "XREF2", "XREF3", "XREF4", "XREF5"),
    "TOS": ("TOS1", "TOS2", "TOS3", "TOS4", "TOS5"),
    # Medicare coverage manual references: Coverage Issues Manual (now the NCD manual) and
    # Medicare Carriers Manual section numbers ("60-9", "2100.1").
    "MANUAL": ("CIM1", "CIM2", "CIM3", "MCM1", "MCM2", "MCM3"),
}
# RECID values from the record layout: 3/7 open a code/modifier, 4/8 continue its description.
FIRST_LINE = {"3": "code", "7": "modifier"}
CONTINUATION = {"4", "8"}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _open_workbook(path: Path):
    """Open the XLSX, or the XLSX inside a CMS ZIP, as an openpyxl read-only workbook."""
    import openpyxl  # imported here: it is the slowest import of the package

    if not path.exists():
        raise CorpusFileError(path, "file not found")
    if path.is_dir():
        raise CorpusFileError(path, "is a directory, expected an XLSX or ZIP file")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" in names:
                source = path
                label = path
            else:
                xlsx = sorted(n for n in names if n.lower().endswith(".xlsx") and "/." not in n)
                # CMS zips hold the alpha-numeric file (…ANWEB…) beside other workbooks.
                preferred = [n for n in xlsx if "anweb" in n.lower()] or xlsx
                if not preferred:
                    raise CorpusFileError(path, "ZIP archive holds no .xlsx workbook")
                source = io.BytesIO(zf.read(preferred[0]))
                label = f"{path}!{preferred[0]}"
    except zipfile.BadZipFile as exc:
        raise CorpusFileError(
            path, f"not a readable XLSX or ZIP file (truncated or corrupt?): {exc}"
        ) from None
    except zipfile.LargeZipFile as exc:  # pragma: no cover - defensive
        raise CorpusFileError(path, str(exc)) from None
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except CorpusFileError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise CorpusFileError(label, f"not a readable XLSX workbook: {exc}") from None
    return wb, label


def _find_sheet(wb, label):
    """The sheet holding the HCPCS header row (named like HCPC2025_OCT_ANWEB)."""
    candidates = [n for n in wb.sheetnames if n.upper().startswith("HCPC")] or wb.sheetnames
    for name in candidates:
        ws = wb[name]
        for i, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
            cells = [_cell(c).upper() for c in row]
            if "HCPC" in cells:
                return ws, i, cells
    raise CorpusFileError(
        label,
        f"no sheet with a 'HCPC' header row (sheets: {', '.join(wb.sheetnames)})",
    )


def _date(value: str, label, row: int, column: str) -> str | None:
    if not value:
        return None
    if not DATE_RE.match(value):
        raise CorpusFileError(label, f"malformed date {value!r} (expected YYYYMMDD)", row=row, column=column)
    return f"{value[:4]}-{value[4:6]}-{value[6:]}"


def read_hcpcs(path: str | Path) -> Iterator[CodeRecord]:
    """Yield every code and modifier of an HCPCS Level II release, in file order.

    Accepts the ``HCPC<year>_<MON>_ANWEB.xlsx`` workbook or CMS's quarterly ZIP holding it.
    Multi-line descriptions (RECID 4/8 continuation rows) are joined. Level I (CPT) codes
    are skipped: their text belongs to the AMA.
    """
    path = Path(path)
    wb, label = _open_workbook(path)
    try:
        ws, header_row, header = _find_sheet(wb, label)
        index = {name: i for i, name in enumerate(header) if name}
        missing = [c for c in REQUIRED_COLUMNS if c not in index]
        if missing:
            raise CorpusFileError(
                label, f"missing column(s) {', '.join(map(repr, missing))} in the header",
                row=header_row,
            )
        groups = {g: [index[c] for c in cols if c in index] for g, cols in OPTIONAL_GROUPS.items()}

        pending: dict | None = None
        skipped: str | None = None  # a Level I code whose continuation lines are skipped too
        seen: dict[str, int] = {}
        rows = ws.iter_rows(min_row=header_row + 1, values_only=True)
        try:
            for rownum, row in enumerate(rows, start=header_row + 1):
                def get(col: str, row=row) -> str:
                    i = index[col]
                    return _cell(row[i]) if i < len(row) else ""

                raw_code = get("HCPC")
                if not raw_code and not any(_cell(c) for c in row):
                    continue  # blank line
                recid = get("RECID")
                if recid in CONTINUATION and skipped is not None and raw_code == skipped:
                    continue
                if recid in CONTINUATION:
                    if pending is None or pending["raw"] != raw_code:
                        raise CorpusFileError(
                            label, f"continuation line for {raw_code!r} without its first line",
                            row=rownum, column="RECID",
                        )
                    pending["long"] += " " + get("LONG DESCRIPTION")
                    continue
                if recid not in FIRST_LINE:
                    raise CorpusFileError(
                        label, f"unknown record id {recid!r} (expected 3, 4, 7 or 8)",
                        row=rownum, column="RECID",
                    )
                if pending is not None:
                    yield _record(pending)
                kind = FIRST_LINE[recid]
                code = raw_code.upper()
                skipped = None
                if kind == "modifier":
                    if not MODIFIER_RE.match(code):
                        raise CorpusFileError(
                            label, f"invalid modifier {raw_code!r}", row=rownum, column="HCPC"
                        )
                elif CPT_RE.match(code):
                    pending, skipped = None, raw_code
                    continue
                elif not CODE_RE.match(code):
                    raise CorpusFileError(
                        label, f"invalid HCPCS code {raw_code!r} (expected a letter and 4 digits)",
                        row=rownum, column="HCPC",
                    )
                long = get("LONG DESCRIPTION")
                short = get("SHORT DESCRIPTION")
                if not long and not short:
                    raise CorpusFileError(
                        label, f"code {code} has no description", row=rownum, column="LONG DESCRIPTION"
                    )
                if code in seen:
                    raise CorpusFileError(
                        label, f"code {code} appears again (first at row {seen[code]})",
                        row=rownum, column="HCPC",
                    )
                seen[code] = rownum
                term = _date(get("TERM DT"), label, rownum, "TERM DT")
                pending = {
                    "raw": raw_code,
                    "code": code,
                    "kind": kind,
                    "long": long,
                    "short": short,
                    "status": "terminated" if term else "active",
                    "add_date": _date(get("ADD DT"), label, rownum, "ADD DT"),
                    "action_effective_date": _date(get("ACT EFF DT"), label, rownum, "ACT EFF DT"),
                    "termination_date": term,
                    "action_code": get("ACTION CD"),
                    "betos": get("BETOS"),
                    "coverage_code": get("COV"),
                    "pricing_codes": _group(row, groups["PRICE"]),
                    "type_of_service": _group(row, groups["TOS"]),
                    "xrefs": _group(row, groups["XREF"]),
                    "manual_refs": _manual_refs(row, groups["MANUAL"], header),
                }
        except CorpusFileError:
            raise
        except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError) as exc:
            raise CorpusFileError(label, f"workbook is damaged (truncated?): {exc}") from None
        finally:
            rows.close()  # releases the worksheet's open stream even when a row was bad
        if pending is not None:
            yield _record(pending)
    finally:
        wb.close()


def _manual_refs(row, indexes: list[int], header: list[str]) -> tuple[str, ...]:
    """The coverage manual references of a row, each with its manual: "CIM 60-9", "MCM 2100.1"."""
    return tuple(f"{header[i][:3]} {v}" for i in indexes if i < len(row) and (v := _cell(row[i])))


def _group(row, indexes: list[int]) -> tuple[str, ...]:
    values = (_cell(row[i]) for i in indexes if i < len(row))
    return tuple(v for v in values if v)


def _record(p: dict) -> CodeRecord:
    p = dict(p)
    del p["raw"]
    p["long"] = " ".join(p["long"].split()) or p["short"]
    p["short"] = p["short"] or p["long"][:28]
    return CodeRecord(**p)
