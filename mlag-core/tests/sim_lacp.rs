//! LACP in the simulator: a client's bond of two links to two switches of one LACP system
//! (the LACP half of an MLAG pair) negotiates and distributes on both links; member failure,
//! switch crash and restart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::{LagConfig, LagId, SystemIdentity};
use mlag_core::sim::{
    CLIENT_LAG, CrashMode, Fault, Host, Invariants, LacpClient, LacpClientConfig, LacpSwitch,
    LinkId, LinkParams, Network, NodeId, StpBridge, StreamConfig, SwitchLag, TestFrame,
};
use stp::BridgeConfig;

const SHARED: MacAddr = MacAddr([0x02, 0x4d, 0, 0, 0, 1]);
const CLIENT: MacAddr = MacAddr([0x02, 0xc0, 0, 0, 0, 1]);

fn server(i: u8) -> MacAddr {
    MacAddr([0x02, 0x5e, 0, 0, 0, i])
}

struct Pair {
    net: Network,
    client: NodeId,
    switches: [NodeId; 2],
    servers: Vec<NodeId>,
    /// Client port 1 to switch 0, client port 2 to switch 1.
    members: [LinkId; 2],
}

/// Client (2 links) → switch 0 / switch 1 (one LAG each, port numbers 1 and 101) → an RSTP
/// bridge (ports 1 and 2) → four servers (ports 3..=6). The client sends one stream to each
/// server from `start`; each server sends one back from `servers_start`. `same_system` false
/// gives the two switches their own LACP identity (no MLAG).
///
/// There is no peer link, so no split horizon: a frame the bridge floods reaches the client
/// through both switches. The servers start after the client so that the bridge has learnt
/// the client's address by then.
fn pair(seed: u64, same_system: bool, start: Instant, servers_start: Instant) -> Pair {
    let mut net = Network::new(seed);
    let mut cfg = LacpClientConfig::new(CLIENT, 2);
    cfg.fast = true;
    let mut client = LacpClient::new(cfg).unwrap();
    for i in 1..=4 {
        client.host_mut().add_stream(StreamConfig::new(
            server(i),
            Duration::from_millis(10),
            start,
        ));
    }
    let client = net.add_node("client", client);
    let mut switches = [NodeId(0); 2];
    for (k, sw) in switches.iter_mut().enumerate() {
        let k8 = u8::try_from(k).unwrap();
        let mut s = LacpSwitch::new(MacAddr([0x02, 0x5f, 0, 0, k8, 0]));
        let mut lag = LagConfig::new(7);
        lag.actor_system = Some(SystemIdentity {
            priority: 32768,
            mac: if same_system {
                SHARED
            } else {
                MacAddr([0x02, 0x4d, 0, 0, 0, 10 + k8])
            },
        });
        s.add_lag(SwitchLag {
            lag: LagId(1),
            config: lag,
            members: vec![(PortNo(1), 1 + 100 * u16::from(k8))],
            fast: true,
        })
        .unwrap();
        s.add_port(PortNo(2));
        *sw = net.add_node(&format!("sw{k}"), s);
    }
    let br = StpBridge::new(BridgeConfig::new(MacAddr([0x02, 0xbb, 0, 0, 0, 1])))
        .unwrap()
        .with_ports(6)
        .unwrap();
    let br = net.add_node("br", br);
    let mut servers = Vec::new();
    for i in 1..=4u8 {
        let h = Host::new(server(i)).with_stream(StreamConfig::new(
            CLIENT,
            Duration::from_millis(10),
            servers_start,
        ));
        let h = net.add_node(&format!("srv{i}"), h);
        net.connect(
            (h, Host::PORT),
            (br, PortNo(2 + u16::from(i))),
            LinkParams::gigabit(),
        );
        servers.push(h);
    }
    let m0 = net.connect(
        (client, PortNo(1)),
        (switches[0], PortNo(1)),
        LinkParams::gigabit(),
    );
    let m1 = net.connect(
        (client, PortNo(2)),
        (switches[1], PortNo(1)),
        LinkParams::gigabit(),
    );
    net.connect(
        (switches[0], PortNo(2)),
        (br, PortNo(1)),
        LinkParams::gigabit(),
    );
    net.connect(
        (switches[1], PortNo(2)),
        (br, PortNo(2)),
        LinkParams::gigabit(),
    );
    Pair {
        net,
        client,
        switches,
        servers,
        members: [m0, m1],
    }
}

fn client(p: &Pair) -> &LacpClient {
    p.net.node::<LacpClient>(p.client).unwrap()
}

/// Test frames the client sent on member link `k` (capture).
fn data_frames_on(p: &Pair, k: usize) -> usize {
    p.net
        .capture()
        .iter()
        .filter(|r| r.link == p.members[k] && r.dir == mlag_core::sim::Dir::AtoB)
        .filter(|r| TestFrame::parse(&r.frame).is_ok())
        .count()
}

