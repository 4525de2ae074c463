"""Release-to-release changes: what is new, gone or changed in a code release.

Two sources of truth:

* the release's own action codes (HCPCS ``ACTION CD`` with ``ACT EFF DT``: A added,
  D discontinued, C/S/B descriptor changes, P payment, …), read from the current index;
* the difference between two releases of the same system computed from the files
  themselves (added, removed, reactivated, descriptor changed with a word diff), for HCPCS
  releases and ICD-10-CM tabular files alike.

A discontinued code names its replacement from the release's cross-reference (``XREF``) or,
where CMS left that empty, from a code added in the same release whose descriptor shares
the discontinued code's distinctive words (the drug or device name).
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codesearch.errors import ChangesUnavailableError, CorpusFileError
from codesearch.records import ACTIONS, SYSTEM_HCPCS, SYSTEM_ICD10CM, SYSTEMS, CodeRecord

#: Groups of a change report, in the order a coder reads them, with the action codes in each.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("added", "Added", ("A",)),
    ("discontinued", "Discontinued", ("D",)),
    ("reactivated", "Reactivated", ("R",)),
    ("descriptor", "Descriptor changed", ("B", "C", "S")),
    ("payment", "Payment or coverage changed", ("P",)),
    ("other", "Other changes (administrative data, BETOS, type of service)", ("F", "T")),
)
GROUP_OF_ACTION = {action: key for key, _, actions in GROUPS for action in actions}
GROUP_TITLES = {key: title for key, title, _ in GROUPS}

#: A word names the product (and so can find a replacement) when at most this many HCPCS
#: descriptors use it: "datopotamab" yes, "injection" no.
DISTINCTIVE_MAX_DOCS = 5
_WORD_RE = re.compile(r"[a-z][a-z0-9-]{3,}")


@dataclass(frozen=True)
class Change:
    """One code's change between releases."""

    code: str
    system: str
    group: str  # a key of GROUPS
    short: str
    long: str
    status: str
    action_code: str = ""  # the release's action code, when the change comes from it
    action: str = ""  # its meaning in CMS's record layout
    effective_date: str | None = None
    termination_date: str | None = None
    replacements: tuple[str, ...] = ()
    replacement_source: str = ""  # "XREF" or how the replacement was inferred
    old_short: str = ""
    old_long: str = ""
    diff: tuple[tuple[str, str], ...] = ()  # word diff of the long descriptor: ("=", "-", "+", text)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["diff"] = [list(d) for d in self.diff]
        out["replacements"] = list(self.replacements)
        return out


@dataclass
class ChangeReport:
    """A release's changes, grouped, with where they came from."""

    system: str
    release: str  # "Oct 2025"
    basis: str  # "action codes" or "compared with <file>"
    changes: list[Change] = field(default_factory=list)

    def grouped(self) -> list[tuple[str, str, list[Change]]]:
        """(key, title, changes) for each non-empty group, in GROUPS order, codes sorted."""
        out = []
        for key, title, _ in GROUPS:
            members = sorted((c for c in self.changes if c.group == key), key=lambda c: c.code)
            if members:
                out.append((key, title, members))
        return out

    def counts(self) -> dict[str, int]:
        return {key: len(members) for key, _, members in self.grouped()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "system_name": SYSTEMS.get(self.system, self.system),
            "release": self.release,
            "basis": self.basis,
            "total": len(self.changes),
            "counts": self.counts(),
            "groups": [
                {"group": key, "title": title, "changes": [c.to_dict() for c in members]}
                for key, title, members in self.grouped()
            ],
        }


def release_label(records: Iterable[CodeRecord]) -> str:
    """The release a set of HCPCS records is, from its most common action date: "Oct 2025"."""
    dates = Counter(r.action_effective_date for r in records if r.action_code not in ("", "N") and r.action_effective_date)
    if not dates:
        return ""
    return month_label(dates.most_common(1)[0][0])


def month_label(iso_date: str) -> str:
    """``2025-10-01`` → ``Oct 2025``."""
    year, month = iso_date[:4], int(iso_date[5:7])
    return f"{calendar.month_abbr[month]} {year}"


