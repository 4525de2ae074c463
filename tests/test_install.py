"""The wheel, installed as a new user would: outside the checkout, with no ../shared beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codesearch.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
EMBEDDED = ["hcpcs/HCPC2025_OCT_ANWEB.xlsx", "asp_crosswalk/January 2026 ASP NDC-HCPCS Crosswalk (Level II).csv",
            "icd10cm/icd10cm_tabular_April-1-2026.xml.gz", "pfs_rvu/PPRRVU2025_Oct (Level II).csv"]


def test_embedded_release_is_the_shared_corpus():
    """The package's default data are byte-identical copies of ../shared/corpus's release files."""
    if not SHARED.is_dir():
        pytest.skip(f"no {SHARED} to compare with")
    data = Settings().data_dir
    assert sorted(str(p.relative_to(data)) for p in data.glob("*/*") if p.is_file()) == sorted(EMBEDDED)
    for name in EMBEDDED:
        assert (data / name).read_bytes() == (SHARED / name).read_bytes(), name


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_wheel_installs_and_answers_anywhere(tmp_path_factory):
    """pip wheel → a fresh venv far from any shared/, HOME elsewhere: the first query builds from the
    embedded release into the user cache and answers octagam with J1568, ivig with an IVIG code."""
    work = tmp_path_factory.mktemp("install")
    home = tmp_path_factory.mktemp("home")
    assert not any((parent / "shared").exists() for parent in work.parents)
    wheels = work / "wheels"
    # The running interpreter's pip, build backend and wheel cache: no download, no build isolation.
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "-w", str(wheels), str(ROOT)], cwd=work)
    wheel = next(wheels.glob("codesearch-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", str(wheel)],
         cwd=work)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODESEARCH_", "XDG_", "PYTHON"))}
    env["HOME"] = str(home)
    codesearch = str(venv / "bin" / "codesearch")

    first = json.loads(_run([codesearch, "query", "octagam", "--json"], cwd=work, env=env).stdout)
    assert first["results"][0]["code"] == "J1568"
    ivig = _run([codesearch, "query", "ivig"], cwd=work, env=env).stdout
    assert any(code in ivig for code in ("J1568", "J1459", "J1566", "J1569")), ivig
    assert "abbreviation IVIG" in ivig

    manifest = json.loads(next((home / ".cache" / "codesearch" / "index" / "builds").glob("*/manifest.json"))
                          .read_text(encoding="utf-8"))
    origins = {s["kind"]: (s["origin"], s["name"]) for s in manifest["sources"] if s["kind"] != "lexicon"}
    assert origins["hcpcs"] == ("embedded", "HCPC2025_OCT_ANWEB.xlsx")
    assert origins["icd10cm"] == ("embedded", "icd10cm_tabular_April-1-2026.xml.gz")
    lexicons = {s["name"] for s in manifest["sources"] if s["kind"] == "lexicon"}
    assert lexicons == {p.name for p in (ROOT / "corpus").glob("*.tsv")}
    assert not (work / "index").exists()
