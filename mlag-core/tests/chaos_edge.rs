//! Chaos "loop after silent uplink end": an uplink silent both ways for more than
//! 3 × Hello Time leaves the pair's end of it an auto-edge Designated Port that forwards
//! (802.1D-2004 §17.25); when the link heals, the neighbour's first BPDU (with a topology
//! change: every bridge floods) reached the replica's port, which kept forwarding for the
//! peer-link round trip to the authority while the pair's root port forwarded too — the
//! flood went round the pair and the neighbour. A replica now stops an edge port on a BPDU
//! at once (§17.25, EDGE → NOT_EDGE on rcvdBpdu) until the authority decided
//! (`coordinator::run::edge_bpdu`). Seeds 8058 [2], 8667 [3], 1751 [2]; their whole schedules.
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_8058_silent_uplink_heals_without_a_loop() {
    passes(8058, Some(vec![2]));
}

#[test]
fn seed_8667_silent_uplink_heals_without_a_loop() {
    passes(8667, Some(vec![3]));
}

#[test]
fn seed_1751_silent_uplink_heals_without_a_loop() {
    passes(1751, Some(vec![2]));
}

#[test]
fn whole_schedules_8058_8667_1751() {
    for seed in [8058, 8667, 1751] {
        passes(seed, None);
    }
}
