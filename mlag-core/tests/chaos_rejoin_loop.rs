//! Chaos "loop after cut peer-link end" / "after silent peer-link end": the peer-link comes
//! back while one peer is isolated. With the backup path alive, the isolated peer ran a
//! standalone bridge of its own, its uplink forwarding to the neighbour like the other peer's;
//! the peer-port (the pair's backplane) forwarded data on both peers all the time, so the
//! moment the peer-link carried frames again, a flood from the neighbour went up one uplink,
//! across the peer-link and down the other, before ICCP reconnected and the pair's bridge took
//! one uplink out (seed 286: the cycle br0 → Peer2 → peer-link → Peer1 → br0 at the restore
//! instant). Two bridges joined by a link that runs no spanning tree must not both forward
//! onto it (a link between bridges starts Discarding, 802.1Q-2018 §13.38): an isolated peer
//! now discards on the peer-port until it rejoins the pair's bridge, with its own ports
//! Discarding then (`Coordinator::peer_port_program`). Seeds 286 [3,4], 7403 [0,1,2],
//! 1511 [0,2]; their whole schedules.
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_286_peer_link_restored_while_isolated_without_a_loop() {
    passes(286, Some(vec![3, 4]));
}

#[test]
fn seed_7403_peer_link_restored_while_isolated_without_a_loop() {
    passes(7403, Some(vec![0, 1, 2]));
}

#[test]
fn seed_1511_silent_peer_link_heals_while_isolated_without_a_loop() {
    passes(1511, Some(vec![0, 2]));
}

#[test]
fn whole_schedules_286_7403_1511() {
    for seed in [286, 7403, 1511] {
        passes(seed, None);
    }
}
