#!/usr/bin/env bash
# Captures real BPDUs from two independent spanning tree implementations into small pcaps, for the
# golden tests (stp/tests/golden_pcap.rs) and `mlag decode` (mlag-cli/tests/decode_stp.rs):
#
#   kbridge-stp.pcap  Linux kernel bridge, `stp_state 1` (the kernel's own 802.1D STP): two netns
#                     kb1 (root, priority 4096) and kb2 joined by two parallel veths, kb2 with a
#                     stub port so that it is designated for some port; captured on kb1's second
#                     link. Config BPDUs, then kb2's root link fails: kb2 sends a TCN on its new
#                     root port and kb1 answers with TC + TCA config BPDUs.
#   ovs-stp.pcap      Open vSwitch `stp_enable=true` (802.1D), two instances o1 (root, 4096) and
#                     o2 joined by two parallel veths. Config BPDUs,
#                     a forced topology change on o2 (`stp/tcn`) gives a TCN and TC/TCA replies. Captured on
#                     the root link o1-a.
#   ovs-rstp.pcap     Open vSwitch `rstp_enable=true` (802.1D-2004 RSTP), the same topology:
#                     proposal/agreement at link-up, then `rstp/tcn` on o2 for TC flags.
#   ovs-rstp-kernel-stp.pcap  Port Protocol Migration: an OVS RSTP root (priority 4096) and a
#                     kernel 802.1D bridge on one veth, captured on the kernel side: OVS sends RST
#                     BPDUs, hears the kernel's config BPDUs and falls back to config BPDUs.
#
# Every bridge and port has a fixed MAC address, so the frames are the same from run to run up
# to timing. Uses only what is installed (iproute2, tcpdump, openvswitch-switch); installs nothing.
# Each OVS instance runs the userspace datapath inside its own network namespace.
#
# Usage: capture-bpdus.sh OUTDIR        (run as root)
# Exit 0 = all four pcaps written and each holds the BPDU kinds listed above,
#      1 = a capture is missing something, 77 = cannot run here (the reason is printed).
set -u
OUT=${1:?usage: capture-bpdus.sh OUTDIR}
. "$(dirname "$0")/lib.sh"

lab_need_root
lab_need_cmds ip tcpdump
lab_need_ovs
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)

lab_init capture-bpdus
WORK=$LAB_WORK
TAG=$$
CAPS=()
FAIL=0

stop_captures() {
  local p
  for p in "${CAPS[@]}"; do kill -INT "$p" 2>/dev/null; done
  for p in "${CAPS[@]}"; do wait "$p" 2>/dev/null; done
  CAPS=()
}
lab_on_exit() { stop_captures; }
mkns() { lab_ns "$1"; }

# capture NS IFACE FILE: BPDUs to the Bridge Group Address only. The interface must be up.
capture() {
  ip netns exec "$1" tcpdump -i "$2" -w "$3" -U --immediate-mode -s 0 \
     ether dst 01:80:c2:00:00:00 2>"$WORK/tcpdump-$2.err" &
  local p=$!
  sleep 0.5
  if kill -0 $p 2>/dev/null; then CAPS+=($p); else echo "FAIL: tcpdump on $1/$2: $(cat "$WORK/tcpdump-$2.err")"; FAIL=1; fi
}

start_ovs() { ovs_start "$1" "$2"; }
vsctl() { ovs_vsctl "$@"; }
appctl() { ovs_appctl "$@"; }

# count FILE TYPE VERSION: BPDUs of that type and version in a pcap (tcpdump -xx, no tshark needed).
# Untagged frames only: octets 17..20 are 00 00 VERSION TYPE.
count() {
  tcpdump -r "$1" -xx 2>/dev/null | awk -v want="$(printf '%02x%02x' "$3" "$2")" '
    /^[0-9]/ { if (hex != "") check(); hex = ""; next }
    { for (i = 2; i <= NF; i++) hex = hex $i }
    END { if (hex != "") check(); print n + 0 }
    function check() { if (substr(hex, 35, 8) == "0000" want) n++ }'
}

ns_ok() {
  if ! ip netns add "capbpdu-probe-$TAG" 2>/dev/null; then return 1; fi
  ip netns del "capbpdu-probe-$TAG"
}
ns_ok || lab_skip "cannot create network namespaces"

