//! The pair as ONE logical MSTP bridge, in virtual time: Peer1 and Peer2 (Quick setup with
//! `protocol-mode=mstp`, region `r1` revision 1, MSTI 1 = VLAN 10, MSTI 2 = VLAN 20) wired by
//! their peer-ports; a client with an LACP bond of one link to each peer and an RSTP bridge on
//! that bond (a boundary port of the region); a plain MSTP bridge X (`stp::Bridge`, same region
//! unless a test says otherwise) with one link to each peer's single-homed `ether1`, so
//! X–Peer1–peer-link–Peer2–X is a loop each tree must break on its own.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};
use mlag_core::config::{Config, Msti, PortMstOverride, ProtocolMode};
use mlag_core::coordinator::{Coordinator, LinkState, Options};
use mlag_core::dataplane::{CIST, Call, MlagId, PortState, RecordingDataplane};
use std::collections::{BTreeSet, VecDeque};
use stp::wire::{Bpdu, BpduFrame, BridgeId, FrameKind};

type C = Coordinator<RecordingDataplane>;

const UP: LinkState = LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};
const SUP: stp::LinkState = stp::LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};
const ID: MlagId = MlagId(10);
const CLIENT: MacAddr = MacAddr([2, 0, 0, 0, 0xc, 0]);
const XMAC: MacAddr = MacAddr([2, 0, 0, 0, 0xe, 0]);

/// Where a peer's frame goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dest {
    Peer(usize),
    Client(u16),
    X(u16),
}

struct Net {
    now: Instant,
    peers: [C; 2],
    slave: [PortNo; 2],
    ether1: [PortNo; 2],
    client: lacp::System,
    client_stp: stp::Bridge,
    x: stp::Bridge,
    alive: [bool; 2],
    peer_link: bool,
    peer_delay: Duration,
    inflight: VecDeque<(Instant, usize, Vec<u8>)>,
    /// Bridge Identifiers in the BPDUs each peer sent, by destination.
    seen: BTreeSet<(String, BridgeId)>,
    /// BPDUs the client received per period (counted to prove one copy).
    client_bpdus: u64,
    /// Peer-link impairment: drop every n-th frame, send every m-th twice (0 = off).
    drop_every: u32,
    dup_every: u32,
    peer_frames: u32,
}

fn bridge_id_of(frame: &[u8]) -> Option<BridgeId> {
    let f = BpduFrame::parse(frame).ok()?;
    let FrameKind::Bpdu(b) = f.kind else {
        return None;
    };
    match Bpdu::parse(b).ok()? {
        Bpdu::Rst(r) => Some(r.bpdu.bridge_id),
        Bpdu::Config { bpdu, .. } => Some(bpdu.bridge_id),
        Bpdu::Mst(m) => Some(m.cist.bridge_id),
        Bpdu::Tcn { .. } => None,
    }
}

fn is_bpdu(frame: &[u8]) -> bool {
    frame.starts_with(&[0x01, 0x80, 0xc2, 0, 0, 0])
}

