#!/usr/bin/env bash
# The whole suite: once on SQLite, then again on PostgreSQL + Redis (the production stores).
# Tests that do not touch the store (pure logic, Slurm, browser) run in the first pass only.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1

# The web pages' vendored libraries are what scripts/vendor-web.sh pinned (sha256 per file);
# Debian's Chromium for the browser tests is installed by tests/web/conftest.py if missing.
bash scripts/vendor-web.sh --check || exit 1

echo "== pass 1: SQLite =="
$PY -m pytest -q -p no:cacheprovider "$@"
first=$?

echo "== pass 2: PostgreSQL + Redis =="
LABGATE_TEST_STORE=postgres $PY -m pytest -q -p no:cacheprovider -m "store" "$@"
second=$?
# pytest exits 5 when a pass selects no test; that is not a failure of the suite.
[ $second -eq 5 ] && second=0

if [ $first -ne 0 ] || [ $second -ne 0 ]; then
  echo "FAILED (sqlite pass: $first, postgres pass: $second)"
  exit 1
fi
echo "all passes green"
