#!/usr/bin/env bash
# A second, independent LACP client against the mlagd pair: DPDK's bonding PMD in mode 4
# (802.3ad), driven by dpdk-testpmd (Debian: dpdk-dev), no hugepages, no NIC.
#
#   [peer1: mlagd] sfp2 ---- d-p1 \                                     / dtap0 (net_tap0)
#         | sfp1 (peer-port)        [D: OVS, a patch panel of two flows] ----  testpmd: net_bonding0
#   [peer2: mlagd] sfp2 ---- d-p2 /                                     \ dtap1 (net_tap1)   mode 4
#
# testpmd's members are net_tap devices (kernel taps in namespace D); the lab's Linux bridge would
# not pass LACPDUs (01:80:C2:00:00:02 is never forwarded), so an Open vSwitch instance with two
# explicit OpenFlow flow pairs (in_port=dtapN -> d-pN and back) wires each tap to one peer.
# DPDK's mode 4 runs LACP only inside the bond's rx_burst/tx_burst: the lab alternates testpmd's
# txonly and rxonly forwarding every half second while LACP negotiates (see below).
#
# Checks: testpmd's bond has both members active (collecting/distributing, `show bonding config`)
# with the MLAG system-id as partner system (`show bonding lacp info`); both peers list sfp2 as
# an active port with the client's system as partner; the captures show our LACPDUs with the MLAG
# system-id and Sync set on both links.
#
# Opt-in: `MLAG_LAB_DPDK=1 cargo test -p mlag-linux --test lab` (dpdk-dev pulls in over 200
# packages on a fresh machine, and testpmd's forwarding lcore busy-polls one CPU while it runs).
# Usage: mlag-dpdk-client.sh PATH/TO/mlagd [PATH/TO/mlag]
# Exit 0 = all checks passed, 1 = a check failed, 77 = cannot run here.
set -u
MLAGD=${1:?usage: mlag-dpdk-client.sh PATH/TO/mlagd [PATH/TO/mlag]}
MLAG=${2:-}
LABDIR=$(cd "$(dirname "$0")" && pwd)
. "$LABDIR/../interop/scripts/lib.sh"

lab_need_root
lab_need_cmds ip tcpdump tshark
lab_need_ovs
command -v dpdk-testpmd >/dev/null || lab_skip "dpdk-testpmd not installed (apt-get install dpdk-dev)"
lab_init mlag-dpdk
WORK=$LAB_WORK
TAG=$$
P1=mdpdk-p1-$TAG P2=mdpdk-p2-$TAG D=mdpdk-d-$TAG
FAIL=0
SYSID=02:00:00:00:01:00
PY=$(command -v /usr/bin/python3 || command -v python3 || true)
TP=""
lab_on_exit() {
  if [ -n "$TP" ]; then
    echo quit >&3 2>/dev/null
    local i; for i in $(seq 30); do kill -0 $TP 2>/dev/null || break; sleep 0.1; done
  fi
  exec 3>&- 2>/dev/null
  rm -rf /var/run/dpdk/mlagdp$TAG
}
check() { local what=$1; shift; if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; FAIL=1; fi; }

lab_ns $P1 || lab_skip "cannot create network namespaces"
lab_ns $P2; lab_ns $D
veth() { # veth NS_A NAME_A MAC_A NS_B NAME_B MAC_B
  ip link add "$2" netns "$1" address "$3" type veth peer name "$5" netns "$4" address "$6"
  ip -n "$1" link set "$2" up; ip -n "$4" link set "$5" up
}
veth $P1 sfp1 02:00:00:00:01:01 $P2 sfp1 02:00:00:00:02:01
veth $P1 sfp2 02:00:00:00:01:02 $D d-p1 02:00:00:00:0d:11
veth $P2 sfp2 02:00:00:00:02:02 $D d-p2 02:00:00:00:0d:12
veth $P1 mgmt 02:00:00:00:01:ff $P2 mgmt 02:00:00:00:02:ff
ip -n $P1 addr add 192.168.255.1/24 dev mgmt
ip -n $P2 addr add 192.168.255.2/24 dev mgmt
for p in 1 2; do
  cat >$WORK/peer$p.rsc <<EOF
/interface bridge add name=bridge1 admin-mac=02:00:00:00:0$p:00 auto-mac=no
/interface bonding add name=client-bond slaves=sfp2 mode=802.3ad mlag-id=10 lacp-rate=1sec
/interface bridge port
add bridge=bridge1 interface=sfp1
add bridge=bridge1 interface=client-bond
/interface bridge mlag set bridge=bridge1 peer-port=sfp1 heartbeat=1s
EOF
done

# testpmd in D, commands through a FIFO.
mkfifo $WORK/in; exec 3<>$WORK/in
ip netns exec $D stdbuf -oL dpdk-testpmd -l 0-1 --no-huge -m 512 --no-pci --file-prefix mlagdp$TAG \
  --vdev 'net_tap0,iface=dtap0,mac=02:00:00:00:0d:01' --vdev 'net_tap1,iface=dtap1,mac=02:00:00:00:0d:02' \
  --vdev 'net_bonding0,mode=4,slave=net_tap0,slave=net_tap1' \
  -- -i --portmask=0x4 --total-num-mbufs=8192 <&3 >$WORK/testpmd.out 2>&1 &
TP=$!; LAB_PIDS+=($TP)
wait_for 30 ip -n $D link show dtap1 || { echo "FAIL: testpmd did not come up"; tail -20 $WORK/testpmd.out; exit 1; }
for l in dtap0 dtap1; do ip -n $D link set $l up; done

