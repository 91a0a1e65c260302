//! Fuzz target bodies for the mlag crates.
//!
//! Each public function is the body of one fuzz target. They are shared by
//!
//! * the cargo-fuzz harness in `fuzz/cargo-fuzz/` (one `fuzz_targets/<name>.rs` per body, built
//!   with libFuzzer and sanitizers), and
//! * `fuzz/tests/replay.rs`, which replays every committed corpus file (`fuzz/corpus/<name>/`)
//!   through the same body as an ordinary `cargo test`.
//!
//! A body must not panic on any input; a panic (or a failed assertion) is a bug in the code under
//! test. The "sound round trip" bodies assert that whatever decodes successfully re-encodes and
//! decodes to the same value: `decode(encode(decode(x))) == decode(x)`.
//!
//! | target | input | checks |
//! |---|---|---|
//! | [`lacp_decode`] | an Ethernet frame *or* a bare Slow Protocols PDU | no panic; sound round trip of every accepted frame/PDU; conformance scan and TLV iteration never panic |
//! | [`marker_decode`] | a bare Marker PDU or a frame | no panic; sound round trip; the Marker Response round-trips too |
//! | [`lacp_roundtrip`] | a bare LACPDU | bytes → repr → bytes → repr: the two reprs and the two encodings are equal |
//! | [`lacp_system`] | a mode octet + an op sequence ([`lacp::ops`]) | after every step: `check_invariants()`; every transmitted frame decodes and matches its port; ≤ 3 LACPDUs per port per 1 s; bounded queues |

use std::collections::{BTreeMap, VecDeque};

use l2_types::{Instant, MacAddr, PortNo};
use lacp::machines::{
    FAST_PERIODIC_TIME, LACPDUS_PER_FAST_PERIODIC_MAX, MARKER_RESPONSES_PER_SECOND_MAX,
};
use lacp::ops::{Op, apply, decode_ops, setup};
use lacp::wire::lacpdu::Packet;
use lacp::wire::{LacpduRepr, MarkerKind, MarkerRepr, SlowPdu};
use lacp::{EVENTS_MAX, System, TRANSMITS_MAX};

/// Largest frame the round trips re-emit into (a LACPv2 chain is at most 255 TLVs of 255 octets
/// in theory, but any accepted input is shorter than the input itself plus the Ethernet header).
fn scratch(len: usize) -> Vec<u8> {
    vec![0u8; len + 64]
}

/// Re-emits an accepted LACPDU, checks the encoding's length and that it decodes to the same
/// value; returns the encoding.
fn lacpdu_round_trip(r: &LacpduRepr<'_>) -> Vec<u8> {
    let len = r.buffer_len();
    let mut buf = scratch(len);
    let n = r.emit(&mut buf).expect("emit into a buffer_len() buffer");
    assert_eq!(n, len, "emit wrote a different length than buffer_len()");
    buf.truncate(n);
    let back = LacpduRepr::parse_bytes(&buf).expect("re-decoding our own encoding");
    assert_eq!(&back, r, "decode(encode(x)) != x");
    buf
}

/// Re-emits an accepted Marker PDU and checks it decodes to the same value.
fn marker_round_trip(m: &MarkerRepr) {
    let mut buf = scratch(m.buffer_len());
    let n = m.emit(&mut buf).expect("emit into a buffer_len() buffer");
    assert_eq!(n, m.buffer_len());
    let back = MarkerRepr::parse(&buf[..n]).expect("re-decoding our own encoding");
    assert_eq!(&back, m, "decode(encode(x)) != x");
}

/// Exercises the read-only parts of an accepted LACPDU that `parse` does not touch.
fn lacpdu_inspect(pdu: &[u8], r: &LacpduRepr<'_>) {
    let mut deviations = 0usize;
    Packet::new_unchecked(pdu).conformance(|_| deviations += 1);
    assert!(deviations <= pdu.len(), "more deviations than octets");
    let mut tlv_octets = 0usize;
    for tlv in r.tlvs.iter() {
        let _ = tlv.name();
        tlv_octets += tlv.buffer_len();
    }
    assert_eq!(tlv_octets, r.tlvs.len(), "TLV iteration lost octets");
}

