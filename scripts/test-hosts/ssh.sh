#!/usr/bin/env bash
# SSH test hosts for the SSH cluster manager's tests: three real sshd "hosts" on this machine.
#   dh0  127.0.0.1:<free port>   sshd on loopback; its hostname is this machine's
#   dh1  10.200.2.11:22          sshd in its own network + UTS namespace, hostname "dh1"
#   dh2  10.200.2.12:22          likewise, hostname "dh2"
# dh1 and dh2 hang off a bridge (dtssh0) on which this machine is 10.200.2.1; they reach each
# other and 10.200.2.1, but not this machine's 127.0.0.1 (a master that workers on dh1/dh2
# must reach listens on 10.200.2.1).
#
# Usage (as root; `npm test` runs start and stop itself):
#   bash scripts/test-hosts/ssh.sh start    # prints the path of hosts.json as its last line
#   ssh -F /tmp/distributed-ssh-hosts/ssh_config dh1 hostname     # -> dh1
#   DISTRIBUTED_SSH_HOSTS=/tmp/distributed-ssh-hosts/hosts.json node_modules/.bin/tap dist/test/cluster/ssh-hosts.test.js
#   bash scripts/test-hosts/ssh.sh status   # exit 0 and print hosts.json if all hosts answer
#   bash scripts/test-hosts/ssh.sh stop     # kill what start started, remove namespaces and state
#
# State lives in ${DISTRIBUTED_SSH_DIR:-/tmp/distributed-ssh-hosts}: fresh host and client keys
# (ed25519, per start), authorized_keys, known_hosts, ssh_config (for `ssh -F`), one sshd
# config, pid file and log per host, and hosts.json (what the tests read, through
# DISTRIBUTED_SSH_HOSTS). DISTRIBUTED_SSH_PORT chooses the loopback port (default: a free one).
#
# Sessions get the PATH of the caller of `start` (so node, bun and deno resolve as they do for
# the caller; root's ~/.bashrc still runs and may prepend to it), DISTRIBUTED_SSH_INSTANCE=<state
# dir>, and the caller's DISTRIBUTED_TEST_MARKER if it had one: a worker a test forgets on a
# "remote" host carries the test run's marker and is found by scripts/test.sh's leak check. The
# daemons are started without the marker (they are not leaks) and with DISTRIBUTED_SSH_INSTANCE.
# `stop` kills, never by name: the pid-file sshds and any sshd running this directory's config
# (sshd writes its process title over its environment block, so /proc/PID/environ of an sshd
# no longer shows either variable), their descendants, every process whose environment holds
# DISTRIBUTED_SSH_INSTANCE=<state dir> (sessions, also detached ones), and whatever is left in
# dh1's and dh2's network namespaces.
#
# `start` reuses running hosts if all answer and were started with the same PATH and marker;
# otherwise it clears whatever a previous run left (processes, namespaces, veths, bridge) and
# starts afresh. Exit codes: 0 ok; 3 cannot run on this machine (not root, packages cannot be
# installed, no network namespaces), with the reason on stderr; anything else is a failure.
#
# One set of hosts per machine: the bridge, namespaces and veths have fixed names. The bridge's
# alias names the state directory that owns them; `start` with another DISTRIBUTED_SSH_DIR
# refuses while those hosts run, and `stop` with another one leaves them alone (it stops only
# what its own directory started).
#
# Measured here (2 cores, Debian 12, packages already installed): `start` from nothing
# 0.6-1.0 s (most of it the three first logins that prove the hosts answer), `start` reusing
# running hosts 0.4-0.6 s, `stop` ~0.2 s; one `ssh -F ssh_config dh1 true` ~0.24 s (dh0 the
# same), ~0.1 s of which is root's ~/.bashrc (pyenv init) on the remote side. Installing the
# missing packages (here only openssh-server was missing) added ~9 s: apt-get update ~3 s,
# install ~6 s.
set -euo pipefail

