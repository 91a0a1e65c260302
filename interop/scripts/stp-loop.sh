#!/usr/bin/env bash
# Real-peer spanning tree interop: our stp::Bridge (the `stp-host` AF_PACKET program), the Linux
# kernel bridge (802.1D STP, `stp_state 1`) and Open vSwitch (RSTP or STP, userspace datapath) in a
# triangle loop of veth links, one network namespace each:
#
#        ours (U) u-k ---- k-u kernel (K)
#             u-o \        / k-o
#                  o-u  o-k
#                 Open vSwitch (O)
#
# Usage: stp-loop.sh PATH/TO/stp-host MODE ROOT
#   MODE rstp: OVS rstp_enable=true, ours RSTP (it falls back to STP towards the kernel bridge)
#   MODE stp:  OVS stp_enable=true, ours forced to STP (Force Protocol Version 0)
#   ROOT ours|kernel|ovs: that bridge gets priority 4096; the other two get 8192 and 32768.
# Timers everywhere: hello 1 s, max age 6 s, forward delay 4 s. Every port has path cost COST
# (default 10) and port priority 128 (kernel: 32, the same 0x80 in the Port Identifier).
#
# The expected root and blocked port are computed by stp-model.sh from the configured bridge
# identifiers, port identifiers and link costs (802.1D-2004 §17.6 priority vectors: root path cost, designated
# bridge, designated port, own port), not read off any implementation. Checks (PASS/FAIL each):
#   1. converged: every implementation reports the expected root, exactly the expected port is
#      discarding/blocking and every other port forwards;
#   2. the root-port link of the blocked port's bridge is cut: the same check on the remaining
#      line (nothing blocks, the formerly blocked port forwards);
#   3. the link is restored: the check of 1 again.
# Exit 0 = all checks passed, 1 = a check failed, 77 = cannot run here (not root, no OVS, ...).
set -u
trap '' PIPE   # a dead stp-host must fail the checks, not kill the script before its cleanup
HOST_BIN=${1:?usage: stp-loop.sh PATH/TO/stp-host rstp|stp ours|kernel|ovs}
MODE=${2:?usage: stp-loop.sh PATH/TO/stp-host rstp|stp ours|kernel|ovs}
ROOT=${3:?usage: stp-loop.sh PATH/TO/stp-host rstp|stp ours|kernel|ovs}
COST=${COST:-10}
. "$(dirname "$0")/lib.sh"
case $MODE in rstp|stp) ;; *) echo "usage: MODE is rstp or stp"; exit 2;; esac
case $ROOT in ours|kernel|ovs) ;; *) echo "usage: ROOT is ours, kernel or ovs"; exit 2;; esac

lab_need_root
lab_need_cmds ip
lab_need_ovs
lab_init stp-interop
WORK=$LAB_WORK
TAG=$$
NS_U=stpx-u-$TAG
NS_K=stpx-k-$TAG
NS_O=stpx-o-$TAG
FAIL=0
lab_on_exit() { exec 3>&- 2>/dev/null; }

lab_ns $NS_U || lab_skip "cannot create network namespaces"
lab_ns $NS_K; lab_ns $NS_O
if ! ip -n $NS_K link add br0 address 02:00:00:00:00:0b type bridge stp_state 1 2>/dev/null; then
  lab_skip "no Linux bridge support in this kernel"
fi

# ---- the model: bridges, ports, links -------------------------------------------------------
declare -A NSOF=([U]=$NS_U [K]=$NS_K [O]=$NS_O)
declare -A ADDR=([U]=02:00:00:00:00:0a [K]=02:00:00:00:00:0b [O]=02:00:00:00:00:0c)
declare -A NAME=([U]=ours [K]=kernel [O]=ovs)
declare -A PRIO
case $ROOT in
  ours)   PRIO=([U]=4096 [O]=8192 [K]=32768);;
  kernel) PRIO=([K]=4096 [O]=8192 [U]=32768);;
  ovs)    PRIO=([O]=4096 [U]=8192 [K]=32768);;
esac
# port -> bridge, peer port, Port Identifier (priority 0x80, port numbers 1 and 2)
declare -A BR=([u-k]=U [u-o]=U [k-u]=K [k-o]=K [o-u]=O [o-k]=O)
declare -A PEER=([u-k]=k-u [k-u]=u-k [u-o]=o-u [o-u]=u-o [k-o]=o-k [o-k]=k-o)
declare -A PID_=([u-k]=8001 [u-o]=8002 [k-u]=8001 [k-o]=8002 [o-u]=8001 [o-k]=8002)
declare -A PCOST=([u-k]=$COST [u-o]=$COST [k-u]=$COST [k-o]=$COST [o-u]=$COST [o-k]=$COST)
declare -A UP=([u-k]=1 [u-o]=1 [k-u]=1 [k-o]=1 [o-u]=1 [o-k]=1)
PORTS="u-k u-o k-u k-o o-u o-k"
# The expectation (EXP_ROOT, EXP_RB, RPC, RPORT, EXP[port]=fwd|blk for every port whose link is
# up) is stp-model.sh's, over these three bridges and six ports.
. "$(dirname "$0")/stp-model.sh"
STPM_BRIDGES="U K O"
STPM_PORTS=$PORTS
bid() { stpm_bid "$@"; }
expect() { stpm_expect; }

