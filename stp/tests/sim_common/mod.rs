//! A virtual-time network of `stp::Bridge`s joined by point-to-point links.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::type_complexity,
    clippy::ptr_arg,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::cmp::Reverse;
use core::fmt::Write as _;
use std::collections::{BTreeMap, BinaryHeap};

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::{Bridge, BridgeConfig, Event, LinkState, PortConfig, PortState, Role};

/// A link between two bridge ports.
#[derive(Clone, Debug)]
pub struct Link {
    pub a: (usize, PortNo),
    pub b: (usize, PortNo),
    pub up: bool,
    pub delay: Duration,
}

/// The network.
pub struct Net {
    pub now: Instant,
    pub bridges: Vec<Bridge>,
    pub links: Vec<Link>,
    pub events: Vec<Vec<(Instant, Event)>>,
    port_link: BTreeMap<(usize, u16), usize>,
    next_port: Vec<u16>,
    queue: BinaryHeap<Reverse<(Instant, u64, usize, u16, Vec<u8>)>>,
    seq: u64,
    pub frames: u64,
    /// A replica of bridge 0 fed the same inputs (the MLAG hot standby); its outputs must
    /// equal bridge 0's.
    pub mirror: Option<Bridge>,
    /// Frame loss: a frame is dropped when the seeded generator draws below this (per mille).
    pub loss_per_mille: u64,
    /// The generator's state (xorshift64).
    pub rng: u64,
    /// Frames dropped by `loss_per_mille` or `silent`.
    pub lost: u64,
    /// Sending ports (bridge, port number) whose frames are dropped: one direction of a link
    /// gone silent.
    pub silent: std::collections::BTreeSet<(usize, u16)>,
    /// Per (bridge, port): transmit instants in the last second (transmit hold count check).
    tx_window: BTreeMap<(usize, u16), std::collections::VecDeque<Instant>>,
}

pub fn mac(b: usize) -> MacAddr {
    MacAddr([0x02, 0, 0, 0, (b >> 8) as u8, b as u8])
}

pub fn port_mac(b: usize, p: u16) -> MacAddr {
    MacAddr([0x02, 1, (b >> 8) as u8, b as u8, (p >> 8) as u8, p as u8])
}

pub const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

impl Net {
    /// `n` bridges with default configuration; bridge `i` has address 02:00:00:00:00:i+1 …
    pub fn new(n: usize) -> Self {
        Self::with(n, |_, c| c)
    }

    /// `n` bridges configured by `f`.
    pub fn with(n: usize, f: impl Fn(usize, BridgeConfig) -> BridgeConfig) -> Self {
        let bridges = (0..n)
            .map(|i| Bridge::new(f(i, BridgeConfig::new(mac(i + 1)))).unwrap())
            .collect();
        Self {
            now: Instant::from_secs(1),
            bridges,
            links: Vec::new(),
            events: vec![Vec::new(); n],
            port_link: BTreeMap::new(),
            next_port: vec![1; n],
            queue: BinaryHeap::new(),
            seq: 0,
            frames: 0,
            mirror: None,
            tx_window: BTreeMap::new(),
            loss_per_mille: 0,
            rng: 0x2545_f491_4f6c_dd1d,
            lost: 0,
            silent: Default::default(),
        }
    }

    /// Joins bridges `a` and `b` with a new link on their next free ports; returns its index.
    pub fn link(&mut self, a: usize, b: usize) -> usize {
        self.link_with(a, b, |_, c| c)
    }

    /// As [`link`], configuring both ports with `f(bridge, config)`.
    pub fn link_with(
        &mut self,
        a: usize,
        b: usize,
        f: impl Fn(usize, PortConfig) -> PortConfig,
    ) -> usize {
        let pa = self.add_port(a, &f);
        let pb = self.add_port(b, &f);
        let id = self.links.len();
        self.links.push(Link {
            a: (a, pa),
            b: (b, pb),
            up: false,
            delay: Duration::from_millis(1),
        });
        self.port_link.insert((a, pa.get()), id);
        self.port_link.insert((b, pb.get()), id);
        self.set_link(id, true);
        id
    }

    fn add_port(&mut self, b: usize, f: &impl Fn(usize, PortConfig) -> PortConfig) -> PortNo {
        let p = self.next_port[b];
        self.next_port[b] += 1;
        let no = PortNo(p);
        let now = self.now;
        let cfg = f(b, PortConfig::new(port_mac(b, p)));
        self.bridges[b].add_port(now, no, cfg).unwrap();
        if b == 0
            && let Some(m) = &mut self.mirror
        {
            m.add_port(now, no, cfg).unwrap();
        }
        self.drain(b);
        no
    }

