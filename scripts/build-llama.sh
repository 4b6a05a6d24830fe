#!/usr/bin/env bash
# Build llama-cpp-python into the venv, saying what is happening while it compiles (it is
# silent for 5-13 minutes on 2 cores otherwise), or say that the earlier build is reused.
# usage: scripts/build-llama.sh VENV_PYTHON REQUIREMENT [CMAKE_ARGS...]
set -uo pipefail
py="$1"; requirement="$2"; shift 2
venv="$(dirname "$(dirname "$py")")"
marker="$venv/.llama-portable"
log="$venv/llama-build.log"

if "$py" -m pip show -q llama-cpp-python >/dev/null 2>&1 && [ -f "$marker" ]; then
  echo "llama.cpp: reusing the build in $venv (delete $marker to rebuild)"
  exit 0
fi

echo "llama.cpp: compiling $requirement for this CPU; this takes about 5 minutes on 2 cores"
echo "           (up to 15 on a busy machine); only the first 'make' does this. Log: $log"
start=$(date +%s)
CMAKE_ARGS="$*" "$py" -m pip install --no-cache-dir --force-reinstall --no-deps "$requirement" \
  >"$log" 2>&1 &
build=$!
tick="${LABGATE_BUILD_TICK_S:-30}"  # seconds between progress lines
while kill -0 "$build" 2>/dev/null; do
  for _ in $(seq 1 "$tick"); do
    kill -0 "$build" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$build" 2>/dev/null; then
    elapsed=$(( $(date +%s) - start ))
    printf 'llama.cpp: still compiling, %dm%02ds so far\n' $((elapsed / 60)) $((elapsed % 60))
  fi
done
wait "$build"
status=$?
elapsed=$(( $(date +%s) - start ))
if [ "$status" -ne 0 ]; then
  echo "llama.cpp: the build failed after ${elapsed}s; the last lines of $log:" >&2
  tail -n 30 "$log" >&2
  exit "$status"
fi
touch "$marker"
printf 'llama.cpp: built in %dm%02ds\n' $((elapsed / 60)) $((elapsed % 60))