dir=${DISTRIBUTED_SSH_DIR:-/tmp/distributed-ssh-hosts}
dir=${dir%/}
bridge=dtssh0
bridge_addr=10.200.2.1
ns_hosts=(dh1 dh2)
# The namespaces are dtssh-dh1 and dtssh-dh2, as are the veths to them (lib.sh: host networks).
ns_prefix=dtssh
declare -A ns_addr=([dh1]=10.200.2.11 [dh2]=10.200.2.12)
# Network, veth and namespace names are machine-wide, so one lock for every state directory.
lock=/tmp/distributed-ssh-hosts.lock
sshd=/usr/sbin/sshd

say() { echo "ssh.sh: $*" >&2; }
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cannot_run() {
  {
    echo
    echo "################################################################################"
    echo "ssh.sh: THE SSH TEST HOSTS CANNOT RUN ON THIS MACHINE: $*"
    echo "They need root (to install openssh-server, openssh-client, iproute2 and util-linux"
    echo "with apt-get if missing, and to create network namespaces and a bridge). Without"
    echo "them the SSH cluster manager's tests do not run. Run 'bash scripts/test-hosts/ssh.sh"
    echo "start' as root on a Debian/Ubuntu machine (or container with CAP_NET_ADMIN and"
    echo "CAP_SYS_ADMIN) to run them."
    echo "################################################################################"
    echo
  } >&2
  exit 3
}

re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; } # quoted for grep -E

json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

# ---------------------------------------------------------------- status
# Prints hosts.json and returns 0 if every host answers `hostname` with the expected name.
check_hosts() {
  [ -f "$dir/hosts.json" ] && [ -f "$dir/ssh_config" ] && [ -f "$dir/machine_hostname" ] || return 1
  local machine; machine=$(cat "$dir/machine_hostname")
  local -A want=([dh0]=$machine [dh1]=dh1 [dh2]=dh2)
  local h pids=()
  for h in dh0 dh1 dh2; do
    ssh -F "$dir/ssh_config" -o ConnectTimeout=3 "$h" hostname >"$dir/.status-$h" 2>/dev/null </dev/null &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  local ok=0
  for h in dh0 dh1 dh2; do
    [ "$(cat "$dir/.status-$h" 2>/dev/null)" = "${want[$h]}" ] || ok=1
    rm -f "$dir/.status-$h"
  done
  return $ok
}

# ---------------------------------------------------------------- stop

