//! The RSTP count to infinity with every bridge running root sequencing
//! (`stp::BridgeConfig::root_sequencing`, `RunOptions::root_sequencing`; FUZZING.md, "Root
//! sequencing", 2026-11-27).
//!
//! In these seeds a root is cut off from a partition that contains a cycle, and the
//! partition's stale copy of the root's information goes round it: with the standard's
//! bridges proposal/agreement opens the cycle while the cost counts up (a loop, or a duplicate
//! where a pair's split horizon stops the frame). With root sequencing no bridge takes
//! information that could be its own coming back, and every seed passes.
#![allow(clippy::unwrap_used, clippy::panic)]

use mlag_core::sim::chaos::{RunOptions, Scenario};

fn finding(seed: u64, root_sequencing: bool) -> Option<String> {
    Scenario::generate(seed)
        .run(&RunOptions {
            root_sequencing,
            ..RunOptions::default()
        })
        .finding
        .map(|f| f.to_string())
}

#[test]
fn count_to_infinity_seeds_pass_with_root_sequencing() {
    let seeds = [
        927u64, 1784, 4971, 5526, 5658, 5764, 6233, 6246, 6923, 7587, 8183,
    ];
    let mut standard_fails = 0;
    for seed in seeds {
        if let Some(f) = finding(seed, true) {
            panic!("seed {seed} with root sequencing: {f}");
        }
        if finding(seed, false).is_some() {
            standard_fails += 1;
        }
    }
    // What the extension is for: without it these are the campaign's count-to-infinity
    // failures (all 11 on the commit that added this test).
    assert!(standard_fails >= 9, "only {standard_fails} fail without it");
}

#[test]
fn seeds_fixed_on_the_way_pass_with_root_sequencing() {
    // Black holes the first versions of the extension had (FUZZING.md): a restarted root's
    // older sequence number (709, 2221, 3375, 3628; 1816, 6852: passed on), requests taking
    // their own place in the Transmit Hold Count (3193, 4451), a replayed neighbour BPDU losing
    // its trailer (2811).
    for seed in [709u64, 1816, 2221, 2811, 3193, 3375, 3628, 4451, 6852] {
        if let Some(f) = finding(seed, true) {
            panic!("seed {seed} with root sequencing: {f}");
        }
    }
}
