#!/usr/bin/env bash
# The whole test suite, as a new user or CI runs it: `npm test`.
#   - installs dependencies if they are missing (Bun and Deno come from npm)
#   - builds, runs the repository checks, then every tap test with workers under node, bun
#     and deno
#   - fails if any process started by the tests is still running afterwards
#   - starts real SSH test hosts for the SSH manager's tests (scripts/test-hosts/ssh.sh: sshd on
#     127.0.0.1 and in two network namespaces; needs root) and stops them on every exit, after
#     the leak check. If they cannot run on this machine (ssh.sh exits 3), the SSH tests report
#     themselves as skipped and a "test: N tests NOT RUN" line says so; under CI=true that is a
#     failure instead. Any other failure to start them counts as one failure.
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

# SSH test hosts. Their sessions get this PATH and this run's marker (the daemons do not carry
# the marker, so they are not leaks; a worker a test leaves on a "remote" host is).
extra_failed=0
ssh_unavailable=""
ssh_started=""
stop_ssh_hosts() {
  [ -n "$ssh_started" ] || return 0
  ssh_started=""
  bash scripts/test-hosts/ssh.sh stop || { echo "test: stopping the SSH test hosts failed"; return 1; }
}
trap stop_ssh_hosts EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
ssh_started=1
ssh_out=$(bash scripts/test-hosts/ssh.sh start)
ssh_rc=$?
if [ "$ssh_rc" -eq 0 ]; then
  export DISTRIBUTED_SSH_HOSTS=$(tail -n 1 <<<"$ssh_out")
  echo "test: SSH test hosts up ($DISTRIBUTED_SSH_HOSTS)"
elif [ "$ssh_rc" -eq 3 ]; then
  ssh_unavailable=1
  echo "################################################################################"
  echo "test: THE SSH TEST HOSTS CANNOT RUN ON THIS MACHINE (reason above): the SSH tests"
  if [ "${CI:-}" = "true" ]; then
    echo "test: fail, and CI=true, so this run counts one failure for it."
    extra_failed=$((extra_failed + 1))
  else
    echo "test: will be reported as NOT RUN (skipped)."
  fi
  echo "################################################################################"
else
  echo "test: starting the SSH test hosts FAILED (scripts/test-hosts/ssh.sh start exited $ssh_rc); counted as one failure"
  extra_failed=$((extra_failed + 1))
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

# After the leak check, so a worker left on an SSH host was reported above.
stop_ssh_hosts || failed=$((failed + 1))

if [ "$skipped" -gt 0 ]; then
  if [ -n "$ssh_unavailable" ]; then
    echo "test: $skipped tests NOT RUN (skipped; the SSH test hosts cannot run on this machine, see above)"
  else
    echo "test: $skipped tests NOT RUN (skipped)"
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
