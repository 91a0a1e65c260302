//! Reconnect with backoff over LDP/TCP (`Session::new_ldp`), in virtual time: the active side
//! asks for a connection at once, then after each failed attempt or closed connection after
//! `discovery_interval` × 2^n capped at `reconnect_max` (less a seeded jitter when configured);
//! the count resets when the mLACP connection becomes operational; the passive side never asks.

use iccp::ldp_session::LdpSessionConfig;
use iccp::{Event, Session, SessionConfig, State};
use l2_types::{Duration, Instant, MacAddr};

const LSR: [[u8; 4]; 2] = [[10, 0, 0, 1], [10, 0, 0, 2]];

fn config(i: u8, seed: u64, jitter: u8) -> SessionConfig {
    let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, 0, 1 + i]));
    c.seed = seed;
    c.discovery_interval = Duration::from_millis(500);
    c.reconnect_max = Duration::from_secs(8);
    c.reconnect_jitter_percent = jitter;
    c
}

/// Side 1 is active (RFC 5036 §2.5.2: the higher transport address).
fn session(i: u8, seed: u64, jitter: u8) -> Session {
    let i_us = usize::from(i);
    let ldp = LdpSessionConfig::new(LSR[i_us], LSR[1 - i_us], i == 1);
    Session::try_new_ldp(config(i, seed, jitter), ldp, Instant::ZERO).unwrap()
}

/// Runs `s`'s timers up to `until` (each deadline in turn), as a host would.
fn run_until(s: &mut Session, until: Instant) {
    while let Some(t) = s.poll_timeout().filter(|&t| t <= until) {
        s.handle_timeout(t);
    }
}

/// The instant of the next connection request: advances virtual time by the session's own
/// deadlines and checks that no request comes earlier.
fn next_request(s: &mut Session, from: Instant) -> Instant {
    let at = s.reconnect_at().expect("a reconnect is scheduled");
    assert_eq!(
        s.poll_timeout(),
        Some(at),
        "poll_timeout includes the reconnect"
    );
    let before = Instant::from_nanos(at.as_nanos() - 1);
    run_until(s, before);
    assert!(!s.poll_tcp_connect(before), "asked before {at:?}");
    assert!(before >= from);
    run_until(s, at);
    assert!(s.poll_tcp_connect(at), "not asked at {at:?}");
    assert!(!s.poll_tcp_connect(at), "asked twice for one attempt");
    at
}

#[test]
fn failed_attempts_back_off_exponentially_up_to_the_ceiling() {
    let mut s = session(1, 7, 0);
    let t0 = Instant::ZERO;
    assert!(
        s.poll_tcp_connect(t0),
        "the first attempt is due at creation"
    );
    assert!(!s.poll_tcp_connect(t0));
    let mut now = t0;
    let mut delays = Vec::new();
    for _ in 0..8 {
        s.handle_tcp_connect_failed(now);
        let at = next_request(&mut s, now);
        delays.push((at - now).as_millis());
        now = at;
    }
    assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    assert_eq!(s.reconnect_failures(), 8);
    assert_eq!(s.counters().tcp_connect_requests, 9);
    assert_eq!(s.counters().tcp_connect_failures, 8);
    // The delays are a function of the count alone.
    assert_eq!(s.reconnect_delay(0), Duration::from_millis(500));
    assert_eq!(s.reconnect_delay(3), Duration::from_secs(4));
    assert_eq!(s.reconnect_delay(40), Duration::from_secs(8));
    assert_eq!(s.reconnect_delay(u32::MAX), Duration::from_secs(8));
}

/// Both sides over an in-memory TCP connection until both are connected or `limit` passes.
fn connect_pair(a: &mut Session, b: &mut Session, now: &mut Instant, limit: Instant) -> bool {
    a.handle_tcp_connected(*now);
    b.handle_tcp_connected(*now);
    let (mut ca, mut cb) = (false, false);
    while *now < limit && !(ca && cb) {
        let mut moved = true;
        while moved {
            moved = false;
            while let Some(pdu) = a.poll_tcp_transmit(*now) {
                b.handle_tcp_bytes(*now, &pdu);
                moved = true;
            }
            while let Some(pdu) = b.poll_tcp_transmit(*now) {
                a.handle_tcp_bytes(*now, &pdu);
                moved = true;
            }
        }
        while let Some(e) = a.poll_event() {
            ca |= matches!(e, Event::Connected(_));
        }
        while let Some(e) = b.poll_event() {
            cb |= matches!(e, Event::Connected(_));
        }
        let next = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(limit)
            .max(*now + Duration::from_millis(1));
        *now = next.min(limit);
        a.handle_timeout(*now);
        b.handle_timeout(*now);
    }
    ca && cb
}

