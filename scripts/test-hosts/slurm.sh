#!/usr/bin/env bash
# A real Slurm cluster for the Slurm cluster manager's tests: one slurmctld, four slurmds, one
# private munged, all on this machine.
#   dn0  10.200.1.1    slurmd in this machine's own namespace; its hostname is this machine's
#   dn1  10.200.1.11   slurmd in its own network + UTS namespace, hostname "dn1"
#   dn2  10.200.1.12   likewise, hostname "dn2"
#   dn3  10.200.1.13   likewise, hostname "dn3"
# Partitions: debug = dn[1-3] (the default), single = dn0; MaxTime=INFINITE. Every node
# advertises 16 CPUs (more than this machine has), so a 32-task job starts on two or three
# nodes. dn1..dn3 hang off a bridge (dtslurm0) on which this machine is 10.200.1.1, where
# slurmctld listens (SlurmctldHost=<this hostname>(10.200.1.1)); they reach each other and
# 10.200.1.1, but not this machine's 127.0.0.1 (a master that tasks on dn1..dn3 must reach
# listens on 10.200.1.1).
#
# Usage (as root; `npm test` runs start and stop itself):
#   bash scripts/test-hosts/slurm.sh start    # prints the path of cluster.json as its last line
#   export SLURM_CONF=/tmp/distributed-slurm/slurm.conf
#   srun -N3 -l hostname                      # -> 0: dn1, 1: dn2, 2: dn3 (in any order)
#   srun -p single hostname                   # -> this machine's hostname
#   DISTRIBUTED_SLURM_CLUSTER=/tmp/distributed-slurm/cluster.json node_modules/.bin/tap dist/test/cluster/slurm-cluster.test.js
#   bash scripts/test-hosts/slurm.sh status   # exit 0 and print cluster.json if the cluster is healthy
#   bash scripts/test-hosts/slurm.sh stop     # cancel every job, kill what start started, remove namespaces and state
#
# State lives in ${DISTRIBUTED_SLURM_DIR:-/tmp/distributed-slurm}: slurm.conf (clients find it
# through SLURM_CONF), a fresh munge key and munged socket (munge/), slurmctld's state, one
# spool directory, pid file and log per slurmd, and cluster.json (what the tests read, through
# DISTRIBUTED_SLURM_CLUSTER). Ports: slurmctld on DISTRIBUTED_SLURM_PORT (default 16817, or a
# free one if that is taken), slurmds on the next port. slurm.conf: MpiDefault=none,
# MpiParams=ports=12000-12999 (steps run with --resv-ports=N get SLURM_STEP_RESV_PORTS; a bare
# --resv-ports reserves nothing with MpiDefault=none; start checks it and cluster.json says so
# in mpiResvPorts), TaskPlugin=task/none, proctrack/linuxproc,
# select/cons_tres CR_Core, OverSubscribe=FORCE:4 (up to four jobs share a CPU, so tests that
# run at once do not queue behind each other), KillWait=3, ReturnToService=2, no accounting.
#
# Jobs and steps run with the submitter's environment (sbatch/srun default --export=ALL): the
# test's PATH (node, bun, deno) and its DISTRIBUTED_TEST_MARKER reach every task, so
# scripts/test.sh's leak check finds a task a test leaves behind. A TaskProlog adds
# DISTRIBUTED_SLURM_INSTANCE=<state dir> to every task. The daemons are started without the
# test marker (they are not leaks) and with DISTRIBUTED_SLURM_INSTANCE. `stop` cancels every job
# (scancel) first, then kills, never by name: the pid-file daemons (if still running this
# directory's config), their descendants, every process whose environment holds
# DISTRIBUTED_SLURM_INSTANCE=<state dir> (daemons, tasks, also detached ones), slurmstepd
# processes holding this directory's slurmd log open (slurmstepd writes its title over its
# environment, and its parent is init), and whatever is left in dn1..dn3's network namespaces;
# then it removes the veths, the namespaces, the bridge and the state directory.
#
# `start` reuses a running cluster if it is healthy (slurmctld answers, every node responds)
# and was started with the same PATH; otherwise it clears whatever a previous run left
# (processes, namespaces, veths, bridge, state) and starts afresh, and proves the cluster works:
# `srun -p debug -N3 hostname` prints dn1 dn2 dn3 and an sbatch job completes. Exit codes: 0 ok;
# 3 cannot run on this machine (not root, packages cannot be installed, no network
# namespaces), with the reason on stderr; anything else is a failure.
#
# Measured here (2 cores, Debian 12, Slurm 22.05.8, packages already installed): `start` from
# nothing 3.4 s: network, munged, slurmctld and four idle slurmds ~0.4 s, the two srun proofs
# ~0.1 s, and the probe batch job waits for slurmctld's first batch-scheduling pass, which comes
# ~3 s after slurmctld starts (its built-in batch_sched_delay until the first pass reads
# SchedulerParameters). `start` reusing a running cluster 0.04 s; after a `kill -9` of slurmctld
# or of a slurmd, `start` restarts everything in 3.7-4.7 s. `stop` 0.4-0.6 s, also with running
# jobs (scancel, KillWait=3); with slurmctld dead (no scancel) ~1.3 s, as slurmstepd ignores
# SIGTERM and waits for the SIGKILL. `srun -N3 true` 60-75 ms, `srun -p single true` ~50 ms,
# `srun -n 32 -p debug true` 200-240 ms. `sbatch` of a one-line job to COMPLETED (polling
# `scontrol show job -o ID`) 0.1-0.9 s: slurmctld schedules batch jobs on a once-a-second tick.
# While a batch job is pending, immediate allocations (srun, salloc) in any partition wait for
# that tick too ("srun: job N queued and waiting for resources"). Installing the missing
# packages (slurm-wlm slurmctld slurmd slurm-client munge) with apt-get took ~10 s.
#
# One cluster per machine: the bridge, namespaces and veths have fixed names. The bridge's
# alias names the state directory that owns them; `start` with another DISTRIBUTED_SLURM_DIR
# refuses while that cluster runs, and `stop` with another one leaves it alone. srun clients a
# test leaves are not stopped here (they are the test's; the leak check finds them by the
# test marker): with the cluster gone, they wait forever.
set -euo pipefail

