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
    q.net.run_until(Instant::from_secs(5));
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
            println!("{:?}->{:?}: sent {sent} {rx:?}", from, to);
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
    let _ = Duration::ZERO;
}