impl Net {
    fn new(cfgs: [Config; 2], x: stp::Bridge) -> Self {
        let now = Instant::ZERO;
        let [c1, c2] = cfgs;
        let mk = |c: Config, seed| {
            C::new(
                c.validate().unwrap(),
                RecordingDataplane::new(),
                &Options::new(seed),
                now,
            )
            .unwrap()
        };
        let mut peers = [mk(c1, 1), mk(c2, 2)];
        let find = |c: &C, n: &str| {
            let v = c.config();
            v.port_no(v.find(n).unwrap())
        };
        let slave = [0, 1].map(|i| find(&peers[i], "sfp-sfpplus2"));
        let ether1 = [0, 1].map(|i| find(&peers[i], "ether1"));
        for (i, c) in peers.iter_mut().enumerate() {
            let pp = c.peer_port();
            c.handle_link(now, pp, UP);
            c.handle_link(now, slave[i], UP);
            c.handle_link(now, ether1[i], UP);
        }
        let mut client = lacp::System::new(lacp::SystemConfig::new(CLIENT));
        client
            .add_lag(now, lacp::LagId(1), lacp::LagConfig::new(1))
            .unwrap();
        for port in 1..=2u16 {
            let cfg =
                lacp::PortConfig::new(MacAddr([2, 0, 0, 0, 0xc, port as u8]), lacp::LagId(1), port);
            client.add_port(now, PortNo(port), cfg).unwrap();
            client.handle_link(now, PortNo(port), UP);
        }
        let mut client_stp = stp::Bridge::new(stp::BridgeConfig::new(CLIENT)).unwrap();
        client_stp
            .add_port(now, PortNo(1), stp::PortConfig::new(CLIENT))
            .unwrap();
        client_stp.handle_link(now, PortNo(1), SUP);
        let mut x = x;
        for p in 1..=2u16 {
            x.add_port(
                now,
                PortNo(p),
                stp::PortConfig::new(MacAddr([2, 0, 0, 0, 0xe, p as u8])),
            )
            .unwrap();
            x.handle_link(now, PortNo(p), SUP);
        }
        Self {
            now,
            peers,
            slave,
            ether1,
            client,
            client_stp,
            x,
            alive: [true; 2],
            peer_link: true,
            peer_delay: Duration::from_millis(1),
            inflight: VecDeque::new(),
            seen: BTreeSet::new(),
            client_bpdus: 0,
            drop_every: 0,
            dup_every: 0,
            peer_frames: 0,
        }
    }

    fn dest(&self, i: usize, port: PortNo) -> Option<Dest> {
        if port == self.peers[i].peer_port() {
            Some(Dest::Peer(1 - i))
        } else if port == self.slave[i] {
            Some(Dest::Client(i as u16 + 1))
        } else if port == self.ether1[i] {
            Some(Dest::X(i as u16 + 1))
        } else {
            None
        }
    }

    /// The client's member a frame of its bond goes out on: the first distributing one.
    fn client_member(&self) -> Option<u16> {
        (1..=2u16).find(|p| self.client.port(PortNo(*p)).is_some_and(|s| s.distributing))
    }

