//! Spanning-tree bridges in the simulator: a ring converges, breaks the loop, carries traffic
//! without duplicates, reconverges after a cut with bounded loss; a bridge without spanning
//! tree in the ring is reported as a loop.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, MacAddr};
use mlag_core::sim::{Host, Invariants, StpBridge, StreamConfig, ViolationKind};
use sim_common::{host_mac, ring};
use stp::{PortState, Role};

#[test]
fn ring_of_three_converges_blocks_one_port_and_carries_traffic() {
    let start = Instant::from_secs(40);
    let mut r = ring(1, None, Duration::from_millis(10), start);
    let quiet_at = r
        .net
        .run_until_quiet(Duration::from_secs(10), Instant::from_secs(120))
        .expect("the ring converges");
    println!("quiet at {quiet_at}");
    // Exactly one ring port discards: the loop is broken, everything else forwards.
    let mut discarding = Vec::new();
    for (i, b) in r.bridges.iter().enumerate() {
        let br = r.net.node::<StpBridge>(*b).unwrap().bridge().unwrap();
        for p in br.ports() {
            println!("br{i} port {} {:?} {:?}", p.port, p.role, p.state);
            if p.state != PortState::Forwarding {
                discarding.push((i, p.port, p.role));
            }
        }
    }
    assert_eq!(discarding.len(), 1, "{discarding:?}");
    assert_eq!(discarding[0].2, Role::Alternate);
    // Bridge 0 (best priority) is the root.
    let b0 = r
        .net
        .node::<StpBridge>(r.bridges[0])
        .unwrap()
        .bridge()
        .unwrap();
    assert!(b0.tree().is_root);

    // Traffic from 40 s: no duplicates, no loop, no black hole.
    r.net.set_invariants(Invariants {
        black_hole: Some((Duration::from_millis(500), start)),
        ..Invariants::default()
    });
    r.net.run_until(Instant::from_secs(50));
    assert!(r.net.violations().is_empty(), "{:?}", r.net.violations());
    for i in 0..3u8 {
        let h = r
            .net
            .node::<Host>(r.hosts[usize::from((i + 1) % 3)])
            .unwrap();
        let rx = h.app().rx(host_mac(i + 1), 0).expect("stream arrives");
        assert!(rx.unique >= 999, "h{i}: {rx:?}");
        assert_eq!(rx.duplicates, 0);
        assert_eq!(rx.missing(), 0);
    }
}

#[test]
fn ring_link_cut_reconverges_with_bounded_loss() {
    let start = Instant::from_secs(40);
    let mut r = ring(2, None, Duration::from_millis(1), start);
    r.net
        .run_until_quiet(Duration::from_secs(10), Instant::from_secs(120))
        .expect("the ring converges");
    r.net.run_until(Instant::from_secs(45));
    r.net.set_invariants(Invariants {
        black_hole: Some((Duration::from_millis(200), start)),
        ..Invariants::default()
    });
    // Cut the forwarding ring link between the root (br0) and br1: br1 must use its
    // alternate path through br2.
    let cut = r.ring[0];
    assert!(r.net.link_up(cut));
    r.net.cut(cut);
    r.net.run_until(Instant::from_secs(60));
    assert!(r.net.violations().is_empty(), "{:?}", r.net.violations());
    println!("{}", r.net.counters_table());
    for i in 0..3u8 {
        let h = r
            .net
            .node::<Host>(r.hosts[usize::from((i + 1) % 3)])
            .unwrap();
        let rx = h.app().rx(host_mac(i + 1), 0).expect("stream arrives");
        println!("h{i} -> h{}: {rx:?}", (i + 1) % 3);
        assert_eq!(rx.duplicates, 0);
        assert!(rx.unique >= 19_000, "{rx:?}");
        // RSTP moves an Alternate port to Root at once (802.1D-2004 §17.29.3): only the
        // frames in flight on the cut link and those sent before the FDB is flushed and
        // relearnt are lost.
        assert!(rx.missing() <= 50, "h{i}: {} lost", rx.missing());
        assert!(rx.longest_gap <= Duration::from_millis(50), "{rx:?}");
    }
}

#[test]
fn bridge_without_stp_in_a_ring_is_reported_as_a_loop() {
    let start = Instant::from_secs(40);
    let mut r = ring(3, Some(2), Duration::from_millis(100), start);
    // One broadcast frame: in a loop its copies would circulate for ever.
    let mut once = StreamConfig::new(MacAddr::BROADCAST, Duration::from_secs(1), start);
    once.count = Some(1);
    r.net
        .with_node::<Host, _>(r.hosts[0], |h, _| h.app_mut().add_stream(once))
        .unwrap();
    r.net.run_until(Instant::from_secs(41));
    let loops = r
        .net
        .violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::ForwardingLoop { .. }))
        .count();
    assert!(loops > 0, "{:?}", r.net.violations());
    assert!(
        r.net
            .violations()
            .iter()
            .any(|v| matches!(v.kind, ViolationKind::HopBudgetExceeded { .. })),
        "the hop budget stops the loop"
    );
    // The budget keeps the run finite: the queue drains between frames.
    assert!(r.net.stats().steps < 1_000_000, "{:?}", r.net.stats());
    println!("{:?}", r.net.violations().first());
}

#[test]
fn random_cut_and_restore_plans_never_loop_or_duplicate() {
    // 8 seeded plans of 6 cuts/restores of ring links between 40 s and 70 s; RSTP must
    // never let a frame round the ring or reach a host twice (802.1D-2004 §17.3: a port
    // forwards only after agreement or the forward delay, and an Alternate only replaces
    // a Root Port that is gone).
    for seed in 0..8u64 {
        let start = Instant::from_secs(35);
        let mut r = ring(100 + seed, None, Duration::from_millis(10), start);
        let mut rng = mlag_core::sim::Rng::new(seed);
        let mut plan = Vec::new();
        for _ in 0..6 {
            let at = Instant::from_millis(40_000 + rng.below(30_000));
            let link = r.ring[usize::try_from(rng.below(3)).unwrap()];
            let f = if rng.below(2) == 0 {
                mlag_core::sim::Fault::Cut(link)
            } else {
                mlag_core::sim::Fault::Restore(link)
            };
            plan.push((at, f));
        }
        plan.sort_by_key(|(at, _)| *at);
        r.net.schedule_plan(plan.clone());
        r.net.run_until(Instant::from_secs(75));
        let bad: Vec<_> = r
            .net
            .violations()
            .iter()
            .filter(|v| {
                matches!(
                    v.kind,
                    ViolationKind::ForwardingLoop { .. } | ViolationKind::DuplicateDelivery { .. }
                )
            })
            .collect();
        assert!(bad.is_empty(), "seed {seed}, plan {plan:?}: {bad:?}");
    }
}
