//! The memory goal at scale: 10M entries in at most 20 octets each (`Fdb::memory_bytes`), and a
//! learning flood against a full table keeping memory where it was. Ignored by default (about
//! 200 MB and some seconds in release); run with
//! `cargo test --release -p fdb --test scale -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use fdb::{Fdb, FdbConfig, Learn, Limit, Location};
use l2_types::{Instant, MacAddr, PortNo, VlanId};

fn rng(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn random_key(s: &mut u64) -> (VlanId, MacAddr, Location) {
    let r = rng(s);
    let vid = VlanId::try_new(1 + ((r >> 52) % 16) as u16).unwrap();
    let mac = MacAddr::from_u64(r & 0xfeff_ffff_ffff);
    (vid, mac, Location::Port(PortNo((r % 48) as u16 + 1)))
}

#[test]
#[ignore = "10M entries: run in release"]
fn ten_million_entries_take_at_most_twenty_octets_each_and_a_flood_adds_nothing() {
    let n = 10_000_000usize;
    let mut cfg = FdbConfig::new(0x5eed, 1);
    cfg.entries_max = n as u32;
    cfg.move_dampening = None;
    let mut t = Fdb::with_capacity(cfg, n).unwrap();
    let now = Instant::from_secs(1000);
    let mut s = 7u64;
    while t.len() < n {
        let (v, m, l) = random_key(&mut s);
        let _ = t.learn(now, v, m, l);
    }
    let per_entry = t.memory_bytes() as f64 / n as f64;
    eprintln!("10M entries: {per_entry:.2} octets per entry");
    assert!(per_entry <= 20.0, "{per_entry} octets per entry");
    // The flood: 10M more random MACs against the full table; each is refused, nothing grows.
    let before = t.memory_bytes();
    let start = std::time::Instant::now();
    let mut refused = 0u64;
    for _ in 0..n {
        let (v, m, l) = random_key(&mut s);
        if t.learn(now, v, m, l) == Learn::Rejected(Limit::Table) {
            refused += 1;
        }
    }
    eprintln!(
        "flood: {refused} of {n} refused, {:.0} ns each, memory {} -> {}",
        start.elapsed().as_nanos() as f64 / n as f64,
        before,
        t.memory_bytes()
    );
    assert!(refused as usize >= n - 10);
    assert_eq!(t.memory_bytes(), before);
    assert_eq!(t.len(), n);
    // Idle timeouts cost the same at 10M as at 1K.
    let idle = |t: &mut Fdb| {
        let start = std::time::Instant::now();
        for i in 0..100_000u64 {
            t.handle_timeout(now + core::time::Duration::from_nanos(i));
        }
        start.elapsed().as_nanos() as f64 / 100_000.0
    };
    let big = idle(&mut t);
    let mut small = Fdb::new(cfg).unwrap();
    for _ in 0..1000 {
        let (v, m, l) = random_key(&mut s);
        let _ = small.learn(now, v, m, l);
    }
    let little = idle(&mut small);
    eprintln!("idle handle_timeout: {big:.0} ns at 10M, {little:.0} ns at 1K");
}
