#!/usr/bin/env bash
# The RouterOS MLAG Quick setup on real Linux: two `mlagd` peers and Open vSwitch as the LACP
# client, in network namespaces.
#
#   host1 --ether1 [peer1: mlagd, bridge1] sfp1 ===== sfp1 [peer2: mlagd, bridge1] ether1-- host2
#                               sfp2 \      (peer-port)       / sfp2
#                                     c-p1 [client: OVS br0, bond0 = {c-p1, c-p2}] c-p2
#                                                      c-h -- hostc
#   peer1 mgmt 192.168.255.1 <---> peer2 mgmt 192.168.255.2: the backup keepalive (UDP)
#   hosts: host1 10.0.0.1, host2 10.0.0.2, hostc 10.0.0.3
#
# Checks (each prints PASS or FAIL): both peers `connected`, one primary and one secondary, the
# same system-id; OVS lacp/show has both members `current attached` with the MLAG system-id as
# partner; the hosts ping each other with no duplicates; Peer1's daemon killed -> the client
# keeps its bond on Peer2's link and traffic resumes (the gap is measured); Peer1 restarted ->
# it rejoins, both links attached, no duplicates; the peer-port cut with the backup keepalive
# up -> the secondary takes its MLAG port out of the client's bond; SIGTERM -> ports discarding.
#
# Usage: mlag-quick-setup.sh PATH/TO/mlagd [PATH/TO/mlag]
# Exit 0 = all checks passed, 1 = a check failed, 77 = cannot run here (not root, no OVS, no netns).
set -u
MLAGD=${1:?usage: mlag-quick-setup.sh PATH/TO/mlagd [PATH/TO/mlag]}
MLAG=${2:-}
. "$(dirname "$0")/../interop/scripts/lib.sh"

lab_need_root
lab_need_cmds ip ping
lab_need_ovs
lab_init mlag-quick-setup
WORK=$LAB_WORK
TAG=$$
P1=mlag-p1-$TAG P2=mlag-p2-$TAG C=mlag-c-$TAG H1=mlag-h1-$TAG H2=mlag-h2-$TAG HC=mlag-hc-$TAG
FAIL=0
SYSID=02:00:00:00:01:00
PY=$(command -v /usr/bin/python3 || command -v python3 || true)

lab_ns $P1 || lab_skip "cannot create network namespaces"
for n in $P2 $C $H1 $H2 $HC; do lab_ns $n; done

veth() { # veth NS_A NAME_A MAC_A NS_B NAME_B MAC_B
  ip link add "$2" netns "$1" address "$3" type veth peer name "$5" netns "$4" address "$6"
  ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}
veth $P1 sfp1 02:00:00:00:01:01 $P2 sfp1 02:00:00:00:02:01
veth $P1 sfp2 02:00:00:00:01:02 $C c-p1 02:00:00:00:0c:01
veth $P2 sfp2 02:00:00:00:02:02 $C c-p2 02:00:00:00:0c:02
veth $P1 ether1 02:00:00:00:01:03 $H1 eth0 02:00:00:00:0a:01
veth $P2 ether1 02:00:00:00:02:03 $H2 eth0 02:00:00:00:0a:02
veth $C c-h 02:00:00:00:0c:03 $HC eth0 02:00:00:00:0a:03
veth $P1 mgmt 02:00:00:00:01:ff $P2 mgmt 02:00:00:00:02:ff
ip -n $P1 addr add 192.168.255.1/24 dev mgmt
ip -n $P2 addr add 192.168.255.2/24 dev mgmt
ip -n $H1 addr add 10.0.0.1/24 dev eth0
ip -n $H2 addr add 10.0.0.2/24 dev eth0
ip -n $HC addr add 10.0.0.3/24 dev eth0

# The peers' configurations: RouterOS commands (no VLAN filtering on this kernel).
for p in 1 2; do
  cat >$WORK/peer$p.rsc <<EOF
# Peer$p of the RouterOS MLAG Quick setup
/interface bridge add name=bridge1 admin-mac=02:00:00:00:0$p:00 auto-mac=no ageing-time=20s
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10 lacp-rate=1sec
/interface bridge port
add bridge=bridge1 interface=sfp1
add bridge=bridge1 interface=client-bond
add bridge=bridge1 interface=ether1
/interface bridge mlag set bridge=bridge1 peer-port=sfp1 heartbeat=1s
EOF
done

