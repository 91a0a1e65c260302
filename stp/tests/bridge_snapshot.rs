//! `Bridge::snapshot` / `Bridge::restore`: a restored bridge behaves exactly as the original
//! under the same subsequent inputs — restored at the same instant, and restored at a later
//! instant with every later input shifted by the same amount — and re-encodes to the same
//! octets; the decoder refuses every truncation and damaged snapshots without panicking.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, PortNo};
use proptest::prelude::*;
use stp::ops::{Op, apply, decode_ops, setup};
use stp::{Bridge, CIST, SnapshotError};

/// Everything the host can see of a bridge, with its deadline moved back by `shift`; drains
/// the queues.
fn observe(b: &mut Bridge, shift: Duration) -> String {
    let mut s = format!(
        "fp {:x} next {:?} stats {:?}\ntree {:?}\n",
        b.fingerprint(),
        b.poll_timeout().map(|t| t - shift),
        b.stats(),
        b.tree()
    );
    let mstids: Vec<u16> = b.mstids().collect();
    for p in b.ports().collect::<Vec<_>>() {
        s += &format!("{p:?}\n");
        s += &format!("{:?}\n", b.explain(p.port, CIST));
        for &m in &mstids {
            s += &format!(
                "  {m} {:?} {:?}\n",
                b.msti_port(p.port, m),
                b.explain(p.port, m)
            );
        }
    }
    for &m in &mstids {
        s += &format!("msti {:?}\n", b.msti(m));
    }
    let mut buf = [0u8; 1514];
    while let Some(t) = b.poll_transmit(&mut buf) {
        s += &format!("tx {:?} {:?}\n", t.port, &buf[..t.len]);
    }
    while let Some(e) = b.poll_event() {
        s += &format!("ev {e:?}\n");
    }
    s
}

/// Runs `ops[..split]` on a bridge, snapshots it `late` after its last input, restores it at
/// that instant and `shift` later, then runs the rest on all three (the shifted one with
/// shifted times) and compares everything observable after each input.
fn check(ops: &[(Duration, Op)], split: usize, late: Duration, shift: Duration) {
    let mut a = setup(Instant::ZERO);
    let mut now = Instant::ZERO;
    let split = split.min(ops.len());
    for (d, op) in &ops[..split] {
        now += *d;
        apply(&mut a, now, op);
    }
    let at = now + late;
    let bytes = a.snapshot(at);
    let mut b = Bridge::restore(&bytes, at).unwrap();
    let mut c = Bridge::restore(&bytes, at + shift).unwrap();
    // The encoding covers the state: restoring and encoding again gives the same octets.
    assert_eq!(b.snapshot(at), bytes, "re-encoded at the same instant");
    assert_eq!(
        c.snapshot(at + shift),
        bytes,
        "re-encoded at the shifted instant"
    );
    b.check_invariants().unwrap();
    c.check_invariants().unwrap();
    let oa = observe(&mut a, Duration::ZERO);
    assert_eq!(oa, observe(&mut b, Duration::ZERO), "after restore");
    assert_eq!(oa, observe(&mut c, shift), "after the shifted restore");
    for (k, (d, op)) in ops[split..].iter().enumerate() {
        now += *d;
        apply(&mut a, now, op);
        apply(&mut b, now, op);
        apply(&mut c, now + shift, op);
        let oa = observe(&mut a, Duration::ZERO);
        assert_eq!(oa, observe(&mut b, Duration::ZERO), "op {k} {op:?}");
        assert_eq!(oa, observe(&mut c, shift), "shifted, op {k} {op:?}");
    }
    // And the timers run out alike.
    for _ in 0..50 {
        let Some(t) = a.poll_timeout() else {
            assert_eq!(b.poll_timeout(), None);
            break;
        };
        a.handle_timeout(t);
        b.handle_timeout(t);
        c.handle_timeout(t + shift);
        let oa = observe(&mut a, Duration::ZERO);
        assert_eq!(oa, observe(&mut b, Duration::ZERO), "timer at {t:?}");
        assert_eq!(oa, observe(&mut c, shift), "shifted timer at {t:?}");
    }
}

