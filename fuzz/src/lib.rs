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
//! | [`stp_bridge`] | an op sequence ([`stp::ops`]) over a 6-port MSTP bridge (MST BPDUs from inside and outside its region, region, MSTI priority and internal cost changes, force-version changes) | after every step: `check_invariants()`; every transmitted frame parses as a BPDU frame and BPDU, for an existing port; ≤ Transmit Hold Count + 1 BPDUs per port per 1 s; bounded queues |
//! | [`stp_snapshot`] | a mode octet, then snapshot octets or a split point, a time shift and an op sequence | restore is total and canonical; a restored bridge (same or shifted instant) re-encodes to the same octets and shows exactly what the original shows under the same later ops |
//! | [`stp_decode`], [`stp_mcid`] | a frame or bare BPDU; MCID octets and VID→MSTID pairs | sound round trip; digest of any table |
//! | [`iccp_decode`], [`iccp_deframer`] | an L2 frame or LDP PDU; a TCP byte stream in arbitrary chunks | no panic; sound round trip; deframing independent of chunking |
//! | [`iccp_session`], [`iccp_ldp_session`], [`iccp_session_ldp`] | op sequences over two sessions (L2 framing, LDP session, Session over LDP/TCP) | session invariants, agreement, exactly-once delivery |
//! | [`fdb_decode`], [`fdb_ops`] | sync message octets; op sequences over two tables and a faulty channel | sound round trip; convergence of the mirrors |
//! | [`mlag_coordinator`] | op sequences over two `mlag_core` coordinators back to back (frames of every kind and garbage on any port, link changes, time, config changes, peer-link faults; prefix 0x5A: hitless restarts) | no panic; at most one primary when connected; held halves never distribute; no port forwards on a tree the logical bridge says discards; bounded queues and logs |
//! | [`mlag_snapshot`] | a mode octet, then snapshot octets, or (offset, xor) triples applied to a valid coordinator snapshot whose checksum is then fixed | `Coordinator::restore` is total; the valid snapshot restores; a restored coordinator's own snapshot restores to the same view, and it runs 5 s of timers |
//! | [`mlag_summary`] | configuration-summary octets | the decoder is total; decode∘encode is stable and canonical |
//!
//! `FUZZING.md` at the repository root has the full table, run figures and findings.

use std::collections::{BTreeMap, VecDeque};

use l2_types::{Instant, MacAddr, PortNo, VlanId};
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

// Spanning tree codec targets
// ---------------------------
// | target | input | checks |
// |---|---|---|
// | `stp_decode` | an Ethernet frame *or* a bare BPDU | no panic; every accepted BPDU re-emits to exactly the input's octets and decodes to the same value; accepted frames re-emit (`BpduFrame::emit`) and re-decode to the same BPDU; PVST+ bodies stay inside the frame |
// | `stp_mcid` | an MST Configuration Identifier, and the same bytes as (VID, MSTID) pairs | MCID parse → encode is the identity on its 51 octets; `VidToMstid::set` accepts exactly the in-range pairs; `mstids()` and `digest()` never panic and agree with a rebuilt table |

/// Re-emits an accepted BPDU, checks the length and that it decodes to the same value; returns
/// the encoding.
fn bpdu_round_trip(b: &stp::wire::Bpdu<'_>) -> Vec<u8> {
    let len = b.buffer_len();
    let mut buf = scratch(len);
    let n = b.emit(&mut buf).expect("emit into a buffer_len() buffer");
    assert_eq!(n, len, "emit wrote a different length than buffer_len()");
    buf.truncate(n);
    let back = stp::wire::Bpdu::parse(&buf).expect("re-decoding our own encoding");
    assert_eq!(&back, b, "decode(encode(x)) != x");
    buf
}

/// Reads every derived value of an accepted BPDU (role, priorities, MSTI records, times).
fn bpdu_inspect(b: &stp::wire::Bpdu<'_>) {
    use stp::wire::Bpdu;
    let body = match b {
        Bpdu::Config { bpdu, .. } => Some(*bpdu),
        Bpdu::Tcn { .. } => None,
        Bpdu::Rst(r) => Some(r.bpdu),
        Bpdu::Mst(m) => {
            assert!(m.mstis.len() <= stp::wire::bpdu::MSTIS_MAX);
            assert_eq!(
                usize::from(m.version_3_length()),
                64 + m.mstis.len() * stp::wire::bpdu::MSTI_LEN
            );
            let mut n = 0;
            for r in m.mstis.iter() {
                assert!(r.mstid() <= 0x0fff);
                assert_eq!(r.bridge_priority_value() & 0x0fff, 0);
                assert_eq!(r.port_priority_value() & 0x0f, 0);
                let _ = (r.flags.role().name(), r.to_octets());
                n += 1;
            }
            assert_eq!(n, m.mstis.len(), "MSTI iteration lost records");
            assert!(m.mcid.name_bytes().len() <= 32);
            let _ = m.cist_regional_root_id();
            Some(m.cist)
        }
    };
    if let Some(c) = body {
        let _ = c.flags.role().name();
        assert_eq!(c.root_id.priority() & 0x0fff, 0);
        assert_eq!(c.port_id.priority() & 0x0f, 0);
        let _ = (c.message_age.to_duration(), c.max_age.as_secs_f64());
        let _ = c.is_acceptable(c.bridge_id, c.port_id);
    }
}

/// The root sequencing trailer after an RST BPDU: decoding is total, and a trailer decoded
/// re-encodes to a frame that decodes to the same BPDU and trailer.
fn root_seq_trailer(src: l2_types::MacAddr, b: &stp::wire::Bpdu<'_>, rest: &[u8]) {
    use stp::wire::rootseq::{ROOT_SEQ_LEN, RootSeqTrailer};
    use stp::wire::{Bpdu, BpduFrame, FrameKind};
    let Ok(Some(t)) = RootSeqTrailer::parse(rest) else {
        return;
    };
    let bytes = t.to_bytes();
    assert_eq!(RootSeqTrailer::parse(&bytes), Ok(Some(t)));
    let mut buf = scratch(17 + 36 + ROOT_SEQ_LEN);
    let n = BpduFrame::emit_with_trailer(src, b, &bytes, &mut buf).expect("frame emit");
    assert_eq!(n, 17 + 36 + ROOT_SEQ_LEN);
    let f = BpduFrame::parse(&buf[..n]).expect("re-decoding our own frame");
    let FrameKind::Bpdu(o) = f.kind else {
        panic!("our own frame decoded as {:?}", f.kind)
    };
    assert_eq!(Bpdu::parse(o).as_ref(), Ok(b));
    assert_eq!(RootSeqTrailer::parse(&o[36..]), Ok(Some(t)));
}

/// Decodes `data` as a BPDU frame and as a bare BPDU; every accepted BPDU must round trip
/// soundly, and its encoding must be the input's own octets (every octet of a valid BPDU is a
/// field the codec carries).
pub fn stp_decode(data: &[u8]) {
    use stp::wire::{Bpdu, BpduFrame, FrameKind};
    if let Ok(f) = BpduFrame::parse(data) {
        match f.kind {
            FrameKind::Bpdu(octets) => {
                assert!(usize::from(f.length_or_type) <= 1500);
                assert!(octets.len() + 17 <= data.len(), "BPDU runs past the frame");
                if let Ok(b) = Bpdu::parse(octets) {
                    bpdu_inspect(&b);
                    let enc = bpdu_round_trip(&b);
                    let short_rst =
                        matches!(b, Bpdu::Rst(r) if r.version >= 3) && octets.len() == 35;
                    let expect = if short_rst { &enc[..35] } else { &enc[..] };
                    assert_eq!(octets.get(..expect.len()), Some(expect));
                    let mut buf = scratch(17 + enc.len() + 60);
                    let n = BpduFrame::emit(f.src, &b, &mut buf).expect("frame emit");
                    assert_eq!(n, (17 + enc.len()).max(60));
                    let f2 = BpduFrame::parse(&buf[..n]).expect("re-decoding our own frame");
                    assert_eq!((f2.src, f2.vlan_tci), (f.src, None));
                    match f2.kind {
                        FrameKind::Bpdu(o2) => assert_eq!(Bpdu::parse(o2), Ok(b)),
                        other => panic!("our own frame decoded as {other:?}"),
                    }
                    if let Bpdu::Rst(r) = b
                        && r.version == 2
                    {
                        root_seq_trailer(f.src, &b, octets.get(36..).unwrap_or_default());
                    }
                }
            }
            FrameKind::Pvst(body) => {
                assert!(
                    body.len() + 22 <= data.len(),
                    "PVST+ body runs past the frame"
                );
                if let Ok(b) = Bpdu::parse(body) {
                    bpdu_inspect(&b);
                    bpdu_round_trip(&b);
                }
            }
            FrameKind::Other => {}
        }
    }
    bpdu_view_agrees(data);
    if let Ok(b) = Bpdu::parse(data) {
        bpdu_inspect(&b);
        let enc = bpdu_round_trip(&b);
        match (b, data.len()) {
            // 802.1Q §14.4: a version ≥ 3 BPDU of 35 octets (no Version 1 Length octet) is
            // processed as an RST BPDU; the codec reads the missing octet as 0 and emits the
            // 36-octet RST BPDU, one octet longer than the input.
            (Bpdu::Rst(r), 35) if r.version >= 3 => {
                assert_eq!(r.version_1_length, 0);
                assert_eq!((&enc[..35], enc[35]), (data, 0));
            }
            _ => assert_eq!(
                data.get(..enc.len()),
                Some(&enc[..]),
                "encoding differs from input"
            ),
        }
    }
}

