//! Two MLAG peers as one logical bridge: one Bridge instance owns the ports of both chassis
//! (disjoint port numbers: peer 1 uses 1–2047, peer 2 uses 2048–4095), the secondary's BPDUs
//! are relayed to it, and a replica fed the same input sequence stays identical (hot standby).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, MacAddr, PortNo};
use sim_common::{Net, mac, settle};
use stp::{Bridge, BridgeConfig, PortState, Role};

#[test]
fn replica_fed_the_same_inputs_stays_identical() {
    // Bridge 0 is the logical MLAG bridge; its replica checks every output on every input.
    let mut net = Net::new(5);
    net.mirror = Some(Bridge::new(BridgeConfig::new(mac(1))).unwrap());
    let mut links = Vec::new();
    for i in 1..5 {
        links.push(net.link(0, i));
        links.push(net.link(0, i));
    }
    net.link(1, 2);
    net.link(3, 4);
    settle(&mut net, 40);
    for &l in &links {
        net.set_link(l, false);
        settle(&mut net, 5);
        net.set_link(l, true);
        settle(&mut net, 5);
    }
    assert_eq!(
        net.bridges[0].fingerprint(),
        net.mirror.as_ref().unwrap().fingerprint()
    );
}

#[test]
fn dual_homed_client_sees_one_bridge() {
    // The pair (logical bridge 0, root by priority) with ports 1 (peer 1) and 2049 (peer 2);
    // a client bridge with one link to each peer blocks one of them: it sees the same
    // designated bridge on both.
    let pair_mac = MacAddr([2, 0, 0, 0, 0, 0x42]);
    let mut cfg = BridgeConfig::new(pair_mac);
    cfg.priority = 4096;
    let mut pair = Bridge::new(cfg).unwrap();
    let mut client = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x50]))).unwrap();
    let t0 = Instant::ZERO;
    for (pp, cp) in [(1u16, 1u16), (2049, 2)] {
        pair.add_port(
            t0,
            PortNo(pp),
            stp::PortConfig::new(MacAddr([2, 9, 0, 0, (pp >> 8) as u8, pp as u8])),
        )
        .unwrap();
        client
            .add_port(
                t0,
                PortNo(cp),
                stp::PortConfig::new(MacAddr([2, 8, 0, 0, 0, cp as u8])),
            )
            .unwrap();
        pair.handle_link(t0, PortNo(pp), sim_common::UP);
        client.handle_link(t0, PortNo(cp), sim_common::UP);
    }
    let wire = |p: u16| if p == 1 { 1 } else { 2 };
    let back = |c: u16| if c == 1 { 1 } else { 2049 };
    let mut now = t0;
    let mut buf = [0u8; 128];
    for _ in 0..2000 {
        now += Duration::from_millis(10);
        pair.handle_timeout(now);
        client.handle_timeout(now);
        while let Some(t) = pair.poll_transmit(&mut buf) {
            let f = buf[..t.len].to_vec();
            let _ = client.handle_frame(now, PortNo(wire(t.port.get())), &f);
        }
        while let Some(t) = client.poll_transmit(&mut buf) {
            let f = buf[..t.len].to_vec();
            let _ = pair.handle_frame(now, PortNo(back(t.port.get())), &f);
        }
    }
    let roles: Vec<_> = client.ports().map(|p| p.role).collect();
    assert_eq!(roles, [Role::Root, Role::Alternate]);
    assert!(pair.tree().is_root);
    assert!(
        pair.ports()
            .all(|p| p.role == Role::Designated && p.state == PortState::Forwarding)
    );
    assert_eq!(client.tree().root_priority.root, pair.bridge_id());
}

#[test]
fn replica_takes_over_when_the_primary_dies() {
    // The logical bridge 0 has two links to each neighbour; link ids 0/2 belong to "peer 1",
    // 1/3 to "peer 2". Peer 1 dies: its links go down, the replica continues alone with the
    // same bridge identifier, and the network reconverges around it.
    let mut net = Net::new(3);
    net.mirror = Some(Bridge::new(BridgeConfig::new(mac(1))).unwrap());
    let a1 = net.link(0, 1);
    let _a2 = net.link(0, 1);
    let b1 = net.link(0, 2);
    let _b2 = net.link(0, 2);
    net.link(1, 2);
    settle(&mut net, 30);
    let replica = net.mirror.take().unwrap();
    net.bridges[0] = replica;
    net.set_link(a1, false);
    net.set_link(b1, false);
    settle(&mut net, 5);
    assert!(net.bridges[0].tree().is_root);
}

#[test]
fn fingerprint_covers_oper_edge() {
    // Two root bridges with one lone port each, identical but for autoEdge: after the edge
    // delay one port is operEdge and the other is not, with the same role, state and vectors.
    // operEdge is history (Bridge Detection, §13.31) that only an exact replica holds (the
    // whole log or a snapshot, see `Bridge::fingerprint`); the fingerprint covers it, so
    // these two differ.
    let mac = MacAddr([2, 0, 0, 0, 0, 0x42]);
    let mut bridges = Vec::new();
    for auto_edge in [true, false] {
        let mut b = Bridge::new(BridgeConfig::new(mac)).unwrap();
        let mut pc = stp::PortConfig::new(MacAddr([2, 0, 0, 0, 1, 1]));
        pc.auto_edge = auto_edge;
        b.add_port(Instant::ZERO, PortNo(1), pc).unwrap();
        b.handle_link(
            Instant::ZERO,
            PortNo(1),
            stp::LinkState::Up {
                speed_mbps: 1000,
                full_duplex: true,
            },
        );
        let end = Instant::ZERO + Duration::from_secs(60);
        let mut buf = [0u8; 1514];
        while let Some(t) = b.poll_timeout().filter(|t| *t <= end) {
            b.handle_timeout(t);
            while b.poll_transmit(&mut buf).is_some() {}
            while b.poll_event().is_some() {}
        }
        bridges.push(b);
    }
    let (a, b) = (&bridges[0], &bridges[1]);
    let (pa, pb) = (a.port(PortNo(1)).unwrap(), b.port(PortNo(1)).unwrap());
    assert!(pa.oper_edge && !pb.oper_edge);
    assert_eq!((pa.role, pa.state), (pb.role, pb.state));
    assert_ne!(a.fingerprint(), b.fingerprint());
    // A bridge restored from a's snapshot holds a's operEdge and fingerprint.
    let now = Instant::ZERO + Duration::from_secs(60);
    let r = Bridge::restore(&a.snapshot(now), now).unwrap();
    assert!(r.port(PortNo(1)).unwrap().oper_edge);
    assert_eq!(r.fingerprint(), a.fingerprint());
}
