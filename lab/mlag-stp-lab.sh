#!/usr/bin/env bash
# The MLAG pair in a spanning tree loop with two independent implementations, control traffic
# captured on every port and checked with tshark, then bad input: garbage frames on every port,
# configuration files with errors, the peer daemon restarted five times, SIGTERM.
#
#          hostO                                                       hostK
#            |                                                           |
#      [O: Open vSwitch, RSTP] o-k ----------------------------- k-o [K: Linux bridge, 802.1D STP]
#            o-u                                                        k-u
#             |                                                          |
#            sfp3                                                       sfp3
#   host1 -- [peer1: mlagd] sfp1 ========== peer-port ========== sfp1 [peer2: mlagd] -- host2
#                           sfp2 \                                / sfp2
#                                 c-p1 [C: OVS, LACP bond] c-p2
#                                              |
#                                            hostC
#   peer1 mgmt 192.168.255.1 <---> peer2 mgmt 192.168.255.2: the backup keepalive (UDP)
#   hosts: host1 10.0.0.1, host2 10.0.0.2, hostC 10.0.0.3, hostO 10.0.0.4, hostK 10.0.0.5
#
# The pair is one logical STP bridge (priority 0x1000, the MLAG system-id as address) whose
# ports include peer1's sfp3 and peer2's sfp3: with O and K they make a triangle. mlagd runs
# WITHOUT --assume-loop-free: every bridge port forwards only when the logical bridge says so.
# K speaks only 802.1D, so our port towards it must fall back to STP (802.1D-2004 §17.24 Port
# Protocol Migration) while the one towards O stays RSTP.
#
# The expected root and blocked port come from interop/scripts/stp-model.sh (priority vectors
# computed from the configured identifiers and costs). Phases:
#   1. our logical bridge is the root: K's port towards O blocks. K's root-port link (the
#      peer2 sfp3 link) is cut and restored.
#   2. K and O get priority 0x1000 at run time: K is the root, and our port on peer1 (sfp3)
#      blocks while our root port is on peer2. The logical bridge's root-port link is cut (from
#      K's side): peer1's sfp3 takes over. Restored.
#   Each check: the root as every implementation reports it (both peers' monitors, K's sysfs,
#   O's rstp/show) is the expected one, exactly the expected port blocks (ours: the logical
#   bridge's port state AND the kernel bridge-port state mlagd applied), the hosts ping each
#   other with no duplicate, and a ping across the loop during each cut and restoration has no
#   duplicate either.
# Captures (tcpdump in each peer's namespace, one pcap per mlagd port and per part of the run)
# are checked with tshark: nothing malformed (apart from the lab's own garbage), LACPDUs with
# the MLAG system-id and Sync/Collecting/Distributing, BPDUs of version 0 towards K and of
# version 2 towards O, no BPDU on the peer-link, no neighbour's BPDU on another neighbour's link,
# ICCP on the peer-link only.
# Bad input: lab/bad-frames.py (scapy) sends random, broken and bogus LACP/BPDU/ICCP-addressed
# frames at all eight mlagd ports at once, then mutated captured ICCP frames at both ends of the
# peer-link, while hosts ping across the loop; peer2's daemon restarted five times (SIGTERM and
# SIGKILL); SIGTERM's safe state; configuration files with errors. See lab/README.md for every
# check and the known gaps reported as XFAIL.
#
# ICCP is authenticated (both daemons' `iccp-secret`, an mlagd extension): the mutated ICCP
# frames of bad input (b) must then never drop the session. LAB_ICCP_SECRET=none runs the whole
# lab unauthenticated (round (b) then reports the session check as a known gap, see below).
#
# Usage: mlag-stp-lab.sh PATH/TO/mlagd [PATH/TO/mlag]
# Exit 0 = all checks passed, 1 = a check failed, 77 = cannot run here (not root, no OVS, no
# netns, no tshark/tcpdump/scapy). LAB_LOGS=DIR keeps the daemons' logs and the pcaps;
# LAB_PAUSE=SECONDS stops for that long after phase 1 (to look around; the work directory is
# printed).
set -u
trap '' PIPE
MLAGD=${1:?usage: mlag-stp-lab.sh PATH/TO/mlagd [PATH/TO/mlag]}
MLAG=${2:-}
LABDIR=$(cd "$(dirname "$0")" && pwd)
. "$LABDIR/../interop/scripts/lib.sh"
. "$LABDIR/../interop/scripts/stp-model.sh"

lab_need_root
lab_need_cmds ip ping tcpdump tshark
lab_need_ovs
PY=/usr/bin/python3
[ -x $PY ] && $PY -c 'import scapy.all' 2>/dev/null || lab_skip "no scapy for /usr/bin/python3 (apt-get install python3-scapy)"
lab_init mlag-stp-lab
# The garbage's seeds: LAB_SEED=N replays a run (printed below).
RANDOM_BASE=${LAB_SEED:-$((RANDOM * 100))}
echo "garbage seed base: $RANDOM_BASE (LAB_SEED=$RANDOM_BASE replays it)"
WORK=$LAB_WORK
TAG=$$
P1=mstp-p1-$TAG P2=mstp-p2-$TAG C=mstp-c-$TAG O=mstp-o-$TAG K=mstp-k-$TAG
H1=mstp-h1-$TAG H2=mstp-h2-$TAG HC=mstp-hc-$TAG HO=mstp-ho-$TAG HK=mstp-hk-$TAG
FAIL=0
SYSID=02:00:00:00:01:00
ICCP_SECRET=${LAB_ICCP_SECRET:-lab-pair-secret-$$}
SECRET_PROP=; [ "$ICCP_SECRET" != none ] && SECRET_PROP=" iccp-secret=$ICCP_SECRET"
echo "ICCP authentication: $([ -n "$SECRET_PROP" ] && echo "on (iccp-secret on both daemons)" || echo off)"
T0=$SECONDS

check() { local what=$1; shift; if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; FAIL=1; fi; }
# known_gap REASON WHAT CMD...: XFAIL while a known gap outside this host (REASON) makes it fail,
# XPASS (promote it to `check`) once it passes.
known_gap() { local why=$1 what=$2; shift 2; if "$@"; then echo "XPASS: $what (was a known gap: $why)"; else echo "XFAIL: $what (known gap: $why)"; fi; }
note() { echo "  [$((SECONDS - T0)) s] $*"; }

lab_ns $P1 || lab_skip "cannot create network namespaces"
for n in $P2 $C $O $K $H1 $H2 $HC $HO $HK; do lab_ns $n; done
if ! ip -n $K link add br0 address 02:00:00:00:00:0b type bridge stp_state 1 2>/dev/null; then
  lab_skip "no Linux bridge support in this kernel"
fi

veth() { # veth NS_A NAME_A MAC_A NS_B NAME_B MAC_B
  ip link add "$2" netns "$1" address "$3" type veth peer name "$5" netns "$4" address "$6"
  ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}
