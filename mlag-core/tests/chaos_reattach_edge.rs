//! Chaos "black hole after a member link returns while a spanning-tree link is silent"
//! (seed 5459; FUZZING.md, branch `chaos12`): an oracle correction.
//!
//! c0 loses both member links; pair0/Peer2's uplink goes silent towards Peer2 (br1 → Peer2);
//! c0's link to Peer1 returns at 23.921 s and LACP attaches it at 25.922 s. The MLAG port is
//! an auto-edge Designated Port that proposes and waits EdgeDelay (3 s) for a BPDU. The
//! silent uplink's information ages at 28.0 s and comes back with br1's next hello at 30.0 s
//! after the heal: two root changes, each of which clears `proposing` (802.1D-2004 §17.27
//! UPDATE) and restarts edge detection (§17.29 DESIGNATED_PROPOSE: edgeDelayWhile =
//! EdgeDelay). The port becomes an edge port, and forwards, at 33.0 s; the oracle asked for
//! the reconnection's REATTACH (8 s) after 23.921 s. The oracle now puts a reconnection no
//! earlier than EdgeDelay after the spanning-tree reconfigurations pending while it is
//! (`sim::chaos::EDGE_DELAY`).
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

/// The reproduction is the whole schedule (all three episodes); it failed on main.
#[test]
fn a_reconnection_gets_edge_detection_after_a_root_change() {
    passes(5459, Some(vec![0, 1, 2]));
    passes(5459, None);
}
