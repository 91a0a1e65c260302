//! Two sessions in virtual time over a channel with loss, duplication, reordering, delay and
//! cuts. Every run is reproducible from its seed, which failing assertions print.

use core::cmp::Reverse;
use iccp::wire::l2::FRAME_MAX;
use iccp::wire::param::Param;
use iccp::{Event, LinkState, Role, SendError, Session, SessionConfig, Status};
use l2_types::{Duration, Instant, MacAddr};
use std::collections::BinaryHeap;

mod common;
use common::{Rng, seeds};

#[derive(Clone, Copy)]
struct Faults {
    loss: f64,
    dup: f64,
    delay: Duration,
    jitter: Duration,
}

const CLEAN: Faults = Faults {
    loss: 0.0,
    dup: 0.0,
    delay: Duration::from_micros(100),
    jitter: Duration::ZERO,
};

const HOSTILE: Faults = Faults {
    loss: 0.1,
    dup: 0.05,
    delay: Duration::from_millis(1),
    jitter: Duration::from_millis(3),
};

/// (delivery time, tie breaker, destination side, frame).
type InFlight = (Instant, u64, usize, Vec<u8>);

struct Side {
    s: Session,
    connected: bool,
    tx_next: u64,
    rx_expected: u64,
    delivered: u64,
    connects: u32,
    silent_at: Vec<Instant>,
}

struct Net {
    seed: u64,
    now: Instant,
    sides: [Side; 2],
    wire: BinaryHeap<Reverse<InFlight>>,
    n: u64,
    rng: Rng,
    faults: Faults,
    cut: bool,
    /// Frames *to* this side are lost (a link silent one way).
    deaf: Option<usize>,
    load: usize,
    /// Check after every step: never two primaries while both sides are connected.
    check_roles: bool,
    /// Role changes seen per side.
    role_changes: [u32; 2],
    /// Hide every version-2 Election TLV on the wire (as a version-1 peer would treat them).
    v1_only: bool,
}

fn config(i: u8, seed: u64, heartbeat: Option<Duration>) -> SessionConfig {
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0x10 + (seed as u8 & 7) * 2, i]));
    c.priority = if seed.is_multiple_of(3) {
        128
    } else {
        64 + i * 10
    };
    c.seed = seed * 2 + u64::from(i);
    c.heartbeat = heartbeat;
    c.window = 32;
    c
}

impl Net {
    fn new(seed: u64, faults: Faults, heartbeat: Option<Duration>) -> Self {
        let now = Instant::ZERO;
        let mk = |i: u8| {
            let mut s = Session::try_new(config(i, seed, heartbeat), now).unwrap();
            s.handle_link(now, LinkState::Up);
            Side {
                s,
                connected: false,
                tx_next: 0,
                rx_expected: 0,
                delivered: 0,
                connects: 0,
                silent_at: Vec::new(),
            }
        };
        let mut net = Self {
            seed,
            now,
            sides: [mk(1), mk(2)],
            wire: BinaryHeap::new(),
            n: 0,
            rng: Rng(seed),
            faults,
            cut: false,
            deaf: None,
            load: 0,
            check_roles: false,
            role_changes: [0; 2],
            v1_only: false,
        };
        net.pump();
        net
    }

    fn pump(&mut self) {
        let mut buf = vec![0u8; FRAME_MAX];
        for _round in 0..100 {
            let mut busy = false;
            for i in 0..2 {
                // Offer application load while connected.
                for _ in 0..self.load {
                    let side = &mut self.sides[i];
                    if !side.connected {
                        break;
                    }
                    let rec = side.tx_next.to_be_bytes();
                    match side.s.send_app(&Param::FdbDelta {
                        kind: 1,
                        records: &rec,
                    }) {
                        Ok(()) => side.tx_next += 1,
                        Err(SendError::QueueFull | SendError::NotConnected) => break,
                        Err(e) => panic!("seed {}: send_app: {e}", self.seed),
                    }
                }
                while let Some(t) = self.sides[i].s.poll_transmit(self.now, &mut buf) {
                    busy = true;
                    self.send(1 - i, buf[..t.len].to_vec());
                }
                while let Some(e) = self.sides[i].s.poll_event() {
                    busy = true;
                    self.event(i, e);
                }
                while let Some(m) = self.sides[i].s.poll_app() {
                    busy = true;
                    let side = &mut self.sides[i];
                    assert!(
                        side.connected,
                        "seed {}: app data while not connected",
                        self.seed
                    );
                    let Ok(Param::FdbDelta { records, .. }) = m.param() else {
                        panic!("seed {}: unexpected app message", self.seed)
                    };
                    let n = u64::from_be_bytes(records.try_into().unwrap());
                    assert_eq!(
                        n, side.rx_expected,
                        "seed {}: side {i} got message {n}, expected {} (exactly once, in order)",
                        self.seed, side.rx_expected
                    );
                    side.rx_expected += 1;
                    side.delivered += 1;
                }
            }
            if !busy {
                return;
            }
        }
    }

