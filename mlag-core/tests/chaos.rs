//! The fault-injection campaign (`mlag_core::sim::chaos`, `mlag chaos`) on a small sample:
//! without faults every random topology converges and passes every invariant; with its fault
//! schedule, a seed's run is the same every time; and the 20-seed sample passes (seeds 8 and
//! 9, the last two failures, were chaos finding 2: see `chaos_restart.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use mlag_core::sim::chaos::{RunOptions, Scenario};

#[test]
fn random_topologies_without_faults_pass_every_invariant() {
    for seed in 0..10 {
        let s = Scenario::generate(seed);
        let o = s.run(&RunOptions {
            only: Some(Vec::new()),
            pcap: false,
        });
        assert!(
            o.finding.is_none(),
            "seed {seed} without faults: {}\n{}",
            o.finding.unwrap(),
            s.describe()
        );
        assert!(o.frames > 500, "seed {seed}: {o:?}");
    }
}

#[test]
fn a_seed_replays_identically() {
    for seed in [9, 13] {
        let s = Scenario::generate(seed);
        let opts = RunOptions {
            only: None,
            pcap: true,
        };
        let (a, b) = (s.run(&opts), s.run(&opts));
        assert_eq!(a.finding, b.finding, "seed {seed}");
        assert_eq!(a.steps, b.steps);
        assert_eq!(a.pcap, b.pcap, "seed {seed}: the captures differ");
    }
}

#[test]
fn chaos_sample_of_20_seeds_passes() {
    let mut failed = Vec::new();
    for seed in 0..20 {
        let s = Scenario::generate(seed);
        if let Some(f) = s.run(&RunOptions::default()).finding {
            failed.push(format!("seed {seed}: {f}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