# ---- links ---------------------------------------------------------------------------------
declare -A MAC=([u-k]=02:00:00:0a:0b:00 [u-o]=02:00:00:0a:0c:00 [k-u]=02:00:00:0b:0a:00 [k-o]=02:00:00:0b:0c:00 [o-u]=02:00:00:0c:0a:00 [o-k]=02:00:00:0c:0b:00)
addlink() { # addlink PORT_A PORT_B
  ip link add $1 netns ${NSOF[${BR[$1]}]} address ${MAC[$1]} type veth \
     peer name $2 netns ${NSOF[${BR[$2]}]} address ${MAC[$2]}
}
addlink u-k k-u; addlink u-o o-u; addlink k-o o-k
for p in $PORTS; do ip -n ${NSOF[${BR[$p]}]} link set $p up; done

# ---- the kernel bridge -----------------------------------------------------------------------
ip -n $NS_K link set br0 type bridge priority ${PRIO[K]} hello_time 100 max_age 600 forward_delay 400
ip -n $NS_K link set k-u master br0
ip -n $NS_K link set k-o master br0
for p in k-u k-o; do ip -n $NS_K link set dev $p type bridge_slave cost $COST priority 32; done
ip -n $NS_K link set br0 up

# ---- Open vSwitch ----------------------------------------------------------------------------
ovs_start o $NS_O || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir o)/start.err")"; exit 1; }
vsctl() { ovs_vsctl o "$@"; }
appctl() { ovs_appctl o "$@"; }
if [ $MODE = rstp ]; then
  vsctl add-br br0 -- set bridge br0 datapath_type=netdev rstp_enable=true \
    other_config:hwaddr=${ADDR[O]} other_config:rstp-address=${ADDR[O]} \
    other_config:rstp-priority=${PRIO[O]} other_config:rstp-hello-time=1 \
    other_config:rstp-max-age=6 other_config:rstp-forward-delay=4
  n=1; for p in o-u o-k; do
    vsctl add-port br0 $p -- set port $p other_config:rstp-port-num=$n \
      other_config:rstp-port-priority=128 other_config:rstp-path-cost=$COST; n=$((n+1))
  done
else
  vsctl add-br br0 -- set bridge br0 datapath_type=netdev stp_enable=true \
    other_config:hwaddr=${ADDR[O]} other_config:stp-system-id=${ADDR[O]} \
    other_config:stp-priority=${PRIO[O]} other_config:stp-hello-time=1 \
    other_config:stp-max-age=6 other_config:stp-forward-delay=4
  n=1; for p in o-u o-k; do
    vsctl add-port br0 $p -- set port $p other_config:stp-port-num=$n \
      other_config:stp-port-priority=128 other_config:stp-path-cost=$COST; n=$((n+1))
  done
fi

# ---- ours ------------------------------------------------------------------------------------
OURS_MODE=(); [ $MODE = stp ] && OURS_MODE=(--stp)
mkfifo $WORK/ctl
ip netns exec $NS_U "$HOST_BIN" --address ${ADDR[U]} --priority ${PRIO[U]} "${OURS_MODE[@]}" \
  --hello 1 --max-age 6 --forward-delay 4 --cost $COST --port-priority 128 \
  --port u-k:1 --port u-o:2 <$WORK/ctl >$WORK/host.log 2>&1 &
LAB_PIDS+=($!)
HOST_PID=$!
exec 3>$WORK/ctl