# What this state directory's hosts started. Not by environment alone: sshd rewrites its
# process title over its environment block, so /proc/PID/environ of sshd processes (listeners
# and per-connection processes) no longer shows DISTRIBUTED_SSH_INSTANCE; session processes do.
our_pids() {
  local f p daemons
  # Listeners: from the pid files, if still running this directory's config, and any process
  # whose title is the command start runs (sshd keeps it in its title), e.g. after a crashed
  # run lost its pid files.
  daemons=$(pids_from_files "$dir/sshd-" "$dir"/*.pid | tr '\n' ' ')
  for f in $(grep -lzE -- "^sshd: $(re "$sshd -D -f $dir/sshd-")" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${f#/proc/}; daemons="$daemons ${p%/cmdline}"
  done
  # Their descendants: connection processes and the sessions under them.
  for p in $daemons; do echo "$p"; done
  [ -n "$daemons" ] && descendants_of $daemons
  # Everything carrying the instance marker: session processes, also those that left their
  # session (double fork, setsid).
  marked_pids "DISTRIBUTED_SSH_INSTANCE=$dir"
  # Whatever still lives in our namespaces (they exist only for these hosts), if they are ours.
  owns_host_network "$bridge" "$dir" || return 0
  netns_pids "$ns_prefix" "${ns_hosts[@]}"
}

# Up to 3 s, then SIGKILL.
kill_ours() {
  stop_pids 60 $(our_pids)
}

do_stop() {
  local rc=0
  kill_ours || rc=1
  remove_host_network "$bridge" "$dir" "$ns_prefix" "${ns_hosts[@]}" || rc=1
  rm -rf "$dir"
  return $rc
}

nothing_to_stop() {
  [ ! -e "$dir" ] || return 1
  ! host_network_left "$bridge" "$dir" "$ns_prefix" "${ns_hosts[@]}" || return 1
  [ -z "$(our_pids)" ]
}

# ---------------------------------------------------------------- start
ensure_tools() {
  [ "$(id -u)" -eq 0 ] || cannot_run "not running as root (uid $(id -u))."
  local missing=""
  [ -x "$sshd" ] || missing="$missing $sshd"
  # csh: the shell-quoting tests round-trip through a real csh (remote hosts may log in with one).
  [ -x /bin/csh ] || missing="$missing csh"
  local t
  for t in ssh ssh-keygen ip ss nsenter unshare setsid flock; do
    command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
  done
  [ -z "$missing" ] && return 0
  command -v apt-get >/dev/null 2>&1 || cannot_run "missing:$missing, and there is no apt-get to install them."
  say "installing openssh-server openssh-client iproute2 util-linux csh (missing:$missing)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client iproute2 util-linux csh; } >"/tmp/distributed-ssh-apt.log" 2>&1; then
    tail -n 20 /tmp/distributed-ssh-apt.log >&2 || true
    cannot_run "installing the packages with apt-get failed (log: /tmp/distributed-ssh-apt.log)."
  fi
  rm -f /tmp/distributed-ssh-apt.log
  for t in ssh ssh-keygen ip ss nsenter unshare setsid flock; do
    command -v "$t" >/dev/null 2>&1 || cannot_run "$t is still missing after installing the packages."
  done
  [ -x "$sshd" ] || cannot_run "$sshd is still missing after installing openssh-server."
}

# The session environment a run was started with: reuse only running hosts that match it.
session_env() {
  printf 'PATH=%s\n' "$PATH"
  [ -n "${DISTRIBUTED_TEST_MARKER:-}" ] && printf 'DISTRIBUTED_TEST_MARKER=%s\n' "$DISTRIBUTED_TEST_MARKER"
  return 0
}

setenv_arg() { # NAME=VALUE, quoted for sshd's config parser
  case "$2" in *'"'*|*'\'*) say "$1 contains a quote or backslash; sshd's SetEnv cannot carry it"; exit 1 ;; esac
  printf ' "%s=%s"' "$1" "$2"
}

write_sshd_config() { # name listen-address port
  local name=$1 addr=$2 port=$3
  {
    echo "# sshd for SSH test host $name (scripts/test-hosts/ssh.sh)"
    echo "ListenAddress $addr"
    echo "Port $port"
    echo "HostKey $dir/host_ed25519"
    echo "PidFile $dir/sshd-$name.pid"
    echo "AuthorizedKeysFile $dir/authorized_keys"
    echo "PermitRootLogin prohibit-password"
    echo "PubkeyAuthentication yes"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "UsePAM no"
    echo "StrictModes no"
    echo "UseDNS no"
    echo "PrintMotd no"
    echo "PrintLastLog no"
    echo "X11Forwarding no"
    echo "MaxStartups 100:30:200"
    echo "MaxSessions 100"
    echo "LogLevel INFO"
    # One line: sshd takes the first SetEnv line only.
    printf 'SetEnv'
    setenv_arg PATH "$PATH"
    setenv_arg DISTRIBUTED_SSH_INSTANCE "$dir"
    if [ -n "${DISTRIBUTED_TEST_MARKER:-}" ]; then setenv_arg DISTRIBUTED_TEST_MARKER "$DISTRIBUTED_TEST_MARKER"; fi
    echo
  } >"$dir/sshd-$name.conf"
}

# Runs a daemon detached (own session, no terminal, stdio to its log, the lock fd closed),
# without the test marker, with the instance marker.
launch() { # name command...
  local name=$1; shift
  env -u DISTRIBUTED_TEST_MARKER DISTRIBUTED_SSH_INSTANCE="$dir" setsid "$@" \
    </dev/null >>"$dir/sshd-$name.log" 2>&1 9>&- &
  echo $! >"$dir/launch-$name.pid"
}

free_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    [ -z "$(ss -Htln "sport = :$p")" ] && { echo "$p"; return 0; }
  done
  say "found no free port"; return 1
}

start_loopback() { # sets $port
  local tries=5 i pid
  [ -n "${DISTRIBUTED_SSH_PORT:-}" ] && tries=1
  while [ "$tries" -gt 0 ]; do
    tries=$((tries - 1))
    port=${DISTRIBUTED_SSH_PORT:-$(free_port)}
    [ -n "$port" ] || return 1
    write_sshd_config dh0 127.0.0.1 "$port"
    launch dh0 "$sshd" -D -f "$dir/sshd-dh0.conf" -E "$dir/sshd-dh0.log"
    pid=$(cat "$dir/launch-dh0.pid")
    for i in $(seq 1 100); do # up to 5 s for it to listen (or die: port taken since we looked)
      ss -Htlnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid," && return 0
      alive "$pid" || break
      sleep 0.05
    done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    say "the loopback sshd did not listen on 127.0.0.1:$port:"
    tail -n 5 "$dir/sshd-dh0.log" >&2 || true
  done
  return 1
}

wait_hosts() { # name=hostname pairs; bounded
  local deadline=$((SECONDS + 15)) pending=("$@") next pair h pids
  while :; do
    pids=()
    for pair in "${pending[@]}"; do
      h=${pair%%=*}
      ssh -F "$dir/ssh_config" -o ConnectTimeout=2 "$h" hostname >"$dir/.wait-$h" 2>"$dir/.wait-$h.err" </dev/null &
      pids+=($!)
    done
    # Only these: a bare `wait` would wait for the daemons too.
    wait "${pids[@]}" || true
    next=()
    for pair in "${pending[@]}"; do
      h=${pair%%=*}
      [ "$(cat "$dir/.wait-$h")" = "${pair#*=}" ] || next+=("$pair")
    done
    [ ${#next[@]} -eq 0 ] && { rm -f "$dir"/.wait-*; return 0; }
    pending=("${next[@]}")
    if [ "$SECONDS" -ge "$deadline" ]; then
      for pair in "${pending[@]}"; do
        h=${pair%%=*}
        say "host $h did not answer \`ssh -F $dir/ssh_config $h hostname\` with ${pair#*=} within 15 s"
        say "  ssh said: $(cat "$dir/.wait-$h" "$dir/.wait-$h.err" | tail -n 3)"
        say "  tail of $dir/sshd-$h.log:"
        tail -n 15 "$dir/sshd-$h.log" >&2 || true
      done
      return 1
    fi
    sleep 0.1
  done
}

do_start() {
  ensure_tools
  exec 9>"$lock"
  flock -w 60 9 || { say "another start/stop holds $lock"; exit 1; }

  if [ -f "$dir/session.env" ] && [ "$(cat "$dir/session.env")" = "$(session_env)" ] && check_hosts; then
    echo "$dir/hosts.json"
    return 0
  fi
  if ! nothing_to_stop; then
    [ -f "$dir/hosts.json" ] && say "restarting the SSH hosts in $dir (not answering, or started with another PATH or DISTRIBUTED_TEST_MARKER)"
    do_stop || { say "could not clear what a previous run left"; exit 1; }
  fi

  if ! owns_host_network "$bridge" "$dir"; then
    local owner; owner=$(host_network_owner "$bridge")
    say "the SSH test hosts of $owner hold the bridge $bridge and the dh1, dh2 namespaces (one set of hosts per machine): stop them first with DISTRIBUTED_SSH_DIR=$owner bash $0 stop"
    exit 1
  fi
  mkdir -p "$dir" /run/sshd
  chmod 700 "$dir"
  chmod 755 /run/sshd
  session_env >"$dir/session.env"
  hostname >"$dir/machine_hostname"
  ssh-keygen -q -t ed25519 -N '' -C "distributed-ssh-hosts host key" -f "$dir/host_ed25519"
  ssh-keygen -q -t ed25519 -N '' -C "distributed-ssh-hosts client key" -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"

  local h addresses=()
  for h in "${ns_hosts[@]}"; do addresses+=("$h=${ns_addr[$h]}"); done
  if ! create_host_network "$bridge" "$bridge_addr" "$dir" "$ns_prefix" "${addresses[@]}" 2>"$dir/network.err"; then
    local why; why=$(cat "$dir/network.err")
    do_stop || true
    cannot_run "creating the bridge $bridge and network namespaces failed: $why"
  fi

  for h in "${ns_hosts[@]}"; do
    write_sshd_config "$h" "${ns_addr[$h]}" 22
    as_network_host "$ns_prefix" "$h"
    launch "$h" "${AS_NETWORK_HOST[@]}" "$sshd" -D -f "$dir/sshd-$h.conf" -E "$dir/sshd-$h.log"
  done
  local port
  start_loopback || { say "the loopback sshd did not start"; do_stop || true; exit 1; }

  local key; key=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
  echo "[127.0.0.1]:$port,[localhost]:$port,${ns_addr[dh1]},${ns_addr[dh2]},dh0,dh1,dh2,[dh0]:$port $key" >"$dir/known_hosts"
  {
    echo "# ssh -F $dir/ssh_config dh1 hostname   (SSH test hosts of scripts/test-hosts/ssh.sh)"
    echo "Host dh0"
    echo "  HostName 127.0.0.1"
    echo "  Port $port"
    for h in "${ns_hosts[@]}"; do
      echo "Host $h"
      echo "  HostName ${ns_addr[$h]}"
      echo "  Port 22"
    done
    echo "Host *"
    echo "  User root"
    echo "  IdentityFile $dir/id_ed25519"
    echo "  IdentitiesOnly yes"
    echo "  UserKnownHostsFile $dir/known_hosts"
    echo "  GlobalKnownHostsFile /dev/null"
    echo "  StrictHostKeyChecking yes"
    echo "  BatchMode yes"
    echo "  KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org"
    echo "  LogLevel ERROR"
  } >"$dir/ssh_config"

  local machine; machine=$(cat "$dir/machine_hostname")
  if ! wait_hosts "dh0=$machine" dh1=dh1 dh2=dh2; then
    say "the SSH test hosts did not come up; stopping what started"
    do_stop || true
    exit 1
  fi

  {
    echo "{"
    echo "  \"sshConfig\": $(json_str "$dir/ssh_config"),"
    echo "  \"key\": $(json_str "$dir/id_ed25519"),"
    echo "  \"knownHosts\": $(json_str "$dir/known_hosts"),"
    echo "  \"loopbackPort\": $port,"
    echo "  \"hosts\": ["
    echo "    {\"alias\": \"dh0\", \"address\": \"127.0.0.1\", \"port\": $port, \"hostname\": $(json_str "$machine")},"
    echo "    {\"alias\": \"dh1\", \"address\": \"${ns_addr[dh1]}\", \"port\": 22, \"hostname\": \"dh1\"},"
    echo "    {\"alias\": \"dh2\", \"address\": \"${ns_addr[dh2]}\", \"port\": 22, \"hostname\": \"dh2\"}"
    echo "  ],"
    echo "  \"bridgeAddress\": \"$bridge_addr\""
    echo "}"
  } >"$dir/hosts.json.tmp"
  mv "$dir/hosts.json.tmp" "$dir/hosts.json"
  echo "$dir/hosts.json"
}

test_hosts_main "${1:-}" check_hosts "$dir/hosts.json" 'DISTRIBUTED_SSH_DIR:-/tmp/distributed-ssh-hosts'
