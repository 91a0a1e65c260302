#!/usr/bin/env bash
# Real-peer LACP interop: our lacp::System (driven by the `lacp-host` AF_PACKET program) against
# Open vSwitch's LACP (userspace datapath, bond with lacp=active, lacp-time=fast) on two veth links.
#
#   netns $NS_C: OVS bridge br0, bond0 = {c-p1, c-p2}, system id 02:00:00:00:0c:00
#   netns $NS_U: lacp-host, ports u-p1 (port 1) and u-p2 (port 2), system 02:00:00:00:4d:4c prio 100 key 7
#
# Checks (each prints PASS or FAIL): both sides aggregate both links with the other as partner; a
# link cut is seen by both (the cut member leaves, the other stays); the link restored rejoins; a
# key change on our side is seen by OVS and both links re-aggregate with the new key.
# Usage: ovs-lacp.sh PATH/TO/lacp-host [PCAP_OUT]
# Exit 0 = all checks passed, 1 = a check failed, 77 = cannot run here (not root, no OVS, no netns).
set -u
HOST_BIN=${1:?usage: ovs-lacp.sh PATH/TO/lacp-host [PCAP_OUT]}
PCAP_OUT=${2:-}
. "$(dirname "$0")/lib.sh"

lab_need_root
lab_need_cmds ip
lab_need_ovs
lab_init lacp-interop
WORK=$LAB_WORK
TAG=$$
NS_C=lacpx-c-$TAG
NS_U=lacpx-u-$TAG
FAIL=0
lab_on_exit() { exec 3>&- 2>/dev/null; }

lab_ns $NS_C || lab_skip "cannot create network namespaces"
lab_ns $NS_U
ip link add c-p1 netns $NS_C address 02:00:00:00:0c:01 type veth peer name u-p1 netns $NS_U address 02:00:00:00:0a:01
ip link add c-p2 netns $NS_C address 02:00:00:00:0c:02 type veth peer name u-p2 netns $NS_U address 02:00:00:00:0a:02
for l in c-p1 c-p2; do ip -n $NS_C link set $l up; done
for l in u-p1 u-p2; do ip -n $NS_U link set $l up; done

# A private Open vSwitch instance in the client namespace (no systemd, no kernel module).
ovs_start c $NS_C || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir c)/start.err")"; exit 1; }
vsctl() { ovs_vsctl c "$@"; }
appctl() { ovs_appctl c "$@"; }

if [ -n "$PCAP_OUT" ] && command -v tcpdump >/dev/null; then
  lab_bg ip netns exec $NS_U tcpdump -i u-p1 -w "$PCAP_OUT" -U -s 0 ether proto 0x8809 2>/dev/null
  sleep 0.5
fi

vsctl add-br br0 -- set bridge br0 datapath_type=netdev
vsctl add-bond br0 bond0 c-p1 c-p2 lacp=active bond_mode=balance-tcp \
  other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:0c:00

mkfifo $WORK/ctl
ip netns exec $NS_U "$HOST_BIN" --system 02:00:00:00:4d:4c --priority 100 --key 7 \
  --port u-p1:1 --port u-p2:2 <$WORK/ctl >$WORK/host.log 2>&1 &
LAB_PIDS+=($!)
exec 3>$WORK/ctl

check() { local what=$1; shift; if "$@"; then echo "PASS: $what"; else echo "FAIL: $what"; FAIL=1; fi; }

# Our status: ask, then read the lines between the request and "end-status".
our_status() {
  local before; before=$(grep -c '^end-status' $WORK/host.log)
  echo status >&3
  local i; for i in $(seq 40); do
    [ "$(grep -c '^end-status' $WORK/host.log)" -gt "$before" ] && break; sleep 0.1
  done
  awk -v n="$before" '/^end-status/{c++; next} c==n && /^(port|lag) /' $WORK/host.log
}
ovs_member() { # ovs_member MEMBER: the lacp/show block of one member
  appctl lacp/show bond0 | awk -v m="member: $1:" 'index($0,m)==1{p=1;print;next} /^member:/{p=0} p'
}
ovs_attached() { ovs_member "$1" | grep -q "^member: $1: current attached"; }
ovs_partner_key() { ovs_member "$1" | grep -q "partner key: $2\$"; }
ovs_partner_is_us() { ovs_member "$1" | grep -q 'partner sys_id: 02:00:00:00:4d:4c'; }
ovs_enabled() { appctl bond/show bond0 | grep -q "^member $1: enabled"; }
ovs_disabled() { appctl bond/show bond0 | grep -q "^member $1: disabled"; }
us_port() { our_status | grep "^port name=$1 "; }
us_distributing() { us_port "$1" | grep -q 'distributing=true'; }
us_not_distributing() { us_port "$1" | grep -q 'distributing=false'; }
us_partner_is_ovs() { us_port "$1" | grep -q 'partner_system=02:00:00:00:0c:00'; }

both_up() {
  ovs_attached c-p1 && ovs_attached c-p2 && ovs_enabled c-p1 && ovs_enabled c-p2 &&
  us_distributing u-p1 && us_distributing u-p2
}
check "both links aggregate on both sides (OVS: current attached + enabled; ours: distributing)" wait_for 15 both_up
check "OVS sees our system as partner on both members" eval 'ovs_partner_is_us c-p1 && ovs_partner_is_us c-p2 && ovs_partner_key c-p1 7 && ovs_partner_key c-p2 7'
check "we see OVS's system as partner on both ports" eval 'us_partner_is_ovs u-p1 && us_partner_is_ovs u-p2'

ip -n $NS_C link set c-p1 down
cut_seen() { ovs_disabled c-p1 && ovs_enabled c-p2 && us_not_distributing u-p1 && us_distributing u-p2; }
check "link cut: both sides drop the cut link and keep the other" wait_for 10 cut_seen

ip -n $NS_C link set c-p1 up
check "link restored: both links aggregate again" wait_for 15 both_up

echo "key 9" >&3
rekeyed() { ovs_partner_key c-p1 9 && ovs_partner_key c-p2 9 && both_up && us_port u-p1 | grep -q 'actor_key=9'; }
check "key change: OVS sees partner key 9 on both members and both stay aggregated" wait_for 15 rekeyed

echo "--- OVS lacp/show"; appctl lacp/show bond0 | grep -E '^member|partner (sys_id|port_id|key|state)'
echo "--- our status"; our_status
echo "--- our events (last 20)"; grep '^event' $WORK/host.log | tail -20
if [ $FAIL != 0 ]; then echo "--- host log"; tail -50 $WORK/host.log; echo "--- ovs log"; ovs_log c 30; fi
echo quit >&3
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
