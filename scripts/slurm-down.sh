#!/usr/bin/env bash
# Stop the single-node Slurm that scripts/slurm-up.sh started: cancel what still runs, shut
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

if command -v scontrol >/dev/null 2>&1 && scontrol ping >/dev/null 2>&1; then
  if command -v scancel >/dev/null 2>&1; then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
  fi
  log "scontrol shutdown"
  scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do
    scontrol ping >/dev/null 2>&1 || break
    sleep 0.5
  done
fi

# Whatever did not go with 'scontrol shutdown' (for example slurmd without a controller).
stop_pidfile slurmd /run/slurmd.pid
stop_pidfile slurmctld /run/slurmctld.pid
stop_pidfile munged /run/munge/munged.pid
log "down"
