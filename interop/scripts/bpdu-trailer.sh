#!/usr/bin/env bash
# Do real bridges accept an RST BPDU with octets after its 36? Evidence for the root-sequencing
# extension, which appends a trailer (about twelve octets) to the RST BPDUs of our bridge.
# 802.1D-2004 §9.3.4 / 802.1Q-2022 §14.4 validate an RST BPDU as "type 0x02, version 2, at
# least 36 octets", so a standard receiver ignores what follows; this script checks that two
# independent implementations behave so, and how tshark decodes such frames.
#
# A sender namespace (send-bpdu.py over AF_PACKET, no scapy needed) claims to be a root bridge
# and sends BPDUs, each case with a root identifier superior to the case before, so every frame
# a receiver accepts moves its root and every frame it drops leaves it where it was:
#
#   Open vSwitch, rstp_enable=true (priority 32768) on one veth. For each case three frames,
#   then: the root OVS shows (`rstp/show`: priority, system id, root port) is the case's, and the
#   port's rstp_statistics count exactly the frames sent as received and none as errors.
#     36 octets (baseline) | trailer 12 (the extension's, 65-octet frame) | trailer 4 (57-octet
#     frame, below the Ethernet minimum) | trailer 100 | trailer 1461 (802.3 length 1500) |
#     trailer 12 plus zero padding after the 802.3 length (80-octet frame) | control: an RST
#     BPDU whose 802.3 length cuts it to 35 octets must be refused and counted as an error.
#   Linux kernel bridge, stp_state 1 (the kernel's own 802.1D STP), on another veth. It drops
#   every BPDU whose Protocol Version is not 0, so RST BPDUs must leave its root alone with or
#   without a trailer; Configuration BPDUs with and without a trailer must move it
#   (sysfs root_id, root_port); control: a Configuration BPDU cut to 34 octets must not.
#   tshark: every frame sent decodes as the BPDU it is (version, type, root); none is malformed
#   or carries a warning except the two cut-short controls; Open vSwitch sent no version-0 BPDU
#   (it never took the trailer frames for STP and migrated).
#
# Usage: bpdu-trailer.sh            (run as root)
# Exit 0 = every check passed, 1 = a check failed, 77 = cannot run here (the reason is printed).
# LAB_LOGS=DIR keeps the two captures and Open vSwitch's log.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

lab_need_root
lab_need_cmds ip tcpdump tshark python3
lab_need_ovs
PY=$(command -v /usr/bin/python3 || command -v python3)
SEND="$PY $HERE/send-bpdu.py"

