# Shared helpers of the real-peer lab scripts (sourced, not run): prerequisite checks, network
# namespaces, private Open vSwitch instances (userspace datapath, no systemd, no kernel module),
# background processes, waiting, and one cleanup that undoes all of it by PID and by name.
#
# A script sources this file, calls `lab_init NAME` (work directory, EXIT trap), then uses:
#   lab_need_root; lab_need_cmds CMD...; lab_need_ovs       prerequisites (exit 77 = cannot run)
#   lab_ns NAME                                             a namespace: lo up, IPv6 off
#   ovs_start INST NS; ovs_vsctl INST ...; ovs_appctl INST ...; ovs_log INST
#   lab_bg CMD...                                           run in the background, stopped at exit
#   wait_for SECONDS CMD...                                 retry CMD every 0.5 s until it succeeds
# Variables it sets: LAB_WORK (a fresh directory under /tmp), LAB_SKIP=77.
# Cleanup order at exit: the script's own `lab_on_exit` hook if defined, background processes
# (TERM, then KILL), Open vSwitch daemons (TERM, wait up to 3 s, KILL), namespaces, LAB_WORK.

LAB_SKIP=77
LAB_PIDS=()
LAB_NSS=()
LAB_OVS=()

lab_skip() { echo "SKIP: $*"; exit $LAB_SKIP; }

lab_need_root() { [ "$(id -u)" = 0 ] || lab_skip "needs root (network namespaces)"; }

# lab_need_cmds CMD...: every command is on PATH (tells which Debian package to install).
lab_need_cmds() {
  local c pkg
  for c in "$@"; do
    case $c in
      ovs-*|ovsdb-*) pkg=openvswitch-switch;;
      ip) pkg=iproute2;;
      *) pkg=$c;;
    esac
    command -v "$c" >/dev/null || lab_skip "$c not installed (apt-get install $pkg)"
  done
}

LAB_OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
lab_need_ovs() {
  lab_need_cmds ovs-vswitchd ovsdb-server ovs-vsctl ovs-appctl ovsdb-tool
  [ -f $LAB_OVS_SCHEMA ] || lab_skip "$LAB_OVS_SCHEMA missing"
}

# lab_init NAME: the work directory and the EXIT trap.
lab_init() {
  LAB_WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  trap lab_cleanup EXIT
}

# lab_ns NAME: create a namespace (1 if the kernel refuses), loopback up, IPv6 off (no ND/MLD
# noise in captures).
lab_ns() {
  ip netns add "$1" 2>/dev/null || return 1
  LAB_NSS+=("$1")
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# lab_bg CMD...: run CMD in the background; its PID is in LAB_LAST_PID and stopped at exit.
lab_bg() {
  "$@" &
  LAB_LAST_PID=$!
  LAB_PIDS+=("$LAB_LAST_PID")
}

ovs_dir() { echo "$LAB_WORK/ovs-$1"; }

# ovs_start INST NS: a private ovsdb-server + ovs-vswitchd inside namespace NS, state in
# $(ovs_dir INST). 1 if either daemon did not start (the reason is in ovs_dir/start.err).
ovs_start() {
  local d
  d=$(ovs_dir "$1")
  mkdir -p "$d"
  LAB_OVS+=("$1")
  (
    export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
    ovsdb-tool create "$d/conf.db" $LAB_OVS_SCHEMA &&
    ip netns exec "$2" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
       --unixctl="$d/ovsdb-server.ctl" --pidfile="$d/ovsdb-server.pid" \
       --log-file="$d/ovsdb-server.log" -vconsole:off --detach --no-chdir &&
    ovs-vsctl --db="unix:$d/db.sock" --no-wait init &&
    ip netns exec "$2" ovs-vswitchd "unix:$d/db.sock" --unixctl="$d/ovs-vswitchd.ctl" \
       --pidfile="$d/ovs-vswitchd.pid" --log-file="$d/ovs-vswitchd.log" -vconsole:off --detach --no-chdir
  ) 2>>"$d/start.err"
}
ovs_vsctl() { local n=$1; shift; ovs-vsctl --db="unix:$(ovs_dir "$n")/db.sock" --timeout=10 "$@"; }
ovs_appctl() { local n=$1; shift; ovs-appctl -t "$(ovs_dir "$n")/ovs-vswitchd.ctl" "$@"; }
ovs_log() { tail -"${2:-30}" "$(ovs_dir "$1")/ovs-vswitchd.log"; }

ovs_stop() {
  local d p f i
  d=$(ovs_dir "$1")
  for f in ovs-vswitchd ovsdb-server; do
    [ -f "$d/$f.pid" ] || continue
    p=$(cat "$d/$f.pid")
    # A stale pid file's PID may belong to another process by now: signal only that daemon.
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$f" ] || continue
    kill "$p" 2>/dev/null
    for i in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$f" ] && kill -9 "$p" 2>/dev/null
  done
}

# wait_for SECONDS CMD...: retries CMD (output discarded) every 0.5 s; 1 on timeout.
wait_for() {
  local t=$1; shift; local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 0.5; done
}

# lab_ours PID: true while PID is still a child of this shell. A process the lab started and
# that has exited (a stopped capture, a restarted daemon) leaves its PID behind in LAB_PIDS,
# and on a busy machine the PID is soon another process's: never signal that one.
lab_ours() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) } # after the command name: state, ppid, ...
  set -- $s
  [ "$2" = "$$" ]
}

lab_cleanup() {
  local p n
  declare -F lab_on_exit >/dev/null && lab_on_exit
  for p in "${LAB_PIDS[@]}"; do lab_ours "$p" && kill "$p" 2>/dev/null; done
  [ ${#LAB_PIDS[@]} -gt 0 ] && sleep 0.3
  for p in "${LAB_PIDS[@]}"; do lab_ours "$p" && kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for n in "${LAB_OVS[@]}"; do ovs_stop "$n"; done
  for n in "${LAB_NSS[@]}"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$LAB_WORK"
}