    fn event(&mut self, i: usize, e: Event) {
        let side = &mut self.sides[i];
        match e {
            Event::Connected(_) => {
                // The peer's copy of our state is empty: resynchronise from message 0.
                side.connected = true;
                side.connects += 1;
                side.tx_next = 0;
                side.rx_expected = 0;
            }
            Event::Disconnected(r) => {
                if std::env::var("SIM_DEBUG").is_ok() {
                    eprintln!("{:?} side {i} disconnected: {r:?}", self.now);
                }
                side.connected = false
            }
            Event::PeerSilent { .. } => side.silent_at.push(self.now),
            Event::RoleChanged(_) => self.role_changes[i] += 1,
            _ => {}
        }
    }

    fn send(&mut self, to: usize, mut frame: Vec<u8>) {
        if self.cut || self.deaf == Some(to) || self.rng.chance(self.faults.loss) {
            return;
        }
        if self.v1_only {
            // Election v2 (type 0x3E01 with U, length 19, version 2) becomes version 3: an
            // unknown U=1 TLV, skipped — what a version-1 peer does with it.
            let pat = [0xbe, 0x01, 0x00, 0x13, 0x02];
            let mut k = 0;
            while k + pat.len() <= frame.len() {
                if frame[k..k + pat.len()] == pat {
                    frame[k + 4] = 3;
                }
                k += 1;
            }
        }
        let copies = if self.rng.chance(self.faults.dup) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = self.rng.below(self.faults.jitter.as_nanos() as u64);
            let at = self.now + self.faults.delay + Duration::from_nanos(jitter);
            self.n += 1;
            self.wire.push(Reverse((at, self.n, to, frame.clone())));
        }
    }

    fn step(&mut self, until: Instant) -> bool {
        let wire_next = self.wire.peek().map(|Reverse((t, ..))| *t);
        let next = self
            .sides
            .iter()
            .filter_map(|s| s.s.poll_timeout())
            .chain(wire_next)
            .min();
        let Some(next) = next.filter(|&t| t <= until) else {
            self.now = until;
            return false;
        };
        self.now = next.max(self.now);
        while let Some(Reverse((t, ..))) = self.wire.peek() {
            if *t > self.now {
                break;
            }
            let Reverse((_, _, to, frame)) = self.wire.pop().unwrap();
            let _ = self.sides[to].s.handle_frame(self.now, &frame);
        }
        for s in &mut self.sides {
            s.s.handle_timeout(self.now);
        }
        self.pump();
        self.check_one_primary();
        true
    }

    fn check_one_primary(&self) {
        if !self.check_roles {
            return;
        }
        let connected = self.sides.iter().all(|s| s.s.status() == Status::Connected);
        let primaries = self
            .sides
            .iter()
            .filter(|s| s.s.role() == Some(Role::Primary))
            .count();
        assert!(
            !connected || primaries <= 1,
            "seed {}: two primaries while connected at {:?} (priorities {} {})",
            self.seed,
            self.now,
            self.sides[0].s.config().priority,
            self.sides[1].s.config().priority
        );
    }

    fn set_priority(&mut self, i: usize, p: u8) {
        self.sides[i].s.set_priority(self.now, p).unwrap();
        self.pump();
        self.check_one_primary();
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        let mut steps = 0u64;
        while self.step(until) {
            steps += 1;
            assert!(steps < 50_000_000, "seed {}: runaway", self.seed);
        }
        self.pump();
    }

    fn both_connected(&self) -> bool {
        self.sides
            .iter()
            .all(|s| s.connected && s.s.status() == Status::Connected)
    }

    /// No new load, a clean channel for 10 s: every message sent was delivered, in both
    /// directions, and the election agrees.
    fn drain_and_check(&mut self, seed: u64) {
        self.load = 0;
        self.faults = CLEAN;
        self.run_for(Duration::from_secs(10));
        for i in 0..2 {
            assert_eq!(
                self.sides[i].tx_next,
                self.sides[1 - i].rx_expected,
                "seed {seed}"
            );
        }
        self.assert_election();
    }

    fn assert_election(&self) {
        let [a, b] = &self.sides;
        let (ra, rb) = (a.s.role(), b.s.role());
        assert!(
            matches!(
                (ra, rb),
                (Some(Role::Primary), Some(Role::Secondary))
                    | (Some(Role::Secondary), Some(Role::Primary))
            ),
            "seed {}: roles {ra:?} {rb:?}",
            self.seed
        );
        let ca = a.s.config();
        let cb = b.s.config();
        let a_wins = (ca.priority, ca.bridge_mac) < (cb.priority, cb.bridge_mac);
        assert_eq!(ra == Some(Role::Primary), a_wins, "seed {}", self.seed);
        let sid = ca.bridge_mac.min(cb.bridge_mac);
        assert_eq!(a.s.system_id(), sid, "seed {}", self.seed);
        assert_eq!(b.s.system_id(), sid, "seed {}", self.seed);
    }
}