    fn deliver(&mut self) {
        let mut buf = vec![0u8; 1514];
        loop {
            let mut moved = false;
            for i in 0..2 {
                let calls = self.peers[i].dataplane_mut().take_calls();
                if !self.alive[i] {
                    continue;
                }
                for call in calls {
                    let Call::Transmit { port, frame } = call else {
                        continue;
                    };
                    let Some(d) = self.dest(i, port) else {
                        continue;
                    };
                    if is_bpdu(&frame)
                        && let Some(id) = bridge_id_of(&frame)
                    {
                        self.seen.insert((format!("{d:?}"), id));
                    }
                    moved = true;
                    match d {
                        Dest::Peer(to) => {
                            if self.peer_link && self.alive[to] {
                                self.peer_frames += 1;
                                let k = self.peer_frames;
                                if self.drop_every > 0 && k.is_multiple_of(self.drop_every) {
                                    continue;
                                }
                                let at = self.now + self.peer_delay;
                                if self.dup_every > 0 && k.is_multiple_of(self.dup_every) {
                                    self.inflight.push_back((at, to, frame.clone()));
                                }
                                self.inflight.push_back((at, to, frame));
                            }
                        }
                        Dest::Client(p) => {
                            if is_bpdu(&frame) {
                                self.client_bpdus += 1;
                                let _ = self.client_stp.handle_frame(self.now, PortNo(1), &frame);
                            } else {
                                let _ = self.client.handle_frame(self.now, PortNo(p), &frame);
                            }
                        }
                        Dest::X(p) => {
                            let _ = self.x.handle_frame(self.now, PortNo(p), &frame);
                        }
                    }
                }
            }
            while let Some(t) = self.client.poll_transmit(&mut buf) {
                let i = usize::from(t.port.0 - 1);
                if self.alive[i] {
                    moved = true;
                    let frame = buf[..t.len].to_vec();
                    let slave = self.slave[i];
                    self.peers[i].handle_frame(self.now, slave, &frame);
                }
            }
            while self.client.poll_event().is_some() {}
            while let Some(t) = self.client_stp.poll_transmit(&mut buf) {
                if let Some(m) = self.client_member() {
                    let i = usize::from(m - 1);
                    if self.alive[i] {
                        moved = true;
                        let frame = buf[..t.len].to_vec();
                        let slave = self.slave[i];
                        self.peers[i].handle_frame(self.now, slave, &frame);
                    }
                }
            }
            while self.client_stp.poll_event().is_some() {}
            while let Some(t) = self.x.poll_transmit(&mut buf) {
                let i = usize::from(t.port.0 - 1);
                if self.alive[i] {
                    moved = true;
                    let frame = buf[..t.len].to_vec();
                    let e = self.ether1[i];
                    self.peers[i].handle_frame(self.now, e, &frame);
                }
            }
            while self.x.poll_event().is_some() {}
            while self
                .inflight
                .front()
                .is_some_and(|(at, _, _)| *at <= self.now)
            {
                let (_, to, frame) = self.inflight.pop_front().unwrap();
                moved = true;
                if self.peer_link && self.alive[to] {
                    let pp = self.peers[to].peer_port();
                    self.peers[to].handle_frame(self.now, pp, &frame);
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn run_until(&mut self, until: Instant) {
        loop {
            self.deliver();
            let next = self
                .peers
                .iter()
                .zip(self.alive)
                .filter(|(_, a)| *a)
                .filter_map(|(p, _)| p.poll_timeout())
                .chain(self.client.poll_timeout())
                .chain(self.client_stp.poll_timeout())
                .chain(self.x.poll_timeout())
                .chain(self.inflight.front().map(|(at, _, _)| *at))
                .min();
            match next {
                Some(t) if t <= until => {
                    self.now = t.max(self.now);
                    for (p, a) in self.peers.iter_mut().zip(self.alive) {
                        if a {
                            p.handle_timeout(self.now);
                        }
                    }
                    self.client.handle_timeout(self.now);
                    if self
                        .client_stp
                        .poll_timeout()
                        .is_some_and(|t| t <= self.now)
                    {
                        self.client_stp.handle_timeout(self.now);
                    }
                    if self.x.poll_timeout().is_some_and(|t| t <= self.now) {
                        self.x.handle_timeout(self.now);
                    }
                }
                _ => break,
            }
        }
        self.now = until.max(self.now);
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Peer `i` dies: its links go dark; the others see carrier loss.
    fn crash(&mut self, i: usize) {
        self.alive[i] = false;
        let now = self.now;
        let o = 1 - i;
        let pp = self.peers[o].peer_port();
        self.peers[o].handle_link(now, pp, LinkState::Down);
        self.client
            .handle_link(now, PortNo(i as u16 + 1), LinkState::Down);
        self.x
            .handle_link(now, PortNo(i as u16 + 1), stp::LinkState::Down);
    }

    /// Peer `i` boots again with `cfg` (a new coordinator, every link up).
    fn restart(&mut self, i: usize, cfg: Config) {
        let now = self.now;
        self.alive[i] = true;
        let mut c = C::new(
            cfg.validate().unwrap(),
            RecordingDataplane::new(),
            &Options::new(100 + i as u64),
            now,
        )
        .unwrap();
        let pp = c.peer_port();
        c.handle_link(now, pp, UP);
        c.handle_link(now, self.slave[i], UP);
        c.handle_link(now, self.ether1[i], UP);
        self.peers[i] = c;
        let o = 1 - i;
        let opp = self.peers[o].peer_port();
        self.peers[o].handle_link(now, opp, UP);
        self.client.handle_link(now, PortNo(i as u16 + 1), UP);
        self.x.handle_link(now, PortNo(i as u16 + 1), SUP);
    }

    fn bridge(&self, i: usize) -> &stp::Bridge {
        self.peers[i].stp().expect("a logical bridge")
    }

    /// The logical port of the MLAG, as each peer's bridge sees it: (role, state).
    fn mlag_port(&self, i: usize) -> (stp::Role, PortState) {
        let l = self.peers[i].stp_mlag_port(ID).unwrap();
        let p = self.bridge(i).port(l).unwrap();
        (p.role, p.state)
    }
}
const REGION: &str = "r1";
const MSTI_A: u16 = 1; // VLAN 10: the pair is its regional root
const MSTI_B: u16 = 2; // VLAN 20: X is its regional root

/// Both peers in MSTP with the two MSTIs; the pair has priority 0x1000 on MSTI 1, 0x8000 on
/// MSTI 2. Peer2's `ether1` has a lower internal path cost on MSTI 2 than auto (2000 at
/// 10 Gb/s, 802.1Q Table 13-4), so the pair's MSTI 2 root port is Peer2's — the secondary's
/// port, whose override reaches the primary's bridge through the relay.
fn mstp_pair(region: &str) -> [Config; 2] {
    [1, 2].map(|p| {
        let mut c = Config::quick_setup(p);
        c.bridges[0].protocol_mode = ProtocolMode::Mstp;
        c.bridges[0].region_name = region.to_string();
        c.bridges[0].region_revision = 1;
        let mut a = Msti::new("bridge1", MSTI_A, &[10]);
        a.priority = 0x1000;
        c.mstis = vec![a, Msti::new("bridge1", MSTI_B, &[20])];
        if p == 2 {
            let mut o = PortMstOverride::new("ether1", MSTI_B);
            o.internal_path_cost = Some(1000);
            c.port_mst_overrides.push(o);
        }
        c
    })
}

/// The region's VLAN map as `stp` builds it alone.
fn table() -> stp::wire::VidToMstid {
    let mut t = stp::wire::VidToMstid::all_cist();
    t.set(10, MSTI_A);
    t.set(20, MSTI_B);
    t
}

/// A plain MSTP bridge in region `region` (revision 1, same map), regional root of MSTI 2.
fn x_bridge(region: &str) -> stp::Bridge {
    let mut xc = stp::BridgeConfig::new(XMAC);
    xc.force_version = stp::ForceVersion::Mstp;
    let mut x = stp::Bridge::new(xc).unwrap();
    x.set_mst_region(region, 1, &table()).unwrap();
    x.set_msti_priority(Instant::ZERO, MSTI_B, 0x1000).unwrap();
    x
}

fn converged(region: &str) -> Net {
    let mut n = Net::new(mstp_pair(REGION), x_bridge(region));
    n.run_for(Duration::from_secs(40));
    n
}

fn dp(n: &Net, i: usize, port: PortNo, tree: u16) -> PortState {
    n.peers[i].dataplane().port_state(port, tree)
}

/// The ports of the loop X–Peer1–peer-link–Peer2–X on `tree`, forwarding or not: X's two
/// ports and each peer's `ether1` in its dataplane (the peer-link forwards on every tree).
fn loop_states(n: &Net, tree: u16) -> [bool; 4] {
    let x = |p: u16| {
        let s = if tree == CIST {
            n.x.port(PortNo(p)).unwrap().state
        } else {
            n.x.msti_port(PortNo(p), tree).unwrap().1
        };
        s == PortState::Forwarding
    };
    [
        x(1),
        x(2),
        dp(n, 0, n.ether1[0], tree) == PortState::Forwarding,
        dp(n, 1, n.ether1[1], tree) == PortState::Forwarding,
    ]
}

#[test]
fn one_region_both_peers_and_the_neighbour_compute_the_same_identifier() {
    let n = converged(REGION);
    let want = stp::wire::MstConfigId::new(REGION, 1, &table());
    for i in 0..2 {
        assert_eq!(*n.bridge(i).mst_config_id(), want, "peer {i}");
        assert_eq!(
            n.bridge(i).mstids().collect::<Vec<_>>(),
            vec![MSTI_A, MSTI_B]
        );
    }
    assert_eq!(n.x.mst_config_id().digest, want.digest, "X's digest");
    assert_eq!(
        n.bridge(0).fingerprint(),
        n.bridge(1).fingerprint(),
        "the replica runs the primary's bridge"
    );
    // X sees the pair inside its region on both links.
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(false), "X port {p}");
    }
    // The MLAG port faces an RSTP client: a boundary port.
    let l = n.peers[0].stp_mlag_port(ID).unwrap();
    assert_eq!(n.bridge(0).is_boundary_port(l), Some(true));
}

#[test]
fn per_msti_roots_are_honoured_and_each_tree_is_loop_free() {
    let n = converged(REGION);
    let pair = n.bridge(0);
    assert!(pair.tree().is_root, "CIST: the pair (lower MAC)");
    assert!(
        pair.msti(MSTI_A).unwrap().is_root,
        "MSTI 1: the pair (0x1000)"
    );
    assert!(!pair.msti(MSTI_B).unwrap().is_root);
    assert!(n.x.msti(MSTI_B).unwrap().is_root, "MSTI 2: X (0x1000)");
    assert!(!n.x.msti(MSTI_A).unwrap().is_root);
    // Exactly one port of the loop discards on every tree: loop-free, nothing cut off.
    for tree in [CIST, MSTI_A, MSTI_B] {
        let s = loop_states(&n, tree);
        assert_eq!(
            s.iter().filter(|f| !**f).count(),
            1,
            "tree {tree}: one blocked port in {s:?}"
        );
    }
    // Per tree a different place: on MSTI 1 and the CIST X blocks its port 2; on MSTI 2 the
    // pair's root port is Peer2's ether1 (its override: internal cost 1000) and Peer1's is
    // the Alternate.
    assert_eq!(loop_states(&n, MSTI_A), [true, false, true, true]);
    assert_eq!(loop_states(&n, MSTI_B), [true, true, false, true]);
    let l2 = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(h, _)| *h == n.ether1[1])
        .unwrap()
        .1;
    assert_eq!(pair.msti(MSTI_B).unwrap().root_port, Some(l2));
    // The bridge and the dataplanes agree on every tree, both peers.
    for i in 0..2 {
        for (host, l) in n.peers[i].stp_ports() {
            for tree in [MSTI_A, MSTI_B] {
                let want = n.bridge(i).msti_port(l, tree).unwrap().1;
                assert_eq!(
                    dp(&n, i, host, tree),
                    want,
                    "peer {i} port {host:?} tree {tree}"
                );
            }
        }
        let pp = n.peers[i].peer_port();
        for tree in [CIST, MSTI_A, MSTI_B] {
            assert_eq!(dp(&n, i, pp, tree), PortState::Forwarding, "peer-port");
        }
    }
}

#[test]
fn mlag_halves_forward_on_every_msti_and_a_member_cut_keeps_them() {
    let mut n = converged(REGION);
    for i in 0..2 {
        let bond = n.peers[i].stp_ports();
        let l = n.peers[i].stp_mlag_port(ID).unwrap();
        let host = bond.iter().find(|(_, x)| *x == l).unwrap().0;
        for tree in [CIST, MSTI_A, MSTI_B] {
            assert_eq!(
                dp(&n, i, host, tree),
                PortState::Forwarding,
                "peer {i} tree {tree}"
            );
        }
    }
    // The client's link to Peer1 fails: the MLAG port stays up through Peer2's half.
    let now = n.now;
    let s = n.slave[0];
    n.peers[0].handle_link(now, s, LinkState::Down);
    n.client.handle_link(now, PortNo(1), LinkState::Down);
    n.run_for(Duration::from_secs(5));
    let l = n.peers[1].stp_mlag_port(ID).unwrap();
    let host = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(_, x)| *x == l)
        .unwrap()
        .0;
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            n.bridge(1)
                .msti_port(l, tree)
                .map_or_else(|| n.bridge(1).port(l).unwrap().state, |x| x.1),
            PortState::Forwarding,
            "bridge, tree {tree}"
        );
        assert_eq!(
            dp(&n, 1, host, tree),
            PortState::Forwarding,
            "Peer2's half, tree {tree}"
        );
    }
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(loop_states(&n, tree).iter().filter(|f| !**f).count(), 1);
    }
}

