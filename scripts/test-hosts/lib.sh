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

# ---------------------------------------------------------------- host networks
# A host network: a bridge BRIDGE on which this machine has an address, and one network
# namespace PREFIX-NAME per test host, joined to the bridge by a veth pair (PREFIX-NAME on this
# side, eth0 inside), with a default route via this machine. The hosts reach each other and this
# machine's bridge address, not its 127.0.0.1. Bridge, veth and namespace names are
# machine-wide, so the bridge's alias records the state directory that owns the network: a
# script run with another state directory leaves it alone.

# Runs a command, and says which one failed (callers run in `if`, where set -e is off).
run() { "$@" || { echo "\`$*\` failed" >&2; return 1; }; }

# host_network_owner BRIDGE: the state directory that made the bridge (its alias), or nothing.
host_network_owner() { cat "/sys/class/net/$1/ifalias" 2>/dev/null || true; }

# owns_host_network BRIDGE DIR: whether DIR may use and remove the network: the bridge was made
# for DIR, or there is none, or it has no owner (half torn down, nobody's).
owns_host_network() {
  local bridge=$1 dir=$2 owner
  [ -e "/sys/class/net/$bridge" ] || return 0
  owner=$(host_network_owner "$bridge")
  [ "$owner" = "$dir" ] || [ -z "$owner" ]
}

# create_host_network BRIDGE BRIDGE_ADDRESS DIR PREFIX NAME=ADDRESS...: makes the bridge, owned
# by DIR, with this machine at BRIDGE_ADDRESS/24, and a namespace PREFIX-NAME for each host, its
# eth0 at ADDRESS/24. Stops at the first step that fails, naming it on stderr (the caller tears
# down what was made, with remove_host_network).
create_host_network() {
  local bridge=$1 bridge_addr=$2 dir=$3 prefix=$4 pair name addr
  shift 4
  run ip link add "$bridge" type bridge || return 1
  run ip link set "$bridge" alias "$dir" || return 1
  run ip addr add "$bridge_addr/24" dev "$bridge" || return 1
  run ip link set "$bridge" up || return 1
  for pair in "$@"; do
    name=$prefix-${pair%%=*} addr=${pair#*=}
    run ip netns add "$name" || return 1
    run ip link add "$name" type veth peer name "${name}p" || return 1
    run ip link set "${name}p" netns "$name" || return 1
    run ip -n "$name" link set "${name}p" name eth0 || return 1
    run ip -n "$name" addr add "$addr/24" dev eth0 || return 1
    run ip -n "$name" link set lo up || return 1
    run ip -n "$name" link set eth0 up || return 1
    run ip -n "$name" route add default via "$bridge_addr" || return 1
    run ip link set "$name" master "$bridge" up || return 1
  done
}

# remove_host_network BRIDGE DIR PREFIX NAME...: removes whatever exists of the network (veths,
# namespaces PREFIX-NAME, bridge) if DIR owns it; leaves another directory's alone. Fails if a
# removal fails, after trying the others.
remove_host_network() {
  local bridge=$1 dir=$2 prefix=$3 n rc=0
  shift 3
  owns_host_network "$bridge" "$dir" || return 0
  for n in "$@"; do
    # The veth first: then `ip netns del` is synchronous and a quick restart can reuse the names.
    if ip link show "$prefix-$n" >/dev/null 2>&1; then run ip link del "$prefix-$n" || rc=1; fi
    if [ -e "/run/netns/$prefix-$n" ]; then run ip netns del "$prefix-$n" || rc=1; fi
  done
  if ip link show "$bridge" >/dev/null 2>&1; then run ip link del "$bridge" || rc=1; fi
  return $rc
}

# host_network_left BRIDGE DIR PREFIX NAME...: whether any of DIR's network (the bridge, a
# namespace PREFIX-NAME) still exists. Another directory's network does not count.
host_network_left() {
  local bridge=$1 dir=$2 prefix=$3 n
  shift 3
  owns_host_network "$bridge" "$dir" || return 1
  ip link show "$bridge" >/dev/null 2>&1 && return 0
  for n in "$@"; do [ -e "/run/netns/$prefix-$n" ] && return 0; done
  return 1
}

# as_network_host PREFIX NAME: sets the array AS_NETWORK_HOST to the command words that run the
# words after them (exec: same pid, same command line) in the network namespace PREFIX-NAME and
# in a UTS namespace of their own whose hostname is NAME, e.g.
#   as_network_host dtssh dh1; launch dh1 "${AS_NETWORK_HOST[@]}" "$sshd" -D -f "$conf"
# (an array, not a function: launch runs it under setsid). nsenter, not `ip netns exec`, which
# remounts /sys (slurmd then finds no cgroup filesystem).
as_network_host() {
  AS_NETWORK_HOST=(nsenter --net="/run/netns/$1-$2" unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$2")
}