/// The borrowed view and the owned decoder agree on `data`: the same verdict, and every field
/// the view reads in place equals the owned repr's.
fn bpdu_view_agrees(data: &[u8]) {
    use stp::wire::{Bpdu, BpduView};
    let view = BpduView::parse(data);
    let owned = Bpdu::parse(data);
    assert_eq!(
        view.map(|v| v.to_bpdu()),
        owned,
        "view and owned decoders disagree"
    );
    let Ok(v) = view else { return };
    assert_eq!(
        v.kind_name(),
        owned.map(|b| b.kind_name()).unwrap_or_default()
    );
    let body = match v {
        BpduView::Config(c) => Some(c),
        BpduView::Tcn { version } => {
            assert_eq!(data.get(2), Some(&version));
            None
        }
        BpduView::Rst(r) => {
            assert_eq!(r.lacks_version_1_length(), data.len() == 35);
            assert_eq!(r.version_1_length(), data.get(35).copied().unwrap_or(0));
            Some(r.body())
        }
        BpduView::Mst(m) => {
            assert_eq!(
                usize::from(m.version_3_length()),
                64 + m.mstis().len() * stp::wire::bpdu::MSTI_LEN
            );
            assert_eq!(m.mcid().to_octets(), m.mcid_octets());
            assert_eq!(data.get(38..89), Some(&m.mcid_octets()[..]));
            assert_eq!(m.mstis().records().len(), m.mstis().len());
            for (raw, r) in m.mstis().records().iter().zip(m.mstis().iter()) {
                assert_eq!(&r.to_octets(), raw);
            }
            Some(m.cist())
        }
    };
    if let Some(c) = body {
        assert_eq!(Some(&c.as_bytes()[..]), data.get(..35));
        assert_eq!(c.version(), v.version());
        let owned = c.to_config();
        assert_eq!(stp::wire::ConfigBpdu::from_octets(c.as_bytes()), owned);
        assert_eq!(
            (
                c.flags(),
                c.root_id(),
                c.root_path_cost(),
                c.bridge_id(),
                c.port_id()
            ),
            (
                owned.flags,
                owned.root_id,
                owned.root_path_cost,
                owned.bridge_id,
                owned.port_id
            )
        );
    }
}

/// The MST Configuration Identifier and the VID → MSTID table: `data` is parsed as an MCID, and
/// read as big-endian (VID, MSTID) pairs applied to a table whose digest is then computed.
pub fn stp_mcid(data: &[u8]) {
    use stp::wire::mcid::MCID_LEN;
    use stp::wire::{MstConfigId, VidToMstid};
    if let Ok(m) = MstConfigId::parse(data) {
        let o = m.to_octets();
        assert_eq!(data.get(..MCID_LEN), Some(&o[..]), "MCID encoding differs");
        assert_eq!(
            MstConfigId::from_octets(&o),
            m,
            "from_octets differs from parse"
        );
        assert_eq!(MstConfigId::parse(&o), Ok(m));
        assert!(m.name_bytes().len() <= 32);
    } else {
        assert!(data.len() < MCID_LEN, "a 51-octet MCID must parse");
    }
    let mut table = VidToMstid::all_cist();
    let mut applied = Vec::new();
    for pair in data.chunks_exact(4).take(4096) {
        let vid = u16::from_be_bytes([pair[0], pair[1]]);
        let mstid = u16::from_be_bytes([pair[2], pair[3]]);
        let ok = table.set(vid, mstid);
        assert_eq!(
            ok,
            (1..=4094).contains(&vid) && mstid <= 4094,
            "set({vid}, {mstid})"
        );
        if ok {
            assert_eq!(table.get(vid), mstid);
            applied.push((vid, mstid));
        } else {
            let _ = table.get(vid);
        }
    }
    let ids = table.mstids();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "mstids not ascending");
    assert!(ids.iter().all(|&m| (1..=4094).contains(&m)));
    let digest = table.digest();
    // A table rebuilt from the pairs that took effect, last write winning, has the same digest.
    let mut again = VidToMstid::all_cist();
    for &(vid, mstid) in &applied {
        assert!(again.set(vid, mstid));
    }
    assert_eq!(again, table);
    assert_eq!(again.digest(), digest);
    // An MCID for this table, named after the input, round trips.
    let name = String::from_utf8_lossy(data.get(..data.len().min(40)).unwrap_or_default());
    let revision = data.first().map_or(0, |&b| u16::from(b) << 8 | 1);
    let m = MstConfigId::new(&name, revision, &table);
    assert_eq!(m.digest, digest);
    assert_eq!(MstConfigId::parse(&m.to_octets()), Ok(m));
}

// ICCP targets
// ------------
// | target | input | checks |
// |---|---|---|
// | `iccp_decode` | an ICCP L2 frame, an LDP PDU or a bare message | no panic; printers never panic; every accepted ICC message and L2 frame round-trips soundly |
// | `iccp_deframer` | a TCP byte stream cut into pieces by the first octet | no panic; every PDU returned is one whole valid-header PDU; the same PDUs whatever the cut |
// | `iccp_ldp_session` | a TCP byte stream into a passive LDP session | no panic; our PDUs parse; closed stays closed |
// | `iccp_session` | an op sequence over two `iccp::Session`s (`iccp::ops`) | no panic; bounded queues; connected sides agree on roles and system-id |

/// Decodes `data` as an ICCP L2 frame, an LDP PDU and a bare ICC message; accepted values must
/// round trip soundly and print without panicking.
pub fn iccp_decode(data: &[u8]) {
    use iccp::wire::message::{IccMessage, RawMessage};
    use iccp::wire::{L2Frame, decode_l2_frame, decode_ldp_pdu};
    if let Ok(d) = decode_l2_frame(data) {
        let _ = d.to_string();
        let f = d.frame;
        let mut buf = vec![0u8; data.len() + 128];
        let n = L2Frame::emit(&mut buf, f.src, &f.header, f.payload, None)
            .expect("emit into a large enough buffer");
        let back = L2Frame::parse(&buf[..n]).expect("re-decoding our own frame");
        let mut h = f.header;
        h.flags = iccp::wire::L2Flags(h.flags.0 & !iccp::wire::L2Flags::AUTH.0);
        assert_eq!(back.header, h);
        assert_eq!(back.payload, f.payload);
    }
    if let Ok(d) = decode_ldp_pdu(data) {
        let _ = d.to_string();
    }
    if let Ok((raw, _)) = RawMessage::parse(data)
        && let Ok(m) = IccMessage::parse(&raw)
    {
        let mut buf = vec![0u8; m.buffer_len()];
        let n = m.emit(&mut buf).expect("emit into buffer_len()");
        assert_eq!(n, m.buffer_len());
        let back = IccMessage::parse_bytes(&buf).expect("re-decoding our own message");
        assert_eq!(back, m, "decode(encode(x)) != x");
    }
}

/// Feeds `data[1..]` to an LDP deframer in pieces of `data[0] % 32 + 1` octets and checks the
/// PDUs against a one-shot deframing.
pub fn iccp_deframer(data: &[u8]) {
    use iccp::wire::ldp::{Deframer, LdpPduHeader, PDU_MAX_DEFAULT};
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let run = |piece: usize| {
        let mut d = Deframer::new(PDU_MAX_DEFAULT);
        let mut pdus = Vec::new();
        let mut error = None;
        'outer: for chunk in stream.chunks(piece) {
            if d.push(chunk).is_err() {
                break;
            }
            while let Some(p) = d.next_pdu() {
                match p {
                    Ok(p) => {
                        let h = LdpPduHeader::parse(p, PDU_MAX_DEFAULT)
                            .expect("a returned PDU has a valid header");
                        assert_eq!(h.total_len(), p.len());
                        pdus.push(p.to_vec());
                    }
                    Err(e) => {
                        error = Some(e);
                        break 'outer;
                    }
                }
            }
        }
        (pdus, error)
    };
    let (a, ea) = run(usize::from(cut % 32) + 1);
    let (b, eb) = run(stream.len().max(1));
    // Pushing everything at once may be refused (bounded buffer) where small pieces are not.
    if stream.len() <= PDU_MAX_DEFAULT {
        assert_eq!(a, b, "PDUs depend on how the stream was cut");
        assert_eq!(ea, eb);
    }
}

/// Interprets `data` as operations over two ICCP sessions and checks the invariants after each.
pub fn iccp_session(data: &[u8]) {
    let seed = data.first().copied().map_or(0, u64::from);
    let mut pair = iccp::ops::Pair::new(seed);
    for op in iccp::ops::Op::decode_all(data.get(1..).unwrap_or_default()) {
        pair.apply(&op);
        if let Err(e) = pair.check() {
            panic!("invariant broken after {op:?}: {e}");
        }
    }
}

