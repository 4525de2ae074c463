"""The `codesearch` command: a thin click shell over the library."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from codesearch import __version__
from codesearch.config import MAX_LIMIT, Settings
from codesearch.changes import GROUPS as CHANGE_GROUPS
from codesearch.errors import ChangesUnavailableError, CodeSearchError, IndexCorruptError, IndexMissingError
from codesearch.records import normalize_system

MARK_RE = re.compile(r"<mark>(.*?)</mark>")


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _fail(exc: CodeSearchError) -> click.ClickException:
    return click.ClickException(str(exc))


def systems_line(systems: dict[str, int]) -> str:
    """Matches per code system, as `12 HCPCS · 144 ICD-10-CM`."""
    from codesearch.records import SYSTEMS

    # The first word of each system's name: "HCPCS Level II" → HCPCS, "ICD-10-CM" → ICD-10-CM.
    return " · ".join(f"{n} {SYSTEMS.get(s.upper(), s).split()[0]}" for s, n in systems.items())


def _terminal(snippet: str) -> str:
    import html

    parts, pos = [], 0
    for m in MARK_RE.finditer(snippet):
        parts.append(html.unescape(snippet[pos : m.start()]))
        parts.append(click.style(html.unescape(m.group(1)), bold=True, fg="yellow"))
        pos = m.end()
    parts.append(html.unescape(snippet[pos:]))
    return "".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codesearch")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Folder of CMS/CDC source files [env CODESEARCH_DATA_DIR; default: the release embedded in the package].")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Index folder [env CODESEARCH_INDEX_DIR; default: ./index in a checkout, else the per-user cache].")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, index_dir: str | None) -> None:
    """Search medical billing codes by code, brand, abbreviation, plain words or NDC.

    Code systems: HCPCS Level II (CMS release, with the ASP NDC crosswalk and the physician
    fee schedule), ICD-10-CM diagnoses (CDC/NCHS tabular list) when its XML is in the data
    folder, and CPT from your own licensed file (build --cpt FILE). `query --system` narrows
    to one of hcpcs, icd10cm or cpt.

    \b
    Example:
        codesearch build
        codesearch query octagam
    """
    ctx.ensure_object(dict)
    ctx.obj["settings"] = Settings.from_env(data_dir=data_dir, index_dir=index_dir)


def _do_build(settings: Settings, show_progress: bool = True) -> dict:
    from codesearch.build import build_index

    bars: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = click.progressbar(length=total, label=f"{stage:<18}", file=sys.stderr,
                                    show_eta=False, width=30)
            bar.__enter__()
            bars[stage] = bar
            bar.done = 0
        bar.update(done - bar.done)
        bar.done = done
        if done >= total:
            bar.__exit__(None, None, None)

    try:
        return build_index(settings, progress=progress if show_progress else None)
    finally:
        for bar in bars.values():
            if not bar.finished:
                bar.__exit__(None, None, None)


@cli.command()
@click.option("--hcpcs", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="HCPCS release (.xlsx or CMS .zip) instead of the newest in DATA_DIR/hcpcs.")
@click.option("--crosswalk", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="ASP NDC-HCPCS crosswalk CSV instead of the newest in DATA_DIR/asp_crosswalk.")
@click.option("--icd10cm", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="ICD-10-CM tabular XML (.xml or .xml.gz) instead of the newest in DATA_DIR/icd10cm.")
@click.option("--cpt", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Your licensed CPT file (CSV: code, descriptor, optional short descriptor).")
@click.option("--system", "systems", multiple=True,
              type=click.Choice(["hcpcs", "icd10cm", "cpt"], case_sensitive=False),
              help="Build only these systems (repeatable) [default: every system with a source file].")
@click.option("--previous", "previous", multiple=True, type=click.Path(dir_okay=False, path_type=str),
              help="An earlier HCPCS or ICD-10-CM release to compare with (repeatable): `codesearch changes --compared`.")
@click.pass_context
def build(ctx: click.Context, hcpcs: str | None, crosswalk: str | None, icd10cm: str | None,
          cpt: str | None, systems: tuple[str, ...], previous: tuple[str, ...]) -> None:
    """Build the search index from the CMS files, replacing the old one only when complete.

    \b
    Example:
        codesearch --data-dir ../shared/corpus build
        codesearch build --hcpcs HCPC2026_JAN_ANWEB.xlsx --previous HCPC2025_OCT_ANWEB.xlsx
    """
    from dataclasses import replace
    from pathlib import Path

    settings = _settings(ctx)
    if hcpcs:
        settings = replace(settings, hcpcs_file=Path(hcpcs))
    if crosswalk:
        settings = replace(settings, crosswalk_file=Path(crosswalk))
    if icd10cm:
        settings = replace(settings, icd10cm_file=Path(icd10cm))
    if cpt:
        settings = replace(settings, cpt_file=Path(cpt))
    if systems:
        settings = replace(settings, systems=tuple(normalize_system(s) for s in systems))
    if previous:
        settings = replace(settings, previous_files=tuple(Path(p) for p in previous))
    try:
        manifest = _do_build(settings)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    counts = manifest["counts"]
    parts = [f"{counts.get('codes', 0)} HCPCS codes ({counts.get('codes_active', 0)} active)",
             f"{counts.get('modifiers', 0)} modifiers"]
    if counts.get("diagnoses"):
        parts.append(f"{counts['diagnoses']} ICD-10-CM codes")
    if counts.get("procedures"):
        parts.append(f"{counts['procedures']} CPT codes")
    click.echo(
        f"Built index {manifest['build_id']} in {manifest['build_seconds']} s: "
        f"{', '.join(parts)}, {manifest['ndcs']} NDCs -> {settings.index_dir}"
    )


def open_or_build(settings: Settings, quiet: bool = False):
    """Open the index, building it first when there is none yet."""
    from codesearch.index import open_index

    try:
        index = open_index(settings.index_dir)
    except IndexMissingError:
        if not quiet:
            click.echo(f"No index in {settings.index_dir} yet; building it from {settings.data_dir}", err=True)
        _do_build(settings, show_progress=not quiet)
        index = open_index(settings.index_dir)
    if index.degraded:
        click.echo(f"Warning: {index.degraded}", err=True)
    return index


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON object the web API returns.")
@click.option("--include-terminated", is_flag=True, help="Include codes with a termination date.")
@click.option("--section", default=None, help="Only HCPCS codes of one section letter (A, E, J, …) or MOD.")
@click.option("--system", type=click.Choice(["hcpcs", "icd10cm", "cpt"], case_sensitive=False), default=None,
              help="Only codes of one code system [default: all].")
@click.option("--no-prefix", is_flag=True, help="Treat the last word as complete, not as a prefix.")
@click.pass_context
def query(ctx, text, limit, offset, as_json, include_terminated, section, system, no_prefix):
    """Search for TEXT: a code, code prefix, NDC, brand, abbreviation or words.

    \b
    Example:
        codesearch query octagam
        codesearch query "immune globulin" --limit 20 --json
    """
    from codesearch.search import search

    settings = _settings(ctx)
    try:
        index = open_or_build(settings, quiet=as_json)
        res = search(index, " ".join(text), limit=limit, offset=offset,
                     include_terminated=include_terminated, section=section, system=system,
                     prefix=not no_prefix)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(res.to_dict(), indent=2))
        return
    if not res.results:
        hint = f' Did you mean "{res.suggestion}"?' if res.suggestion else ""
        click.echo(f"No codes match {res.query!r}.{hint}")
        ctx.exit(1)
    for fixed_from, fixed_to in res.corrections.items():
        click.echo(click.style(f'(did you mean "{fixed_to}" for "{fixed_from}")', dim=True))
    shown_to = offset + len(res.results)
    matches = "1 code matches" if res.total == 1 else f"{res.total} codes match"
    click.echo(f"{matches} {res.query!r}; showing {offset + 1}-{shown_to} ({systems_line(res.systems)})")
    for r in res.results:
        status = "" if r.status == "active" else click.style(f" [{r.status}]", fg="red")
        if r.new_in:
            status += click.style(f" [new {r.new_in}]", fg="green")
        click.echo(f"{click.style(f'{r.code:<8}', bold=True)} {r.system:<7}  {r.title}{status}")
        click.echo(f"        {_terminal(r.snippet)}")
        if r.matched:
            click.echo(click.style(f"        matched: {'; '.join(r.matched[:3])}", dim=True))
        for p in r.products:
            click.echo(f"        NDC {p['ndc']}: {p['drug_name']} ({p['labeler']}), {p['dosage']}")


@cli.command()
@click.option("--system", type=click.Choice(["hcpcs", "icd10cm"], case_sensitive=False), default=None,
              help="Which system's release [default: hcpcs, or the system of --from].")
@click.option("--from", "old_file", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="An earlier release file: list what changed from it to the indexed release.")
@click.option("--compared", is_flag=True, help="Show the comparison saved by `build --previous` instead of action codes.")
@click.option("--group", type=click.Choice([g[0] for g in CHANGE_GROUPS]), default=None,
              help="Only one group of changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON object /api/changes returns.")
@click.pass_context
def changes(ctx, system, old_file, compared, group, as_json):
    """What changed in this release: codes added, discontinued and changed.

    Without --from, the release's own action codes (HCPCS ACTION CD with its effective
    date); with --from OLD_FILE, the difference between that release and the indexed one,
    computed from the files (HCPCS .xlsx/.zip or ICD-10-CM tabular .xml/.xml.gz), with a
    word diff of changed descriptors.

    \b
    Example:
        codesearch changes
        codesearch changes --group added --json
        codesearch changes --from HCPC2025_JUL_ANWEB.xlsx
    """
    from pathlib import Path

    from codesearch.changes import compare_releases, index_changes, read_release, system_of

    settings = _settings(ctx)
    try:
        index = open_or_build(settings, quiet=as_json)
        if old_file:
            old = read_release(old_file)
            old_system = system_of(old)
            if system and normalize_system(system) != old_system:
                raise ChangesUnavailableError(f"{old_file} is a {old_system} release, not {system}")
            new = index.records_of(old_system)
            report = compare_releases(old, new, basis=f"compared with {Path(old_file).name}")
        else:
            report = index_changes(index, normalize_system(system or "hcpcs"), compared=compared)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    data = report.to_dict()
    if group:
        data["groups"] = [g for g in data["groups"] if g["group"] == group]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    release = f" {data['release']}" if data["release"] else ""
    counts = ", ".join(f"{n} {key}" for key, n in data["counts"].items()) or "no changes"
    click.echo(f"{data['system_name']}{release} ({data['basis']}): {counts}")
    for g in data["groups"]:
        click.echo(click.style(f"\n{g['title']} ({len(g['changes'])})", bold=True))
        for c in g["changes"]:
            when = (f"  ended {c['termination_date']}" if c["termination_date"]
                    else f"  effective {c['effective_date']}" if c["effective_date"] else "")
            if c["action_code"] in ("B", "C", "S", "P", "F", "T"):
                when += f"  ({c['action']})"
            code = click.style(f"{c['code']:<9}", bold=True)
            click.echo(f"{code}{c['short'] or c['long']}{click.style(when, dim=True)}")
            if c["replacements"]:
                click.echo(f"         use instead: {', '.join(c['replacements'])} ({c['replacement_source']})")
            if c["diff"]:
                click.echo("         " + " ".join(_diff_text(op, text) for op, text in c["diff"]))


def _diff_text(op: str, text: str) -> str:
    if op == "-":
        return click.style(f"[-{text}-]", fg="red")
    if op == "+":
        return click.style(f"{{+{text}+}}", fg="green")
    return text


@cli.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.pass_context
def show(ctx, code, as_json):
    """Show everything the index holds about CODE.

    \b
    Example:
        codesearch show J1568
    """
    settings = _settings(ctx)
    try:
        index = open_or_build(settings, quiet=as_json)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    record = index.get(code)
    if record is None:
        raise click.ClickException(f"unknown code {code!r}")
    data = record.describe()
    from codesearch.billing import billing_facts
    from codesearch.describe import plain_language

    data["plain"] = plain_language(record, index.lexicon)
    data.update(billing_facts(record))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(click.style(f"{record.code} — {record.short}", bold=True))
    click.echo(record.long)
    rows = [
        ("System", record.system),
        ("Status", record.status + (f" (terminated {record.termination_date})" if record.termination_date else "")),
        ("Section", record.section),
        ("BETOS", f"{record.betos} {record.betos_description}".strip()),
        ("Coverage", f"{record.coverage_code} {record.coverage}".strip()),
        ("Pricing", "; ".join(f"{c} {m}" for c, m in zip(record.pricing_codes, record.pricing))),
        ("Added", record.add_date or ""),
        ("Action", f"{record.action_code} {record.action} (effective {record.action_effective_date})"),
        ("Also known as", ", ".join(record.brands)),
        ("Abbreviations", ", ".join(record.abbreviations)),
        ("Plain language", plain_language(record, index.lexicon)),
        ("Cross-reference", ", ".join(record.xrefs)),
        ("Coverage manual", ", ".join(record.manual_refs)),
    ]
    for label, value in rows:
        if value:
            click.echo(f"{label + ':':<16} {value}")
    for label, value in _billing_rows(record, data):
        click.echo(f"{label + ':':<16} {value}")
    if record.products:
        click.echo(f"NDCs ({len(record.products)}):")
        for p in record.products:
            click.echo(f"  {p.ndc}  {p.drug_name:<24} {p.labeler:<36} {p.dosage}, {p.billing_units} units/NDC unit")


def _billing_rows(record, facts: dict) -> list[tuple[str, str]]:
    """`show` lines for the fee schedule RVUs, or why there are none, and the billing unit."""
    rows = []
    for r in facts["rvus"]:
        name = f"modifier {r['modifier']}" if r["modifier"] else "global"
        if r["modifier"]:
            rows.append((f"RVUs {r['modifier']}",
                         f"work {r['work_rvu']:.2f}, PE {r['nonfacility_pe_rvu']:.2f}/{r['facility_pe_rvu']:.2f}, "
                         f"MP {r['mp_rvu']:.2f}, total {r['nonfacility_total']:.2f}/{r['facility_total']:.2f} "
                         f"non-facility/facility (${r['nonfacility_estimate']:.2f}/${r['facility_estimate']:.2f}), "
                         f"status {r['status']}"))
            continue
        rows.append(("PFS status", f"{r['status']} {r['status_meaning']}".strip() + f" ({name} row)"))
        if not facts["has_rvus"]:
            continue
        rows += [
            ("Work RVU", f"{r['work_rvu']:.2f}"),
            ("PE RVU", f"{r['nonfacility_pe_rvu']:.2f} non-facility, {r['facility_pe_rvu']:.2f} facility"),
            ("MP RVU", f"{r['mp_rvu']:.2f}"),
            ("Total RVU", f"{r['nonfacility_total']:.2f} non-facility, {r['facility_total']:.2f} facility"),
            ("Global days", r["global_days"]),
        ]
        rows.append(("Payment", f"${r['nonfacility_estimate']:.2f} non-facility, ${r['facility_estimate']:.2f} "
                                f"facility ({r['estimate_label']}; conversion factor {r['conversion_factor']})"))
    if facts["payment_note"]:
        rows.append(("Payment", facts["payment_note"]))
    unit = facts.get("billing_unit")
    if unit:
        rows.append(("Billing unit", f"{unit['label']} (from the {unit['source']}); "
                                     f"codesearch units {record.code} DOSE gives units for a dose"))
    return rows


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("code")
@click.argument("dose", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON object the web API returns.")
@click.pass_context
def units(ctx, code, dose, as_json):
    """Billing units for DOSE of drug CODE, rounded up, with the arithmetic.

    The billing unit is read from the code's descriptor (or the ASP crosswalk dosage);
    the dose may be in g, mg, mcg, units/IU, ml/cc and so on.

    \b
    Example:
        codesearch units J1568 "35 g"
        codesearch units J9271 200 mg
    """
    from codesearch.billing import units_for_dose

    settings = _settings(ctx)
    try:
        index = open_or_build(settings, quiet=as_json)
        record = index.get(code)
        if record is None:
            raise click.ClickException(f"unknown code {code!r}")
        answer = units_for_dose(record, " ".join(dose))
    except CodeSearchError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2))
        return
    click.echo(f"{record.code} — {record.short}: billed per {answer.billing_unit} (from the {answer.unit_source})")
    click.echo(answer.arithmetic)
    click.echo(click.style(f"{answer.units} {'unit' if answer.units == 1 else 'units'}", bold=True))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes; each opens the index once.")
@click.option("--threads", default=None, type=click.IntRange(1, 1024),
              help="Threads per worker; a slow client holds one [default: 256].")
@click.option("--access-log", "access_log", default=None, is_flag=False, flag_value="-", metavar="[PATH]",
              help="One JSON line per request, to standard error or appended to PATH "
                   "[env CODESEARCH_ACCESS_LOG; default off].")
@click.option("--metrics/--no-metrics", "metrics", default=None,
              help="Prometheus /metrics [env CODESEARCH_METRICS; default on].")
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Serve /metrics only on this port, not on --port [env CODESEARCH_METRICS_PORT].")
@click.option("--metrics-host", default=None,
              help="Address of --metrics-port [env CODESEARCH_METRICS_HOST; default 127.0.0.1].")
@click.option("--analytics/--no-analytics", "analytics", default=None,
              help="Count queries that found nothing or whose first result was not opened "
                   "[env CODESEARCH_ANALYTICS; default off].")
@click.pass_context
def serve(ctx, host, port, workers, threads, access_log, metrics, metrics_port, metrics_host, analytics):
    """Serve the search page and JSON API under gunicorn, building the index first if needed.

    \b
    Example:
        codesearch serve --port 8000 --workers 2
        curl 'http://127.0.0.1:8000/api/search?q=octagam'
        codesearch serve --metrics-port 9100 --access-log /var/log/codesearch.jsonl --analytics
    """
    from codesearch.config import OpsSettings
    from codesearch.web.server import serve as run_server

    settings = _settings(ctx)
    try:
        ops = OpsSettings.from_env(access_log=access_log, metrics=metrics, metrics_port=metrics_port,
                                   metrics_host=metrics_host, analytics=analytics)
        if ops.metrics and ops.metrics_port == port:
            raise click.ClickException(f"--metrics-port {port} is the port the site is served on; pick another")
        ops.check_writable(settings.index_dir)
        open_or_build(settings).close()
    except IndexCorruptError as exc:
        # A damaged index must not keep the server down: it answers 503 saying why until a good build lands.
        click.echo(f"Warning: {exc}; answering 503 until a good build exists", err=True)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    click.echo(f"Serving codesearch on http://{host}:{port}/ ({workers} workers); Ctrl-C stops", err=True)
    if ops.metrics:
        where = f"{ops.metrics_host}:{ops.metrics_port}" if ops.metrics_port else f"{host}:{port}"
        click.echo(f"Metrics on http://{where}/metrics", err=True)
    if ops.analytics:
        click.echo(f"Search analytics to {ops.analytics_path(settings.index_dir)}", err=True)
    try:
        run_server(str(settings.index_dir), host=host, port=port, workers=workers,
                   **({"threads": threads} if threads else {}), ops=ops)
    except CodeSearchError as exc:
        raise _fail(exc) from None


@cli.command()
@click.option("--kind", type=click.Choice(["zero", "unopened"]), default="zero", show_default=True,
              help="zero: searches that found nothing; unopened: searches whose first result was never opened.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {query, count, searches, opened, opened_first}.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Analytics database [env CODESEARCH_ANALYTICS_DB; default INDEX/analytics.sqlite3].")
@click.pass_context
def misses(ctx, kind, limit, as_json, db):
    """List the most frequent searches that found nothing (or whose first result went unopened).

    Needs `codesearch serve --analytics` (or CODESEARCH_ANALYTICS=on) to have recorded them.

    \b
    Example:
        codesearch misses --limit 20
        codesearch misses --kind unopened --json
    """
    from codesearch.analytics import AnalyticsStore
    from codesearch.config import OpsSettings

    try:
        ops = OpsSettings.from_env(analytics_db=Path(db) if db else None)
        found = AnalyticsStore(ops.analytics_path(_settings(ctx).index_dir), ops.analytics_retention_days
                               ).misses(kind, limit)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps([m.to_dict() for m in found], indent=2))
        return
    if not found:
        click.echo(f"no {'zero-result' if kind == 'zero' else 'unopened'} searches recorded in the last "
                   f"{ops.analytics_retention_days} days")
        return
    label = "found nothing" if kind == "zero" else "searched, first result never opened"
    click.echo(f"{'count':>7}  query ({label})")
    for m in found:
        click.echo(f"{m.count:>7}  {m.query}")


@cli.command("eval")
@click.option("--suite", "suites", multiple=True, type=click.Path(exists=True),
              help="Judged query TSV files or folders [default: tests/relevance].")
@click.option("--split", type=click.Choice(["tuning", "tuning2", "tuning3", "tuning4", "tuning5", "tuning6", "tuning7", "tuning8", "tuning9", "tuning10", "tuning11", "tuning12", "heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10", "heldout11", "heldout12", "heldout13", "heldout14", "heldout15", "heldout16", "heldout17", "heldout18", "heldout19", "heldout20", "all"]),
              default="all", show_default=True,
              help="Which judged split to measure; each is reported on its own.")
@click.option("--ablation", is_flag=True, help="Also measure with each source switched off in turn.")
@click.option("--failures", "show_failures", is_flag=True, help="List queries that miss the top 5.")
@click.pass_context
def eval_command(ctx, suites, split, ablation, show_failures):
    """Measure relevance on the judged queries: hit@1, hit@5, MRR@10, beside plain BM25.

    Each split (tuning to tuning12, heldout to heldout20) gets its own table. With --ablation, hit@1 and hit@5 with
    each source (abbreviations, lay words, inclusion terms, brands, priors) switched off.

    \b
    Example:
        codesearch eval --split heldout --failures
        codesearch eval --ablation
    """
    from codesearch.evaluate import (SPLITS, ablation as run_ablation, ablation_table, bm25_ranker,
                                     codesearch_ranker, evaluate, failures, load_judgements, table)

    try:
        index = open_or_build(_settings(ctx))
        judgements = load_judgements(suites or None, split=split)
    except CodeSearchError as exc:
        raise _fail(exc) from None
    if not judgements:
        raise click.ClickException(f"no judged queries in split {split!r}")
    by_split: dict[str, list] = {}
    for j in judgements:
        by_split.setdefault(j.split or "suite", []).append(j)
    ablations = {}
    order = sorted(by_split, key=lambda name: (name not in SPLITS, SPLITS.index(name) if name in SPLITS else 0, name))
    for name in order:
        group = by_split[name]
        click.echo(f"\n{name} ({len(group)} queries)\n")
        click.echo(table(evaluate(group, codesearch_ranker(index)), evaluate(group, bm25_ranker(index))))
        if ablation:
            ablations[name] = run_ablation(group, index)
        if show_failures:
            click.echo("")
            for j, rank, got in failures(group, codesearch_ranker(index)):
                click.echo(f"{j.category:<13} {j.query!r:<32} rank={rank} got={' '.join(got)} "
                           f"want={' '.join(sorted(j.relevant)[:6])}")
    if ablations:
        click.echo("\nablation (overall, each source switched off in turn)\n")
        click.echo(ablation_table(ablations))


def main() -> None:
    """Console-script entry point."""
    cli(obj={})


if __name__ == "__main__":  # pragma: no cover
    main()