#[test]
fn connects_and_elects_on_a_hostile_channel() {
    for seed in seeds(24) {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.run_for(Duration::from_secs(20));
        assert!(net.both_connected(), "seed {seed}: not connected");
        net.assert_election();
    }
}

#[test]
fn exactly_once_in_order_under_loss_duplication_reordering() {
    for seed in seeds(6) {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.run_for(Duration::from_secs(10));
        assert!(
            net.both_connected(),
            "seed {seed}: {:#?} {:#?}",
            net.sides[0].s.monitor(),
            net.sides[1].s.monitor()
        );
        net.load = 20;
        net.run_for(Duration::from_secs(5));
        // Drain: no new load, clean channel, wait for the windows to empty.
        net.load = 0;
        net.faults = CLEAN;
        net.run_for(Duration::from_secs(10));
        assert!(
            net.both_connected(),
            "seed {seed}: {:?} {:?} {:?} {:?}",
            net.sides[0].s.monitor(),
            net.sides[1].s.monitor(),
            net.sides[0].connects,
            net.sides[1].connects
        );
        for i in 0..2 {
            let sent = net.sides[i].tx_next;
            let got = net.sides[1 - i].rx_expected;
            assert!(sent > 1000, "seed {seed}: only {sent} sent");
            assert_eq!(
                sent, got,
                "seed {seed}: side {i} sent {sent} in this connection, peer received {got}"
            );
            assert_eq!(net.sides[i].s.send_backlog(), (0, 0), "seed {seed}");
        }
        let c = net.sides[0].s.counters();
        assert!(
            c.retransmits > 0 && c.rx_duplicate + c.rx_replay > 0,
            "seed {seed}: {c:?}"
        );
        net.assert_election();
    }
}

#[test]
fn cuts_resynchronise_and_keep_the_system_id() {
    for seed in seeds(8) {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        let sid = net.sides[0].s.system_id();
        net.load = 10;
        net.run_for(Duration::from_secs(2));
        net.cut = true;
        let cut_at = net.now;
        net.run_for(Duration::from_secs(8));
        for s in &net.sides {
            assert!(!s.connected, "seed {seed}: still connected across a cut");
            assert_eq!(s.s.status(), Status::Connecting);
            // Sticky system-id: a lost peer does not change it.
            assert_eq!(s.s.system_id(), sid, "seed {seed}");
            let after_cut = s.silent_at.iter().filter(|&&t| t >= cut_at).count();
            assert_eq!(after_cut, 1, "seed {seed}");
        }
        net.cut = false;
        net.run_for(Duration::from_secs(20));
        assert!(net.both_connected(), "seed {seed}: no reconnect");
        assert!(net.sides.iter().all(|s| s.connects >= 2));
        net.drain_and_check(seed);
    }
}