veth $P1 sfp1 02:00:00:00:01:01 $P2 sfp1 02:00:00:00:02:01
veth $P1 sfp2 02:00:00:00:01:02 $C c-p1 02:00:00:00:0c:01
veth $P2 sfp2 02:00:00:00:02:02 $C c-p2 02:00:00:00:0c:02
veth $P1 ether1 02:00:00:00:01:03 $H1 eth0 02:00:00:00:0a:01
veth $P2 ether1 02:00:00:00:02:03 $H2 eth0 02:00:00:00:0a:02
veth $P1 sfp3 02:00:00:00:01:04 $O o-u 02:00:00:0c:0a:00
veth $P2 sfp3 02:00:00:00:02:04 $K k-u 02:00:00:0b:0a:00
veth $O o-k 02:00:00:0c:0b:00 $K k-o 02:00:00:0b:0c:00
veth $C c-h 02:00:00:00:0c:03 $HC eth0 02:00:00:00:0a:03
veth $O o-h 02:00:00:0c:0d:00 $HO eth0 02:00:00:00:0a:04
veth $K k-h 02:00:00:0b:0d:00 $HK eth0 02:00:00:00:0a:05
veth $P1 mgmt 02:00:00:00:01:ff $P2 mgmt 02:00:00:00:02:ff
ip -n $P1 addr add 192.168.255.1/24 dev mgmt
ip -n $P2 addr add 192.168.255.2/24 dev mgmt
i=1; for h in $H1 $H2 $HC $HO $HK; do ip -n $h addr add 10.0.0.$i/24 dev eth0; i=$((i + 1)); done

# ---- the model ---------------------------------------------------------------------------------
# U = the pair's logical bridge, K = the kernel bridge, O = Open vSwitch. Ports on the loop:
# u-o = peer1 sfp3, u-k = peer2 sfp3, k-u, k-o, o-u, o-k (named as the interfaces in K and O).
STPM_BRIDGES="U K O"
STPM_PORTS="u-o u-k k-u k-o o-u o-k"
declare -A NAME=([U]=ours [K]=kernel [O]=ovs)
declare -A ADDR=([U]=$SYSID [K]=02:00:00:00:00:0b [O]=02:00:00:00:00:0c)
declare -A PRIO=([U]=4096 [O]=8192 [K]=32768)
declare -A BR=([u-o]=U [u-k]=U [k-u]=K [k-o]=K [o-u]=O [o-k]=O)
declare -A PEER=([u-o]=o-u [o-u]=u-o [u-k]=k-u [k-u]=u-k [k-o]=o-k [o-k]=k-o)
declare -A PID_=([u-o]=8001 [u-k]=8002 [k-u]=8001 [k-o]=8002 [o-u]=8001 [o-k]=8002)
declare -A PCOST=([u-o]=10 [u-k]=10 [k-u]=10 [k-o]=10 [o-u]=10 [o-k]=10)
declare -A UP=([u-o]=1 [u-k]=1 [k-u]=1 [k-o]=1 [o-u]=1 [o-k]=1)

# ---- the kernel bridge (802.1D only: the kernel's own STP, no RSTP) ------------------------------
ip -n $K link set br0 type bridge priority ${PRIO[K]} hello_time 100 max_age 600 forward_delay 400
for p in k-u k-o k-h; do ip -n $K link set $p master br0; done
for p in k-u k-o; do ip -n $K link set dev $p type bridge_slave cost 10 priority 32; done
ip -n $K link set br0 up

# ---- Open vSwitch: the RSTP bridge O, and the LACP client C --------------------------------------
ovs_start o $O || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir o)/start.err")"; exit 1; }
ovs_vsctl o add-br br0 -- set bridge br0 datapath_type=netdev rstp_enable=true \
  other_config:hwaddr=${ADDR[O]} other_config:rstp-address=${ADDR[O]} \
  other_config:rstp-priority=${PRIO[O]} other_config:rstp-hello-time=1 \
  other_config:rstp-max-age=6 other_config:rstp-forward-delay=4
n=1; for p in o-u o-k; do
  ovs_vsctl o add-port br0 $p -- set port $p other_config:rstp-port-num=$n \
    other_config:rstp-port-priority=128 other_config:rstp-path-cost=10; n=$((n + 1))
done
ovs_vsctl o add-port br0 o-h -- set port o-h other_config:rstp-port-num=3 other_config:rstp-port-admin-edge=true

ovs_start c $C || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir c)/start.err")"; exit 1; }
ovs_vsctl c add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:0c:00
ovs_vsctl c add-bond br0 bond0 c-p1 c-p2 lacp=active bond_mode=balance-slb \
  other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:0c:00 \
  other_config:bond-rebalance-interval=0
ovs_vsctl c add-port br0 c-h

# ---- the peers' configurations ---------------------------------------------------------------------
for p in 1 2; do
  cat >$WORK/peer$p.rsc <<EOF
# Peer$p: the Quick setup plus sfp3 into the spanning tree loop
/interface bridge add name=bridge1 admin-mac=02:00:00:00:0$p:00 auto-mac=no protocol-mode=rstp priority=0x1000 hello-time=1s max-message-age=6s forward-delay=4s
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10 lacp-rate=1sec
/interface bridge port
add bridge=bridge1 interface=sfp1
add bridge=bridge1 interface=client-bond
add bridge=bridge1 interface=ether1
add bridge=bridge1 interface=sfp3 path-cost=10
/interface bridge mlag set bridge=bridge1 peer-port=sfp1 heartbeat=1s$SECRET_PROP
EOF
done
if ! ip netns exec $P1 "$MLAGD" --config $WORK/peer1.rsc --check >$WORK/check.out 2>&1; then
  echo "FAIL: mlagd --check refuses the lab's configuration: $(cat $WORK/check.out)"; exit 1
fi