#[test]
fn bond_to_two_switches_of_one_system_distributes_on_both_links() {
    let start = Instant::from_secs(35);
    let mut p = pair(11, true, start, start + Duration::from_secs(1));
    p.net.set_capture(true);
    // Fast LACP converges within a few LACPDU exchanges.
    let ok = p.net.run_while_not(Instant::from_secs(10), |n| {
        n.node::<LacpClient>(NodeId(0))
            .is_some_and(|c| c.distributing().count() == 2)
    });
    assert!(ok, "{:?}", client(&p).system().ports().collect::<Vec<_>>());
    println!("client distributing on both at {}", p.net.now());
    assert!(p.net.now() < Instant::from_secs(5));
    p.net.run_for(Duration::from_secs(1));
    let lag = client(&p).system().lag(CLIENT_LAG).unwrap();
    assert!(lag.up);
    assert_eq!(lag.aggregators, 1, "both links in one aggregator");
    assert_eq!(lag.ports_distributing, 2);
    assert_eq!(lag.partner_system.unwrap().mac, SHARED);
    assert_eq!(lag.partner_key, Some(7));
    for s in p.switches {
        let sw = p.net.node::<LacpSwitch>(s).unwrap();
        let port = sw.system().port(PortNo(1)).unwrap();
        assert!(port.collecting && port.distributing);
        assert_eq!(port.partner.system, CLIENT);
    }

    // Traffic both ways from 35 s (the bridge's edge ports forward by then).
    p.net.set_invariants(Invariants {
        black_hole: Some((Duration::from_millis(200), start + Duration::from_secs(1))),
        ..Invariants::default()
    });
    p.net.run_until(Instant::from_secs(45));
    assert!(p.net.violations().is_empty(), "{:?}", p.net.violations());
    // The client's hash spreads its four flows over both links.
    let (d0, d1) = (data_frames_on(&p, 0), data_frames_on(&p, 1));
    println!("test frames on member 0: {d0}, member 1: {d1}");
    assert!(d0 > 0 && d1 > 0, "{d0} / {d1}");
    let sent: u64 = (0..4).map(|s| client(&p).host().tx(s).unwrap().sent).sum();
    assert_eq!(sent, 4 * 1001, "35 s to 45 s inclusive");
    assert_eq!(u64::try_from(d0 + d1).unwrap(), sent);
    for (i, s) in p.servers.iter().enumerate() {
        let i8 = u8::try_from(i).unwrap();
        let rx = p
            .net
            .node::<Host>(*s)
            .unwrap()
            .app()
            .rx(CLIENT, u32::from(i8))
            .unwrap();
        // The frame sent at 45 s is still on the wire.
        assert_eq!(
            (rx.unique, rx.duplicates, rx.missing()),
            (1000, 0, 0),
            "srv{i}: {rx:?}"
        );
        let back = client(&p).host().rx(server(i8 + 1), 0).unwrap();
        assert_eq!(
            (back.unique, back.duplicates, back.missing()),
            (900, 0, 0),
            "{back:?}"
        );
    }
}

#[test]
fn a_flood_through_both_switches_is_reported_as_duplicate_delivery() {
    // The servers speak first: the bridge floods their frames to both switches, and each
    // sends a copy to the client on its own member link. Without the MLAG peer link's split
    // horizon this is what two switches of one LACP system do, and the checker must say so.
    let start = Instant::from_secs(35);
    let mut p = pair(15, true, start + Duration::from_secs(1), start);
    p.net.run_until(start + Duration::from_millis(100));
    let dups: Vec<_> = p
        .net
        .violations()
        .iter()
        .filter_map(|v| match v.kind {
            mlag_core::sim::ViolationKind::DuplicateDelivery { node, origin, .. } => {
                Some((node, origin.node))
            }
            _ => None,
        })
        .collect();
    assert!(!dups.is_empty());
    assert!(
        dups.iter()
            .all(|(n, from)| *n == p.client && p.servers.contains(from))
    );
    // The client's host did receive those copies twice.
    let rx = client(&p).host().rx(server(1), 0).unwrap();
    assert!(rx.duplicates > 0, "{rx:?}");
}

#[test]
fn switches_of_two_systems_leave_one_link_out() {
    // The contrast: without a shared system id the client sees two partners, puts the links
    // in two aggregators and distributes on one only (802.1AX-2014 §6.4.14.1).
    let mut p = pair(12, false, Instant::from_secs(35), Instant::from_secs(36));
    p.net.run_until(Instant::from_secs(10));
    let lag = client(&p).system().lag(CLIENT_LAG).unwrap();
    assert_eq!(lag.aggregators, 2);
    assert_eq!(lag.ports_distributing, 1);
    assert_eq!(client(&p).distributing().count(), 1);
}

