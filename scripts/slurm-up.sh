#!/usr/bin/env bash
# Start a single-node Slurm on this machine, for labgate's tests and for trying labgate's HPC
# controller without a cluster.
#
# Idempotent: installs slurm-wlm and munge with apt-get only when they are missing (running
# 'apt-get update' first only when the package lists are missing or stale for them), writes a
# one-node slurm.conf without cgroups (proctrack/linuxproc, task/none), creates a munge key,
# starts munged, slurmctld and slurmd as root without systemd, and waits until 'sinfo' shows
# the node idle. When Slurm is already up and the node idle it does nothing.
#
# Needs root. Exit status: 0 when Slurm is up; 2 when not root; 3 when the packages cannot be
# installed; 1 when the daemons do not come up (the logs under /var/log/slurm say why).
#
# Environment:
#   LABGATE_SLURM_PARTITION   partition name (default: gpu)
#   LABGATE_SLURM_WAIT_S      seconds to wait for the node to become idle (default: 60)
set -euo pipefail

partition="${LABGATE_SLURM_PARTITION:-gpu}"
wait_s="${LABGATE_SLURM_WAIT_S:-60}"
conf_dir=/etc/slurm
conf="$conf_dir/slurm.conf"

log() { printf 'slurm-up: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "needs root (it installs packages and starts daemons); run it with sudo"
  exit 2
fi

node_state() {
  # The node's state as sinfo prints it (idle, mix, alloc, down*, drain…), or nothing.
  sinfo --noheader --nodes="$(hostname -s)" --format='%T' 2>/dev/null | head -n 1 || true
}

node_ready() {
  # Usable: idle, mixed, allocated or completing, whatever flags follow ('-' planned, '~'
  # powered down…), except '*': slurmd not responding.
  local state
  state="$(node_state)"
  case "$state" in *'*'*) return 1 ;; esac
  case "${state%%[-~#!%\$@^+]*}" in
    idle | mixed | allocated | completing) return 0 ;;
    *) return 1 ;;
  esac
}

if command -v sinfo >/dev/null 2>&1 && scontrol ping >/dev/null 2>&1 && node_ready; then
  log "already up: node $(hostname -s) is $(node_state)"
  exit 0
fi

install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v apt-get >/dev/null 2>&1; then
    log "slurm-wlm is not installed and apt-get is not available; install Slurm and munge by hand"
    exit 3
  fi
  if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
    log "package lists do not know slurm-wlm yet: running apt-get update"
    apt-get update -qq || { log "apt-get update failed"; exit 3; }
  fi
  log "installing slurm-wlm and munge"
  if ! apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; then
    log "apt-get install failed once; refreshing the package lists and trying again"
    apt-get update -qq || { log "apt-get update failed"; exit 3; }
    apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
      || { log "apt-get install slurm-wlm munge failed"; exit 3; }
  fi
}

for cmd in slurmctld slurmd munged sinfo sbatch; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    install_packages
    break
  fi
done

mkdir -p "$conf_dir" /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge

host="$(hostname -s)"
ncpu="$(nproc)"
mem_mb="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
mem_mb=$((mem_mb > 2048 ? mem_mb - 1024 : mem_mb))

write_config() {
  local tmp="$conf.tmp.$$"
  cat >"$tmp" <<CONF
# Written by labgate scripts/slurm-up.sh: a one-node test cluster without cgroups.
ClusterName=labgate-test
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
KillWait=10
MinJobAge=300
NodeName=$host CPUs=$ncpu RealMemory=$mem_mb State=UNKNOWN
PartitionName=$partition Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  if [ -f "$conf" ] && cmp -s "$tmp" "$conf"; then
    rm -f "$tmp"
  else
    mv "$tmp" "$conf"
    log "wrote $conf"
  fi
  # Slurm 22.05 has no "disabled" cgroup plugin; v1 without automount lets slurmd start in a
  # container, and nothing uses it since proctrack and task plugins avoid cgroups.
  printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\nIgnoreSystemd=yes\n' >"$conf_dir/cgroup.conf"
}

pid_alive() {
  # True when the pid file names a running process.
  local pidfile="$1" pid
  [ -s "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
  fi
  chown munge:munge /etc/munge/munge.key /run/munge
  chmod 400 /etc/munge/munge.key
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    return 0
  fi
  log "starting munged"
  su -s /bin/sh munge -c munged
  local i
  for i in $(seq 1 20); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    sleep 0.5
    : "$i"
  done
  log "munged did not start; see /var/log/munge/munged.log"
  exit 1
}

start_slurmctld() {
  if pid_alive /run/slurmctld.pid && scontrol ping >/dev/null 2>&1; then return 0; fi
  log "starting slurmctld"
  slurmctld
  local i
  for i in $(seq 1 40); do
    if scontrol ping >/dev/null 2>&1; then return 0; fi
    sleep 0.5
    : "$i"
  done
  log "slurmctld did not answer; see /var/log/slurm/slurmctld.log"
  exit 1
}

start_slurmd() {
  if pid_alive /run/slurmd.pid; then return 0; fi
  log "starting slurmd"
  slurmd
}

write_config
start_munge
start_slurmctld
start_slurmd

deadline=$((SECONDS + wait_s))
while ! node_ready; do
  state="$(node_state)"
  case "$state" in
    down* | drain* | fail*)
      # A node left down by an earlier unclean stop: put it back into service.
      scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
      ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "node $host is '${state:-unknown}' after ${wait_s}s; see /var/log/slurm/slurmd.log"
    exit 1
  fi
  sleep 1
done
log "up: node $host is $(node_state) in partition $partition"
