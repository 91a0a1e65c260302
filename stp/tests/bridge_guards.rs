//! Edge ports, guards, BPDU filter, configuration validation, bad input and the explanation API.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, MacAddr, PortNo};
use sim_common::{Net, UP, settle};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, PortId, PortRole, RstBpdu,
};
use stp::*;

fn one_port_bridge(cfg: PortConfig) -> Bridge {
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]))).unwrap();
    b.add_port(Instant::ZERO, PortNo(1), cfg).unwrap();
    b.handle_link(Instant::ZERO, PortNo(1), UP);
    b
}

fn rst_frame(root_prio: u16, flags: BpduFlags) -> Vec<u8> {
    let root = BridgeId::new(root_prio, 0, MacAddr([2, 0, 0, 0, 0, 0x99]));
    let body = ConfigBpdu {
        flags,
        root_id: root,
        root_path_cost: 0,
        bridge_id: root,
        port_id: PortId::new(128, 1),
        message_age: BpduTime(0),
        max_age: BpduTime::from_secs(20),
        hello_time: BpduTime::from_secs(2),
        forward_delay: BpduTime::from_secs(15),
    };
    let mut buf = [0u8; 64];
    let n = BpduFrame::emit(
        MacAddr([2, 0, 0, 0, 0, 0x98]),
        &Bpdu::Rst(RstBpdu {
            version: 2,
            bpdu: body,
            version_1_length: 0,
        }),
        &mut buf,
    )
    .unwrap();
    buf[..n].to_vec()
}

fn drain_events(b: &mut Bridge) -> Vec<Event> {
    core::iter::from_fn(|| b.poll_event()).collect()
}

fn run(b: &mut Bridge, until: Instant) {
    let mut buf = [0u8; 128];
    while let Some(t) = b.poll_timeout() {
        if t > until {
            break;
        }
        b.handle_timeout(t);
        while b.poll_transmit(&mut buf).is_some() {}
        b.check_invariants().unwrap();
    }
}

#[test]
fn admin_edge_port_forwards_at_once() {
    let mut cfg = PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1]));
    cfg.admin_edge = true;
    let b = one_port_bridge(cfg);
    let p = b.port(PortNo(1)).unwrap();
    assert_eq!(
        (p.role, p.state, p.oper_edge),
        (Role::Designated, PortState::Forwarding, true)
    );
}

#[test]
fn auto_edge_port_forwards_after_edge_delay() {
    let mut b = one_port_bridge(PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1])));
    assert_eq!(b.port(PortNo(1)).unwrap().state, PortState::Discarding);
    let e = b.explain(PortNo(1), CIST).unwrap();
    assert!(matches!(e.waiting, Some(Wait::Agreement { .. })), "{e}");
    // No BPDU arrives: the Bridge Detection machine declares the port an edge after
    // edgeDelayWhile (MigrateTime, 3 s) and it forwards.
    run(&mut b, Instant::from_secs(4));
    let p = b.port(PortNo(1)).unwrap();
    assert!(p.oper_edge);
    assert_eq!(p.state, PortState::Forwarding);
}

#[test]
fn edge_port_hearing_a_bpdu_becomes_non_edge() {
    let mut cfg = PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1]));
    cfg.admin_edge = true;
    let mut b = one_port_bridge(cfg);
    // A superior BPDU: the port becomes the root port and stops being an edge port.
    b.handle_frame(
        Instant::from_secs(1),
        PortNo(1),
        &rst_frame(0, BpduFlags::empty().with_role(PortRole::Designated)),
    )
    .unwrap();
    let p = b.port(PortNo(1)).unwrap();
    assert!(!p.oper_edge);
    assert_eq!(p.role, Role::Root);
}