def new_in_release(record: CodeRecord) -> str | None:
    """``"Oct 2025"`` when the release added this code (action A), else None."""
    if record.action_code == "A" and record.action_effective_date:
        return month_label(record.action_effective_date)
    return None


def _words(text: str) -> set[str]:
    return set(_WORD_RE.findall(text.lower()))


class _Replacements:
    """Finds the code(s) replacing a discontinued one: its XREF, or an added code naming the same product."""

    def __init__(self, records: Sequence[CodeRecord], added: Sequence[CodeRecord]):
        self.doc_freq: Counter[str] = Counter()
        for r in records:
            self.doc_freq.update(_words(r.long))
        self.added = [(r.code, _words(r.long)) for r in added]

    def __call__(self, gone: CodeRecord) -> tuple[tuple[str, ...], str]:
        if gone.xrefs:
            return tuple(gone.xrefs), "XREF"
        distinctive = {w for w in _words(gone.long) if self.doc_freq[w] <= DISTINCTIVE_MAX_DOCS}
        found = [(code, distinctive & words) for code, words in self.added if code != gone.code and distinctive & words]
        if not found:
            return (), ""
        shared = sorted(set().union(*(w for _, w in found)))
        return tuple(c for c, _ in found), f"added in the same release with the same name ({', '.join(shared)})"


def release_changes(records: Iterable[CodeRecord], system: str = SYSTEM_HCPCS) -> ChangeReport:
    """The changes a release declares through its own action codes (HCPCS)."""
    records = [r for r in records if r.system == system]
    if system != SYSTEM_HCPCS:
        raise ChangesUnavailableError(
            f"{SYSTEMS.get(system, system)} releases carry no action codes; "
            "compare two releases with `codesearch changes --from OLD_FILE`"
        )
    label = release_label(records)
    acted = [r for r in records if r.action_code in GROUP_OF_ACTION]
    replacement_for = _Replacements(records, [r for r in acted if r.action_code == "A"])
    changes = []
    for r in acted:
        replacements, source = replacement_for(r) if r.action_code == "D" else ((), "")
        changes.append(Change(
            code=r.code, system=r.system, group=GROUP_OF_ACTION[r.action_code], short=r.short, long=r.long,
            status=r.status, action_code=r.action_code, action=ACTIONS.get(r.action_code, ""),
            effective_date=r.action_effective_date, termination_date=r.termination_date,
            replacements=replacements, replacement_source=source,
        ))
    return ChangeReport(system, label, "action codes in the release", changes)


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """A word-level diff: ("=", same words), ("-", removed words), ("+", added words)."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("+", " ".join(b[j1:j2])))
    return tuple(out)


def compare_releases(old: Iterable[CodeRecord], new: Iterable[CodeRecord], *, basis: str) -> ChangeReport:
    """What changed from ``old`` to ``new`` (one system), computed from the records themselves."""
    old_by = {r.code: r for r in old}
    new_list = list(new)
    new_by = {r.code: r for r in new_list}
    systems = {r.system for r in new_list} | {r.system for r in old_by.values()}
    if len(systems) > 1:
        raise ChangesUnavailableError(f"cannot compare releases of different systems ({', '.join(sorted(systems))})")
    system = systems.pop() if systems else SYSTEM_HCPCS
    replacement_for = _Replacements(
        new_list, [r for c, r in new_by.items() if r.active and (c not in old_by or not old_by[c].active)]
    )
    changes: list[Change] = []
    for code, r in sorted(new_by.items()):
        before = old_by.get(code)
        if before is None or (not before.active and r.active):
            group = "added" if before is None else "reactivated"
            changes.append(_change(r, group, before))
        elif before.active and not r.active:
            changes.append(_change(r, "discontinued", before, *replacement_for(r)))
        elif before.long != r.long or before.short != r.short:
            changes.append(_change(r, "descriptor", before))
        elif (before.pricing_codes, before.coverage_code) != (r.pricing_codes, r.coverage_code):
            changes.append(_change(r, "payment", before))
    for code, before in sorted(old_by.items()):
        if code not in new_by and before.active:
            replacements, source = replacement_for(before)
            changes.append(Change(
                code=code, system=before.system, group="discontinued", short=before.short, long=before.long,
                status="removed", replacements=replacements, replacement_source=source,
            ))
    return ChangeReport(system, release_label(new_by.values()) if system == SYSTEM_HCPCS else "", basis, changes)


def _change(r: CodeRecord, group: str, before: CodeRecord | None, replacements=(), source="") -> Change:
    described = group == "descriptor" and before is not None
    return Change(
        code=r.code, system=r.system, group=group, short=r.short, long=r.long, status=r.status,
        action_code=r.action_code, action=ACTIONS.get(r.action_code, ""),
        effective_date=r.action_effective_date, termination_date=r.termination_date,
        replacements=tuple(replacements), replacement_source=source,
        old_short=before.short if described and before.short != r.short else "",
        old_long=before.long if described else "",
        diff=word_diff(before.long, r.long) if described and before.long != r.long else (),
    )


def read_release(path: str | Path) -> list[CodeRecord]:
    """The records of a release file of any supported system, told apart by the file's kind."""
    from codesearch.sources.hcpcs import read_hcpcs
    from codesearch.sources.icd10cm import read_icd10cm

    path = Path(path)
    name = path.name.lower()
    if not path.is_file():
        raise CorpusFileError(path, "no such release file")
    if name.endswith((".xml", ".xml.gz")):
        return list(read_icd10cm(path))
    if name.endswith((".xlsx", ".zip")):
        return list(read_hcpcs(path))
    raise CorpusFileError(path, "not a release file: expected a HCPCS .xlsx/.zip or an ICD-10-CM tabular .xml/.xml.gz")


