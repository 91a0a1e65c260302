//! A tiny virtual-time network of `lacp::System`s for integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet};

use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::wire::{PortState, SlowPdu};
use lacp::*;

pub const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

/// `(system index, port)`.
pub type End = (usize, PortNo);

#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Instant,
    pub from: End,
    pub frame: Vec<u8>,
}

pub struct Net {
    pub systems: Vec<System>,
    pub now: Instant,
    pub delay: Duration,
    pub wires: BTreeMap<End, End>,
    /// Frames sent from these ends are lost.
    pub cut: BTreeSet<End>,
    in_flight: Vec<(Instant, End, Vec<u8>)>,
    pub sent: Vec<Sent>,
    pub events: Vec<(Instant, usize, Event)>,
    pub steps: usize,
}

pub fn mac(sys: u8, port: u8) -> MacAddr {
    MacAddr([0x02, 0, 0, 0, sys, port])
}

pub fn system(id: u8) -> System {
    System::new(SystemConfig::new(MacAddr([0x02, 0, 0, 0, id, 0])))
}

impl Net {
    pub fn new(systems: Vec<System>) -> Self {
        Self {
            systems,
            now: Instant::from_secs(1000),
            delay: Duration::from_millis(1),
            wires: BTreeMap::new(),
            cut: BTreeSet::new(),
            in_flight: Vec::new(),
            sent: Vec::new(),
            events: Vec::new(),
            steps: 0,
        }
    }

    /// Wires two ends together (both directions) and brings the links up.
    pub fn wire(&mut self, a: End, b: End) {
        self.wires.insert(a, b);
        self.wires.insert(b, a);
        let now = self.now;
        self.systems[a.0].handle_link(now, a.1, UP);
        self.systems[b.0].handle_link(now, b.1, UP);
        self.drain();
    }

    pub fn link(&mut self, end: End, link: LinkState) {
        let now = self.now;
        self.systems[end.0].handle_link(now, end.1, link);
        self.drain();
    }

    /// Drains every system's transmits and events.
    pub fn drain(&mut self) {
        let mut buf = [0u8; 1514];
        for (i, s) in self.systems.iter_mut().enumerate() {
            while let Some(t) = s.poll_transmit(&mut buf) {
                let frame = buf[..t.len].to_vec();
                let from = (i, t.port);
                self.sent.push(Sent {
                    at: self.now,
                    from,
                    frame: frame.clone(),
                });
                if !self.cut.contains(&from) && self.wires.contains_key(&from) {
                    self.in_flight.push((self.now + self.delay, from, frame));
                }
            }
            while let Some(e) = s.poll_event() {
                self.events.push((self.now, i, e));
            }
            s.check_invariants().unwrap();
        }
    }

    /// Advances to the next thing that happens, but not past `until`. Returns false when
    /// `until` was reached.
    pub fn step(&mut self, until: Instant) -> bool {
        self.drain();
        let mut next = self.in_flight.iter().map(|f| f.0).min();
        for s in &self.systems {
            if let Some(t) = s.poll_timeout() {
                next = Some(next.map_or(t, |n: Instant| n.min(t)));
            }
        }
        let Some(next) = next.filter(|n| *n <= until) else {
            self.now = until.max(self.now);
            return false;
        };
        self.now = next.max(self.now);
        self.steps += 1;
        assert!(self.steps < 2_000_000, "too many steps");
        let now = self.now;
        let due: Vec<_> = {
            let (due, rest): (Vec<_>, Vec<_>) = self.in_flight.drain(..).partition(|f| f.0 <= now);
            self.in_flight = rest;
            due
        };
        for (_, from, frame) in due {
            if let Some(to) = self.wires.get(&from).copied() {
                let _ = self.systems[to.0].handle_frame(now, to.1, &frame);
            }
        }
        for s in &mut self.systems {
            s.handle_timeout(now);
        }
        self.drain();
        true
    }

    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        while self.step(until) {}
    }

    /// Runs until `cond` holds (checked after every step), at most `d`; returns the elapsed time.
    pub fn run_until(
        &mut self,
        d: Duration,
        mut cond: impl FnMut(&Self) -> bool,
    ) -> Option<Duration> {
        let start = self.now;
        let until = start + d;
        loop {
            if cond(self) {
                return Some(self.now - start);
            }
            if !self.step(until) {
                return if cond(self) {
                    Some(self.now - start)
                } else {
                    None
                };
            }
        }
    }

    pub fn port(&self, end: End) -> PortStatus {
        self.systems[end.0].port(end.1).unwrap()
    }

    pub fn distributing(&self, ends: &[End]) -> bool {
        ends.iter().all(|e| {
            let p = self.port(*e);
            p.collecting && p.distributing
        })
    }

    /// LACPDUs sent from `from`.
    pub fn lacpdus_from(&self, from: End) -> Vec<&Sent> {
        self.sent
            .iter()
            .filter(|s| s.from == from && s.frame.get(14) == Some(&1))
            .collect()
    }
}

/// Adds LAG `lag` with `key` to a system and ports `ports` (port number = PortNo).
pub fn add_lag(
    s: &mut System,
    sys: u8,
    lag: u32,
    cfg: LagConfig,
    ports: &[u16],
    pcfg: impl Fn(PortConfig) -> PortConfig,
) {
    let now = Instant::from_secs(1000);
    s.add_lag(now, LagId(lag), cfg).unwrap();
    for &p in ports {
        let c = pcfg(PortConfig::new(mac(sys, p as u8), LagId(lag), p));
        s.add_port(now, PortNo(p), c).unwrap();
    }
}

pub fn decode_lacpdu(frame: &[u8]) -> Option<lacp::wire::LacpduRepr<'_>> {
    match SlowPdu::parse_frame(frame).ok()?.1 {
        SlowPdu::Lacp(l) => Some(l),
        _ => None,
    }
}

/// Checks that in every 1 s window (ending at each transmit instant) each port sent at most 3
/// LACPDUs.
pub fn assert_rate_limit(sent: &[Sent]) {
    let mut by_port: BTreeMap<End, Vec<Instant>> = BTreeMap::new();
    for s in sent {
        if s.frame.get(14) == Some(&1) {
            by_port.entry(s.from).or_default().push(s.at);
        }
    }
    for (end, times) in by_port {
        for (i, t) in times.iter().enumerate() {
            let window_start = *t - Duration::from_secs(1);
            let n = times[..=i].iter().filter(|x| **x > window_start).count();
            assert!(
                n <= 3,
                "port {end:?} sent {n} LACPDUs in the second before {t:?}"
            );
        }
    }
}

pub fn sync_bits(p: &PortStatus) -> (bool, bool, bool) {
    let s = p.actor.state;
    (
        s.contains(PortState::SYNCHRONIZATION),
        s.contains(PortState::COLLECTING),
        s.contains(PortState::DISTRIBUTING),
    )
}