#[test]
fn success_resets_the_backoff_and_a_lost_connection_reconnects_after_the_first_delay() {
    let mut active = session(1, 3, 0);
    let mut passive = session(0, 4, 0);
    let mut now = Instant::ZERO;
    assert!(active.poll_tcp_connect(now));
    // Three refused attempts: the count grows.
    for _ in 0..3 {
        active.handle_tcp_connect_failed(now);
        now = next_request(&mut active, now);
    }
    assert_eq!(active.reconnect_failures(), 3);
    // The fourth attempt succeeds; the count stays until the mLACP connection is operational.
    assert!(connect_pair(
        &mut active,
        &mut passive,
        &mut now,
        Instant::from_secs(60)
    ));
    assert_eq!(active.state(), State::Operational);
    assert_eq!(active.reconnect_failures(), 0, "reset on success");
    assert_eq!(active.reconnect_at(), None);
    assert!(!active.poll_tcp_connect(now), "no request while connected");
    // The connection is reset: the first delay again, not the 4 s the count had reached.
    now += Duration::from_secs(5);
    run_until(&mut active, now);
    run_until(&mut passive, now);
    active.handle_tcp_closed(now);
    passive.handle_tcp_closed(now);
    let at = next_request(&mut active, now);
    assert_eq!(at - now, Duration::from_millis(500));
    // The passive side never asks: it waits for the peer's connection.
    run_until(&mut passive, now + Duration::from_secs(120));
    assert!(!passive.poll_tcp_connect(now + Duration::from_secs(120)));
    assert_eq!(passive.reconnect_at(), None);
    assert_eq!(passive.counters().tcp_connect_requests, 0);
    // Reconnected: operational again, with a full resynchronisation (a new Connected).
    let mut now = at;
    assert!(connect_pair(
        &mut active,
        &mut passive,
        &mut now,
        at + Duration::from_secs(60)
    ));
}

#[test]
fn a_peer_that_drops_the_connection_before_it_is_operational_backs_off() {
    // The transport comes up but the connection never becomes operational (the peer closes
    // it at once, as an LDP speaker without ICCP might): each close counts as a failure.
    let mut s = session(1, 11, 0);
    let mut now = Instant::ZERO;
    assert!(s.poll_tcp_connect(now));
    let mut delays = Vec::new();
    for _ in 0..6 {
        s.handle_tcp_connected(now);
        assert!(!s.poll_tcp_connect(now));
        s.handle_tcp_closed(now);
        let at = next_request(&mut s, now);
        delays.push((at - now).as_millis());
        now = at;
    }
    assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 8000]);
}

#[test]
fn jitter_is_bounded_and_reproducible_from_the_seed() {
    let a = session(1, 42, 25);
    let b = session(1, 42, 25);
    let c = session(1, 43, 25);
    let plain = session(1, 42, 0);
    let mut differs = false;
    for n in 0..40 {
        let base = plain.reconnect_delay(n);
        let d = a.reconnect_delay(n);
        assert_eq!(d, b.reconnect_delay(n), "same seed, same delay");
        assert!(
            d <= base && d >= base * 3 / 4,
            "n {n}: {d:?} outside [0.75, 1] × {base:?}"
        );
        differs |= d != c.reconnect_delay(n);
    }
    assert!(differs, "another seed gives other delays");
    // And the session uses exactly these delays.
    let mut s = session(1, 42, 25);
    let mut now = Instant::ZERO;
    assert!(s.poll_tcp_connect(now));
    for n in 0..6 {
        s.handle_tcp_connect_failed(now);
        let at = next_request(&mut s, now);
        assert_eq!(at - now, a.reconnect_delay(n));
        now = at;
    }
    // Out of range in the configuration: rejected by validation, clamped by `new_ldp`.
    let mut cfg = config(1, 1, 51);
    assert!(cfg.validate().is_err());
    cfg.reconnect_jitter_percent = 50;
    assert!(cfg.validate().is_ok());
}

#[test]
fn disabled_sessions_do_not_ask_and_enabling_connects_at_once() {
    let mut s = session(1, 5, 0);
    let mut now = Instant::ZERO;
    assert!(s.poll_tcp_connect(now));
    s.handle_tcp_connect_failed(now);
    // A repeated report changes nothing: the attempt is already scheduled.
    s.handle_tcp_connect_failed(now);
    assert_eq!(s.reconnect_at(), Some(now + Duration::from_millis(500)));
    assert_eq!(s.counters().tcp_connect_failures, 1);
    now = next_request(&mut s, now);
    s.handle_tcp_connect_failed(now);
    s.set_enabled(now, false);
    assert_eq!(s.reconnect_at(), None);
    run_until(&mut s, now + Duration::from_secs(60));
    assert!(!s.poll_tcp_connect(now + Duration::from_secs(60)));
    now += Duration::from_secs(60);
    s.set_enabled(now, true);
    assert_eq!(s.reconnect_failures(), 0);
    assert!(s.poll_tcp_connect(now), "enabling connects at once");
    s.handle_tcp_connect_failed(now);
    assert_eq!(s.reconnect_at(), Some(now + Duration::from_millis(500)));
}
