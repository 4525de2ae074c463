#!/usr/bin/env bash
# Install codesearch with its test dependencies into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# --- issue 13: NLM's autocomplete-lhc widget for tests/browser/test_ctss_widget.py, from the npm
# registry at the version pinned in tests/browser/package-lock.json (node_modules is not committed).
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; }
  else
    echo "npm is missing: install Node.js and npm (Debian: apt-get install npm)" >&2
    exit 1
  fi
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
# --- end issue 13
exec .venv/bin/python -m pytest "$@"
