//! Two sessions over RFC 7275's own transport (LDP over TCP, `Session::new_ldp`) in virtual
//! time, over a simulated TCP byte stream: delivery in order, cut into pieces of any size
//! (partial reads), with connection resets and reconnects. Election agrees on both sides, and
//! application messages are delivered exactly once and in order within a connection; after a
//! reset the next `Connected` asks for a resynchronisation. One test lets the active session
//! decide when the host connects (`poll_tcp_connect`, its reconnect backoff) with failing
//! connection attempts. Reproducible from the seed.

use iccp::ldp_session::{LdpSessionConfig, LdpState};
use iccp::wire::param::Param;
use iccp::{Event, Role, SendError, Session, SessionConfig, State, Status};
use l2_types::{Duration, Instant, MacAddr};
use std::collections::VecDeque;

mod common;
use common::{Rng, seeds};

struct Side {
    s: Session,
    connected: bool,
    tx_next: u64,
    rx_expected: u64,
    connects: u32,
    silent: u32,
}

/// One direction of the TCP connection: byte segments with their arrival time.
type Pipe = VecDeque<(Instant, Vec<u8>)>;

struct Net {
    seed: u64,
    now: Instant,
    sides: [Side; 2],
    /// `pipes[i]`: bytes on their way to side `i`.
    pipes: [Pipe; 2],
    rng: Rng,
    /// The TCP connection exists.
    up: bool,
    /// When the host reconnects.
    reconnect_at: Option<Instant>,
    delay: Duration,
    load: usize,
    /// Largest piece a read returns.
    max_read: usize,
    /// `Some(p)`: the host connects when the active session asks (`poll_tcp_connect`, its
    /// reconnect backoff) instead of on its own schedule, and p % of the attempts fail.
    session_backoff: Option<u64>,
    /// Connection attempts the active session asked for: (when, failed).
    attempts: Vec<(Instant, bool)>,
    /// When the session said the next attempt would be, at each failure or close.
    promised: Vec<Instant>,
}

const LSR: [[u8; 4]; 2] = [[10, 0, 0, 1], [10, 0, 0, 2]];

fn config(i: usize, seed: u64) -> SessionConfig {
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0x10 + (seed as u8 & 7) * 2, i as u8]));
    c.priority = if seed.is_multiple_of(3) {
        128
    } else {
        64 + i as u8 * 10
    };
    c.seed = seed * 2 + i as u64;
    c.heartbeat = Some(Duration::from_secs(1));
    c
}

fn session(i: usize, seed: u64, now: Instant) -> Session {
    // RFC 5036 §2.5.2: the higher transport address is active.
    let ldp = LdpSessionConfig::new(LSR[i], LSR[1 - i], i == 1);
    Session::try_new_ldp(config(i, seed), ldp, now).unwrap()
}

impl Net {
    fn new(seed: u64, max_read: usize) -> Self {
        let now = Instant::ZERO;
        let mk = |i| Side {
            s: session(i, seed, now),
            connected: false,
            tx_next: 0,
            rx_expected: 0,
            connects: 0,
            silent: 0,
        };
        let mut net = Self {
            seed,
            now,
            sides: [mk(0), mk(1)],
            pipes: [VecDeque::new(), VecDeque::new()],
            rng: Rng(seed),
            up: false,
            reconnect_at: Some(now),
            delay: Duration::from_micros(200),
            load: 0,
            max_read: max_read.max(1),
            session_backoff: None,
            attempts: Vec::new(),
            promised: Vec::new(),
        };
        net.pump();
        net
    }

    /// A network whose host follows the active session's reconnect requests; `fail_pct` % of
    /// the connection attempts fail.
    fn with_session_backoff(seed: u64, max_read: usize, fail_pct: u64) -> Self {
        let mut net = Self::new(seed, max_read);
        net.session_backoff = Some(fail_pct);
        net.reconnect_at = None;
        net.follow_session();
        net
    }

    /// Connects (or fails to) whenever the active side (1) asks.
    fn follow_session(&mut self) {
        let Some(fail_pct) = self.session_backoff else {
            return;
        };
        assert!(
            !self.sides[0].s.poll_tcp_connect(self.now),
            "seed {}: the passive side asked",
            self.seed
        );
        if self.up || !self.sides[1].s.poll_tcp_connect(self.now) {
            return;
        }
        let fail = self.rng.below(100) < fail_pct;
        self.attempts.push((self.now, fail));
        if fail {
            self.sides[1].s.handle_tcp_connect_failed(self.now);
            self.promised
                .push(self.sides[1].s.reconnect_at().expect("scheduled"));
        } else {
            self.connect();
            self.pump();
        }
    }

