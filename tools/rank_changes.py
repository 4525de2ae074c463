"""Per-query first relevant ranks, saved and compared: how a change moves each judged query.

Development tool, run from the checkout::

    .venv/bin/python tools/rank_changes.py dump INDEX OUT.json   # every split and probe list
    .venv/bin/python tools/rank_changes.py compare BEFORE.json AFTER.json [--heldout]

``dump`` writes the first relevant rank (1-10, or none) of every judged query of
``tests/relevance``, ``tools/probes`` and ``tools/lay_probes``. A held-out split's queries are
stored by position only, never by their text, so neither file nor output shows one. ``compare``
prints, per read split and probe list, how many queries moved up and down, and lists each with
its new top five; held-out splits are left out unless ``--heldout`` is given, and then only
counted — print them only after deciding on a change from the read ones.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "tests" / "relevance", ROOT / "tools" / "probes", ROOT / "tools" / "lay_probes"]


def dump(index_dir: str, out: str) -> None:
    from codesearch.evaluate import codesearch_ranker, first_relevant_rank, load_judgements
    from codesearch.index import open_index

    index = open_index(index_dir)
    rank = codesearch_ranker(index)
    rows, seen = {}, Counter()
    for j in load_judgements([p for p in SOURCES if p.is_dir()]):
        top = rank(j)
        first = first_relevant_rank(top, j.relevant)
        if j.split.startswith("heldout"):
            seen[j.split, j.system] += 1
            rows[f"{j.split}|{j.system}|#{seen[j.split, j.system]}|{j.category}"] = [first, []]
        else:
            rows[f"{j.split}|{j.system}|{j.query}|{j.category}"] = [first, top[:5]]
    Path(out).write_text(json.dumps(rows), encoding="utf-8")
    print(f"{len(rows)} queries -> {out}")


def compare(before: str, after: str, heldout: bool) -> None:
    a = json.loads(Path(before).read_text(encoding="utf-8"))
    b = json.loads(Path(after).read_text(encoding="utf-8"))

    def value(rank):
        return 99 if rank is None else rank

    up, down, lines = Counter(), Counter(), []
    for key in sorted(set(a) & set(b)):
        split = key.split("|")[0]
        old, new = a[key][0], b[key][0]
        if value(old) == value(new) or (split.startswith("heldout") and not heldout):
            continue
        (up if value(new) < value(old) else down)[split] += 1
        if not split.startswith("heldout"):
            lines.append(f"  {'+' if value(new) < value(old) else '-'} {key}: {old} -> {new}   {' '.join(b[key][1])}")
    for split in sorted(set(up) | set(down)):
        print(f"{split:24} better {up[split]:3d} worse {down[split]:3d}")
    print(f"{'total':24} better {sum(up.values()):3d} worse {sum(down.values()):3d}")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="save every judged query's first relevant rank")
    d.add_argument("index")
    d.add_argument("out")
    c = sub.add_parser("compare", help="queries moved between two dumps")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--heldout", action="store_true", help="also count the held-out splits' moves")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.index, args.out)
    else:
        compare(args.before, args.after, args.heldout)


if __name__ == "__main__":
    main()