# ---- observations ----------------------------------------------------------------------------
our_status() {
  local before; before=$(grep -c '^end-status' $WORK/host.log)
  echo status >&3
  local i; for i in $(seq 40); do
    [ "$(grep -c '^end-status' $WORK/host.log)" -gt "$before" ] && break; sleep 0.1
  done
  awk -v n="$before" '/^end-status/{c++; next} c==n && /^(port|bridge) /' $WORK/host.log
}
ovs_show() { appctl $MODE/show br0 2>/dev/null; }
# root as each implementation sees it, in the kernel's sysfs form
root_ours() { our_status | sed -n 's/^bridge .* root=\([^ ]*\) .*/\1/p'; }
root_kernel() { ip netns exec $NS_K cat /sys/class/net/br0/bridge/root_id; }
root_ovs() {
  ovs_show | awk '/^Root ID:/{r=1; next} r && /stp-priority/{p=$2} r && /stp-system-id/{m=$2; gsub(":","",m); printf "%04x.%s\n", p, m; exit}'
}
# port state, normalised: fwd, blk (discarding/blocking), or the raw word
state_of() {
  local p=$1 s
  case ${BR[$p]} in
    U) s=$(our_status | sed -n "s/^port name=$p .* state=\([a-z]*\) .*/\1/p");;
    K) s=$(ip netns exec $NS_K cat /sys/class/net/br0/brif/$p/state 2>/dev/null)
       case $s in 0) s=disabled;; 1) s=listening;; 2) s=learning;; 3) s=forwarding;; 4) s=blocking;; esac;;
    O) s=$(ovs_show | awk -v p=$p '$1==p {print tolower($3)}');;
  esac
  case $s in forwarding) echo fwd;; discarding|blocking) echo blk;; *) echo "${s:-none}";; esac
}
SEEN=
observe() { # one line per implementation; returns 0 iff everything matches the expectation
  local ok=0 p r
  SEEN=$(printf 'root: ours=%s kernel=%s ovs=%s (expected %s, %s)\n' "$(root_ours)" "$(root_kernel)" "$(root_ovs)" "$EXP_ROOT" "${NAME[$EXP_RB]}")
  for r in "$(root_ours)" "$(root_kernel)" "$(root_ovs)"; do [ "$r" = "$EXP_ROOT" ] || ok=1; done
  for p in $PORTS; do
    [ "${UP[$p]}" = 1 ] || continue
    local s; s=$(state_of $p)
    SEEN+=$(printf '\n  %-4s (%s) %s expected %s' $p "${NAME[${BR[$p]}]}" "$s" "${EXP[$p]}")
    [ "$s" = "${EXP[$p]}" ] || ok=1
  done
  return $ok
}
check() { # check WHAT: waits up to 45 s for the expectation
  local start=$SECONDS
  # Converged = the expectation holds, and still holds 2 s later (not a passing transient).
  if wait_for 45 observe && sleep 2 && observe; then
    echo "PASS: $1 (after $((SECONDS - start)) s)"
  else
    echo "FAIL: $1"; FAIL=1
  fi
  echo "$SEEN"
}
blocked() { stpm_blocked; }

echo "mode=$MODE root=$ROOT: bridges ours=$(bid U) kernel=$(bid K) ovs=$(bid O), cost $COST on every port"
expect
B=$(blocked)
[ "$(echo $B | wc -w)" = 1 ] || { echo "FAIL: the model expects $(echo $B | wc -w) blocked ports ($B), not one"; exit 1; }
echo "expected: root ${NAME[$EXP_RB]} $EXP_ROOT; root path costs ours=${RPC[U]} kernel=${RPC[K]} ovs=${RPC[O]}; blocked port $B (${NAME[${BR[$B]}]})"
check "converged: root ${NAME[$EXP_RB]} everywhere, only $B (${NAME[${BR[$B]}]}) blocks"

# Cut the root-port link of the bridge that blocks: its blocked port must take over.
CUT=${RPORT[${BR[$B]}]}
echo "--- cutting link $CUT -- ${PEER[$CUT]}"
ip -n ${NSOF[${BR[$CUT]}]} link set $CUT down
UP[$CUT]=0; UP[${PEER[$CUT]}]=0
expect
[ -z "$(blocked)" ] || { echo "FAIL: the model still blocks $(blocked) after the cut"; FAIL=1; }
check "link $CUT cut: root unchanged, $B forwards, nothing blocks"

echo "--- restoring link $CUT -- ${PEER[$CUT]}"
ip -n ${NSOF[${BR[$CUT]}]} link set $CUT up
UP[$CUT]=1; UP[${PEER[$CUT]}]=1
expect
check "link $CUT restored: $B (${NAME[${BR[$B]}]}) blocks again, the rest forwards"

if kill -0 $HOST_PID 2>/dev/null; then echo "PASS: stp-host still running"; else echo "FAIL: stp-host exited"; FAIL=1; fi
echo "--- ovs-appctl $MODE/show br0"; ovs_show | sed -n '/Interface/,$p'
echo "--- kernel: root_id $(root_kernel) root_port $(ip netns exec $NS_K cat /sys/class/net/br0/bridge/root_port)"
echo "--- our status"; our_status
echo "--- our events (last 12)"; grep '^event' $WORK/host.log | tail -12
if [ $FAIL != 0 ]; then
  echo "--- host log"; tail -40 $WORK/host.log
  echo "--- ovs show"; ovs_show
  echo "--- ovs log"; ovs_log o 20
fi
echo quit >&3
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