#[test]
fn member_cut_keeps_the_bond_on_the_other_link_with_bounded_loss() {
    let start = Instant::from_secs(35);
    let mut p = pair(13, true, start, start + Duration::from_secs(1));
    p.net.run_until(Instant::from_secs(40));
    p.net.set_invariants(Invariants {
        black_hole: Some((Duration::from_millis(200), start + Duration::from_secs(1))),
        ..Invariants::default()
    });
    p.net
        .schedule(Instant::from_secs(41), Fault::Cut(p.members[0]));
    p.net
        .schedule(Instant::from_secs(46), Fault::Restore(p.members[0]));
    p.net.run_until(Instant::from_secs(43));
    assert_eq!(client(&p).distributing().collect::<Vec<_>>(), [PortNo(2)]);
    assert!(client(&p).system().lag(CLIENT_LAG).unwrap().up);
    p.net.run_until(Instant::from_secs(50));
    assert_eq!(client(&p).distributing().count(), 2, "the link came back");
    assert!(p.net.violations().is_empty(), "{:?}", p.net.violations());
    // Carrier loss takes the member out at once: the client loses only frames on the wire;
    // the servers' frames towards the client lose what the bridge still sent to switch 0
    // before relearning the client behind switch 1.
    for (i, s) in p.servers.iter().enumerate() {
        let i8 = u8::try_from(i).unwrap();
        let rx = p
            .net
            .node::<Host>(*s)
            .unwrap()
            .app()
            .rx(CLIENT, u32::from(i8))
            .unwrap();
        println!("client -> srv{i}: {rx:?}");
        assert!(rx.missing() <= 1, "{rx:?}");
        assert_eq!(rx.duplicates, 0);
        let back = client(&p).host().rx(server(i8 + 1), 0).unwrap();
        println!("srv{i} -> client: {back:?}");
        assert!(back.missing() <= 2, "{back:?}");
        assert!(back.longest_gap <= Duration::from_millis(100), "{back:?}");
        assert_eq!(back.duplicates, 0);
    }
}

#[test]
fn switch_power_off_and_restart_and_hang() {
    let mut p = pair(14, true, Instant::from_secs(1000), Instant::from_secs(1000));
    p.net.run_until(Instant::from_secs(10));
    assert_eq!(client(&p).distributing().count(), 2);
    // Power off: carrier loss, the client drops the member at once.
    p.net.crash(p.switches[0], CrashMode::PowerOff);
    assert!(!p.net.link_up(p.members[0]));
    assert_eq!(client(&p).distributing().collect::<Vec<_>>(), [PortNo(2)]);
    p.net.run_until(Instant::from_secs(20));
    // Restart from scratch: it renegotiates.
    p.net.restart(p.switches[0]);
    assert!(p.net.link_up(p.members[0]));
    p.net.run_until(Instant::from_secs(25));
    assert_eq!(client(&p).distributing().count(), 2);
    let sw = p.net.node::<LacpSwitch>(p.switches[0]).unwrap();
    assert_eq!(sw.stats().restarts, 1);
    assert!(sw.system().port(PortNo(1)).unwrap().distributing);
    // Hang: the link stays up; the client's short timeout (3 s) expires the partner.
    p.net.crash(p.switches[1], CrashMode::Hang);
    assert!(p.net.link_up(p.members[1]));
    p.net.run_until(Instant::from_secs(26));
    assert_eq!(client(&p).distributing().count(), 2, "not yet timed out");
    p.net.run_until(Instant::from_secs(30));
    assert_eq!(client(&p).distributing().collect::<Vec<_>>(), [PortNo(1)]);
    p.net.restart(p.switches[1]);
    p.net.run_until(Instant::from_secs(35));
    assert_eq!(client(&p).distributing().count(), 2);
}

/// Hangs switch 0 for one second (less than the client's 3 s timeout) and restarts it, from a
/// snapshot of its LACP state or from scratch; returns the custom-check violations of "the
/// client distributes on both links", checked after every step.
fn hang_and_restart(from_snapshot: bool) -> Vec<mlag_core::sim::Violation> {
    let mut p = pair(16, true, Instant::from_secs(1000), Instant::from_secs(1000));
    p.net
        .with_node::<LacpSwitch, _>(p.switches[0], |s, _| {
            s.set_restart_from_snapshot(from_snapshot);
        })
        .unwrap();
    p.net.run_until(Instant::from_secs(10));
    assert_eq!(client(&p).distributing().count(), 2);
    let c = p.client;
    p.net
        .add_check("client distributes on both links", move |n| {
            let k = n.node::<LacpClient>(c).unwrap().distributing().count();
            if k == 2 {
                Ok(())
            } else {
                Err(format!("{k} links"))
            }
        });
    p.net.schedule_plan([
        (
            Instant::from_secs(20),
            Fault::Crash(p.switches[0], CrashMode::Hang),
        ),
        (Instant::from_secs(21), Fault::Restart(p.switches[0])),
    ]);
    p.net.run_until(Instant::from_secs(40));
    assert_eq!(client(&p).distributing().count(), 2, "back on both links");
    let sw = p.net.node::<LacpSwitch>(p.switches[0]).unwrap();
    assert!(sw.system().port(PortNo(1)).unwrap().distributing);
    p.net.take_violations()
}

#[test]
fn switch_restart_from_a_snapshot_is_hitless_and_from_scratch_is_not() {
    let hitless = hang_and_restart(true);
    assert!(hitless.is_empty(), "{hitless:?}");
    let scratch = hang_and_restart(false);
    assert_eq!(scratch.len(), 1, "{scratch:?}");
    assert!(scratch[0].at >= Instant::from_secs(21));
}
