//! The RouterOS Quick setup on simulated MLAG peers: it converges (one partner, both links,
//! one primary) and every stream gets through without duplicates or loops.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant};
use mlag_core::sim::{Endpoint, QuickSetup, QuickSetupParams};

#[test]
fn quick_setup_converges_and_carries_every_stream() {
    let mut q = QuickSetup::build(QuickSetupParams::new(7)).unwrap();
    let start = q.params.traffic_start;
    // No black hole once converged: every stream delivers within 5 ms from its start on.
    q.net.set_invariants(mlag_core::sim::Invariants {
        black_hole: Some((Duration::from_millis(5), start)),
        ..Default::default()
    });
    q.net.run_until(start);
    assert!(
        q.converged(2),
        "{:?} {:?}",
        q.peer(0).unwrap().view(),
        q.peer(1).unwrap().view()
    );
    q.net.run_until(Instant::from_secs(10));
    assert!(q.net.violations().is_empty(), "{:?}", q.net.violations());
    for from in Endpoint::ALL {
        for to in Endpoint::ALL {
            if from == to {
                continue;
            }
            let rx = q.rx(from, to).unwrap_or_default();
            let sent = q.sent(from, to);
            assert_eq!(rx.duplicates, 0);
            assert!(
                rx.unique + 2 >= sent,
                "{from:?} -> {to:?}: {rx:?} of {sent}"
            );
        }
    }
    let v = [q.peer(0).unwrap().view(), q.peer(1).unwrap().view()];
    assert_eq!(v[0].role, Some(iccp::Role::Primary));
    assert_eq!(v[1].role, Some(iccp::Role::Secondary));
    assert_eq!(v[0].system_id, l2_types::MacAddr([2, 0, 0, 0, 1, 0]));
}

/// Seeded fault plans on the Quick setup (with the backup path): member links, the peer-link
/// and whole peers cut, crashed and restored at random instants. Whatever happens, no frame is
/// delivered twice, nothing loops and there is never more than one primary while connected
/// (the checker runs after every event), and once every
/// fault is repaired the pair converges again with the client on both links.
#[test]
fn seeded_fault_plans_never_loop_or_duplicate() {
    use mlag_core::sim::{CrashMode, Fault, Rng};
    for seed in 0..12u64 {
        let mut p = QuickSetupParams::new(seed);
        p.interval = Duration::from_millis(5);
        let mut q = QuickSetup::build(p).unwrap();
        let mut rng = Rng::new(seed ^ 0x5eed);
        let links = [q.client_links[0], q.client_links[1], q.peer_link];
        let mut plan = Vec::new();
        for k in 0..6u64 {
            let at = Instant::from_secs(6) + Duration::from_millis(k * 1500 + rng.below(1000));
            match rng.below(4) {
                0..=2 => {
                    let l = links[rng.below(3) as usize];
                    plan.push((at, Fault::Cut(l)));
                    plan.push((
                        at + Duration::from_millis(200 + rng.below(800)),
                        Fault::Restore(l),
                    ));
                }
                _ => {
                    let peer = q.peers[rng.below(2) as usize];
                    plan.push((at, Fault::Crash(peer, CrashMode::PowerOff)));
                    plan.push((
                        at + Duration::from_millis(300 + rng.below(700)),
                        Fault::Restart(peer),
                    ));
                }
            }
        }
        q.net.schedule_plan(plan);
        q.net.run_until(Instant::from_secs(20));
        // Every invariant, the one-primary check included.
        assert!(
            q.net.violations().is_empty(),
            "seed {seed}: {:#?}",
            q.net.violations()
        );
        q.net.run_until(Instant::from_secs(60));
        assert!(
            q.converged(2),
            "seed {seed}: {:?} {:?}",
            q.peer(0).unwrap().view(),
            q.peer(1).unwrap().view()
        );
        for from in Endpoint::ALL {
            for to in Endpoint::ALL {
                if from != to {
                    assert_eq!(q.rx(from, to).unwrap_or_default().duplicates, 0);
                }
            }
        }
    }
}
