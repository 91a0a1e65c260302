//! Codec tests: golden messages both ways, round trips (proptest), every truncation a typed error.

use iccp::wire::l2::{self, Authenticator};
use iccp::wire::ldp::{self, AnyMessage, Deframer, LdpMessage, LdpTlv, SessionParams};
use iccp::wire::message::{self, IccMessage, MessageType, RawMessage, RawMessages, StatusCode};
use iccp::wire::param::{self, Param};
use iccp::wire::{self, Error, L2Flags, L2Frame, L2Header, Tlv, decode_l2_frame, decode_ldp_pdu};
use l2_types::MacAddr;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RG Connect as the lab probe sends it (`ldp-iccp-probe.py`): RG 42, Sender Name "probe",
/// mLACP Connect version 1, A = 0.
const RG_CONNECT: &str = "
    0700 001d 0000000c
    0005 0004 0000002a
    0001 0005 70726f6265
    0030 0004 0001 0000";

/// LDP Initialization with Common Session Parameters and the ICCP Capability TLV (U=1, S=1, 1.0)
/// in an LDP PDU from 192.0.2.2:0.
const INIT_PDU: &str = "
    0001 0028 c0000202 0000
    0200 001e 0000000a
    0500 000e 0001 00b4 00 00 1000 c0000201 0000
    8700 0004 8000 0100";

#[test]
fn golden_rg_connect_decodes() {
    let bytes = hex(RG_CONNECT);
    let m = IccMessage::parse_bytes(&bytes).unwrap();
    assert_eq!(m.msg_type, MessageType::RG_CONNECT);
    assert_eq!(m.id, 12);
    assert_eq!(m.rg_id, 42);
    assert_eq!(
        m.params,
        vec![
            Param::SenderName("probe"),
            Param::MlacpConnect {
                version: 1,
                a_bit: false,
                sub_tlvs: &[]
            }
        ]
    );
}

#[test]
fn golden_rg_connect_encodes() {
    let m = IccMessage {
        msg_type: MessageType::RG_CONNECT,
        id: 12,
        rg_id: 42,
        params: vec![
            Param::SenderName("probe"),
            Param::MlacpConnect {
                version: 1,
                a_bit: false,
                sub_tlvs: &[],
            },
        ],
    };
    let mut buf = vec![0; m.buffer_len()];
    assert_eq!(m.emit(&mut buf).unwrap(), buf.len());
    assert_eq!(buf, hex(RG_CONNECT));
}

#[test]
fn golden_init_pdu_both_ways() {
    let bytes = hex(INIT_PDU);
    let (hdr, mut msgs) = ldp::parse_pdu(&bytes).unwrap();
    assert_eq!(hdr.lsr_id, [192, 0, 2, 2]);
    let raw = msgs.next().unwrap().unwrap();
    assert!(msgs.next().is_none());
    let m = LdpMessage::parse(&raw).unwrap();
    assert_eq!(m.msg_type, MessageType::INITIALIZATION);
    assert_eq!(m.iccp_capability_tlv(), Some((true, 1, 0)));
    let params = SessionParams {
        version: 1,
        keepalive_time: 180,
        flags: 0,
        path_vector_limit: 0,
        max_pdu_len: 4096,
        receiver: [192, 0, 2, 1, 0, 0],
    };
    assert_eq!(m, LdpMessage::initialization(10, params));
    let mut msg = vec![0; m.buffer_len()];
    m.emit(&mut msg).unwrap();
    let mut pdu = vec![0; 10 + msg.len()];
    ldp::emit_pdu(&mut pdu, [192, 0, 2, 2], 0, &msg).unwrap();
    assert_eq!(pdu, bytes);
}