    /// Brings a link up or down (both ends see it at once).
    pub fn set_link(&mut self, id: usize, up: bool) {
        self.links[id].up = up;
        let state = if up { UP } else { LinkState::Down };
        let (a, b) = (self.links[id].a, self.links[id].b);
        let now = self.now;
        self.bridges[a.0].handle_link(now, a.1, state);
        self.bridges[b.0].handle_link(now, b.1, state);
        if let Some(m) = &mut self.mirror {
            for (x, p) in [a, b] {
                if x == 0 {
                    m.handle_link(now, p, state);
                }
            }
        }
        if !up {
            // A disabled port restarts its Port Transmit machine (txCount = 0).
            self.tx_window.remove(&(a.0, a.1.get()));
            self.tx_window.remove(&(b.0, b.1.get()));
            // Frames in flight on a cut link are lost.
            let keep: Vec<_> = self
                .queue
                .drain()
                .filter(|Reverse((_, _, to, port, _))| {
                    self.port_link.get(&(*to, *port)) != Some(&id)
                })
                .collect();
            self.queue.extend(keep);
        }
        self.drain(a.0);
        self.drain(b.0);
    }

    /// Collects a bridge's frames and events.
    pub fn drain(&mut self, b: usize) {
        let mut buf = [0u8; 1600];
        if b == 0
            && let Some(m) = &mut self.mirror
        {
            // The replica must say exactly what the primary says.
            let mut mb = [0u8; 1600];
            let mut primary = self.bridges[0].clone();
            loop {
                let x = primary
                    .poll_transmit(&mut buf)
                    .map(|t| (t.port, buf[..t.len].to_vec()));
                let y = m
                    .poll_transmit(&mut mb)
                    .map(|t| (t.port, mb[..t.len].to_vec()));
                assert_eq!(x, y, "replica transmits differ");
                if x.is_none() {
                    break;
                }
            }
            loop {
                let x = primary.poll_event();
                assert_eq!(x, m.poll_event(), "replica events differ");
                if x.is_none() {
                    break;
                }
            }
            assert_eq!(primary.fingerprint(), m.fingerprint());
        }
        let mut kinds = std::collections::BTreeSet::new();
        while let Some(t) = self.bridges[b].poll_transmit(&mut buf) {
            // A port's BPDUs of one kind queued before a poll go out as one frame (the crate
            // docs: the Port Transmit machine replaces a BPDU that has not left); only TCNs
            // are notifications of their own. (Octets 17.. are the BPDU: protocol identifier,
            // version, type.)
            let (version, ty) = (buf[19], buf[20]);
            assert!(
                ty == 0x80 || kinds.insert((t.port.get(), version, ty)),
                "bridge {b} port {} sent two BPDUs of version {version} type {ty:#x} in one poll",
                t.port.get()
            );
            // 802.1D-2004 §17.26: at most TxHoldCount BPDUs per second (plus the one the
            // decrement at the end of the second lets through).
            let hold = usize::from(self.bridges[b].config().tx_hold_count);
            let w = self.tx_window.entry((b, t.port.get())).or_default();
            while w
                .front()
                .is_some_and(|&at| at + Duration::from_secs(1) <= self.now)
            {
                w.pop_front();
            }
            w.push_back(self.now);
            assert!(
                w.len() <= hold + 1,
                "bridge {b} port {} sent {} BPDUs within 1 s: {w:?}",
                t.port.get(),
                w.len()
            );
            let Some(&id) = self.port_link.get(&(b, t.port.get())) else {
                continue;
            };
            let l = &self.links[id];
            if !l.up {
                continue;
            }
            if self.silent.contains(&(b, t.port.get())) {
                self.lost += 1;
                continue;
            }
            let (to, port) = if l.a == (b, t.port) { l.b } else { l.a };
            let delay = l.delay;
            if self.loss_per_mille > 0 {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                if self.rng % 1000 < self.loss_per_mille {
                    self.lost += 1;
                    continue;
                }
            }
            self.seq += 1;
            self.queue.push(Reverse((
                self.now + delay,
                self.seq,
                to,
                port.get(),
                buf[..t.len].to_vec(),
            )));
        }
        while let Some(e) = self.bridges[b].poll_event() {
            self.events[b].push((self.now, e));
        }
        self.bridges[b].check_invariants().unwrap();
    }

