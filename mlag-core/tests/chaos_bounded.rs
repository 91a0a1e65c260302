//! Chaos seed 6272: a forwarding loop (hidden from the loop check by an earlier corruption
//! episode) through a bridge link that duplicated frames grew the simulator's queue without
//! bound — the 10,000-seed campaign was OOM-killed at 24 GB — because each duplicate of a
//! traffic frame started a family with a fresh hop budget. The duplicates now share their
//! family's budget, and a run's pending events and events are bounded (`PENDING_LIMIT`,
//! `STEPS_MAX`: beyond them the seed fails as a finding).
#![allow(clippy::unwrap_used, clippy::panic)]

use mlag_core::sim::chaos::{BOUNDED_RUN, RunOptions, Scenario};

#[test]
fn seed_6272_loop_through_a_duplicating_link_stays_bounded() {
    for only in [Some(vec![1, 2, 3, 4]), None] {
        let s = Scenario::generate(6272);
        let o = s.run(&RunOptions {
            only: only.clone(),
            pcap: false,
            ..RunOptions::default()
        });
        if let Some(f) = &o.finding {
            assert_ne!(f.invariant, BOUNDED_RUN, "episodes {only:?}: {f}");
        }
        // Without the shared budget the queue passed 10⁸ events; a run of this topology
        // has a few hundred pending.
        assert!(
            o.pending_peak < 5_000,
            "episodes {only:?}: {} events pending at once",
            o.pending_peak
        );
        assert!(o.steps < 1_000_000, "episodes {only:?}: {} events", o.steps);
    }
}
