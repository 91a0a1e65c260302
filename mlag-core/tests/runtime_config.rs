//! Run-time configuration (`Coordinator::apply`) in the simulator, with traffic: an MLAG bond
//! and its client added on both peers seconds apart (either order), then removed; an mlag-id
//! changed; a bridge port with an STP neighbour added; a bond slave added and removed; a VLAN
//! taken off a port. Every run checks the network's invariants (no duplicate delivery, no
//! forwarding loop).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo, VlanId};
use mlag_core::config::{Bond, BridgePort, BridgeVlan, Change, Config, Ethernet, ValidConfig};
use mlag_core::coordinator::Error;
use mlag_core::dataplane::{MlagId, NextHop};
use mlag_core::preflight::{Mismatch, Severity};
use mlag_core::sim::{
    CLIENT_LAG, Host, LacpClient, LacpClientConfig, LinkParams, MlagPeer, NodeId, QuickSetup,
    QuickSetupParams, StpBridge, StreamConfig,
};

const CLIENT2: MacAddr = MacAddr([2, 0, 0, 0, 0xd, 0]);
const NEW_ID: u32 = 20;

/// The Quick setup with a spare interface `sfp-sfpplus3` on each peer (wired to a second
/// client that nothing uses yet) and `ether2` (wired later as the test needs).
fn params(seed: u64) -> QuickSetupParams {
    let mut p = QuickSetupParams::new(seed);
    for (i, c) in p.configs.iter_mut().enumerate() {
        let peer = i as u8 + 1;
        c.ethernet.push(Ethernet::new(
            "sfp-sfpplus3",
            MacAddr([2, 0, 0, 0, peer, 4]),
        ));
        c.ethernet
            .push(Ethernet::new("ether2", MacAddr([2, 0, 0, 0, peer, 5])));
    }
    p
}

/// `c` with `client2-bond` (slave `sfp-sfpplus3`, mlag-id `id`) in the bridge, VLAN 10.
fn with_client2(c: &Config, id: u32) -> Config {
    let mut c = c.clone();
    c.bonds
        .push(Bond::lacp("client2-bond", &["sfp-sfpplus3"]).with_mlag_id(id));
    c.ports
        .push(BridgePort::new("bridge1", "client2-bond").with_pvid(10));
    c
}

fn valid(c: &Config) -> ValidConfig {
    c.validate().unwrap()
}

struct Rig {
    q: QuickSetup,
    client2: NodeId,
    /// host1's stream to the second client.
    to_client2: u32,
}

/// The Quick setup, converged, with the second client wired to both peers' `sfp-sfpplus3`
/// and streams between it and host1 from `traffic` on.
fn rig(seed: u64, traffic: Instant) -> Rig {
    rig_links(seed, traffic, 2)
}

/// As [`rig`]; with `links` 3 the second client's third link goes to peer 1's `ether2`.
fn rig_links(seed: u64, traffic: Instant, links: u16) -> Rig {
    let mut q = QuickSetup::build(params(seed)).unwrap();
    let mut cc = LacpClientConfig::new(CLIENT2, links);
    cc.fast = true;
    let mut client = LacpClient::new(cc).unwrap();
    let ms = Duration::from_millis(1);
    client
        .host_mut()
        .add_stream(StreamConfig::new(host1_mac(), ms, traffic));
    let client2 = q.net.add_node("client2", client);
    for (i, port) in [PortNo(1), PortNo(2)].into_iter().enumerate() {
        let peer = q.peers[i];
        let cfg = q.peer(i).unwrap().coordinator().config().clone();
        let sfp3 = cfg.port_no(cfg.find("sfp-sfpplus3").unwrap());
        q.net
            .connect((client2, port), (peer, sfp3), LinkParams::gigabit());
    }
    if links == 3 {
        let cfg = q.peer(0).unwrap().coordinator().config().clone();
        let e2 = cfg.port_no(cfg.find("ether2").unwrap());
        q.net.connect(
            (client2, PortNo(3)),
            (q.peers[0], e2),
            LinkParams::gigabit(),
        );
    }
    let h1 = q.hosts[0];
    let to_client2 = q
        .net
        .with_node::<Host, _>(h1, |h, _| {
            h.app_mut()
                .add_stream(StreamConfig::new(CLIENT2, ms, traffic))
        })
        .unwrap();
    let start = q.params.traffic_start;
    q.net.run_until(start);
    assert!(q.converged(2), "Quick setup did not converge");
    Rig {
        q,
        client2,
        to_client2,
    }
}