# A broken file: named line, non-zero exit, nothing applied (no bridge created).
printf '/interface bridge add name=bridge1\n/interface bonding add name=b slaves=sfp2 mode=802.3ad mlag-id=oops\n' >$WORK/bad.rsc
check() { local what=$1; shift; if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; FAIL=1; fi; }
# known_gap REASON WHAT CMD...: a check that fails today because of a known gap outside this
# host (named in REASON): XFAIL when it fails, XPASS (promote it to `check`) when it passes.
known_gap() { local why=$1 what=$2; shift 2; if "$@"; then echo "XPASS: $what (was a known gap: $why)"; else echo "XFAIL: $what (known gap: $why)"; fi; }
bad_config_rejected() {
  local out rc
  out=$(ip netns exec $P1 "$MLAGD" --config $WORK/bad.rsc --socket $WORK/bad.sock 2>&1); rc=$?
  echo "  mlagd said: $out"
  [ $rc != 0 ] && echo "$out" | grep -q 'line 2' && ! ip -n $P1 link show bridge1 >/dev/null 2>&1
}
check "a config error names its line, exits non-zero and applies nothing" bad_config_rejected
check "--check accepts the Quick setup" ip netns exec $P1 "$MLAGD" --config $WORK/peer1.rsc --check

start_peer() { # start_peer N: mlagd in peerN, PID in PEER_PID[N]
  local ns=$P1 me=1 other=2
  [ "$1" = 2 ] && { ns=$P2; me=2; other=1; }
  ip netns exec $ns "$MLAGD" --config $WORK/peer$me.rsc --socket $WORK/peer$me.sock \
    --assume-loop-free --reload-delay 10 -v \
    --backup 192.168.255.$me:4784,192.168.255.$other:4784 >>$WORK/peer$me.log 2>&1 &
  PEER_PID[$me]=$!
  LAB_PIDS+=($!)
}
declare -A PEER_PID

# The client: Open vSwitch with an LACP bond of two members.
ovs_start c $C || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir c)/start.err")"; exit 1; }
ovs_vsctl c add-br br0 -- set bridge br0 datapath_type=netdev other_config:hwaddr=02:00:00:00:0c:00
ovs_vsctl c add-bond br0 bond0 c-p1 c-p2 lacp=active bond_mode=balance-slb \
  other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:0c:00 \
  other_config:bond-rebalance-interval=0
ovs_vsctl c add-port br0 c-h

# Capture what our daemons send (LACP towards the client, ICCP over the peer-link), for tshark.
CAPTURE=0
if command -v tcpdump >/dev/null && command -v tshark >/dev/null; then
  CAPTURE=1
  lab_bg ip netns exec $P1 tcpdump -i sfp2 -w $WORK/p1-sfp2.pcap -U -s 0 ether src 02:00:00:00:01:02 2>/dev/null
  lab_bg ip netns exec $P1 tcpdump -i sfp1 -w $WORK/p1-sfp1.pcap -U -s 0 ether proto 0x88b5 2>/dev/null
  sleep 0.5
fi

T0=$SECONDS
start_peer 1
start_peer 2

monitor() { # monitor N: `mlag monitor` of peer N
  if [ -n "$MLAG" ] && [ -x "$MLAG" ]; then
    "$MLAG" monitor --socket $WORK/peer$1.sock
  else
    "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"monitor\n")
print(b"".join(iter(lambda: s.recv(4096), b"")).decode(), end="")' $WORK/peer$1.sock
  fi
}
monitor_fdb() { # monitor_fdb N: `mlag monitor --fdb` of peer N (the coordinator's table)
  # (the socket directly when there is no `mlag`, or one built before `--fdb` existed)
  if [ -n "$MLAG" ] && [ -x "$MLAG" ] && "$MLAG" monitor --help 2>/dev/null | grep -q -- --fdb; then
    "$MLAG" monitor --fdb --socket $WORK/peer$1.sock
  else
    "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"fdb\n")
print(b"".join(iter(lambda: s.recv(4096), b"")).decode(), end="")' $WORK/peer$1.sock
  fi
}
field() { monitor "$1" 2>/dev/null | awk -F': ' -v k="$2" '{gsub(/^ +/,"",$1)} $1==k{print $2; exit}'; }
connected() { [ "$(field 1 status)" = connected ] && [ "$(field 2 status)" = connected ]; }
roles_ok() {
  local r="$(field 1 active-role) $(field 2 active-role)"
  [ "$r" = "primary secondary" ] || [ "$r" = "secondary primary" ]
}
same_sysid() { [ "$(field 1 system-id)" = "$(field 2 system-id)" ] && [ -n "$(field 1 system-id)" ]; }

