//! An operation language over two [`Session`]s joined by a controllable wire, for fuzzers and
//! property tests: deliver, drop, duplicate or corrupt frames, inject arbitrary bytes, advance
//! virtual time, flap the link, restart a side, send application data. [`Pair::check`] states
//! the invariants that must hold after every operation.

use crate::types::{EVENTS_MAX, LinkState, Role, Status};
use crate::wire::l2::FRAME_MAX;
use crate::wire::param::Param;
use crate::{Session, SessionConfig};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr};

/// Frames waiting on each direction of the wire, at most.
pub const WIRE_MAX: usize = 256;

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Deliver the oldest frame sent by `from` to the other side.
    Deliver {
        /// 0 or 1.
        from: u8,
    },
    /// Drop the oldest frame sent by `from`.
    Drop {
        /// 0 or 1.
        from: u8,
    },
    /// Deliver the oldest frame sent by `from` twice (and keep it queued once more).
    Duplicate {
        /// 0 or 1.
        from: u8,
    },
    /// Move the oldest frame sent by `from` to the back (reordering).
    Reorder {
        /// 0 or 1.
        from: u8,
    },
    /// Flip bits of one octet of the oldest frame sent by `from`, then deliver it.
    Corrupt {
        /// 0 or 1.
        from: u8,
        /// Octet index (modulo the frame length).
        at: u16,
        /// XOR mask.
        xor: u8,
    },
    /// Hand arbitrary bytes to a side as a received frame.
    Inject {
        /// 0 or 1.
        to: u8,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Advance virtual time and run timers.
    Advance {
        /// Milliseconds.
        ms: u16,
    },
    /// Peer-port link up or down on one side.
    Link {
        /// 0 or 1.
        side: u8,
        /// Up?
        up: bool,
    },
    /// Restart one side (a new session, same configuration).
    Restart {
        /// 0 or 1.
        side: u8,
    },
    /// Queue an application message of `len` octets on one side.
    SendApp {
        /// 0 or 1.
        side: u8,
        /// Record length.
        len: u8,
    },
    /// Change one side's priority (clamped to 0..=128).
    SetPriority {
        /// 0 or 1.
        side: u8,
        /// New priority.
        priority: u8,
    },
    /// Enable or disable ICCP on one side.
    Enable {
        /// 0 or 1.
        side: u8,
        /// Enabled?
        on: bool,
    },
}

impl Op {
    /// Decodes a sequence of operations from arbitrary bytes (for fuzzers without `Arbitrary`).
    pub fn decode_all(mut data: &[u8]) -> Vec<Self> {
        let mut ops = Vec::new();
        while let Some((&tag, rest)) = data.split_first() {
            let arg = |i: usize| rest.get(i).copied().unwrap_or(0);
            let side = arg(0) & 1;
            let (op, used) = match tag % 12 {
                0 | 1 => (Self::Deliver { from: side }, 1),
                2 => (Self::Drop { from: side }, 1),
                3 => (Self::Duplicate { from: side }, 1),
                4 => (Self::Reorder { from: side }, 1),
                5 => (
                    Self::Corrupt {
                        from: side,
                        at: u16::from_be_bytes([arg(1), arg(2)]),
                        xor: arg(3) | 1,
                    },
                    4,
                ),
                6 => {
                    let n = usize::from(arg(1)).min(rest.len().saturating_sub(2));
                    let bytes = rest.get(2..2 + n).unwrap_or_default().to_vec();
                    (Self::Inject { to: side, bytes }, 2 + n)
                }
                7 => (
                    Self::Advance {
                        ms: u16::from_be_bytes([arg(0), arg(1)]),
                    },
                    2,
                ),
                8 => (
                    Self::Link {
                        side,
                        up: arg(0) & 2 != 0,
                    },
                    1,
                ),
                9 => (Self::Restart { side }, 1),
                10 => (Self::SendApp { side, len: arg(1) }, 2),
                _ => {
                    if arg(0) & 2 != 0 {
                        (
                            Self::SetPriority {
                                side,
                                priority: arg(1),
                            },
                            2,
                        )
                    } else {
                        (
                            Self::Enable {
                                side,
                                on: arg(0) & 4 != 0,
                            },
                            1,
                        )
                    }
                }
            };
            ops.push(op);
            data = rest.get(used.min(rest.len())..).unwrap_or_default();
        }
        ops
    }
}

