# Process helpers shared by the test-host scripts (ssh.sh, slurm.sh), sourced by them. They
# stop only what a script started, never by name, and treat zombies as gone (PID 1 reaps
# slowly here). Each script defines `say` before sourcing this file.

# Whether a pid is alive: still there and not a zombie (the state is the field after the
# command name's ")", which may itself hold spaces).
alive() {
  local l; read -r l 2>/dev/null <"/proc/$1/stat" || return 1
  l=${l##*) }
  [ -n "$l" ] && [ "${l%% *}" != Z ]
}

# Our own pid and ancestors: never killed, even when stop runs inside a session or a job.
self_chain() {
  local p=$$
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    echo "$p"
    # The parent pid is the 2nd field after the command name: cut after ")".
    p=$(sed -E 's/.*\) [A-Za-z] ([0-9]+) .*/\1/' "/proc/$p/stat" 2>/dev/null) || break
  done
}

# descendants_of PID...: every live descendant of the given processes, one per line.
descendants_of() {
  local f p l rest
  for f in /proc/[0-9]*/stat; do
    read -r l 2>/dev/null <"$f" || continue
    rest=${l##*) }; rest=${rest#* }
    p=${f#/proc/}; echo "${p%/stat} ${rest%% *}"
  done | awk -v roots="$*" '
    { parent[$1] = $2 }
    END {
      n = split(roots, r, " "); for (i = 1; i <= n; i++) mark[r[i]] = 1
      do { more = 0; for (p in parent) if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; more = 1; print p } } while (more)
    }'
}

# still_alive TICKS PID...: waits up to TICKS × 50 ms for the processes to end; prints the
# ones still alive then (nothing when all ended).
still_alive() {
  local ticks=$1 p left i
  shift
  for i in $(seq 1 "$ticks"); do
    left=""
    for p in "$@"; do alive "$p" && left="$left $p"; done
    [ -z "$left" ] && return 0
    sleep 0.05
  done
  echo "$left"
}

# stop_pids GRACE_TICKS PID...: SIGTERM to the live ones (never to ourselves or our
# ancestors), SIGKILL to what is left after GRACE_TICKS × 50 ms; fails if any survives that.
stop_pids() {
  local ticks=$1 mine pids="" p left
  shift
  mine=" $(self_chain | tr '\n' ' ') "
  for p in $(printf '%s\n' "$@" | sort -un); do
    [[ "$mine" == *" $p "* ]] && continue
    alive "$p" && pids="$pids $p"
  done
  [ -z "$pids" ] && return 0
  kill -TERM $pids 2>/dev/null || true
  left=$(still_alive "$ticks" $pids)
  [ -z "$left" ] && return 0
  say "killing (SIGKILL) what did not stop on SIGTERM:$left"
  kill -KILL $left 2>/dev/null || true
  left=$(still_alive 40 $left)
  [ -z "$left" ] && return 0
  say "still running after SIGKILL:$left"
  return 1
}

# test_hosts_main COMMAND CHECK_FN DESCRIPTION_FILE STATE_DIR_HINT: the start|stop|status
# dispatch both scripts share. They define do_start, do_stop, nothing_to_stop, $lock and say.
test_hosts_main() {
  local cmd=$1 check=$2 description=$3 hint=$4
  case "$cmd" in
    start) do_start ;;
    stop)
      nothing_to_stop && exit 0
      [ "$(id -u)" -eq 0 ] || { say "stop needs root"; exit 1; }
      exec 9>"$lock"
      flock -w 60 9 || { say "another start/stop holds $lock"; exit 1; }
      do_stop
      ;;
    status)
      if "$check"; then echo "$description"; else exit 1; fi
      ;;
    *)
      echo "usage: $0 start|stop|status   (state in \${$hint})" >&2
      exit 2
      ;;
  esac
}

# pids_from_files MATCH FILE...: the pids in these pid files whose process still runs with
# MATCH in its command line (a pid file can outlive its process, and pids are reused).
pids_from_files() {
  local match=$1 f p
  shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    p=$(cat "$f" 2>/dev/null) || continue
    [[ "$p" =~ ^[0-9]+$ ]] || continue
    tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -qF -- "$match" && echo "$p"
  done
  return 0
}

# marked_pids NAME=VALUE: every process whose environment holds exactly this variable.
marked_pids() {
  grep -lzxF -- "$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true
}

# netns_pids PREFIX NAME...: the processes in the network namespaces PREFIX-NAME that exist.
netns_pids() {
  local prefix=$1 n
  shift
  for n in "$@"; do
    if [ -e "/run/netns/$prefix-$n" ]; then ip netns pids "$prefix-$n" 2>/dev/null || true; fi
  done
  return 0
}