# ---------------------------------------------------------------------------------------------
# 1. Linux kernel bridge, 802.1D STP.
KB1=kb1-$TAG; KB2=kb2-$TAG
mkns $KB1 && mkns $KB2 || { echo "FAIL: netns"; exit 1; }
ip link add kb1-a netns $KB1 address 02:00:00:00:1a:01 type veth peer name kb2-a netns $KB2 address 02:00:00:00:2a:01
ip link add kb1-b netns $KB1 address 02:00:00:00:1b:01 type veth peer name kb2-b netns $KB2 address 02:00:00:00:2b:01
ip -n $KB2 link add kb2-c address 02:00:00:00:2c:01 type veth peer name kb2-cp
ip -n $KB2 link set kb2-cp up
for p in kb1-a kb1-b; do ip -n $KB1 link set $p up; done
capture $KB1 kb1-b "$OUT/kbridge-stp.pcap"
for i in 1 2; do
  ns=kb$i-$TAG; prio=$([ $i = 1 ] && echo 4096 || echo 32768)
  # centiseconds: hello 1 s, max age 6 s, forward delay 4 s
  ip -n $ns link add br0 address 02:00:00:00:00:b$i type bridge stp_state 1 priority $prio \
     hello_time 100 max_age 600 forward_delay 400
  for p in a b; do ip -n $ns link set kb$i-$p master br0; ip -n $ns link set kb$i-$p up; done
  ip -n $ns link set br0 up
done
ip -n $KB2 link set kb2-c master br0; ip -n $KB2 link set kb2-c up
kstate() { ip netns exec $KB2 bridge link show dev "$1" | grep -o 'state [a-z]*' | cut -d' ' -f2; }
kconv() { [ "$(kstate kb2-a)" = forwarding ] && [ "$(kstate kb2-b)" = blocking ]; }
if wait_for 30 kconv; then echo "kernel STP converged: kb2-a forwarding, kb2-b blocking"; else echo "FAIL: kernel STP did not converge"; FAIL=1; fi
ip -n $KB2 link set kb2-a down      # root port fails: kb2-b becomes root port -> TCN on kb2-b
kfail() { [ "$(kstate kb2-b)" = forwarding ]; }
wait_for 20 kfail || { echo "FAIL: kb2-b did not take over"; FAIL=1; }
sleep 2
stop_captures

# ---------------------------------------------------------------------------------------------
# 2 and 3. Open vSwitch, STP then RSTP: o1 (root) and o2 joined by two parallel links.
ovs_pair() {   # $1 = stp|rstp
  local mode=$1 O1=o1$1-$TAG O2=o2$1-$TAG i ns prio
  mkns $O1 && mkns $O2 || { echo "FAIL: netns"; return 1; }
  ip link add o1-a netns $O1 address 02:00:00:00:3a:01 type veth peer name o2-a netns $O2 address 02:00:00:00:4a:01
  ip link add o1-b netns $O1 address 02:00:00:00:3b:01 type veth peer name o2-b netns $O2 address 02:00:00:00:4b:01
  for p in o1-a o1-b; do ip -n $O1 link set $p up; done
  for p in o2-a o2-b; do ip -n $O2 link set $p up; done
  capture $O1 o1-a "$OUT/ovs-$mode.pcap"
  for i in 1 2; do
    ns=o$i$mode-$TAG; prio=$([ $i = 1 ] && echo 4096 || echo 32768)
    start_ovs o$i$mode $ns || { echo "FAIL: Open vSwitch did not start"; return 1; }
    if [ $mode = stp ]; then
      vsctl o$i$mode add-br br0 -- set bridge br0 datapath_type=netdev stp_enable=true \
        other_config:hwaddr=02:00:00:00:00:c$i other_config:stp-system-id=02:00:00:00:00:c$i \
        other_config:stp-priority=$prio other_config:stp-hello-time=1 \
        other_config:stp-max-age=6 other_config:stp-forward-delay=4
    else
      # rstp-forward-delay is ignored unless rstp-max-age agrees with it (lab README §2.3).
      vsctl o$i$mode add-br br0 -- set bridge br0 datapath_type=netdev rstp_enable=true \
        other_config:hwaddr=02:00:00:00:00:d$i other_config:rstp-address=02:00:00:00:00:d$i \
        other_config:rstp-priority=$prio other_config:rstp-max-age=6 \
        other_config:rstp-forward-delay=4
    fi
    vsctl o$i$mode add-port br0 o$i-a -- add-port br0 o$i-b
  done
  # appctl takes the instance name, not the namespace
  O2N=o2$mode
  if [ $mode = stp ]; then
    oconv() { appctl $O2N stp/show br0 | grep -Eq 'o2-b +alternate +blocking' &&
              appctl $O2N stp/show br0 | grep -Eq 'o2-a +root +forwarding'; }
  else
    oconv() { appctl $O2N rstp/show br0 | grep -Eq 'o2-b +Alternate +Discarding' &&
              appctl $O2N rstp/show br0 | grep -Eq 'o2-a +Root +Forwarding'; }
  fi
  if wait_for 40 oconv; then echo "OVS $mode converged: o2-a root forwarding, o2-b alternate"; else echo "FAIL: OVS $mode did not converge"; appctl $O2N $mode/show br0; FAIL=1; fi
  # A forced topology change on o2: it notifies the root over its root port o2-a (STP: a TCN,
  # answered with TCA; RSTP: TC flags), which is the captured link.
  sleep 1
  appctl $O2N $mode/tcn br0 >/dev/null 2>&1
  sleep 4
  stop_captures
  ovs_stop o1$mode; ovs_stop o2$mode
  return 0
}
ovs_pair stp || FAIL=1
ovs_pair rstp || FAIL=1