/// Two sessions and the frames in flight between them.
#[derive(Debug)]
pub struct Pair {
    /// The sessions.
    pub sessions: [Session; 2],
    /// Frames sent by side `i`, not yet delivered.
    pub wire: [VecDeque<Vec<u8>>; 2],
    /// Virtual time.
    pub now: Instant,
    restarts: u64,
    buf: Vec<u8>,
}

fn pair_config(i: u8, seed: u64) -> SessionConfig {
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, i + 1]));
    c.seed = seed.wrapping_add(u64::from(i));
    c.heartbeat = Some(Duration::from_secs(1));
    c.window = 8;
    c.send_queue_max = 64;
    c.receive_queue_max = 64;
    c
}

impl Pair {
    /// Two sessions with links up.
    pub fn new(seed: u64) -> Self {
        let now = Instant::ZERO;
        let sessions = [0u8, 1].map(|i| {
            let mut s = Session::new(pair_config(i, seed), now);
            s.handle_link(now, LinkState::Up);
            s
        });
        let mut p = Self {
            sessions,
            wire: [VecDeque::new(), VecDeque::new()],
            now,
            restarts: 0,
            buf: alloc::vec![0; FRAME_MAX],
        };
        p.drain();
        p
    }

    fn side(x: u8) -> usize {
        usize::from(x & 1)
    }

    fn session(&mut self, i: usize) -> &mut Session {
        let [a, b] = &mut self.sessions;
        if i == 0 { a } else { b }
    }

    fn outgoing(&mut self, i: usize) -> &mut VecDeque<Vec<u8>> {
        let [a, b] = &mut self.wire;
        if i == 0 { a } else { b }
    }

    /// Collects every output of both sides (frames onto the wire, events and app messages
    /// discarded after the event-queue bound was checked).
    pub fn drain(&mut self) {
        for i in 0..2 {
            let mut guard = 0;
            let now = self.now;
            loop {
                let [a, b] = &mut self.sessions;
                let s = if i == 0 { a } else { b };
                let Some(t) = s.poll_transmit(now, &mut self.buf) else {
                    break;
                };
                if let (Some(w), Some(f)) = (self.wire.get_mut(i), self.buf.get(..t.len)) {
                    if w.len() >= WIRE_MAX {
                        w.pop_front();
                    }
                    w.push_back(f.to_vec());
                }
                guard += 1;
                if guard > 10_000 {
                    break;
                }
            }
            while self.session(i).poll_event().is_some() {}
            while self.session(i).poll_app().is_some() {}
        }
    }

