//! Two `LdpSession`s back to back over an in-memory byte stream.

use iccp::ldp_session::{LdpCloseReason, LdpEvent, LdpSession, LdpSessionConfig, LdpState};
use iccp::wire::IccMessage;
use iccp::wire::message::{self, MessageType};
use iccp::wire::param::Param;
use l2_types::{Duration, Instant};

fn pump(
    a: &mut LdpSession,
    b: &mut LdpSession,
    now: Instant,
    chunk: usize,
) -> (Vec<LdpEvent>, Vec<LdpEvent>) {
    let mut ea = Vec::new();
    let mut eb = Vec::new();
    for _ in 0..20 {
        let mut busy = false;
        while let Some(p) = a.poll_transmit() {
            busy = true;
            for c in p.chunks(chunk) {
                b.handle_bytes(now, c);
            }
        }
        while let Some(p) = b.poll_transmit() {
            busy = true;
            for c in p.chunks(chunk) {
                a.handle_bytes(now, c);
            }
        }
        ea.extend(core::iter::from_fn(|| a.poll_event()));
        eb.extend(core::iter::from_fn(|| b.poll_event()));
        if !busy {
            break;
        }
    }
    (ea, eb)
}

#[test]
fn session_comes_up_and_carries_icc_messages() {
    for chunk in [1, 3, 7, 1500] {
        let now = Instant::ZERO;
        let mut a = LdpSession::new(LdpSessionConfig::new([192, 0, 2, 2], [192, 0, 2, 1], true));
        let mut b = LdpSession::new(LdpSessionConfig::new([192, 0, 2, 1], [192, 0, 2, 2], false));
        b.handle_connected(now);
        a.handle_connected(now);
        let (ea, eb) = pump(&mut a, &mut b, now, chunk);
        assert_eq!(
            ea,
            vec![LdpEvent::Operational { peer_iccp: true }],
            "chunk {chunk}"
        );
        assert_eq!(eb, vec![LdpEvent::Operational { peer_iccp: true }]);
        assert_eq!(
            (a.state(), b.state()),
            (LdpState::Operational, LdpState::Operational)
        );
        let mut m = vec![0; 64];
        let n = message::emit_icc(
            &mut m,
            MessageType::RG_CONNECT,
            5,
            1,
            &[Param::SenderName("a")],
        )
        .unwrap();
        a.send_icc(&m[..n]).unwrap();
        let (_, eb) = pump(&mut a, &mut b, now, chunk);
        let [LdpEvent::Icc(got)] = &eb[..] else {
            panic!("{eb:?}")
        };
        assert_eq!(
            IccMessage::parse_bytes(got).unwrap().param(1),
            Some(&Param::SenderName("a"))
        );
    }
}

#[test]
fn keepalives_hold_the_session_and_silence_closes_it() {
    let mut now = Instant::ZERO;
    let mut cfg = LdpSessionConfig::new([10, 0, 0, 2], [10, 0, 0, 1], true);
    cfg.keepalive_time = 15;
    let mut a = LdpSession::new(cfg);
    let mut b = LdpSession::new(LdpSessionConfig::new([10, 0, 0, 1], [10, 0, 0, 2], false));
    a.handle_connected(now);
    b.handle_connected(now);
    pump(&mut a, &mut b, now, 100);
    // Negotiated keepalive: min(15, 180) = 15 s; KeepAlives every 5 s keep it up for a minute.
    for _ in 0..60 {
        now += Duration::from_secs(1);
        a.handle_timeout(now);
        b.handle_timeout(now);
        pump(&mut a, &mut b, now, 100);
    }
    assert_eq!(
        (a.state(), b.state()),
        (LdpState::Operational, LdpState::Operational)
    );
    // b goes silent: a closes after the hold time.
    for _ in 0..16 {
        now += Duration::from_secs(1);
        a.handle_timeout(now);
        while a.poll_transmit().is_some() {}
    }
    assert_eq!(a.state(), LdpState::NonExistent);
    let ev: Vec<_> = core::iter::from_fn(|| a.poll_event()).collect();
    assert!(
        ev.contains(&LdpEvent::Closed(LdpCloseReason::KeepAliveExpired)),
        "{ev:?}"
    );
}

#[test]
fn bad_streams_close_with_a_typed_reason() {
    let now = Instant::ZERO;
    let mut b = LdpSession::new(LdpSessionConfig::new([10, 0, 0, 1], [10, 0, 0, 2], false));
    b.handle_connected(now);
    b.handle_bytes(now, &[0, 9, 0, 6, 0, 0, 0, 0, 0, 0]);
    assert_eq!(b.state(), LdpState::NonExistent);
    let ev: Vec<_> = core::iter::from_fn(|| b.poll_event()).collect();
    assert!(
        matches!(ev[..], [LdpEvent::Closed(LdpCloseReason::Malformed(_))]),
        "{ev:?}"
    );
    assert!(b.poll_transmit().is_some(), "a fatal notification goes out");
    // A PDU from another LSR.
    let mut b = LdpSession::new(LdpSessionConfig::new([10, 0, 0, 1], [10, 0, 0, 2], false));
    b.handle_connected(now);
    let mut a = LdpSession::new(LdpSessionConfig::new([10, 0, 0, 3], [10, 0, 0, 1], true));
    a.handle_connected(now);
    let p = a.poll_transmit().unwrap();
    b.handle_bytes(now, &p);
    assert_eq!(
        b.poll_event(),
        Some(LdpEvent::Closed(LdpCloseReason::BadLdpIdentifier))
    );
    // ICC before the session is up is refused locally.
    let mut m = vec![0; 64];
    let n = message::emit_icc(
        &mut m,
        MessageType::RG_CONNECT,
        5,
        1,
        &[Param::SenderName("a")],
    )
    .unwrap();
    assert!(a.send_icc(&m[..n]).is_err());
}
