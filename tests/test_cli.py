"""The click CLI, through CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from codesearch.cli import cli


@pytest.fixture
def run(tiny_settings, monkeypatch):
    """Invoke the CLI against the tiny corpus."""
    monkeypatch.setenv("CODESEARCH_LEXICON_DIR", str(tiny_settings.lexicon_dir))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(
            cli, ["--data-dir", str(tiny_settings.data_dir), "--index", str(tiny_settings.index_dir), *args],
            obj={},
        )

    return invoke


def test_every_command_has_help():
    """Each command prints help with an example."""
    runner = CliRunner()
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, name


def test_build_then_query(run):
    """build reports counts; query prints J1568 first."""
    result = run("build")
    assert result.exit_code == 0, result.output
    assert "Built index" in result.output and "codes" in result.output
    result = run("query", "octagam")
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith("J1568")


def test_query_builds_index_when_missing(run):
    """The first query builds the index and answers."""
    result = run("query", "J1568")
    assert result.exit_code == 0, result.output
    assert "J1568" in result.output


def test_query_json_shape(run):
    """--json prints {query, total, results} with the documented result fields."""
    result = run("query", "keytruda", "--json")
    data = json.loads(result.stdout)
    assert data["query"] == "keytruda" and data["total"] == 1
    first = data["results"][0]
    assert {"code", "system", "title", "description", "status", "score", "snippet"} <= set(first)
    assert first["code"] == "J9271" and first["system"] == "HCPCS"


def test_no_match_exit_code(run):
    """A query that matches nothing says so and exits 1."""
    result = run("query", "zzzzzzzz")
    assert result.exit_code == 1
    assert "No codes match" in result.output


def test_bad_limit_is_a_usage_error(run):
    """--limit 0 is refused by click with exit 2."""
    result = run("query", "octagam", "--limit", "0")
    assert result.exit_code == 2


def test_show(run):
    """show prints the record with its NDCs."""
    result = run("show", "j1568")
    assert result.exit_code == 0, result.output
    assert "Octagam" in result.output and "68982-0840-01" in result.output
    assert run("show", "Z9999").exit_code == 1


def test_bad_source_file_one_line_error(run, tmp_path):
    """A truncated XLSX gives a one-line error naming the file and a non-zero exit."""
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    result = run("build", "--hcpcs", str(bad))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert str(bad) in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1


def test_help_names_every_system():
    """`codesearch --help` describes HCPCS Level II, ICD-10-CM and CPT, not HCPCS only."""
    out = CliRunner().invoke(cli, ["--help"]).output
    assert "HCPCS Level II" in out and "ICD-10-CM" in out and "CPT" in out


@pytest.mark.parametrize("dose", [["-5", "g"], ["-5 g"], ["0", "g"]])
def test_units_negative_dose_says_positive(run, dose):
    """`codesearch units J1568 -5 g` says the dose must be positive (not "No such option '-5'")."""
    result = run("units", "J1568", *dose)
    assert result.exit_code == 1, result.output
    assert "dose must be positive" in result.output
    assert "No such option" not in result.output


def test_units_vials_from_the_crosswalk(run):
    """`units J1568 2 vials` converts through the crosswalk when its NDCs agree, or names the NDC to choose."""
    result = run("units", "J1568", "2", "vials", "68982-0840-01")
    assert result.exit_code == 0, result.output
    assert "2 vials × 2 billing units per vial" in result.output and "4 units" in result.output