#[test]
fn golden_mlacp_tlvs() {
    // mLACP System Config: system 02:00:00:00:4d:4c, priority 32768, node id 1 (lab probe).
    let b = hex("0032 0009 020000004d4c 8000 01");
    let (t, rest) = Tlv::parse(&b).unwrap();
    assert!(rest.is_empty());
    let p = Param::parse(t).unwrap();
    assert_eq!(
        p,
        Param::MlacpSystemConfig {
            system_id: MacAddr([2, 0, 0, 0, 0x4d, 0x4c]),
            system_priority: 32768,
            node_id: param::NodeId(1)
        }
    );
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, b);
    // mLACP Port Config with a 4-octet name.
    let b = hex("0033 0016 0007 020000000107 0007 0080 000003e8 00 04 65746831");
    let p = Param::parse(Tlv::parse(&b).unwrap().0).unwrap();
    let Param::MlacpPortConfig(pc) = p else {
        panic!("{p:?}")
    };
    assert_eq!((pc.port_number, pc.actor_key, pc.port_speed), (7, 7, 1000));
    assert_eq!(pc.name, b"eth1");
    // Name length disagreeing with the TLV length is malformed.
    let b = hex("0033 0016 0007 020000000107 0007 0080 000003e8 00 05 65746831");
    assert_eq!(
        Param::parse(Tlv::parse(&b).unwrap().0),
        Err(Error::BadTlv { ty: 0x33, len: 22 })
    );
}

#[test]
fn golden_vendor_tlvs_have_u_bit_and_version() {
    let p = Param::Election {
        priority: 100,
        bridge_mac: MacAddr([2, 0, 0, 0, 0, 1]),
    };
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, hex("be01 0008 01 64 020000000001"));
    let p = Param::FdbDelta {
        kind: 3,
        records: &[9, 9],
    };
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, hex("be02 0004 01 03 0909"));
    // Election format version 2: priority, MAC, flags, incumbent, generation, seen.
    let p = Param::ElectionV2 {
        priority: 100,
        bridge_mac: MacAddr([2, 0, 0, 0, 0, 1]),
        flags: param::ELECTION_INCUMBENT,
        incumbent: MacAddr([2, 0, 0, 0, 0, 9]),
        generation: 0x0102,
        seen: 0x0304,
    };
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(
        out,
        hex("be01 0013 02 64 020000000001 01 020000000009 0102 0304")
    );
    assert_eq!(Param::parse(Tlv::parse(&out).unwrap().0), Ok(p));
    // A version-2 Election of another length is malformed (never a panic).
    for len in [8usize, 18, 20] {
        let mut b = hex("be01 0000");
        b[3] = len as u8;
        b.push(2);
        b.resize(4 + len, 0);
        assert_eq!(
            Param::parse(Tlv::parse(&b).unwrap().0),
            Err(Error::BadTlv {
                ty: 0x3e01,
                len: len as u16
            })
        );
    }
    // A vendor TLV of an unknown format version is an unknown U=1 TLV: skipped, not an error.
    let b = hex("be01 0008 03 64 020000000001");
    assert!(matches!(
        Param::parse(Tlv::parse(&b).unwrap().0),
        Ok(Param::Unknown(_))
    ));
}

#[test]
fn unknown_tlvs_follow_the_u_bit() {
    // U=1 unknown: kept as Unknown (skipped by the session); U=0 unknown: message rejected.
    let mut m = hex(RG_CONNECT);
    m.extend(hex("bfff 0002 abcd"));
    m[3] += 6;
    let parsed = IccMessage::parse_bytes(&m).unwrap();
    assert!(matches!(parsed.params.last(), Some(Param::Unknown(t)) if t.ty() == 0x3fff));
    let mut m = hex(RG_CONNECT);
    m.extend(hex("3fff 0002 abcd"));
    m[3] += 6;
    assert_eq!(IccMessage::parse_bytes(&m), Err(Error::UnknownTlv(0x3fff)));
}