#[test]
fn heartbeat_loss_detected_within_three_intervals_and_not_before() {
    for (seed, secs) in [(1u64, 1u64), (2, 3), (3, 10)] {
        let h = Duration::from_secs(secs);
        let mut net = Net::new(seed, CLEAN, Some(h));
        net.run_for(h * 30);
        assert!(net.both_connected());
        assert!(
            net.sides.iter().all(|s| s.silent_at.is_empty()),
            "seed {seed}: silence reported while heartbeats flow"
        );
        let cut_at = net.now;
        net.cut = true;
        net.run_for(h * 4);
        for s in &net.sides {
            assert_eq!(s.silent_at.len(), 1, "seed {seed}");
            let after = s.silent_at[0] - cut_at;
            assert!(after <= h * 3, "seed {seed}: detected after {after:?}");
            assert!(after > h * 2, "seed {seed}: detected too early, {after:?}");
        }
    }
}

/// A link silent one way for less than the silence timeout: the side whose data is lost keeps
/// retransmitting instead of giving up after `retransmit_limit` timeouts (9 s with the defaults,
/// which ended only that side's session while the other stayed connected: chaos seed 3972),
/// so neither side restarts; a longer one is the deaf side's silence, and both reconnect.
#[test]
fn a_one_way_silence_shorter_than_the_silence_timeout_ends_no_session() {
    for seed in seeds(3) {
        let h = Duration::from_secs(5);
        let mut net = Net::new(seed, CLEAN, Some(h));
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        // Side 1's frames (data and heartbeats) are lost; side 0's still arrive; both send
        // data for the first 100 ms. 9.5 s: longer than the 9 s the default retransmission
        // schedule used to allow, and shorter than two heartbeats, so side 1's next heartbeat
        // after the heal reaches side 0 within its silence timeout whatever their phase.
        net.deaf = Some(0);
        net.load = 1;
        net.run_for(Duration::from_millis(100));
        net.load = 0;
        net.run_for(Duration::from_millis(9_400));
        assert!(
            net.both_connected(),
            "seed {seed}: a session ended in the silence"
        );
        net.deaf = None;
        net.run_for(Duration::from_secs(20));
        assert!(net.both_connected(), "seed {seed}");
        assert!(
            net.sides
                .iter()
                .all(|s| s.connects == 1 && s.silent_at.is_empty()),
            "seed {seed}: restarted ({} and {} connections)",
            net.sides[0].connects,
            net.sides[1].connects
        );
        net.drain_and_check(seed);

        // Longer than 3 heartbeats: the deaf side reports the silence within them, and
        // both sides reconnect after the heal.
        net.deaf = Some(0);
        let at = net.now;
        net.load = 1;
        net.run_for(Duration::from_millis(100));
        net.load = 0;
        net.run_for(h * 4);
        let silent = &net.sides[0].silent_at;
        assert_eq!(silent.len(), 1, "seed {seed}");
        assert!(silent[0] - at <= h * 3, "seed {seed}: {:?}", silent[0] - at);
        net.deaf = None;
        net.run_for(Duration::from_secs(30));
        assert!(net.both_connected(), "seed {seed}: no reconnect");
        net.drain_and_check(seed);
    }
}

#[test]
fn no_heartbeat_means_no_silence_detection() {
    let mut net = Net::new(7, CLEAN, None);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    net.cut = true;
    net.run_for(Duration::from_secs(60));
    assert!(net.sides.iter().all(|s| s.silent_at.is_empty()));
    assert!(
        net.both_connected(),
        "idle and heartbeat none: nothing detects the cut"
    );
}

#[test]
fn restart_of_either_side_converges() {
    for seed in seeds(10) {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        net.load = 5;
        net.run_for(Duration::from_secs(1));
        let who = (seed % 2) as usize;
        // Restart: a fresh session with the same configuration (and seed) at a later instant.
        let cfg = net.sides[who].s.config().clone();
        let mut s = Session::try_new(cfg, net.now).unwrap();
        s.handle_link(net.now, LinkState::Up);
        net.sides[who].s = s;
        net.sides[who].connected = false;
        net.pump();
        net.run_for(Duration::from_secs(20));
        assert!(
            net.both_connected(),
            "seed {seed}: no convergence after restart"
        );
        net.drain_and_check(seed);
    }
}