#[test]
fn a_region_mismatch_makes_the_neighbour_see_a_boundary() {
    let n = converged("other");
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(true), "X port {p}");
    }
    assert_ne!(n.x.mst_config_id(), n.bridge(0).mst_config_id());
    // Across a boundary the MSTIs follow the CIST (802.1Q-2018 §13.36): X is no MSTI 2 root
    // for the pair, which is the regional root of everything on its side.
    assert!(n.bridge(0).msti(MSTI_B).unwrap().is_root);
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}

#[test]
fn region_and_msti_priority_change_at_run_time_in_place() {
    let mut n = converged(REGION);
    // MSTI 2's priority on the pair drops below X's: the pair becomes its regional root.
    let mut cfgs = mstp_pair(REGION);
    for c in &mut cfgs {
        c.mstis[1].priority = 0;
    }
    let now = n.now;
    for (i, c) in cfgs.iter().enumerate() {
        let old = n.peers[i].config().clone();
        let new = c.clone().validate().unwrap();
        let ch = mlag_core::config::diff(&old, &new);
        n.peers[i].apply(now, new, &ch).unwrap();
    }
    n.run_for(Duration::from_secs(10));
    for i in 0..2 {
        assert!(n.bridge(i).msti(MSTI_B).unwrap().is_root, "peer {i}");
    }
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(loop_states(&n, MSTI_B), [true, false, true, true]);

    // A new region name on both peers: X (still "r1") now sees a boundary; in place, no
    // restart, the replica follows.
    let mut cfgs2 = cfgs.clone();
    for c in &mut cfgs2 {
        c.bridges[0].region_name = "r2".to_string();
    }
    let now = n.now;
    for (i, c) in cfgs2.iter().enumerate() {
        let old = n.peers[i].config().clone();
        let new = c.clone().validate().unwrap();
        let ch = mlag_core::config::diff(&old, &new);
        n.peers[i].apply(now, new, &ch).unwrap();
    }
    n.run_for(Duration::from_secs(40));
    let want = stp::wire::MstConfigId::new("r2", 1, &table());
    for i in 0..2 {
        assert_eq!(*n.bridge(i).mst_config_id(), want);
    }
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(true));
    }
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}