dir=${DISTRIBUTED_SLURM_DIR:-/tmp/distributed-slurm}
dir=${dir%/}
bridge=dtslurm0
bridge_addr=10.200.1.1
ns_nodes=(dn1 dn2 dn3)
# The namespaces are dtslurm-dn1..3, as are the veths to them (lib.sh: host networks).
ns_prefix=dtslurm
all_nodes=(dn1 dn2 dn3 dn0)
declare -A ns_addr=([dn1]=10.200.1.11 [dn2]=10.200.1.12 [dn3]=10.200.1.13)
cpus=16
resv_ports=12000-12999
# Network, veth and namespace names are machine-wide, so one lock for every state directory.
lock=/tmp/distributed-slurm.lock
conf=$dir/slurm.conf
munge_sock=$dir/munge/munge.socket

say() { echo "slurm.sh: $*" >&2; }
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cannot_run() {
  {
    echo
    echo "################################################################################"
    echo "slurm.sh: THE SLURM TEST CLUSTER CANNOT RUN ON THIS MACHINE: $*"
    echo "It needs root (to install slurm-wlm, slurmctld, slurmd, slurm-client, munge, iproute2"
    echo "and util-linux with apt-get if missing, and to create network namespaces and a"
    echo "bridge). Without it the Slurm cluster manager's tests do not run. Run 'bash"
    echo "scripts/test-hosts/slurm.sh start' as root on a Debian/Ubuntu machine (or container"
    echo "with CAP_NET_ADMIN and CAP_SYS_ADMIN) to run them."
    echo "################################################################################"
    echo
  } >&2
  exit 3
}