/// Feeds `data[1..]` to an operational-bound passive `iccp::ldp_session::LdpSession` in pieces of
/// `data[0] % 64 + 1` octets, with time advancing one second per piece; the session must never
/// panic, its output must be well-formed LDP PDUs, and once closed it stays closed.
pub fn iccp_ldp_session(data: &[u8]) {
    use iccp::ldp_session::{LdpSession, LdpSessionConfig, LdpState};
    use iccp::wire::ldp::parse_pdu;
    let Some((&cut, stream)) = data.split_first() else {
        return;
    };
    let mut s = LdpSession::new(LdpSessionConfig::new([10, 0, 0, 1], [10, 0, 0, 2], false));
    let mut now = l2_types::Instant::ZERO;
    s.handle_connected(now);
    let mut closed = false;
    for piece in stream.chunks(usize::from(cut % 64) + 1) {
        s.handle_bytes(now, piece);
        now += core::time::Duration::from_secs(1);
        s.handle_timeout(now);
        while let Some(p) = s.poll_transmit() {
            parse_pdu(&p).expect("our own PDUs parse");
        }
        while s.poll_event().is_some() {}
        if closed {
            assert_eq!(
                s.state(),
                LdpState::NonExistent,
                "a closed session came back"
            );
        }
        closed = s.state() == LdpState::NonExistent;
    }
}

// FDB targets
// -----------

/// Decodes `data` as an FDB sync message. Every accepted message re-encodes to a message that
/// decodes to the same value (Delta, Request and Digest re-encode to the very same octets), and
/// applying `data` to a table that mirrors a peer never breaks the table's invariants nor adds
/// to the table's own entries.
pub fn fdb_decode(data: &[u8]) {
    use fdb::sync::wire::{self, Message, SEGMENTS, SnapshotHeader};
    let mut buf = vec![0u8; data.len() + 64];
    match Message::decode(data) {
        Ok(Message::Delta {
            epoch,
            first_seq,
            records,
        }) => {
            let (len, n) = wire::encode_delta(epoch, first_seq, records, &mut buf);
            assert_eq!(n, records.len());
            assert_eq!(&buf[..len], data, "Delta re-encoding differs");
        }
        Ok(Message::Snapshot {
            epoch,
            seq,
            mask,
            after,
            upto,
            last,
            records,
        }) => {
            let h = SnapshotHeader {
                epoch,
                seq,
                mask,
                after,
            };
            // Records come in the sender's order; re-encoded in the same order and with the
            // chunk's cursor, a valid chunk is taken whole.
            let items = records.iter().map(|r| (upto, r));
            let (len, n, upto2) = wire::encode_chunk(&h, items, last, &mut buf);
            assert_eq!(n, records.len(), "a valid chunk must re-encode whole");
            assert!(upto2 == upto || (n == 0 && upto2 == after));
            let Ok(Message::Snapshot {
                records: r2,
                last: last2,
                ..
            }) = Message::decode(&buf[..len])
            else {
                panic!("re-decoding our own snapshot chunk");
            };
            assert!(records.iter().eq(r2.iter()));
            assert_eq!(last, last2);
        }
        Ok(Message::Request {
            epoch,
            seq,
            snapshot,
        }) => {
            let len = wire::encode_request(epoch, seq, snapshot, &mut buf);
            assert_eq!(&buf[..len], data, "Request re-encoding differs");
        }
        Ok(Message::Digest {
            epoch,
            seq,
            digests,
        }) => {
            let mut d = [0u64; SEGMENTS];
            for (i, x) in d.iter_mut().enumerate() {
                *x = digests.get(i);
            }
            let len = wire::encode_digest(epoch, seq, &d, &mut buf);
            assert_eq!(&buf[..len], data, "Digest re-encoding differs");
        }
        Err(_) => {}
    }
    let mut t = fdb_mirror();
    let before = t.own_records();
    let _ = t.handle_sync(l2_types::Instant::from_secs(2), data);
    t.check_invariants()
        .expect("table invariants after a sync message");
    // A peer message may only take our dynamic entries away (a MAC that moved behind the peer),
    // never add or change one.
    let after = t.own_records();
    assert!(
        after.iter().all(|r| before.contains(r)),
        "a peer message added or changed our own entries"
    );
}

/// A table with a few entries of its own and an established mirror of a peer (epoch 5, seq 10).
fn fdb_mirror() -> fdb::Fdb {
    use fdb::sync::wire::{self, CURSOR_START, Record, SnapshotHeader};
    use fdb::{Fdb, FdbConfig, Key, Location, MlagId, PeerState, SyncLocation};
    use l2_types::{Instant, MacAddr, PortNo, VlanId};
    let now = Instant::from_secs(1);
    let mut t = Fdb::new(FdbConfig::new(1, 1)).expect("config");
    t.set_peer(now, PeerState::Up);
    for i in 0..4u64 {
        let _ = t.learn(
            now,
            VlanId::DEFAULT,
            MacAddr::from_u64(0x0200_0000_0000 + i),
            Location::Port(PortNo(1)),
        );
    }
    let mut recs: Vec<Record> = (0..4u32)
        .map(|i| Record {
            key: Key::new(
                VlanId::DEFAULT,
                MacAddr::from_u64(0x0200_0000_0002 + u64::from(i)),
            ),
            location: Some(SyncLocation::Mlag(MlagId(i))),
        })
        .collect();
    recs.sort_by_key(|r| r.key);
    let h = SnapshotHeader {
        epoch: 5,
        seq: 10,
        mask: u64::MAX,
        after: CURSOR_START,
    };
    let mut buf = [0u8; 200];
    let (len, _, _) = wire::encode_snapshot(&h, recs, true, &mut buf);
    t.handle_sync(now, &buf[..len]).expect("seed snapshot");
    t
}

/// Op sequences against two synchronising tables: `data` drives learns, flushes, restarts,
/// message loss, duplication and reordering, time, and forged messages (raw bytes), with
/// messages of 600, 90 or 53 octets (by the input length). After the
/// ops, the channel heals and the tables must converge: each side's mirror equals the other's
/// own entries. Invariants are checked after every op.
pub fn fdb_ops(data: &[u8]) {
    use core::time::Duration;
    use fdb::{Fdb, FdbConfig, Flush, Location, MlagId, PeerState};
    use l2_types::{Instant, MacAddr, PortNo, VlanId};

    fn node(epoch: u32, now: Instant) -> Fdb {
        let mut c = FdbConfig::new(u64::from(epoch), epoch);
        c.ageing_time = Some(Duration::from_secs(30));
        // Room for every key both sides can learn (2 VLANs × 128 MACs): a full table refuses
        // peer entries, which is a divergence by design.
        c.entries_max = 512;
        c.journal_max = 8;
        c.sync_interval = Duration::from_secs(1);
        c.digest_interval = Duration::from_secs(4);
        let mut t = Fdb::new(c).expect("config");
        t.set_peer(now, PeerState::Up);
        t
    }

    let mut now = Instant::from_secs(1);
    let mut epochs = 2u32;
    let mut nodes = [node(1, now), node(2, now)];
    // In flight: (to, bytes).
    let mut channel: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut buf = [0u8; 600];
    // Messages during the operations: whole ones, or chunks of one record (53 octets) or a few
    // (snapshot chunks that end inside a run of full groups); the heal below uses 600.
    let size = [600, 53, 90][data.len() % 3];
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    for _ in 0..500 {
        let Some(op) = next() else { break };
        let i = usize::from(op & 1);
        let arg = next().unwrap_or(0);
        match op >> 1 {
            0..=39 => {
                let vid = VlanId::try_new(1 + u16::from(arg & 1)).expect("vid");
                let mac = MacAddr::from_u64(0x0200_0000_0000 | u64::from(arg >> 1));
                let loc = match op % 5 {
                    0 | 1 => Location::Port(PortNo(u16::from(op % 3))),
                    2 | 3 => Location::Mlag(MlagId(u32::from(op % 2))),
                    _ => Location::PeerPort,
                };
                let _ = nodes[i].learn(now, vid, mac, loc);
                // A burst lookup agrees with one lookup at a time (this key, its neighbours).
                let burst: [(VlanId, MacAddr); 4] = core::array::from_fn(|j| {
                    let m = MacAddr::from_u64(0x0200_0000_0000 | u64::from(arg >> 1) ^ j as u64);
                    (
                        VlanId::try_new(1 + (u16::from(arg) + j as u16) % 2).expect("vid"),
                        m,
                    )
                });
                let mut out = [None; 4];
                nodes[i].lookup_many(&burst, &mut out);
                for (&(v, m), o) in burst.iter().zip(out) {
                    assert_eq!(nodes[i].lookup(v, m), o, "lookup_many");
                }
            }
            40..=44 => {
                let loc = Location::Port(PortNo(u16::from(arg % 3)));
                let _ = nodes[i].flush(&Flush::dynamic().on(loc));
            }
            45 => {
                let _ = nodes[i].flush(&Flush::peer());
            }
            46..=47 => {
                epochs += 1;
                nodes[i] = node(epochs, now);
            }
            48..=79 => {
                // Deliver one message from the channel (reordering).
                if !channel.is_empty() {
                    let at = usize::from(arg) % channel.len();
                    let (to, m) = channel.remove(at);
                    let _ = nodes[to].handle_sync(now, &m);
                }
            }
            80..=84 => {
                // Duplicate one.
                if !channel.is_empty() {
                    let at = usize::from(arg) % channel.len();
                    let copy = channel[at].clone();
                    channel.push(copy);
                }
            }
            85..=89 => {
                // Lose one.
                if !channel.is_empty() {
                    let at = usize::from(arg) % channel.len();
                    let _ = channel.remove(at);
                }
            }
            90..=99 => {
                // A forged message: the next `arg % 64` octets.
                let n = usize::from(arg % 64);
                let forged: Vec<u8> = (0..n).filter_map(|_| next()).collect();
                let _ = nodes[i].handle_sync(now, &forged);
            }
            _ => {
                now = now.saturating_add(Duration::from_millis(u64::from(arg) * 20));
                for t in &mut nodes {
                    t.handle_timeout(now);
                }
            }
        }
        for (from, t) in nodes.iter_mut().enumerate() {
            for _ in 0..64 {
                let Some(n) = t.poll_sync(now, &mut buf[..size]) else {
                    break;
                };
                if channel.len() < 256 {
                    channel.push((1 - from, buf[..n].to_vec()));
                }
            }
        }
        for t in &nodes {
            t.check_invariants().expect("invariants");
        }
    }
    // Heal: in-order, lossless delivery; time advances past several digest rounds. Entries are
    // refreshed so nothing ages meanwhile.
    for _ in 0..40 {
        now = now.saturating_add(Duration::from_millis(500));
        for t in &mut nodes {
            let live: Vec<_> = t
                .entries()
                .filter(|e| e.kind == fdb::Kind::Dynamic)
                .collect();
            // In bursts of four (`learn_many` must act as one `learn` after another).
            let mut bursts = live.chunks_exact(4);
            for b in &mut bursts {
                let frames: [_; 4] =
                    core::array::from_fn(|j| (b[j].key.vid(), b[j].key.mac(), b[j].location));
                let mut out = [fdb::Learn::New; 4];
                t.learn_many(now, &frames, &mut out);
            }
            for e in bursts.remainder() {
                let _ = t.learn(now, e.key.vid(), e.key.mac(), e.location);
            }
            t.handle_timeout(now);
        }
        for _ in 0..50 {
            for (from, t) in nodes.iter_mut().enumerate() {
                while let Some(n) = t.poll_sync(now, &mut buf) {
                    channel.push((1 - from, buf[..n].to_vec()));
                }
            }
            if channel.is_empty() {
                break;
            }
            for (to, m) in core::mem::take(&mut channel) {
                let _ = nodes[to].handle_sync(now, &m);
            }
        }
    }
    let [a, b] = &nodes;
    assert_eq!(a.own_records(), b.peer_records(), "B's mirror of A differs");
    assert_eq!(b.own_records(), a.peer_records(), "A's mirror of B differs");
}

