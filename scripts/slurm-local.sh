#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for plab's launcher=slurm tests and for trying sweeps
# before a real cluster: Debian's slurm-wlm and munge, slurmctld and slurmd on localhost.
#   scripts/slurm-local.sh start    installs what is missing, writes the config, starts the daemons,
#                                   waits until the node is idle (running it again changes nothing)
#   scripts/slurm-local.sh stop     stops the daemons this script started
#   scripts/slurm-local.sh status   prints sinfo, or says that the cluster is down
# Runs as root (it installs packages and writes /etc/slurm). No accounting database: jobs are seen
# through squeue/scontrol while they exist, and plab reads finished jobs from their folders.
set -euo pipefail

conf_dir=/etc/slurm
conf="$conf_dir/slurm.conf"
state=/var/spool/slurmctld
spool=/var/spool/slurmd
logs=/var/log/slurm
run=/run/slurm-local

need_root() {
  [ "$(id -u)" -eq 0 ] || { echo "slurm-local.sh: run as root (it installs slurm-wlm and munge and writes $conf)" >&2; exit 1; }
}

install_missing() {
  local missing=()
  command -v slurmctld >/dev/null || missing+=(slurm-wlm)
  command -v munged >/dev/null || missing+=(munge)
  [ "${#missing[@]}" -eq 0 ] && return
  echo "slurm-local.sh: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
}

write_config() {
  mkdir -p "$conf_dir" "$state" "$spool" "$logs" "$run"
  chown slurm:slurm "$state" "$logs" 2>/dev/null || true
  local cpus mem_mb
  cpus=$(nproc --all)
  # slurmd refuses a node that claims more memory than it has; leave 5% for the daemons.
  mem_mb=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
  local text
  text="# Written by plab's scripts/slurm-local.sh: one node, no accounting.
ClusterName=plab-local
SlurmctldHost=localhost
SlurmUser=root
SlurmctldPidFile=$run/slurmctld.pid
SlurmdPidFile=$run/slurmd.pid
StateSaveLocation=$state
SlurmdSpoolDir=$spool
SlurmctldLogFile=$logs/slurmctld.log
SlurmdLogFile=$logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# Short job-record lifetime is fine: plab reads finished jobs from their folders.
MinJobAge=300
NodeName=localhost NodeHostname=$(hostname) CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"
  # Rewrite only when it changes, so a second start does not restart running daemons for nothing.
  printf '%s' "$text" > "$conf.tmp"
  if cmp -s "$conf.tmp" "$conf"; then rm "$conf.tmp"; else mv "$conf.tmp" "$conf" && echo changed; fi
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
  if ! pgrep -x munged >/dev/null; then
    [ -f /etc/munge/munge.key ] || { /usr/sbin/mungekey --create 2>/dev/null || /usr/sbin/create-munge-key -f; }
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
  fi
}

wait_idle() {
  for _ in $(seq 60); do
    local node_state
    node_state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    case "$node_state" in
      idle*|mixed*|allocated*) echo "slurm-local.sh: node localhost is $node_state" >&2; return 0 ;;
      down*|drain*) scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;;
    esac
    sleep 1
  done
  echo "slurm-local.sh: the node did not become idle in 60 s; see $logs/slurmctld.log and $logs/slurmd.log" >&2
  return 1
}

start() {
  need_root
  install_missing
  local changed
  changed=$(write_config)
  start_munge
  if [ -n "$changed" ]; then stop_daemons; fi
  alive "$run/slurmctld.pid" || /usr/sbin/slurmctld
  alive "$run/slurmd.pid" || /usr/sbin/slurmd
  wait_idle
}

stop_daemons() {
  local name
  for name in slurmd slurmctld; do
    if alive "$run/$name.pid"; then
      local pid
      pid=$(cat "$run/$name.pid")
      kill "$pid"
      for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  done
}

status() {
  if alive "$run/slurmctld.pid" && sinfo >/dev/null 2>&1; then sinfo; else echo "slurm-local: down"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) need_root; stop_daemons ;;
  status) status ;;
  *) echo "usage: scripts/slurm-local.sh start|stop|status" >&2; exit 2 ;;
esac