#[test]
fn preflight_reports_a_region_mismatch_between_the_peers() {
    let [a, mut b] = mstp_pair(REGION);
    b.bridges[0].region_revision = 2;
    let r = mlag_core::preflight::preflight(&a.validate().unwrap(), &b.validate().unwrap());
    assert!(
        r.findings
            .iter()
            .any(|f| f.mismatch == mlag_core::preflight::Mismatch::MstRegion),
        "{r:?}"
    );
    // The same configurations: no region finding.
    let [a, b] = mstp_pair(REGION);
    let r = mlag_core::preflight::preflight(&a.validate().unwrap(), &b.validate().unwrap());
    assert!(
        !r.findings
            .iter()
            .any(|f| f.mismatch == mlag_core::preflight::Mismatch::MstRegion)
    );
}

#[test]
fn without_mstp_nothing_changes() {
    // RSTP pair: no region entry, the default identifier.
    let cfgs = [1, 2].map(Config::quick_setup);
    let mut xc = stp::BridgeConfig::new(XMAC);
    xc.priority = 0x8000;
    let mut n = Net::new(cfgs, stp::Bridge::new(xc).unwrap());
    n.run_for(Duration::from_secs(40));
    assert_eq!(n.bridge(0).mstids().count(), 0);
    assert_eq!(
        *n.bridge(0).mst_config_id(),
        stp::wire::MstConfigId::new("", 0, &stp::wire::VidToMstid::all_cist())
    );
}

