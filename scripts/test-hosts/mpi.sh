#!/usr/bin/env bash
# Open MPI and mpi4py for the SPMD tests and bench (Debian's openmpi-bin and python3-mpi4py):
# `mpirun` to launch the same script on N ranks, and mpi4py as the peer the bench measures
# against. Installs the packages with apt-get when missing (root only), then prints where they
# are. Usage: scripts/test-hosts/mpi.sh [install|status]
set -euo pipefail

say() { echo "mpi.sh: $*" >&2; }
cannot_run() {
  say "cannot install Open MPI: $*"
  exit 3
}

python_for_mpi4py() {
  # Debian's python3-mpi4py is for Debian's python3, which another python3 on PATH may hide.
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import mpi4py" >/dev/null 2>&1; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

status() {
  local ok=0
  if command -v mpirun >/dev/null 2>&1; then echo "mpirun: $(command -v mpirun) ($(mpirun --version 2>/dev/null | head -n 1))"; else
    echo "mpirun: missing"
    ok=1
  fi
  if py=$(python_for_mpi4py); then echo "mpi4py: $py"; else
    echo "mpi4py: missing"
    ok=1
  fi
  return $ok
}

install() {
  if status >/dev/null 2>&1; then status; return 0; fi
  [ "$(id -u)" -eq 0 ] || cannot_run "not running as root (uid $(id -u))."
  command -v apt-get >/dev/null 2>&1 || cannot_run "there is no apt-get."
  say "installing openmpi-bin python3-mpi4py"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev python3-mpi4py; } >"/tmp/distributed-mpi-apt.log" 2>&1; then
    tail -n 20 /tmp/distributed-mpi-apt.log >&2 || true
    cannot_run "installing the packages with apt-get failed (log: /tmp/distributed-mpi-apt.log)."
  fi
  rm -f /tmp/distributed-mpi-apt.log
  status
}

case "${1:-install}" in
  install) install ;;
  status) status ;;
  *)
    say "usage: $0 [install|status]"
    exit 2
    ;;
esac