# ---------------------------------------------------------------------------------------------
# 4. Port Protocol Migration: an OVS RSTP root facing a kernel 802.1D bridge over one veth. The
#    kernel drops RST BPDUs (version != 0) and keeps sending config BPDUs; OVS hears them and
#    falls back to version-0 config BPDUs on that port.
mig() {
  local O=omig-$TAG K=kmig-$TAG
  mkns $O && mkns $K || { echo "FAIL: netns"; return 1; }
  ip link add om-k netns $O address 02:00:00:00:5a:01 type veth peer name km-o netns $K address 02:00:00:00:6a:01
  ip -n $O link set om-k up; ip -n $K link set km-o up
  capture $K km-o "$OUT/ovs-rstp-kernel-stp.pcap"
  start_ovs omig $O || { echo "FAIL: Open vSwitch did not start"; return 1; }
  vsctl omig add-br br0 -- set bridge br0 datapath_type=netdev rstp_enable=true \
    other_config:hwaddr=02:00:00:00:00:e1 other_config:rstp-address=02:00:00:00:00:e1 \
    other_config:rstp-priority=4096 other_config:rstp-max-age=6 other_config:rstp-forward-delay=4 \
    -- add-port br0 om-k
  ip -n $K link add br0 address 02:00:00:00:00:e2 type bridge stp_state 1 priority 32768 \
     hello_time 200 max_age 2000 forward_delay 400
  ip -n $K link set km-o master br0; ip -n $K link set br0 up
  kfwd() { ip netns exec $K bridge link show dev km-o | grep -q 'state forwarding'; }
  if wait_for 30 kfwd; then echo "kernel port km-o forwarding towards the OVS RSTP root"; else echo "FAIL: kernel port not forwarding"; FAIL=1; fi
  sleep 2
  stop_captures
  ovs_stop omig
  return 0
}
mig || FAIL=1

# ---------------------------------------------------------------------------------------------
for f in kbridge-stp ovs-stp ovs-rstp ovs-rstp-kernel-stp; do
  [ -s "$OUT/$f.pcap" ] || { echo "FAIL: $OUT/$f.pcap missing or empty"; FAIL=1; }
done
req() {   # req FILE TYPE VERSION MIN WHAT
  local n
  n=$(count "$OUT/$1.pcap" "$2" "$3")
  if [ "$n" -ge "$4" ]; then echo "PASS: $1.pcap has $n $5"; else echo "FAIL: $1.pcap has $n $5 (want >= $4)"; FAIL=1; fi
}
req kbridge-stp 0 0 3 "config BPDUs"
req kbridge-stp 128 0 1 "TCN BPDUs"
req ovs-stp 0 0 3 "config BPDUs"
req ovs-stp 128 0 1 "TCN BPDUs"
req ovs-rstp 2 2 3 "RST BPDUs"
req ovs-rstp-kernel-stp 2 2 1 "RST BPDUs (OVS before it falls back)"
req ovs-rstp-kernel-stp 0 0 3 "config BPDUs (kernel, and OVS after falling back)"
for f in kbridge-stp ovs-stp ovs-rstp ovs-rstp-kernel-stp; do
  echo "$f.pcap: $(tcpdump -r "$OUT/$f.pcap" 2>/dev/null | wc -l) frames"
done
[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
