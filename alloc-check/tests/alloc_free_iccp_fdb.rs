//! Decoding ICCP (both framings: the L2 Ethernet frame and the LDP PDU over TCP; every message
//! and every TLV) and FDB synchronisation messages (Delta, Snapshot chunk, Request, Digest, every
//! record) never allocates (performance.md: "Zero allocations in any decode"), checked with a
//! counting global allocator on every input of the committed fuzz corpora (`fuzz/corpus/
//! iccp_decode`, `iccp_deframer`, `iccp_ldp_session`, `fdb_decode`: valid messages of every
//! kind and the malformed ones the fuzzers kept), plus frames the ICCP sessions send.
//!
//! The borrowed decoders are the receive path; the owned convenience reprs (`IccMessage`,
//! `LdpMessage`, `decode_l2_frame`, which collect their TLVs in a `Vec` for printing and tests)
//! are measured too and reported, not held to zero.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use alloc_check::{CountingAlloc, allocations_during};
use core::hint::black_box;
use std::path::Path;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Walks every message of a message sequence and every TLV of each with the borrowed
/// decoders; returns a checksum of what it read.
fn walk_messages(body: &[u8]) -> u64 {
    use iccp::wire::ldp::LdpTlv;
    use iccp::wire::{Param, RawMessages};
    let mut seen = 0u64;
    for raw in RawMessages::new(body) {
        let Ok(raw) = raw else {
            seen += 1;
            break;
        };
        seen += u64::from(raw.msg_type.0) + u64::from(raw.id);
        seen += u64::from(raw.rg_id().unwrap_or(0));
        for tlv in raw.tlvs() {
            let Ok(tlv) = tlv else {
                seen += 1;
                break;
            };
            if raw.msg_type.is_icc() {
                match Param::parse(tlv) {
                    Ok(p) => seen += u64::from(p.ty()) + p.buffer_len() as u64,
                    Err(_) => seen += 2,
                }
            } else {
                match LdpTlv::parse(tlv) {
                    Ok(_) => seen += 3,
                    Err(_) => seen += 4,
                }
            }
        }
    }
    seen
}

/// Everything an ICCP receiver does with bytes: the L2 frame, the LDP PDU and a bare message,
/// each message and TLV.
fn decode_iccp(data: &[u8]) -> u64 {
    use iccp::wire::ldp::{LdpPduHeader, PDU_MAX_DEFAULT, parse_pdu};
    use iccp::wire::{L2Frame, RawMessage};
    let mut seen = 1u64;
    if let Ok(f) = L2Frame::parse(data) {
        seen += u64::from(f.header.flags.0) + f.payload.len() as u64;
        seen += walk_messages(f.payload);
    }
    if let Ok(h) = LdpPduHeader::parse(data, PDU_MAX_DEFAULT) {
        seen += h.total_len() as u64;
    }
    if let Ok((h, msgs)) = parse_pdu(data) {
        seen += h.total_len() as u64;
        for m in msgs {
            seen += u64::from(m.is_ok());
        }
        seen += walk_messages(
            data.get(iccp::wire::ldp::PDU_HEADER_LEN..)
                .unwrap_or_default(),
        );
    }
    if let Ok((raw, rest)) = RawMessage::parse(data) {
        seen += rest.len() as u64 + raw.body.len() as u64;
        seen += walk_messages(data);
    }
    seen
}

fn decode_fdb(data: &[u8]) -> u64 {
    use fdb::sync::wire::Message;
    let mut seen = 1u64;
    match Message::decode(data) {
        Ok(Message::Delta {
            epoch,
            first_seq,
            records,
        }) => {
            seen = seen.wrapping_add(u64::from(epoch)).wrapping_add(first_seq);
            for r in records.iter() {
                seen = seen
                    .wrapping_add(r.key.mac().to_u64())
                    .wrapping_add(u64::from(r.location.is_some()));
            }
        }
        Ok(Message::Snapshot {
            epoch,
            seq,
            records,
            last,
            ..
        }) => {
            seen = seen.wrapping_add(u64::from(epoch)).wrapping_add(seq) + u64::from(last);
            for r in records.iter() {
                seen = seen
                    .wrapping_add(r.key.mac().to_u64())
                    .wrapping_add(u64::from(r.location.is_some()));
            }
        }
        Ok(Message::Request { epoch, seq, .. }) => {
            seen = seen.wrapping_add(u64::from(epoch)).wrapping_add(seq);
        }
        Ok(Message::Digest { digests, .. }) => {
            for i in 0..fdb::sync::wire::SEGMENTS {
                seen = seen.wrapping_add(digests.get(i));
            }
        }
        Err(_) => seen += 7,
    }
    seen
}

