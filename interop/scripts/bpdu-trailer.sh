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
#   Open vSwitch, stp_enable=true (802.1D STP), the same way (stp_statistics): RST BPDUs with and
#   without a trailer are both refused as errors (unknown BPDU type), Configuration BPDUs with
#   and without a trailer move its root; a TCN BPDU is accepted as 4 octets and refused with a
#   trailer (OVS wants exactly 4: never put a trailer on a TCN).
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
  cp "$(ovs_dir ostp)/ovs-vswitchd.log" "$LAB_LOGS"/bpdu-trailer-ovs-stp-vswitchd.log 2>/dev/null
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

S=strl-$TAG; O=otrl-$TAG; P=ptrl-$TAG; K=ktrl-$TAG
lab_ns $S && lab_ns $O && lab_ns $P && lab_ns $K || { echo "FAIL: netns"; exit 1; }
OVS_SRC=02:00:00:00:aa:fe; STP_SRC=02:00:00:00:aa:fc; K_SRC=02:00:00:00:aa:fd
ip link add ts-o netns $S address $OVS_SRC type veth peer name to-s netns $O address 02:00:00:00:a1:01
ip link add ts-p netns $S address $STP_SRC type veth peer name tp-s netns $P address 02:00:00:00:a2:01
ip link add ts-k netns $S address $K_SRC type veth peer name tk-s netns $K address 02:00:00:00:b1:01
for i in ts-o ts-p ts-k; do ip -n $S link set $i up; done
ip -n $O link set to-s up; ip -n $P link set tp-s up; ip -n $K link set tk-s up
capture $O to-s "$WORK/bpdu-trailer-ovs.pcap"
capture $P tp-s "$WORK/bpdu-trailer-ovs-stp.pcap"
capture $K tk-s "$WORK/bpdu-trailer-kernel.pcap"

# ---------------------------------------------------------------------------------------------
# 1. Open vSwitch: RSTP (instance otrl), then 802.1D STP (instance ostp, its own namespace).
# The case runner works on the instance named by OI (mode OM, its port OP, the sender's end OS
# with source address OSRC); RX and ERR are the port's expected counters.
ovs_up() {   # ovs_up INST NS PORT MODE ADDRESS
  ovs_start $1 $2 || { echo "FAIL: Open vSwitch did not start: $(cat "$(ovs_dir $1)/start.err")"; exit 1; }
  ovs_vsctl $1 add-br br0 -- set bridge br0 datapath_type=netdev ${4}_enable=true \
    other_config:hwaddr=$5 other_config:$4-priority=32768 \
    $([ $4 = rstp ] && echo other_config:rstp-address=$5 || echo other_config:stp-system-id=$5) \
    -- add-port br0 $3
  OI=$1; OM=$4; OP=$3; RX=0; ERR=0
  wait_for 20 oroot_self && pass "Open vSwitch $4 up, its own root" || fail "Open vSwitch $4: not its own root at start"
}
oroot_self() { ovs_appctl $OI $OM/show br0 | grep -q 'This bridge is the root'; }
# The root OVS shows, as "PRIORITY MAC PORT" (PORT "self" when it is the root).
oroot() {
  ovs_appctl $OI $OM/show br0 | awk '
    /^Root ID:/ { r = 1; next }
    /^Bridge ID:/ { r = 0 }
    r && /stp-priority/ { p = $2 } r && /stp-system-id/ { m = $2 } r && /root-port/ { rp = $2 }
    r && /This bridge is the root/ { rp = "self" }
    END { print p, m, rp }'
}
# One statistic of the port (OVS refreshes them in the database every 5 s).
# RSTP keeps them in the Port's rstp_statistics column, STP in its statistics column.
ostat() {
  ovs_vsctl $OI get port $OP "$([ $OM = rstp ] && echo rstp_)statistics:${OM}_$1" 2>/dev/null | tr -d '"'
}
ostats_are() { [ "$(ostat rx_count)" = "$1" ] && [ "$(ostat error_count)" = "$2" ]; }

ovs_case() {   # ovs_case NAME ACCEPT(yes|no) KIND PRIO MAC [send-bpdu options...]
  local name="$OM: $1" accept=$2 kind=$3 prio=$4 mac=$5 want got sent
  shift 5
  sent=$(ip netns exec $S $SEND $OS $kind "$prio" "$mac" --src $OSRC --count 3 "$@" | sort | uniq -c | sed 's/^ *//')
  want="$((prio)) $mac $OP"
  got=$(oroot)
  if [ $accept = yes ]; then
    RX=$((RX + 3))
    if [ $kind = tcn ]; then pass "OVS $name ($sent): sent"
    elif [ "$got" = "$want" ]; then pass "OVS $name ($sent): root $got"
    else fail "OVS $name ($sent): root '$got', want '$want'"; fi
  else
    ERR=$((ERR + 3))
    [ "${got#* }" != "${want#* }" ] && pass "OVS $name ($sent): refused, root stays '$got'" || fail "OVS $name ($sent): accepted, root '$got'"
  fi
  if wait_for 15 ostats_are $RX $ERR; then
    pass "OVS $name: ${OM}_rx_count $RX, ${OM}_error_count $ERR"
  else
    fail "OVS $name: ${OM}_rx_count $(ostat rx_count) (want $RX), ${OM}_error_count $(ostat error_count) (want $ERR)"
  fi
}
# ologs INST PATTERN WANT: WANT lines of the instance's log match PATTERN.
ologs() {
  local n
  n=$(grep -c "$2" "$(ovs_dir $1)/ovs-vswitchd.log")
  [ "$n" = "$3" ] && pass "OVS log: $n '$2'" || fail "OVS log: $n '$2', want $3"
  grep "$2" "$(ovs_dir $1)/ovs-vswitchd.log" | head -1
}

