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
//!
//! State-machine targets (op sequences against `lacp::System`) will be added here, next to the
//! codec targets, once the driver exists; see the "Op-sequence targets" section at the end of this
//! file.

use lacp::wire::lacpdu::Packet;
use lacp::wire::{LacpduRepr, MarkerRepr, SlowPdu};

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
// `pub fn lacp_system(data: &[u8])` goes here once `lacp::System` exists: interpret `data` as a
// sequence of operations (receive a PDU built from the bytes, advance virtual time, link
// up/down, reconfigure), apply them to a System, and check its invariants after every step. Add
// `fuzz/cargo-fuzz/fuzz_targets/lacp_system.rs`, a `[[bin]]` entry in
// `fuzz/cargo-fuzz/Cargo.toml`, seeds in `fuzz/corpus/lacp_system/` and a line in
// `fuzz/tests/replay.rs` (`TARGETS`).

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
