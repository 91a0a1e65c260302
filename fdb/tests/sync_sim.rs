//! Two tables synchronising through a lossy, reordering, duplicating channel in virtual time,
//! with restarts of either side and local changes on both. After the channel heals, each side's
//! mirror must equal the other side's owned entries exactly (none lost, none stale), for many
//! seeds. Invariants are checked after every step; the seed is printed on failure.

use core::time::Duration;
use fdb::{BondState, Fdb, FdbConfig, Flush, Kind, Learn, Location, MlagId, PeerState};
use l2_types::{Instant, MacAddr, PortNo, VlanId};

/// splitmix64: a small seeded generator for the simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy)]
struct Faults {
    loss: u64,
    dup: u64,
    delay_max_ms: u64,
}

struct Msg {
    at: Instant,
    order: u64,
    to: usize,
    bytes: Vec<u8>,
}

struct Sim {
    rng: Rng,
    now: Instant,
    nodes: [Fdb; 2],
    epochs: u32,
    channel: Vec<Msg>,
    order: u64,
    seed: u64,
    cfg: FdbConfig,
}

fn config(seed: u64) -> FdbConfig {
    let mut c = FdbConfig::new(seed, 1);
    c.ageing_time = Some(Duration::from_secs(2));
    c.entries_max = 400;
    c.journal_max = 64;
    c.sync_interval = Duration::from_millis(500);
    c.digest_interval = Duration::from_secs(5);
    c.move_dampening = None;
    c
}

impl Sim {
    fn new(seed: u64) -> Self {
        let cfg = config(seed);
        let mut rng = Rng(seed);
        let now = Instant::from_secs(1);
        let mut mk = |epoch: u32| {
            let mut c = cfg;
            c.epoch = epoch;
            c.hash_seed = rng.next();
            let mut t = Fdb::new(c).unwrap();
            t.set_peer(now, PeerState::Up);
            for id in 1..=3 {
                t.set_mlag_bond(MlagId(id), BondState::Up).unwrap();
            }
            t
        };
        let nodes = [mk(1), mk(2)];
        Self {
            rng,
            now,
            nodes,
            epochs: 2,
            channel: Vec::new(),
            order: 0,
            seed,
            cfg,
        }
    }

    fn restart(&mut self, i: usize) {
        self.epochs += 1;
        let mut c = self.cfg;
        c.epoch = self.epochs;
        c.hash_seed = self.rng.next();
        let mut t = Fdb::new(c).unwrap();
        t.set_peer(self.now, PeerState::Up);
        for id in 1..=3 {
            t.set_mlag_bond(MlagId(id), BondState::Up).unwrap();
        }
        self.nodes[i] = t;
    }

    fn random_op(&mut self) {
        let i = self.rng.below(2) as usize;
        let vid = VlanId::try_new(1 + self.rng.below(3) as u16).unwrap();
        let mac = MacAddr::from_u64(0x0200_0000_0000 | self.rng.below(150));
        let loc = match self.rng.below(10) {
            0..=4 => Location::Port(PortNo(1 + self.rng.below(4) as u16)),
            5..=8 => Location::Mlag(MlagId(1 + self.rng.below(3) as u32)),
            _ => Location::PeerPort,
        };
        let now = self.now;
        let n = &mut self.nodes[i];
        match self.rng.below(100) {
            0..=84 => {
                let _ = n.learn(now, vid, mac, loc);
            }
            85..=88 => {
                let _ = n.flush(&Flush::dynamic().on(loc));
            }
            89..=90 => {
                let _ = n.flush(&Flush::dynamic().in_vlan(vid).except(loc));
            }
            91 => {
                // A local flush of peer entries: a divergence only anti-entropy can repair.
                let _ = n.flush(&Flush::peer().in_vlan(vid));
            }
            92..=94 => {
                if loc != Location::PeerPort {
                    let _ = n.insert_static(vid, mac, loc);
                }
            }
            95..=96 => {
                let _ = n.remove_static(vid, mac);
            }
            97 => {
                let id = MlagId(1 + self.rng.below(3) as u32);
                let st = if self.rng.chance(50) {
                    BondState::Up
                } else {
                    BondState::Down
                };
                n.set_mlag_bond(id, st).unwrap();
            }
            _ => self.restart(i),
        }
    }

    fn drain(&mut self, faults: Faults) {
        let mut buf = [0u8; 600];
        for i in 0..2 {
            for _ in 0..10_000 {
                let Some(n) = self.nodes[i].poll_sync(self.now, &mut buf) else {
                    break;
                };
                if self.rng.chance(faults.loss) {
                    continue;
                }
                let copies = if self.rng.chance(faults.dup) { 2 } else { 1 };
                for _ in 0..copies {
                    let delay = 1 + self.rng.below(faults.delay_max_ms);
                    self.order += 1;
                    self.channel.push(Msg {
                        at: self.now + Duration::from_millis(delay),
                        order: self.order,
                        to: 1 - i,
                        bytes: buf[..n].to_vec(),
                    });
                }
            }
        }
    }