json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# Slurm clients with this cluster's config, bounded (with slurmctld gone they retry for a while),
# without the test marker (what start and stop run is not a test's leak).
sl() { env -u DISTRIBUTED_TEST_MARKER SLURM_CONF="$conf" timeout "${SL_TIMEOUT:-10}" "$@"; }

# ---------------------------------------------------------------- status
ctld_up() { [ -f "$conf" ] && SL_TIMEOUT=5 sl scontrol ping 2>/dev/null | grep -q 'is UP'; }

# Node states, one "name STATE" line per node (STATE like IDLE, ALLOCATED, MIXED,
# IDLE+NOT_RESPONDING, DOWN+NOT_RESPONDING).
node_states() {
  sl scontrol show node -o 2>/dev/null | sed -nE 's/^NodeName=([^ ]+) .* State=([^ ]+) .*/\1 \2/p'
}

# Every node registered and responding: idle, or running jobs.
nodes_ok() {
  local states n st
  states=$(node_states) || return 1
  for n in "${all_nodes[@]}"; do
    st=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$states")
    # A usable base state, with only flags that say the scheduler is busy with it (a job
    # completing, a queued job planned onto it); DOWN, DRAIN, NOT_RESPONDING... are not.
    case "${st%%+*}" in IDLE | ALLOCATED | MIXED) ;; *) return 1 ;; esac
    local flag rest=${st#*+}
    [ "$rest" = "$st" ] && continue
    for flag in ${rest//+/ }; do
      case "$flag" in COMPLETING | PLANNED) ;; *) return 1 ;; esac
    done
  done
}

# Returns 0 if the cluster this directory describes is up and every node responds, and every
# daemon start started still runs (slurmctld notices a dead slurmd only after SlurmdTimeout).
check_cluster() {
  [ -f "$dir/cluster.json" ] && [ -f "$conf" ] || return 1
  local name p
  for name in munged slurmctld "${all_nodes[@]/#/slurmd-}"; do
    p=$(cat "$dir/launch-$name.pid" 2>/dev/null) && alive "$p" || return 1
  done
  ctld_up && nodes_ok
}

