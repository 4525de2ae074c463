"""Settings: defaults, then ``CODESEARCH_*`` environment variables, then explicit options."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from platformdirs import user_cache_dir

from codesearch.errors import ConfigError, CorpusFileError

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Longest query accepted, in characters; longer ones are refused with a clear error.
MAX_QUERY_LENGTH = 200
#: Largest page of results the library returns at once.
MAX_LIMIT = 50
#: Most codes one ranking returns (:func:`codesearch.search.ranked`): NLM Clinical Tables' maxList cap.
MAX_WINDOW = 500


def embedded(name: str) -> Path:
    """A folder of package data (``data``: the embedded CMS/CDC release; ``lexicon``: the
    authored TSVs), found with importlib.resources; installs unpack it onto the file system."""
    folder = resources.files("codesearch") / name
    if not isinstance(folder, Path) or not folder.is_dir():
        raise CorpusFileError(str(folder), f"the package data folder codesearch/{name} is missing from this install")
    return folder


def is_embedded(path: Path) -> bool:
    """Whether ``path`` lies in the package's own data (as opposed to a file the user named)."""
    root = os.path.abspath(str(resources.files("codesearch")))
    return Path(os.path.abspath(path)).is_relative_to(root)  # not resolve(): lexicon/ may be a link


def in_checkout() -> bool:
    """Whether codesearch runs from its source tree (an editable install), not from a wheel."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "src" / "codesearch").is_dir()


def _default_data_dir() -> Path:
    # The release embedded in the package; newer files via --data-dir / CODESEARCH_DATA_DIR.
    return embedded("data")


def _default_lexicon_dir() -> Path:
    return embedded("lexicon")


def _default_index_dir() -> Path:
    # A checkout keeps ./index as before; an installed package uses the per-user cache.
    if in_checkout():
        return PROJECT_ROOT / "index"
    return Path(user_cache_dir("codesearch", appauthor=False)) / "index"


@dataclass(frozen=True)
class Settings:
    """Where codesearch reads sources and lexicons and writes its index."""

    data_dir: Path = field(default_factory=_default_data_dir)
    index_dir: Path = field(default_factory=_default_index_dir)
    lexicon_dir: Path = field(default_factory=_default_lexicon_dir)
    hcpcs_file: Path | None = None
    crosswalk_file: Path | None = None
    pfs_file: Path | None = None
    icd10cm_file: Path | None = None
    cpt_file: Path | None = None
    #: Code systems to build; None builds every system whose source file is present.
    systems: tuple[str, ...] | None = None
    #: Earlier releases (HCPCS or ICD-10-CM files) to compare the build with (`build --previous`).
    previous_files: tuple[Path, ...] = ()

    @classmethod
    def from_env(cls, environ=None, **overrides) -> Settings:
        """Defaults, overridden by CODESEARCH_* variables, overridden by non-None options."""
        env = os.environ if environ is None else environ
        settings = cls()
        mapping = {
            "data_dir": "CODESEARCH_DATA_DIR",
            "index_dir": "CODESEARCH_INDEX_DIR",
            "lexicon_dir": "CODESEARCH_LEXICON_DIR",
            "hcpcs_file": "CODESEARCH_HCPCS_FILE",
            "crosswalk_file": "CODESEARCH_CROSSWALK_FILE",
            "pfs_file": "CODESEARCH_PFS_FILE",
            "icd10cm_file": "CODESEARCH_ICD10CM_FILE",
            "cpt_file": "CODESEARCH_CPT_FILE",
        }
        values = {k: Path(env[v]) for k, v in mapping.items() if env.get(v)}
        values.update({k: Path(v) for k, v in overrides.items() if v is not None})
        return replace(settings, **values)

    def wants(self, system: str) -> bool:
        """Whether ``system`` is to be built."""
        return self.systems is None or system in self.systems

    def icd10cm_path(self) -> Path | None:
        """The ICD-10-CM tabular XML (.xml or .xml.gz): explicit, or the newest in ``data_dir/icd10cm``."""
        if self.icd10cm_file is not None:
            return self.icd10cm_file
        folder = self.data_dir / "icd10cm"
        found = sorted(
            p for p in folder.glob("*") if p.is_file() and (p.name.endswith(".xml") or p.name.endswith(".xml.gz"))
        ) if folder.is_dir() else []
        return max(found, key=lambda p: (p.stat().st_mtime, p.name)) if found else None

    def cpt_path(self) -> Path | None:
        """A licensed CPT CSV the user supplies: explicit, or the newest in ``data_dir/cpt``; else None."""
        if self.cpt_file is not None:
            return self.cpt_file
        folder = self.data_dir / "cpt"
        found = sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []
        return max(found, key=lambda p: (p.stat().st_mtime, p.name)) if found else None

    def hcpcs_path(self) -> Path:
        """The HCPCS release to load: the explicit file, or the newest in ``data_dir/hcpcs``."""
        if self.hcpcs_file is not None:
            return self.hcpcs_file
        folder = self.data_dir / "hcpcs"
        found = sorted(
            p for p in folder.glob("*") if p.suffix.lower() in (".xlsx", ".zip") and p.is_file()
        ) if folder.is_dir() else []
        if not found:
            raise CorpusFileError(
                folder, "no HCPCS release (.xlsx or .zip) found; set --data-dir or --hcpcs"
            )
        return max(found, key=lambda p: (p.stat().st_mtime, p.name))

    def crosswalk_path(self) -> Path:
        """The ASP NDC-HCPCS crosswalk: the explicit file, or the newest in ``data_dir/asp_crosswalk``."""
        if self.crosswalk_file is not None:
            return self.crosswalk_file
        folder = self.data_dir / "asp_crosswalk"
        found = sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []
        if not found:
            raise CorpusFileError(
                folder, "no ASP NDC-HCPCS crosswalk (.csv) found; set --data-dir or --crosswalk"
            )
        return max(found, key=lambda p: (p.stat().st_mtime, p.name))

    def pfs_path(self) -> Path | None:
        """The PFS relative value file, or the newest CSV in ``data_dir/pfs_rvu``; None if none.

        The file is optional: an older data directory builds without RVUs. When a release
        comes as ``_nonQPP`` and ``_QPP`` files, the non-QPP file (the default rates) is used.
        """
        if self.pfs_file is not None:
            return self.pfs_file
        folder = self.data_dir / "pfs_rvu"
        found = [p for p in folder.glob("*") if p.suffix.lower() == ".csv" and p.is_file()] if folder.is_dir() else []
        names = {p.name.lower() for p in found}
        found = [
            p for p in found
            if not (p.stem.lower().endswith("_qpp") and f"{p.stem[:-4]}_nonQPP{p.suffix}".lower() in names)
        ]
        if not found:
            return None
        return max(found, key=lambda p: (p.stat().st_mtime, p.name))


_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


def _env_bool(env, name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _ON | _OFF:
        return raw in _ON
    raise ConfigError(f"{name} must be on or off, got {raw[:40]!r}")


def _env_int(env, name: str, low: int, high: int) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, got {raw[:40]!r}")
    return int(raw)


@dataclass(frozen=True)
class OpsSettings:
    """What a running server records about itself: Prometheus metrics, access log, search analytics.

    Each has a ``CODESEARCH_*`` variable (read by :meth:`from_env`) and a `codesearch serve` option.
    """

    #: Collect metrics and answer /metrics (on the public address unless ``metrics_port`` is set).
    metrics: bool = True
    #: Serve /metrics only on this port (from the server's master process), not on the public one.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    #: None: no access log; "-": JSON lines to standard error; else a file to append them to.
    access_log: str | None = None
    #: Keep the query string in the logged path (it holds what people searched for).
    access_log_query: bool = False
    #: Log the client's address (off: the log names no one).
    log_client_address: bool = False
    #: Count normalized queries that found nothing or whose first result was not opened (opt-in).
    analytics: bool = False
    #: The SQLite file the counts go to; None is ``analytics.sqlite3`` in the index folder.
    analytics_db: Path | None = None
    #: Days of counts kept; older days are deleted.
    analytics_retention_days: int = 90

    @classmethod
    def from_env(cls, environ=None, **overrides) -> OpsSettings:
        """Defaults, overridden by CODESEARCH_* variables, overridden by non-None options."""
        env = os.environ if environ is None else environ
        base = cls()
        access_log = env.get("CODESEARCH_ACCESS_LOG", "").strip()
        values = {
            "metrics": _env_bool(env, "CODESEARCH_METRICS", base.metrics),
            "metrics_port": _env_int(env, "CODESEARCH_METRICS_PORT", 1, 65535),
            "metrics_host": env.get("CODESEARCH_METRICS_HOST", "").strip() or base.metrics_host,
            "access_log": None if access_log.lower() in _OFF | {""} else access_log,
            "access_log_query": _env_bool(env, "CODESEARCH_ACCESS_LOG_QUERY", base.access_log_query),
            "log_client_address": _env_bool(env, "CODESEARCH_LOG_CLIENT_ADDRESS", base.log_client_address),
            "analytics": _env_bool(env, "CODESEARCH_ANALYTICS", base.analytics),
            "analytics_db": Path(env["CODESEARCH_ANALYTICS_DB"]) if env.get("CODESEARCH_ANALYTICS_DB") else None,
            "analytics_retention_days": _env_int(env, "CODESEARCH_ANALYTICS_RETENTION_DAYS", 1, 36500)
            or base.analytics_retention_days,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **values)

    def analytics_path(self, index_dir: str | Path) -> Path:
        """The analytics database: explicit, or ``analytics.sqlite3`` beside the builds in ``index_dir``."""
        return self.analytics_db if self.analytics_db is not None else Path(index_dir) / "analytics.sqlite3"

    def check_writable(self, index_dir: str | Path) -> None:
        """Refuse, before a server starts, an access log or analytics file it could not write."""
        if self.access_log and self.access_log != "-":
            path = Path(self.access_log)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8"):
                    pass
            except OSError as exc:
                raise ConfigError(f"{path}: cannot write the access log there ({exc.strerror or exc})") from None
        if self.analytics:
            folder = self.analytics_path(index_dir).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"{folder}: cannot keep search analytics there ({exc.strerror or exc})") from None
            if not os.access(folder, os.W_OK):
                raise ConfigError(f"{folder}: cannot keep search analytics there (not writable)")
