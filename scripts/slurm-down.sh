#!/usr/bin/env bash
# Stop the single-node Slurm that scripts/slurm-up.sh started: cancel the jobs labgate launched, shut
# slurmctld and slurmd down, and stop munged. Safe to run when nothing is up.
#
# Only daemons found through their own pid files are signalled; nothing is killed by name.
set -euo pipefail

log() { printf 'slurm-down: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "needs root (it stops daemons started as root); run it with sudo"
  exit 2
fi

stop_pidfile() {
  # Send TERM to the process a pid file names, then wait up to 10 s for it to go.
  local name="$1" pidfile="$2" pid i
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
    : "$i"
  done
  log "$name (pid $pid) did not stop on TERM; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Only the one-node test cluster that slurm-up.sh wrote is ever touched: on any other cluster
# (a site's real one) this script changes nothing.
conf="${SLURM_CONF:-/etc/slurm/slurm.conf}"
run_dir="${LABGATE_SLURM_RUN_DIR:-/run}"  # where the daemons' pid files are (tests move it)
if ! grep -qs '^# Written by labgate scripts/slurm-up.sh' "$conf"; then
  log "$conf was not written by slurm-up.sh: leaving this Slurm alone"
  exit 0
fi

if command -v scontrol >/dev/null 2>&1 && scontrol ping >/dev/null 2>&1; then
  if command -v squeue >/dev/null 2>&1 && command -v scancel >/dev/null 2>&1; then
    # only the jobs labgate launched (sbatch --comment=labgate-launch=<id>), not every job of
    # this user
    squeue --noheader --user="$(id -un)" --format='%i %k' 2>/dev/null \
      | awk '$2 ~ /^labgate-launch=/ {print $1}' \
      | while read -r job; do scancel "$job" >/dev/null 2>&1 || true; done
  fi
  log "scontrol shutdown"
  scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do
    scontrol ping >/dev/null 2>&1 || break
    sleep 0.5
  done
fi

# Whatever did not go with 'scontrol shutdown' (for example slurmd without a controller).
stop_pidfile slurmd "$run_dir/slurmd.pid"
stop_pidfile slurmctld "$run_dir/slurmctld.pid"
stop_pidfile munged "$run_dir/munge/munged.pid"
log "down"
