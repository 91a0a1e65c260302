//! Convergence times in virtual time (shared/performance.md): a root port lost with an
//! alternate forwards again at the link event; a new link across k bridges converges in
//! k proposal/agreement round trips; a timer firing on one port of 512 runs only that port.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, MacAddr, PortNo};
use sim_common::{Net, UP};
use stp::{Bridge, BridgeConfig, PortConfig, PortState, Role};

#[test]
fn root_port_lost_with_an_alternate_forwards_at_the_link_event() {
    let mut net = Net::new(3);
    net.link(0, 1);
    net.link(1, 2);
    let direct = net.link(2, 0);
    net.run_for(Duration::from_secs(30));
    net.check_tree().unwrap();
    // Bridge 2: root port towards 0 (link `direct`), alternate towards 1.
    let (b2, p2) = net.links[direct].a;
    assert_eq!(b2, 2);
    assert_eq!(net.end((b2, p2)).0, Role::Root);
    let alt = net.bridges[2]
        .ports()
        .find(|p| p.role == Role::Alternate)
        .unwrap()
        .port;
    net.set_link(direct, false);
    // No time has passed.
    let p = net.bridges[2].port(alt).unwrap();
    assert_eq!(
        (p.role, p.state),
        (Role::Root, PortState::Forwarding),
        "{}",
        net.dump()
    );
    net.run_for(Duration::from_secs(1));
    net.check_tree().unwrap();
}

#[test]
fn new_link_across_k_bridges_takes_k_round_trips() {
    for k in [1usize, 3, 6] {
        // Root 0 alone; a chain 1 — 2 — … — k whose best bridge is 1. Then 0 — 1 comes up.
        let mut net = Net::with(k + 1, |i, mut c| {
            if i == 0 {
                c.priority = 0;
            }
            c
        });
        for i in 1..k {
            net.link(i, i + 1);
        }
        let new = net.link(0, 1);
        net.set_link(new, false);
        net.run_for(Duration::from_secs(30));
        let d = net.links[new].delay;
        let t0 = net.now;
        net.set_link(new, true);
        // Step until every chain port forwards on the new tree.
        let done = |net: &Net| net.check_tree().is_ok();
        let limit = t0 + Duration::from_secs(10);
        while !done(&net) {
            assert!(net.step(limit), "k = {k}: no convergence\n{}", net.dump());
        }
        let took = net.now.saturating_duration_since(t0);
        // Each hop: the proposal goes down (d), the agreement comes back (d).
        let bound = d * 2 * k as u32 + d;
        assert!(took <= bound, "k = {k}: took {took:?}, bound {bound:?}");
    }
}

#[test]
fn one_timer_firing_among_512_ports_runs_one_port() {
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 1]))).unwrap();
    let t0 = Instant::ZERO;
    for n in 1..=512u16 {
        let mut c = PortConfig::new(MacAddr([2, 1, 0, 0, (n >> 8) as u8, n as u8]));
        c.admin_edge = true;
        b.add_port(t0, PortNo(n), c).unwrap();
        b.handle_link(t0, PortNo(n), UP);
    }
    let mut buf = [0u8; 128];
    // Settle, staggering each port's hello timer by bouncing its link at a distinct time.
    let mut now = t0;
    for n in 1..=512u16 {
        now += Duration::from_millis(3);
        b.handle_link(now, PortNo(n), stp::LinkState::Down);
        b.handle_link(now, PortNo(n), UP);
    }
    while b.poll_transmit(&mut buf).is_some() {}
    while b.poll_event().is_some() {}
    for _ in 0..2000 {
        let at = b.poll_timeout().unwrap();
        b.handle_timeout(at);
        while b.poll_transmit(&mut buf).is_some() {}
    }
    // Now a steady state: every wake-up is one port's hello timer.
    let before = b.stats().port_steps;
    let mut wakeups = 0u64;
    for _ in 0..512 {
        let at = b.poll_timeout().unwrap();
        b.handle_timeout(at);
        wakeups += 1;
        while b.poll_transmit(&mut buf).is_some() {}
    }
    let steps = b.stats().port_steps - before;
    assert!(
        steps <= wakeups * 4,
        "{steps} port runs for {wakeups} timer firings"
    );
}