    fn connect(&mut self) {
        self.up = true;
        self.reconnect_at = None;
        for s in &mut self.sides {
            assert_eq!(s.s.state(), State::Nonexistent, "seed {}", self.seed);
            s.s.handle_tcp_connected(self.now);
        }
    }

    /// A connection reset: bytes in flight are lost, both hosts see the connection close.
    fn reset(&mut self) {
        self.up = false;
        self.pipes = [VecDeque::new(), VecDeque::new()];
        for s in &mut self.sides {
            s.s.handle_tcp_closed(self.now);
        }
        if self.session_backoff.is_some() {
            self.promised
                .push(self.sides[1].s.reconnect_at().expect("scheduled"));
        } else {
            self.reconnect_at = Some(self.now + Duration::from_secs(1));
        }
    }

    fn pump(&mut self) {
        for round in 0..10_000 {
            let mut busy = false;
            for i in 0..2 {
                // Offer application load once per step.
                for _ in 0..if round == 0 { self.load } else { 0 } {
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
                while let Some(pdu) = self.sides[i].s.poll_tcp_transmit(self.now) {
                    busy = true;
                    if self.up {
                        let at = self.now + self.delay;
                        self.pipes[1 - i].push_back((at, pdu));
                    }
                }
                while let Some(e) = self.sides[i].s.poll_event() {
                    busy = true;
                    let side = &mut self.sides[i];
                    match e {
                        Event::Connected(_) => {
                            side.connected = true;
                            side.connects += 1;
                            side.tx_next = 0;
                            side.rx_expected = 0;
                        }
                        Event::Disconnected(_) => side.connected = false,
                        Event::PeerSilent { .. } => side.silent += 1,
                        _ => {}
                    }
                }
                while let Some(m) = self.sides[i].s.poll_app() {
                    busy = true;
                    let side = &mut self.sides[i];
                    assert!(side.connected, "seed {}: app data while down", self.seed);
                    let Ok(Param::FdbDelta { records, .. }) = m.param() else {
                        panic!("seed {}: unexpected app message", self.seed)
                    };
                    let n = u64::from_be_bytes(records.try_into().unwrap());
                    assert_eq!(
                        n, side.rx_expected,
                        "seed {}: side {i} got {n}, expected {} (exactly once, in order)",
                        self.seed, side.rx_expected
                    );
                    side.rx_expected += 1;
                }
                if self.up && self.sides[i].s.tcp_close_wanted() {
                    // The host closes the connection; the peer sees it closed.
                    busy = true;
                    self.reset();
                }
            }
            if !busy {
                return;
            }
        }
        panic!("seed {}: pump does not settle", self.seed);
    }

    fn step(&mut self, until: Instant) -> bool {
        let pipe_next = self
            .pipes
            .iter()
            .filter_map(|p| p.front().map(|x| x.0))
            .min();
        let next = self
            .sides
            .iter()
            .filter_map(|s| s.s.poll_timeout())
            .chain(pipe_next)
            .chain(self.reconnect_at)
            .min();
        let Some(next) = next.filter(|&t| t <= until) else {
            self.now = until;
            return false;
        };
        self.now = next.max(self.now);
        if self.reconnect_at.is_some_and(|t| t <= self.now) {
            self.connect();
        }
        self.follow_session();
        for to in 0..2 {
            // Everything that has arrived, read in pieces of random size.
            let mut bytes = Vec::new();
            while let Some((t, _)) = self.pipes[to].front() {
                if *t > self.now {
                    break;
                }
                bytes.extend(self.pipes[to].pop_front().unwrap().1);
            }
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let n = (1 + self.rng.below(self.max_read as u64) as usize).min(rest.len());
                let (piece, tail) = rest.split_at(n);
                self.sides[to].s.handle_tcp_bytes(self.now, piece);
                rest = tail;
            }
        }
        for s in &mut self.sides {
            s.s.handle_timeout(self.now);
        }
        self.pump();
        true
    }

    fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        let mut steps = 0u64;
        while self.step(until) {
            steps += 1;
            assert!(steps < 10_000_000, "seed {}: runaway", self.seed);
        }
        self.pump();
    }

    fn both_connected(&self) -> bool {
        self.sides
            .iter()
            .all(|s| s.connected && s.s.status() == Status::Connected)
    }

    fn assert_election(&self) {
        let [a, b] = &self.sides;
        let (ra, rb) = (a.s.role(), b.s.role());
        let (ca, cb) = (a.s.config(), b.s.config());
        let a_wins = (ca.priority, ca.bridge_mac) < (cb.priority, cb.bridge_mac);
        let want = if a_wins {
            (Some(Role::Primary), Some(Role::Secondary))
        } else {
            (Some(Role::Secondary), Some(Role::Primary))
        };
        assert_eq!((ra, rb), want, "seed {}", self.seed);
        let sid = ca.bridge_mac.min(cb.bridge_mac);
        assert_eq!(a.s.system_id(), sid, "seed {}", self.seed);
        assert_eq!(b.s.system_id(), sid, "seed {}", self.seed);
    }

    fn assert_all_delivered(&self) {
        for i in 0..2 {
            assert_eq!(
                self.sides[i].tx_next,
                self.sides[1 - i].rx_expected,
                "seed {}: side {i}",
                self.seed
            );
            assert_eq!(self.sides[i].s.send_backlog(), (0, 0), "seed {}", self.seed);
        }
    }
}

/// The host opens the connection only when the active session asks; a third of the attempts
/// fail and the connection is reset at random instants. Every attempt comes exactly when the
/// session said it would (its backoff: 0.5 s doubling to 8 s, reset by each successful
/// connection), the passive side never asks, and every reconnect resynchronises as before.
#[test]
fn the_host_follows_the_sessions_reconnect_backoff() {
    let (mut total_fails, mut longest) = (0, Duration::ZERO);
    for seed in seeds(8) {
        let mut net = Net::with_session_backoff(seed, 1 + (seed as usize * 53) % 300, 33);
        for round in 0..4 {
            // Some application traffic at first, then quiet (heartbeats only) until the reset.
            net.load = 1;
            net.run_for(Duration::from_secs(1));
            net.load = 0;
            net.run_for(Duration::from_secs(24));
            assert!(
                net.both_connected(),
                "seed {seed} round {round}: not reconnected"
            );
            net.assert_election();
            net.reset();
            net.pump();
        }
        net.run_for(Duration::from_secs(25));
        assert!(net.both_connected(), "seed {seed}: not reconnected");
        net.assert_all_delivered();
        // Attempt k+1 comes exactly when the failure or close before it promised.
        let first = net.attempts.first().expect("attempts").0;
        assert_eq!(
            first,
            Instant::ZERO,
            "seed {seed}: the first attempt is at once"
        );
        assert_eq!(
            net.attempts.len(),
            net.promised.len() + 1,
            "seed {seed}: one attempt per failure or close, plus the first"
        );
        for (k, (&(at, _), &promised)) in net.attempts.iter().skip(1).zip(&net.promised).enumerate()
        {
            assert_eq!(at, promised, "seed {seed}: attempt {} off schedule", k + 2);
        }
        let fails = net.attempts.iter().filter(|a| a.1).count();
        total_fails += fails;
        for w in net.attempts.windows(2) {
            if w[0].1 {
                longest = longest.max(w[1].0 - w[0].0);
            }
        }
        let [a, b] = &net.sides;
        assert_eq!(
            b.s.counters().tcp_connect_failures as usize,
            fails,
            "seed {seed}"
        );
        assert_eq!(
            b.s.counters().tcp_connect_requests as usize,
            net.attempts.len()
        );
        assert_eq!(
            a.s.counters().tcp_connect_requests,
            0,
            "seed {seed}: passive side asked"
        );
        assert_eq!(a.connects, 5, "seed {seed}");
        assert_eq!(b.connects, 5, "seed {seed}");
    }
    // The runs did exercise the backoff: failed attempts, and at least one doubled delay.
    assert!(total_fails > 0, "no attempt failed");
    assert!(
        longest >= Duration::from_secs(1),
        "no backoff beyond the first delay: {longest:?}"
    );
}

#[test]
fn connects_over_ldp_and_elects_with_any_chunking() {
    for seed in seeds(16) {
        let max_read = [1, 3, 7, 64, 1500, 65536][(seed % 6) as usize];
        let mut net = Net::new(seed, max_read);
        net.run_for(Duration::from_secs(5));
        assert!(
            net.both_connected(),
            "seed {seed}: {:#?}",
            net.sides[0].s.monitor()
        );
        for s in &net.sides {
            assert_eq!(s.s.ldp_state(), Some(LdpState::Operational));
            assert!(s.s.ldp_peer_iccp());
            assert_eq!(s.connects, 1);
        }
        net.assert_election();
    }
}

