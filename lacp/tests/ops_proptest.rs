//! Random operation sequences (the same decoder the fuzz target uses) against the invariants.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::BTreeMap;

use l2_types::{Duration, Instant, PortNo};
use lacp::ops::{Op, apply, decode_ops, setup};
use proptest::prelude::*;

/// Runs the ops, draining after each one except when `hold` says so, and checks invariants and
/// the LACPDU rate limit (per port, at most 3 in any second).
fn run(bytes: &[u8], hold_every: usize) {
    let mut now = Instant::from_secs(10);
    let mut sys = setup(now);
    let mut sent: BTreeMap<PortNo, Vec<Instant>> = BTreeMap::new();
    let mut buf = [0u8; 1514];
    for (i, (delay, op)) in decode_ops(bytes).enumerate() {
        now += delay;
        let before = sys.snapshot(now);
        apply(&mut sys, now, &op);
        sys.check_invariants()
            .map_err(|e| format!("after op {i} {op:?}: {e}"))
            .unwrap();
        if matches!(op, Op::Truncated { len, .. } if len < 124) {
            assert_eq!(sys.snapshot(now), before, "truncated frame changed state");
        }
        if hold_every != 0 && i % hold_every == 0 {
            continue;
        }
        while let Some(t) = sys.poll_transmit(&mut buf) {
            assert!(t.len >= 60 && t.len <= 1514);
            if buf[14] == 1 {
                let times = sent.entry(t.port).or_default();
                times.push(now);
                let n = times
                    .iter()
                    .filter(|x| **x + Duration::from_secs(1) > now)
                    .count();
                assert!(
                    n <= 3,
                    "port {:?} sent {n} LACPDUs within 1 s at {now:?}",
                    t.port
                );
            }
        }
        while sys.poll_event().is_some() {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_ops_keep_invariants(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        run(&bytes, 0);
    }

    #[test]
    fn random_ops_with_lazy_draining(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        run(&bytes, 3);
    }
}

#[test]
fn decode_ops_is_total_on_edge_inputs() {
    assert_eq!(decode_ops(&[]).count(), 0);
    for b in 0..=255u8 {
        let ops: Vec<_> = decode_ops(&[b]).collect();
        assert_eq!(ops.len(), 1);
        run(&[b], 0);
    }
    let long = vec![0xffu8; 4096];
    assert!(decode_ops(&long).count() > 0);
    run(&long, 0);
}

#[test]
fn queues_stay_bounded_without_draining() {
    let mut now = Instant::from_secs(10);
    let mut sys = setup(now);
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (delay, op) in decode_ops(&bytes) {
        if op == Op::Drain {
            continue;
        }
        now += delay;
        apply(&mut sys, now, &op);
        sys.check_invariants().unwrap();
    }
    let mut buf = [0u8; 1514];
    let mut n = 0;
    while sys.poll_transmit(&mut buf).is_some() {
        n += 1;
    }
    let mut e = 0;
    while sys.poll_event().is_some() {
        e += 1;
    }
    assert!(n <= lacp::TRANSMITS_MAX && e <= lacp::EVENTS_MAX);
    assert!(e > 0 && n > 0);
}

/// The op language reaches deep states (so the property tests are not vacuous).
#[test]
fn ops_reach_collecting_distributing_and_loopback() {
    let mut now = Instant::from_secs(10);
    let mut seen_distributing = false;
    let mut seen_loopback = false;
    let mut seen_standby = false;
    for seed in 0..200u32 {
        let bytes: Vec<u8> = (0..400u32)
            .map(|i| ((i ^ seed.wrapping_mul(0x9e37_79b9)).wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        let mut sys = setup(now);
        for (delay, op) in decode_ops(&bytes) {
            now += delay;
            apply(&mut sys, now, &op);
            for p in sys.ports() {
                seen_distributing |= p.distributing;
                seen_loopback |= p.loopback;
                seen_standby |= p.selected == lacp::Selected::Standby;
            }
        }
    }
    assert!(seen_distributing && seen_loopback && seen_standby);
}
