"""The soak library on the tiny corpus: a short run with a rebuild in the middle, and its options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codesearch.build import build_index

from benchmarks.soak import (
    CODE_EVERY,
    HEALTH_EVERY,
    SoakError,
    main,
    options,
    parse_clients,
    render_markdown,
    request_for,
    run_soak,
)


@pytest.fixture(autouse=True)
def _no_stray_codesearch_env(monkeypatch):
    """Keep the developer's CODESEARCH_* variables out of these tests."""
    for name in ("CODESEARCH_DATA_DIR", "CODESEARCH_INDEX_DIR", "CODESEARCH_HCPCS_FILE", "CODESEARCH_CROSSWALK_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_short_soak_switches_build_without_failures(tiny_settings):
    """Five seconds, four clients, a rebuild halfway: no failed request and the server switches builds."""
    report = run_soak(tiny_settings, duration=5, clients=(4,), rebuild_at=0.5)
    assert report.failures == 0, (report.failure_kinds, report.failure_examples)
    assert report.requests > 100 and report.total.latency.n > 100
    assert 0 < report.total.latency.p50 <= report.total.latency.p99
    r = report.rebuild
    assert r is not None and r.ok and 2.0 <= r.started_s < 4.0
    assert report.build_before and r.build_id != report.build_before
    assert set(report.build_after) == {r.build_id}
    assert report.health_after_build > 0 and report.stale_after_build == 0
    assert report.switched and report.passed
    assert report.levels[0].rebuild_during
    assert len(report.memory) == 2 and report.worker_restarts == 0
    assert all(w.samples >= 3 and 0 < w.first_mb <= w.max_mb for w in report.memory)
    text = render_markdown(report, "codesearch soak --duration 5")
    for part in ("## Load", "## Rebuild", "## Worker memory", "## Failures", "**Result: PASS**",
                 r.build_id, report.build_before):
        assert part in text


def test_failed_rebuild_fails_the_soak(tiny_settings):
    """A rebuild that cannot read its sources fails the run, while the server keeps answering from the old build."""
    before = build_index(tiny_settings)["build_id"]
    for csv in (tiny_settings.data_dir / "asp_crosswalk").glob("*.csv"):
        csv.unlink()
    report = run_soak(tiny_settings, duration=2, clients=(2,), rebuild_at=0.25)
    assert report.failures == 0, report.failure_examples
    assert report.rebuild is not None and report.rebuild.exit_code == 1 and not report.rebuild.ok
    assert "crosswalk" in report.rebuild.log_tail
    assert report.build_before == before and set(report.build_after) == {before}
    assert not report.switched and not report.passed
    assert report.problems == ["the rebuild failed (exit code 1)"]
    assert "**Result: FAIL" in render_markdown(report)


def test_request_mix():
    """Mostly keystroke searches, a code page every tenth request, /healthz every twentieth."""
    kinds = [request_for(i, ["a", "ab"], ["J1568"])[0] for i in range(200)]
    assert kinds.count("health") == 200 // HEALTH_EVERY
    assert kinds.count("code") == 200 // CODE_EVERY
    assert request_for(0, ["o c"], [])[1] == "/api/search?q=o%20c&limit=10"
    assert request_for(CODE_EVERY // 2, ["a"], ["S72.001A"])[1] == "/api/codes/S72.001A"


def test_options_and_client_levels():
    """Defaults, --quick, and client levels parsed and bounded."""
    assert options(None, None, False) == (60.0, (8, 32))
    assert options(None, None, True) == (10.0, (4,))
    assert options(5.0, "1, 2,3", True) == (5.0, (1, 2, 3))
    for bad in ("", "x", "0", "8,999", ",".join(["1"] * 9)):
        with pytest.raises(SoakError):
            parse_clients(bad)


def test_cli_rejects_bad_clients(tmp_path):
    """`python -m benchmarks.soak --clients x` stops with a one-line error and exit code 1, starting nothing."""
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "index"), "--clients", "x"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["Error: --clients must be comma-separated numbers, got 'x'"]
    assert not (tmp_path / "index").exists()