/// One [`stp::Bridge`] (six ports, links up, RSTP) driven by an op sequence ([`stp::ops`]).
///
/// After every step: `check_invariants()`; every frame drained from `poll_transmit` is a whole
/// BPDU frame (`BpduFrame::parse` + `Bpdu::parse`) for a port that exists, its source is not a
/// multicast address; no port transmits more than Transmit Hold Count + 1 BPDUs in any
/// one-second window (802.1D-2004 §17.26: `txCount` caps bursts at the hold count and is
/// decremented once a second). The window of a port restarts when the port, its link, its
/// configuration or the bridge configuration changes (each resets `txCount`).
pub fn stp_bridge(data: &[u8]) {
    use stp::ops::{Op as StpOp, apply as stp_apply, decode_ops as stp_decode_ops, setup};
    use stp::wire::{Bpdu, BpduFrame, FrameKind};

    let mut now = Instant::ZERO;
    let mut bridge = setup(now);
    bridge.check_invariants().expect("invariants after setup");
    // The host drains after every input (setup's too); `remove_port` drops the frames still
    // queued for the port, so every frame handed out is for a port that exists.
    while bridge.poll_transmit(&mut vec![0u8; 1514]).is_some() {}
    while bridge.poll_event().is_some() {}
    let mut sent: BTreeMap<u16, VecDeque<Instant>> = BTreeMap::new();
    let mut buf = vec![0u8; 1514];
    for (delay, op) in stp_decode_ops(data).take(2000) {
        now = now.saturating_add(delay);
        match &op {
            StpOp::Link { port, .. } | StpOp::SetPort { port, .. } | StpOp::TogglePort { port } => {
                sent.remove(&port.get());
            }
            StpOp::SetBridge { .. } => sent.clear(),
            _ => {}
        }
        // Drain is done below, frame by frame, so that every frame is checked.
        if op != StpOp::Drain {
            stp_apply(&mut bridge, now, &op);
        }
        bridge
            .check_invariants()
            .unwrap_or_else(|e| panic!("invariant {e} broken after {op:?}"));
        let hold = usize::from(bridge.config().tx_hold_count);
        let mut frames = 0;
        while let Some(t) = bridge.poll_transmit(&mut buf) {
            frames += 1;
            assert!(frames <= stp::TRANSMITS_MAX + 1, "poll_transmit never ends");
            assert!(
                bridge.port(t.port).is_some(),
                "frame for missing port {t:?} after {op:?}"
            );
            let frame = buf.get(..t.len).expect("frame fits the buffer");
            let f = BpduFrame::parse(frame)
                .unwrap_or_else(|e| panic!("our frame does not parse: {e:?} {frame:02x?}"));
            assert!(!f.src.is_multicast(), "multicast source {}", f.src);
            let FrameKind::Bpdu(octets) = f.kind else {
                panic!("our frame is not an IEEE BPDU: {frame:02x?}");
            };
            Bpdu::parse(octets)
                .unwrap_or_else(|e| panic!("our BPDU does not parse: {e:?} {octets:02x?}"));
            let times = sent.entry(t.port.get()).or_default();
            while times
                .front()
                .is_some_and(|&at| at.saturating_add(core::time::Duration::from_secs(1)) <= now)
            {
                times.pop_front();
            }
            times.push_back(now);
            assert!(
                times.len() <= hold + 1,
                "port {} sent {} BPDUs within one second (tx hold count {hold})",
                t.port.get(),
                times.len()
            );
        }
        let mut events = 0;
        while bridge.poll_event().is_some() {
            events += 1;
            assert!(events <= stp::EVENTS_MAX + 1, "poll_event never ends");
        }
    }
}

/// Everything a host can see of an STP bridge, with its deadline moved back by `shift`;
/// drains the queues (bounded, so an unbounded queue fails instead of hanging).
fn stp_observe(b: &mut stp::Bridge, shift: core::time::Duration) -> String {
    use core::fmt::Write;
    let mut s = String::new();
    let _ = write!(
        s,
        "{:x} {:?} {:?} {:?}",
        b.fingerprint(),
        b.poll_timeout().map(|t| t - shift),
        b.stats(),
        b.tree()
    );
    let mstids: Vec<u16> = b.mstids().collect();
    for p in b.ports().collect::<Vec<_>>() {
        let _ = write!(s, "{p:?}");
        for &m in &mstids {
            let _ = write!(s, "{:?}", b.msti_port(p.port, m));
        }
    }
    let mut buf = [0u8; 1514];
    let mut n = 0;
    while let Some(t) = b.poll_transmit(&mut buf) {
        n += 1;
        assert!(n <= stp::TRANSMITS_MAX + 1, "poll_transmit never ends");
        let _ = write!(s, "tx {:?} {:?}", t.port, buf.get(..t.len));
    }
    let mut n = 0;
    while let Some(e) = b.poll_event() {
        n += 1;
        assert!(n <= stp::EVENTS_MAX + 1, "poll_event never ends");
        let _ = write!(s, "ev {e:?}");
    }
    s
}

/// `stp::Bridge::snapshot` / `restore`. `data[0]` bit 0 set: the rest is snapshot octets —
/// `restore` must not panic; a bridge it accepts passes `check_invariants()`, re-encodes to
/// octets that restore to the same encoding (decode∘encode is canonical), and runs 30 s of
/// timers and a few frames without panicking. Bit 0 clear: `data[1]` picks the split point
/// and `data[2]` a time shift, the rest is an op sequence ([`stp::ops`]): the ops before the
/// split run on a bridge, which is snapshotted and restored at the same instant and at a
/// shifted one; the restored bridges must re-encode to the same octets and, under the
/// remaining ops (shifted for the shifted one), show exactly what the original shows after
/// every op (frames, events, deadline, fingerprint, port and MSTI states, counters).
pub fn stp_snapshot(data: &[u8]) {
    use core::time::Duration;
    use stp::Bridge;
    use stp::ops::{apply as stp_apply, decode_ops as stp_decode_ops, setup};

    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let now = Instant::from_secs(100);
    if mode & 1 == 1 {
        let Ok(mut b) = Bridge::restore(rest, now) else {
            return;
        };
        b.check_invariants()
            .unwrap_or_else(|e| panic!("restore accepted a bridge that breaks {e}"));
        let again = b.snapshot(now);
        let c = Bridge::restore(&again, now).expect("a snapshot of a restored bridge restores");
        assert_eq!(c.snapshot(now), again, "snapshot encoding not canonical");
        let ports: Vec<PortNo> = b.ports().map(|p| p.port).collect();
        let frame = rest.get(..64).unwrap_or(rest);
        for k in 0..30u64 {
            let t = now + Duration::from_secs(k);
            b.handle_timeout(t);
            if let Some(&p) = ports.get(usize::try_from(k).unwrap_or(0) % ports.len().max(1)) {
                let _ = b.handle_frame(t, p, frame);
            }
            stp_observe(&mut b, Duration::ZERO);
        }
        return;
    }
    let (split, shift) = match rest {
        [s, t, ..] => (usize::from(*s), Duration::from_secs(u64::from(*t) * 97)),
        _ => return,
    };
    let ops: Vec<_> = stp_decode_ops(rest.get(2..).unwrap_or_default())
        .take(600)
        .collect();
    let split = split.min(ops.len());
    let mut t = Instant::ZERO;
    let mut a = setup(t);
    for (d, op) in ops.iter().take(split) {
        t = t.saturating_add(*d);
        stp_apply(&mut a, t, op);
    }
    let bytes = a.snapshot(t);
    let mut b = Bridge::restore(&bytes, t).expect("a snapshot restores");
    let mut c = Bridge::restore(&bytes, t + shift).expect("a snapshot restores later");
    assert_eq!(b.snapshot(t), bytes, "re-encoded snapshot differs");
    assert_eq!(
        c.snapshot(t + shift),
        bytes,
        "shifted re-encoded snapshot differs"
    );
    let o = stp_observe(&mut a, Duration::ZERO);
    assert_eq!(o, stp_observe(&mut b, Duration::ZERO), "after restore");
    assert_eq!(o, stp_observe(&mut c, shift), "after the shifted restore");
    for (d, op) in ops.iter().skip(split) {
        t = t.saturating_add(*d);
        stp_apply(&mut a, t, op);
        stp_apply(&mut b, t, op);
        stp_apply(&mut c, t + shift, op);
        let o = stp_observe(&mut a, Duration::ZERO);
        assert_eq!(o, stp_observe(&mut b, Duration::ZERO), "after {op:?}");
        assert_eq!(o, stp_observe(&mut c, shift), "shifted, after {op:?}");
    }
}