ovs_member() { ovs_appctl c lacp/show bond0 | awk -v m="member: $1:" 'index($0,m)==1{p=1;print;next} /^member:/{p=0} p'; }
attached() { ovs_member "$1" | grep -q "^member: $1: current attached"; }
partner_is_mlag() { ovs_member "$1" | grep -q "partner sys_id: $SYSID"; }
# Our side too: each peer's monitor lists its member as an active (distributing) port.
ours_active() { [ "$(field "$1" active-ports)" = sfp2 ]; }
both_attached() {
  attached c-p1 && attached c-p2 && partner_is_mlag c-p1 && partner_is_mlag c-p2 &&
  ours_active 1 && ours_active 2
}

check "both peers connected" wait_for 30 connected
# Split horizon on this kernel (mlag_linux::bridge, "Split horizon"): with both halves up only
# the primary floods to the MLAG; the secondary's member has the bridge's flood flags off.
floods() { # floods N: peer N's sfp2 has unicast, broadcast and multicast flooding on
  local ns=$P1 d; [ "$1" = 2 ] && ns=$P2; d=$(ip -n $ns -d link show sfp2)
  echo "$d" | grep -q ' flood on' && echo "$d" | grep -q ' bcast_flood on' && echo "$d" | grep -q ' mcast_flood on'
}
no_floods() {
  local ns=$P1 d; [ "$1" = 2 ] && ns=$P2; d=$(ip -n $ns -d link show sfp2)
  echo "$d" | grep -q ' flood off' && echo "$d" | grep -q ' bcast_flood off' && echo "$d" | grep -q ' mcast_flood off'
}
flooder_ok() {
  local pri=1; [ "$(field 2 active-role)" = primary ] && pri=2
  floods $pri && no_floods $((3 - pri))
}
check "one primary, one secondary" roles_ok
check "both peers report the same system-id ($(field 1 system-id))" same_sysid
check "OVS: both members current attached, partner = the MLAG system-id; both peers distribute" wait_for 30 both_attached
check "designated flooder: the primary's sfp2 floods, the secondary's does not (bridge flood flags)" wait_for 5 flooder_ok
echo "  converged in $((SECONDS - T0)) s"
echo "===== peer1: mlag monitor"; monitor 1
echo "===== peer2: mlag monitor"; monitor 2

pings_ok() { # pings_ok NS DST: 3 replies, no DUP
  local out
  out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 1 "$2" 2>&1)
  echo "$out" | grep -q ' 0% packet loss' && ! echo "$out" | grep -q DUP
}
all_pings() { pings_ok $HC 10.0.0.1 && pings_ok $HC 10.0.0.2 && pings_ok $H1 10.0.0.2; }
check "hosts ping each other (client<->peer1's host, client<->peer2's host, across the peer-link), no DUPs" wait_for 20 all_pings
# Every host keeps talking (host1 and host2 ping the client's host once a second; it answers):
# with the lab's short `ageing-time` (20 s) the pair's table keeps every entry only because
# mlagd reads the bridge's per-entry activity (the kernel announces an address once, not on
# every frame). Not from hostC: its ARP broadcasts while a peer is down would come back to the
# client over the other half of its bond at the rejoin (the split-horizon gap of the STP lab).
for ns in $H1 $H2; do ip netns exec $ns ping -i 1 10.0.0.3 >/dev/null 2>&1 & LAB_PIDS+=($!); done
if ! all_pings; then
  for pair in "$HC 10.0.0.1" "$HC 10.0.0.2" "$H1 10.0.0.2"; do
    set -- $pair; echo "  ping $1 -> $2: $(ip netns exec $1 ping -c 5 -i 0.2 -W 1 $2 2>&1 | grep -E 'transmitted|DUP' | head -2 | tr '\n' ' ')"
  done
  for n in $P1 $P2; do echo "  fdb $n:"; ip netns exec $n bridge fdb show br bridge1 | grep -v permanent | sed 's/^/    /'; ip -n $n -d link show | grep -o '^[0-9]*: [a-z0-9]*\|bridge_slave state [a-z]*' | paste - - | sed 's/^/    /'; done
  ovs_appctl c bond/show bond0 | sed 's/^/    /'
  ovs_appctl c fdb/show br0 | sed 's/^/    /'