#[test]
fn bpdu_guard_disables_and_counts_a_flood() {
    let mut cfg = PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1]));
    cfg.admin_edge = true;
    cfg.bpdu_guard = true;
    let mut b = one_port_bridge(cfg);
    drain_events(&mut b);
    let frame = rst_frame(0, BpduFlags::empty().with_role(PortRole::Designated));
    b.handle_frame(Instant::from_secs(1), PortNo(1), &frame)
        .unwrap();
    let ev = drain_events(&mut b);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::GuardTripped {
            guard: Guard::Bpdu,
            ..
        }
    )));
    let p = b.port(PortNo(1)).unwrap();
    assert_eq!(
        (p.enabled, p.state, p.inconsistent),
        (false, PortState::Discarding, Some(Guard::Bpdu))
    );
    // The flood that follows is refused and counted; the tree never changes.
    for i in 0..100 {
        let r = b.handle_frame(
            Instant::from_secs(1) + Duration::from_millis(i),
            PortNo(1),
            &frame,
        );
        assert_eq!(r, Err(RxError::PortDisabled));
    }
    assert!(b.tree().is_root);
    assert_eq!(b.port(PortNo(1)).unwrap().counters.rx_errors, 100);
    assert_eq!(b.stats().guard_trips, 1);
    assert!(
        b.explain(PortNo(1), CIST)
            .unwrap()
            .to_string()
            .contains("BPDU guard")
    );
    b.clear_guard(Instant::from_secs(2), PortNo(1)).unwrap();
    assert!(b.port(PortNo(1)).unwrap().enabled);
}

#[test]
fn root_guard_refuses_a_superior_root() {
    // 0 — 1 — 2, bridge 1's port towards 2 has root guard; 2 then claims priority 0.
    let mut net = Net::new(3);
    net.link(0, 1);
    net.link_with(1, 2, |b, mut c| {
        if b == 1 {
            c.root_guard = true;
        }
        c
    });
    settle(&mut net, 10);
    let mut cfg = *net.bridges[2].config();
    cfg.priority = 0;
    let now = net.now;
    net.bridges[2].set_bridge_config(now, cfg).unwrap();
    net.drain(2);
    net.run_for(Duration::from_secs(10));
    let p = net.bridges[1].port(PortNo(2)).unwrap();
    assert_eq!(p.role, Role::Alternate);
    assert_eq!(p.state, PortState::Discarding);
    assert_eq!(p.inconsistent, Some(Guard::Root));
    assert_eq!(
        net.bridges[1].tree().root_priority.root,
        net.bridges[0].bridge_id()
    );
    assert!(net.events[1].iter().any(|(_, e)| matches!(
        e,
        Event::GuardTripped {
            guard: Guard::Root,
            received: Some(_),
            ..
        }
    )));
    let text = net.bridges[1].explain(PortNo(2), CIST).unwrap().to_string();
    assert!(text.contains("root_guard"), "{text}");
    // Back to a normal priority: the guard releases.
    cfg.priority = 32768;
    let now = net.now;
    net.bridges[2].set_bridge_config(now, cfg).unwrap();
    net.drain(2);
    settle(&mut net, 60);
    assert_eq!(net.bridges[1].port(PortNo(2)).unwrap().inconsistent, None);
}

#[test]
fn loop_guard_holds_a_root_port_whose_bpdus_stop() {
    let mut net = Net::new(2);
    net.link_with(0, 1, |b, mut c| {
        if b == 1 {
            c.loop_guard = true;
        }
        c
    });
    settle(&mut net, 10);
    assert_eq!(net.bridges[1].port(PortNo(1)).unwrap().role, Role::Root);
    // A unidirectional failure: bridge 0 stops sending (BPDU filter on its port).
    let mut c0 = PortConfig::new(sim_common::port_mac(0, 1));
    c0.bpdu_filter = true;
    let now = net.now;
    net.bridges[0].set_port_config(now, PortNo(1), c0).unwrap();
    net.drain(0);
    net.run_for(Duration::from_secs(10));
    let p = net.bridges[1].port(PortNo(1)).unwrap();
    assert_eq!(p.inconsistent, Some(Guard::Loop), "{}", net.dump());
    assert_eq!(p.state, PortState::Discarding);
    // BPDUs come back: the port is released.
    c0.bpdu_filter = false;
    let now = net.now;
    net.bridges[0].set_port_config(now, PortNo(1), c0).unwrap();
    net.drain(0);
    settle(&mut net, 10);
    assert_eq!(net.bridges[1].port(PortNo(1)).unwrap().inconsistent, None);
}

