#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: `npm test`.
#   - installs dependencies if they are missing (Bun and Deno come from npm)
#   - builds, runs the repository checks, then every tap test with workers under node, bun
#     and deno
#   - fails if any process started by the tests is still running afterwards
#   - installs Open MPI and mpi4py (scripts/test-hosts/mpi.sh) for the SPMD tests' mpirun
#   - starts real daemons for the cluster managers' tests and stops them on every exit, after
#     the leak check: SSH test hosts (scripts/test-hosts/ssh.sh: sshd on 127.0.0.1 and in two
#     network namespaces), then a Slurm test cluster (scripts/test-hosts/slurm.sh: slurmctld,
#     slurmd on this machine and in three network namespaces; exports DISTRIBUTED_SLURM_CLUSTER
#     and SLURM_CONF). Both need root. If one cannot run on this machine (its script exits 3),
#     its tests report themselves as skipped and a "test: N tests NOT RUN" line says so; under
#     CI=true that is a failure instead. Any other failure to start one counts as one failure.
#   - fails if a Slurm job is still queued or running after the tests ("LEFT-BEHIND"), and
#     cancels it
# Ends with one plain line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -x node_modules/.bin/tap ]; then
  echo "test: installing dependencies"
  npm install --no-audit --no-fund || { echo "0 passed, 1 failed"; exit 1; }
fi
# npm may skip bun's postinstall (e.g. --ignore-scripts); it only places the binary.
if ! node_modules/bun/bin/bun.exe --version >/dev/null 2>&1; then (cd node_modules/bun && node install.js) >/dev/null; fi