#[test]
fn mandatory_tlvs() {
    // RG Connect without Sender Name.
    let b = hex("0700 000c 00000001 0005 0004 00000001");
    assert_eq!(
        IccMessage::parse_bytes(&b),
        Err(Error::MissingTlv(param::SENDER_NAME))
    );
    // ICC message whose first TLV is not the RG ID.
    let b = hex("0703 000c 00000001 0001 0004 41414141");
    assert_eq!(
        IccMessage::parse_bytes(&b),
        Err(Error::MissingTlv(param::RG_ID))
    );
    // Message Length < 4.
    let b = hex("0703 0003 000000");
    assert!(matches!(
        RawMessage::parse(&b),
        Err(Error::BadLength { .. })
    ));
}

#[test]
fn sender_name_strips_nul_and_rejects_bad_utf8() {
    let b = hex("0001 0004 61620000");
    assert_eq!(
        Param::parse(Tlv::parse(&b).unwrap().0),
        Ok(Param::SenderName("ab"))
    );
    let b = hex("0001 0002 c328");
    assert_eq!(
        Param::parse(Tlv::parse(&b).unwrap().0),
        Err(Error::BadUtf8(1))
    );
}

#[test]
fn golden_l2_frame() {
    let header = L2Header {
        flags: L2Flags::DATA,
        sender: 0x11223344,
        receiver: 0x55667788,
        frame_no: 7,
        seq: 3,
        ack: 2,
    };
    let payload = hex(RG_CONNECT);
    let mut buf = [0u8; 128];
    let n = L2Frame::emit(
        &mut buf,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &header,
        &payload,
        None,
    )
    .unwrap();
    assert_eq!(n, 14 + 24 + payload.len());
    let expect = [
        hex("0180c200000e 020000000001 88b5"),
        hex("01 01 0021 11223344 55667788 00000007 00000003 00000002"),
        payload.clone(),
    ]
    .concat();
    assert_eq!(&buf[..n], &expect[..]);
    let f = L2Frame::parse(&buf[..n]).unwrap();
    assert_eq!(f.header, header);
    assert_eq!(f.payload, &payload[..]);
    assert_eq!(f.dst, MacAddr::NEAREST_BRIDGE);
    // Authenticated: the AUTH flag, 32 octets of HMAC, and verification.
    let auth = Authenticator::new(b"secret");
    let n = L2Frame::emit(
        &mut buf,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &header,
        &payload,
        Some(&auth),
    )
    .unwrap();
    let f = L2Frame::parse(&buf[..n]).unwrap();
    assert!(f.header.flags.contains(L2Flags::AUTH));
    assert!(auth.verify(f.signed, f.auth.unwrap()));
    assert!(!Authenticator::new(b"other").verify(f.signed, f.auth.unwrap()));
    // A short frame is padded to 60 octets and still parses.
    let n = L2Frame::emit(&mut buf, MacAddr([2, 0, 0, 0, 0, 1]), &header, &[], None).unwrap();
    assert_eq!(n, 60);
    assert_eq!(L2Frame::parse(&buf[..n]).unwrap().payload, &[] as &[u8]);
}

