//! Chaos "loop after crash (Hang)" / "after priority change end" / "after crash (PowerOff)
//! end" in a pair that was not faulted: both uplinks of the pair to one neighbour forwarding
//! with the peer-link between them. The authority moved the Root Port from the peer's uplink
//! to its own, which was already forwarding as a Designated Port, and sent its Agreement at
//! once; the neighbour opened its port on it (802.1D-2004 §17.29.2 ROOT_AGREED, `allSynced`)
//! while the peer's old Root Port still forwarded for the peer-link delay it took the
//! Discarding to arrive — a loop through the two uplinks (seed 6649: 31.000 to 31.00105 s).
//! The bridge's BPDUs are also sent before its state events were applied, so the Discarding
//! the peer must apply was not yet known when the Agreement left. The coordinator now applies
//! a step's states before sending its BPDUs, and a BPDU with an Agreement of a port this peer
//! serves waits, like a Forwarding does, until the peer confirms its switch-offs
//! (`run::switch_off`, `off_hold_bpdu`). Seeds 6649 [1], 1816 [1], 3547 [0,2,3,4]; their
//! whole schedules.
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_6649_agreement_waits_for_the_peers_switch_off() {
    passes(6649, Some(vec![1]));
}

#[test]
fn seed_1816_agreement_waits_for_the_peers_switch_off() {
    passes(1816, Some(vec![1]));
}

#[test]
fn seed_3547_agreement_waits_for_the_peers_switch_off() {
    passes(3547, Some(vec![0, 2, 3, 4]));
}

#[test]
fn whole_schedules_6649_1816_3547() {
    for seed in [6649, 1816, 3547] {
        passes(seed, None);
    }
}