#[test]
fn bridge_assurance_blocks_a_silent_neighbour() {
    let mut net = Net::new(2);
    net.link_with(0, 1, |_, mut c| {
        c.bridge_assurance = true;
        c
    });
    settle(&mut net, 20);
    // Both ends keep sending every hello (even the root port) so neither trips.
    assert!(
        net.bridges
            .iter()
            .all(|b| b.ports().all(|p| p.inconsistent.is_none()))
    );
    let mut c1 = PortConfig::new(sim_common::port_mac(1, 1));
    c1.bridge_assurance = true;
    c1.bpdu_filter = true;
    let now = net.now;
    net.bridges[1].set_port_config(now, PortNo(1), c1).unwrap();
    net.drain(1);
    net.run_for(Duration::from_secs(10));
    let p = net.bridges[0].port(PortNo(1)).unwrap();
    assert_eq!(
        p.inconsistent,
        Some(Guard::BridgeAssurance),
        "{}",
        net.dump()
    );
    assert_eq!(p.state, PortState::Discarding);
}

#[test]
fn bpdu_filter_neither_sends_nor_processes() {
    let mut cfg = PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1]));
    cfg.bpdu_filter = true;
    let mut b = one_port_bridge(cfg);
    let mut buf = [0u8; 128];
    run(&mut b, Instant::from_secs(30));
    assert!(b.poll_transmit(&mut buf).is_none());
    let r = b.handle_frame(
        Instant::from_secs(31),
        PortNo(1),
        &rst_frame(0, BpduFlags::empty().with_role(PortRole::Designated)),
    );
    assert_eq!(r, Err(RxError::Filtered));
    assert!(b.tree().is_root);
}

#[test]
fn restricted_tcn_does_not_propagate() {
    // 0 — 1 — 2 with bridge 1's port to 2 restricted: TCs from 2 stop at 1.
    let mut net = Net::new(4);
    net.link(0, 1);
    net.link_with(1, 2, |b, mut c| {
        if b == 1 {
            c.restricted_tcn = true;
        }
        c
    });
    let leaf = net.link(2, 3);
    settle(&mut net, 20);
    let flushes_before = net.events[0]
        .iter()
        .filter(|(_, e)| matches!(e, Event::FlushFdb { .. }))
        .count();
    net.set_link(leaf, false);
    net.set_link(leaf, true);
    settle(&mut net, 20);
    let flushes_after = net.events[0]
        .iter()
        .filter(|(_, e)| matches!(e, Event::FlushFdb { .. }))
        .count();
    assert_eq!(flushes_before, flushes_after);
}

#[test]
fn topology_change_flushes_other_ports() {
    let mut net = Net::new(4);
    net.link(0, 1);
    net.link(1, 2);
    let leaf = net.link(2, 3);
    settle(&mut net, 20);
    let t = net.now;
    net.set_link(leaf, false);
    net.set_link(leaf, true);
    settle(&mut net, 20);
    // Bridge 1 hears the change on its designated port and flushes its root port; the root
    // hears it too.
    assert!(net.events[1].iter().any(|(at, e)| *at >= t
        && matches!(
            e,
            Event::FlushFdb {
                port: PortNo(1),
                tree: 0
            }
        )));
    assert!(net.events[0].iter().any(|(at, e)| *at >= t
        && matches!(
            e,
            Event::TopologyChange {
                detected: false,
                ..
            }
        )));
    assert!(
        net.events[2]
            .iter()
            .any(|(at, e)| *at >= t && matches!(e, Event::TopologyChange { detected: true, .. }))
    );
}