    /// The next instant something happens.
    pub fn next_time(&self) -> Option<Instant> {
        let q = self.queue.peek().map(|Reverse((t, ..))| *t);
        let t = self.bridges.iter().filter_map(Bridge::poll_timeout).min();
        match (q, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances to the next event not later than `limit`; false if none.
    pub fn step(&mut self, limit: Instant) -> bool {
        let Some(t) = self.next_time() else {
            self.now = limit;
            return false;
        };
        if t > limit {
            self.now = limit;
            return false;
        }
        self.now = self.now.max(t);
        while let Some(Reverse((at, ..))) = self.queue.peek() {
            if *at > self.now {
                break;
            }
            let Reverse((_, _, to, port, frame)) = self.queue.pop().unwrap();
            self.frames += 1;
            let now = self.now;
            let r = self.bridges[to].handle_frame(now, PortNo(port), &frame);
            if to == 0
                && let Some(m) = &mut self.mirror
            {
                assert_eq!(m.handle_frame(now, PortNo(port), &frame), r);
            }
            self.drain(to);
        }
        for b in 0..self.bridges.len() {
            if self.bridges[b]
                .poll_timeout()
                .is_some_and(|t| t <= self.now)
            {
                let now = self.now;
                self.bridges[b].handle_timeout(now);
                if b == 0
                    && let Some(m) = &mut self.mirror
                {
                    m.handle_timeout(now);
                }
                self.drain(b);
            }
        }
        true
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let limit = self.now + d;
        let mut steps = 0u64;
        while self.step(limit) {
            steps += 1;
            assert!(steps < 10_000_000, "simulation does not settle");
        }
    }

    /// The role and state of a link end.
    pub fn end(&self, (b, p): (usize, PortNo)) -> (Role, PortState) {
        let s = self.bridges[b].port(p).unwrap();
        (s.role, s.state)
    }

    /// Checks the spanning tree invariants: in each connected component (over up links) every
    /// bridge agrees on one root, the root is the best bridge of the component, the links whose
    /// both ends forward form a spanning tree of the component (no loop, all reachable), and
    /// every up link has at most one discarding end… or both (an alternate facing a designated
    /// that is still syncing is not allowed once quiet).
    pub fn check_tree(&self) -> Result<(), String> {
        let n = self.bridges.len();
        let mut comp = (0..n).collect::<Vec<_>>();
        fn find(c: &mut Vec<usize>, x: usize) -> usize {
            let mut r = x;
            while c[r] != r {
                r = c[r];
            }
            c[x] = r;
            r
        }
        for l in self.links.iter().filter(|l| l.up) {
            let (ra, rb) = (find(&mut comp, l.a.0), find(&mut comp, l.b.0));
            comp[ra] = rb;
        }
        let mut fwd = (0..n).collect::<Vec<_>>();
        let mut report = String::new();
        for (i, l) in self.links.iter().enumerate().filter(|(_, l)| l.up) {
            let (ra, sa) = self.end(l.a);
            let (rb, sb) = self.end(l.b);
            let fa = sa == PortState::Forwarding;
            let fb = sb == PortState::Forwarding;
            if !fa && !fb {
                let _ = writeln!(
                    report,
                    "link {i}: both ends discard ({ra:?}/{sa:?} vs {rb:?}/{sb:?})"
                );
            }
            if fa && fb {
                let (x, y) = (find(&mut fwd, l.a.0), find(&mut fwd, l.b.0));
                if x == y {
                    let _ = writeln!(report, "link {i}: forwarding loop");
                }
                fwd[x] = y;
            }
            let desig = [ra, rb].iter().filter(|r| **r == Role::Designated).count();
            if desig != 1 {
                let _ = writeln!(report, "link {i}: {desig} designated ends ({ra:?}, {rb:?})");
            }
        }
        for x in 0..n {
            for y in 0..n {
                if find(&mut comp, x) == find(&mut comp, y) {
                    if find(&mut fwd, x) != find(&mut fwd, y) {
                        let _ = writeln!(
                            report,
                            "bridges {x} and {y} connected but not through the tree"
                        );
                    }
                    let (tx, ty) = (self.bridges[x].tree(), self.bridges[y].tree());
                    if tx.root_priority.root != ty.root_priority.root {
                        let _ = writeln!(report, "bridges {x} and {y} disagree on the root");
                    }
                }
            }
            // The root of a component is its best bridge.
            let best = (0..n)
                .filter(|&y| find(&mut comp, x) == find(&mut comp, y))
                .map(|y| self.bridges[y].bridge_id())
                .min()
                .unwrap();
            if self.bridges[x].tree().root_priority.root != best {
                let _ = writeln!(
                    report,
                    "bridge {x}: root is not the best bridge of its component"
                );
            }
        }
        if report.is_empty() {
            Ok(())
        } else {
            Err(report + &self.dump())
        }
    }

    /// A table of every port.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for (i, b) in self.bridges.iter().enumerate() {
            let t = b.tree();
            let _ = writeln!(
                s,
                "bridge {i} {:?} root {:?} cost {} rp {:?}",
                b.bridge_id(),
                t.root_priority.root,
                t.root_priority.root_path_cost,
                t.root_port
            );
            for p in b.ports() {
                let _ = writeln!(
                    s,
                    "  port {} {:?} {:?} rstp={} edge={} info={:?} {:?}",
                    p.port.get(),
                    p.role,
                    p.state,
                    p.send_rstp,
                    p.oper_edge,
                    p.info_is,
                    p.machines
                );
                let _ = writeln!(s, "    {}", b.explain(p.port, 0).unwrap());
            }
        }
        s
    }
}

/// xorshift64*: the random topologies' and schedules' generator (seeded, deterministic).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Runs `net` for `secs` seconds, then panics with the report if the tree is not sound.
pub fn settle(net: &mut Net, secs: u64) {
    net.run_for(Duration::from_secs(secs));
    if let Err(e) = net.check_tree() {
        panic!("after {secs} s:\n{e}");
    }
}