fi

# A fast ping (10 ms) from NS to DST: "lost dups" (the gap = lost times 10 ms).
gap_ping() { # gap_ping NS DST COUNT -> "lost dups"
  local out tx rx dup
  out=$(ip netns exec "$1" ping -c "$3" -i 0.01 -W 1 "$2" 2>&1)
  tx=$(echo "$out" | sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p')
  rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
  dup=$(echo "$out" | grep -c DUP)
  echo "$((tx - rx)) $dup"
}

# Learned MACs into the FDB synchronisation. The kernel bridge of each peer learns its hosts;
# mlagd hands each learned address to its coordinator, which syncs it to the peer; each daemon
# programs the pair's table into its kernel as `extern_learn` entries towards the right port:
# a single-homed host of the other peer behind the peer-port (sfp1, where the kernel itself
# does not learn), the client's host on the local half of the MLAG bond (sfp2).
H1MAC=02:00:00:00:0a:01 H2MAC=02:00:00:00:0a:02 HCMAC=02:00:00:00:0a:03
nsof() { [ "$1" = 1 ] && echo $P1 || echo $P2; }
kfdb_on() { # kfdb_on N MAC PORT: peer N's kernel FDB has mlagd's entry for MAC on PORT
  ip netns exec $(nsof $1) bridge fdb show br bridge1 2>/dev/null | grep -i "^$2 dev $3 " | grep -q extern_learn
}
mfdb_has() { # mfdb_has N MAC ON KIND: peer N's coordinator has MAC on ON (kind local|peer|any)
  local l; l=$(monitor_fdb $1 2>/dev/null | grep -i "^$2 ")
  echo "$l" | grep -q " on=$3 " && { [ "$4" = any ] || echo "$l" | grep -q "kind=$4"; }
}
fdb_counts_ok() { # both monitors: synced, at least the three hosts
  local n f
  for n in 1 2; do
    f=$(monitor $n | grep ' fdb: ')
    echo "$f" | grep -q 'synced=yes' || return 1
    [ "$(echo "$f" | sed -n 's/.* entries=\([0-9]*\).*/\1/p')" -ge 3 ] || return 1
  done
}
fdb_learned_ok() {
  kfdb_on 1 $H1MAC ether1 && kfdb_on 2 $H1MAC sfp1 && kfdb_on 2 $H2MAC ether1 && kfdb_on 1 $H2MAC sfp1 &&
  kfdb_on 1 $HCMAC sfp2 && kfdb_on 2 $HCMAC sfp2
}
fdb_monitors_ok() {
  mfdb_has 1 $H1MAC ether1 local && mfdb_has 2 $H1MAC peer-port peer &&
  mfdb_has 2 $H2MAC ether1 local && mfdb_has 1 $H2MAC peer-port peer &&
  mfdb_has 1 $HCMAC mlag-10 any && mfdb_has 2 $HCMAC mlag-10 any && fdb_counts_ok
}
fdb_dump() {
  for n in 1 2; do
    echo "  peer$n kernel FDB:"; ip netns exec $(nsof $n) bridge fdb show br bridge1 | grep -v permanent | sed 's/^/    /'
    echo "  peer$n mlag monitor --fdb:"; monitor_fdb $n | sed 's/^/    /'; monitor $n | grep -E ' fdb: |host-fdb:' | sed 's/^/   /'
  done
}
check "FDB: each host's MAC learned by its peer's kernel, synced, and in the other peer's kernel towards the right port (host1/host2 behind the peer-port sfp1, the client's host on the MLAG bond sfp2 of both)" wait_for 15 fdb_learned_ok
check "FDB: both 'mlag monitor' tables list the three hosts (local on the learning peer, peer on the other, the client's host on mlag-10), synced, counts >= 3" wait_for 10 fdb_monitors_ok
fdb_dump

# A member link of the MLAG cut on Peer1 (its sfp2): Peer1 re-points the client host's entry
# to the peer-port instead of flushing it, and pings from Peer1's host to the client's host
# continue (through Peer2's half).
( gap_ping $H1 10.0.0.3 600 >$WORK/gapm ) &
GP=$!
sleep 1
ip -n $P1 link set sfp2 down
repointed() { kfdb_on 1 $HCMAC sfp1 && mfdb_has 1 $HCMAC mlag-10 any && kfdb_on 2 $HCMAC sfp2; }
check "member link cut on Peer1: its kernel entry for the client's host re-pointed to the peer-port (not flushed), still in its table on mlag-10; Peer2's on its sfp2" wait_for 5 repointed
wait $GP
read LOST DUPS <$WORK/gapm
echo "  member link cut: host1->client's host lost $LOST echoes at 10 ms = $((LOST * 10)) ms, $DUPS DUPs"
echo "MEASURE: member-cut-loss-ms $((LOST * 10))"
check "member link cut on Peer1: pings from Peer1's host to the client's host continue, no DUPs" eval 'pings_ok $H1 10.0.0.3 && [ "$DUPS" = 0 ]'
ip -n $P1 link set sfp2 up
back_local() { kfdb_on 1 $HCMAC sfp2; }
check "member link restored: both attached, Peer1's entry back on sfp2" wait_for 30 eval 'both_attached && back_local'

# Reload without restart (SIGHUP): the secondary's priority lowered below the primary's -> the
# roles swap over the running session, with no LACP flap on the client (both members stay
# `current attached` throughout, sampled every 0.1 s); then back the same way. A change that needs a restart
# is refused with a log line, the configuration in force kept.
pid_of() { echo ${PEER_PID[$1]}; }
lacp_watch() { # lacp_watch SECONDS FILE: counts samples where a member was not attached
  local end=$((SECONDS + $1)) bad=0 n=0
  while [ $SECONDS -lt $end ]; do
    n=$((n + 1)); attached c-p1 && attached c-p2 || bad=$((bad + 1)); sleep 0.1
  done
  echo "$bad $n" >$2
}
swap_roles() { # swap_roles PRIO: write PRIO into the secondary's file, SIGHUP it, wait for the swap
  local sec=2; [ "$(field 1 active-role)" = secondary ] && sec=1
  local pri=$((3 - sec))
  sed -i "s/ priority=[0-9]*//; s/heartbeat=1s\$/heartbeat=1s priority=$1/" $WORK/peer$sec.rsc
  ( lacp_watch 8 $WORK/lacpw ) &
  local W=$!
  sleep 0.5
  kill -HUP $(pid_of $sec)
  SWAP_OK=0
  wait_for 6 eval "[ \"\$(field $sec active-role)\" = primary ] && [ \"\$(field $pri active-role)\" = secondary ]" && SWAP_OK=1
  wait $W
  read LBAD LN <$WORK/lacpw
  echo "  reload on peer$sec: roles $(field 1 active-role)/$(field 2 active-role); OVS samples with a member not attached: $LBAD of $LN"
  grep 'reload' $WORK/peer$sec.log | tail -1 | sed 's/^/  peer'$sec' log: /'
  RELOADED=$sec
}
swap_roles 10
check "reload (SIGHUP, priority=10 on the secondary): roles swap over the running session" eval '[ $SWAP_OK = 1 ] && connected && same_sysid'
check "designated flooder after the swap: the new primary's sfp2 floods, the new secondary's does not" wait_for 5 flooder_ok
check "reload: no LACP flap on OVS (both members current attached in every sample)" eval '[ "$LBAD" = 0 ]'
check "reload: the daemon logged the applied change" grep -q 'reload: .*applied PriorityChanged' $WORK/peer$RELOADED.log
cp $WORK/peer$RELOADED.rsc $WORK/reload-good.rsc
sed -i 's/peer-port=sfp1/peer-port=ether1/' $WORK/peer$RELOADED.rsc
kill -HUP $(pid_of $RELOADED)
refused() {
  grep -q 'reload REFUSED, the configuration in force is kept: needs a restart of mlagd: MlagRestart' $WORK/peer$RELOADED.log
}
check "reload: a change that needs a restart (peer-port) is refused with a log line, the configuration in force kept (still connected, same roles)" eval 'wait_for 5 refused && connected && [ "$(field $RELOADED active-role)" = primary ] && monitor $RELOADED | grep -q "reloads-refused=1"'
cp $WORK/reload-good.rsc $WORK/peer$RELOADED.rsc
# Back: the first primary gets priority 5 (below the 10 now in force on the other), so the
# restarts below keep the Quick setup's roles (peer1, the lower bridge MAC, primary).
swap_roles 5
check "reload back (priority=5 on the new secondary): roles swap back, no LACP flap, both attached" eval '[ $SWAP_OK = 1 ] && [ "$LBAD" = 0 ] && connected && both_attached'

# Failover: kill Peer1's daemon (a crash: SIGKILL) during a fast ping from the client's host to
# Peer2's host; the gap is the number of lost echoes times the interval.
# Put the client host's traffic on Peer1's link (c-p1), so the failover has work to do.
on_p1() {
  local h before after
  h=$(ovs_appctl c bond/hash 02:00:00:00:0a:03 0 2>/dev/null | tr -dc '0-9')
  [ -n "$h" ] && ovs_appctl c bond/migrate bond0 "$h" c-p1 >/dev/null 2>&1
  before=$(ip netns exec $P1 cat /sys/class/net/sfp2/statistics/rx_packets)
  ip netns exec $HC ping -c 20 -i 0.01 -W 1 10.0.0.2 >/dev/null 2>&1
  after=$(ip netns exec $P1 cat /sys/class/net/sfp2/statistics/rx_packets)
  [ $((after - before)) -ge 20 ]
}
check "client host's traffic moved onto Peer1's link (bond/migrate)" wait_for 5 on_p1
( gap_ping $HC 10.0.0.2 800 >$WORK/gap1 ) &
GP=$!
sleep 1
kill -9 ${PEER_PID[1]}
wait $GP
read LOST DUPS <$WORK/gap1
echo "  Peer1 killed: client->peer2's host lost $LOST echoes at 10 ms = gap $((LOST * 10)) ms, $DUPS DUPs"
echo "MEASURE: peer1-crash-gap-ms $((LOST * 10))"
survives() { attached c-p2 && ! attached c-p1 && partner_is_mlag c-p2; }
check "Peer1 dead: the client keeps its bond on Peer2's link with the same partner" wait_for 10 survives
check "Peer1 dead: traffic resumes (client <-> peer2's host)" wait_for 10 pings_ok $HC 10.0.0.2
check "Peer1 dead: peer2 is primary" eval '[ "$(field 2 active-role)" = primary ]'

# Restart: Peer1 rejoins, while the client host pings Peer2's host (now on c-p2).
T1=$SECONDS
( gap_ping $HC 10.0.0.2 1000 >$WORK/gap3 ) &
GP=$!
sleep 0.5
start_peer 1
check "Peer1 restarted: both connected again" wait_for 30 connected
check "Peer1 restarted: both links attached again" wait_for 30 both_attached
echo "  rejoined in $((SECONDS - T1)) s"
check "Peer1 restarted: pings, no DUPs" wait_for 10 all_pings
wait $GP
read LOST DUPS <$WORK/gap3
echo "  Peer1 rejoining: client->peer2's host lost $LOST echoes at 10 ms = $((LOST * 10)) ms, $DUPS DUPs"
echo "MEASURE: peer1-rejoin-loss-ms $((LOST * 10))"
check "Peer1 rejoining: no duplicates" eval '[ "$DUPS" = 0 ]'
# Was a known gap (issue 6, gap A: the survivor isolated when it heard the restarted peer on the
# backup path before ICCP connected); closed by mlag-core's split-brain evidence frames.
check "Peer1 rejoining: no loss on the surviving link" eval '[ "$LOST" = 0 ]'


# Peer1 powered off: its daemon killed and its links down at once (the client sees carrier loss
# on c-p1; Peer2 sees the peer-port down and the backup path silent).
check "client host's traffic moved onto Peer1's link again" wait_for 5 on_p1
( gap_ping $HC 10.0.0.2 600 >$WORK/gap2 ) &
GP=$!
sleep 1
kill -9 ${PEER_PID[1]}
for l in sfp1 sfp2 ether1 mgmt; do ip -n $P1 link set $l down; done
wait $GP
read LOST DUPS <$WORK/gap2
echo "  Peer1 powered off: client->peer2's host lost $LOST echoes at 10 ms = gap $((LOST * 10)) ms, $DUPS DUPs"
echo "MEASURE: peer1-poweroff-gap-ms $((LOST * 10))"
check "Peer1 powered off: the client keeps its bond on Peer2's link" wait_for 10 survives
check "Peer1 powered off: peer2 is primary, system-id kept" eval '[ "$(field 2 active-role)" = primary ] && [ "$(field 2 system-id)" = $SYSID ]'
for l in sfp1 sfp2 ether1 mgmt; do ip -n $P1 link set $l up; done
start_peer 1
check "Peer1 back: connected, both links attached" wait_for 30 eval 'connected && both_attached'

# Garbage on every port of Peer2 (random and truncated frames to the LACP, BPDU and ICCP
# addresses, from the client's side and over the peer-link): the daemon survives and the pair
# stays (or comes back) connected with both links attached.
garbage() { # garbage NS IFACE COUNT
  ip netns exec "$1" "$PY" - "$2" "$3" <<'PY'
import os, random, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
rnd = random.Random(7)
dsts = [bytes.fromhex("0180c2000002"), bytes.fromhex("0180c2000000"), bytes.fromhex("0180c200000e")]
types = [b"\x88\x09\x01\x01", b"\x00\x26\x42\x42\x03", b"\x88\xb5", b"\x88\x09\x02", b""]
for i in range(int(sys.argv[2])):
    body = rnd.choice(types) + os.urandom(rnd.randint(0, 120))
    frame = rnd.choice(dsts) + bytes.fromhex("02deadbeef%02x" % (i % 256)) + body
    try:
        s.send(frame[: rnd.randint(6, len(frame))] if i % 5 == 0 else frame)
    except OSError:
        pass  # the kernel refuses frames shorter than an Ethernet header
PY
}
if [ -n "$PY" ]; then
  garbage $C c-p2 500
  garbage $P1 sfp1 500
  garbage $C c-p1 500
  alive() { kill -0 ${PEER_PID[1]} 2>/dev/null && kill -0 ${PEER_PID[2]} 2>/dev/null; }
  check "garbage frames: both daemons alive" alive
  check "garbage frames: connected, both links attached" wait_for 20 eval 'connected && both_attached'
else
  echo "FAIL: garbage frames: no python3 to send them"; FAIL=1
fi
echo "  peer2 after garbage: $(monitor 2 | grep rx-control)"
check "garbage frames: counted by peer2 (rejected ICCP, runts or non-control)" eval \
  'monitor 2 | grep rx-control | grep -qv "iccp-rejected=0 .*not-control=0 runts=0"'

# Peer-port cut with the backup keepalive alive: the secondary takes its MLAG half out.
SEC=2; [ "$(field 1 active-role)" = secondary ] && SEC=1
ip -n $P1 link set sfp1 down
sec_out() {
  local m=c-p2; [ $SEC = 1 ] && m=c-p1
  local o=c-p1; [ $SEC = 1 ] && o=c-p2
  local ns=$P2; [ $SEC = 1 ] && ns=$P1
  ! attached $m && attached $o && ip -n $ns -d link show sfp2 | grep -q 'bridge_slave state listening'
}
check "peer-port cut: the secondary (peer$SEC) takes its MLAG port out (OVS detaches it, its kernel port discards), the other stays attached" wait_for 15 sec_out
echo "===== peer$SEC: mlag monitor (peer-port cut)"; monitor $SEC
ip -n $P1 link set sfp1 up
check "peer-port restored: connected, both links attached" wait_for 30 eval 'connected && both_attached'

# Activity: every host talks (the keepalive pings above), nothing ages out over more than the
# ageing time on either peer, and both daemons refreshed entries from the bridge's activity.
aged() { monitor $1 | sed -n 's/.* aged=\([0-9]*\).*/\1/p'; }
refreshes() { monitor $1 | sed -n 's/.*host-activity: reads=[0-9]* refreshes=\([0-9]*\).*/\1/p'; }
# First the garbage frames' source addresses (02:de:ad:be:ef:*, learned by the kernel, idle
# since) age out; then only the three talking hosts are left.
no_garbage_macs() { ! monitor_fdb 1 | grep -qi '^02:de:ad:be:ef' && ! monitor_fdb 2 | grep -qi '^02:de:ad:be:ef'; }
check "activity: the garbage frames' idle source addresses aged out of both tables" wait_for 40 no_garbage_macs
A1=$(aged 1) A2=$(aged 2) R1=$(refreshes 1) R2=$(refreshes 2)
sleep 25
echo "  over 25 s: aged ${A1:-?} -> $(aged 1) (peer1), ${A2:-?} -> $(aged 2) (peer2); activity refreshes ${R1:-?} -> $(refreshes 1), ${R2:-?} -> $(refreshes 2)"
check "activity: with every host talking, no entry aged out on either peer over 25 s (ageing-time 20 s), both daemons refreshed entries from the bridge's activity" \
  eval '[ -n "$A1" ] && [ "$(aged 1)" = "$A1" ] && [ "$(aged 2)" = "$A2" ] && [ "$(refreshes 1)" -gt "${R1:-0}" ] && [ "$(refreshes 2)" -gt "${R2:-0}" ]'
check "activity: the three hosts' entries still in both kernels" fdb_learned_ok

# SIGTERM: FDB entries withdrawn, ports discarding (mlagd uses the kernel's `listening` state:
# `blocking` does not stick on a bridge with stp_state 0).
kill -TERM ${PEER_PID[2]}
wait ${PEER_PID[2]} 2>/dev/null
blocked() {
  local l
  for l in sfp1 sfp2 ether1; do
    ip -n $P2 -d link show $l | grep -q 'bridge_slave state listening' || return 1
  done
  ! ip netns exec $P2 bridge fdb show br bridge1 2>/dev/null | grep -v permanent | grep -qE 'static|extern_learn'
}
check "SIGTERM: peer2's bridge ports discarding (listening), none of mlagd's FDB entries (extern_learn) left" blocked

if [ $FAIL != 0 ]; then
  echo "--- peer1 log"; tail -40 $WORK/peer1.log
  echo "--- peer2 log"; tail -40 $WORK/peer2.log
  echo "--- OVS"; ovs_appctl c lacp/show bond0; ovs_log c 20
fi
if [ $CAPTURE = 1 ]; then
  sleep 0.3
  lacp_ok() {
    local n bad sys
    n=$(tshark -r $WORK/p1-sfp2.pcap -Y lacp 2>/dev/null | wc -l)
    bad=$(tshark -r $WORK/p1-sfp2.pcap -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | wc -l)
    sys=$(tshark -r $WORK/p1-sfp2.pcap -Y lacp -T fields -e lacp.actor.sysid 2>/dev/null | sort | uniq -c | sort -rn | head -1)
    echo "  tshark, peer1 sfp2: $n LACPDUs, $bad malformed, most frequent actor system: $sys"
    [ "$n" -gt 10 ] && [ "$bad" = 0 ] && echo "$sys" | grep -q "$SYSID"
  }
  check "capture: our LACPDUs decode in tshark, none malformed, actor system = the MLAG system-id" lacp_ok
  iccp_ok() {
    local n
    n=$(tshark -r $WORK/p1-sfp1.pcap -Y 'eth.dst == 01:80:c2:00:00:0e && eth.type == 0x88b5' 2>/dev/null | wc -l)
    echo "  tshark, peer1 sfp1: $n ICCP frames (tshark has no ICCP-over-L2 dissector: counted, not decoded)"
    [ "$n" -gt 10 ]
  }
  check "capture: ICCP frames on the peer-link" iccp_ok
  [ -n "${LAB_LOGS:-}" ] && mkdir -p "$LAB_LOGS" && cp $WORK/*.pcap "$LAB_LOGS/"
fi

# LAB_LOGS=DIR keeps the daemons' logs.
[ -n "${LAB_LOGS:-}" ] && mkdir -p "$LAB_LOGS" && cp $WORK/peer*.log $WORK/*.rsc "$LAB_LOGS/"
echo "lab time: $((SECONDS - T0)) s"
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