# Real binaries first on PATH: npm's `deno` is a Node shim that would sit between a test and
# the process it means to signal.
bindir="$root/node_modules/.cache/distributed-test-bin"
mkdir -p "$bindir"
ln -sf "$root/node_modules/bun/bin/bun.exe" "$bindir/bun"
deno_bin=$(ls "$root"/node_modules/@deno/*/deno 2>/dev/null | head -n 1)
[ -n "$deno_bin" ] && ln -sf "$deno_bin" "$bindir/deno"
export PATH="$bindir:$PATH"
for r in bun deno; do
  "$r" --version >/dev/null 2>&1 || { echo "test: $r is not available after install; cannot run the $r tests"; echo "0 passed, 1 failed"; exit 1; }
done
echo "test: node $(node --version), bun $(bun --version), $(deno --version | head -n 1)"

node scripts/build.mjs --clean || { echo "0 passed, 1 failed"; exit 1; }
node scripts/check.mjs || { echo "0 passed, 1 failed"; exit 1; }

# Every process the tests start inherits this marker, so leaks can be found afterwards.
export DISTRIBUTED_TEST_MARKER="run-$$-$(date +%s)"

# Real daemons for the cluster managers' tests. The SSH hosts' sessions and Slurm's tasks get
# this PATH and this run's marker (the daemons do not carry the marker, so they are not leaks;
# a worker a test leaves on a "remote" host or node is).
extra_failed=0
unavailable=""   # what cannot run on this machine, for the NOT RUN line
started=""       # test-host scripts to stop, last started first
hosts_out=""     # the last line `start` printed: its description file
stop_test_hosts() {
  local name rc=0
  for name in $started; do
    bash "scripts/test-hosts/$name.sh" stop || { echo "test: stopping scripts/test-hosts/$name.sh failed"; rc=1; }
  done
  started=""
  return $rc
}
trap stop_test_hosts EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
# start_test_hosts NAME WHAT: runs scripts/test-hosts/NAME.sh start; 0 and $hosts_out when up.
start_test_hosts() {
  local name=$1 what=$2 out rc
  started="$name $started" # before starting: a start that fails halfway is cleaned up too
  out=$(bash "scripts/test-hosts/$name.sh" start)
  rc=$?
  hosts_out=$(tail -n 1 <<<"$out")
  if [ "$rc" -eq 0 ]; then
    echo "test: $what up ($hosts_out)"
    return 0
  elif [ "$rc" -eq 3 ]; then
    unavailable="${unavailable:+$unavailable and }the $what"
    echo "################################################################################"
    echo "test: THE ${what^^} CANNOT RUN ON THIS MACHINE (reason above): the tests that need them"
    if [ "${CI:-}" = "true" ]; then
      echo "test: fail, and CI=true, so this run counts one failure for it."
      extra_failed=$((extra_failed + 1))
    else
      echo "test: will be reported as NOT RUN (skipped)."
    fi
    echo "################################################################################"
  else
    echo "test: starting the $what FAILED (scripts/test-hosts/$name.sh start exited $rc); counted as one failure"
    extra_failed=$((extra_failed + 1))
  fi
  return 1
}
# Open MPI and mpi4py (Debian packages, no daemon) for the SPMD tests' mpirun launches, on this
# machine and inside the Slurm test cluster's allocations: installed when missing.
if ! bash scripts/test-hosts/mpi.sh install; then
  echo "test: installing Open MPI (scripts/test-hosts/mpi.sh) FAILED: the mpirun tests will fail; counted as one failure"
  extra_failed=$((extra_failed + 1))
fi
if start_test_hosts ssh "SSH test hosts"; then
  export DISTRIBUTED_SSH_HOSTS=$hosts_out
fi
slurm_up=""
if start_test_hosts slurm "Slurm test cluster"; then
  export DISTRIBUTED_SLURM_CLUSTER=$hosts_out
  export SLURM_CONF
  SLURM_CONF=$(sed -nE 's/^ *"slurmConf": "(.*)",$/\1/p' "$DISTRIBUTED_SLURM_CLUSTER")
  slurm_up=1
fi

out=$(mktemp)
files=$(find dist/test -name '*.test.js' | sort)
node_modules/.bin/tap --reporter=tap $files 2>&1 | tee "$out"
summary=$(grep -E '^# \{ total: [0-9]+' "$out" | tail -n 1)
rm -f "$out"
passed=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
total=$(sed -nE 's/.*total: ([0-9]+).*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*skip: ([0-9]+).*/\1/p' <<<"$summary")
passed=${passed:-0}
failed=$((${failed:-0} + extra_failed))
skipped=${skipped:-0}
if [ -z "$total" ]; then echo "test: tap printed no summary"; failed=$((failed + 1)); fi

# Leak check: live processes (not zombies) carrying this run's marker.
leaks=""
for environ in /proc/[0-9]*/environ; do
  pid=${environ#/proc/}; pid=${pid%/environ}
  [ "$pid" = "$$" ] && continue
  if { tr '\0' '\n' <"$environ"; } 2>/dev/null | grep -qx "DISTRIBUTED_TEST_MARKER=$DISTRIBUTED_TEST_MARKER"; then
    state=$(sed -E 's/.*\) ([A-Za-z]) .*/\1/' "/proc/$pid/stat" 2>/dev/null)
    [ "$state" = "Z" ] || [ -z "$state" ] && continue
    leaks="$leaks $pid"
  fi
done
# The shell itself and its pipeline carry the marker too; keep only processes that are not us.
real_leaks=""
for pid in $leaks; do
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
  case "$args" in *scripts/test.sh*|"") continue ;; esac
  real_leaks="$real_leaks $pid"
  echo "test: LEAKED process $pid: $args"
done
if [ -n "$real_leaks" ]; then
  kill -9 $real_leaks 2>/dev/null
  failed=$((failed + 1))
fi

# Slurm jobs still queued or running: a test left them (their tasks, if any ran, carry the
# marker and were reported above). A job whose tasks just ended may still be COMPLETING for a
# moment: those get 3 s to go.
if [ -n "$slurm_up" ]; then
  squeue_jobs() { timeout 10 squeue -h -o '%i %P %j %T %M %D %R' 2>/dev/null; }
  left=$(squeue_jobs)
  for i in $(seq 1 30); do
    [ -z "$left" ] || grep -qv ' COMPLETING ' <<<"$left" && break
    sleep 0.1
    left=$(squeue_jobs)
  done
  if [ -n "$left" ]; then
    while IFS= read -r line; do echo "test: LEFT-BEHIND Slurm job $line"; done <<<"$left"
    failed=$((failed + 1))
    timeout 10 scancel $(awk '{ print $1 }' <<<"$left") || echo "test: scancel of the left-behind jobs failed"
  fi
fi

# After the leak check, so a worker left on an SSH host or Slurm node was reported above.
stop_test_hosts || failed=$((failed + 1))

if [ "$skipped" -gt 0 ]; then
  if [ -n "$unavailable" ]; then
    echo "test: $skipped tests NOT RUN (skipped; $unavailable cannot run on this machine, see above)"
  else
    echo "test: $skipped tests NOT RUN (skipped)"
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
