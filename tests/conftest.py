"""Shared fixtures: a tiny corpus and index in tmp_path, and the real index built once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codesearch.build import build_index
from codesearch.config import Settings
from codesearch.index import open_index

from fixtures import write_corpus, write_lexicon

REAL_CORPUS = Path(os.environ.get("CODESEARCH_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
PROJECT_LEXICON = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def tiny_settings(tmp_path) -> Settings:
    """Settings pointing at a tiny corpus and lexicon written into tmp_path."""
    return Settings(
        data_dir=write_corpus(tmp_path / "data"),
        index_dir=tmp_path / "index",
        lexicon_dir=write_lexicon(tmp_path / "lexicon"),
    )


@pytest.fixture
def tiny_index(tiny_settings):
    """A CodeIndex built from the tiny corpus."""
    build_index(tiny_settings)
    index = open_index(tiny_settings.index_dir)
    yield index
    index.close()


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory) -> Settings:
    """Settings for the real ../shared/corpus files and the project's lexicon."""
    if not (REAL_CORPUS / "hcpcs").is_dir():
        pytest.fail(f"the real corpus is missing at {REAL_CORPUS}")
    return Settings(
        data_dir=REAL_CORPUS,
        index_dir=tmp_path_factory.mktemp("real") / "index",
        lexicon_dir=PROJECT_LEXICON,
    )


@pytest.fixture(scope="session")
def real_index(real_settings):
    """The full HCPCS index, built once per test session."""
    build_index(real_settings)
    index = open_index(real_settings.index_dir)
    yield index
    index.close()