#[test]
fn exactly_once_in_order_over_tcp_with_partial_reads() {
    for seed in seeds(4) {
        let mut net = Net::new(seed, [1, 5, 300, 4096][(seed % 4) as usize]);
        net.run_for(Duration::from_secs(5));
        assert!(net.both_connected(), "seed {seed}");
        net.load = 20;
        net.run_for(Duration::from_millis(300));
        net.load = 0;
        net.run_for(Duration::from_secs(2));
        assert!(net.both_connected(), "seed {seed}");
        assert!(net.sides.iter().all(|s| s.tx_next > 1000), "seed {seed}");
        net.assert_all_delivered();
        assert!(net.sides.iter().all(|s| s.silent == 0 && s.connects == 1));
        net.assert_election();
    }
}

#[test]
fn reset_and_reconnect_resynchronise_and_keep_the_system_id() {
    for seed in seeds(4) {
        let mut net = Net::new(seed, 1 + (seed as usize * 37) % 200);
        net.run_for(Duration::from_secs(5));
        assert!(net.both_connected(), "seed {seed}");
        let sid = net.sides[0].s.system_id();
        net.load = 1;
        // Resets at random instants, messages in flight are lost with the connection.
        for _ in 0..3 {
            let t = 1 + net.rng.below(2000);
            net.run_for(Duration::from_millis(t));
            net.reset();
            net.pump();
            for s in &net.sides {
                assert!(!s.connected, "seed {seed}");
                assert_eq!(s.s.status(), Status::Connecting);
                assert_eq!(s.s.state(), State::Nonexistent);
                assert_eq!(s.s.system_id(), sid, "seed {seed}: sticky system-id");
            }
            net.run_for(Duration::from_secs(3));
            assert!(net.both_connected(), "seed {seed}: no reconnect");
        }
        net.load = 0;
        net.run_for(Duration::from_secs(2));
        assert!(net.sides.iter().all(|s| s.connects == 4), "seed {seed}");
        net.assert_all_delivered();
        net.assert_election();
    }
}

#[test]
fn silent_peer_detected_over_tcp_and_reconnects() {
    let mut net = Net::new(3, 100);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    // The peer stops reading and writing, the connection stays (a hung peer): heartbeats stop.
    net.delay = Duration::from_secs(3600);
    net.run_for(Duration::from_millis(2000));
    assert!(
        net.sides.iter().all(|s| s.silent == 0),
        "not before 3 intervals"
    );
    net.run_for(Duration::from_millis(1100));
    // The first side to notice closes the LDP session; the reset takes the other down too.
    let silent: Vec<u32> = net.sides.iter().map(|s| s.silent).collect();
    assert!(
        silent.contains(&1) && silent.iter().all(|&n| n <= 1),
        "{silent:?}"
    );
    assert!(net.sides.iter().all(|s| !s.connected), "within 3 intervals");
    net.delay = Duration::from_micros(200);
    let now = net.now;
    for p in &mut net.pipes {
        p.iter_mut().for_each(|x| x.0 = now);
    }
    // The silent side closed the LDP session; the host reset the connection and reconnects.
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    net.assert_election();
}

#[test]
fn disable_sends_rg_disconnect_and_reenable_reconnects() {
    let mut net = Net::new(4, 9);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    net.sides[0].s.set_enabled(net.now, false);
    net.pump();
    net.run_for(Duration::from_secs(2));
    assert_eq!(net.sides[0].s.status(), Status::Disabled);
    assert!(!net.sides[1].connected);
    net.sides[0].s.set_enabled(net.now, true);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    net.assert_election();
}

#[test]
fn l2_inputs_are_refused_over_ldp() {
    let mut s = session(0, 1, Instant::ZERO);
    assert_eq!(s.ldp_state(), Some(LdpState::NonExistent));
    let mut buf = vec![0u8; iccp::wire::l2::FRAME_MAX];
    assert!(s.poll_transmit(Instant::ZERO, &mut buf).is_none());
    assert!(s.handle_frame(Instant::ZERO, &[0u8; 64]).is_err());
    assert_eq!(s.status(), Status::Connecting);
}

/// Throughput over LDP/TCP in memory (both sides' CPU on one core): run with
/// `cargo test --release -p iccp --test tcp_sim -- --ignored --nocapture ldp_throughput`.
#[test]
#[ignore]
fn ldp_throughput() {
    let mut net = Net::new(1, 1 << 20);
    net.delay = Duration::ZERO;
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    let n = 200_000u64;
    let t = std::time::Instant::now();
    let mut pdu_bytes = 0usize;
    let (a, b) = net.sides.split_at_mut(1);
    let (a, b) = (&mut a[0], &mut b[0]);
    let now = net.now;
    let mut sent = 0u64;
    let mut got = 0u64;
    while got < n {
        while sent < n && sent - got < 1000 {
            a.s.send_app(&Param::FdbDelta {
                kind: 1,
                records: &sent.to_be_bytes(),
            })
            .unwrap();
            sent += 1;
        }
        let mut stream = Vec::new();
        while let Some(p) = a.s.poll_tcp_transmit(now) {
            stream.extend_from_slice(&p);
        }
        pdu_bytes += stream.len();
        b.s.handle_tcp_bytes(now, &stream);
        while let Some(m) = b.s.poll_app() {
            let Ok(Param::FdbDelta { records, .. }) = m.param() else {
                panic!()
            };
            assert_eq!(u64::from_be_bytes(records.try_into().unwrap()), got);
            got += 1;
        }
        while b.s.poll_tcp_transmit(now).is_some() {}
    }
    let dt = t.elapsed();
    println!(
        "LDP/TCP: {n} messages in {dt:?}: {:.2} M messages/s, {} octets per message on the wire",
        n as f64 / dt.as_secs_f64() / 1e6,
        pdu_bytes / n as usize
    );
}