fn host1_mac() -> MacAddr {
    mlag_core::sim::Endpoint::Host1.mac()
}

fn apply(q: &mut QuickSetup, i: usize, cfg: &Config) -> Result<Vec<Change>, Error> {
    let v = valid(cfg);
    q.net
        .with_node::<MlagPeer, _>(q.peers[i], |p, now| p.apply(now, v))
        .unwrap()
}

fn config(q: &QuickSetup, i: usize) -> Config {
    q.params.configs[i].clone()
}

fn client2(r: &Rig) -> &LacpClient {
    r.q.net.node::<LacpClient>(r.client2).unwrap()
}

/// Frames of the two client-2 streams received so far: (host1 → client2, client2 → host1),
/// with their duplicate counts.
fn client2_rx(r: &Rig) -> ((u64, u64), (u64, u64)) {
    let c = client2(r).host().rx(host1_mac(), r.to_client2).cloned();
    let h =
        r.q.net
            .node::<Host>(r.q.hosts[0])
            .unwrap()
            .app()
            .rx(CLIENT2, 0)
            .cloned();
    let f = |x: Option<mlag_core::sim::RxStats>| x.map_or((0, 0), |s| (s.unique, s.duplicates));
    (f(c), f(h))
}

#[track_caller]
fn no_violations(q: &QuickSetup) {
    assert!(q.net.violations().is_empty(), "{:#?}", q.net.violations());
}

/// Both peers' halves of `id` distribute, both report the other's half up, neither holds it.
#[track_caller]
fn dual(q: &QuickSetup, id: u32) {
    for i in 0..2 {
        let m = q.peer(i).unwrap().monitor();
        let s = m
            .mlags
            .iter()
            .find(|s| s.mlag_id == MlagId(id))
            .unwrap_or_else(|| panic!("peer {i} has no mlag {id}: {m}"));
        assert!(
            s.local_up && s.peer_up && !s.held_down,
            "peer {i}: {s:?}\n{m}"
        );
        assert_eq!(s.next_hop, NextHop::Local);
        assert!(
            !s.peer_forwarding,
            "peer {i}: split horizon open with both halves up"
        );
    }
}

/// Adds the MLAG bond of client 2 on peer `first`, then `gap` later on the other.
fn add_client2_both(seed: u64, first: usize, gap: Duration) -> Rig {
    add_client2_both_links(seed, first, gap, 2)
}

fn add_client2_both_links(seed: u64, first: usize, gap: Duration, links: u16) -> Rig {
    let t0 = Instant::from_secs(8);
    let mut r = rig_links(seed, t0 + gap + Duration::from_secs(8), links);
    r.q.net.run_until(t0);
    let c = with_client2(&config(&r.q, first), NEW_ID);
    let changes = apply(&mut r.q, first, &c).unwrap();
    assert!(changes.contains(&Change::BondAdded {
        bond: "client2-bond".into(),
        mlag_id: Some(MlagId(NEW_ID)),
    }));
    r.q.params.configs[first] = c;
    r.q.net.run_until(t0 + gap);
    let other = 1 - first;
    let c = with_client2(&config(&r.q, other), NEW_ID);
    apply(&mut r.q, other, &c).unwrap();
    r.q.params.configs[other] = c;
    r
}