/// Decodes `data` as a Slow Protocols frame and as a bare PDU; every accepted input must round
/// trip soundly.
pub fn lacp_decode(data: &[u8]) {
    if let Ok((eth, pdu)) = SlowPdu::parse_frame(data) {
        let mut buf = scratch(data.len().max(eth.buffer_len() + pdu.buffer_len()));
        let n = pdu
            .emit_frame(&eth, &mut buf)
            .expect("emit_frame into a large enough buffer");
        let (eth2, pdu2) = SlowPdu::parse_frame(&buf[..n]).expect("re-decoding our own frame");
        assert_eq!(eth2, eth);
        match (pdu, pdu2) {
            // `emit_frame` pads to the 60-octet Ethernet minimum, and an undecoded PDU owns
            // everything after the header, so a short one comes back with the zero padding.
            (SlowPdu::Other { pdu: a, .. }, SlowPdu::Other { pdu: b, .. }) => {
                assert_eq!(b.get(..a.len()), Some(a));
                assert!(b.get(a.len()..).unwrap_or_default().iter().all(|&x| x == 0));
            }
            (a, b) => assert_eq!(a, b),
        }
    }
    match SlowPdu::parse(data) {
        Ok(SlowPdu::Lacp(r)) => {
            lacpdu_inspect(data, &r);
            lacpdu_round_trip(&r);
        }
        Ok(SlowPdu::Marker(m)) => marker_round_trip(&m),
        Ok(SlowPdu::Other { pdu, .. }) => assert_eq!(pdu, data),
        Err(_) => {}
    }
    // The view over a buffer that passed `new_checked` must never panic either.
    if let Ok(p) = Packet::new_checked(data) {
        let _ = (p.version(), p.actor(), p.partner(), p.collector_max_delay());
        let _ = p.tlvs();
        p.conformance(|_| {});
    }
}

/// Decodes `data` as a bare Marker PDU and as a frame; accepted PDUs, and their Marker
/// Responses, must round trip soundly.
pub fn marker_decode(data: &[u8]) {
    if let Ok(m) = MarkerRepr::parse(data) {
        marker_round_trip(&m);
        let resp = m.response();
        marker_round_trip(&resp);
        assert_eq!(
            (
                resp.requester_port,
                resp.requester_system,
                resp.requester_transaction_id
            ),
            (
                m.requester_port,
                m.requester_system,
                m.requester_transaction_id
            ),
            "a Marker Response must echo the requester fields"
        );
    }
    if let Ok((_, SlowPdu::Marker(m))) = SlowPdu::parse_frame(data) {
        marker_round_trip(&m);
    }
}

/// bytes → repr → bytes → repr: once decoded, a LACPDU's encoding is a fixed point.
pub fn lacp_roundtrip(data: &[u8]) {
    let Ok(r1) = LacpduRepr::parse_bytes(data) else {
        return;
    };
    let bytes1 = lacpdu_round_trip(&r1);
    let r2 = LacpduRepr::parse_bytes(&bytes1).expect("re-decoding our own encoding");
    let bytes2 = lacpdu_round_trip(&r2);
    assert_eq!(r1, r2);
    assert_eq!(bytes1, bytes2, "encode(decode(encode(x))) != encode(x)");
    // The v1 fields sit at fixed offsets whatever the version (802.1AX forward compatibility), so
    // the re-encoding agrees with the input on every octet the repr carries.
    // Version 1, actor info 4..19 and partner info 24..39 (without their reserved octets),
    // CollectorMaxDelay 44..46.
    let fixed = core::iter::once(1).chain(4..19).chain(24..39).chain(44..46);
    for at in fixed {
        assert_eq!(bytes1.get(at), data.get(at), "octet {at} changed");
    }
}

// Op-sequence targets
// -------------------

/// Ops one `lacp_system` input may run (libFuzzer's default `-max_len` keeps inputs shorter).
const SYSTEM_OPS_MAX: usize = 4096;
/// Timer instants `lacp_system` visits between two ops when it follows `poll_timeout()`.
const SYSTEM_TICKS_PER_OP_MAX: usize = 64;

/// The transmit instants seen per port, for the rate checks of [`lacp_system`].
#[derive(Default)]
struct TxLog {
    lacpdus: BTreeMap<PortNo, VecDeque<Instant>>,
    marker_responses: BTreeMap<PortNo, VecDeque<Instant>>,
}

/// Records a transmit at `now` and returns how many the port sent in the 1 s window ending at
/// `now` (the instants `t` with `now - t < 1 s`).
fn window_count(
    log: &mut BTreeMap<PortNo, VecDeque<Instant>>,
    port: PortNo,
    now: Instant,
) -> usize {
    let w = log.entry(port).or_default();
    while w.front().is_some_and(|t| *t + FAST_PERIODIC_TIME <= now) {
        w.pop_front();
    }
    w.push_back(now);
    w.len()
}

