# The expected spanning tree of a small lab, computed from the configured identifiers and costs
# (802.1D-2004 §17.6 priority vectors: root bridge, root path cost, designated bridge, designated
# port, own port), never read off an implementation. Sourced by the lab scripts (bash 4).
#
# The caller declares (associative arrays, global):
#   STPM_BRIDGES      "B1 B2 ..."           the bridges' short names
#   STPM_PORTS        "p1 p2 ..."           every port that sits on a link between two bridges
#   PRIO[B] ADDR[B]   priority (decimal) and MAC of each bridge
#   BR[p] PEER[p]     the bridge a port belongs to, and the port at the other end of its link
#   PID_[p] PCOST[p]  its Port Identifier (4 hex digits) and path cost
#   UP[p]             1 while its link is up
# stpm_expect then sets:
#   EXP_ROOT          the root's identifier in the kernel's sysfs form (8000.020000000001)
#   EXP_RB            the root bridge's short name
#   RPC[B]            each bridge's root path cost
#   RPORT[B]          each non-root bridge's root port
#   EXP[p]            fwd or blk for every port whose link is up (a port that is neither root
#                     port nor designated for its link is an alternate: it blocks)
# Links are point-to-point (one port at each end), so the designated port of a link is the end
# with the better (root path cost, bridge identifier, port identifier).

stpm_bid() { printf '%04x.%s' "${PRIO[$1]}" "$(echo "${ADDR[$1]}" | tr -d :)"; }

# stpm_vector COST BRIDGE PORTID...: a string whose lexical order is the vectors' order.
stpm_vector() { local c=$1 b=$2; shift 2; printf '%010d %s %s' "$c" "$(stpm_bid "$b")" "$*"; }

stpm_expect() {
  local b p q best v round via mine theirs
  EXP_ROOT=
  for b in $STPM_BRIDGES; do
    if [ -z "$EXP_ROOT" ] || [[ $(stpm_bid $b) < $EXP_ROOT ]]; then EXP_ROOT=$(stpm_bid $b); EXP_RB=$b; fi
  done
  declare -gA RPC=() RPORT=() EXP=()
  for b in $STPM_BRIDGES; do RPC[$b]=999999999; done
  RPC[$EXP_RB]=0
  for round in $STPM_BRIDGES; do                  # Bellman-Ford: one round per bridge
    for p in $STPM_PORTS; do
      [ "${UP[$p]}" = 1 ] || continue
      via=$(( RPC[${BR[${PEER[$p]}]}] + PCOST[$p] ))
      [ $via -lt ${RPC[${BR[$p]}]} ] && RPC[${BR[$p]}]=$via
    done
  done
  for b in $STPM_BRIDGES; do                      # root port: the best received vector
    [ $b = $EXP_RB ] && continue
    best=
    for p in $STPM_PORTS; do
      [ "${BR[$p]}" = $b ] && [ "${UP[$p]}" = 1 ] || continue
      q=${PEER[$p]}
      [ ${RPC[${BR[$q]}]} -lt 999999999 ] || continue
      v=$(stpm_vector $(( RPC[${BR[$q]}] + PCOST[$p] )) ${BR[$q]} ${PID_[$q]} ${PID_[$p]})
      if [ -z "$best" ] || [[ $v < $best ]]; then best=$v; RPORT[$b]=$p; fi
    done
  done
  for p in $STPM_PORTS; do
    [ "${UP[$p]}" = 1 ] || continue
    q=${PEER[$p]}
    mine=$(stpm_vector ${RPC[${BR[$p]}]} ${BR[$p]} ${PID_[$p]})
    theirs=$(stpm_vector ${RPC[${BR[$q]}]} ${BR[$q]} ${PID_[$q]})
    if [ "${RPORT[${BR[$p]}]:-}" = $p ] || [[ $mine < $theirs ]]; then EXP[$p]=fwd; else EXP[$p]=blk; fi
  done
}

# stpm_blocked: the ports expected to block, one per line.
stpm_blocked() {
  local p
  for p in $STPM_PORTS; do [ "${UP[$p]}" = 1 ] && [ "${EXP[$p]}" = blk ] && echo $p; done
  return 0
}