# The patch panel.
ovs_start d $D || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir d)/start.err")"; exit 1; }
ovs_vsctl d add-br br0 -- set bridge br0 datapath_type=netdev fail_mode=secure
for p in dtap0 dtap1 d-p1 d-p2; do ovs_vsctl d add-port br0 $p; done
for pair in "dtap0 d-p1" "dtap1 d-p2"; do
  set -- $pair
  ovs-ofctl add-flow "unix:$(ovs_dir d)/br0.mgmt" "in_port=$1,actions=output:$2"
  ovs-ofctl add-flow "unix:$(ovs_dir d)/br0.mgmt" "in_port=$2,actions=output:$1"
done
ovs-ofctl dump-flows "unix:$(ovs_dir d)/br0.mgmt" | grep -c in_port | grep -q '^4$' || { echo "FAIL: the patch panel's flows are not in place"; FAIL=1; }

for p in 1 2; do
  ns=$P1; [ $p = 2 ] && ns=$P2
  ip netns exec $ns tcpdump -i sfp2 -w $WORK/p$p-sfp2.pcap -U --immediate-mode -s 0 ether proto 0x8809 2>/dev/null &
  LAB_PIDS+=($!)
done
sleep 0.5
for p in 1 2; do
  ns=$P1 other=2; [ $p = 2 ] && { ns=$P2; other=1; }
  ip netns exec $ns "$MLAGD" --config $WORK/peer$p.rsc --socket $WORK/peer$p.sock --reload-delay 10 -v \
    --backup 192.168.255.$p:4784,192.168.255.$other:4784 >>$WORK/peer$p.log 2>&1 &
  LAB_PIDS+=($!)
done
monitor() {
  if [ -n "$MLAG" ] && [ -x "$MLAG" ]; then "$MLAG" monitor --socket $WORK/peer$1.sock
  else "$PY" -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"monitor\n")
print(b"".join(iter(lambda: s.recv(4096), b"")).decode(), end="")' $WORK/peer$1.sock; fi
}
field() { monitor "$1" 2>/dev/null | awk -F': ' -v k="$2" '{gsub(/^ +/,"",$1)} $1==k{print $2; exit}'; }
connected() { [ "$(field 1 status)" = connected ] && [ "$(field 2 status)" = connected ]; }
check "both peers connected" wait_for 30 connected

# DPDK's mode 4 runs LACP inside the bond's rx_burst (receive) and tx_burst (transmit); testpmd's
# `txonly` calls only tx_burst and `rxonly` only rx_burst (`io` calls tx_burst only for frames it
# received, and the bond drops those while no member distributes). So the lab alternates the two
# every half second while LACP negotiates; txonly's frames (one per burst) go to OVS's patch panel
# and on to the peers, whose bridge discards them until the links distribute.
( for i in $(seq 60); do printf 'stop\nset fwd txonly\nset burst 1\nstart\n'; sleep 0.5; printf 'stop\nset fwd rxonly\nstart\n'; sleep 0.5; done ) >&3 &
ALT=$!; LAB_PIDS+=($ALT)
ours_active() { [ "$(field 1 active-ports)" = sfp2 ] && [ "$(field 2 active-ports)" = sfp2 ]; }
wait_for 30 ours_active; OURS=$?
echo "  peer1: $(monitor 1 | grep -E 'active-ports|partner-system' | tr -s ' ' | tr '\n' ' ')"
echo "  peer2: $(monitor 2 | grep -E 'active-ports|partner-system' | tr -s ' ' | tr '\n' ' ')"
sleep 3
kill $ALT 2>/dev/null; wait $ALT 2>/dev/null
printf 'stop\n' >&3
sleep 0.5
printf 'show port stats all\nshow bonding config 2\nshow bonding lacp info 2\n' >&3
sleep 2
sed -n '/show port stats all/,$p' $WORK/testpmd.out | grep -v '^$' | sed -n '1,80p' >$WORK/bond.txt
sed 's/^/  testpmd: /' $WORK/bond.txt | grep -iE 'active|slave port|system mac|port state' | head -30
dpdk_partner() { grep -iA3 'Partner detail' $WORK/bond.txt | grep -ic "system mac address: $SYSID" | awk '$1 >= 2 {ok=1} END {exit !ok}'; }
check "DPDK mode-4 bond: the MLAG system-id as partner system on both members" dpdk_partner
# Actor states of both members with Collecting and Distributing (testpmd's `port state` words),
# and both peers distributing on sfp2.
dpdk_distributing() {
  [ "$(grep -iA6 'Actor detail' $WORK/bond.txt | grep -i 'port state' | grep -ic 'COLLECTING DISTRIBUTING')" = 2 ]
}
check "both links distributing: DPDK's members collecting and distributing, both peers list sfp2 active (while LACP ran)" \
  eval 'dpdk_distributing && [ $OURS = 0 ]'
sleep 0.3
lacp_ok() {
  local p n
  for p in 1 2; do
    n=$(tshark -r $WORK/p$p-sfp2.pcap -Y "lacp && eth.src == 02:00:00:00:0$p:02 && lacp.actor.sysid == $SYSID && lacp.actor.state.synchronization == 1" 2>/dev/null | wc -l)
    echo "  peer$p sfp2: $n LACPDUs of ours in sync with the MLAG system-id"
    [ "$n" -gt 0 ] || return 1
  done
}
check "captures: our LACPDUs towards DPDK carry the MLAG system-id, in sync" lacp_ok
if [ $FAIL != 0 ]; then tail -30 $WORK/testpmd.out; grep -v "lacp port" $WORK/peer1.log | tail -20; monitor 1; fi
[ -n "${LAB_LOGS:-}" ] && mkdir -p "$LAB_LOGS" && cp $WORK/*.pcap $WORK/*.log $WORK/testpmd.out "$LAB_LOGS/"
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
