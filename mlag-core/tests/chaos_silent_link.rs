//! Chaos "loop after a silent bridge link ends" (seeds 1111, 4344): a ring of three plain
//! RSTP bridges; one ring link goes silent both ways with its carrier up. The port at one end
//! (an Alternate or Root Port) ages its information after 3 × Hello Time (802.1D-2004 §17.27
//! AGED), becomes Designated and proposes; with no BPDU for Migrate Time its Bridge Detection
//! machine makes it an edge (§17.25, AutoEdge: `edgeDelayWhile == 0 && AutoEdge && sendRSTP
//! && proposing`) and it forwards at once (§17.29.3). The other end was Designated and
//! forwarding all along. When the silence ends the ring forwards everywhere until the next
//! BPDU crosses (at most a Hello Time): a loop of only plain bridges, which standard RSTP
//! cannot avoid — the classic case loop guard exists for. The campaign's bridges therefore
//! run loop guard on their chain and ring ports (`sim::chaos`, FUZZING.md branch `chaos14`);
//! both reproductions fail without it.
#![allow(clippy::unwrap_used, clippy::panic)]

mod chaos_common;

use chaos_common::passes;

#[test]
fn seed_1111_silent_ring_link_no_loop_when_it_ends() {
    passes(1111, Some(vec![3, 4]));
}

#[test]
fn seed_4344_silent_ring_link_no_loop_when_it_ends() {
    passes(4344, Some(vec![1, 3]));
}

#[test]
fn whole_schedules_pass() {
    passes(1111, None);
    passes(4344, None);
}
