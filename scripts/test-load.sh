#!/usr/bin/env bash
# The whole test suite on a busy machine: `npm run test:load`. Starts one CPU hog per core
# (busy loops at normal priority, as another user's job would be), runs `npm test` beside them,
# and stops the hogs on every exit. The guarantees (no orphans, jobs given back, no unhandled
# rejections, every wait bounded by an event) must hold here as on a quiet machine.
# Usage: bash scripts/test-load.sh [hogs]   (default: the number of cores)
set -uo pipefail
cd "$(dirname "$0")/.."
hogs=${1:-$(nproc)}
pids=()
stop_hogs() {
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  pids=()
}
trap stop_hogs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for _ in $(seq 1 "$hogs"); do
  node -e 'for (;;) {}' &
  pids+=($!)
done
echo "test:load: $hogs CPU hog(s) running beside the suite (pids ${pids[*]})"
bash scripts/test.sh