#[test]
fn config_validation() {
    let mac = MacAddr([2, 0, 0, 0, 0, 1]);
    let mut c = BridgeConfig::new(mac);
    c.priority = 4097;
    assert_eq!(
        Bridge::new(c).unwrap_err(),
        ConfigError::BridgePriority(4097)
    );
    let mut c = BridgeConfig::new(mac);
    c.max_age = 30;
    c.forward_delay = 10;
    assert!(matches!(
        Bridge::new(c).unwrap_err(),
        ConfigError::InconsistentTimers { .. }
    ));
    let mut c = BridgeConfig::new(mac);
    c.hello_time = 10;
    assert!(matches!(
        Bridge::new(c).unwrap_err(),
        ConfigError::InconsistentTimers { .. }
    ));
    let mut c = BridgeConfig::new(mac);
    c.tx_hold_count = 0;
    assert_eq!(Bridge::new(c).unwrap_err(), ConfigError::TxHoldCount(0));
    let mut c = BridgeConfig::new(mac);
    c.address = MacAddr::BRIDGE_GROUP;
    assert!(Bridge::new(c).is_err());
    let mut b = Bridge::new(BridgeConfig::new(mac)).unwrap();
    let mut p = PortConfig::new(mac);
    p.priority = 17;
    assert_eq!(
        b.add_port(Instant::ZERO, PortNo(1), p).unwrap_err(),
        ConfigError::PortPriority(17)
    );
    p.priority = 128;
    p.path_cost = PathCost::Fixed(0);
    assert_eq!(
        b.add_port(Instant::ZERO, PortNo(1), p).unwrap_err(),
        ConfigError::PathCost(0)
    );
    p.path_cost = PathCost::Auto;
    assert_eq!(
        b.add_port(Instant::ZERO, PortNo(0), p).unwrap_err(),
        ConfigError::PortNumber(0)
    );
    assert_eq!(
        b.add_port(Instant::ZERO, PortNo(4096), p).unwrap_err(),
        ConfigError::PortNumber(4096)
    );
    b.add_port(Instant::ZERO, PortNo(7), p).unwrap();
    assert_eq!(
        b.add_port(Instant::ZERO, PortNo(7), p).unwrap_err(),
        ConfigError::PortExists(7)
    );
    assert_eq!(
        b.remove_port(Instant::ZERO, PortNo(8)).unwrap_err(),
        ConfigError::NoSuchPort(8)
    );
    // A rejected change changes nothing.
    let before = *b.config();
    let mut bad = before;
    bad.forward_delay = 3;
    assert!(b.set_bridge_config(Instant::ZERO, bad).is_err());
    assert_eq!(*b.config(), before);
}

#[test]
fn auto_path_costs() {
    assert_eq!(
        stp::config::auto_path_cost(PathCostMethod::Long, 1),
        20_000_000
    );
    assert_eq!(
        stp::config::auto_path_cost(PathCostMethod::Long, 10),
        2_000_000
    );
    assert_eq!(
        stp::config::auto_path_cost(PathCostMethod::Long, 1000),
        20_000
    );
    assert_eq!(
        stp::config::auto_path_cost(PathCostMethod::Long, 10_000_000),
        2
    );
    assert_eq!(stp::config::auto_path_cost(PathCostMethod::Short, 100), 19);
    assert_eq!(stp::config::auto_path_cost(PathCostMethod::Short, 1000), 4);
    assert_eq!(
        stp::config::auto_path_cost(PathCostMethod::Short, 10_000),
        2
    );
}

#[test]
fn malformed_and_inconsistent_bpdus_change_nothing() {
    let mut b = one_port_bridge(PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1])));
    let before: Vec<_> = b.ports().collect();
    let tree = b.tree();
    let good = rst_frame(0, BpduFlags::empty().with_role(PortRole::Designated));
    type Case = (Vec<u8>, fn(&RxError) -> bool);
    let mut cases: Vec<Case> = Vec::new();
    cases.push((good[..20].to_vec(), |e| {
        matches!(e, RxError::Malformed(_) | RxError::NotBpdu)
    }));
    let mut bad_proto = good.clone();
    bad_proto[17] = 1;
    cases.push((bad_proto, |e| matches!(e, RxError::Malformed(_))));
    let mut bad_type = good.clone();
    bad_type[20] = 0x7;
    cases.push((bad_type, |e| matches!(e, RxError::Malformed(_))));
    let mut unicast = good.clone();
    unicast[0] = 0x02;
    cases.push((unicast, |e| matches!(e, RxError::BadDestination)));
    let mut aged = good.clone();
    // A Configuration BPDU whose Message Age equals Max Age.
    aged[19] = 0; // protocol version 0
    aged[20] = 0; // type Config
    aged[44..46].copy_from_slice(&[0x14, 0x00]);
    cases.push((aged, |e| matches!(e, RxError::NotAcceptable)));
    let mut aged_rst = good.clone();
    // An RST BPDU whose Message Age exceeds its Max Age.
    aged_rst[44..46].copy_from_slice(&[0x15, 0x00]);
    cases.push((aged_rst, |e| matches!(e, RxError::NotAcceptable)));
    let mut pvst = good.clone();
    pvst[12..14].copy_from_slice(&[0x00, 0x26]);
    pvst[14..22].copy_from_slice(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b]);
    cases.push((pvst, |e| matches!(e, RxError::Pvst)));
    for (i, (frame, ok)) in cases.iter().enumerate() {
        let e = b
            .handle_frame(Instant::from_millis(10), PortNo(1), frame)
            .unwrap_err();
        assert!(ok(&e), "case {i}: {e:?}");
    }
    assert_eq!(
        b.handle_frame(Instant::from_millis(10), PortNo(9), &good),
        Err(RxError::UnknownPort)
    );
    let after: Vec<_> = b.ports().collect();
    assert_eq!(before.len(), after.len());
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(
            (x.role, x.state, x.port_priority, x.machines),
            (y.role, y.state, y.port_priority, y.machines)
        );
    }
    assert_eq!(b.tree(), tree);
}