#[test]
fn primary_crash_the_survivor_keeps_the_region_and_every_tree() {
    let mut n = converged(REGION);
    let id = *n.bridge(0).mst_config_id();
    n.crash(0);
    n.run_for(Duration::from_secs(10));
    assert_eq!(*n.bridge(1).mst_config_id(), id, "same identifier");
    assert_eq!(
        n.x.is_boundary_port(PortNo(2)),
        Some(false),
        "still one region for X"
    );
    let l = n.peers[1].stp_mlag_port(ID).unwrap();
    for tree in [MSTI_A, MSTI_B] {
        assert_eq!(
            n.bridge(1).msti_port(l, tree).unwrap().1,
            PortState::Forwarding
        );
        // X–Peer2 is the only path left: forwarding on every tree on both ends.
        assert_eq!(
            n.x.msti_port(PortNo(2), tree).unwrap().1,
            PortState::Forwarding
        );
        assert_eq!(
            dp(&n, 1, n.ether1[1], tree),
            PortState::Forwarding,
            "tree {tree}"
        );
    }
    // The rebooted peer rejoins and replays the survivor's region.
    n.restart(0, mstp_pair(REGION)[0].clone());
    n.run_for(Duration::from_secs(60));
    assert_eq!(*n.bridge(0).mst_config_id(), id);
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(n.mlag_port(0).1, PortState::Forwarding);
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}
