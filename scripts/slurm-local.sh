#!/usr/bin/env bash
# A one-node Slurm cluster (slurmctld + slurmd, authenticated by munge) on this machine, for the sweep tests and for
# trying `rerank sweep submit`. Debian/Ubuntu; run as root.
#
#   scripts/slurm-local.sh start    install slurm-wlm and munge with apt if missing, configure, start (idempotent)
#   scripts/slurm-local.sh status   the daemons, the node and the queue; exit 0 when the cluster answers
#   scripts/slurm-local.sh stop     stop the daemons this script started (by their pid files)
#
# The daemons, and so every job they start, run under `nice -n $RERANK_SLURM_NICE` (default 19: trials must not
# slow down other work on a shared machine; RERANK_SLURM_NICE=0 for full priority). The configuration is cgroup-free
# (proctrack/linuxproc, task/none, no accounting), one partition `debug` with this host's CPUs. It is written to
# /etc/slurm/slurm.conf only when that file is missing or was written by this script; state and logs live under
# /var/lib/rerank-slurm and /var/log/rerank-slurm.
set -euo pipefail

NICE="${RERANK_SLURM_NICE:-19}"
CONF=/etc/slurm/slurm.conf
MARK="# Written by RerankExperiments scripts/slurm-local.sh"
STATE=/var/lib/rerank-slurm
LOGS=/var/log/rerank-slurm
RUN=/run/rerank-slurm
MUNGE_PID=/run/munge/munged.pid

die() { echo "slurm-local: $*" >&2; exit 1; }
say() { echo "slurm-local: $*"; }

require_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and starts slurmctld, slurmd and munged)"; }

# A process that has exited but is not yet reaped (a zombie: containers whose init does not reap) counts as gone.
running() { kill -0 "$1" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != "Z" ]]; }
alive() { [[ -f "$1" ]] && running "$(cat "$1")"; }

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then return; fi
  command -v apt-get >/dev/null || die "apt-get not found: install slurm-wlm (slurmctld, slurmd, the client commands) and munge yourself"
  say "installing slurm-wlm and munge (apt)"
  # policy-rc.d keeps the packages from starting their own daemons: this script starts them.
  DEBIAN_FRONTEND=noninteractive nice -n "$NICE" apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null \
    || { nice -n "$NICE" apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive nice -n "$NICE" apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; } \
    || die "apt-get install slurm-wlm munge failed"
}

configure() {
  if [[ -f "$CONF" ]] && ! grep -qF "$MARK" "$CONF"; then
    say "$CONF exists and was not written by this script: using it as it is"
    return
  fi
  local host node
  host=$(hostname -s)
  # slurmd -C prints this machine's NodeName line (CPUs, sockets, cores, threads, RealMemory) as slurmd sees it.
  node=$(slurmd -C | head -n 1 | sed -e "s/^NodeName=[^ ]*/NodeName=$host NodeAddr=127.0.0.1/")
  mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d" "$LOGS" "$RUN"
  cat > "$CONF.tmp" <<CONF
$MARK (a one-node cluster for tests and trials).
ClusterName=rerank-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=30
MinJobAge=3600
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$CONF.tmp" "$CONF"
}

start_munge() {
  if alive "$MUNGE_PID"; then return; fi
  if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key; else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- nice -n "$NICE" munged --pid-file="$MUNGE_PID"
  for _ in $(seq 50); do munge -n </dev/null | unmunge >/dev/null 2>&1 && return; sleep 0.1; done
  die "munged did not start (see /var/log/munge/munged.log)"
}

start() {
  require_root
  install
  configure
  start_munge
  mkdir -p "$STATE/ctld" "$STATE/d" "$LOGS" "$RUN"
  if ! alive "$RUN/slurmctld.pid"; then nice -n "$NICE" slurmctld; fi
  if ! alive "$RUN/slurmd.pid"; then nice -n "$NICE" slurmd; fi
  local host deadline; host=$(hostname -s); deadline=$((SECONDS + 60))
  # Bounded by the clock, each call too: a controller that does not answer makes scontrol wait on its own timeouts.
  while (( SECONDS < deadline )); do
    if timeout 5 scontrol ping 2>/dev/null | grep -q "is UP" && timeout 5 sinfo -h -n "$host" -o "%t" 2>/dev/null | grep -Eq "^(idle|mix|alloc)"; then
      say "up: node $host ($(timeout 5 sinfo -h -n "$host" -o '%c CPUs, state %t')), partition debug; daemons under nice $NICE"
      return
    fi
    # A node left down or drained by an earlier run comes back once its daemons answer.
    timeout 5 scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 0.5
  done
  status || true
  die "the cluster did not come up within 60 s (logs: $LOGS)"
}

status() {
  local ok=0
  for daemon in slurmctld slurmd; do
    if alive "$RUN/$daemon.pid"; then echo "$daemon: running (pid $(cat "$RUN/$daemon.pid"))"; else echo "$daemon: not running"; ok=1; fi
  done
  if alive "$MUNGE_PID"; then echo "munged: running (pid $(cat "$MUNGE_PID"))"; else echo "munged: not running"; ok=1; fi
  if [[ $ok -eq 0 ]]; then
    timeout 10 scontrol ping || ok=1
    timeout 10 sinfo || ok=1
    timeout 10 squeue || ok=1
  fi
  return $ok
}

stop_pid() {
  local name=$1 file=$2
  if ! alive "$file"; then return; fi
  local pid; pid=$(cat "$file")
  kill "$pid"
  for _ in $(seq 100); do running "$pid" || { say "stopped $name"; return; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  say "stopped $name (killed)"
}

stop() {
  require_root
  stop_pid slurmd "$RUN/slurmd.pid"
  stop_pid slurmctld "$RUN/slurmctld.pid"
  stop_pid munged "$MUNGE_PID"
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
