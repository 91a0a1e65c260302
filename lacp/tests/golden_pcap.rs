//! Golden frames both ways: every frame of tcpdump's `LACP.pcap` (testdata/) decodes, frame 1
//! field by field, and every LACPDU re-encodes to the captured octets (and the frame to the
//! captured frame).

use l2_types::{EtherType, MacAddr};
use lacp::wire::lacpdu::Packet;
use lacp::wire::{EthernetRepr, LacpduRepr, PortState, SlowPdu};
use std::path::Path;

fn frames() -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/LACP.pcap");
    let file = std::fs::File::open(&path).expect("testdata/LACP.pcap");
    let mut reader = pcap_file::pcap::PcapReader::new(file).expect("pcap header");
    assert_eq!(reader.header().datalink, pcap_file::DataLink::ETHERNET);
    let mut out = Vec::new();
    while let Some(p) = reader.next_packet() {
        out.push(p.expect("pcap record").data.into_owned());
    }
    out
}

#[test]
fn frame_1_field_by_field() {
    let frames = frames();
    assert_eq!(frames.len(), 20);
    let f = &frames[0];
    assert_eq!(f.len(), 124);
    let (eth, pdu) = SlowPdu::parse_frame(f).unwrap();
    assert_eq!(
        eth,
        EthernetRepr {
            dst: MacAddr::SLOW_PROTOCOLS,
            src: MacAddr([0x00, 0x13, 0xc4, 0x12, 0x0f, 0x0d]),
            vlan_tci: None,
            ethertype: EtherType::SLOW_PROTOCOLS,
        }
    );
    let SlowPdu::Lacp(r) = pdu else {
        panic!("frame 1 is a LACPDU, got {pdu:?}");
    };
    assert_eq!(r.version, 1);
    let a = r.actor;
    assert_eq!(a.system_priority, 32768);
    assert_eq!(a.system, MacAddr([0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00]));
    assert_eq!(a.key, 13);
    assert_eq!(a.port_priority, 32768);
    assert_eq!(a.port, 22);
    assert_eq!(a.state.bits(), 0x85);
    assert_eq!(
        a.state,
        PortState::LACP_ACTIVITY | PortState::AGGREGATION | PortState::EXPIRED
    );
    assert_eq!(&a.state.compact(), b"E****G*A");
    let p = r.partner;
    assert_eq!(p.system_priority, 32768);
    assert_eq!(p.system, MacAddr([0x00, 0x0e, 0x83, 0x16, 0xf5, 0x00]));
    assert_eq!(p.key, 13);
    assert_eq!(p.port_priority, 32768);
    assert_eq!(p.port, 25);
    assert_eq!(
        p.state,
        PortState::LACP_TIMEOUT
            | PortState::AGGREGATION
            | PortState::COLLECTING
            | PortState::DISTRIBUTING
    );
    assert_eq!(&p.state.compact(), b"**DC*GS*");
    assert_eq!(r.collector_max_delay, 32768);
    assert!(r.tlvs.is_empty());
    assert_eq!(r.buffer_len(), 110);
}

#[test]
fn every_frame_round_trips_both_ways() {
    for (i, f) in frames().iter().enumerate() {
        let n = i + 1;
        let (eth, pdu) = SlowPdu::parse_frame(f).unwrap_or_else(|e| panic!("frame {n}: {e}"));
        let SlowPdu::Lacp(r) = pdu else {
            panic!("frame {n} is not a LACPDU");
        };
        let body = &f[eth.buffer_len()..];
        // Decode → encode: the PDU octets come back exactly.
        let mut buf = [0u8; 110];
        assert_eq!(r.emit(&mut buf), Ok(110), "frame {n}");
        assert_eq!(&buf[..], &body[..110], "frame {n}: PDU re-encoding differs");
        assert!(body[110..].iter().all(|&b| b == 0), "frame {n}: trailer");
        // And the whole frame, through the demultiplexer.
        let mut frame = [0u8; 124];
        assert_eq!(pdu.emit_frame(&eth, &mut frame), Ok(124), "frame {n}");
        assert_eq!(&frame[..], &f[..], "frame {n}: frame re-encoding differs");
        // Encode → decode: the repr comes back exactly.
        assert_eq!(LacpduRepr::parse_bytes(&buf), Ok(r), "frame {n}");
        // Real switches send conformant PDUs.
        let mut deviations = 0;
        Packet::new_checked(body)
            .unwrap()
            .conformance(|_| deviations += 1);
        assert_eq!(deviations, 0, "frame {n}");
    }
}