fn bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn restored_bridges_behave_identically(
        data in proptest::collection::vec(any::<u8>(), 0..800),
        split in 0usize..200,
        late in 0u64..5_000,
        shift in 0u64..100_000,
    ) {
        let ops: Vec<(Duration, Op)> = decode_ops(&data).collect();
        check(&ops, split, Duration::from_millis(late), Duration::from_millis(shift));
    }
}

/// Long seeded runs, snapshotted at several points (deep MSTI states, full queues).
#[test]
fn seeded_snapshots() {
    for seed in 0..24u64 {
        let ops: Vec<(Duration, Op)> = decode_ops(&bytes(seed, 3000)).collect();
        for split in [ops.len() / 4, ops.len() / 2, ops.len() * 9 / 10] {
            check(
                &ops,
                split,
                Duration::from_millis(seed * 37),
                Duration::from_secs(seed * 1000),
            );
        }
    }
}

/// Every truncation and every single damaged octet of a snapshot is refused or gives a bridge
/// whose invariants hold; nothing panics.
#[test]
fn damaged_snapshots_are_refused() {
    let mut b = setup(Instant::ZERO);
    let mut now = Instant::ZERO;
    for (d, op) in decode_ops(&bytes(3, 1500)) {
        now += d;
        apply(&mut b, now, &op);
    }
    let s = b.snapshot(now);
    assert!(Bridge::restore(&s, now).is_ok());
    // The extensions came after version 1 was first written: a snapshot that ends before
    // one is one written before it existed, and the only truncations that restore — before
    // the first section (`stale_info_aging`, two counters, 1, 33 or 57 octets per port) and
    // before the second (root sequencing: 65 octets and at least 5 per port and 1 per queued
    // transmission) and before the third (the coalesced-transmission counter and the resend
    // wait: 16 octets).
    let ports = b.ports().count();
    let mut accepted = Vec::new();
    for n in 0..s.len() {
        if let Ok(old) = Bridge::restore(&s[..n], now) {
            assert!(!old.config().root_sequencing);
            if accepted.is_empty() {
                assert!(!old.config().stale_info_aging);
            }
            accepted.push(n);
        }
    }
    assert_eq!(accepted.len(), 3, "{accepted:?}");
    assert_eq!(s.len() - accepted[2], 16, "{accepted:?}");
    let second = accepted[2] - accepted[1];
    assert!(second >= 65 + 5 * ports, "{second}");
    let first = accepted[1] - accepted[0];
    assert!((17 + ports..=17 + 57 * ports).contains(&first), "{first}");
    let mut longer = s.clone();
    longer.push(0);
    assert_eq!(
        Bridge::restore(&longer, now).err(),
        Some(SnapshotError::Trailing)
    );
    let mut v = s.clone();
    v[4] = 2;
    assert_eq!(
        Bridge::restore(&v, now).err(),
        Some(SnapshotError::Version(2))
    );
    assert_eq!(
        Bridge::restore(b"nope", now).err(),
        Some(SnapshotError::BadMagic)
    );
    let mut accepted = 0;
    for i in (5..s.len()).step_by(3) {
        for x in [0x01, 0x80, 0xff] {
            let mut v = s.clone();
            if v[i] == x {
                continue;
            }
            v[i] = x;
            if let Ok(mut r) = Bridge::restore(&v, now) {
                accepted += 1;
                r.check_invariants().unwrap();
                // And it runs without panicking.
                r.handle_timeout(now + Duration::from_secs(30));
                let _ = r.handle_frame(now, PortNo(1), &s[..64.min(s.len())]);
            }
        }
    }
    // Most damage lands in values any bridge may hold (costs, identifiers, counters).
    assert!(accepted > 0);
}