fn check_client2_dual(r: &mut Rig) {
    // The client's bond comes up on both links, with the pair's system-id.
    let sys = r.q.peer(0).unwrap().view().system_id;
    let c = client2(r);
    assert_eq!(
        c.distributing().count(),
        2,
        "client2 distributing on both links"
    );
    assert_eq!(
        c.system()
            .lag(CLIENT_LAG)
            .and_then(|l| l.partner_system)
            .map(|p| p.mac),
        Some(sys)
    );
    dual(&r.q, NEW_ID);
    // The first client never noticed.
    assert_eq!(r.q.client().unwrap().stats().partner_changes, 0);
    assert_eq!(r.q.client().unwrap().distributing().count(), 2);
}

fn traffic_flows(r: &mut Rig, secs: u64) {
    let before = client2_rx(r);
    r.q.net.run_for(Duration::from_secs(secs));
    let after = client2_rx(r);
    let n = secs * 1000;
    assert!(
        after.0.0 >= before.0.0 + n - 5 && after.1.0 >= before.1.0 + n - 5,
        "traffic: before {before:?}, after {after:?}"
    );
    assert_eq!((after.0.1, after.1.1), (0, 0), "duplicates");
    no_violations(&r.q);
}

#[test]
fn mlag_added_primary_first_converges() {
    let mut r = add_client2_both(31, 0, Duration::from_secs(3));
    r.q.net.run_for(Duration::from_secs(12));
    check_client2_dual(&mut r);
    traffic_flows(&mut r, 3);
}

#[test]
fn mlag_added_secondary_first_converges() {
    let mut r = add_client2_both(32, 1, Duration::from_secs(3));
    r.q.net.run_for(Duration::from_secs(12));
    check_client2_dual(&mut r);
    traffic_flows(&mut r, 3);
}

/// While only the secondary has the bond, its half is held down (the logical bridge has no
/// port for it); while only the primary has it, its half comes up alone.
#[test]
fn one_sided_mlag_is_held_on_the_secondary_only() {
    for first in [0usize, 1] {
        let t0 = Instant::from_secs(8);
        let mut r = rig(40 + first as u64, t0 + Duration::from_secs(60));
        r.q.net.run_until(t0);
        let primary = (0..2)
            .find(|i| r.q.peer(*i).unwrap().view().role == Some(iccp::Role::Primary))
            .unwrap();
        let c = with_client2(&config(&r.q, first), NEW_ID);
        apply(&mut r.q, first, &c).unwrap();
        r.q.net.run_for(Duration::from_secs(8));
        let m = r.q.peer(first).unwrap().monitor();
        let s = m
            .mlags
            .iter()
            .find(|s| s.mlag_id == MlagId(NEW_ID))
            .unwrap();
        if first == primary {
            assert!(s.local_up && !s.held_down, "{m}");
            assert_eq!(client2(&r).distributing().count(), 1);
        } else {
            assert!(s.held_down && !s.local_up, "{m}");
            assert_eq!(client2(&r).distributing().count(), 0);
        }
        no_violations(&r.q);
    }
}

