//! Chaos "duplicate at a silent peer-link with the backup path alive": the replica's watch
//! over a silent STP authority (`coordinator::run::stp_watch`) took the logical bridge over
//! 1.5 × Hello Time (3 s) after the authority's missed deadline unless a backup keepalive came
//! since — but the keepalive comes once per ICCP heartbeat (5 s), so the replica often took
//! over beside a live authority and flooded frames were delivered twice (seed 3356: Peer2
//! sends the pair's BPDUs from 19.000 s, c0 gets a frame twice 0.4 ms later). The replica now
//! asks the authority for an evidence frame on the backup path from one Hello Time before the
//! takeover; a live authority answers at once and the takeover waits. Seeds 3356 [0] and
//! 1785 [2] (a one-way silence) and their whole schedules (all failed before).
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_3356_silent_peer_link_no_takeover_beside_a_live_authority() {
    passes(3356, Some(vec![0]));
}

#[test]
fn seed_1785_one_way_silent_peer_link_no_takeover_beside_a_live_authority() {
    passes(1785, Some(vec![2]));
}

#[test]
fn whole_schedules_3356_1785() {
    for seed in [3356, 1785] {
        passes(seed, None);
    }
}