ovs_up otrl $O to-s rstp 02:00:00:00:00:a1
# OVS logs a refused RST BPDU ("Bad STP or RSTP BPDU received") at debug level only.
ovs_appctl otrl vlog/set rstp_sm:file:dbg >/dev/null
OS=ts-o; OSRC=$OVS_SRC
ovs_case "36-octet RST BPDU" yes rst 0x7000 02:00:00:00:aa:00
ovs_case "RST BPDU + 12-octet trailer" yes rst 0x6000 02:00:00:00:aa:01 --trailer 12
ovs_case "RST BPDU + 4-octet trailer" yes rst 0x5000 02:00:00:00:aa:02 --trailer 4
ovs_case "RST BPDU + 100-octet trailer" yes rst 0x4000 02:00:00:00:aa:03 --trailer 100
ovs_case "RST BPDU + 1461-octet trailer" yes rst 0x3000 02:00:00:00:aa:04 --trailer 1461
ovs_case "RST BPDU + 12-octet trailer + padding" yes rst 0x2000 02:00:00:00:aa:05 --trailer 12 --pad-to 80
ovs_case "control: RST BPDU cut to 35 octets" no rst 0x1000 02:00:00:00:aa:06 --len-field 38
echo "== Open vSwitch rstp/show after the cases (our information has aged out by now):"; ovs_appctl otrl rstp/show br0
echo "== rstp_statistics: $(ovs_vsctl otrl get port to-s rstp_statistics)"
ologs otrl 'Bad STP or RSTP BPDU received' 3

# OVS in 802.1D STP mode: it counts every RST BPDU as an error (unknown BPDU type), trailer or
# not, and takes Configuration BPDUs with a trailer; a TCN BPDU must be exactly 4 octets.
ovs_up ostp $P tp-s stp 02:00:00:00:00:a2
OS=ts-p; OSRC=$STP_SRC
ovs_case "36-octet RST BPDU" no rst 0x7000 02:00:00:00:aa:20
ovs_case "RST BPDU + 12-octet trailer" no rst 0x6000 02:00:00:00:aa:21 --trailer 12
ovs_case "35-octet Configuration BPDU" yes cfg 0x5000 02:00:00:00:aa:22
ovs_case "Configuration BPDU + 12-octet trailer" yes cfg 0x4000 02:00:00:00:aa:23 --trailer 12
ovs_case "4-octet TCN BPDU" yes tcn 0 00:00:00:00:00:00
ovs_case "TCN BPDU + 12-octet trailer" no tcn 0 00:00:00:00:00:00 --trailer 12
echo "== statistics: $(ovs_vsctl ostp get port tp-s statistics)"
ologs ostp 'received BPDU of unexpected type 2' 6
ologs ostp 'received TCN BPDU with invalid size 16' 3

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
decode "$WORK/bpdu-trailer-ovs-stp.pcap" $STP_SRC | sort | uniq -c
decode "$WORK/bpdu-trailer-kernel.pcap" $K_SRC | sort | uniq -c
bad() {   # roots of the frames from SRC that tshark flags as malformed or warns about
  tshark -r "$1" -Y "eth.src == $2 && (_ws.malformed || _ws.expert.severity >= 0x600000)" \
    -T fields -e stp.root.hw 2>/dev/null | sort -u | tr '\n' ' '
}
n=$(decode "$WORK/bpdu-trailer-ovs.pcap" $OVS_SRC | awk '$1 > 53 && $3 == 2 && $4 == "0x02"' | wc -l)
[ "$n" = 15 ] && pass "tshark: the 15 RST BPDUs with a trailer decode as RST BPDUs (version 2, type 0x02)" || fail "tshark: $n RST BPDUs with a trailer decode as such, want 15"
b=$(bad "$WORK/bpdu-trailer-ovs.pcap" $OVS_SRC)
[ "$b" = "02:00:00:00:aa:06 " ] && pass "tshark: only the cut-short control is malformed (OVS link)" || fail "tshark: malformed or warned on the OVS link: '$b'"
b=$(bad "$WORK/bpdu-trailer-ovs-stp.pcap" $STP_SRC)
[ "$b" = "" ] && pass "tshark: nothing malformed on the OVS STP link (TCN with a trailer included)" || fail "tshark: malformed or warned on the OVS STP link: '$b'"
b=$(bad "$WORK/bpdu-trailer-kernel.pcap" $K_SRC)
[ "$b" = "02:00:00:00:aa:15 " ] && pass "tshark: only the cut-short control is malformed (kernel link)" || fail "tshark: malformed or warned on the kernel link: '$b'"
echo "== tshark -V, the 12-octet trailer frame (from the Ethernet header on):"
tshark -r "$WORK/bpdu-trailer-ovs.pcap" -V -Y 'stp.root.hw == 02:00:00:00:aa:01' 2>/dev/null |
  awk '/^Frame /{n++; p=0} n==1 && /^IEEE/{p=1} p' |
  grep -E '^(IEEE|Logical|Spanning)|Length:|Version|BPDU Type|Root Identifier|Trailer|Padding|Expert|Malformed'
n=$(tshark -r "$WORK/bpdu-trailer-ovs.pcap" -Y "eth.src != $OVS_SRC && stp.version == 0" 2>/dev/null | wc -l)
[ "$n" = 0 ] && pass "Open vSwitch sent no version-0 BPDU: it never migrated to STP" || fail "Open vSwitch sent $n version-0 BPDUs"

[ $FAIL = 0 ] && echo "ALL CHECKS PASSED" || echo "SOME CHECKS FAILED"
exit $FAIL
