#!/usr/bin/env bash
# Install the pinned Codex CLI (npm package @openai/codex) into .cache/codex (ignored by git),
# once; print the path of its `codex` command. Used by tests/e2e/test_codex_cli.py.
set -euo pipefail

CODEX_VERSION="0.171.0"
here="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$here/.cache/codex"
bin="$prefix/node_modules/.bin/codex"

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$CODEX_VERSION"; then
  echo "$bin"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is not installed" >&2; exit 2; }
mkdir -p "$prefix"
npm install --no-audit --no-fund --prefix "$prefix" "@openai/codex@$CODEX_VERSION" >&2
"$bin" --version >&2
echo "$bin"
