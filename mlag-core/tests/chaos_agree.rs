//! Chaos "duplicate delivery" when a neighbour's proposal moves the logical bridge's Root Port
//! from the peer's uplink to the primary's: the primary's bridge set the peer's port
//! Discarding and answered the proposal with an agreement at once, while the peer's port kept
//! forwarding until the `STP_OUT` record arrived one peer-link delay later; the neighbour's
//! Designated Port forwarded on the agreement and a flood entered the pair through both
//! uplinks (seed 6640: the peer's port stops 200 µs after the agreement, c0 gets the frame
//! twice 4 µs later). 802.1D-2004 §17.29.2 ROOT_AGREED needs allSynced, and a port is synced
//! only once it stopped forwarding (§17.21.3), so the primary now holds an agreement it sends
//! itself until the peer confirmed its switch-offs (`coordinator::run::switch_off`); on a
//! silent peer-link the confirmation never comes and the agreement waits until the session
//! ends (seeds 5352, 751: the primary's bridge aged the peer's Root Port out behind the
//! silence). Seeds 6640 [0], 2364 [0], 6423 [1], 751 [0], 5352 [2] and their whole schedules
//! (all failed before).
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_6640_agreement_waits_for_the_peers_switch_off_at_a_power_off() {
    passes(6640, Some(vec![0]));
}

#[test]
fn seed_2364_agreement_waits_for_the_peers_switch_off_at_a_power_off() {
    passes(2364, Some(vec![0]));
}

#[test]
fn seed_6423_agreement_waits_for_the_peers_switch_off_at_an_uplink_cut() {
    passes(6423, Some(vec![1]));
}

#[test]
fn seed_751_agreement_waits_behind_a_silent_peer_link() {
    passes(751, Some(vec![0]));
}

#[test]
fn seed_5352_agreement_waits_behind_a_silent_peer_link() {
    passes(5352, Some(vec![2]));
}

#[test]
fn whole_schedules_6640_2364_6423_751_5352() {
    for seed in [6640, 2364, 6423, 751, 5352] {
        passes(seed, None);
    }
}