# ---- captures: every mlagd port, link-local control frames (01:80:C2:00:00:0X) -------------------
PORTS_OF_PEER="sfp1 sfp2 sfp3 ether1"
declare -A CAPS=()
cap_start() { # cap_start SET: one tcpdump per mlagd port, $WORK/SET-pN-PORT.pcap
  local p i ns
  CAPS[$1]=
  for p in 1 2; do
    ns=$P1; [ $p = 2 ] && ns=$P2
    for i in $PORTS_OF_PEER; do
      ip netns exec $ns tcpdump -i $i -w $WORK/$1-p$p-$i.pcap -U --immediate-mode -s 0 \
        'ether[0:4] = 0x0180c200 and ether[4:2] < 0x0010' 2>$WORK/tcpdump-$1-p$p-$i.err &
      LAB_PIDS+=($!)
      CAPS[$1]+=" $!"
    done
  done
  sleep 0.7
  for p in ${CAPS[$1]}; do kill -0 $p 2>/dev/null || { echo "FAIL: a tcpdump of capture set $1 did not start"; FAIL=1; }; done
}
cap_stop() { local p; sleep 0.3; for p in ${CAPS[$1]}; do kill -INT $p 2>/dev/null; done; for p in ${CAPS[$1]}; do wait $p 2>/dev/null; done; }
# Data captures that tell a duplicate of hostC's pings from the split-horizon gap from a loop:
# what the client receives on each member of its bond, and what enters the pair from the loop
# (our sfp3 ports, from O and K). icmp_cap_start SET / icmp_cap_stop SET.
declare -A ICMP_CAPS
icmp_cap_start() {
  local t
  ICMP_CAPS[$1]=
  for t in "$C c-p1 c1" "$C c-p2 c2" "$P1 sfp3 l1" "$P2 sfp3 l2"; do
    set -- "$1" $t
    ip netns exec $2 tcpdump -i $3 -Q in -w $WORK/icmp-$1-$4.pcap -U --immediate-mode -s 128 icmp \
      2>$WORK/tcpdump-icmp-$1-$4.err &
    LAB_PIDS+=($!)
    ICMP_CAPS[$1]+=" $!"
  done
  sleep 0.7
}
icmp_cap_stop() { local p; sleep 0.3; for p in ${ICMP_CAPS[$1]}; do kill -INT $p 2>/dev/null; done; for p in ${ICMP_CAPS[$1]}; do wait $p 2>/dev/null; done; }
icmp_replies() { # icmp_replies PCAP SEQ: echo replies host1 -> hostC with that sequence number
  tshark -r $1 -Y "icmp.type == 0 && icmp.seq == $2 && ip.src == 10.0.0.1 && ip.dst == 10.0.0.3" 2>/dev/null | wc -l
}
# split_dups SET PINGFILE: every duplicated reply of hostC's ping to host1 reached the client
# once over each member of its bond and never entered the pair from the loop: both peers
# delivered the same frame (the split-horizon gap, SPLIT_GAP below), not a loop. Prints the
# evidence per sequence number.
split_dups() {
  local seq c1 c2 l bad=0
  for seq in $(grep 'DUP!' $2 | sed -n 's/.*icmp_seq=\([0-9]*\).*/\1/p' | sort -un); do
    c1=$(icmp_replies $WORK/icmp-$1-c1.pcap $seq) c2=$(icmp_replies $WORK/icmp-$1-c2.pcap $seq)
    l=$(( $(icmp_replies $WORK/icmp-$1-l1.pcap $seq) + $(icmp_replies $WORK/icmp-$1-l2.pcap $seq) ))
    echo "  DUP icmp_seq=$seq: the reply reached the client on c-p1 $c1 and on c-p2 $c2 times, entered the pair from the loop $l times"
    { [ "$c1" -ge 1 ] && [ "$c2" -ge 1 ] && [ "$l" = 0 ]; } || bad=1
  done
  return $bad
}
# no_loop NAME SET LOOPDUPS MLAGDUPS: no duplicate across the loop (hostO -> hostK) is a check;
# duplicates of hostC's pings are the split-horizon gap (XFAIL) only with its signature.
no_loop() {
  local what="$1: no loop (no duplicate across the loop or the MLAG)"
  if [ "$3" = 0 ] && [ "$4" = 0 ]; then echo "PASS: $what"
  elif [ "$3" = 0 ] && split_dups $2 $WORK/ping-mlag.out; then
    echo "XFAIL: $what ($4 duplicates of hostC's pings, each delivered over both members of the client's bond and never through the loop; known gap: $SPLIT_GAP)"
  else echo "FAIL: $what: $3 + $4 DUPs"; FAIL=1
  fi
}
cap_start main

# ---- the daemons -------------------------------------------------------------------------------------
declare -A PEER_PID
start_peer() { # start_peer N
  local ns=$P1 me=1 other=2
  [ "$1" = 2 ] && { ns=$P2; me=2; other=1; }
  ip netns exec $ns "$MLAGD" --config $WORK/peer$me.rsc --socket $WORK/peer$me.sock \
    --reload-delay 10 -v --backup 192.168.255.$me:4784,192.168.255.$other:4784 >>$WORK/peer$me.log 2>&1 &
  PEER_PID[$me]=$!
  LAB_PIDS+=($!)
}
start_peer 1
start_peer 2

monitor() { # monitor N: `mlag monitor` of peer N
  if [ -n "$MLAG" ] && [ -x "$MLAG" ]; then
    "$MLAG" monitor --socket $WORK/peer$1.sock
  else
    $PY -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"monitor\n")
print(b"".join(iter(lambda: s.recv(4096), b"")).decode(), end="")' $WORK/peer$1.sock
  fi
}
field() { monitor "$1" 2>/dev/null | awk -F': ' -v k="$2" '{gsub(/^ +/,"",$1)} $1==k{print $2; exit}'; }
# kv TEXT-LINE KEY: the value of KEY=value in a monitor line
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
stp_line() { monitor "$1" 2>/dev/null | grep -m1 '^ *stp: '; }
stp_port_line() { monitor "$1" 2>/dev/null | awk -v p="$2" '$1=="stp-port:" && $2==p' | head -1; }
connected() { [ "$(field 1 status)" = connected ] && [ "$(field 2 status)" = connected ]; }
roles_ok() { local r="$(field 1 active-role) $(field 2 active-role)"; [ "$r" = "primary secondary" ] || [ "$r" = "secondary primary" ]; }
ovs_member() { ovs_appctl c lacp/show bond0 | awk -v m="member: $1:" 'index($0,m)==1{p=1;print;next} /^member:/{p=0} p'; }
attached() { ovs_member "$1" | grep -q "^member: $1: current attached"; }
partner_is_mlag() { ovs_member "$1" | grep -q "partner sys_id: $SYSID"; }
both_attached() {
  attached c-p1 && attached c-p2 && partner_is_mlag c-p1 && partner_is_mlag c-p2 &&
  [ "$(field 1 active-ports)" = sfp2 ] && [ "$(field 2 active-ports)" = sfp2 ]
}

check "both peers connected" wait_for 30 connected
check "one primary, one secondary, the same system-id ($SYSID)" eval 'roles_ok && [ "$(field 1 system-id)" = "$(field 2 system-id)" ] && [ "$(field 1 system-id)" = "$SYSID" ]'
check "OVS client: both members current attached, partner = the MLAG system-id; both peers distribute" wait_for 30 both_attached
check "both peers keep BPDUs off their bridge ports (MDB entry for 01:80:C2:00:00:00 accepted)" eval \
  'monitor 1 | grep -q "bpdu-contained=yes" && monitor 2 | grep -q "bpdu-contained=yes"'
note "pair up"

