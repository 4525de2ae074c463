"""Reader for the ICD-10-CM tabular list (CDC XML, optionally gzipped), as published."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from codesearch.errors import CorpusFileError
from codesearch.records import SYSTEM_ICD10CM, CodeRecord

CODE_RE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](\.[0-9A-Z]{1,4})?$")  # QA0.01 (2026) has a letter second
SYNONYM_TAGS = ("inclusionTerm", "includes")
#: Tabular-list instructional notes kept on each record: XML tag → CodeRecord field. A note on a
#: category applies to every code under it, so a code carries its own notes, then its ancestors'.
NOTE_FIELDS = {
    "includes": "includes", "excludes1": "excludes1", "excludes2": "excludes2",
    "codeFirst": "code_first", "useAdditionalCode": "use_additional_code", "codeAlso": "code_also",
}


def _notes(elem: ET.Element, tags=SYNONYM_TAGS) -> list[str]:
    out = []
    for tag in tags:
        for holder in elem.findall(tag):
            out.extend(" ".join((n.text or "").split()) for n in holder.findall("note"))
    return [n for n in out if n]


def _seven(elem: ET.Element) -> list[tuple[str, str]]:
    holder = elem.find("sevenChrDef")
    if holder is None:
        return []
    return [(e.get("char", ""), " ".join((e.text or "").split())) for e in holder.findall("extension")]


def extend(code: str, char: str) -> str:
    """A 7th-character code: the base padded with placeholder X to six characters, then the 7th."""
    bare = code.replace(".", "")
    full = bare.ljust(6, "X") + char
    return f"{full[:3]}.{full[3:]}"


def _open(path: Path):
    if not path.exists():
        raise CorpusFileError(path, "file not found")
    if path.is_dir():
        raise CorpusFileError(path, "is a directory, expected the ICD-10-CM tabular XML")
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else path.open("rb")


def read_icd10cm(path: str | Path) -> Iterator[CodeRecord]:
    """Yield every billable ICD-10-CM code, with 7th-character extensions built out.

    A code is billable when its ``diag`` has no child ``diag``; where it or an ancestor
    defines ``sevenChrDef``, the billable codes are its 7-character extensions instead.
    Inclusion terms become synonyms; chapter, block and parent are kept.
    """
    path = Path(path)
    try:
        with _open(path) as fh:
            root = ET.parse(fh).getroot()
    except CorpusFileError:
        raise
    except (ET.ParseError, EOFError, OSError, gzip.BadGzipFile) as exc:
        raise CorpusFileError(path, f"not a readable ICD-10-CM tabular XML (truncated?): {exc}") from None
    if root.tag != "ICD10CM.tabular":
        raise CorpusFileError(path, f"root element is <{root.tag}>, expected <ICD10CM.tabular>")
    chapters = root.findall("chapter")
    if not chapters:
        raise CorpusFileError(path, "no <chapter> elements")
    for chapter in chapters:
        chapter_title = " ".join((chapter.findtext("desc") or "").split())
        for section in chapter.findall("section"):
            block = " ".join((section.findtext("desc") or "").split())
            block_id = section.get("id", "")
            for diag in section.findall("diag"):
                # The block's description usually ends with its range already: "... (I10-I1A)".
                label = block if not block_id or block.endswith(f"({block_id})") else f"{block} ({block_id})"
                yield from _walk(path, diag, chapter_title, label, parent="", seven=[], inherited=[],
                                 lineage=())


def _own_notes(diag: ET.Element) -> dict[str, list[str]]:
    return {field: _notes(diag, (tag,)) for tag, field in NOTE_FIELDS.items()}


def _walk(path, diag, chapter, block, parent, seven, inherited, lineage) -> Iterator[CodeRecord]:
    name = (diag.findtext("name") or "").strip()
    desc = " ".join((diag.findtext("desc") or "").split())
    if not CODE_RE.match(name):
        raise CorpusFileError(path, f"invalid ICD-10-CM code {name!r} in a <diag>", column="name")
    if not desc:
        raise CorpusFileError(path, f"code {name} has no <desc>", column="desc")
    seven = _seven(diag) or seven
    synonyms = _notes(diag)
    children = diag.findall("diag")
    # (code, description, its notes) of this code and every category above it, nearest last.
    lineage = (*lineage, (name, desc, _own_notes(diag)))
    if children:
        for child in children:
            # A category's inclusion terms describe its subcodes too.
            yield from _walk(path, child, chapter, block, name, seven, inherited + synonyms, lineage)
        return
    notes = {
        field: tuple(dict.fromkeys(n for _, _, own in reversed(lineage) for n in own[field]))
        for field in NOTE_FIELDS.values()
    }
    common = dict(
        kind="diagnosis", system=SYSTEM_ICD10CM, status="active", chapter=chapter, block=block,
        synonyms=tuple(dict.fromkeys(synonyms + inherited[-4:])),
        ancestors=tuple(f"{code} {text}" for code, text, _ in lineage[:-1]), **notes,
    )
    if seven:
        for char, label in seven:
            text = f"{desc}, {label}" if label else desc
            yield CodeRecord(code=extend(name, char), short=text, long=text, parent=name,
                             **{**common, "ancestors": common["ancestors"] + (f"{name} {desc}",)})
    else:
        yield CodeRecord(code=name, short=desc, long=desc, parent=parent, **common)