#[test]
fn mlag_removed_cleanly_and_mlag_id_changed() {
    let mut r = add_client2_both(33, 0, Duration::from_secs(1));
    r.q.net.run_for(Duration::from_secs(10));
    check_client2_dual(&mut r);
    traffic_flows(&mut r, 1);

    // mlag-id 20 → 30 on both, a second apart.
    for i in [1usize, 0] {
        let mut c = config(&r.q, i);
        c.bonds.last_mut().unwrap().mlag_id = Some(30);
        let changes = apply(&mut r.q, i, &c).unwrap();
        assert!(changes.contains(&Change::MlagIdChanged {
            bond: "client2-bond".into(),
            old: Some(MlagId(NEW_ID)),
            new: Some(MlagId(30)),
        }));
        r.q.params.configs[i] = c;
        r.q.net.run_for(Duration::from_secs(1));
    }
    r.q.net.run_for(Duration::from_secs(12));
    dual(&r.q, 30);
    for i in 0..2 {
        let p = r.q.peer(i).unwrap();
        assert!(
            p.monitor()
                .mlags
                .iter()
                .all(|s| s.mlag_id != MlagId(NEW_ID))
        );
        assert!(p.coordinator().stp_mlag_port(MlagId(NEW_ID)).is_none());
        assert!(p.coordinator().stp_mlag_port(MlagId(30)).is_some());
    }
    assert_eq!(client2(&r).distributing().count(), 2);
    traffic_flows(&mut r, 2);

    // Removed on both: the client sees its links go, nothing stale stays.
    for i in [0usize, 1] {
        let c = config(&r.q, i);
        let mut c2 = c.clone();
        c2.bonds.retain(|b| b.name != "client2-bond");
        c2.ports.retain(|p| p.interface != "client2-bond");
        let changes = apply(&mut r.q, i, &c2).unwrap();
        assert!(changes.contains(&Change::BondRemoved {
            bond: "client2-bond".into(),
            mlag_id: Some(MlagId(30)),
        }));
        r.q.params.configs[i] = c2;
        r.q.net.run_for(Duration::from_secs(2));
    }
    r.q.net.run_for(Duration::from_secs(5));
    assert_eq!(client2(&r).distributing().count(), 0);
    for i in 0..2 {
        let p = r.q.peer(i).unwrap();
        let m = p.monitor();
        assert!(m.mlags.iter().all(|s| s.mlag_id == MlagId(10)), "{m}");
        assert!(p.coordinator().stp_mlag_port(MlagId(30)).is_none());
        let dp = p.dataplane();
        assert!(dp.mlag_lport(MlagId(30)).is_none());
        assert_eq!(dp.next_hop(MlagId(30)), NextHop::Local);
        // No FDB entry of the dataplane's points at the removed bond.
        let fdb = p.coordinator().fdb();
        assert!(
            fdb.entries()
                .all(|e| e.location != mlag_core::dataplane::Location::Mlag(MlagId(30))),
            "peer {i} still has entries on mlag 30"
        );
        // The first client's MLAG carries on.
        let s = &m.mlags[0];
        assert!(s.local_up && s.peer_up && !s.held_down);
    }
    assert_eq!(r.q.client().unwrap().stats().partner_changes, 0);
    no_violations(&r.q);
}