#[test]
fn hmac_sha256_rfc4231_case_2() {
    // RFC 4231 §4.3 test case 2: key "Jefe", data "what do ya want for nothing?".
    let tag = Authenticator::new(b"Jefe").sign(b"what do ya want for nothing?");
    assert_eq!(
        tag.to_vec(),
        hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
}

#[test]
fn decode_printers() {
    let mut frame = [0u8; 128];
    let payload = hex(RG_CONNECT);
    let n = L2Frame::emit(
        &mut frame,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &L2Header::default(),
        &payload,
        None,
    )
    .unwrap();
    let d = decode_l2_frame(&frame[..n]).unwrap();
    let text = d.to_string();
    assert!(text.contains("RG Connect (0x0700)"), "{text}");
    assert!(text.contains("\"probe\""), "{text}");
    let init = hex(INIT_PDU);
    let d = decode_ldp_pdu(&init).unwrap();
    let text = d.to_string();
    assert!(text.contains("Initialization"), "{text}");
    assert!(
        text.contains("ICCP Capability (0x0700): S=1, version 1.0"),
        "{text}"
    );
    // A malformed message is shown, not an error of the whole PDU.
    let mut bad = hex(INIT_PDU);
    bad[12] = 0x07; // now an RG Connect without an RG ID TLV
    bad[13] = 0x00;
    let d = decode_ldp_pdu(&bad).unwrap();
    assert!(d.to_string().contains("malformed"), "{d}");
}

#[test]
fn every_truncation_is_a_typed_error() {
    let msg = hex(RG_CONNECT);
    for len in 0..msg.len() {
        assert!(IccMessage::parse_bytes(&msg[..len]).is_err(), "len {len}");
    }
    let pdu = hex(INIT_PDU);
    for len in 0..pdu.len() {
        assert!(ldp::parse_pdu(&pdu[..len]).is_err(), "len {len}");
        assert!(decode_ldp_pdu(&pdu[..len]).is_err(), "len {len}");
    }
    let mut frame = [0u8; 128];
    let n = L2Frame::emit(
        &mut frame,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &L2Header::default(),
        &msg,
        Some(&Authenticator::new(b"k")),
    )
    .unwrap();
    for len in 0..n {
        let r = L2Frame::parse(&frame[..len]);
        assert!(
            matches!(r, Err(Error::Truncated { .. })),
            "len {len}: {r:?}"
        );
    }
}

#[test]
fn deframer_partial_input() {
    let pdu = hex(INIT_PDU);
    let stream: Vec<u8> = [pdu.clone(), pdu.clone(), pdu.clone()].concat();
    for chunk in 1..=stream.len() {
        let mut d = Deframer::new(ldp::PDU_MAX_DEFAULT);
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            d.push(piece).unwrap();
            while let Some(p) = d.next_pdu() {
                got.push(p.unwrap().to_vec());
            }
        }
        assert_eq!(got, vec![pdu.clone(); 3], "chunk {chunk}");
        assert_eq!(d.buffered(), 0);
    }
    // A bad version is fatal and sticky.
    let mut d = Deframer::new(ldp::PDU_MAX_DEFAULT);
    d.push(&[0, 2, 0, 6]).unwrap();
    assert_eq!(d.next_pdu(), Some(Err(Error::BadVersion(2))));
    assert_eq!(d.push(&[0]), Err(Error::BadVersion(2)));
    // A PDU longer than the maximum is refused before it is buffered.
    let mut d = Deframer::new(64);
    d.push(&[0, 1, 0, 200]).unwrap();
    assert!(matches!(d.next_pdu(), Some(Err(Error::BadLength { .. }))));
    // Bounded buffering.
    let mut d = Deframer::new(64);
    assert!(d.push(&[0u8; 65]).is_err());
}

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..40)
}

/// An owned description of a Param (proptest cannot hold borrows).
#[derive(Debug, Clone)]
enum P {
    Sender(String),
    Nak(u32, u32),
    Req(u16, u16),
    Disc(u32),
    Connect(u16, bool),
    Sys(MacAddr, u16, u8),
    PortCfg(u16, MacAddr, u16, u16, u32, u8, Vec<u8>),
    PortPrio(u16, u16, u16, u16, u16),
    PortState([u8; 24]),
    AggCfg(u64, u16, MacAddr, u16, u16, u8, Vec<u8>),
    AggState([u8; 15]),
    SyncReq(u16, bool, bool, u16, u16, u16),
    SyncData(u16, u16),
    Hb(u8, u16, u32),
    Elect(u8, MacAddr),
    Elect2(u8, MacAddr, u8, MacAddr, u16, u16),
    Fdb(u8, Vec<u8>),
    Snap(u8, u8, Vec<u8>),
    Stp(u16, Vec<u8>),
    Cons(u8, Vec<u8>),
    Unknown(u16, Vec<u8>),
}