/// Drains `poll_transmit` and `poll_event` (each at most one queue bound plus one, so an
/// unbounded queue fails instead of hanging) and checks every frame. `rate` enables the per-port
/// rate checks: they hold only when the host drains after every input, as the API asks, because
/// the System records a transmit when it queues the frame.
fn system_drain(sys: &mut System, now: Instant, log: &mut TxLog, rate: bool) {
    let mut buf = [0u8; 1514];
    let mut frames = 0usize;
    while let Some(t) = sys.poll_transmit(&mut buf) {
        frames += 1;
        assert!(frames <= TRANSMITS_MAX, "transmit queue over its bound");
        let frame = buf.get(..t.len).expect("Transmit::len within the buffer");
        let (eth, pdu) = SlowPdu::parse_frame(frame).expect("a transmitted frame must decode");
        let status = sys.port(t.port).expect("transmit on a port the System has");
        // `lacp::ops` gives port n the MAC 02:00:00:00:01:n whatever its configuration.
        let mac = MacAddr([0x02, 0, 0, 0, 1, t.port.0 as u8]);
        assert_eq!(eth.src, mac, "source MAC is not the port's");
        match pdu {
            SlowPdu::Lacp(r) => {
                assert_eq!(
                    r.actor, status.actor,
                    "LACPDU actor differs from the port's"
                );
                assert_eq!(
                    r.partner, status.partner,
                    "LACPDU partner differs from the port's"
                );
                if rate {
                    let n = window_count(&mut log.lacpdus, t.port, now);
                    assert!(
                        n <= LACPDUS_PER_FAST_PERIODIC_MAX,
                        "port {:?} sent {n} LACPDUs within 1 s (at {now:?})",
                        t.port
                    );
                }
            }
            SlowPdu::Marker(m) => {
                assert_eq!(
                    m.kind,
                    MarkerKind::Response,
                    "the System only answers Markers"
                );
                if rate {
                    let n = window_count(&mut log.marker_responses, t.port, now);
                    assert!(
                        n <= MARKER_RESPONSES_PER_SECOND_MAX,
                        "port {:?} sent {n} Marker Responses within 1 s",
                        t.port
                    );
                }
            }
            SlowPdu::Other { subtype, .. } => panic!("transmitted an unknown subtype {subtype}"),
        }
    }
    let mut events = 0usize;
    while sys.poll_event().is_some() {
        events += 1;
        assert!(events <= EVENTS_MAX, "event queue over its bound");
    }
}

/// Checks the System after one step.
fn system_check(sys: &System) {
    if let Err(e) = sys.check_invariants() {
        panic!("invariant violated: {e}");
    }
}

/// Op sequences against a [`lacp::System`].
///
/// The first octet selects the mode: bit 0 makes the harness visit every `poll_timeout()`
/// instant up to the next op's time (at most 64 of them) and call
/// `handle_timeout` there, as a host's run loop does, rather than only at the `Timeout` ops; bit
/// 1 makes it drain the outputs only at the `Drain` ops (so queues grow), otherwise it drains
/// after every step. The rest is an op sequence in the [`lacp::ops`] language, applied from
/// [`lacp::ops::setup`] with virtual time advancing monotonically.
///
/// After every step: `check_invariants()` holds; every transmitted frame decodes with
/// `SlowPdu::parse_frame`, comes from the port's MAC and carries the port's current actor and
/// partner information (LACPDUs) or is a Marker Response; no port sends more than 3 LACPDUs or 7
/// Marker Responses within any 1 s window (checked when draining after every step); draining
/// ends within the queue bounds.
pub fn lacp_system(data: &[u8]) {
    let Some((&mode, ops)) = data.split_first() else {
        return;
    };
    let follow_timers = mode & 1 != 0;
    let lazy_drain = mode & 2 != 0;
    let mut now = Instant::ZERO;
    let mut sys = setup(now);
    let mut log = TxLog::default();
    system_check(&sys);
    if !lazy_drain {
        system_drain(&mut sys, now, &mut log, true);
    }
    for (delay, op) in decode_ops(ops).take(SYSTEM_OPS_MAX) {
        let at = now + delay;
        if follow_timers {
            for _ in 0..SYSTEM_TICKS_PER_OP_MAX {
                let Some(t) = sys.poll_timeout().filter(|t| *t <= at) else {
                    break;
                };
                now = now.max(t);
                sys.handle_timeout(now);
                system_check(&sys);
                if !lazy_drain {
                    system_drain(&mut sys, now, &mut log, true);
                }
            }
        }
        now = at;
        match op {
            Op::Drain => system_drain(&mut sys, now, &mut log, !lazy_drain),
            // A port removed and added again under the same number is the same port on the
            // same wire: its transmit history is kept, so the rate checks span the re-add
            // (FUZZING.md, finding 3).
            op => apply(&mut sys, now, &op),
        }
        system_check(&sys);
        if !lazy_drain {
            system_drain(&mut sys, now, &mut log, true);
        }
    }
    system_drain(&mut sys, now, &mut log, !lazy_drain);
    system_check(&sys);
}