/// A bridge port with an STP neighbour added at run time on both peers: the neighbour is a
/// bridge linked to both peers' `ether2` and to host1's side through nothing else, so the
/// pair's logical bridge must block one of the two links (a loop otherwise: peer1 — br —
/// peer2 — peer-link).
#[test]
fn bridge_port_with_stp_neighbour_added_converges_without_loop() {
    let t0 = Instant::from_secs(8);
    let mut r = rig(34, t0 + Duration::from_secs(120));
    r.q.net.run_until(t0);
    let mut bc = stp::BridgeConfig::new(MacAddr([2, 0xbb, 0, 0, 9, 0]));
    bc.priority = 0xF000;
    let mut br = StpBridge::new(bc).unwrap().with_ports(3).unwrap();
    let _ = &mut br;
    let br = r.q.net.add_node("br", br);
    let h = Host::new(MacAddr([2, 0xaa, 0, 0, 0, 9])).with_stream(StreamConfig::new(
        host1_mac(),
        Duration::from_millis(1),
        t0 + Duration::from_secs(40),
    ));
    let h = r.q.net.add_node("h9", h);
    r.q.net
        .connect((h, Host::PORT), (br, PortNo(3)), LinkParams::gigabit());
    for i in 0..2 {
        let cfg = r.q.peer(i).unwrap().coordinator().config().clone();
        let e2 = cfg.port_no(cfg.find("ether2").unwrap());
        r.q.net.connect(
            (br, PortNo(i as u16 + 1)),
            (r.q.peers[i], e2),
            LinkParams::gigabit(),
        );
    }
    r.q.net.run_for(Duration::from_secs(1));
    for i in [0usize, 1] {
        let mut c = config(&r.q, i);
        c.ports
            .push(BridgePort::new("bridge1", "ether2").with_pvid(10));
        let changes = apply(&mut r.q, i, &c).unwrap();
        assert!(changes.contains(&Change::PortAdded {
            port: "ether2".into()
        }));
        r.q.params.configs[i] = c;
        r.q.net.run_for(Duration::from_secs(2));
    }
    r.q.net.run_for(Duration::from_secs(40));
    no_violations(&r.q);
    // STP converged: the neighbour has a root port towards the pair (the pair's priority is
    // better) and one of its two links to the pair is blocked, on one side or the other.
    let b = r.q.net.node::<StpBridge>(br).unwrap().bridge().unwrap();
    let pair_root =
        r.q.peer(0)
            .unwrap()
            .coordinator()
            .stp()
            .unwrap()
            .tree()
            .root_priority
            .root;
    assert_eq!(b.tree().root_priority.root, pair_root);
    let fwd = |p: u16| b.port(PortNo(p)).unwrap().state == stp::PortState::Forwarding;
    let pair_fwd = (0..2)
        .filter(|i| {
            let p = r.q.peer(*i).unwrap();
            let cfg = p.coordinator().config();
            let e2 = cfg.port_no(cfg.find("ether2").unwrap());
            p.dataplane()
                .switch()
                .state(mlag_core::sim::LogicalPort(e2.0), stp::CIST)
                == stp::PortState::Forwarding
        })
        .count();
    let open = usize::from(fwd(1)) + usize::from(fwd(2));
    assert!(
        open + pair_fwd <= 3 && !(fwd(1) && fwd(2) && pair_fwd == 2),
        "a loop is open: neighbour {} {}, pair {pair_fwd}",
        fwd(1),
        fwd(2)
    );
    // Traffic from behind the neighbour reaches host1, once.
    r.q.net.run_for(Duration::from_secs(3));
    let rx =
        r.q.net
            .node::<Host>(r.q.hosts[0])
            .unwrap()
            .app()
            .rx(MacAddr([2, 0xaa, 0, 0, 0, 9]), 0)
            .cloned()
            .unwrap_or_default();
    assert!(rx.unique > 2500, "{rx:?}");
    assert_eq!(rx.duplicates, 0);
    no_violations(&r.q);

    // And removed again: the port leaves the logical bridge.
    for i in [0usize, 1] {
        let mut c = config(&r.q, i);
        c.ports.retain(|p| p.interface != "ether2");
        let changes = apply(&mut r.q, i, &c).unwrap();
        assert!(changes.contains(&Change::PortRemoved {
            port: "ether2".into()
        }));
        r.q.params.configs[i] = c;
    }
    r.q.net.run_for(Duration::from_secs(2));
    for i in 0..2 {
        let p = r.q.peer(i).unwrap();
        let cfg = p.coordinator().config();
        let e2 = cfg.port_no(cfg.find("ether2").unwrap());
        assert!(p.coordinator().stp_ports().iter().all(|(h, _)| *h != e2));
    }
    no_violations(&r.q);
}