def system_of(records: Sequence[CodeRecord]) -> str:
    """The one system a release's records belong to."""
    systems = {r.system for r in records}
    return systems.pop() if len(systems) == 1 else SYSTEM_HCPCS if SYSTEM_HCPCS in systems else SYSTEM_ICD10CM


def report_from_dict(data: dict[str, Any]) -> ChangeReport:
    """Rebuild a report saved with :meth:`ChangeReport.to_dict` (a build's ``changes.json``)."""
    changes = []
    for group in data.get("groups", ()):
        for c in group["changes"]:
            c = dict(c)
            c["replacements"] = tuple(c.get("replacements", ()))
            c["diff"] = tuple(tuple(d) for d in c.get("diff", ()))
            changes.append(Change(**c))
    return ChangeReport(data["system"], data.get("release", ""), data.get("basis", ""), changes)


def compare_with_files(records: Sequence[CodeRecord], previous: Iterable[str | Path]) -> dict[str, ChangeReport]:
    """For each earlier release file, its difference with the same system's ``records``; by system."""
    out: dict[str, ChangeReport] = {}
    for path in previous:
        old = read_release(path)
        system = system_of(old)
        new = [r for r in records if r.system == system]
        if not new:
            raise CorpusFileError(path, f"is a {SYSTEMS.get(system, system)} release, but this build has no such codes")
        out[system] = compare_releases(old, new, basis=f"compared with {Path(path).name}")
    return out


def index_changes(index, system: str = SYSTEM_HCPCS, *, compared: bool = False) -> ChangeReport:
    """The changes of the index's release: its action codes, or the comparison saved at build time."""
    import json

    key = ("changes", system, compared)
    if key in index.cache:
        return index.cache[key]
    saved_path = Path(index.build) / "changes.json"
    saved = json.loads(saved_path.read_text(encoding="utf-8")) if saved_path.exists() else {}
    if compared or system != SYSTEM_HCPCS:
        if system not in saved:
            raise ChangesUnavailableError(
                f"this index holds no comparison of {SYSTEMS.get(system, system)} with an earlier release"
                + ("" if system == SYSTEM_HCPCS else " (its releases carry no action codes)")
                + ": build with `--previous OLD_FILE` or run `codesearch changes --from OLD_FILE`"
            )
        report = report_from_dict(saved[system])
    else:
        report = release_changes(index.records_of(system), system)
    index.cache[key] = report
    return report