# ---- observations --------------------------------------------------------------------------------
ALIVE="1 2"   # the peers whose daemon runs
root_ours() { # every running peer's view of the root; "a/b" when they differ
  local n v= all=
  for n in $ALIVE; do v=$(kv "$(stp_line $n)" root-id); all="${all:+$all/}$v"; done
  if [ "$(echo "$all" | tr '/' '\n' | sort -u | wc -l)" = 1 ]; then echo "$v"; else echo "$all"; fi
}
root_kernel() { ip netns exec $K cat /sys/class/net/br0/bridge/root_id; }
ovs_show() { ovs_appctl o rstp/show br0 2>/dev/null; }
root_ovs() {
  ovs_show | awk '/^Root ID:/{r=1; next} r && /stp-priority/{p=$2} r && /stp-system-id/{m=$2; gsub(":","",m); printf "%04x.%s\n", p, m; exit}'
}
kernel_port_state() { # kernel_port_state NS PORT: the bridge-port state the kernel applies
  ip -n "$1" -d link show "$2" 2>/dev/null | grep -o 'bridge_slave state [a-z]*' | awk '{print $3}'
}
ours_state() { # ours_state PEER: sfp3 as the logical bridge has it AND as mlagd applied it
  local ns=$P1; [ "$1" = 2 ] && ns=$P2
  local s k; s=$(kv "$(stp_port_line $1 sfp3)" state); k=$(kernel_port_state $ns sfp3)
  case "$s/$k" in
    forwarding/forwarding) echo fwd;; discarding/listening) echo blk;; *) echo "${s:-none}/${k:-none}";;
  esac
}
state_of() {
  local p=$1 s
  case $p in
    u-o) ours_state 1; return;;
    u-k) ours_state 2; return;;
    k-*) s=$(ip netns exec $K cat /sys/class/net/br0/brif/$p/state 2>/dev/null)
         case $s in 0) s=disabled;; 1) s=listening;; 2) s=learning;; 3) s=forwarding;; 4) s=blocking;; esac;;
    o-*) s=$(ovs_show | awk -v p=$p '$1==p {print tolower($3)}');;
  esac
  case $s in forwarding) echo fwd;; discarding|blocking) echo blk;; *) echo "${s:-none}";; esac
}
SEEN=
observe() { # 0 iff every implementation matches the model
  local ok=0 p r s ro rk rv
  ro=$(root_ours); rk=$(root_kernel); rv=$(root_ovs)
  SEEN=$(printf 'root: ours=%s kernel=%s ovs=%s (expected %s, %s)' "$ro" "$rk" "$rv" "$EXP_ROOT" "${NAME[$EXP_RB]}")
  for r in "$ro" "$rk" "$rv"; do [ "$r" = "$EXP_ROOT" ] || ok=1; done
  for p in $STPM_PORTS; do
    [ "${UP[$p]}" = 1 ] || continue
    s=$(state_of $p)
    SEEN+=$(printf '\n    %-4s (%s) %s, expected %s' $p "${NAME[${BR[$p]}]}" "$s" "${EXP[$p]}")
    [ "$s" = "${EXP[$p]}" ] || ok=1
  done
  return $ok
}
STP_S=0
stp_check() { # stp_check WHAT: the model holds within 45 s, and still 2 s later; STP_S = seconds
  local start=$SECONDS
  if wait_for 45 observe; then
    STP_S=$((SECONDS - start))
    if sleep 2 && observe; then echo "PASS: $1 (after $STP_S s)"; else echo "FAIL: $1 (held for less than 2 s)"; FAIL=1; fi
  else
    STP_S=$((SECONDS - start)); echo "FAIL: $1"; FAIL=1
  fi
  echo "  $SEEN"
}
model() { # model: recompute the expectation; say what it is
  stpm_expect
  local b; b=$(stpm_blocked | tr '\n' ' ')
  echo "  expected: root ${NAME[$EXP_RB]} $EXP_ROOT; root path costs ours=${RPC[U]} kernel=${RPC[K]} ovs=${RPC[O]}; blocked: ${b:-none}"
}

pings_ok() { # pings_ok NS DST: 3 replies, no DUP
  local out
  out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 1 "$2" 2>&1)
  echo "$out" | grep -q ' 0% packet loss' && ! echo "$out" | grep -q DUP
}
# host1 .1, host2 .2, hostC .3, hostO .4, hostK .5: across the loop and the pair; hostC (behind
# the client's LACP bond) separately: see client_pings_check.
PING_PAIRS=("$HO 10.0.0.5" "$H1 10.0.0.5" "$H2 10.0.0.4" "$H1 10.0.0.2")
CLIENT_PAIRS=("$HC 10.0.0.4" "$HC 10.0.0.5" "$HC 10.0.0.1")
all_pings() { local pr; for pr in "${PING_PAIRS[@]}"; do pings_ok $pr || return 1; done; }
client_pings() { local pr; for pr in "${CLIENT_PAIRS[@]}"; do pings_ok $pr || return 1; done; }
ping_report() {
  local pr
  for pr in "$@"; do
    set -- $pr; echo "    ping $1 -> $2: $(ip netns exec $1 ping -c 3 -i 0.2 -W 1 $2 2>&1 | grep -E 'transmitted|DUP' | head -2 | tr '\n' ' ')"
  done
}
fdb_report() { # where each bridge has each host (learned entries)
  local n
  for n in $P1 $P2; do echo "    $n: $(ip netns exec $n bridge fdb show br bridge1 2>/dev/null | grep -E '^02:00:00:00:0a' | grep -v permanent | awk '{print $1"@"$3}' | sort | tr '\n' ' ')"; done
  echo "    K: $(ip netns exec $K bridge fdb show br br0 | grep -E '^02:00:00:00:0a' | awk '{print $1"@"$3}' | sort | tr '\n' ' ')"
  echo "    O: $(ovs_appctl o fdb/show br0 | awk '$3 ~ /^02:00:00:00:0a/ {print $3"@"$1}' | sort | tr '\n' ' ') (ports: $(ovs_appctl o dpif/show | awk '/o-[a-z]/ {print $1 $2}' | tr '\n' ' '))"
}
pings_check() {
  if wait_for 20 all_pings; then echo "PASS: $1"; else echo "FAIL: $1"; FAIL=1; ping_report "${PING_PAIRS[@]}"; fdb_report; fi
  client_pings_check "$1 (hostC, behind the client's bond)"
}
# The client's own host's MAC learned on its bond: Open vSwitch accepts every frame on the members
# of a negotiated LACP bond ("the partner does the right thing"), and without split horizon the
# pair floods the client's broadcasts back into the bond's other member, so the client files
# hostC behind the bond and drops the replies to it. Split horizon needs a directional egress
# filter this kernel does not have (no netfilter, no tc classifier or action modules: see
# mlag-linux/src/bridge.rs), so this is a known gap of the host here, not of the MLAG logic.
SPLIT_GAP="mlag-linux on this kernel: split horizon only approximated (no netfilter, no tc filters: the primary is the designated flooder); a broadcast of the client that enters the secondary comes back through the primary's half, Open vSwitch learns hostC's MAC on bond0 and drops the replies"
client_learned_own_host_on_bond() {
  local ch; ch=$(ovs_vsctl c get Interface c-h ofport)
  ovs_appctl c fdb/show br0 | awk -v m=02:00:00:00:0a:03 -v p="$ch" '$3==m && $1!=p {f=1} END {exit !f}'
}
client_pings_check() {
  local t0=$SECONDS
  # The same 20 s as the other pings, but the known gap is recognised after 3 s: a transient loss
  # right after a convergence (the floods of a flushed table) is given the rest of the 20 s
  # unless the client already filed hostC behind its bond.
  if wait_for 3 client_pings; then echo "PASS: $1"
  elif ! client_learned_own_host_on_bond && wait_for 17 client_pings; then
    echo "PASS: $1 (after $((SECONDS - t0)) s)"
  elif client_learned_own_host_on_bond; then echo "XFAIL: $1 (known gap: $SPLIT_GAP)"
    [ -n "${XFAIL_SHOWN:-}" ] || { XFAIL_SHOWN=1; ping_report "${CLIENT_PAIRS[@]}"; fdb_report
      echo "    client: $(ovs_appctl c fdb/show br0 | awk '$3 ~ /^02:00:00:00:0a/ {print $3"@"$1}' | sort | tr '\n' ' ')"; }
  else echo "FAIL: $1"; FAIL=1; ping_report "${CLIENT_PAIRS[@]}"; fi
}
# bg_ping NAME NS DST: a 20-per-second ping in the background; bg_ping_end NAME -> "lost dups"
declare -A BGP
bg_ping() { ip netns exec "$2" ping -i 0.05 -W 1 "$3" >$WORK/ping-$1.out 2>&1 & BGP[$1]=$!; LAB_PIDS+=($!); }
bg_ping_end() {
  kill -INT ${BGP[$1]} 2>/dev/null; wait ${BGP[$1]} 2>/dev/null
  local tx rx dup
  tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' $WORK/ping-$1.out)
  rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' $WORK/ping-$1.out)
  dup=$(grep -c 'DUP!' $WORK/ping-$1.out)
  cp $WORK/ping-$1.out $WORK/ping-$1-$SECONDS.out   # kept for LAB_LOGS
  echo "$(( ${tx:-0} - ${rx:-0} )) $dup"
}
declare -A MARK
mark() { MARK[$1]=$(date +%s.%N); }