/// A slave added to the running MLAG bond of client 2 (a third link, on peer 1's `ether2`),
/// then removed: the other members keep running throughout.
#[test]
fn bond_slave_added_and_removed() {
    let mut r = add_client2_both_links(35, 0, Duration::from_secs(1), 3);
    r.q.net.run_for(Duration::from_secs(10));
    let lag = |r: &Rig| client2(r).system().lag(CLIENT_LAG).unwrap();
    assert_eq!(lag(&r).ports_distributing, 2, "{:?}", lag(&r));
    dual(&r.q, NEW_ID);
    let c1 = config(&r.q, 0);
    let mut c = c1.clone();
    c.bonds.last_mut().unwrap().slaves.push("ether2".into());
    let changes = apply(&mut r.q, 0, &c).unwrap();
    assert!(changes.contains(&Change::SlaveAdded {
        bond: "client2-bond".into(),
        slave: "ether2".into()
    }));
    r.q.params.configs[0] = c;
    r.q.net.run_for(Duration::from_secs(5));
    let sys = r.q.peer(0).unwrap().view().system_id;
    assert_eq!(lag(&r).ports_distributing, 3, "{:?}", lag(&r));
    assert_eq!(lag(&r).partner_system.map(|p| p.mac), Some(sys));
    assert_eq!(client2(&r).distributing().count(), 3);
    // The two running members stayed distributing throughout.
    assert_eq!(client2(&r).stats().distributing_lost, 0);
    traffic_flows(&mut r, 1);
    let changes = apply(&mut r.q, 0, &c1).unwrap();
    assert!(changes.contains(&Change::SlaveRemoved {
        bond: "client2-bond".into(),
        slave: "ether2".into()
    }));
    r.q.params.configs[0] = c1;
    r.q.net.run_for(Duration::from_secs(5));
    assert_eq!(lag(&r).ports_distributing, 2, "{:?}", lag(&r));
    dual(&r.q, NEW_ID);
    traffic_flows(&mut r, 1);
}

/// A VLAN taken off a port flushes what was learned there in it (and only that); removing a
/// VLAN the peer-port needs is refused by validation before it can be applied. (The simulated
/// switch is VLAN-unaware: the learns are the coordinator's input, `handle_learn`.)
#[test]
fn vlan_membership_change_flushes_and_peer_port_must_keep_every_vlan() {
    let mut r = rig(36, Instant::from_secs(60));
    let (a, b) = (
        MacAddr([2, 0xaa, 0, 0, 1, 1]),
        MacAddr([2, 0xaa, 0, 0, 1, 2]),
    );
    let (v10, v20) = (VlanId::try_new(10).unwrap(), VlanId::try_new(20).unwrap());
    let peer = r.q.peers[0];
    let cfg = r.q.peer(0).unwrap().coordinator().config().clone();
    let ether1 = cfg.port_no(cfg.find("ether1").unwrap());
    r.q.net.with_node::<MlagPeer, _>(peer, |p, now| {
        p.coordinator_mut().handle_learn(now, v10, a, ether1);
        p.coordinator_mut().handle_learn(now, v20, b, ether1);
    });
    let has = |r: &Rig, v: VlanId, m: MacAddr| {
        let p = r.q.peer(0).unwrap();
        let table = p.coordinator().fdb().get(v, m).is_some();
        let dp = p
            .dataplane()
            .switch()
            .lookup(r.q.net.now(), v.get(), m)
            .is_some();
        (table, dp)
    };
    assert_eq!(has(&r, v10, a), (true, true));
    assert_eq!(has(&r, v20, b), (true, true));
    // ether1 (QuickSetupParams: pvid 10) moves to VLAN 20: what it learned in VLAN 10 goes,
    // in the table and in the dataplane.
    let mut c = config(&r.q, 0);
    for p in &mut c.ports {
        if p.interface == "ether1" {
            p.pvid = 20;
        }
    }
    let changes = apply(&mut r.q, 0, &c).unwrap();
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::MembershipChanged { port, .. } if port == "ether1"))
    );
    assert_eq!(has(&r, v10, a), (false, false));
    assert_eq!(has(&r, v20, b), (true, true));
    // A VLAN table that leaves the peer-port out of VLAN 20 (used by ether1) does not validate.
    let mut bad = c.clone();
    bad.vlans = vec![BridgeVlan::new("bridge1", &[10], &["sfp-sfpplus1"], &[])];
    assert!(bad.validate().is_err());
    // A VLAN added to peer 1's peer-port only: both peers' consistency reports show it (the
    // peer's peer-port does not carry it), as a warning.
    let mut c2 = c.clone();
    c2.vlans[0].vlan_ids.push(30);
    apply(&mut r.q, 0, &c2).unwrap();
    r.q.net.run_for(Duration::from_secs(1));
    for i in 0..2 {
        let m = r.q.peer(i).unwrap().monitor();
        let report = m.consistency.unwrap();
        let f = report
            .findings
            .iter()
            .find(|f| matches!(f.mismatch, Mismatch::PeerPortVlans { .. }))
            .unwrap_or_else(|| panic!("peer {i}: {report:#?}"));
        assert_eq!(f.severity, Severity::Warning);
        let Mismatch::PeerPortVlans { only_a, only_b } = &f.mismatch else {
            unreachable!()
        };
        let v30 = VlanId::try_new(30).unwrap();
        assert!(only_a.contains(&v30) || only_b.contains(&v30), "{f:?}");
    }
    no_violations(&r.q);
}

