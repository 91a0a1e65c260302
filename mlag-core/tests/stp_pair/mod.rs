//! The pair as one logical STP bridge, in virtual time: Peer1 and Peer2 wired by their
//! peer-ports; a client with an LACP bond of one link to each peer and an RSTP bridge on that
//! bond; an external bridge X with one link to each peer's single-homed `ether1` (so
//! X–Peer1–peer-link–Peer2–X is a loop the logical bridge must break). Shared by the STP and
//! MSTP tests of the pair.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};
use mlag_core::config::Config;
use mlag_core::coordinator::{Coordinator, LinkState, Options};
use mlag_core::dataplane::{Call, MlagId, PortState, RecordingDataplane};
use std::collections::{BTreeSet, VecDeque};
use stp::wire::{Bpdu, BpduFrame, BridgeId, FrameKind};

pub type C = Coordinator<RecordingDataplane>;

pub const UP: LinkState = LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};
pub const SUP: stp::LinkState = stp::LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};
pub const ID: MlagId = MlagId(10);
pub const PAIR_ID: MacAddr = MacAddr([2, 0, 0, 0, 1, 0]);
pub const CLIENT: MacAddr = MacAddr([2, 0, 0, 0, 0xc, 0]);
pub const XMAC: MacAddr = MacAddr([2, 0, 0, 0, 0xe, 0]);

/// Where a peer's frame goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dest {
    Peer(usize),
    Client(u16),
    X(u16),
}

/// The pair, its client and X.
pub struct Net {
    pub now: Instant,
    pub peers: [C; 2],
    pub slave: [PortNo; 2],
    pub ether1: [PortNo; 2],
    pub client: lacp::System,
    pub client_stp: stp::Bridge,
    pub x: stp::Bridge,
    pub alive: [bool; 2],
    pub peer_link: bool,
    pub peer_delay: Duration,
    pub inflight: VecDeque<(Instant, usize, Vec<u8>)>,
    /// Bridge Identifiers in the BPDUs each peer sent, by destination.
    pub seen: BTreeSet<(String, BridgeId)>,
    /// BPDUs the client received per period (counted to prove one copy).
    pub client_bpdus: u64,
    /// Peer-link impairment: drop every n-th frame, send every m-th twice (0 = off).
    pub drop_every: u32,
    pub dup_every: u32,
    pub peer_frames: u32,
}

pub fn bridge_id_of(frame: &[u8]) -> Option<BridgeId> {
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

pub fn is_bpdu(frame: &[u8]) -> bool {
    frame.starts_with(&[0x01, 0x80, 0xc2, 0, 0, 0])
}

impl Net {
    /// The pair on `cfgs`, X an RSTP bridge of priority `x_priority`.
    pub fn new(cfgs: [Config; 2], x_priority: u16) -> Self {
        let mut xc = stp::BridgeConfig::new(XMAC);
        xc.priority = x_priority;
        Self::with_x(cfgs, stp::Bridge::new(xc).unwrap())
    }

    /// The pair on `cfgs` and X as given.
    pub fn with_x(cfgs: [Config; 2], x: stp::Bridge) -> Self {
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

    pub fn dest(&self, i: usize, port: PortNo) -> Option<Dest> {
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
    pub fn client_member(&self) -> Option<u16> {
        (1..=2u16).find(|p| self.client.port(PortNo(*p)).is_some_and(|s| s.distributing))
    }

    pub fn deliver(&mut self) {
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

    pub fn run_until(&mut self, until: Instant) {
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

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Peer `i` dies: its links go dark; the others see carrier loss.
    pub fn crash(&mut self, i: usize) {
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
    pub fn restart(&mut self, i: usize, cfg: Config) {
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

    pub fn bridge(&self, i: usize) -> &stp::Bridge {
        self.peers[i].stp().expect("a logical bridge")
    }

    /// The logical port of the MLAG, as each peer's bridge sees it: (role, state).
    pub fn mlag_port(&self, i: usize) -> (stp::Role, PortState) {
        let l = self.peers[i].stp_mlag_port(ID).unwrap();
        let p = self.bridge(i).port(l).unwrap();
        (p.role, p.state)
    }
}