# ---------------------------------------------------------------- stop
# What this state directory's cluster started.
our_pids() {
  local f p daemons l
  # Daemons from the pid files (munged's, slurmctld's and the slurmds', and the ones start
  # recorded), if still running with this directory in their command line.
  daemons=$(pids_from_files "$dir/" "$dir"/*.pid "$dir"/munge/*.pid | tr '\n' ' ')
  # Their descendants (slurmctld's slurmscriptd; anything a daemon runs and waits for).
  for p in $daemons; do echo "$p"; done
  [ -n "$daemons" ] && descendants_of $daemons
  # Everything carrying the instance marker: the daemons, tasks (the TaskProlog adds it), also
  # tasks that left their job (double fork, setsid).
  marked_pids "DISTRIBUTED_SLURM_INSTANCE=$dir"
  # slurmstepd writes its title over its environment, and slurmd forks it twice (its parent is
  # init): dn0's are found by the log file they hold open, slurmd-dn0.log in this directory.
  for f in $(grep -lz '^slurmstepd' /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${f#/proc/}; p=${p%/cmdline}
    for l in /proc/"$p"/fd/*; do
      [[ "$(readlink "$l" 2>/dev/null)" == "$dir/"* ]] && { echo "$p"; break; }
    done
  done
  # Whatever still lives in our namespaces (they exist only for this cluster).
  owns_host_network "$bridge" "$dir" || return 0
  netns_pids "$ns_prefix" "${ns_nodes[@]}"
}

# Up to 1 s, then SIGKILL (the state is thrown away anyway). slurmstepd ignores SIGTERM: with
# slurmctld gone (no scancel) its steps wait for the SIGKILL.
kill_ours() {
  stop_pids 20 $(our_pids)
}

# Cancels every job while slurmctld still answers, and waits (bounded) until none runs.
cancel_jobs() {
  ctld_up || return 0
  local jobs i
  jobs=$(sl squeue -h -o %i 2>/dev/null) || return 0
  [ -n "$jobs" ] || return 0
  sl scancel $jobs 2>/dev/null || true
  for i in $(seq 1 100); do # up to 5 s (KillWait=3)
    jobs=$(sl squeue -h -t R,CG,PD,S -o %i 2>/dev/null) || return 0
    [ -z "$jobs" ] && return 0
    sleep 0.05
  done
  say "jobs still there after scancel (killed with the daemons): $(echo $jobs)"
  return 0
}

do_stop() {
  local rc=0
  cancel_jobs
  kill_ours || rc=1
  remove_host_network "$bridge" "$dir" "$ns_prefix" "${ns_nodes[@]}" || rc=1
  rm -rf "$dir"
  return $rc
}

nothing_to_stop() {
  [ ! -e "$dir" ] || return 1
  ! host_network_left "$bridge" "$dir" "$ns_prefix" "${ns_nodes[@]}" || return 1
  [ -z "$(our_pids)" ]
}

# ---------------------------------------------------------------- start
tools=(slurmctld slurmd srun sbatch scontrol squeue scancel sinfo munged munge unmunge ip ss nsenter unshare setsid flock timeout)

ensure_tools() {
  [ "$(id -u)" -eq 0 ] || cannot_run "not running as root (uid $(id -u))."
  local missing="" t
  for t in "${tools[@]}"; do
    command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
  done
  [ -z "$missing" ] && return 0
  command -v apt-get >/dev/null 2>&1 || cannot_run "missing:$missing, and there is no apt-get to install them."
  say "installing slurm-wlm slurmctld slurmd slurm-client munge iproute2 util-linux (missing:$missing)"
  # The packages' install scripts may try to start the daemons: no init here, and we start our own.
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm slurmctld slurmd slurm-client munge iproute2 util-linux coreutils; } >"/tmp/distributed-slurm-apt.log" 2>&1; then
    tail -n 20 /tmp/distributed-slurm-apt.log >&2 || true
    cannot_run "installing the packages with apt-get failed (log: /tmp/distributed-slurm-apt.log)."
  fi
  rm -f /tmp/distributed-slurm-apt.log
  for t in "${tools[@]}"; do
    command -v "$t" >/dev/null 2>&1 || cannot_run "$t is still missing after installing the packages."
  done
}

# The environment a run was started with: reuse only a running cluster that matches it.
session_env() { printf 'PATH=%s\n' "$PATH"; }

# Runs a daemon detached (own session, no terminal, stdio to its log, the lock fd closed),
# without the test marker, with the instance marker.
launch() { # name command...
  local name=$1; shift
  env -u DISTRIBUTED_TEST_MARKER -u SLURM_CONF DISTRIBUTED_SLURM_INSTANCE="$dir" setsid "$@" \
    </dev/null >>"$dir/$name.out" 2>&1 9>&- &
  echo $! >"$dir/launch-$name.pid"
}

port_free() { [ -z "$(ss -Htln "sport = :$1")" ]; }

choose_ports() { # sets ctld_port and slurmd_port (the next one)
  local i p
  if [ -n "${DISTRIBUTED_SLURM_PORT:-}" ]; then
    ctld_port=$DISTRIBUTED_SLURM_PORT; slurmd_port=$((ctld_port + 1))
    port_free "$ctld_port" && port_free "$slurmd_port" && return 0
    say "DISTRIBUTED_SLURM_PORT=$ctld_port: port $ctld_port or $slurmd_port is taken"; return 1
  fi
  for i in $(seq 0 50); do
    if [ "$i" -eq 0 ]; then p=16817; else p=$((20000 + RANDOM % 40000)); fi
    if port_free "$p" && port_free "$((p + 1))"; then ctld_port=$p; slurmd_port=$((p + 1)); return 0; fi
  done
  say "found no two free ports"; return 1
}

start_munge() {
  mkdir -p "$dir/munge"
  chmod 755 "$dir/munge" # munged refuses a socket directory others cannot enter
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  launch munged munged -F --force --key-file="$dir/munge/munge.key" --socket="$munge_sock" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
  local i
  for i in $(seq 1 100); do # up to 5 s
    if [ -S "$munge_sock" ] && munge -S "$munge_sock" -n 2>/dev/null | unmunge -S "$munge_sock" >/dev/null 2>&1; then return 0; fi
    alive "$(cat "$dir/launch-munged.pid")" || break
    sleep 0.05
  done
  say "munged did not start:"
  tail -n 5 "$dir/munged.out" "$dir/munge/munged.log" >&2 2>/dev/null || true
  return 1
}

write_conf() {
  local machine=$1 n
  mkdir -p "$dir/ctld-state" "$dir/spool"
  for n in "${all_nodes[@]}"; do mkdir -p "$dir/spool/$n"; done
  # Every task also gets the instance marker, so `stop` finds tasks that left their job.
  {
    echo '#!/bin/sh'
    echo "echo 'export DISTRIBUTED_SLURM_INSTANCE=$dir'"
  } >"$dir/task-prolog.sh"
  chmod 755 "$dir/task-prolog.sh"
  {
    echo "# Slurm test cluster of scripts/test-hosts/slurm.sh; clients: SLURM_CONF=$conf"
    echo "ClusterName=distributed"
    echo "SlurmctldHost=$machine($bridge_addr)"
    echo "SlurmctldPort=$ctld_port"
    echo "SlurmdPort=$slurmd_port"
    echo "SlurmUser=root"
    echo "SlurmdUser=root"
    echo "AuthType=auth/munge"
    echo "AuthInfo=socket=$munge_sock"
    echo "CredType=cred/munge"
    echo "StateSaveLocation=$dir/ctld-state"
    echo "SlurmdSpoolDir=$dir/spool/%n"
    echo "SlurmctldPidFile=$dir/slurmctld.pid"
    echo "SlurmdPidFile=$dir/slurmd-%n.pid"
    echo "SlurmctldLogFile=$dir/slurmctld.log"
    echo "SlurmdLogFile=$dir/slurmd-%n.log"
    echo "SlurmctldDebug=info"
    echo "SlurmdDebug=info"
    echo "MailProg=/bin/true"
    echo "MpiDefault=none"
    [ -n "$resv_ports" ] && echo "MpiParams=ports=$resv_ports"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "TaskProlog=$dir/task-prolog.sh"
    echo "SwitchType=switch/none"
    echo "JobAcctGatherType=jobacct_gather/none"
    echo "AccountingStorageType=accounting_storage/none"
    echo "JobCompType=jobcomp/none"
    echo "SelectType=select/cons_tres"
    echo "SelectTypeParameters=CR_Core"
    echo "SchedulerType=sched/backfill"
    echo "SchedulerParameters=batch_sched_delay=0,sched_min_interval=0"
    echo "SlurmdParameters=config_overrides"
    echo "ReturnToService=2"
    echo "KillWait=3"
    echo "InactiveLimit=0"
    echo "MinJobAge=300"
    echo "SlurmdTimeout=60"
    echo "SlurmctldTimeout=60"
    echo "NodeName=dn0 NodeHostname=$machine NodeAddr=$bridge_addr CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=1024 State=UNKNOWN"
    for n in "${ns_nodes[@]}"; do
      echo "NodeName=$n NodeAddr=${ns_addr[$n]} CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=1024 State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=dn[1-3] Default=YES MaxTime=INFINITE OverSubscribe=FORCE:4 State=UP"
    echo "PartitionName=single Nodes=dn0 MaxTime=INFINITE OverSubscribe=FORCE:4 State=UP"
  } >"$conf"
}

start_daemons() {
  local n i
  launch slurmctld slurmctld -D -f "$conf"
  # slurmctld first: a slurmd that finds no controller retries its registration only later.
  for i in $(seq 1 200); do # up to 10 s
    ctld_up && break
    alive "$(cat "$dir/launch-slurmctld.pid")" || break
    sleep 0.05
  done
  launch slurmd-dn0 slurmd -D -f "$conf" -N dn0
  for n in "${ns_nodes[@]}"; do
    as_network_host "$ns_prefix" "$n"
    launch "slurmd-$n" "${AS_NETWORK_HOST[@]}" slurmd -D -f "$conf" -N "$n"
  done
}

wait_cluster() { # bounded
  local deadline=$((SECONDS + 20)) n
  while :; do
    ctld_up && [ "$(node_states | awk '$2 == "IDLE"' | wc -l)" -eq ${#all_nodes[@]} ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "the cluster did not come up within 20 s (scontrol ping: $(SL_TIMEOUT=5 sl scontrol ping 2>&1 | tr '\n' ' '))"
      say "node states: $(node_states | tr '\n' ' ')"
      say "tail of $dir/slurmctld.log:"
      tail -n 15 "$dir/slurmctld.log" "$dir/slurmctld.out" >&2 2>/dev/null || true
      for n in "${all_nodes[@]}"; do
        say "tail of $dir/slurmd-$n.log:"
        tail -n 5 "$dir/slurmd-$n.log" "$dir/slurmd-$n.out" >&2 2>/dev/null || true
      done
      return 1
    fi
    sleep 0.05
  done
}

# Proves the cluster works: a step on the three namespaced nodes, a step with reserved ports,
# and a batch job run to completion. Sets mpi_resv_ports. The sruns first: a pending batch job
# holds up every immediate allocation (in any partition) until slurmctld's next scheduling pass,
# and the first one comes ~3 s after slurmctld starts.
prove_cluster() {
  local out job state i ok=0 srun_pid ports_pid
  sl srun -p debug -N3 hostname >"$dir/.probe-srun" 2>"$dir/.probe-srun.err" &
  srun_pid=$!
  sl srun -p debug -N1 --resv-ports=1 printenv SLURM_STEP_RESV_PORTS >"$dir/.probe-ports" 2>"$dir/.probe-ports.err" &
  ports_pid=$!
  if ! wait "$srun_pid"; then say "\`srun -p debug -N3 hostname\` failed: $(cat "$dir/.probe-srun.err")"; ok=1; fi
  out=$(sort "$dir/.probe-srun" | tr '\n' ' ')
  if [ "$out" != "dn1 dn2 dn3 " ]; then say "\`srun -p debug -N3 hostname\` printed '$out', not 'dn1 dn2 dn3'"; ok=1; fi
  mpi_resv_ports=false
  if wait "$ports_pid" && [ -n "$resv_ports" ] && grep -qE '^[0-9]+(-[0-9]+)?$' "$dir/.probe-ports"; then mpi_resv_ports=true; fi
  job=$(sl sbatch --parsable -p single -N1 -o "$dir/.probe-batch-%j.out" --wrap 'echo batch-on-$SLURMD_NODENAME' 2>"$dir/.probe-sbatch.err") || {
    say "sbatch failed: $(cat "$dir/.probe-sbatch.err")"; ok=1; }
  job=${job%%;*}
  if [ -n "$job" ]; then
    state=""
    for i in $(seq 1 300); do # up to 15 s
      state=$(sl scontrol show job -o "$job" 2>/dev/null | sed -nE 's/.* JobState=([^ ]+) .*/\1/p')
      case "$state" in
        COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED) break ;;
      esac
      sleep 0.05
    done
    if [ "$state" != COMPLETED ]; then
      say "the probe batch job $job did not complete within 15 s (state ${state:-unknown})"; ok=1
    elif ! grep -qx 'batch-on-dn0' "$dir/.probe-batch-$job.out" 2>/dev/null; then
      say "the probe batch job $job wrote '$(cat "$dir/.probe-batch-$job.out" 2>&1)', not 'batch-on-dn0'"; ok=1
    fi
  fi
  rm -f "$dir"/.probe-*
  return $ok
}

