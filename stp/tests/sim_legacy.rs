//! Mixed 802.1D STP / RSTP networks: Port Protocol Migration makes RSTP ports talk STP to
//! legacy neighbours, and the legacy segments still converge (with forward-delay waits).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::Duration;
use sim_common::{Net, settle};
use stp::{Event, ForceVersion, PortState};

fn legacy(set: &'static [usize]) -> impl Fn(usize, stp::BridgeConfig) -> stp::BridgeConfig {
    move |i, mut c| {
        if set.contains(&i) {
            c.force_version = ForceVersion::Stp;
        }
        c
    }
}

#[test]
fn all_stp_ring_converges_after_forward_delays() {
    let mut net = Net::with(4, legacy(&[0, 1, 2, 3]));
    for i in 0..4 {
        net.link(i, (i + 1) % 4);
    }
    // Listening + learning: nothing forwards before 2 × Forward Delay …
    net.run_for(Duration::from_secs(10));
    assert!(
        net.bridges
            .iter()
            .all(|b| b.ports().all(|p| p.state != PortState::Forwarding))
    );
    // … and the tree is complete after it.
    settle(&mut net, 60);
}

#[test]
fn rstp_port_falls_back_to_stp_for_a_legacy_neighbour() {
    // 0 (RSTP, root) — 1 (STP) — 2 (RSTP)
    let mut net = Net::with(3, legacy(&[1]));
    net.link(0, 1);
    net.link(1, 2);
    settle(&mut net, 60);
    let p0 = net.bridges[0].ports().next().unwrap();
    assert!(!p0.send_rstp, "{}", net.dump());
    let p2 = net.bridges[2].ports().next().unwrap();
    assert!(!p2.send_rstp);
    assert!(net.events[0].iter().any(|(_, e)| matches!(
        e,
        Event::ProtocolMigrated {
            send_rstp: false,
            ..
        }
    )));
}

#[test]
fn mixed_ring_with_legacy_segment() {
    let mut net = Net::with(6, legacy(&[2, 3]));
    let links: Vec<_> = (0..6).map(|i| net.link(i, (i + 1) % 6)).collect();
    settle(&mut net, 60);
    // A failure reconverges; legacy segments wait forward delays, so give it a minute.
    net.set_link(links[0], false);
    settle(&mut net, 60);
    net.set_link(links[0], true);
    settle(&mut net, 60);
}

#[test]
fn legacy_topology_change_is_acknowledged() {
    // 0 (STP root) — 1 (RSTP) — 2 (RSTP); cutting and restoring a leaf link makes 1 notify
    // the legacy root with TCNs until it acknowledges.
    let mut net = Net::with(4, legacy(&[0]));
    net.link(0, 1);
    net.link(1, 2);
    let leaf = net.link(1, 3);
    settle(&mut net, 60);
    net.set_link(leaf, false);
    net.set_link(leaf, true);
    settle(&mut net, 60);
    let tcn_sent: u64 = net.bridges[1].ports().map(|p| p.counters.tx_tcn).sum();
    assert!(tcn_sent >= 1, "{}", net.dump());
    let tcn_rx: u64 = net.bridges[0].ports().map(|p| p.counters.rx_tcn).sum();
    assert!(tcn_rx >= 1);
}

#[test]
fn mcheck_returns_to_rstp_once_the_legacy_bridge_is_gone() {
    let mut net = Net::with(2, |i, mut c| {
        if i == 1 {
            c.force_version = ForceVersion::Stp;
        }
        c
    });
    net.link(0, 1);
    settle(&mut net, 60);
    assert!(!net.bridges[0].ports().next().unwrap().send_rstp);
    // The neighbour is upgraded to RSTP; an mcheck makes the port try RSTP again.
    let mut cfg = *net.bridges[1].config();
    cfg.force_version = ForceVersion::Rstp;
    let now = net.now;
    net.bridges[1].set_bridge_config(now, cfg).unwrap();
    net.drain(1);
    net.bridges[0].mcheck(now, l2_types::PortNo(1)).unwrap();
    net.drain(0);
    settle(&mut net, 10);
    assert!(
        net.bridges[0].ports().next().unwrap().send_rstp,
        "{}",
        net.dump()
    );
}