fn p_strategy() -> impl Strategy<Value = P> {
    prop_oneof![
        "[a-z0-9 ]{0,80}".prop_map(P::Sender),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| P::Nak(a, b)),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| P::Req(a, b)),
        any::<u32>().prop_map(P::Disc),
        (any::<u16>(), any::<bool>()).prop_map(|(a, b)| P::Connect(a, b)),
        (mac(), any::<u16>(), any::<u8>()).prop_map(|(a, b, c)| P::Sys(a, b, c)),
        (
            any::<u16>(),
            mac(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            any::<u8>(),
            name()
        )
            .prop_map(|(a, b, c, d, e, f, g)| P::PortCfg(a, b, c, d, e, f, g)),
        any::<[u16; 5]>().prop_map(|a| P::PortPrio(a[0], a[1], a[2], a[3], a[4])),
        any::<[u8; 24]>().prop_map(P::PortState),
        (
            any::<u64>(),
            any::<u16>(),
            mac(),
            any::<u16>(),
            any::<u16>(),
            any::<u8>(),
            name()
        )
            .prop_map(|(a, b, c, d, e, f, g)| P::AggCfg(a, b, c, d, e, f, g)),
        any::<[u8; 15]>().prop_map(P::AggState),
        (
            any::<u16>(),
            any::<bool>(),
            any::<bool>(),
            0u16..0x4000,
            any::<u16>(),
            any::<u16>()
        )
            .prop_map(|(a, b, c, d, e, f)| P::SyncReq(a, b, c, d, e, f)),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| P::SyncData(a, b)),
        (any::<u8>(), any::<u16>(), any::<u32>()).prop_map(|(a, b, c)| P::Hb(a, b, c)),
        (0u8..=128, mac()).prop_map(|(a, b)| P::Elect(a, b)),
        (
            0u8..=128,
            mac(),
            any::<u8>(),
            mac(),
            any::<u16>(),
            any::<u16>()
        )
            .prop_map(|(a, b, c, d, e, f)| P::Elect2(a, b, c, d, e, f)),
        (any::<u8>(), name()).prop_map(|(a, b)| P::Fdb(a, b)),
        (any::<u8>(), any::<u8>(), name()).prop_map(|(a, b, c)| P::Snap(a, b, c)),
        (any::<u16>(), name()).prop_map(|(a, b)| P::Stp(a, b)),
        (any::<u8>(), name()).prop_map(|(a, b)| P::Cons(a, b)),
        (0x1000u16..0x3e00, name()).prop_map(|(a, b)| P::Unknown(a, b)),
    ]
}

