//! The cost of a hitless restart's two halves (`Coordinator::snapshot` / `restore`, issue 6),
//! criterion group `snapshot`, on Peer1 of the simulated Quick setup after 10 s (connected,
//! the client's bond up, traffic learned):
//!
//! * `snapshot` — the octets of the whole coordinator (LACP, ICCP, the logical bridge and its
//!   input log, the FDB);
//! * `restore` — a coordinator from them onto a dataplane (decode, checksum, rebuild, the
//!   dataplane re-assertions);
//! * `anchor_new` — the anchor: a cold `Coordinator::new` from the same configuration (what a
//!   process restart without a snapshot costs before it even starts rejoining).
//!
//! Results: BENCHMARKS.md ("Hitless restart").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use l2_types::Instant;
use mlag_core::coordinator::{Coordinator, Options};
use mlag_core::dataplane::PortState;
use mlag_core::sim::{QuickSetup, QuickSetupParams, SimDataplane};

fn bench(c: &mut Criterion) {
    let mut q = QuickSetup::build(QuickSetupParams::new(11)).unwrap();
    q.net.run_until(Instant::from_secs(10));
    assert!(q.converged(2));
    let now = q.net.now();
    let coord = q.peer(0).unwrap().coordinator();
    let cfg = coord.config().clone();
    let mut opts = Options::new(5);
    opts.backup = true;
    let bytes = coord.snapshot(now);
    println!("snapshot: {} octets", bytes.len());
    let mut g = c.benchmark_group("snapshot");
    g.bench_function("snapshot", |b| b.iter(|| coord.snapshot(now)));
    g.bench_function("restore", |b| {
        b.iter(|| {
            let dp = SimDataplane::new(&cfg, PortState::Forwarding);
            Coordinator::restore(cfg.clone(), dp, &opts, &bytes, now).unwrap()
        });
    });
    g.bench_function("anchor_new", |b| {
        b.iter(|| {
            let dp = SimDataplane::new(&cfg, PortState::Forwarding);
            Coordinator::new(cfg.clone(), dp, &opts, now).unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
