//! Decoding never allocates (performance.md: "Zero allocations in any decode"), checked with a
//! counting global allocator on the golden frames: LACPv1 from tcpdump's LACP.pcap, a LACPv2
//! LACPDU with TLVs (long LACPDU) and a Marker PDU.

use alloc_check::{CountingAlloc, allocations_during};
use core::hint::black_box;
use l2_types::MacAddr;
use lacp::wire::lacpdu::Packet;
use lacp::wire::{EthernetRepr, LacpduRepr, MarkerKind, MarkerRepr, SlowPdu, Tlv, Tlvs};
use std::path::Path;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn pcap_frames() -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/LACP.pcap");
    let mut r = pcap_file::pcap::PcapReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        out.push(p.unwrap().data.into_owned());
    }
    out
}

fn v2_frame(v1: &[u8]) -> Vec<u8> {
    let mask = [0x5au8; 128];
    let list = [
        Tlv::PortAlgorithm {
            actor_port_algorithm: 0x0080_c201,
        },
        Tlv::PortConversationIdDigest {
            link_number_id: 3,
            actor_conversation_linklist_digest: [7; 16],
        },
        Tlv::PortConversationMask {
            index: 1,
            mask_state: Some(1),
            mask: &mask,
        },
        Tlv::Unknown {
            ty: 0x42,
            value: &[1, 2, 3],
        },
    ];
    let mut chain = [0u8; 512];
    let n = Tlvs::encode(&list, &mut chain).unwrap();
    let mut r = LacpduRepr::parse_bytes(&v1[14..]).unwrap();
    r.version = 2;
    r.tlvs = Tlvs::new(&chain[..n]).unwrap();
    let mut buf = vec![0u8; 512];
    let len = SlowPdu::Lacp(r)
        .emit_frame(
            &EthernetRepr::slow_protocols(MacAddr([2, 0, 0, 0, 0, 1])),
            &mut buf,
        )
        .unwrap();
    buf.truncate(len);
    buf
}

fn marker_frame() -> Vec<u8> {
    let m = MarkerRepr {
        kind: MarkerKind::Information,
        version: 1,
        requester_port: 22,
        requester_system: MacAddr([0, 0x13, 0xc4, 0x12, 0x0f, 0]),
        requester_transaction_id: 42,
        pad: 0,
    };
    let mut buf = vec![0u8; 128];
    let len = SlowPdu::Marker(m)
        .emit_frame(
            &EthernetRepr::slow_protocols(MacAddr([2, 0, 0, 0, 0, 1])),
            &mut buf,
        )
        .unwrap();
    buf.truncate(len);
    buf
}

/// Everything a receiver does with a frame: demultiplex, parse, read fields, walk TLVs, scan
/// conformance; plus re-emitting into a stack buffer.
fn decode_everything(frame: &[u8]) -> usize {
    let mut seen = 0usize;
    let (eth, payload) = EthernetRepr::parse(frame).unwrap();
    seen += usize::from(eth.is_lacp_destination());
    match SlowPdu::parse_frame(frame).unwrap() {
        (_, SlowPdu::Lacp(r)) => {
            seen += usize::from(r.actor.key) + usize::from(r.partner.state.bits());
            for tlv in r.tlvs.iter() {
                seen += tlv.buffer_len() + tlv.name().len();
            }
            for tlv in r.tlvs {
                seen += usize::from(tlv.ty());
            }
            let p = Packet::new_checked(payload).unwrap();
            p.conformance(|_| seen += 1);
            let (tlvs, end) = p.tlvs().unwrap();
            seen += tlvs.len() + end;
            let mut out = [0u8; 512];
            seen += r.emit(&mut out).unwrap();
        }
        (_, SlowPdu::Marker(m)) => {
            seen += usize::from(m.requester_port);
            let mut out = [0u8; 128];
            seen += m.response().emit(&mut out).unwrap();
        }
        (_, SlowPdu::Other { pdu, .. }) => seen += pdu.len(),
    }
    seen
}

#[test]
fn the_counter_counts() {
    let (n, v) = allocations_during(|| black_box(Vec::<u8>::with_capacity(16)));
    assert_eq!(n, 1);
    drop(v);
}

#[test]
fn decoding_golden_frames_does_not_allocate() {
    let frames = pcap_frames();
    assert_eq!(frames.len(), 20);
    let v2 = v2_frame(&frames[0]);
    let marker = marker_frame();
    let mut cases: Vec<(&str, &[u8])> = vec![("lacp v2 with TLVs", &v2), ("marker", &marker)];
    for f in &frames {
        cases.push(("lacp v1 (LACP.pcap)", f));
    }
    for (what, frame) in cases {
        let (n, seen) = allocations_during(|| decode_everything(black_box(frame)));
        assert!(seen > 0);
        assert_eq!(n, 0, "{what}: {n} allocations while decoding");
    }
    // Errors are allocation-free too.
    let (n, _) = allocations_during(|| {
        black_box(SlowPdu::parse_frame(black_box(&frames[0][..60])).is_err())
    });
    assert_eq!(n, 0);
}
