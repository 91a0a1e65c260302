//! Chaos "loop after a cut uplink" and "loop after a power-off" seeds that a one-step path
//! cost started: when a port's link went down, `stp` recosted its automatic path cost as for
//! an unknown speed (2,000,000) and asked for reselection, so Port Role Selection ran before
//! the port's Port Information machine reached DISABLED (802.1D-2004 §17.27) and the bridge
//! offered, for one step, the root path it had just lost at that cost on its Designated Ports
//! (the `cost 2000000` BPDUs in the captures). A down link is not a path: its cost now stays
//! as it was until the link is up again (§17.14, §17.19 portPathCost; 802.1Q-2022 §13.27.47).
//!
//! Each of these fails on main (`386c78c`) and passes with the fix: 8138 and 4510 (the pair
//! cut off from the root's side, a loop and a black hole of 9 s), 9583 (the same, whole
//! schedule: its two-episode reduction still black-holes, the count-to-infinity class) and
//! 7424 (a power-off in a ring of plain bridges).
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_8138_uplink_cuts_no_loop() {
    passes(8138, Some(vec![2, 3]));
}

#[test]
fn seed_9583_whole_schedule_no_loop() {
    passes(9583, None);
}

#[test]
fn seed_4510_no_black_hole_after_the_root_is_cut_off() {
    passes(4510, Some(vec![1, 2, 4]));
}

#[test]
fn seed_7424_power_off_in_a_ring_no_loop() {
    passes(7424, Some(vec![1, 2]));
}