#[test]
fn authenticated_sessions_connect_and_reject_forgeries() {
    let mut net = Net::new(5, HOSTILE, Some(Duration::from_secs(1)));
    for i in 0..2 {
        let mut cfg = net.sides[i].s.config().clone();
        cfg.key = Some(b"shared secret".to_vec());
        let mut s = Session::try_new(cfg, net.now).unwrap();
        s.handle_link(net.now, LinkState::Up);
        net.sides[i].s = s;
    }
    net.pump();
    net.run_for(Duration::from_secs(10));
    assert!(net.both_connected());
    net.assert_election();
    // A frame without the key (an unauthenticated peer) is rejected, counted, harmless.
    let mut stranger =
        Session::try_new(SessionConfig::new(MacAddr([2, 0, 0, 0, 0x99, 1])), net.now).unwrap();
    stranger.handle_link(net.now, LinkState::Up);
    let mut buf = vec![0u8; FRAME_MAX];
    let t = stranger.poll_transmit(net.now, &mut buf).unwrap();
    let before = net.sides[0].s.counters().rx_auth_failed;
    assert_eq!(
        net.sides[0].s.handle_frame(net.now, &buf[..t.len]),
        Err(iccp::RxError::AuthFailed)
    );
    assert_eq!(net.sides[0].s.counters().rx_auth_failed, before + 1);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
}

#[test]
fn priority_changes_never_give_two_primaries_on_a_lossy_channel() {
    for seed in seeds(24) {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        net.check_roles = true;
        net.load = 3;
        let mut rng = Rng(seed ^ 0x5eed);
        for _ in 0..40 {
            let who = rng.below(2) as usize;
            let p = [0u8, 10, 64, 100, 128][rng.below(5) as usize];
            net.set_priority(who, p);
            // Sometimes the next change comes before the peer could have heard this one.
            let wait = Duration::from_micros(rng.below(20_000));
            net.run_for(wait);
        }
        net.load = 0;
        net.faults = CLEAN;
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        net.assert_election();
        assert!(
            net.sides.iter().all(|s| s.s.election_settled()),
            "seed {seed}"
        );
    }
}

#[test]
fn priority_change_moves_the_role_without_a_flap() {
    for (seed, faults) in [(1u64, CLEAN), (2, HOSTILE), (3, HOSTILE), (4, HOSTILE)] {
        let mut net = Net::new(seed, faults, Some(Duration::from_secs(1)));
        for i in 0..2 {
            net.sides[i].s.set_priority(net.now, 100).unwrap();
        }
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        net.check_roles = true;
        let p = if net.sides[0].s.role() == Some(Role::Primary) {
            0
        } else {
            1
        };
        let s = 1 - p;
        // The primary changes its priority but still wins: no role change at all.
        net.role_changes = [0; 2];
        net.set_priority(p, 50);
        net.run_for(Duration::from_secs(5));
        assert_eq!(net.role_changes, [0, 0], "seed {seed}");
        // The secondary takes primary: each side changes its role exactly once.
        net.set_priority(s, 10);
        assert_eq!(
            net.sides[s].s.role(),
            Some(Role::Secondary),
            "seed {seed}: promoted before the peer heard"
        );
        net.run_for(Duration::from_secs(5));
        assert_eq!(net.role_changes, [1, 1], "seed {seed}");
        assert_eq!(net.sides[s].s.role(), Some(Role::Primary), "seed {seed}");
        net.assert_election();
        // The (new) primary gives primary back by raising its priority: it steps down at once.
        net.role_changes = [0; 2];
        net.set_priority(s, 120);
        assert_eq!(net.sides[s].s.role(), Some(Role::Secondary), "seed {seed}");
        net.run_for(Duration::from_secs(5));
        assert_eq!(net.role_changes, [1, 1], "seed {seed}");
        net.assert_election();
    }
}

#[test]
fn stepping_down_is_not_settled_until_the_peer_acknowledges() {
    // Chaos campaign finding 5 (`mlag chaos --seed 538 --faults 0`): the primary raises its
    // priority and steps down at once; until the peer has heard the change there is no
    // primary, so neither side may call the election settled (the invariant "exactly one
    // primary once both sides are settled" relies on it).
    for (seed, faults) in [(1u64, CLEAN), (2, HOSTILE)] {
        let mut net = Net::new(seed, faults, Some(Duration::from_secs(1)));
        net.sides[0].s.set_priority(net.now, 10).unwrap();
        net.sides[1].s.set_priority(net.now, 64).unwrap();
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        net.assert_election();
        assert!(
            net.sides.iter().all(|s| s.s.election_settled()),
            "seed {seed}"
        );
        net.check_roles = true;
        // No frame is delivered between the change and these checks.
        net.sides[0].s.set_priority(net.now, 128).unwrap();
        assert_eq!(net.sides[0].s.role(), Some(Role::Secondary), "seed {seed}");
        assert_eq!(net.sides[1].s.role(), Some(Role::Secondary), "seed {seed}");
        assert!(
            !net.sides[0].s.election_settled(),
            "seed {seed}: settled with no primary before the peer heard the change"
        );
        net.run_for(Duration::from_secs(5));
        assert!(net.both_connected(), "seed {seed}");
        net.assert_election();
        assert!(
            net.sides.iter().all(|s| s.s.election_settled()),
            "seed {seed}"
        );
        assert_eq!(net.sides[1].s.role(), Some(Role::Primary), "seed {seed}");
    }
}

