//! The RouterOS Quick setup in virtual time: Peer1 and Peer2 wired by their peer-ports (with
//! a one-way delay), a client (this project's `lacp::System`) with one link to each peer's
//! `client-bond`, and a backup keepalive path; either peer can die, any link can be cut.
//! Shared by the tests of the client's view.
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
use mlag_core::dataplane::{Call, MlagId, RecordingDataplane};

/// The coordinator under test.
pub type C = Coordinator<RecordingDataplane>;

/// A 10 Gbit/s full-duplex carrier.
pub const UP: LinkState = LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};
/// The Quick setup's `mlag-id`.
pub const ID: MlagId = MlagId(10);
/// The client's system MAC.
pub const CLIENT: MacAddr = MacAddr([2, 0, 0, 0, 0xc, 0]);

/// The Quick setup pair and its client.
pub struct Net {
    pub now: Instant,
    pub peers: [C; 2],
    /// Each peer's `sfp-sfpplus2` (its `client-bond` slave).
    pub slave: [PortNo; 2],
    pub client: lacp::System,
    /// Client port i+1 ↔ peer i's slave; false = cut.
    pub client_link: [bool; 2],
    pub peer_link: bool,
    pub backup_link: bool,
    /// Peers alive (a dead peer neither sends nor receives).
    pub alive: [bool; 2],
    /// One-way delay of the peer-link (`d`).
    pub peer_delay: Duration,
    /// Frames on the peer-link: (arrival, to, frame), in order.
    pub inflight: std::collections::VecDeque<(Instant, usize, Vec<u8>)>,
    /// Every change of the client's partner (system, port number) on each port, in order.
    pub partners: [Vec<(MacAddr, u16)>; 2],
    /// The client's LACP events.
    pub client_events: Vec<lacp::Event>,
    /// The client speaks (its frames are carried both ways); false: a host without LACP on
    /// the same links (carrier up, nothing sent or answered).
    pub client_speaks: bool,
}

impl Net {
    pub fn new(opts: [Options; 2]) -> Self {
        Self::with_configs([Config::quick_setup(1), Config::quick_setup(2)], opts)
    }

    pub fn with_configs(cfgs: [Config; 2], opts: [Options; 2]) -> Self {
        let now = Instant::ZERO;
        let [o1, o2] = opts;
        let [c1, c2] = cfgs;
        let mk = |c: Config, o: &Options| {
            C::new(c.validate().unwrap(), RecordingDataplane::new(), o, now).unwrap()
        };
        let mut peers = [mk(c1, &o1), mk(c2, &o2)];
        let slave = [0, 1].map(|i| {
            let v = peers[i].config();
            v.port_no(v.find("sfp-sfpplus2").unwrap())
        });
        for (i, c) in peers.iter_mut().enumerate() {
            let pp = c.peer_port();
            c.handle_link(now, pp, UP);
            c.handle_link(now, slave[i], UP);
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
        Self {
            now,
            peers,
            slave,
            client,
            client_link: [true; 2],
            peer_link: true,
            backup_link: true,
            alive: [true; 2],
            peer_delay: Duration::ZERO,
            inflight: std::collections::VecDeque::new(),
            partners: [Vec::new(), Vec::new()],
            client_events: Vec::new(),
            client_speaks: true,
        }
    }

    pub fn deliver(&mut self) {
        let mut buf = vec![0u8; 1514];
        loop {
            let mut moved = false;
            for i in 0..2 {
                let pp = self.peers[i].peer_port();
                let calls = self.peers[i].dataplane_mut().take_calls();
                if !self.alive[i] {
                    continue;
                }
                for call in calls {
                    let Call::Transmit { port, frame } = call else {
                        continue;
                    };
                    if port == pp && self.peer_link && self.alive[1 - i] {
                        moved = true;
                        let at = self.now + self.peer_delay;
                        self.inflight.push_back((at, 1 - i, frame));
                    } else if port == self.slave[i] && self.client_link[i] && self.client_speaks {
                        moved = true;
                        let _ = self
                            .client
                            .handle_frame(self.now, PortNo(i as u16 + 1), &frame);
                    }
                }
                while let Some(n) = self.peers[i].poll_backup_transmit(&mut buf) {
                    if self.backup_link && self.alive[1 - i] {
                        moved = true;
                        let bytes = buf[..n].to_vec();
                        self.peers[1 - i].handle_backup(self.now, &bytes);
                    }
                }
            }
            while let Some(t) = self.client.poll_transmit(&mut buf) {
                let i = usize::from(t.port.0 - 1);
                if self.client_link[i] && self.alive[i] && self.client_speaks {
                    moved = true;
                    let frame = buf[..t.len].to_vec();
                    let slave = self.slave[i];
                    self.peers[i].handle_frame(self.now, slave, &frame);
                }
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            for port in 1..=2u16 {
                let p = self.client_port(port).partner;
                let log = &mut self.partners[usize::from(port - 1)];
                if log.last() != Some(&(p.system, p.port)) {
                    log.push((p.system, p.port));
                }
            }
            while self
                .inflight
                .front()
                .is_some_and(|(at, _, _)| *at <= self.now)
            {
                let (_, to, frame) = self.inflight.pop_front().unwrap();
                moved = true;
                if self.peer_link && self.alive[to] {
                    let to_pp = self.peers[to].peer_port();
                    self.peers[to].handle_frame(self.now, to_pp, &frame);
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

    /// Cuts or restores the client's link to peer `i` (both ends see the carrier change).
    pub fn set_client_link(&mut self, i: usize, up: bool) {
        self.client_link[i] = up;
        let link = if up { UP } else { LinkState::Down };
        let now = self.now;
        self.client.handle_link(now, PortNo(i as u16 + 1), link);
        let slave = self.slave[i];
        self.peers[i].handle_link(now, slave, link);
    }

    pub fn client_port(&self, port: u16) -> lacp::PortStatus {
        self.client.port(PortNo(port)).unwrap()
    }

    pub fn half(&self, i: usize) -> mlag_core::coordinator::MlagStatus {
        self.peers[i]
            .monitor()
            .mlags
            .into_iter()
            .find(|m| m.mlag_id == ID)
            .unwrap()
    }
}

/// Options with seeds 1 and 2.
pub fn default_opts() -> [Options; 2] {
    [Options::new(1), Options::new(2)]
}
