//! Golden frames both ways: every frame of tcpdump's `LACP.pcap` (testdata/) decodes, frame 1
//! field by field, and every LACPDU re-encodes to the captured octets (and the frame to the
//! captured frame).

use l2_types::{EtherType, MacAddr};
use lacp::wire::lacpdu::Packet;
use lacp::wire::{EthernetRepr, LacpduRepr, PortState, SlowPdu};
use std::path::Path;

fn frames() -> Vec<Vec<u8>> {
    capture("LACP.pcap")
}

fn capture(name: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("testdata/{name}: {e}"));
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
    round_trips(&frames());
}

/// `testdata/ovs-lacp.pcap`: captured on our side of the real-peer test (`interop/scripts/
/// ovs-lacp.sh`): Open vSwitch 3.1's LACPDUs (source 02:00:00:00:0c:01) and ours (02:00:00:00:0a:01).
#[test]
fn open_vswitch_capture() {
    let frames = capture("ovs-lacp.pcap");
    assert!(frames.len() >= 10);
    round_trips(&frames);
    let ovs = MacAddr([2, 0, 0, 0, 0x0c, 1]);
    let ours = MacAddr([2, 0, 0, 0, 0x0a, 1]);
    let decoded: Vec<(EthernetRepr, LacpduRepr<'_>)> = frames
        .iter()
        .map(|f| match SlowPdu::parse_frame(f) {
            Ok((eth, SlowPdu::Lacp(r))) => (eth, r),
            other => panic!("not a LACPDU: {other:?}"),
        })
        .collect();
    // OVS's first LACPDU: the quirk the state machines must tolerate — Expired, Sync, Collecting
    // and Distributing set while its partner is still all-zero (partner state = Short Timeout).
    let (eth, first) = &decoded[0];
    assert_eq!(eth.src, ovs);
    assert_eq!(first.actor.system, MacAddr([2, 0, 0, 0, 0x0c, 0]));
    assert_eq!(first.actor.system_priority, 65534);
    assert_eq!(first.actor.key, 1);
    assert_eq!(first.actor.state.bits(), 0xbf);
    assert!(first.partner.is_null_system());
    assert_eq!(first.partner.state, PortState::LACP_TIMEOUT);
    // Ours: the configured identity, and never in sync before OVS was heard.
    for (eth, r) in decoded.iter().filter(|(e, _)| e.src == ours) {
        assert_eq!(eth.dst, MacAddr::SLOW_PROTOCOLS);
        assert_eq!(r.actor.system, MacAddr([2, 0, 0, 0, 0x4d, 0x4c]));
        assert_eq!(r.actor.system_priority, 100);
        assert_eq!(r.actor.port, 1);
        assert!(r.actor.state.is_active() && r.actor.state.is_short_timeout());
        if r.partner.is_null_system() {
            assert!(!r.actor.state.contains(PortState::SYNCHRONIZATION));
        }
    }
    // Both sides end up collecting and distributing with each other as partner.
    let in_sync = PortState::SYNCHRONIZATION | PortState::COLLECTING | PortState::DISTRIBUTING;
    for side in [ovs, ours] {
        assert!(
            decoded.iter().any(|(e, r)| e.src == side
                && r.actor.state.contains(in_sync)
                && !r.partner.is_null_system()
                && r.partner.state.contains(in_sync)),
            "{side} never reached collecting+distributing with its partner in sync"
        );
    }
}

fn round_trips(frames: &[Vec<u8>]) {
    for (i, f) in frames.iter().enumerate() {
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