#[test]
fn version_1_peer_still_elects() {
    for seed in 0..4 {
        let mut net = Net::new(seed, HOSTILE, Some(Duration::from_secs(1)));
        net.v1_only = true;
        net.run_for(Duration::from_secs(10));
        assert!(net.both_connected(), "seed {seed}");
        for s in &net.sides {
            assert_eq!(s.s.peer_election_v2(), Some(false), "seed {seed}");
        }
        net.assert_election();
        // Without acknowledgements a priority change counts at once (the old behaviour).
        let s = usize::from(net.sides[0].s.role() == Some(Role::Primary));
        net.set_priority(s, 0);
        assert_eq!(net.sides[s].s.role(), Some(Role::Primary), "seed {seed}");
        net.run_for(Duration::from_secs(5));
        net.assert_election();
    }
}

/// A side that ran alone with clients (system-id in use), joined by a peer with a lower MAC.
fn join_incumbent(seed: u64, faults: Faults, joiner_in_use: bool, v1_only: bool) -> Net {
    let mut net = Net::new(seed, faults, Some(Duration::from_secs(1)));
    net.v1_only = v1_only;
    net.cut = true;
    net.wire.clear();
    // Fresh sessions that never met: side 1 has the higher MAC.
    let now = net.now;
    for i in 0..2 {
        let cfg = net.sides[i].s.config().clone();
        let mut s = Session::try_new(cfg, now).unwrap();
        s.handle_link(now, LinkState::Up);
        net.sides[i].s = s;
        net.sides[i].connected = false;
    }
    let (lo, hi) = (
        net.sides[0].s.config().bridge_mac,
        net.sides[1].s.config().bridge_mac,
    );
    assert!(lo < hi);
    net.sides[1].s.set_system_id_in_use(true);
    net.sides[0].s.set_system_id_in_use(joiner_in_use);
    net.run_for(Duration::from_secs(5));
    assert_eq!(net.sides[1].s.system_id(), hi);
    net.cut = false;
    net.run_for(Duration::from_secs(15));
    assert!(net.both_connected(), "seed {seed}");
    net
}

#[test]
fn joining_peer_adopts_the_incumbent_system_id() {
    for seed in seeds(8) {
        let net = join_incumbent(seed, HOSTILE, false, false);
        let hi = net.sides[1].s.config().bridge_mac;
        for s in &net.sides {
            assert_eq!(
                s.s.system_id(),
                hi,
                "seed {seed}: the incumbent's system-id"
            );
        }
        let [a, b] = &net.sides;
        assert_eq!(a.s.peer_election_v2(), Some(true));
        // The roles still follow (priority, MAC).
        let (ca, cb) = (a.s.config(), b.s.config());
        let a_wins = (ca.priority, ca.bridge_mac) < (cb.priority, cb.bridge_mac);
        assert_eq!(a.s.role() == Some(Role::Primary), a_wins, "seed {seed}");
        assert_eq!(b.s.role() == Some(Role::Primary), !a_wins, "seed {seed}");
    }
}

#[test]
fn two_incumbents_agree_on_the_lower_system_id() {
    for seed in seeds(4) {
        let net = join_incumbent(seed, HOSTILE, true, false);
        let lo = net.sides[0].s.config().bridge_mac;
        for s in &net.sides {
            assert_eq!(
                s.s.system_id(),
                lo,
                "seed {seed}: split brain heals to the lowest"
            );
        }
    }
}

#[test]
fn version_1_peer_gets_the_lowest_mac_on_both_sides() {
    for seed in seeds(4) {
        let net = join_incumbent(seed, HOSTILE, false, true);
        let lo = net.sides[0].s.config().bridge_mac;
        for s in &net.sides {
            assert_eq!(
                s.s.system_id(),
                lo,
                "seed {seed}: no incumbent with version 1"
            );
        }
    }
}