    /// Applies one operation and drains the outputs.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::Deliver { from } | Op::Duplicate { from } | Op::Corrupt { from, .. } => {
                let i = Self::side(*from);
                if let Some(mut f) = self.outgoing(i).pop_front() {
                    if let Op::Corrupt { at, xor, .. } = op {
                        let n = f.len().max(1);
                        if let Some(b) = f.get_mut(usize::from(*at) % n) {
                            *b ^= xor;
                        }
                    }
                    let now = self.now;
                    let _ = self.session(1 - i).handle_frame(now, &f);
                    if matches!(op, Op::Duplicate { .. }) {
                        let _ = self.session(1 - i).handle_frame(now, &f);
                        self.outgoing(i).push_front(f);
                    }
                }
            }
            Op::Drop { from } => {
                self.outgoing(Self::side(*from)).pop_front();
            }
            Op::Reorder { from } => {
                let w = self.outgoing(Self::side(*from));
                if let Some(f) = w.pop_front() {
                    w.push_back(f);
                }
            }
            Op::Inject { to, bytes } => {
                let now = self.now;
                let _ = self.session(Self::side(*to)).handle_frame(now, bytes);
            }
            Op::Advance { ms } => {
                self.now += Duration::from_millis(u64::from(*ms));
                for s in &mut self.sessions {
                    s.handle_timeout(self.now);
                }
            }
            Op::Link { side, up } => {
                let link = if *up { LinkState::Up } else { LinkState::Down };
                let now = self.now;
                self.session(Self::side(*side)).handle_link(now, link);
            }
            Op::Restart { side } => {
                let i = Self::side(*side);
                let mut cfg = self.session(i).config().clone();
                // A reboot must not repeat the incarnation sequence: new seed per boot.
                self.restarts += 1;
                cfg.seed = cfg
                    .seed
                    .wrapping_add(self.restarts.wrapping_mul(0x1_0000_0001));
                let mut s = Session::new(cfg, self.now);
                s.handle_link(self.now, LinkState::Up);
                *self.session(i) = s;
            }
            Op::SendApp { side, len } => {
                let records = [0x5au8; 255];
                let rec = records.get(..usize::from(*len)).unwrap_or_default();
                let _ = self.session(Self::side(*side)).send_app(&Param::FdbDelta {
                    kind: 1,
                    records: rec,
                });
            }
            Op::SetPriority { side, priority } => {
                let now = self.now;
                let _ = self
                    .session(Self::side(*side))
                    .set_priority(now, (*priority).min(crate::PRIORITY_MAX));
            }
            Op::Enable { side, on } => {
                let now = self.now;
                self.session(Self::side(*side)).set_enabled(now, *on);
            }
        }
        self.drain();
    }

    /// The invariants: bounded queues; when both sides are connected never two primaries; and
    /// once their election data is current and acknowledged they agree on the election. Returns a description of the first violation.
    pub fn check(&self) -> Result<(), &'static str> {
        for s in &self.sessions {
            let (backlog, inflight) = s.send_backlog();
            if backlog > s.config().send_queue_max {
                return Err("send queue over its bound");
            }
            if inflight > usize::from(s.config().window) {
                return Err("send window over its bound");
            }
            if s.events_len() > EVENTS_MAX {
                return Err("event queue over its bound");
            }
        }
        let [a, b] = &self.sessions;
        // Knows the other's current incarnation and election data (a corrupted frame, which
        // nothing detects without a key, may have taught it wrong data).
        let knows = |x: &Session, y: &Session| {
            x.monitor().peer.is_some_and(|p| {
                p.incarnation == y.incarnation() && p.bridge_mac == y.config().bridge_mac
            }) && x.peer_priority() == Some(y.config().priority)
                && x.peer_incumbent() == y.incumbent()
        };
        let connected = a.status() == Status::Connected && b.status() == Status::Connected;
        if connected && knows(a, b) && knows(b, a) {
            // Whatever of each other's data they hold (current or not yet acknowledged):
            // never two primaries (the crate docs, "Election").
            if a.role() == Some(Role::Primary) && b.role() == Some(Role::Primary) {
                return Err("two primaries while connected");
            }
        }
        // Exactly one primary once both hold each other's current data and both know it (a
        // priority change acknowledged): until then there may be none.
        if connected && knows(a, b) && knows(b, a) && a.election_settled() && b.election_settled() {
            let roles = (a.role(), b.role());
            if !matches!(
                roles,
                (Some(Role::Primary), Some(Role::Secondary))
                    | (Some(Role::Secondary), Some(Role::Primary))
            ) {
                return Err("connected sides disagree on the roles");
            }
            if a.system_id() != b.system_id() {
                return Err("connected sides disagree on the system-id");
            }
        }
        Ok(())
    }
}