/// Frames two connected ICCP sessions send each other (RG Connect, heartbeats, app data…).
fn session_frames() -> Vec<Vec<u8>> {
    use iccp::{LinkState, Session, SessionConfig};
    use l2_types::{Instant, MacAddr};
    let mut now = Instant::ZERO;
    let mut a = Session::new(SessionConfig::new(MacAddr([2, 0, 0, 0, 1, 0])), now);
    let mut b = Session::new(SessionConfig::new(MacAddr([2, 0, 0, 0, 2, 0])), now);
    a.handle_link(now, LinkState::Up);
    b.handle_link(now, LinkState::Up);
    let mut out = Vec::new();
    let mut buf = vec![0u8; iccp::wire::l2::FRAME_MAX];
    for _ in 0..200 {
        now += core::time::Duration::from_millis(100);
        a.handle_timeout(now);
        b.handle_timeout(now);
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            let f = buf[..t.len].to_vec();
            let _ = b.handle_frame(now, &f);
            out.push(f);
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            let f = buf[..t.len].to_vec();
            let _ = a.handle_frame(now, &f);
            out.push(f);
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
    }
    assert!(
        out.len() > 10,
        "the sessions exchanged {} frames",
        out.len()
    );
    out
}

#[test]
fn decoding_iccp_does_not_allocate() {
    let mut inputs = corpus("iccp_decode");
    inputs.extend(corpus("iccp_ldp_session"));
    // The deframer corpus is a byte stream after a cut octet: decode the stream's octets.
    inputs.extend(
        corpus("iccp_deframer")
            .into_iter()
            .map(|d| d[1.min(d.len())..].to_vec()),
    );
    inputs.extend(session_frames());
    assert!(inputs.len() > 300, "{} inputs", inputs.len());
    let mut accepted = 0;
    for (i, data) in inputs.iter().enumerate() {
        let (n, seen) = allocations_during(|| decode_iccp(black_box(data)));
        assert!(seen > 0);
        accepted += usize::from(seen > 1);
        assert_eq!(
            n,
            0,
            "ICCP input {i} ({} octets): {n} allocations",
            data.len()
        );
    }
    // The corpus holds valid frames, PDUs and messages, not just garbage.
    assert!(accepted > 100, "only {accepted} inputs decoded");
}

#[test]
fn decoding_fdb_sync_messages_does_not_allocate() {
    use fdb::sync::wire::Message;
    let inputs = corpus("fdb_decode");
    assert!(inputs.len() > 50);
    let mut kinds = [0usize; 5];
    for (i, data) in inputs.iter().enumerate() {
        let (n, seen) = allocations_during(|| decode_fdb(black_box(data)));
        assert!(seen > 0);
        assert_eq!(
            n,
            0,
            "FDB sync input {i} ({} octets): {n} allocations",
            data.len()
        );
        let k = match Message::decode(data) {
            Ok(Message::Delta { .. }) => 0,
            Ok(Message::Snapshot { .. }) => 1,
            Ok(Message::Request { .. }) => 2,
            Ok(Message::Digest { .. }) => 3,
            Err(_) => 4,
        };
        kinds[k] += 1;
    }
    // Every message kind (and some malformed input) was measured.
    assert!(kinds.iter().all(|&k| k > 0), "kinds measured: {kinds:?}");
}

/// The owned reprs (for printing and tests) collect their TLVs in a `Vec`: at most one
/// allocation per message (plus one per frame or PDU for the message list), never more.
#[test]
fn owned_iccp_reprs_allocate_at_most_once_per_message() {
    use iccp::wire::{IccMessage, RawMessage, RawMessages};
    let mut inputs = corpus("iccp_decode");
    inputs.extend(session_frames());
    let mut measured = 0;
    for data in &inputs {
        let Ok(f) = iccp::wire::L2Frame::parse(data) else {
            continue;
        };
        for raw in RawMessages::new(f.payload).flatten() {
            let (n, ok) =
                allocations_during(|| black_box(IccMessage::parse(black_box(&raw)).is_ok()));
            measured += usize::from(ok);
            assert!(n <= 1, "{n} allocations for one ICC message");
        }
        if let Ok((raw, _)) = RawMessage::parse(data) {
            let (n, _) = allocations_during(|| black_box(IccMessage::parse(&raw).is_ok()));
            assert!(n <= 1);
        }
    }
    assert!(measured > 10);
}