lab_init bpdu-trailer
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
keep_logs() {
  [ -n "${LAB_LOGS:-}" ] || return 0
  mkdir -p "$LAB_LOGS" && cp "$WORK"/*.pcap "$LAB_LOGS"/ 2>/dev/null
  cp "$(ovs_dir otrl)/ovs-vswitchd.log" "$LAB_LOGS"/bpdu-trailer-ovs-vswitchd.log 2>/dev/null
  return 0
}
lab_on_exit() { stop_captures; keep_logs; }

# capture NS IFACE FILE: every frame to the Bridge Group Address. The interface must be up.
capture() {
  ip netns exec "$1" tcpdump -i "$2" -w "$3" -U --immediate-mode -s 0 \
     ether dst 01:80:c2:00:00:00 2>"$WORK/tcpdump-$2.err" &
  local p=$!
  sleep 0.5
  if kill -0 $p 2>/dev/null; then CAPS+=($p); else echo "FAIL: tcpdump on $1/$2: $(cat "$WORK/tcpdump-$2.err")"; FAIL=1; fi
}
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAIL=1; }

if ! ip netns add "trl-probe-$TAG" 2>/dev/null; then lab_skip "cannot create network namespaces"; fi
ip netns del "trl-probe-$TAG"

S=strl-$TAG; O=otrl-$TAG; K=ktrl-$TAG
lab_ns $S && lab_ns $O && lab_ns $K || { echo "FAIL: netns"; exit 1; }
OVS_SRC=02:00:00:00:aa:fe; K_SRC=02:00:00:00:aa:fd
ip link add ts-o netns $S address $OVS_SRC type veth peer name to-s netns $O address 02:00:00:00:a1:01
ip link add ts-k netns $S address $K_SRC type veth peer name tk-s netns $K address 02:00:00:00:b1:01
ip -n $S link set ts-o up; ip -n $S link set ts-k up
ip -n $O link set to-s up; ip -n $K link set tk-s up
capture $O to-s "$WORK/bpdu-trailer-ovs.pcap"
capture $K tk-s "$WORK/bpdu-trailer-kernel.pcap"

# ---------------------------------------------------------------------------------------------
# 1. Open vSwitch RSTP.
ovs_start otrl $O || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir otrl)/start.err")"; exit 1; }
ovs_vsctl otrl add-br br0 -- set bridge br0 datapath_type=netdev rstp_enable=true \
  other_config:hwaddr=02:00:00:00:00:a1 other_config:rstp-address=02:00:00:00:00:a1 \
  other_config:rstp-priority=32768 -- add-port br0 to-s
# OVS logs a refused BPDU ("Bad STP or RSTP BPDU received") at debug level only.
ovs_appctl otrl vlog/set rstp_sm:file:dbg >/dev/null
oroot_self() { ovs_appctl otrl rstp/show br0 | grep -q 'This bridge is the root'; }
wait_for 20 oroot_self && pass "Open vSwitch RSTP up, its own root" || fail "Open vSwitch RSTP: not its own root at start"

# The root OVS shows, as "PRIORITY MAC PORT".
oroot() {
  ovs_appctl otrl rstp/show br0 | awk '
    /^Root ID:/ { r = 1; next }
    /^Bridge ID:/ { r = 0 }
    r && /stp-priority/ { p = $2 } r && /stp-system-id/ { m = $2 } r && /root-port/ { rp = $2 }
    r && /This bridge is the root/ { rp = "self" }
    END { print p, m, rp }'
}
# One statistic of the port (OVS refreshes them in the database every 5 s).
ostat() { ovs_vsctl otrl get port to-s "rstp_statistics:$1" 2>/dev/null | tr -d '"'; }
ostats_are() { [ "$(ostat rstp_rx_count)" = "$1" ] && [ "$(ostat rstp_error_count)" = "$2" ]; }

RX=0; ERR=0
ovs_case() {   # ovs_case NAME ACCEPT(yes|no) PRIO MAC [send-bpdu options...]
  local name=$1 accept=$2 prio=$3 mac=$4 want got sent
  shift 4
  sent=$(ip netns exec $S $SEND ts-o rst "$prio" "$mac" --src $OVS_SRC --count 3 "$@" | sort | uniq -c | sed 's/^ *//')
  want="$((prio)) $mac to-s"
  got=$(oroot)
  if [ $accept = yes ]; then
    RX=$((RX + 3))
    [ "$got" = "$want" ] && pass "OVS $name ($sent): root $got" || fail "OVS $name ($sent): root '$got', want '$want'"
  else
    ERR=$((ERR + 3))
    [ "${got#* }" != "${want#* }" ] && pass "OVS $name ($sent): refused, root stays '$got'" || fail "OVS $name ($sent): accepted, root '$got'"
  fi
  if wait_for 15 ostats_are $RX $ERR; then
    pass "OVS $name: rstp_rx_count $RX, rstp_error_count $ERR"
  else
    fail "OVS $name: rstp_rx_count $(ostat rstp_rx_count) (want $RX), rstp_error_count $(ostat rstp_error_count) (want $ERR)"
  fi
}
ovs_case "36-octet RST BPDU" yes 0x7000 02:00:00:00:aa:00
ovs_case "RST BPDU + 12-octet trailer" yes 0x6000 02:00:00:00:aa:01 --trailer 12
ovs_case "RST BPDU + 4-octet trailer" yes 0x5000 02:00:00:00:aa:02 --trailer 4
ovs_case "RST BPDU + 100-octet trailer" yes 0x4000 02:00:00:00:aa:03 --trailer 100
ovs_case "RST BPDU + 1461-octet trailer" yes 0x3000 02:00:00:00:aa:04 --trailer 1461
ovs_case "RST BPDU + 12-octet trailer + padding" yes 0x2000 02:00:00:00:aa:05 --trailer 12 --pad-to 80
ovs_case "control: RST BPDU cut to 35 octets" no 0x1000 02:00:00:00:aa:06 --len-field 38
echo "== Open vSwitch rstp/show after the cases:"; ovs_appctl otrl rstp/show br0
echo "== rstp_statistics: $(ovs_vsctl otrl get port to-s rstp_statistics)"
nbad=$(grep -c 'Bad STP or RSTP BPDU received' "$(ovs_dir otrl)/ovs-vswitchd.log")
[ "$nbad" = 3 ] && pass "OVS log: 3 'Bad STP or RSTP BPDU received' (the control's three)" || fail "OVS log: $nbad 'Bad STP or RSTP BPDU received', want 3"
grep 'Bad STP or RSTP BPDU' "$(ovs_dir otrl)/ovs-vswitchd.log" | head -1

# ---------------------------------------------------------------------------------------------
# 2. Linux kernel bridge, 802.1D STP (no RSTP: it drops BPDUs of Protocol Version != 0).
ip -n $K link add br0 address 02:00:00:00:00:b1 type bridge stp_state 1 priority 32768 \
   hello_time 200 max_age 2000 forward_delay 1500
