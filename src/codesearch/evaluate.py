"""Relevance evaluation: judged queries → hit@1, hit@5 and MRR@10 per category and overall.

The judged set is data (``tests/relevance/<split>/<system>.tsv``: category, query, relevant
codes). Thirty-two splits: ``tuning`` to ``tuning12`` (the queries the vocabulary and ranking
were tuned on; the second to twelfth written blind, like the held-out sets, and then read), ``heldout``
(written apart from the engine and never tuned on, but its failures were read), ``heldout2``
to ``heldout20`` (written blind from the official files, committed before the changes they
measure, never read by those changing the engine). A file's name is the system its
queries search within (``icd10cm.tsv``); ``any.tsv`` searches every system. The same metrics
are computed for a plain BM25 search over the descriptors alone, so the gain from expansion is
measured rather than asserted, and with each source switched off in turn (:func:`ablation`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import qparser

from codesearch.errors import CorpusFileError
from codesearch.index import CodeIndex
from codesearch.ranking import SOURCES
from codesearch.records import normalize_system
from codesearch.search import search

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "tests" / "relevance"
SPLITS = ("tuning", "tuning2", "tuning3", "tuning4", "tuning5", "tuning6", "tuning7", "tuning8", "tuning9", "tuning10", "tuning11", "tuning12", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10", "heldout11", "heldout12", "heldout13", "heldout14", "heldout15", "heldout16", "heldout17", "heldout18", "heldout19", "heldout20")


@dataclass(frozen=True)
class Judgement:
    """A query and the codes that count as a right answer."""

    category: str
    query: str
    relevant: frozenset[str]
    system: str | None = None  # a suite file named after a system (icd10cm.tsv) searches only it
    split: str = ""  # the folder the file is in: tuning or heldout


@dataclass
class Metrics:
    """Aggregated scores for a set of queries."""

    queries: int = 0
    hit1: float = 0.0
    hit5: float = 0.0
    mrr10: float = 0.0

    def add(self, rank: int | None) -> None:
        self.queries += 1
        if rank is not None:
            self.hit1 += rank == 1
            self.hit5 += rank <= 5
            self.mrr10 += 1.0 / rank if rank <= 10 else 0.0

    def averaged(self) -> Metrics:
        n = self.queries or 1
        return Metrics(self.queries, self.hit1 / n, self.hit5 / n, self.mrr10 / n)


def load_judgements(paths: Iterable[str | Path] | None = None, split: str = "all") -> list[Judgement]:
    """Read judged queries from TSV files (default: every ``tests/relevance/<split>/*.tsv``).

    ``split`` is ``tuning``, ``heldout`` or ``all``; a folder among ``paths`` stands for its TSV files.
    """
    if split != "all" and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; known: {', '.join(SPLITS)}, all")
    files: list[Path] = []
    for p in [Path(p) for p in paths] if paths else [DEFAULT_SUITE]:
        files += sorted(p.rglob("*.tsv")) if p.is_dir() else [p]
    if split != "all":
        files = [f for f in files if f.parent.name == split]
    out = []
    for path in files:
        try:
            system = normalize_system(path.name.split(".")[0])
        except ValueError:
            system = None
        with path.open(encoding="utf-8", newline="") as fh:
            lines = (line for line in fh if line.strip() and not line.startswith("#"))
            reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
            for rownum, row in enumerate(reader, start=2):
                relevant = frozenset((row.get("relevant") or "").split())
                if not row.get("query") or not relevant:
                    raise CorpusFileError(path, "a judged query needs a query and relevant codes", row=rownum)
                out.append(Judgement(row["category"].strip(), row["query"].strip(), relevant, system,
                                     path.parent.name))
    return out


def first_relevant_rank(codes: list[str], relevant: frozenset[str]) -> int | None:
    """1-based rank of the first relevant code, or None."""
    for i, code in enumerate(codes, start=1):
        if code in relevant:
            return i
    return None


def codesearch_ranker(index: CodeIndex, disable: Iterable[str] = ()) -> Callable[[Judgement], list[str]]:
    """The full engine (expansion, prefixes, synonyms, priors), less the ``disable``d sources."""
    disable = frozenset(disable)
    return lambda j: [r.code for r in search(index, j.query, limit=10, system=j.system, disable=disable).results]


def bm25_ranker(index: CodeIndex) -> Callable[[Judgement], list[str]]:
    """Baseline: Whoosh BM25F over the short and long descriptors, words ORed, no expansion."""
    parser = qparser.MultifieldParser(["short", "long"], index.searcher.schema, group=qparser.OrGroup)
    parser.remove_plugin_class(qparser.WildcardPlugin)

    def rank(j: Judgement) -> list[str]:
        from whoosh.query import And, Term

        flt = Term("status", "active")
        if j.system:
            flt = And([flt, Term("system", j.system)])
        with index.lock:
            hits = index.searcher.search(parser.parse(j.query), limit=10, filter=flt)
            return [h["code"] for h in hits]

    return rank


def evaluate(judgements: list[Judgement], ranker: Callable[[Judgement], list[str]]) -> dict[str, Metrics]:
    """Metrics per category and ``"overall"``."""
    sums: dict[str, Metrics] = defaultdict(Metrics)
    for j in judgements:
        rank = first_relevant_rank(ranker(j), j.relevant)
        sums[j.category].add(rank)
        sums["overall"].add(rank)
    return {k: v.averaged() for k, v in sorted(sums.items(), key=lambda kv: (kv[0] == "overall", kv[0]))}


def ablation(judgements: list[Judgement], index: CodeIndex) -> dict[str, Metrics]:
    """Overall metrics with everything on (``"all sources"``) and with each source switched off."""
    out = {"all sources": evaluate(judgements, codesearch_ranker(index))["overall"]}
    for source in SOURCES:
        out[f"without {source}"] = evaluate(judgements, codesearch_ranker(index, {source}))["overall"]
    return out


def ablation_table(results: dict[str, dict[str, Metrics]]) -> str:
    """A Markdown table of :func:`ablation` results, one column pair per split."""
    splits = list(results)
    lines = ["| sources | " + " | ".join(f"{s} hit@1 | {s} hit@5" for s in splits) + " |",
             "|---|" + "---:|---:|" * len(splits)]
    for row in next(iter(results.values())):
        cells = " | ".join(f"{results[s][row].hit1:.3f} | {results[s][row].hit5:.3f}" for s in splits)
        lines.append(f"| {row} | {cells} |")
    return "\n".join(lines)


def failures(judgements: list[Judgement], ranker: Callable[[Judgement], list[str]], k: int = 5):
    """Judged queries whose first relevant code is not in the top ``k``, with what came back."""
    out = []
    for j in judgements:
        codes = ranker(j)
        rank = first_relevant_rank(codes, j.relevant)
        if rank is None or rank > k:
            out.append((j, rank, codes[:k]))
    return out


def table(ours: dict[str, Metrics], baseline: dict[str, Metrics]) -> str:
    """A Markdown table of both engines' metrics."""
    lines = [
        "| category | queries | hit@1 | hit@5 | MRR@10 | BM25 hit@1 | BM25 hit@5 | BM25 MRR@10 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cat, m in ours.items():
        b = baseline.get(cat, Metrics())
        name = f"**{cat}**" if cat == "overall" else cat
        lines.append(
            f"| {name} | {m.queries} | {m.hit1:.3f} | {m.hit5:.3f} | {m.mrr10:.3f} "
            f"| {b.hit1:.3f} | {b.hit5:.3f} | {b.mrr10:.3f} |"
        )
    return "\n".join(lines)