// ICCP over LDP/TCP
// -----------------

/// Two `iccp::Session`s over RFC 7275's LDP/TCP transport (`Session::new_ldp`) joined by a
/// simulated TCP connection driven by `data`: `data[0]` is the seed, then one op per octet —
/// `% 8`: 0/1 deliver the next octet's worth (+1) of queued bytes to side 0/1 (partial reads),
/// 2 reset the connection, 3 (re)connect, 4 advance time by the next octet × 50 ms, 5 send an
/// application message from side `op >> 7`, 6 inject the next octet (+1, at most 64) of raw
/// bytes into side `op >> 7`, 7 toggle side `op >> 7`'s enable. Checks: no panic; our PDUs
/// parse; within a connection without injected bytes, application messages arrive exactly once
/// and in order; two sides connected over a clean connection agree on roles and system-id.
pub fn iccp_session_ldp(data: &[u8]) {
    use iccp::ldp_session::LdpSessionConfig;
    use iccp::wire::ldp::parse_pdu;
    use iccp::wire::param::Param;
    use iccp::{Event, Role, Session, SessionConfig, Status};
    use l2_types::{Instant, MacAddr};
    use std::collections::VecDeque;

    let Some((&seed, ops)) = data.split_first() else {
        return;
    };
    let lsr = [[10, 0, 0, 1], [10, 0, 0, 2]];
    let mut now = Instant::ZERO;
    let mut s: Vec<Session> = (0..2usize)
        .map(|i| {
            let mut c = SessionConfig::new(MacAddr([2, 0, 0, 0, seed, i as u8 + 1]));
            c.priority = if seed & 1 == 0 { 64 } else { 128 - i as u8 };
            c.seed = u64::from(seed) * 2 + i as u64;
            c.heartbeat = Some(core::time::Duration::from_secs(1));
            Session::new_ldp(c, LdpSessionConfig::new(lsr[i], lsr[1 - i], i == 1), now)
        })
        .collect();
    // pipes[i]: bytes on their way to side i.
    let mut pipes: [VecDeque<u8>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut up = false;
    let mut clean = [true; 2];
    let mut connected = [false; 2];
    let mut tx_next = [0u64; 2];
    let mut rx_next = [0u64; 2];
    let mut it = ops.iter().copied();
    while let Some(op) = it.next() {
        let side = usize::from(op >> 7);
        match op % 8 {
            0 | 1 => {
                let to = usize::from(op % 8);
                let n = usize::from(it.next().unwrap_or(255)) + 1;
                let bytes: Vec<u8> = pipes[to].drain(..n.min(pipes[to].len())).collect();
                s[to].handle_tcp_bytes(now, &bytes);
            }
            2 => {
                if up {
                    up = false;
                    pipes = [VecDeque::new(), VecDeque::new()];
                    for x in &mut s {
                        x.handle_tcp_closed(now);
                    }
                }
            }
            3 if side == 1 && !up => {
                // The active side's connection attempt fails: it backs off.
                s[1].handle_tcp_connect_failed(now);
            }
            3 => {
                if !up {
                    up = true;
                    clean = [true; 2];
                    for x in &mut s {
                        x.handle_tcp_connected(now);
                    }
                }
            }
            4 => {
                let ms = u64::from(it.next().unwrap_or(0)) * 50;
                now += core::time::Duration::from_millis(ms);
                for x in &mut s {
                    x.handle_timeout(now);
                }
            }
            5 => {
                let rec = tx_next[side].to_be_bytes();
                if s[side]
                    .send_app(&Param::FdbDelta {
                        kind: 1,
                        records: &rec,
                    })
                    .is_ok()
                {
                    tx_next[side] += 1;
                }
            }
            6 => {
                let n = (usize::from(it.next().unwrap_or(0)) + 1).min(64);
                let junk: Vec<u8> = it.by_ref().take(n).collect();
                s[side].handle_tcp_bytes(now, &junk);
                clean[side] = false;
                clean[1 - side] = false;
            }
            _ => {
                let en = s[side].status() == Status::Disabled;
                s[side].set_enabled(now, en);
            }
        }
        for i in 0..2 {
            while let Some(p) = s[i].poll_tcp_transmit(now) {
                parse_pdu(&p).expect("our own PDUs parse");
                if up {
                    pipes[1 - i].extend(p);
                }
            }
            while let Some(e) = s[i].poll_event() {
                match e {
                    Event::Connected(_) => {
                        connected[i] = true;
                        tx_next[i] = 0;
                        rx_next[i] = 0;
                    }
                    Event::Disconnected(_) => connected[i] = false,
                    _ => {}
                }
            }
            while let Some(m) = s[i].poll_app() {
                if let Ok(Param::FdbDelta { records, .. }) = m.param()
                    && let Ok(b) = <[u8; 8]>::try_from(records)
                    && clean[i]
                {
                    let n = u64::from_be_bytes(b);
                    assert_eq!(n, rx_next[i], "side {i}: not exactly once in order");
                    rx_next[i] += 1;
                }
            }
            if up && s[i].tcp_close_wanted() {
                up = false;
                pipes = [VecDeque::new(), VecDeque::new()];
                for x in &mut s {
                    x.handle_tcp_closed(now);
                }
            }
        }
        // Reconnect backoff: only the active side asks, never while connected, and never
        // later than `reconnect_max` (8 s by default) ahead.
        assert!(
            !s[0].poll_tcp_connect(now),
            "the passive side asked to connect"
        );
        let asked = s[1].poll_tcp_connect(now);
        assert!(!(up && asked), "asked to connect while connected");
        if let Some(at) = s[1].reconnect_at() {
            assert!(!up, "a reconnect scheduled while connected");
            assert!(
                at <= now + core::time::Duration::from_secs(8),
                "backoff past the ceiling"
            );
        }
        if up
            && clean == [true; 2]
            && connected == [true; 2]
            && s.iter().all(|x| x.status() == Status::Connected)
        {
            let roles = (s[0].role(), s[1].role());
            assert!(
                matches!(
                    roles,
                    (Some(Role::Primary), Some(Role::Secondary))
                        | (Some(Role::Secondary), Some(Role::Primary))
                ),
                "roles disagree: {roles:?}"
            );
            assert_eq!(s[0].system_id(), s[1].system_id(), "system-ids disagree");
        }
    }
}

// MLAG coordinator
// ----------------

/// The configuration summary decoder (`mlag_core::preflight::Summary`): total on any octets;
/// whatever decodes re-encodes to the same octets (the encoding is canonical) and decodes to the
/// same value.
pub fn mlag_summary(data: &[u8]) {
    use mlag_core::preflight::Summary;
    let Ok(s) = Summary::decode(data) else {
        return;
    };
    let bytes = s.encode();
    let back = Summary::decode(&bytes).expect("re-decoding our own encoding");
    assert_eq!(back, s, "decode(encode(x)) != x");
    assert_eq!(back.encode(), bytes, "encode is not stable");
    assert_eq!(bytes, data, "an accepted encoding is not canonical");
}

/// Two `mlag_core::Coordinator`s (the RouterOS Quick setup, Peer1 and Peer2) wired back to back
/// by their peer-ports, with `RecordingDataplane`s, driven by `data`: one op per octet, `% 12`:
/// 0 advance time by the next octet × 20 ms (delivering the peer-link first and running every
/// timeout due), 1 deliver the next octet's worth of peer-link frames, 2 drop the next peer-link
/// frame, 3 duplicate it, 4 toggle a link (side `op >> 7`, port by the next octet), 5 inject
/// garbage (length and octets from the input) on a port — or, with the next octet at 0xE0 or
/// above, a learned source MAC (`handle_learn`: MAC, VLAN and port from the input) —, 6 replay a frame a coordinator sent
/// (BPDU, LACPDU, ICCP) with one octet changed on a port, 7 replay one unchanged on a port,
/// 8 a configuration change through `diff` / `apply` (MLAG priority, heartbeat, lacp-rate, STP
/// priority, a port's path cost, pvid), 9 cut or restore the peer-link, 10 restart a side, 11 feed a BPDU built
/// from the input on a port. Checks after every op: no panic; at most one primary while both
/// are connected; a held MLAG half (not released, not isolated) never distributes; no port of
/// the logical bridge forwards in the dataplane on the CIST while the bridge this peer runs says
/// it discards; event, log and per-step call counts stay bounded; each table passes its own
/// invariant check, each dataplane holds exactly its table's entries, and a mirror in step with
/// its owner (same epoch and sequence number) holds exactly the owner's entries.
pub fn mlag_coordinator(data: &[u8]) {
    use core::time::Duration;
    use mlag_core::config::{Config, LacpRate, diff};
    use mlag_core::coordinator::{
        Coordinator, EVENTS_MAX, LinkState, Options, STP_LOG_MAX, StpMode,
    };
    use mlag_core::dataplane::{CIST, Call, PortState, RecordingDataplane};

    type C = Coordinator<RecordingDataplane>;
    const UP: LinkState = LinkState::Up {
        speed_mbps: 10_000,
        full_duplex: true,
    };
    const NAMES: [&str; 3] = ["sfp-sfpplus1", "sfp-sfpplus2", "ether1"];

    struct Side {
        c: C,
        cfg: Config,
        ports: [PortNo; 3],
    }

    fn boot(
        peer: u8,
        cfg: Config,
        now: Instant,
        seed: u64,
        backup: bool,
        keyed: bool,
    ) -> Option<Side> {
        let valid = cfg.validate().ok()?;
        let mut opts = Options::new(seed);
        opts.backup = backup;
        if keyed {
            opts.iccp_secret = mlag_core::coordinator::IccpSecret::new("fuzz-pair-secret").ok();
        }
        let mut c = C::new(valid, RecordingDataplane::new(), &opts, now).ok()?;
        let ports = NAMES.map(|n| {
            let v = c.config();
            v.find(n).map_or(PortNo(0), |i| v.port_no(i))
        });
        for p in ports {
            c.handle_link(now, p, UP);
        }
        let _ = peer;
        Some(Side { c, cfg, ports })
    }

    // An input that starts with 0xB5 runs the pair with a backup keepalive path and the two
    // backup-path ops (carrier up/down, keepalive loss and mutation); one that starts with
    // 0x5A runs with the backup path too and adds op 14, the hitless restart of one side's
    // control plane (`Coordinator::snapshot` / `restore`); one that starts with 0xB6 runs the
    // backup path with MSTP (a region of two MSTIs, a port-mst-override) and the pair's ICCP
    // secret (authenticated evidence); any other input runs as before (the corpus's meaning is
    // kept).
    let hitless = data.first() == Some(&0x5A);
    let mstp = data.first() == Some(&0xB6);
    let backup = hitless || mstp || data.first() == Some(&0xB5);
    let mut it = data.iter().copied().skip(usize::from(backup));
    let ops = if hitless {
        15
    } else if backup {
        14
    } else {
        12
    };
    let mut now = Instant::ZERO;
    let setup = |p: u8| {
        let mut c = Config::quick_setup(p);
        if mstp {
            use mlag_core::config::{Msti, PortMstOverride, ProtocolMode};
            c.bridges[0].protocol_mode = ProtocolMode::Mstp;
            c.bridges[0].region_name = "fuzz".into();
            c.mstis = vec![
                Msti::new("bridge1", 1, &[10]),
                Msti::new("bridge1", 2, &[20]),
            ];
            let mut o = PortMstOverride::new("ether1", 2);
            o.priority = 0x40;
            o.internal_path_cost = Some(1000);
            c.port_mst_overrides.push(o);
        }
        c
    };
    let (Some(a), Some(b)) = (
        boot(1, setup(1), now, 1, backup, mstp),
        boot(2, setup(2), now, 2, backup, mstp),
    ) else {
        panic!("the Quick setup must boot");
    };
    let mut sides = [a, b];
    let mut wire: [VecDeque<Vec<u8>>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut peer_link = true;
    let mut restarts = 0u64;
    // The backup path: carrier, frames in flight to each side, frames still to be lost.
    let mut backup_up = true;
    let mut bwire: [VecDeque<Vec<u8>>; 2] = [VecDeque::new(), VecDeque::new()];
    let mut backup_lose = 0u32;
    // No peer-link frame lost, forged or cut off since the start: the secondary's ports are
    // then exactly what the primary's outputs made them.
    let mut clean = true;

    // Moves every side's transmitted frames: the peer-port's onto the wire to the other side,
    // the rest into `seen` (material for replays).
    fn collect(
        sides: &mut [Side; 2],
        wire: &mut [VecDeque<Vec<u8>>; 2],
        seen: &mut Vec<Vec<u8>>,
        peer_link: bool,
    ) {
        for (i, s) in sides.iter_mut().enumerate() {
            let pp = s.c.peer_port();
            let calls = s.c.dataplane_mut().take_calls();
            assert!(
                calls.len() < 200_000,
                "unbounded dataplane calls in one step"
            );
            for call in calls {
                if let Call::Transmit { port, frame } = call {
                    if port == pp
                        && peer_link
                        && let Some(w) = wire.get_mut(1 - i)
                    {
                        assert!(w.len() < 100_000, "peer-link queue unbounded");
                        w.push_back(frame.clone());
                    }
                    if seen.len() < 64 {
                        seen.push(frame);
                    } else if let Some(slot) = seen.get_mut(frame.len() % 64) {
                        *slot = frame;
                    }
                }
            }
        }
    }

    fn deliver(
        sides: &mut [Side; 2],
        wire: &mut [VecDeque<Vec<u8>>; 2],
        seen: &mut Vec<Vec<u8>>,
        now: Instant,
        peer_link: bool,
        max: usize,
    ) {
        let mut n = 0;
        loop {
            collect(sides, wire, seen, peer_link);
            let mut moved = false;
            for i in 0..2 {
                if n >= max {
                    return;
                }
                let Some(f) = wire.get_mut(i).and_then(VecDeque::pop_front) else {
                    continue;
                };
                moved = true;
                n += 1;
                if let Some(s) = sides.get_mut(i) {
                    let pp = s.c.peer_port();
                    s.c.handle_frame(now, pp, &f);
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Moves the backup path's frames: each side's keepalives and evidence to the other side
    /// (lost while the carrier is down or `lose` says so).
    fn backup_step(
        sides: &mut [Side; 2],
        bwire: &mut [VecDeque<Vec<u8>>; 2],
        up: bool,
        lose: &mut u32,
        now: Instant,
    ) {
        let mut buf = vec![0u8; 1600];
        for _ in 0..64 {
            let mut moved = false;
            for i in 0..2 {
                while let Some(n) = sides
                    .get_mut(i)
                    .and_then(|s| s.c.poll_backup_transmit(&mut buf))
                {
                    if up && *lose == 0 {
                        if let (Some(w), Some(f)) = (bwire.get_mut(1 - i), buf.get(..n)) {
                            assert!(w.len() < 10_000, "backup queue unbounded");
                            w.push_back(f.to_vec());
                        }
                    } else {
                        *lose = lose.saturating_sub(1);
                    }
                }
            }
            for i in 0..2 {
                while let Some(f) = bwire.get_mut(i).and_then(VecDeque::pop_front) {
                    moved = true;
                    if let Some(s) = sides.get_mut(i) {
                        s.c.handle_backup(now, &f);
                    }
                }
            }
            if !moved {
                return;
            }
        }
    }

    for _ in 0..600 {
        let Some(op) = it.next() else { break };
        let side = usize::from(op >> 7);
        let arg = it.next().unwrap_or(0);
        // Frames injected on the peer-port or lost on it spoil `clean`.
        if matches!(op % ops, 2 | 5 | 9 | 10) || (matches!(op % ops, 6 | 7 | 11) && arg % 3 == 0) {
            clean = false;
        }
        if backup {
            backup_step(&mut sides, &mut bwire, backup_up, &mut backup_lose, now);
        }
        match op % ops {
            0 => {
                deliver(&mut sides, &mut wire, &mut seen, now, peer_link, 10_000);
                let until = now.saturating_add(Duration::from_millis(u64::from(arg) * 20));
                for _ in 0..2000 {
                    let next = sides.iter().filter_map(|s| s.c.poll_timeout()).min();
                    match next {
                        Some(t) if t <= until => {
                            now = now.max(t);
                            for s in &mut sides {
                                if s.c.poll_timeout().is_some_and(|t| t <= now) {
                                    s.c.handle_timeout(now);
                                }
                            }
                            deliver(&mut sides, &mut wire, &mut seen, now, peer_link, 10_000);
                            if backup {
                                backup_step(
                                    &mut sides,
                                    &mut bwire,
                                    backup_up,
                                    &mut backup_lose,
                                    now,
                                );
                            }
                        }
                        _ => break,
                    }
                }
                now = now.max(until);
            }
            1 => deliver(
                &mut sides,
                &mut wire,
                &mut seen,
                now,
                peer_link,
                usize::from(arg),
            ),
            2 => {
                collect(&mut sides, &mut wire, &mut seen, peer_link);
                if let Some(w) = wire.get_mut(side) {
                    w.pop_front();
                }
            }
            3 => {
                collect(&mut sides, &mut wire, &mut seen, peer_link);
                if let Some(w) = wire.get_mut(side)
                    && let Some(f) = w.front().cloned()
                {
                    w.push_front(f);
                }
            }
            4 => {
                if let Some(s) = sides.get_mut(side) {
                    let p = s
                        .ports
                        .get(usize::from(arg) % 3)
                        .copied()
                        .unwrap_or(PortNo(0));
                    let up = arg & 0x80 != 0;
                    s.c.handle_link(now, p, if up { UP } else { LinkState::Down });
                }
            }
            5 if arg >= 0xE0 => {
                // A source MAC the hardware learned (a few MACs, so moves and refreshes occur).
                let m = it.next().unwrap_or(0);
                let mac = MacAddr([2, 0, 0, 0, m >> 4, m & 0x0f]);
                let vid =
                    VlanId::try_new(if m & 0x80 != 0 { 10 } else { 1 }).unwrap_or(VlanId::MIN);
                if let Some(s) = sides.get_mut(side) {
                    let p = s
                        .ports
                        .get(usize::from(arg) % 3)
                        .copied()
                        .unwrap_or(PortNo(0));
                    s.c.handle_learn(now, vid, mac, p);
                }
            }
            5 => {
                let len = usize::from(arg % 96);
                let frame: Vec<u8> = (&mut it).take(len).collect();
                if let Some(s) = sides.get_mut(side) {
                    let p = PortNo(u16::from(arg % 6));
                    s.c.handle_frame(now, p, &frame);
                }
            }
            6 | 7 => {
                let pick = usize::from(it.next().unwrap_or(0));
                if !seen.is_empty() {
                    let mut f = seen.get(pick % seen.len()).cloned().unwrap_or_default();
                    if op % 12 == 6 && !f.is_empty() {
                        let at = usize::from(it.next().unwrap_or(0)) % f.len();
                        if let Some(x) = f.get_mut(at) {
                            *x ^= it.next().unwrap_or(1) | 1;
                        }
                    }
                    if let Some(s) = sides.get_mut(side) {
                        let p = s
                            .ports
                            .get(usize::from(arg) % 3)
                            .copied()
                            .unwrap_or(PortNo(0));
                        s.c.handle_frame(now, p, &f);
                    }
                }
            }
            8 => {
                if let Some(s) = sides.get_mut(side) {
                    let mut cfg = s.cfg.clone();
                    let v = it.next().unwrap_or(0);
                    let cases = if backup { 7 } else { 6 };
                    match arg % cases {
                        6 => {
                            // lacp-fallback on the MLAG bond (this crate's extension).
                            if let Some(bd) = cfg.bonds.first_mut() {
                                bd.lacp_fallback = v & 1 != 0;
                            }
                        }
                        0 => cfg.mlag.priority = v % 130,
                        1 => {
                            cfg.mlag.heartbeat =
                                (v % 12 != 0).then(|| Duration::from_secs(u64::from(v % 12)))
                        }
                        2 => {
                            if let Some(bd) = cfg.bonds.first_mut() {
                                bd.lacp_rate = if v & 1 == 0 {
                                    LacpRate::Secs30
                                } else {
                                    LacpRate::Sec1
                                };
                            }
                        }
                        3 => {
                            if let Some(br) = cfg.bridges.first_mut() {
                                // Sometimes off the 4096 grid: validation must refuse it.
                                br.priority = u16::from(v % 16) * 4096 + u16::from(v >> 7);
                            }
                        }
                        4 => {
                            if let Some(p) = cfg.ports.get_mut(2) {
                                p.path_cost = (v != 0).then(|| u32::from(v) * 1000);
                            }
                        }
                        _ => {
                            if let Some(p) = cfg.ports.get_mut(1) {
                                p.pvid = if v & 1 == 0 { 10 } else { 20 };
                            }
                        }
                    }
                    if let Ok(new) = cfg.validate() {
                        let changes = diff(s.c.config(), &new);
                        if s.c.apply(now, new, &changes).is_ok() {
                            s.cfg = cfg;
                        }
                    }
                }
            }
            9 => {
                peer_link = !peer_link;
                if !peer_link {
                    for w in &mut wire {
                        w.clear();
                    }
                }
                let link = if peer_link { UP } else { LinkState::Down };
                for s in &mut sides {
                    let pp = s.c.peer_port();
                    s.c.handle_link(now, pp, link);
                }
            }
            10 => {
                restarts += 1;
                let cfg = sides.get(side).map(|s| s.cfg.clone());
                if let Some(cfg) = cfg
                    && let Some(new) = boot(side as u8 + 1, cfg, now, 100 + restarts, backup, mstp)
                    && let Some(s) = sides.get_mut(side)
                {
                    *s = new;
                }
                if let Some(w) = wire.get_mut(side) {
                    w.clear();
                }
            }
            12 => {
                // The backup link's carrier (a dedicated link) down or up.
                backup_up = arg & 1 != 0;
                if !backup_up {
                    for w in &mut bwire {
                        w.clear();
                    }
                }
                for s in &mut sides {
                    s.c.handle_backup_link(now, backup_up);
                }
            }
            14 => {
                // Hitless restart of `side`'s control plane: snapshot, then (arg & 3) × 250 ms
                // down (its in-flight peer-link and backup frames lost), then restore onto the
                // same dataplane. It must restore, and show what it showed.
                restarts += 1;
                if let Some(s) = sides.get_mut(side) {
                    let before = s.c.monitor();
                    let bytes = s.c.snapshot(now);
                    let down = Duration::from_millis(u64::from(arg & 3) * 250);
                    if !down.is_zero() {
                        if let Some(w) = wire.get_mut(side) {
                            w.clear();
                        }
                        if let Some(w) = bwire.get_mut(side) {
                            w.clear();
                        }
                    }
                    let at = now.saturating_add(down);
                    let dp = core::mem::replace(s.c.dataplane_mut(), RecordingDataplane::new());
                    let mut opts = Options::new(1000 + restarts);
                    opts.backup = backup;
                    let cfg = s.c.config().clone();
                    match C::restore(cfg, dp, &opts, &bytes, at) {
                        Ok(c) => {
                            let after = c.monitor();
                            assert_eq!(after.status, before.status, "restore: status");
                            assert_eq!(after.active_role, before.active_role, "restore: role");
                            assert_eq!(after.system_id, before.system_id, "restore: system-id");
                            assert_eq!(after.mlags, before.mlags, "restore: halves");
                            assert_eq!(after.isolated, before.isolated, "restore: isolation");
                            assert_eq!(after.stp.mode, before.stp.mode, "restore: STP mode");
                            s.c = c;
                        }
                        Err(e) => panic!("a fresh snapshot does not restore: {e}"),
                    }
                    now = at;
                }
            }
            13 => {
                // Keepalive loss: the next `arg % 8` backup frames are lost; or (high bit) a
                // backup frame mutated from the input (evidence or keepalive, any octets).
                if arg & 0x80 == 0 {
                    backup_lose = u32::from(arg % 8);
                } else {
                    let mut buf = vec![0u8; 1600];
                    let other = 1 - side;
                    let frame = sides
                        .get_mut(other)
                        .and_then(|s| s.c.poll_backup_transmit(&mut buf))
                        .and_then(|n| buf.get(..n).map(<[u8]>::to_vec));
                    let mut f =
                        frame.unwrap_or_else(|| (&mut it).take(usize::from(arg % 64)).collect());
                    if !f.is_empty() {
                        let at = usize::from(it.next().unwrap_or(0)) % f.len();
                        if let Some(x) = f.get_mut(at) {
                            *x ^= it.next().unwrap_or(1) | 1;
                        }
                    }
                    if let Some(s) = sides.get_mut(side) {
                        s.c.handle_backup(now, &f);
                    }
                }
            }
            _ => {
                // A BPDU from the input: header, LLC, then 36 octets of RST BPDU body.
                let mut f = vec![
                    0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0xaa, 1, 0, 39, 0x42, 0x42, 3,
                ];
                f.extend([0, 0, 2, 2]);
                f.extend((&mut it).take(32));
                f.resize(14 + 39, 0);
                if let Some(s) = sides.get_mut(side) {
                    let p = s
                        .ports
                        .get(usize::from(arg) % 3)
                        .copied()
                        .unwrap_or(PortNo(0));
                    s.c.handle_frame(now, p, &f);
                }
            }
        }
        collect(&mut sides, &mut wire, &mut seen, peer_link);
        if backup {
            backup_step(&mut sides, &mut bwire, backup_up, &mut backup_lose, now);
        }

        // Invariants.
        let mons = sides.each_ref().map(|s| s.c.monitor());
        // Never two primaries while both are connected — also while a priority change is on
        // its way (iccp promotes a side only once the peer has acknowledged its new election
        // data; the side that loses primary steps down at once).
        if mons.iter().all(|m| m.status == iccp::Status::Connected) {
            let primaries = mons
                .iter()
                .filter(|m| m.active_role == Some(iccp::Role::Primary))
                .count();
            assert!(primaries <= 1, "two primaries while connected");
        }
        let quiet = wire.iter().all(VecDeque::is_empty);
        let pair_connected = mons.iter().all(|m| m.status == iccp::Status::Connected);
        let authority: Option<stp::Bridge> = sides
            .iter()
            .find(|s| s.c.stp_mode() == StpMode::Primary)
            .and_then(|s| s.c.stp().cloned());
        // The FDB: each table consistent, each dataplane holding exactly its table's entries,
        // a mirror in step with its owner equal to it.
        for (i, s) in sides.iter().enumerate() {
            let f = s.c.fdb();
            if let Err(e) = f.check_invariants() {
                panic!("FDB invariant: {e}");
            }
            assert_eq!(
                s.c.dataplane().fdb_len(),
                f.len(),
                "dataplane FDB differs from the table"
            );
            for e in f.entries() {
                assert!(
                    s.c.dataplane().fdb_get(e.key.vid(), e.key.mac()).is_some(),
                    "table entry not programmed: {e:?}"
                );
            }
            if let Some(o) = sides.get(1 - i).map(|o| o.c.fdb())
                && f.peer_position() == o.sync_position()
                && !f.receiving_snapshot()
            {
                assert_eq!(
                    f.peer_records(),
                    o.own_records(),
                    "mirror in step but different"
                );
            }
        }
        for (s, m) in sides.iter_mut().zip(&mons) {
            assert!(m.stp.log_len <= STP_LOG_MAX, "STP log unbounded");
            let ev = s.c.take_events();
            assert!(ev.len() <= EVENTS_MAX, "events unbounded");
            let slave = s.ports.get(1).copied().unwrap_or(PortNo(0));
            // An isolated side presents no MLAG half with the pair's identity unless the
            // split's winner granted it (split module: never two actives).
            if m.isolated {
                let (kept, _) = s.c.split_grants();
                for h in &m.mlags {
                    if kept.contains(&h.mlag_id) {
                        continue;
                    }
                    let key = mlag_core::config::lacp_key(h.mlag_id.0);
                    let pair = s.c.lacp().lags().any(|l| {
                        l.key == key
                            && l.actor_system.mac == m.system_id
                            && l.actor_system.priority
                                == mlag_core::coordinator::MLAG_LACP_SYSTEM_PRIORITY
                    });
                    assert!(!pair, "an isolated half keeps the pair's identity: {h:?}");
                }
            }
            for h in &m.mlags {
                if !h.released && !m.isolated {
                    assert!(
                        !s.c.dataplane().member(slave).1,
                        "a held MLAG half distributes: {h:?}"
                    );
                }
            }
            // The authoritative (or standalone) peer's ports follow its own bridge at once; a
            // replica's follow the primary's bridge, one peer-link delay behind: checked when
            // the peer-link is quiet and has been clean.
            let replica = s.c.stp_mode() == StpMode::Replica;
            let reference = if replica {
                (m.stp.ready && clean && quiet && pair_connected)
                    .then_some(authority.as_ref())
                    .flatten()
            } else {
                s.c.stp()
            };
            if let Some(b) = reference {
                for (host, l) in s.c.stp_ports() {
                    let bridge_state = b.port(l).map_or(PortState::Discarding, |p| p.state);
                    if s.c.dataplane().port_state(host, CIST) == PortState::Forwarding {
                        assert_eq!(
                            bridge_state,
                            PortState::Forwarding,
                            "port {host:?} (logical {l:?}) forwards while the bridge discards"
                        );
                    }
                }
            }
        }
    }
}

/// A steady Quick-setup pair (back to back over the peer-port, a few MACs learned on each
/// side, 40 s run) and Peer1's snapshot at the end: the valid input [`mlag_snapshot`] mutates.
fn mlag_snapshot_baseline() -> (mlag_core::config::ValidConfig, Vec<u8>, Instant) {
    use core::time::Duration;
    use mlag_core::config::Config;
    use mlag_core::coordinator::{Coordinator, LinkState, Options};
    use mlag_core::dataplane::{Call, RecordingDataplane};

    type C = Coordinator<RecordingDataplane>;
    let up = LinkState::Up {
        speed_mbps: 10_000,
        full_duplex: true,
    };
    let mut now = Instant::ZERO;
    let mut sides: Vec<(C, [PortNo; 3])> = [1u8, 2]
        .iter()
        .map(|&p| {
            let cfg = Config::quick_setup(p)
                .validate()
                .expect("the Quick setup validates");
            let mut opts = Options::new(u64::from(p));
            opts.backup = false;
            let mut c = C::new(cfg, RecordingDataplane::new(), &opts, now).expect("boots");
            let ports = ["sfp-sfpplus1", "sfp-sfpplus2", "ether1"].map(|n| {
                let v = c.config();
                v.find(n).map_or(PortNo(0), |i| v.port_no(i))
            });
            for port in ports {
                c.handle_link(now, port, up);
            }
            (c, ports)
        })
        .collect();
    let end = Instant::from_secs(40);
    for step in 0..20_000u32 {
        // Peer-link frames across, until quiet.
        for _ in 0..64 {
            let mut moved = false;
            for i in 0..2 {
                let pp = sides[i].0.peer_port();
                let frames: Vec<Vec<u8>> = sides[i]
                    .0
                    .dataplane_mut()
                    .take_calls()
                    .into_iter()
                    .filter_map(|c| match c {
                        Call::Transmit { port, frame } if port == pp => Some(frame),
                        _ => None,
                    })
                    .collect();
                for f in frames {
                    moved = true;
                    let other = &mut sides[1 - i].0;
                    let opp = other.peer_port();
                    other.handle_frame(now, opp, &f);
                }
            }
            if !moved {
                break;
            }
        }
        if step % 200 == 0 {
            for (i, (c, ports)) in sides.iter_mut().enumerate() {
                let m = (step / 200) as u8;
                let mac = MacAddr([2, 0, 0, i as u8, 0, m % 8]);
                let vid = VlanId::try_new(1).unwrap_or(VlanId::MIN);
                c.handle_learn(now, vid, mac, ports[usize::from(m) % 3]);
            }
        }
        let Some(next) = sides.iter().filter_map(|(c, _)| c.poll_timeout()).min() else {
            break;
        };
        let next = next.min(now + Duration::from_millis(50)).max(now);
        if next > end {
            break;
        }
        now = next;
        for (c, _) in &mut sides {
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
        }
    }
    // The baseline is a connected pair with its halves released (else the seed would miss
    // most of the format).
    let m = sides[0].0.monitor();
    assert_eq!(
        m.status,
        iccp::Status::Connected,
        "baseline pair not connected"
    );
    assert!(
        m.mlags.iter().all(|h| h.released),
        "baseline halves not released"
    );
    assert!(m.fdb.entries > 0 && !sides[0].0.fdb().peer_records().is_empty());
    let cfg = sides[0].0.config().clone();
    let bytes = sides[0].0.snapshot(now);
    (cfg, bytes, now)
}

/// The [`mlag_snapshot`] input that restores the whole valid baseline snapshot as raw octets
/// (mode octet 0): a corpus seed.
pub fn mlag_snapshot_seed() -> Vec<u8> {
    let (_, bytes, _) = mlag_snapshot_baseline();
    let mut v = vec![0u8];
    v.extend_from_slice(&bytes);
    v
}

/// CRC-32 (IEEE 802.3) of a coordinator snapshot's body (the format's trailer), so mutated
/// bodies reach the structural decoder.
fn crc32_ieee(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `Coordinator::restore` on arbitrary octets (mode octet even), or on a valid snapshot of a
/// steady pair with octets changed by the input and the checksum made right again (mode octet
/// odd: (offset hi, offset lo, xor) triples), so the decoder behind the checksum is fuzzed.
/// Checks: no panic; the unchanged snapshot restores; a snapshot that restores runs 5 s of
/// timers without panic, and its own snapshot restores again to the same view (role,
/// system-id, halves, STP mode, FDB).
pub fn mlag_snapshot(data: &[u8]) {
    use core::time::Duration;
    use mlag_core::coordinator::{Coordinator, Options};
    use mlag_core::dataplane::RecordingDataplane;
    use std::sync::OnceLock;

    type C = Coordinator<RecordingDataplane>;
    static BASE: OnceLock<(mlag_core::config::ValidConfig, Vec<u8>, Instant)> = OnceLock::new();
    let (cfg, base, at) = BASE.get_or_init(mlag_snapshot_baseline);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let opts = Options::new(77);
    let bytes: Vec<u8> = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let mut b = base.clone();
        let body = b.len().saturating_sub(4);
        for t in rest.chunks_exact(3) {
            if body > 0
                && let [hi, lo, x] = *t
            {
                let at = usize::from(u16::from_be_bytes([hi, lo])) % body;
                if let Some(o) = b.get_mut(at) {
                    *o ^= x;
                }
            }
        }
        let crc = crc32_ieee(b.get(..body).unwrap_or_default());
        if let Some(tail) = b.get_mut(body..) {
            tail.copy_from_slice(&crc.to_be_bytes());
        }
        b
    };
    let now = *at + Duration::from_millis(u64::from(mode >> 1) * 4);
    let restored = C::restore(cfg.clone(), RecordingDataplane::new(), &opts, &bytes, now);
    if mode & 1 == 1 && rest.len() < 3 {
        assert!(
            restored.is_ok(),
            "the baseline snapshot does not restore: {restored:?}"
        );
    }
    let Ok(mut c) = restored else { return };
    // Round trip: its own snapshot restores to the same view.
    let again = c.snapshot(now);
    let c2 = C::restore(cfg.clone(), RecordingDataplane::new(), &opts, &again, now)
        .expect("a restored coordinator's snapshot restores");
    let (m1, m2) = (c.monitor(), c2.monitor());
    assert_eq!(m1.status, m2.status);
    assert_eq!(m1.active_role, m2.active_role);
    assert_eq!(m1.system_id, m2.system_id);
    assert_eq!(m1.mlags, m2.mlags);
    assert_eq!(m1.stp.mode, m2.stp.mode);
    assert_eq!(c.fdb().own_records(), c2.fdb().own_records());
    assert_eq!(c.fdb().peer_records(), c2.fdb().peer_records());
    // It runs.
    let end = now + Duration::from_secs(5);
    let mut t = now;
    for _ in 0..500 {
        match c.poll_timeout() {
            Some(next) if next <= end => {
                t = t.max(next);
                c.handle_timeout(t);
                let _ = c.dataplane_mut().take_calls();
            }
            _ => break,
        }
    }
}