/// Interfaces whose host port number would move need a restart; MLAG disabled is refused.
#[test]
fn renumbering_and_disabling_need_a_restart() {
    let mut r = rig(37, Instant::from_secs(60));
    // An ethernet interface added before the others moves every bond's number.
    let mut c = config(&r.q, 0);
    c.ethernet
        .insert(0, Ethernet::new("ether0", MacAddr([2, 0, 0, 0, 1, 0x20])));
    assert_eq!(apply(&mut r.q, 0, &c), Err(Error::NeedsRestart));
    let mut c = config(&r.q, 0);
    c.mlag.bridge = None;
    assert_eq!(apply(&mut r.q, 0, &c), Err(Error::MlagDisabled));
    // Nothing changed.
    r.q.net.run_for(Duration::from_secs(2));
    assert!(r.q.converged(2));
}

/// Seeded random sequences of run-time changes on either peer (client 2's bond added as an
/// MLAG with one of two ids, as a single-homed bond, or removed), then both peers given the
/// same final configuration: the pair converges, with traffic, and no invariant broke on the
/// way (no duplicate delivery, no loop) — whatever the order and the gaps.
#[test]
fn random_change_sequences_converge() {
    for seed in 0..3u64 {
        let t0 = Instant::from_secs(8);
        let mut r = rig(50 + seed, Instant::from_secs(50));
        r.q.net.run_until(t0);
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let variant = |c: &Config, v: u64| match v {
            0 => c.clone(),
            1 => with_client2(c, NEW_ID),
            2 => with_client2(c, 30),
            _ => {
                let mut c = with_client2(c, NEW_ID);
                c.bonds.last_mut().unwrap().mlag_id = None;
                c
            }
        };
        let base = [config(&r.q, 0), config(&r.q, 1)];
        let mut steps = Vec::new();
        for _ in 0..6 {
            let peer = next(2) as usize;
            let v = next(4);
            let gap = Duration::from_millis(next(4000));
            steps.push((peer, v, gap));
            apply(&mut r.q, peer, &variant(&base[peer], v)).unwrap();
            r.q.net.run_for(gap);
        }
        // At most 6 × 4 s of changes from t0: all done by 32 s.
        r.q.net.run_until(Instant::from_secs(35));
        for (i, b) in base.iter().enumerate() {
            apply(&mut r.q, i, &variant(b, 1)).unwrap();
            r.q.params.configs[i] = variant(b, 1);
        }
        r.q.net.run_until(Instant::from_secs(51));
        assert!(
            r.q.net.violations().is_empty(),
            "seed {seed}, steps {steps:?}: {:#?}",
            r.q.net.violations()
        );
        dual(&r.q, NEW_ID);
        assert_eq!(
            client2(&r).distributing().count(),
            2,
            "seed {seed}, steps {steps:?}"
        );
        let c = r.q.client().unwrap();
        assert_eq!(c.distributing().count(), 2);
        assert_eq!(c.stats().partner_changes, 0);
        traffic_flows(&mut r, 2);
    }
}