    fn deliver_due(&mut self) {
        let now = self.now;
        let mut due: Vec<Msg> = Vec::new();
        let mut i = 0;
        while i < self.channel.len() {
            if self.channel[i].at <= now {
                due.push(self.channel.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|m| (m.at, m.order));
        for m in due {
            let _ = self.nodes[m.to].handle_sync(now, &m.bytes);
        }
    }

    fn check(&self, step: usize) {
        for (i, n) in self.nodes.iter().enumerate() {
            if let Err(e) = n.check_invariants() {
                panic!("seed {:#x} step {step} node {i}: invariant {e}", self.seed);
            }
        }
    }

    fn step_to(&mut self, t: Instant, faults: Faults) {
        self.now = t;
        self.deliver_due();
        for n in &mut self.nodes {
            if n.poll_timeout().is_some_and(|d| d <= t) {
                n.handle_timeout(t);
            }
        }
        self.drain(faults);
    }

    fn next_event(&self) -> Option<Instant> {
        let c = self.channel.iter().map(|m| m.at).min();
        let t = self.nodes.iter().filter_map(Fdb::poll_timeout).min();
        match (c, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn run(mut self, steps: usize, faults: Faults) -> Self {
        for step in 0..steps {
            for _ in 0..self.rng.below(4) {
                self.random_op();
            }
            let t = self.now + Duration::from_millis(1 + self.rng.below(20));
            self.step_to(t, faults);
            self.check(step);
        }
        // Heal: a perfect channel, no more local changes, enough time for requests, snapshot
        // resumes and a few digest rounds.
        let perfect = Faults {
            loss: 0,
            dup: 0,
            delay_max_ms: 1,
        };
        let end = self.now + Duration::from_secs(16);
        while let Some(t) = self.next_event() {
            if t > end {
                break;
            }
            let t = t.max(self.now);
            // Keep every dynamic entry alive: refreshes are not synchronised, so what is
            // compared at the end is what the chaos left, not an empty table.
            let now = self.now;
            for n in &mut self.nodes {
                let live: Vec<_> = n.entries().filter(|e| e.kind == Kind::Dynamic).collect();
                for e in live {
                    assert_eq!(
                        n.learn(now, e.key.vid(), e.key.mac(), e.location),
                        Learn::Refreshed
                    );
                }
            }
            self.step_to(t, perfect);
        }
        // Quiesce: deliver everything in flight without running timers.
        for _ in 0..1000 {
            self.drain(perfect);
            if self.channel.is_empty() {
                break;
            }
            for m in &mut self.channel {
                m.at = self.now;
            }
            self.deliver_due();
        }
        self.check(steps);
        self
    }

    fn assert_in_step(&self) {
        let [a, b] = &self.nodes;
        assert_eq!(
            a.own_records(),
            b.peer_records(),
            "seed {:#x}: B's mirror of A differs",
            self.seed
        );
        assert_eq!(
            b.own_records(),
            a.peer_records(),
            "seed {:#x}: A's mirror of B differs",
            self.seed
        );
        assert!(!a.receiving_snapshot() && !b.receiving_snapshot());
    }
}

#[test]
fn lossy_reordering_duplicating_channel_with_restarts_converges() {
    let faults = Faults {
        loss: 10,
        dup: 10,
        delay_max_ms: 30,
    };
    for seed in 0..60u64 {
        let sim = Sim::new(seed.wrapping_mul(0x1234_5678_9abc_def1) ^ 0xfdb).run(400, faults);
        sim.assert_in_step();
    }
}

#[test]
fn heavy_loss_converges() {
    let faults = Faults {
        loss: 40,
        dup: 30,
        delay_max_ms: 100,
    };
    for seed in 0..20u64 {
        let sim = Sim::new(seed ^ 0xdead_beef).run(300, faults);
        sim.assert_in_step();
    }
}

#[test]
fn perfect_channel_converges_without_snapshots_after_the_first() {
    let faults = Faults {
        loss: 0,
        dup: 0,
        delay_max_ms: 1,
    };
    let mut sim = Sim::new(42);
    // No restarts: only learning.
    for _ in 0..300 {
        let vid = VlanId::DEFAULT;
        let mac = MacAddr::from_u64(0x0200_0000_0000 | sim.rng.below(100));
        let i = sim.rng.below(2) as usize;
        let now = sim.now;
        let _ = sim.nodes[i].learn(now, vid, mac, Location::Port(PortNo(1)));
        let t = sim.now + Duration::from_millis(2);
        sim.step_to(t, faults);
    }
    let sim = sim.run(0, faults);
    sim.assert_in_step();
    for n in &sim.nodes {
        assert_eq!(n.stats().snapshots_sent, 1, "only the initial snapshot");
        assert_eq!(n.stats().digest_repairs, 0);
    }
}

#[test]
fn the_simulation_exercises_every_recovery_path() {
    let faults = Faults {
        loss: 10,
        dup: 10,
        delay_max_ms: 30,
    };
    let mut total = fdb::Stats::default();
    let mut entries = 0;
    for seed in 0..20u64 {
        let sim = Sim::new(seed ^ 0x5eed).run(400, faults);
        sim.assert_in_step();
        for n in &sim.nodes {
            let s = n.stats();
            total.sync_gaps += s.sync_gaps;
            total.sync_duplicates += s.sync_duplicates;
            total.sync_out_of_order += s.sync_out_of_order;
            total.sync_stale += s.sync_stale;
            total.snapshots_received += s.snapshots_received;
            total.digest_repairs += s.digest_repairs;
            total.moved_to_peer += s.moved_to_peer;
            total.aged += s.aged;
            entries += n.own_records().len();
        }
    }
    println!("{total:#?} entries {entries}");
    assert!(entries > 100, "tables too small to mean anything");
    assert!(total.sync_gaps > 0);
    assert!(total.sync_duplicates > 0);
    assert!(total.sync_out_of_order > 0);
    assert!(total.sync_stale > 0);
    assert!(total.snapshots_received > 20);
    assert!(total.digest_repairs > 0);
    assert!(total.moved_to_peer > 0);
    assert!(total.aged > 0);
}