ip -n $K link set tk-s master br0; ip -n $K link set br0 up
ksys() { ip netns exec $K cat "/sys/class/net/br0/bridge/$1"; }
kroot_self() { [ "$(ksys root_id)" = "$(ksys bridge_id)" ]; }
wait_for 10 kroot_self && pass "kernel bridge STP up, its own root ($(ksys root_id))" || fail "kernel bridge: not its own root at start"
kcase() {   # kcase NAME ACCEPT(yes|no) KIND PRIO MAC [send-bpdu options...]
  local name=$1 accept=$2 kind=$3 prio=$4 mac=$5 before want got sent
  shift 5
  before=$(ksys root_id)
  sent=$(ip netns exec $S $SEND ts-k "$kind" "$prio" "$mac" --src $K_SRC --count 3 "$@" | sort | uniq -c | sed 's/^ *//')
  sleep 0.5
  want="$(printf '%04x' $((prio))).$(echo "$mac" | tr -d :) port 1"
  got="$(ksys root_id) port $(ksys root_port)"
  if [ $accept = yes ]; then
    [ "$got" = "$want" ] && pass "kernel $name ($sent): root $got" || fail "kernel $name ($sent): root '$got', want '$want'"
  else
    [ "$(ksys root_id)" = "$before" ] && pass "kernel $name ($sent): ignored, root stays $before" || fail "kernel $name ($sent): root moved to '$got'"
  fi
}
kcase "36-octet RST BPDU" no rst 0x7000 02:00:00:00:aa:10
kcase "RST BPDU + 12-octet trailer" no rst 0x6000 02:00:00:00:aa:11 --trailer 12
kcase "35-octet Configuration BPDU" yes cfg 0x5000 02:00:00:00:aa:12
kcase "Configuration BPDU + 12-octet trailer" yes cfg 0x4000 02:00:00:00:aa:13 --trailer 12
kcase "Configuration BPDU + 1462-octet trailer" yes cfg 0x3000 02:00:00:00:aa:14 --trailer 1462
kcase "control: Configuration BPDU cut to 34 octets" no cfg 0x2000 02:00:00:00:aa:15 --len-field 37
echo "== kernel bridge: root_id $(ksys root_id) root_port $(ksys root_port) root_path_cost $(ksys root_path_cost)"
ip netns exec $K bridge -d link show dev tk-s | head -3
ip -n $K -s link show tk-s | sed -n '3,4p'

# ---------------------------------------------------------------------------------------------
# 3. tshark on the receivers' captures.
sleep 1
stop_captures
echo "== tshark, the frames sent (len, 802.3 length, version, type, root, malformed/expert):"
decode() {   # decode PCAP SRC
  tshark -r "$1" -Y "eth.src == $2" -T fields -E separator=' ' -e frame.len -e eth.len \
    -e stp.version -e stp.type -e stp.root.hw -e _ws.malformed -e _ws.expert.severity 2>/dev/null
}
decode "$WORK/bpdu-trailer-ovs.pcap" $OVS_SRC | sort | uniq -c
decode "$WORK/bpdu-trailer-kernel.pcap" $K_SRC | sort | uniq -c
bad() {   # roots of the frames from SRC that tshark flags as malformed or warns about
  tshark -r "$1" -Y "eth.src == $2 && (_ws.malformed || _ws.expert.severity >= 0x600000)" \
    -T fields -e stp.root.hw 2>/dev/null | sort -u | tr '\n' ' '
}
n=$(decode "$WORK/bpdu-trailer-ovs.pcap" $OVS_SRC | awk '$1 > 53 && $3 == 2 && $4 == "0x02"' | wc -l)
[ "$n" = 15 ] && pass "tshark: the 15 RST BPDUs with a trailer decode as RST BPDUs (version 2, type 0x02)" || fail "tshark: $n RST BPDUs with a trailer decode as such, want 15"
b=$(bad "$WORK/bpdu-trailer-ovs.pcap" $OVS_SRC)
[ "$b" = "02:00:00:00:aa:06 " ] && pass "tshark: only the cut-short control is malformed (OVS link)" || fail "tshark: malformed or warned on the OVS link: '$b'"
b=$(bad "$WORK/bpdu-trailer-kernel.pcap" $K_SRC)
[ "$b" = "02:00:00:00:aa:15 " ] && pass "tshark: only the cut-short control is malformed (kernel link)" || fail "tshark: malformed or warned on the kernel link: '$b'"
echo "== tshark -V, the 12-octet trailer frame (from the Ethernet header on):"
tshark -r "$WORK/bpdu-trailer-ovs.pcap" -V -Y 'stp.root.hw == 02:00:00:00:aa:01' 2>/dev/null |
  awk '/^Frame /{n++} n==1 && /^IEEE/{p=1} p' |
  grep -E '^(IEEE|Logical|Spanning)|Length:|Version|BPDU Type|Root Identifier|Trailer|Padding|Expert|Malformed'
n=$(tshark -r "$WORK/bpdu-trailer-ovs.pcap" -Y "eth.src != $OVS_SRC && stp.version == 0" 2>/dev/null | wc -l)
[ "$n" = 0 ] && pass "Open vSwitch sent no version-0 BPDU: it never migrated to STP" || fail "Open vSwitch sent $n version-0 BPDUs"

[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
