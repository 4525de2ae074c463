#!/usr/bin/env bash
# Install everything the tests need, then run the whole test suite (any pytest options pass through).
# System packages come from Debian's apt when missing and running as root; otherwise the script
# stops at once naming the package to install (never a silent skip).
set -euo pipefail
cd "$(dirname "$0")/.."

# -- system packages: chromium (browser test), wrk (benchmark smoke test's load) --------------
# command name -> Debian package
declare -A SYSTEM_PACKAGES=([chromium]=chromium [wrk]=wrk)
missing=()
for cmd in "${!SYSTEM_PACKAGES[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${SYSTEM_PACKAGES[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "scripts/test.sh: missing system package(s): ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
fi

# -- Python: codesearch with its test and bench extras ------------------------------------------
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test,bench]"

# -- browser test dependencies ------------------------------------------------------------------
# (Playwright drives the Debian chromium above; add npm packages for browser tests here.)

exec .venv/bin/python -m pytest "$@"
