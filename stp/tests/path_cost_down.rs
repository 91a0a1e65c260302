//! A link that goes down is not a path (802.1D-2004 §17.14, §17.19 portPathCost, §17.27
//! DISABLED; 802.1Q-2022 §13.27.47): the port leaves the tree through its Port Information
//! machine, and the bridge never offers, not even for one step, the root path it had through
//! that port at the cost of an unknown speed (10 Mb/s, 2,000,000).
//!
//! The bridge under test (A, priority 61440) hears the root R through B on port 2 (its Root
//! Port) and is designated on port 1. Port 2's link goes down. (Port 2 rather than 1: the
//! bridge steps its ports in order, and the one-step offer needed the Designated Port's
//! transmission to come before the lost port's DISABLED.)
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, PortId, PortRole,
    RstBpdu,
};
use stp::*;

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

fn r_id() -> BridgeId {
    BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 0x01]))
}
fn b_id() -> BridgeId {
    BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, 0x0b]))
}
fn a_addr() -> MacAddr {
    MacAddr([2, 0, 0, 0, 0, 0x0a])
}

fn rst_from_b(cost: u32) -> Vec<u8> {
    let bpdu = Bpdu::Rst(RstBpdu {
        version: 2,
        bpdu: ConfigBpdu {
            flags: BpduFlags::empty()
                .with_role(PortRole::Designated)
                .union(BpduFlags::LEARNING)
                .union(BpduFlags::FORWARDING),
            root_id: r_id(),
            root_path_cost: cost,
            bridge_id: b_id(),
            port_id: PortId::new(128, 1),
            message_age: BpduTime::from_secs(1),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
    });
    let mut buf = [0u8; 256];
    let n = BpduFrame::emit(MacAddr([2, 0, 0, 0, 0, 0x98]), &bpdu, &mut buf).unwrap();
    buf[..n].to_vec()
}

/// The (port, root, root path cost) of every BPDU A sends.
fn sent(b: &mut Bridge) -> Vec<(PortNo, BridgeId, u32)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while let Some(t) = b.poll_transmit(&mut buf) {
        let f = BpduFrame::parse(&buf[..t.len]).unwrap();
        let FrameKind::Bpdu(body) = f.kind else {
            panic!("not a BPDU")
        };
        let c = match Bpdu::parse(body).unwrap() {
            Bpdu::Rst(r) => r.bpdu,
            Bpdu::Config { bpdu, .. } => bpdu,
            Bpdu::Mst(m) => m.cist,
            Bpdu::Tcn { .. } => continue,
        };
        out.push((t.port, c.root_id, c.root_path_cost));
    }
    out
}

/// A with its Root Port 2 toward B (root R, B's cost 20000) and Designated Port 1.
fn converged(aging: bool) -> (Bridge, Instant) {
    let mut cfg = BridgeConfig::new(a_addr());
    cfg.priority = 61440;
    cfg.stale_info_aging = aging;
    let mut a = Bridge::new(cfg).unwrap();
    for n in 1..=2u16 {
        a.add_port(
            Instant::ZERO,
            PortNo(n),
            PortConfig::new(MacAddr([2, 0, 0, 0, 0x0a, n as u8])),
        )
        .unwrap();
        a.handle_link(Instant::ZERO, PortNo(n), UP);
    }
    let t = Instant::ZERO + Duration::from_millis(1);
    a.handle_frame(t, PortNo(2), &rst_from_b(20000)).unwrap();
    sent(&mut a);
    assert_eq!(a.tree().root_priority.root, r_id());
    assert_eq!(a.port(PortNo(2)).unwrap().role, Role::Root);
    assert_eq!(a.port(PortNo(1)).unwrap().role, Role::Designated);
    (a, t)
}

#[test]
fn a_root_port_going_down_never_offers_its_path_at_an_unknown_speed_cost() {
    for aging in [false, true] {
        let (mut a, t) = converged(aging);
        let cost = a.port(PortNo(2)).unwrap().path_cost;
        assert_eq!(cost, 20000, "1 Gb/s, 802.1Q-2022 Table 13-4");
        let t = t + Duration::from_millis(1);
        a.handle_link(t, PortNo(2), LinkState::Down);
        let out = sent(&mut a);
        // A has no other path to R: every BPDU it sends now says A is the root.
        assert!(
            !out.is_empty(),
            "aging {aging}: A tells port 1 it lost the root"
        );
        for (port, root, c) in &out {
            assert_eq!(*port, PortNo(1), "aging {aging}: {out:?}");
            assert_eq!(
                (*root, *c),
                (a.tree().bridge_id, 0),
                "aging {aging}: A offered a root path through a port whose link is down: {out:?}"
            );
        }
        assert_eq!(a.tree().root_priority.root, a.tree().bridge_id);
        assert_eq!(a.port(PortNo(2)).unwrap().role, Role::Disabled);
    }
}

#[test]
fn a_down_link_keeps_its_cost_and_the_cost_follows_the_speed_when_up() {
    let (mut a, t) = converged(false);
    let t = t + Duration::from_millis(1);
    a.handle_link(t, PortNo(2), LinkState::Down);
    assert_eq!(a.port(PortNo(2)).unwrap().path_cost, 20000);
    let t = t + Duration::from_millis(1);
    a.handle_link(
        t,
        PortNo(2),
        LinkState::Up {
            speed_mbps: 10_000,
            full_duplex: true,
        },
    );
    assert_eq!(a.port(PortNo(2)).unwrap().path_cost, 2000);
    // A speed change on a link that stays up recosts it and reselects (§17.14).
    a.handle_frame(t, PortNo(2), &rst_from_b(20000)).unwrap();
    sent(&mut a);
    assert_eq!(a.tree().root_priority.root_path_cost, 22000);
    let t = t + Duration::from_millis(1);
    a.handle_link(t, PortNo(2), UP);
    assert_eq!(a.port(PortNo(2)).unwrap().path_cost, 20000);
    assert_eq!(a.tree().root_priority.root_path_cost, 40000);
}

#[test]
fn a_port_added_while_down_is_costed_when_its_link_comes_up() {
    let mut a = Bridge::new(BridgeConfig::new(a_addr())).unwrap();
    a.add_port(
        Instant::ZERO,
        PortNo(1),
        PortConfig::new(MacAddr([2, 0, 0, 0, 0x0a, 1])),
    )
    .unwrap();
    a.handle_link(
        Instant::ZERO,
        PortNo(1),
        LinkState::Up {
            speed_mbps: 100,
            full_duplex: true,
        },
    );
    assert_eq!(a.port(PortNo(1)).unwrap().path_cost, 200_000);
}
