//! Two coordinators back to back over their peer-ports in virtual time, with a seeded
//! peer-link that can be cut, lose frames and hold frames back (reordering). Shared by the
//! tests that need nothing but the peer-link.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, PortNo};
use mlag_core::config::Config;
use mlag_core::coordinator::{Coordinator, LinkState, Options};
use mlag_core::dataplane::{Call, RecordingDataplane};
use mlag_core::sim::Rng;

/// The coordinator under test.
pub type C = Coordinator<RecordingDataplane>;

/// A 10 Gbit/s full-duplex carrier.
pub const UP: LinkState = LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};

/// The two peers and their peer-link.
pub struct Pair {
    pub now: Instant,
    pub c: [C; 2],
    /// Peer-link up (frames delivered) or cut (frames dropped).
    pub link: bool,
    pub rng: Rng,
    /// Per million: frames dropped and frames held back one round (reordered).
    pub loss: u64,
    pub reorder: u64,
    held: Vec<(usize, Vec<u8>)>,
}

impl Pair {
    /// Two coordinators on `cfgs` with [`Options::new`] of `seeds`, their peer-ports up;
    /// `link_seed` seeds the peer-link's loss and reordering.
    pub fn new(cfgs: [Config; 2], seeds: [u64; 2], link_seed: u64) -> Self {
        let now = Instant::ZERO;
        let [a, b] = cfgs;
        let mk = |cfg: Config, seed| {
            C::new(
                cfg.validate().unwrap(),
                RecordingDataplane::new(),
                &Options::new(seed),
                now,
            )
            .unwrap()
        };
        let mut p = Self {
            now,
            c: [mk(a, seeds[0]), mk(b, seeds[1])],
            link: true,
            rng: Rng::new(link_seed),
            loss: 0,
            reorder: 0,
            held: Vec::new(),
        };
        for c in &mut p.c {
            let pp = c.peer_port();
            c.handle_link(now, pp, UP);
        }
        p
    }

    /// The RouterOS Quick setup's Peer1 and Peer2 with seeds 1 and 2.
    pub fn quick() -> Self {
        Self::new([Config::quick_setup(1), Config::quick_setup(2)], [1, 2], 0)
    }

    /// Delivers every frame each side sent on its peer-port to the other side (dropping and
    /// holding back frames as `loss` and `reorder` say) until neither sends more; frames sent
    /// on other ports are discarded.
    pub fn deliver(&mut self) {
        loop {
            let mut moved = false;
            let mut batch = core::mem::take(&mut self.held);
            for from in 0..2 {
                let pp = self.c[from].peer_port();
                for call in self.c[from].dataplane_mut().take_calls() {
                    if let Call::Transmit { port, frame } = call
                        && port == pp
                    {
                        batch.push((from, frame));
                    }
                }
            }
            for (from, f) in batch {
                if !self.link || self.rng.below(1_000_000) < self.loss {
                    continue;
                }
                if self.rng.below(1_000_000) < self.reorder {
                    self.held.push((from, f));
                    continue;
                }
                moved = true;
                self.hand_over(from, &f);
            }
            if !moved {
                // Frames held back go in the next round (after later ones).
                if self.held.is_empty() {
                    break;
                }
                for (from, f) in core::mem::take(&mut self.held) {
                    self.hand_over(from, &f);
                }
            }
        }
    }

    fn hand_over(&mut self, from: usize, frame: &[u8]) {
        let to = &mut self.c[1 - from];
        let to_pp = to.peer_port();
        to.handle_frame(self.now, to_pp, frame);
    }

    /// Runs until `until` (virtual time).
    pub fn run_until(&mut self, until: Instant) {
        loop {
            self.deliver();
            let next = self.c.iter().filter_map(C::poll_timeout).min();
            match next {
                Some(t) if t <= until => {
                    self.now = t.max(self.now);
                    for c in &mut self.c {
                        c.handle_timeout(self.now);
                    }
                }
                _ => break,
            }
        }
        self.now = until.max(self.now);
    }

    /// Runs for `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    /// Peer `i`'s port named `name`.
    pub fn port(&self, i: usize, name: &str) -> PortNo {
        let cfg = self.c[i].config();
        cfg.port_no(cfg.find(name).unwrap())
    }
}
