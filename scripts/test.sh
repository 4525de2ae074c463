#!/usr/bin/env bash
# Install codesearch with its test dependencies into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# --- browser-test JavaScript from npm (tests/browser/package.json + lock): axe-core ---
(cd tests/browser && npm ci --no-audit --no-fund --silent)
# --- end browser-test JavaScript ---
exec .venv/bin/python -m pytest "$@"