#[test]
fn explanation_of_every_role() {
    let mut net = Net::new(3);
    net.link(0, 1);
    net.link(1, 2);
    net.link(2, 0);
    settle(&mut net, 30);
    let root = net.bridges[2].explain(PortNo(2), CIST).unwrap();
    assert!(
        matches!(
            root.reason,
            RoleReason::RootPort {
                runner_up: Some(_),
                ..
            }
        ),
        "{root}"
    );
    assert!(root.to_string().contains("root forwarding"), "{root}");
    let alt = net.bridges[2]
        .ports()
        .find(|p| p.role == Role::Alternate)
        .unwrap();
    let e = net.bridges[2].explain(alt.port, CIST).unwrap();
    assert!(matches!(e.reason, RoleReason::Alternate { .. }));
    assert!(e.to_string().contains("is designated"), "{e}");
    let d = net.bridges[0].explain(PortNo(1), CIST).unwrap();
    assert!(matches!(
        d.reason,
        RoleReason::Designated { heard: None, .. }
    ));
    assert!(net.bridges[0].explain(PortNo(1), 5).is_none());
    assert!(net.bridges[0].explain(PortNo(99), CIST).is_none());
}

#[test]
fn backup_port_on_a_looped_segment() {
    // Two ports of one bridge cabled to each other: one is designated, the other backup.
    let mut net = Net::new(2);
    net.link(0, 1);
    net.link(1, 1);
    settle(&mut net, 30);
    let roles: Vec<_> = net.bridges[1].ports().map(|p| (p.role, p.state)).collect();
    assert!(
        roles.contains(&(Role::Backup, PortState::Discarding)),
        "{roles:?}"
    );
    let b = net.bridges[1]
        .ports()
        .find(|p| p.role == Role::Backup)
        .unwrap();
    let e = net.bridges[1].explain(b.port, CIST).unwrap();
    assert!(matches!(e.reason, RoleReason::Backup { .. }), "{e}");
}

#[test]
fn root_guard_flood_is_counted_and_changes_nothing() {
    let mut cfg = PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1]));
    cfg.root_guard = true;
    let mut b = one_port_bridge(cfg);
    let own = b.bridge_id();
    let frame = rst_frame(
        0,
        BpduFlags::empty()
            .with_role(PortRole::Designated)
            .union(BpduFlags::PROPOSAL),
    );
    for i in 0..1000u64 {
        b.handle_frame(Instant::from_millis(10 + i), PortNo(1), &frame)
            .unwrap();
        b.check_invariants().unwrap();
    }
    assert_eq!(b.tree().root_priority.root, own);
    let p = b.port(PortNo(1)).unwrap();
    assert_eq!(
        (p.role, p.state, p.inconsistent),
        (Role::Alternate, PortState::Discarding, Some(Guard::Root))
    );
    assert_eq!(p.counters.rx_rst, 1000);
    assert!(b.stats().guard_trips >= 1);
    assert_eq!(b.stats().bpdus_rx, 1000);
}
