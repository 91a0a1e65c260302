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
            let (len, n, upto2) = wire::encode_snapshot(&h, records, last, &mut buf);
            assert_eq!(n, records.len(), "a valid chunk must re-encode whole");
            assert!(upto2 <= upto || upto2 == after);
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
/// message loss, duplication and reordering, time, and forged messages (raw bytes). After the
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
                let Some(n) = t.poll_sync(now, &mut buf) else {
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
            for e in live {
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
