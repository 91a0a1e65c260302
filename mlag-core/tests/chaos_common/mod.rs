//! What the chaos reproduction tests share.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::panic)]

use mlag_core::sim::chaos::{RunOptions, Scenario};

/// Runs seed `seed` of the campaign (only the episodes `only`, or its whole schedule) with the
/// sim's checks on every step, and fails with the finding and the scenario if one is found.
pub fn passes(seed: u64, only: Option<Vec<usize>>) {
    let s = Scenario::generate(seed);
    let o = s.run(&RunOptions {
        only,
        pcap: false,
        ..RunOptions::default()
    });
    assert!(
        o.finding.is_none(),
        "seed {seed}: {}\n{}",
        o.finding.unwrap(),
        s.describe()
    );
}

/// [`passes`] with every bridge on the standard's STP behaviour (the pairs'
/// `Options::stale_info_aging` off, root sequencing off): the finding it gives, if any.
pub fn standard_stp_finding(seed: u64, only: Option<Vec<usize>>) -> Option<String> {
    let s = Scenario::generate(seed);
    s.run_standard_stp(&RunOptions {
        only,
        pcap: false,
        root_sequencing: false,
    })
    .finding
    .map(|f| f.to_string())
}

/// Runs scenario `s` (only the episodes `only`, or its whole schedule) and fails with `what`,
/// the finding and the scenario if one is found.
pub fn check(s: &Scenario, only: Option<Vec<usize>>, what: &str) {
    let o = s.run(&RunOptions {
        only,
        pcap: false,
        ..RunOptions::default()
    });
    assert!(
        o.finding.is_none(),
        "seed {} ({what}): {}\n{}",
        s.seed,
        o.finding.unwrap(),
        s.describe()
    );
}