/// Builds the Param; byte arrays that stand for the fixed layouts are decoded from bytes.
fn with_param<R>(p: &P, f: impl FnOnce(Param<'_>) -> R) -> R {
    let tmp;
    let param = match p {
        P::Sender(s) => Param::SenderName(s),
        P::Nak(a, b) => Param::Nak {
            status: StatusCode(*a),
            rejected_id: *b,
        },
        P::Req(a, b) => Param::RequestedVersion {
            connection_reference: *a,
            version: *b,
        },
        P::Disc(a) => Param::DisconnectCode(StatusCode(*a)),
        P::Connect(v, a) => Param::MlacpConnect {
            version: *v,
            a_bit: *a,
            sub_tlvs: &[],
        },
        P::Sys(a, b, c) => Param::MlacpSystemConfig {
            system_id: *a,
            system_priority: *b,
            node_id: param::NodeId(*c),
        },
        P::PortCfg(a, b, c, d, e, g, n) => Param::MlacpPortConfig(param::PortConfig {
            port_number: *a,
            mac: *b,
            actor_key: *c,
            port_priority: *d,
            port_speed: *e,
            flags: param::ConfigFlags(*g),
            name: n,
        }),
        P::PortPrio(a, b, c, d, e) => Param::MlacpPortPriority(param::PortPriority {
            op_code: param::PriorityOp(*a),
            port_number: *b,
            aggregator_id: *c,
            last_priority: *d,
            current_priority: *e,
        }),
        P::PortState(raw) => {
            tmp = [&[0x00, 0x35, 0x00, 24][..], &raw[..]].concat();
            Param::parse(Tlv::parse(&tmp).unwrap().0).unwrap()
        }
        P::AggCfg(a, b, c, d, e, g, n) => Param::MlacpAggregatorConfig(param::AggregatorConfig {
            roid: *a,
            aggregator_id: *b,
            mac: *c,
            actor_key: *d,
            member_ports_priority: *e,
            flags: param::ConfigFlags(*g),
            name: n,
        }),
        P::AggState(raw) => {
            tmp = [&[0x00, 0x37, 0x00, 15][..], &raw[..]].concat();
            Param::parse(Tlv::parse(&tmp).unwrap().0).unwrap()
        }
        P::SyncReq(a, b, c, d, e, g) => Param::MlacpSyncRequest(param::SyncRequest {
            request_number: *a,
            c_bit: *b,
            s_bit: *c,
            request_type: param::SyncRequestType(*d),
            port_or_aggregator: *e,
            actor_key: *g,
        }),
        P::SyncData(a, b) => Param::MlacpSyncData {
            request_number: *a,
            flags: param::SyncDataFlags(*b),
        },
        P::Hb(a, b, c) => Param::Heartbeat {
            flags: *a,
            interval_ms: *b,
            counter: *c,
        },
        P::Elect(a, b) => Param::Election {
            priority: *a,
            bridge_mac: *b,
        },
        P::Elect2(a, b, c, d, e, f) => Param::ElectionV2 {
            priority: *a,
            bridge_mac: *b,
            flags: *c,
            incumbent: *d,
            generation: *e,
            seen: *f,
        },
        P::Fdb(k, r) => Param::FdbDelta {
            kind: *k,
            records: r,
        },
        P::Snap(k, fl, r) => Param::FdbSnapshot {
            kind: *k,
            flags: *fl,
            records: r,
        },
        P::Stp(port, b) => Param::StpRelay {
            port: *port,
            bpdu: b,
        },
        P::Cons(k, d) => Param::Consistency { kind: *k, data: d },
        P::Unknown(ty, v) => Param::Unknown(Tlv {
            raw_type: 0x8000 | ty,
            value: v,
        }),
    };
    f(param)
}

proptest! {
    #[test]
    fn param_round_trip(p in p_strategy()) {
        with_param(&p, |param| {
            let mut buf = vec![0; param.buffer_len()];
            prop_assert_eq!(param.emit(&mut buf).unwrap(), buf.len());
            let (tlv, rest) = Tlv::parse(&buf).unwrap();
            prop_assert!(rest.is_empty());
            prop_assert_eq!(Param::parse(tlv).unwrap(), param);
            // Every truncation is a typed error, never a panic.
            for len in 0..buf.len() {
                prop_assert!(Tlv::parse(&buf[..len]).is_err());
            }
            // A too-small output buffer is an error, never a panic.
            let mut small = vec![0; buf.len() - 1];
            prop_assert!(param.emit(&mut small).is_err());
            Ok(())
        })?;
    }

    #[test]
    fn icc_message_round_trip(ps in proptest::collection::vec(p_strategy(), 0..6), id: u32, rg: u32, ty in 0x0700u16..=0x0703) {
        // Build the params one by one (each borrows its P), then a message out of owned bytes.
        let mut body = Vec::new();
        for p in &ps {
            with_param(p, |param| {
                let mut b = vec![0; param.buffer_len()];
                param.emit(&mut b).unwrap();
                body.extend(b);
            });
        }
        let mut params = Vec::new();
        for t in wire::Tlvs::new(&body) {
            params.push(Param::parse(t.unwrap()).unwrap());
        }
        let msg_type = MessageType(ty);
        let m = IccMessage { msg_type, id, rg_id: rg, params };
        let mut buf = vec![0; m.buffer_len()];
        prop_assert_eq!(m.emit(&mut buf).unwrap(), buf.len());
        match IccMessage::parse_bytes(&buf) {
            Ok(back) => prop_assert_eq!(back, m),
            // Only a missing mandatory TLV may fail.
            Err(e) => prop_assert!(matches!(e, Error::MissingTlv(_)), "{e:?}"),
        }
        for len in 0..buf.len() {
            prop_assert!(IccMessage::parse_bytes(&buf[..len]).is_err());
        }
    }

    #[test]
    fn l2_frame_round_trip(flags in 0u8..2, sender: u32, receiver: u32, frame_no: u32, seq: u32, ack: u32,
                           payload in proptest::collection::vec(any::<u8>(), 0..200), key in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..80))) {
        let header = L2Header { flags: L2Flags(flags), sender, receiver, frame_no, seq, ack };
        let auth = key.as_deref().map(Authenticator::new);
        let mut buf = vec![0; l2::FRAME_MAX];
        let n = L2Frame::emit(&mut buf, MacAddr([2, 0, 0, 0, 0, 9]), &header, &payload, auth.as_ref()).unwrap();
        let f = L2Frame::parse(&buf[..n]).unwrap();
        let mut expect = header;
        if auth.is_some() { expect.flags = expect.flags.union(L2Flags::AUTH); }
        prop_assert_eq!(f.header, expect);
        prop_assert_eq!(f.payload, &payload[..]);
        if let Some(a) = &auth {
            prop_assert!(a.verify(f.signed, f.auth.unwrap()));
        }
    }

    #[test]
    fn deframer_any_chunking(cuts in proptest::collection::vec(1usize..40, 1..20)) {
        let pdu = hex(INIT_PDU);
        let ka = {
            let m = LdpMessage::keepalive(5);
            let mut b = vec![0; m.buffer_len()];
            m.emit(&mut b).unwrap();
            let mut p = vec![0; 10 + b.len()];
            ldp::emit_pdu(&mut p, [1, 2, 3, 4], 0, &b).unwrap();
            p
        };
        let stream = [pdu.clone(), ka.clone(), pdu.clone()].concat();
        let mut d = Deframer::new(4096);
        let mut got = Vec::new();
        let mut at = 0;
        for c in cuts.iter().cycle() {
            if at >= stream.len() { break; }
            let end = (at + c).min(stream.len());
            d.push(&stream[at..end]).unwrap();
            at = end;
            while let Some(p) = d.next_pdu() { got.push(p.unwrap().to_vec()); }
        }
        prop_assert_eq!(got, vec![pdu.clone(), ka, pdu]);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_l2_frame(&bytes);
        let _ = decode_ldp_pdu(&bytes);
        for m in RawMessages::new(&bytes).flatten() {
            let _ = AnyMessage::parse(&m);
        }
        let mut d = Deframer::new(4096);
        let _ = d.push(&bytes);
        while let Some(Ok(_)) = d.next_pdu() {}
    }
}

