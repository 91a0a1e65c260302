#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]
use mlag_core::sim::chaos::{RunOptions, Scenario};
#[test]
fn dump() {
    let seed: u64 = std::env::var("SEED").unwrap().parse().unwrap();
    let only: Option<Vec<usize>> = std::env::var("ONLY")
        .ok()
        .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect());
    let s = Scenario::generate(seed);
    let o = s.run_standard_stp(&RunOptions {
        only: only.clone(),
        pcap: true,
    });
    println!("std finding: {:?}", o.finding.map(|f| f.to_string()));
    std::fs::write(format!("/tmp/s6A/std{seed}.pcap"), o.pcap.unwrap()).unwrap();
    std::fs::write(format!("/tmp/s6A/std{seed}.log"), o.log.unwrap()).unwrap();
    let o = s.run(&RunOptions { only, pcap: false });
    println!("ext finding: {:?}", o.finding.map(|f| f.to_string()));
}
