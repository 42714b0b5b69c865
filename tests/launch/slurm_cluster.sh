#!/bin/bash
# A one-node Slurm cluster on this machine for the slurm tests (docs/multi-node.md).
#   tests/launch/slurm_cluster.sh up DIR     start munged (if not running), slurmctld, slurmd; print SLURM_CONF
#   tests/launch/slurm_cluster.sh down DIR   stop the daemons this script started
# Needs root and the Debian packages slurm-wlm and munge (make test-deps). Exits non-zero with a
# message when the cluster cannot come up (the tests then skip and say why).
set -euo pipefail
action=$1; dir=$2
case "$action" in
up)
  command -v slurmctld >/dev/null && command -v munged >/dev/null || { echo "slurm-wlm/munge not installed (make test-deps)"; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "needs root"; exit 2; }
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
  chown -R munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  if ! pgrep -x munged >/dev/null; then
    su -s /bin/sh munge -c /usr/sbin/munged 2>/dev/null || /usr/sbin/munged --force
    touch "$dir/started-munged"
  fi
  cat > "$dir/slurm.conf" <<CONF
ClusterName=slaterltest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SlurmctldPort=46817
SlurmdPort=46818
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
  export SLURM_CONF="$dir/slurm.conf"
  /usr/sbin/slurmctld -f "$dir/slurm.conf" || { echo "slurmctld did not start"; tail -5 "$dir/log/slurmctld.log" 2>/dev/null; exit 1; }
  /usr/sbin/slurmd -f "$dir/slurm.conf" || { echo "slurmd did not start"; tail -5 "$dir/log/slurmd.log" 2>/dev/null; exit 1; }
  for _ in $(seq 1 100); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "$SLURM_CONF"; exit 0; fi
    sleep 0.2
  done
  echo "the slurm node did not become idle"; sinfo 2>&1 || true; tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" 2>/dev/null
  exit 1
  ;;
down)
  for daemon in slurmd slurmctld; do
    if [ -s "$dir/$daemon.pid" ]; then kill "$(cat "$dir/$daemon.pid")" 2>/dev/null || true; fi
  done
  sleep 0.5
  for daemon in slurmd slurmctld; do
    if [ -s "$dir/$daemon.pid" ]; then kill -9 "$(cat "$dir/$daemon.pid")" 2>/dev/null || true; fi
  done
  if [ -e "$dir/started-munged" ]; then pkill -x munged || true; fi
  ;;
*) echo "usage: $0 up|down DIR"; exit 2 ;;
esac
