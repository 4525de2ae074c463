#!/usr/bin/env bash
# Install codesearch into .venv, build the index from the release embedded in the package if there is none,
# and answer a query (default) or run any codesearch command: scripts/run.sh serve
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/codesearch ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e .
fi
if [ $# -eq 0 ]; then
  set -- query octagam
fi
exec .venv/bin/codesearch "$@"