# cut_restore WHAT NS IFACE MODEL-PORT: cut a link of the loop, check, restore, check; a ping
# across the loop (hostO -> hostK) runs throughout and must see no duplicate.
cut_restore() {
  local what=$1 ns=$2 ifc=$3 mp=$4 lost dups tag=${1// /-}
  bg_ping cut $HO 10.0.0.5
  sleep 1
  note "cutting $what ($ifc in its namespace)"
  mark cut-$tag
  ip -n $ns link set $ifc down
  UP[$mp]=0; UP[${PEER[$mp]}]=0
  model
  stp_check "$what cut: the loop reconverges to the model"
  echo "MEASURE: $tag-cut-converged-s $STP_S"
  pings_check "$what cut: hosts ping each other, no DUPs"
  note "restoring $what"
  mark restore-$tag
  ip -n $ns link set $ifc up
  UP[$mp]=1; UP[${PEER[$mp]}]=1
  model
  stp_check "$what restored: back to the model"
  echo "MEASURE: $tag-restore-converged-s $STP_S"
  mark restored-$tag
  pings_check "$what restored: hosts ping each other, no DUPs"
  read lost dups < <(bg_ping_end cut)
  echo "  hostO -> hostK during the cut and the restoration: $lost lost at 50 ms, $dups DUPs"
  echo "MEASURE: $tag-cut-restore-loss-ms $((lost * 50))"
  check "$what cut and restored: no duplicate across the loop" [ "$dups" = 0 ]
}

# ---- phase 1: our logical bridge is the root ------------------------------------------------------
echo "=== phase 1: priorities ours $(stpm_bid U), ovs $(stpm_bid O), kernel $(stpm_bid K); cost 10 on every loop port"
model
stp_check "phase 1 converged: one root everywhere (ours), exactly the expected port blocks"
echo "MEASURE: phase1-converged-s $STP_S"
mark phase1
pings_check "phase 1: hosts ping each other across the loop, the pair and the MLAG, no DUPs"
[ -n "${LAB_PAUSE:-}" ] && { echo "paused: $WORK"; declare -p | grep -E '^declare -x? ?[A-Z0-9_]+=' >$WORK/vars; sleep "$LAB_PAUSE"; }
sp=$(stp_port_line 2 sfp3); so=$(stp_port_line 1 sfp3)
echo "  peer1 $so"; echo "  peer2 $sp"
check "our port towards the 802.1D kernel bridge (peer2 sfp3) fell back to STP" [ "$(kv "$sp" proto)" = stp ]
check "our port towards Open vSwitch RSTP (peer1 sfp3) speaks RSTP" [ "$(kv "$so" proto)" = rstp ]
note "phase 1 converged"
cut_restore "kernel root-port link" $P2 sfp3 u-k

# The BPDU-version check counts our BPDUs towards K between "restored" and "phase2" (at least
# three): hold the steady window open for more than three hello times (CI's first clean run had
# only ~4 s there, two BPDUs).
sleep 7

# ---- phase 2: the kernel bridge is the root; our port on peer1 blocks -------------------------------
PRIO[K]=4096; PRIO[O]=4096
echo "=== phase 2: kernel and ovs priority 0x1000 at run time: ours $(stpm_bid U), ovs $(stpm_bid O), kernel $(stpm_bid K)"
mark phase2
ip -n $K link set br0 type bridge priority 4096
ovs_vsctl o set bridge br0 other_config:rstp-priority=4096
model
stp_check "phase 2 converged: root kernel everywhere, our peer1 port blocks while our root port is on peer2"
echo "MEASURE: phase2-converged-s $STP_S"
pings_check "phase 2: hosts ping each other, no DUPs"
echo "  peer1 $(stp_port_line 1 sfp3)"; echo "  peer2 $(stp_port_line 2 sfp3)"
echo "  peer1 $(stp_line 1)"
cut_restore "our root-port link" $K k-u k-u
note "phase 2 done"
mark end-main
cap_stop main

# ---- the captures, checked with tshark ---------------------------------------------------------------
# One tshark pass per pcap into a table (tab-separated): 1 frame, 2 epoch time, 3 source, 4 EtherType,
# 5 stp.version, 6 stp.type, 7 actor system, 8 actor key, 9 actor port, 10-12 actor Sync /
# Collecting / Distributing, 13 partner system, 14 expert severities (malformed frames carry an
# error), 15 protocols. Frames from 02:ba:d0:* are the lab's own garbage.
tables() { # tables SET
  local f
  for f in $WORK/$1-p*.pcap; do
    tshark -r $f -T fields -E separator=/t -e frame.number -e frame.time_epoch -e eth.src -e eth.type \
      -e stp.version -e stp.type -e lacp.actor.sysid -e lacp.actor.key -e lacp.actor.port \
      -e lacp.actor.state.synchronization -e lacp.actor.state.collecting -e lacp.actor.state.distributing \
      -e lacp.partner.sysid -e _ws.expert.severity -e frame.protocols >${f%.pcap}.tsv 2>/dev/null
  done
}
tab() { cat $WORK/$1.tsv; }   # tab SET-pN-PORT
ourfr() { awk -F'\t' '$3 !~ /^02:ba:d0/'; }   # drop the garbage
pcaps_clean() { # pcaps_clean SET: no frame (garbage aside) with an expert warning or error
  local f bad n total=0 rc=0
  for f in $WORK/$1-p*.tsv; do
    n=$(ourfr <$f | wc -l); total=$((total + n))
    bad=$(ourfr <$f | awk -F'\t' '{split($14, s, ","); for (i in s) if (s[i] + 0 >= 6291456) {print $1, $3, $15; break}}' | head -3)
    [ -n "$bad" ] && { echo "    $(basename $f .tsv): $bad"; rc=1; }
  done
  echo "    $1: $total frames from the daemons and their neighbours in $(ls $WORK/$1-p*.tsv | wc -l) pcaps, garbage aside"
  [ $total -gt 100 ] && return $rc
}
lacp_fields_ok() { # our LACPDUs: actor system = the MLAG system-id, one key, a port number each;
  # Sync, Collecting and Distributing with the client as partner
  local p n sys insync keys ports
  for p in 1 2; do
    n=$(tab $1-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $7!=""' | wc -l)
    sys=$(tab $1-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $7!="" {print $7}' | sort -u | tr '\n' ' ')
    insync=$(tab $1-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $10==1 && $11==1 && $12==1 && $13=="02:00:00:00:0c:00"' | wc -l)
    echo "    peer$p sfp2: $n LACPDUs, actor systems: $sys; $insync in sync, collecting, distributing with the client as partner"
    [ "$n" -gt 5 ] && [ "$sys" = "$SYSID " ] && [ "$insync" -gt 3 ] || return 1
  done
  keys=$(for p in 1 2; do tab $1-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $7!="" {print $8}'; done | sort -u | wc -l)
  ports=$(for p in 1 2; do tab $1-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $7!="" {print $9}' | sort -u | head -1; done | sort -u | wc -l)
  echo "    actor keys used by both peers: $keys (want 1); distinct actor port numbers: $ports (want 2)"
  [ "$keys" = 1 ] && [ "$ports" = 2 ]
}
# window FILE FROM TO SRC-NOT VERSION: "all not" counts of BPDUs not from SRC-NOT between FROM and TO
window() {
  tab $1 | awk -F'\t' -v a=$2 -v b=$3 -v k=$4 -v v=$5 \
    '$5!="" && $3!=k && $2>=a && $2<=b {n++; if ($5!=v) x++} END {print n+0, x+0}'
}
bpdu_versions_ok() {
  local rc=0 n x w
  # Towards K: in the steady windows (after convergence, before a cut or the phase change) every
  # BPDU of ours is 802.1D (config or TCN; version 0). Just after a link comes up a port sends
  # RST BPDUs until the migration delay has passed (802.1D-2004 §17.24): outside the windows.
  for w in "phase1 cut-kernel-root-port-link 3" "restored-kernel-root-port-link phase2 3" "restored-our-root-port-link end-main 0"; do
    set -- $w
    read n x < <(window main-p2-sfp3 ${MARK[$1]} ${MARK[$2]} 02:00:00:0b:0a:00 0)
    echo "    towards K (peer2 sfp3), $1 .. $2: $n BPDUs of ours, $x not version 0"
    [ "$n" -ge $3 ] && [ "$x" = 0 ] || rc=1
  done
  read n x < <(tab main-p2-sfp3 | awk -F'\t' '$5!="" && $3=="02:00:00:0b:0a:00" {n++; if ($5!=0) x++} END {print n+0, x+0}')
  echo "    K's own: $n BPDUs, $x not version 0"
  [ "$x" = 0 ] && [ "$n" -gt 3 ] || rc=1
  # Towards O: RST BPDUs (version 2, type 0x02) both ways, always.
  read n x < <(tab main-p1-sfp3 | awk -F'\t' '$5!="" && $3!="02:00:00:0c:0a:00" {n++; if ($5!=2 || $6!="0x02") x++} END {print n+0, x+0}')
  echo "    towards O (peer1 sfp3): $n BPDUs of ours, $x not RST (version 2, type 0x02)"
  [ "$n" -ge 3 ] && [ "$x" = 0 ] || rc=1
  read n x < <(tab main-p1-sfp3 | awk -F'\t' '$5!="" && $3=="02:00:00:0c:0a:00" {n++; if ($5!=2) x++} END {print n+0, x+0}')
  echo "    O's own: $n BPDUs, $x not version 2"
  [ "$x" = 0 ] && [ "$n" -gt 3 ] || rc=1
  return $rc
}
containment_ok() { # no BPDU on the peer-link; no neighbour's BPDU on another neighbour's link
  local a b c d
  a=$(cat $WORK/$1-p1-sfp1.tsv $WORK/$1-p2-sfp1.tsv | ourfr | awk -F'\t' '$5!=""' | wc -l)
  b=$(ourfr <$WORK/$1-p1-sfp3.tsv | awk -F'\t' '$5!="" && $3 ~ /^02:00:00:0b:/' | wc -l)
  c=$(ourfr <$WORK/$1-p2-sfp3.tsv | awk -F'\t' '$5!="" && $3 ~ /^02:00:00:0c:0/' | wc -l)
  d=$(cat $WORK/$1-p*-ether1.tsv $WORK/$1-p*-sfp2.tsv | awk -F'\t' '$5!="" && ($3 ~ /^02:00:00:0b:/ || $3 ~ /^02:00:00:0c:0/)' | wc -l)
  echo "    BPDUs on the peer-link $a; K's on O's link $b; O's on K's link $c; K's or O's on the hosts' and client's links $d"
  [ "$a" = 0 ] && [ "$b" = 0 ] && [ "$c" = 0 ] && [ "$d" = 0 ]
}
iccp_only_peer_link() {
  local on off
  on=$(cat $WORK/$1-p*-sfp1.tsv | ourfr | awk -F'\t' '$4=="0x88b5"' | wc -l)
  off=$(cat $WORK/$1-p*-sfp2.tsv $WORK/$1-p*-sfp3.tsv $WORK/$1-p*-ether1.tsv | ourfr | awk -F'\t' '$4=="0x88b5"' | wc -l)
  echo "    ICCP frames on the peer-link $on, elsewhere $off (tshark has no ICCP-over-L2 dissector: counted, not decoded)"
  [ "$on" -gt 20 ] && [ "$off" = 0 ]
}
tables main
check "pcaps (phases 1-2): no malformed frame, no tshark warning or error" pcaps_clean main
check "pcaps: LACP fields (actor system = the MLAG system-id, one key, per-peer port numbers, Sync/Collecting/Distributing)" lacp_fields_ok main
check "pcaps: BPDUs of version 0 (STP) towards the kernel bridge, version 2 (RSTP) towards Open vSwitch" bpdu_versions_ok
check "pcaps: BPDUs stay on their link (none on the peer-link, none crosses the pair)" containment_ok main
check "pcaps: ICCP on the peer-link only" iccp_only_peer_link main

# ---- bad input: garbage frames at every mlagd port -------------------------------------------------
drops() { monitor "$1" | grep -E '^ *(rx-control|rx-drops):' | tr -s ' ' | tr '\n' ' '; }
disconnects() { cat $WORK/peer1.log $WORK/peer2.log | grep -c 'iccp Disconnected'; }
alive() { kill -0 ${PEER_PID[1]} 2>/dev/null && kill -0 ${PEER_PID[2]} 2>/dev/null; }
# garbage_round NAME MODE TARGET...: bad-frames.py on every target ("NS IFACE") at once while
# hosts ping across the loop and the MLAG and the client's bond is sampled every 0.2 s.
garbage_round() {
  local name=$1 mode=$2 t; shift 2
  ROUND=$name; icmp_cap_start $name
  bg_ping loop $HO 10.0.0.5
  bg_ping mlag $HC 10.0.0.1
  ( while :; do if attached c-p1 || attached c-p2; then echo up; else echo DOWN; fi; sleep 0.2; done ) >$WORK/bond-$name 2>/dev/null &
  local sampler=$!; LAB_PIDS+=($sampler)
  sleep 1
  local g=() seed=1
  for t in "$@"; do
    set -- $t
    seed=$((seed + 1))   # not inside the background command: its expansion happens in the child
    ip netns exec $1 $PY $LABDIR/bad-frames.py $2 400 $((RANDOM_BASE + seed)) $mode ${TEMPLATES:-} >>$WORK/garbage-$name.out 2>&1 &
    g+=($!); LAB_PIDS+=($!)
  done
  for t in "${g[@]}"; do wait $t; done
  sed 's/^/  sent: /' $WORK/garbage-$name.out
  sleep 2
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null
  SAMPLES=$(wc -l <$WORK/bond-$name); DOWN=$(grep -c DOWN $WORK/bond-$name)
}
garbage_after() { # garbage_after NAME: the checks every round must pass
  check "$1: both daemons alive" alive
  echo "  client bond sampled $SAMPLES times during the garbage: down $DOWN times"
  check "$1: the client's bond stayed up (at least one member attached at every sample)" [ "$SAMPLES" -gt 5 ] && [ "$DOWN" = 0 ]
  check "$1: connected, both links attached afterwards" wait_for 20 eval 'connected && both_attached'
  stp_check "$1: the spanning tree is back to the model"
  read LOST DUPS < <(bg_ping_end loop); echo "  hostO -> hostK during the garbage: $LOST lost, $DUPS DUPs"
  read LOST2 DUPS2 < <(bg_ping_end mlag); echo "  hostC -> host1 during the garbage: $LOST2 lost, $DUPS2 DUPs"
  icmp_cap_stop $ROUND
}

echo "=== bad input (a): random, broken and bogus LACP, BPDU and ICCP-addressed frames at all eight ports"
cap_start bad
echo "  peer1 before: $(drops 1)"
echo "  peer2 before: $(drops 2)"
D1=$(drops 1); D2=$(drops 2); DISC=$(disconnects)
TEMPLATES= garbage_round mixed mixed "$P2 sfp1" "$P1 sfp1" "$C c-p1" "$C c-p2" "$O o-u" "$K k-u" "$H1 eth0" "$H2 eth0"
echo "  peer1 after: $(drops 1)"
echo "  peer2 after: $(drops 2)"
drops_counted() {
  local n
  for n in 1 2; do
    drops $n | grep -q 'lacp-illegal=[1-9]' && drops $n | grep -q 'bpdu-errors=[1-9]' &&
      drops $n | grep -q 'runts=[1-9]' && drops $n | grep -q 'not-control=[1-9]' || return 1
  done
}
check "garbage: drops counted in both monitors (illegal LACPDUs, BPDU errors, runts, non-control frames)" drops_counted
garbage_after "garbage"
echo "  ICCP disconnections during the garbage: $(( $(disconnects) - DISC ))"
check "garbage: the ICCP session never dropped" [ "$(disconnects)" = "$DISC" ]
no_loop "garbage" mixed "$DUPS" "$DUPS2"
note "garbage (a) done"

echo "=== bad input (b): captured ICCP frames with flipped bits or cut short, at both ends of the peer-link"
D1=$(drops 1); D2=$(drops 2); DISC=$(disconnects)
TEMPLATES="$WORK/main-p1-sfp1.pcap $WORK/main-p2-sfp1.pcap" garbage_round iccp iccp "$P2 sfp1" "$P1 sfp1"
echo "  peer1 after: $(drops 1)"
echo "  peer2 after: $(drops 2)"
check "mutated ICCP: rejects counted in both monitors" eval '[ "$(drops 1)" != "$D1" ] && [ "$(drops 2)" != "$D2" ]'
garbage_after "mutated ICCP"
NDISC=$(( $(disconnects) - DISC ))
echo "  ICCP disconnections during the mutated ICCP frames: $NDISC ($(cat $WORK/peer*.log | grep 'iccp Disconnected' | sed 's/.*Disconnected//' | sort | uniq -c | tr -s ' ' | tr '\n' ' '))"
if [ -n "$SECRET_PROP" ]; then
  # Authenticated: a mutated frame fails its HMAC (iccp-auth-failed), an intact one is a
  # replay; neither can reach the session.
  check "mutated ICCP (authenticated): the ICCP session never dropped" [ "$NDISC" = 0 ]
  check "mutated ICCP (authenticated): the mutated frames were refused by their HMAC" eval \
    '[ "$(kv "$(drops 1)" iccp-auth-failed)" != 0 ] && [ "$(kv "$(drops 2)" iccp-auth-failed)" != 0 ]'
else
  ICCP_GAP="iccp without authentication: a frame whose damage keeps it well formed is indistinguishable from the peer's (e.g. flipped bits in the ack, the sequence number or an application TLV are acted on; the hardened frame-number and incarnation checks only narrow this); configure iccp-secret"
  known_gap "$ICCP_GAP" "mutated ICCP (unauthenticated): the ICCP session never dropped" [ "$NDISC" = 0 ]
fi
if [ "$NDISC" -gt 0 ] && ! { [ "$DUPS" = 0 ] && [ "$DUPS2" = 0 ]; }; then
  echo "XFAIL: mutated ICCP: no loop (no duplicate across the loop or the MLAG) (known gap: mlag-core, with the peer-link up: while the session re-forms after a drop the peers' spanning tree views diverge and a frame can go round the loop; $DUPS + $DUPS2 DUPs after $NDISC disconnections)"
else
  no_loop "mutated ICCP" iccp "$DUPS" "$DUPS2"
fi
note "garbage (b) done"
cap_stop bad
tables bad
check "pcaps (garbage): no malformed frame from the daemons or their neighbours" pcaps_clean bad
check "pcaps (garbage): BPDUs stay on their link" containment_ok bad
check "pcaps (garbage): ICCP on the peer-link only" iccp_only_peer_link bad

# ---- bad input: peer2's daemon restarted five times --------------------------------------------------
echo "=== peer2's daemon restarted five times"
cap_start rst
PID1=${PEER_PID[1]}
icmp_cap_start restarts
bg_ping loop $HO 10.0.0.5
bg_ping mlag $HC 10.0.0.1
restarts_ok=1
for r in 1 2 3 4 5; do
  sig=TERM; [ $((r % 2)) = 0 ] && sig=KILL
  kill -$sig ${PEER_PID[2]}; wait ${PEER_PID[2]} 2>/dev/null
  start_peer 2
  t=$SECONDS
  if wait_for 30 connected; then
    note "restart $r (SIG$sig): connected again after $((SECONDS - t)) s"
  else
    note "restart $r (SIG$sig): NOT connected after 30 s"; restarts_ok=0
  fi
done
check "peer2 restarted 5 times (SIGTERM and SIGKILL): connected again each time" [ $restarts_ok = 1 ]
check "restarts: peer1's daemon never went down" kill -0 $PID1
check "restarts: both links attached again" wait_for 30 both_attached
stp_check "restarts: the spanning tree is back to the model"
read lost dups < <(bg_ping_end loop); echo "  hostO -> hostK during the restarts: $lost lost, $dups DUPs"
read lost2 dups2 < <(bg_ping_end mlag); echo "  hostC -> host1 during the restarts: $lost2 lost, $dups2 DUPs"
icmp_cap_stop restarts
no_loop "restarts" restarts "$dups" "$dups2"
pings_check "restarts: hosts ping each other, no DUPs"
note "restarts done"

# ---- SIGTERM (peer2), then configuration files with errors --------------------------------------------
kill -TERM ${PEER_PID[2]}
t=$SECONDS; wait ${PEER_PID[2]}; rc=$?
ALIVE=1
echo "  peer2 exited with $rc after $((SECONDS - t)) s: $(tail -1 $WORK/peer2.log)"
sigterm_safe() {
  local l
  [ "$rc" = 0 ] || return 1
  [ ! -e $WORK/peer2.sock ] || { echo "  socket left behind"; return 1; }
  for l in sfp1 sfp2 sfp3 ether1; do
    [ "$(kernel_port_state $P2 $l)" = listening ] || { echo "  $l: $(kernel_port_state $P2 $l)"; return 1; }
  done
  ! ip netns exec $P2 bridge fdb show br bridge1 2>/dev/null | grep -v permanent | grep -qE 'static|extern_learn'
}
check "SIGTERM: exit 0, socket removed, all of peer2's bridge ports discarding (listening), none of mlagd's FDB entries (extern_learn) left" sigterm_safe
UP[u-k]=0; UP[k-u]=0   # peer2's sfp3 takes no part any more
model
stp_check "SIGTERM of peer2: the loop reconverges through peer1 (peer1 alone runs the logical bridge)"
PING_PAIRS=("$HO 10.0.0.5" "$H1 10.0.0.5" "$H1 10.0.0.4")
pings_check "SIGTERM of peer2: hostO, hostK, host1 and hostC ping each other, no DUPs"

# Configuration files with errors, against peer2's namespace (its bridge and ports as SIGTERM
# left them) and the running peer1's socket path: every file must be refused with its line named,
# exit non-zero, and change nothing.
snapshot() { # the bridge's state in namespace $1, without timers, counters and learned entries
  ip netns exec $1 sh -c '
    for f in stp_state priority forward_delay hello_time max_age multicast_snooping ageing_time; do
      echo "bridge1 $f $(cat /sys/class/net/bridge1/bridge/$f 2>/dev/null)"; done
    ip -br link show; bridge link show; bridge fdb show | grep -E "permanent|static|extern_learn"; bridge mdb show | grep permanent' 2>&1 | sort
}
cat >$WORK/bad1.rsc <<'EOF'
/interface bridge add name=bridge1 admin-mac=02:00:00:00:02:00 auto-mac=no priority=0x1000
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10
/interface bridge port
add bridge=bridge1 interface=sfp1
add bridge=bridge1 interface=client-bond
add bridge=bridge1 interface=sfp9
/interface bridge mlag set bridge=bridge1 peer-port=sfp1
EOF
sed 's/priority=0x1000/priority=0x1001/' $WORK/peer2.rsc >$WORK/bad2.rsc
sed 's/forward-delay=4s/forward-delay=4q/' $WORK/peer2.rsc >$WORK/bad3.rsc
grep -v 'interface=sfp1$' $WORK/peer2.rsc >$WORK/bad4.rsc
printf '/interface bridge add name=bridge2\n/interface bridge mlag set bridge=bridge1 peer-port=sfp1 heartbeat=1s frobnicate=yes\n' >$WORK/bad5.rsc
declare -A BAD_LINE=([bad1]=6 [bad2]=2 [bad3]=2 [bad4]=8 [bad5]=2)
config_errors_ok() {
  local b out rc ok=0 before after
  before=$(snapshot $P2)
  for b in bad1 bad2 bad3 bad4 bad5; do
    out=$(ip netns exec $P2 "$MLAGD" --config $WORK/$b.rsc --socket $WORK/peer1.sock 2>&1); rc=$?
    echo "    $b.rsc: exit $rc: $out" | head -3
    [ $rc != 0 ] && echo "$out" | grep -q "line ${BAD_LINE[$b]}: " || ok=1
  done
  after=$(snapshot $P2)
  [ "$before" = "$after" ] || { echo "    bridge state changed:"; diff <(echo "$before") <(echo "$after") | head; ok=1; }
  [ -S $WORK/peer1.sock ] && [ "$(field 1 status)" != "" ] || { echo "    the running peer1 lost its monitor socket"; ok=1; }
  return $ok
}
check "config errors: each file refused with its line named, non-zero exit, bridge state unchanged, the running daemon untouched" config_errors_ok
cap_stop rst
tables rst
check "pcaps (restarts, SIGTERM): no malformed frame, no tshark warning or error" pcaps_clean rst
lacp_sysid_in_sync() { # every LACPDU of ours that claims Sync carries the MLAG system-id
  local p n wrong
  for p in 1 2; do
    n=$(tab rst-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 '$3==s && $10==1' | wc -l)
    wrong=$(tab rst-p$p-sfp2 | awk -F'\t' -v s=02:00:00:00:0$p:02 -v id=$SYSID '$3==s && $10==1 && $7!=id' | wc -l)
    echo "    peer$p sfp2 (restarts): $n LACPDUs in sync, $wrong with another actor system"
    [ "$n" -gt 0 ] && [ "$wrong" = 0 ] || return 1
  done
}
check "pcaps (restarts): every LACPDU of ours in sync carries the MLAG system-id" lacp_sysid_in_sync
check "pcaps (restarts): BPDUs stay on their link" containment_ok rst
check "pcaps (restarts): ICCP on the peer-link only" iccp_only_peer_link rst

if [ $FAIL != 0 ]; then
  echo "--- peer1 log"; grep -v 'lacp port' $WORK/peer1.log | tail -30
  echo "--- peer2 log"; grep -v 'lacp port' $WORK/peer2.log | tail -30
  echo "--- monitor"; monitor 1
  echo "--- OVS rstp/show"; ovs_show
  echo "--- OVS client"; ovs_appctl c lacp/show bond0 | head -30
fi
if [ -n "${LAB_LOGS:-}" ]; then
  mkdir -p "$LAB_LOGS" && cp $WORK/*.pcap $WORK/peer*.log $WORK/*.rsc $WORK/ping-*-*.out "$LAB_LOGS/"
fi
kill -TERM ${PEER_PID[1]} 2>/dev/null; wait ${PEER_PID[1]} 2>/dev/null
echo "lab time: $((SECONDS - T0)) s"
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