#[test]
fn garbage_on_the_stream_is_counted_and_the_sessions_resynchronise() {
    let mut net = Net::new(11, 50);
    net.run_for(Duration::from_secs(5));
    assert!(net.both_connected());
    let sid = net.sides[0].s.system_id();
    // A PDU header with a bad version: the LDP session closes (RFC 5036 §3.5.1.2.1), the
    // error is counted, the host resets and both sides reconnect and resynchronise.
    let before = net.sides[0].s.counters().rx_malformed;
    let now = net.now;
    net.sides[0]
        .s
        .handle_tcp_bytes(now, &[0x00, 0x07, 0x00, 0x06, 10, 0, 0, 2, 0, 0]);
    net.pump();
    assert_eq!(net.sides[0].s.counters().rx_malformed, before + 1);
    assert!(net.sides.iter().all(|s| !s.connected));
    net.run_for(Duration::from_secs(3));
    assert!(net.both_connected());
    assert!(net.sides.iter().all(|s| s.connects == 2));
    assert_eq!(net.sides[1].s.system_id(), sid);
    net.assert_election();
    // An ICC message for another RG over the live connection: NAKed (Unknown ICCP RG), counted,
    // the connection stays.
    let mut msg = vec![0u8; 64];
    let n = iccp::wire::message::emit_icc(
        &mut msg,
        iccp::wire::message::MessageType::RG_APPLICATION_DATA,
        77,
        0xdead,
        &[Param::FdbDelta {
            kind: 1,
            records: &[0; 8],
        }],
    )
    .unwrap();
    let mut pdu = vec![0u8; 10 + n];
    iccp::wire::ldp::emit_pdu(&mut pdu, LSR[1], 0, &msg[..n]).unwrap();
    let rejected = net.sides[0].s.counters().rx_rejected_messages;
    let now = net.now;
    net.sides[0].s.handle_tcp_bytes(now, &pdu);
    net.pump();
    assert_eq!(net.sides[0].s.counters().rx_rejected_messages, rejected + 1);
    assert_eq!(
        net.sides[0].s.monitor().last_error,
        Some(iccp::LastError::UnknownRg(0xdead))
    );
    net.run_for(Duration::from_secs(1));
    assert!(net.both_connected());
}

#[test]
fn priority_changes_over_tcp_never_give_two_primaries() {
    // TCP has no per-message acknowledgement the session sees: the Election v2 echo is what
    // tells a side that the peer holds its new priority.
    for seed in seeds(8) {
        let max_read = [1, 7, 64, 1500][(seed % 4) as usize];
        let mut net = Net::new(seed, max_read);
        net.delay = Duration::from_millis(2);
        net.run_for(Duration::from_secs(5));
        assert!(net.both_connected(), "seed {seed}");
        let mut rng = Rng(seed ^ 0xfeed);
        for _ in 0..30 {
            let who = rng.below(2) as usize;
            let p = [0u8, 20, 64, 100, 128][rng.below(5) as usize];
            let now = net.now;
            net.sides[who].s.set_priority(now, p).unwrap();
            net.pump();
            let until = net.now + Duration::from_micros(rng.below(10_000));
            loop {
                let connected = net.sides.iter().all(|s| s.s.status() == Status::Connected);
                let primaries = net
                    .sides
                    .iter()
                    .filter(|s| s.s.role() == Some(Role::Primary))
                    .count();
                assert!(!connected || primaries <= 1, "seed {seed}: two primaries");
                if !net.step(until) {
                    break;
                }
            }
        }
        net.run_for(Duration::from_secs(5));
        assert!(net.both_connected(), "seed {seed}");
        assert!(
            net.sides.iter().all(|s| s.s.election_settled()),
            "seed {seed}"
        );
        net.assert_election();
    }
}