#[test]
fn ldp_status_and_capability_tlvs_round_trip() {
    let m = LdpMessage {
        u_bit: false,
        msg_type: MessageType::NOTIFICATION,
        id: 3,
        tlvs: vec![LdpTlv::Status {
            e_bit: false,
            f_bit: false,
            code: ldp::STATUS_UNKNOWN_MESSAGE_TYPE,
            msg_id: 12,
            msg_type: 0x0700,
        }],
    };
    let mut b = vec![0; m.buffer_len()];
    m.emit(&mut b).unwrap();
    assert_eq!(
        b,
        hex("0001 0012 00000003 0300 000a 00000004 0000000c 0700")
    );
    let (raw, _) = RawMessage::parse(&b).unwrap();
    assert_eq!(LdpMessage::parse(&raw).unwrap(), m);
    let c = LdpMessage::iccp_capability(9, false);
    let mut b = vec![0; c.buffer_len()];
    c.emit(&mut b).unwrap();
    assert_eq!(b, hex("0202 000c 00000009 8700 0004 0000 0100"));
    let _ = message::ICC_HEADER_LEN;
}

#[test]
fn mlacp_coded_fields_are_typed_and_keep_unknown_values() {
    use param::{ConfigFlags, NodeId, PortOperState, PriorityOp, Selected, SyncDataFlags};
    // Port Config with Purge Configuration and an unnamed bit 0x80: both survive a round trip
    // (RFC 7275 §7.2.5).
    let b = hex("0033 0016 0007 020000000107 0007 0080 000003e8 82 04 65746831");
    let p = Param::parse(Tlv::parse(&b).unwrap().0).unwrap();
    let Param::MlacpPortConfig(c) = p else {
        panic!("{p:?}")
    };
    assert!(c.flags.is_purge() && !c.flags.is_synchronized());
    assert_eq!(c.flags, ConfigFlags(0x82));
    assert!(c.flags.contains(ConfigFlags::PURGE));
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, b);
    // Aggregator Config: Synchronized (RFC 7275 §7.2.4).
    let f = ConfigFlags::SYNCHRONIZED.union(ConfigFlags::PURGE);
    assert_eq!(f.bits(), 0x03);
    // Port Priority: an unknown Op Code is kept (RFC 7275 §7.2.6).
    let b = hex("0034 000a 00ff 0007 0001 0080 0040");
    let p = Param::parse(Tlv::parse(&b).unwrap().0).unwrap();
    let Param::MlacpPortPriority(pp) = p else {
        panic!("{p:?}")
    };
    assert_eq!(pp.op_code, PriorityOp(0xff));
    assert!(!pp.op_code.is_known() && PriorityOp::LOCAL.is_known());
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, b);
    // Port State: Selected and Port State values, named and unnamed (RFC 7275 §7.2.7).
    let raw = hex("0035 0018 020000000001 8000 0001 0080 0007 3d 3d 0002 0007 01 01 0005");
    let p = Param::parse(Tlv::parse(&raw).unwrap().0).unwrap();
    let Param::MlacpPortState(st) = p else {
        panic!("{p:?}")
    };
    assert_eq!(st.selected, Selected::SELECTED);
    assert_eq!(st.port_state, PortOperState::UP);
    let mut unk = raw.clone();
    unk[4 + 20] = 0x09;
    unk[4 + 21] = 0x07;
    let p = Param::parse(Tlv::parse(&unk).unwrap().0).unwrap();
    let Param::MlacpPortState(st) = p else {
        panic!("{p:?}")
    };
    assert!(!st.selected.is_known() && !st.port_state.is_known());
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, unk);
    // Node ID layout (RFC 7275 §7.2.3 as SONiC reads it): MSB, 3-bit id, 4 free bits.
    let n = NodeId::new(5, 0x0a);
    assert_eq!(n.0, 0x80 | 0x50 | 0x0a);
    assert_eq!((n.id(), n.free()), (5, 0x0a));
    // Sync Request: C and S bits and a 14-bit Request Type (RFC 7275 §7.2.9).
    let b = hex("0038 0008 0009 fffe 0007 0001");
    let p = Param::parse(Tlv::parse(&b).unwrap().0).unwrap();
    let Param::MlacpSyncRequest(r) = p else {
        panic!("{p:?}")
    };
    assert!(r.c_bit && r.s_bit);
    assert_eq!(r.request_type.bits(), 0x3ffe);
    let mut out = vec![0; p.buffer_len()];
    p.emit(&mut out).unwrap();
    assert_eq!(out, b);
    // Sync Data: END (RFC 7275 §7.2.10).
    assert!(SyncDataFlags::END.is_end() && !SyncDataFlags::NONE.is_end());
}