do_start() {
  ensure_tools
  exec 9>"$lock"
  flock -w 60 9 || { say "another start/stop holds $lock"; exit 1; }

  if [ -f "$dir/session.env" ] && [ "$(cat "$dir/session.env")" = "$(session_env)" ] && check_cluster; then
    echo "$dir/cluster.json"
    return 0
  fi
  if ! nothing_to_stop; then
    [ -f "$dir/cluster.json" ] && say "restarting the Slurm cluster in $dir (not healthy, or started with another PATH)"
    do_stop || { say "could not clear what a previous run left"; exit 1; }
  fi

  if ! owns_host_network "$bridge" "$dir"; then
    local owner; owner=$(host_network_owner "$bridge")
    say "the Slurm test cluster of $owner holds the bridge $bridge and the dn1..dn3 namespaces (one cluster per machine): stop it first with DISTRIBUTED_SLURM_DIR=$owner bash $0 stop"
    exit 1
  fi
  mkdir -p "$dir"
  chmod 755 "$dir"
  session_env >"$dir/session.env"
  local machine; machine=$(hostname)
  local ctld_port slurmd_port mpi_resv_ports
  choose_ports || { do_stop || true; exit 1; }

  local n addresses=()
  for n in "${ns_nodes[@]}"; do addresses+=("$n=${ns_addr[$n]}"); done
  if ! create_host_network "$bridge" "$bridge_addr" "$dir" "$ns_prefix" "${addresses[@]}" 2>"$dir/network.err"; then
    local why; why=$(cat "$dir/network.err")
    do_stop || true
    cannot_run "creating the bridge $bridge and network namespaces failed: $why"
  fi
  start_munge || { say "munged did not start"; do_stop || true; exit 1; }
  write_conf "$machine"
  start_daemons
  if ! wait_cluster; then
    say "the Slurm cluster did not come up; stopping what started"
    do_stop || true
    exit 1
  fi
  if ! prove_cluster; then
    say "the Slurm cluster does not work; stopping what started (logs: $dir/*.log, kept in $dir.failed)"
    rm -rf "$dir.failed"; cp -r "$dir" "$dir.failed" 2>/dev/null || true
    do_stop || true
    exit 1
  fi

  {
    echo "{"
    echo "  \"slurmConf\": $(json_str "$conf"),"
    echo "  \"bridgeAddress\": \"$bridge_addr\","
    echo "  \"partitions\": { \"debug\": [\"dn1\", \"dn2\", \"dn3\"], \"single\": [\"dn0\"] },"
    echo "  \"defaultPartition\": \"debug\","
    echo "  \"cpusPerNode\": $cpus,"
    echo "  \"nodes\": ["
    for n in "${ns_nodes[@]}"; do
      echo "    { \"name\": \"$n\", \"address\": \"${ns_addr[$n]}\", \"hostname\": \"$n\" },"
    done
    echo "    { \"name\": \"dn0\", \"address\": \"$bridge_addr\", \"hostname\": $(json_str "$machine") }"
    echo "  ],"
    echo "  \"mpiResvPorts\": $mpi_resv_ports"
    echo "}"
  } >"$dir/cluster.json.tmp"
  mv "$dir/cluster.json.tmp" "$dir/cluster.json"
  echo "$dir/cluster.json"
}

test_hosts_main "${1:-}" check_cluster "$dir/cluster.json" 'DISTRIBUTED_SLURM_DIR:-/tmp/distributed-slurm'
