//! Our RFC 7275 stream (LDP PDUs over TCP/646), written into a pcap, must be parsed by
//! Wireshark's LDP dissector with the right message types and TLV boundaries and no
//! malformed-packet error. Skips (with a printed reason) when tshark is not installed, unless
//! `MLAG_REQUIRE_REAL_PEERS=1`, which turns the skip into a failure.

use iccp::wire::l2::{FRAME_MAX, L2Frame, L2Header};
use iccp::wire::ldp::{self, LdpMessage, SessionParams};
use iccp::wire::message::{self, MessageType, StatusCode};
use iccp::wire::param::{self, Param};
use l2_types::MacAddr;
use std::process::Command;

fn require_or_skip(what: &str) -> bool {
    if std::env::var("MLAG_REQUIRE_REAL_PEERS").as_deref() == Ok("1") {
        panic!("MLAG_REQUIRE_REAL_PEERS=1 but {what}");
    }
    println!("SKIP: {what}");
    false
}

fn tshark_available() -> bool {
    match Command::new("tshark").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => require_or_skip("tshark is not installed"),
    }
}

fn icc(ty: MessageType, id: u32, params: &[Param<'_>]) -> Vec<u8> {
    let mut b = vec![0; 1500];
    let n = message::emit_icc(&mut b, ty, id, 7, params).unwrap();
    b.truncate(n);
    b
}

fn ldp_msg(m: &LdpMessage<'_>) -> Vec<u8> {
    let mut b = vec![0; m.buffer_len()];
    m.emit(&mut b).unwrap();
    b
}

fn pdu(msgs: &[Vec<u8>]) -> Vec<u8> {
    let body = msgs.concat();
    let mut b = vec![0; 10 + body.len()];
    ldp::emit_pdu(&mut b, [192, 0, 2, 2], 0, &body).unwrap();
    b
}

fn csum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Ethernet + IPv4 + TCP (192.0.2.2:40000 → 192.0.2.1:646) around `payload`.
fn tcp_frame(seq: u32, payload: &[u8]) -> Vec<u8> {
    let (src, dst) = ([192u8, 0, 2, 2], [192u8, 0, 2, 1]);
    let mut tcp = Vec::new();
    tcp.extend(40000u16.to_be_bytes());
    tcp.extend(646u16.to_be_bytes());
    tcp.extend(seq.to_be_bytes());
    tcp.extend(1u32.to_be_bytes()); // ack
    tcp.extend([0x50, 0x18]); // data offset 5, PSH+ACK
    tcp.extend(65535u16.to_be_bytes());
    tcp.extend([0, 0, 0, 0]); // checksum, urgent
    tcp.extend(payload);
    let mut pseudo = Vec::new();
    pseudo.extend(src);
    pseudo.extend(dst);
    pseudo.extend([0, 6]);
    pseudo.extend((tcp.len() as u16).to_be_bytes());
    pseudo.extend(&tcp);
    let c = csum(&pseudo);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    let mut ip = vec![0x45, 0xc0];
    ip.extend(((20 + tcp.len()) as u16).to_be_bytes());
    ip.extend([0, 1, 0x40, 0, 1, 6, 0, 0]);
    ip.extend(src);
    ip.extend(dst);
    let c = csum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let mut eth = vec![0x02, 0, 0, 0, 0xa1, 0, 0x02, 0, 0, 0, 0xa2, 0, 0x08, 0x00];
    eth.extend(ip);
    eth.extend(tcp);
    eth
}

fn write_pcap(path: &std::path::Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0u8; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(1u32.to_le_bytes()); // Ethernet
    for (i, f) in frames.iter().enumerate() {
        out.extend((i as u32).to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend(f);
    }
    std::fs::write(path, out).unwrap();
}

fn tshark(path: &std::path::Path, args: &[&str]) -> String {
    let o = Command::new("tshark")
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .expect("run tshark");
    assert!(
        o.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn wireshark_ldp_dissector_parses_our_rfc7275_stream() {
    if !tshark_available() {
        return;
    }
    let params = SessionParams {
        version: 1,
        keepalive_time: 180,
        flags: 0,
        path_vector_limit: 0,
        max_pdu_len: 4096,
        receiver: [192, 0, 2, 1, 0, 0],
    };
    let name = b"eth1";
    let pdus = vec![
        pdu(&[ldp_msg(&LdpMessage::initialization(1, params))]),
        pdu(&[ldp_msg(&LdpMessage::keepalive(2))]),
        pdu(&[icc(
            MessageType::RG_CONNECT,
            3,
            &[
                Param::SenderName("pe1"),
                Param::MlacpConnect {
                    version: 1,
                    a_bit: false,
                    sub_tlvs: &[],
                },
            ],
        )]),
        // Two messages in one PDU.
        pdu(&[
            icc(
                MessageType::RG_APPLICATION_DATA,
                4,
                &[
                    Param::MlacpSystemConfig {
                        system_id: MacAddr([2, 0, 0, 0, 0x4d, 0x4c]),
                        system_priority: 32768,
                        node_id: iccp::wire::param::NodeId(1),
                    },
                    Param::MlacpPortConfig(param::PortConfig {
                        port_number: 7,
                        mac: MacAddr([2, 0, 0, 0, 1, 7]),
                        actor_key: 7,
                        port_priority: 128,
                        port_speed: 1000,
                        flags: iccp::wire::param::ConfigFlags::NONE,
                        name,
                    }),
                ],
            ),
            icc(
                MessageType::RG_APPLICATION_DATA,
                5,
                &[Param::FdbDelta {
                    kind: 1,
                    records: &[1, 2, 3, 4, 5, 6, 7, 8],
                }],
            ),
        ]),
        pdu(&[icc(
            MessageType::RG_NOTIFICATION,
            6,
            &[
                Param::Nak {
                    status: StatusCode::INCOMPATIBLE_VERSION,
                    rejected_id: 3,
                },
                Param::RequestedVersion {
                    connection_reference: 0x30,
                    version: 1,
                },
            ],
        )]),
        pdu(&[icc(
            MessageType::RG_DISCONNECT,
            7,
            &[
                Param::DisconnectCode(StatusCode::RG_REMOVED),
                Param::MlacpDisconnect { sub_tlvs: &[] },
            ],
        )]),
    ];
    // One TCP segment per PDU, plus one segment carrying the last two PDUs back to back.
    let mut frames = Vec::new();
    let mut seq = 1u32;
    for p in &pdus {
        frames.push(tcp_frame(seq, p));
        seq += p.len() as u32;
    }
    let dir = std::env::temp_dir().join(format!("iccp-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rfc7275.pcap");
    write_pcap(&path, &frames);

    let malformed = tshark(
        &path,
        &["-Y", "_ws.malformed || _ws.expert.severity >= 6291456"],
    );
    assert!(
        malformed.trim().is_empty(),
        "malformed or error packets:\n{malformed}"
    );
    let out = tshark(
        &path,
        &[
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            "ldp.msg.type",
            "-e",
            "ldp.msg.id",
            "-e",
            "ldp.msg.tlv.type",
            "-e",
            "ldp.msg.tlv.len",
        ],
    );
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    println!("{out}");
    assert_eq!(rows.len(), 6, "{out}");
    let types: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(
        types,
        [
            "0x0200",
            "0x0201",
            "0x0700",
            "0x0703,0x0703",
            "0x0702",
            "0x0701"
        ],
        "{out}"
    );
    let ids: Vec<&str> = rows.iter().map(|r| r[1]).collect();
    assert_eq!(
        ids,
        [
            "0x00000001",
            "0x00000002",
            "0x00000003",
            "0x00000004,0x00000005",
            "0x00000006",
            "0x00000007"
        ]
    );
    // TLV boundaries: every top-level TLV type and length as we encoded them.
    let tlv_types: Vec<&str> = rows
        .iter()
        .map(|r| r.get(2).copied().unwrap_or(""))
        .collect();
    let tlv_lens: Vec<&str> = rows
        .iter()
        .map(|r| r.get(3).copied().unwrap_or(""))
        .collect();
    assert!(tlv_types[0].starts_with("0x0500,0x0700"), "{out}");
    assert_eq!(tlv_lens[0], "14,4");
    assert_eq!(tlv_types[2], "0x0005,0x0001,0x0030", "{out}");
    assert_eq!(tlv_lens[2], "4,3,4");
    assert_eq!(tlv_types[3], "0x0005,0x0032,0x0033,0x0005,0x3e02", "{out}");
    assert_eq!(tlv_lens[3], format!("4,9,{},4,10", 18 + name.len()));
    assert_eq!(tlv_types[4], "0x0005,0x0002,0x0003");
    assert_eq!(tlv_lens[4], "4,8,4");
    assert_eq!(tlv_types[5], "0x0005,0x0004,0x0031");
    assert_eq!(tlv_lens[5], "4,4,0");

    // The L2 framing: tshark has no ICCP dissector; the frame must be a well-formed Ethernet
    // frame of EtherType 0x88b5 to 01:80:c2:00:00:0e.
    let mut buf = vec![0; FRAME_MAX];
    let payload = icc(MessageType::RG_CONNECT, 3, &[Param::SenderName("pe1")]);
    let n = L2Frame::emit(
        &mut buf,
        MacAddr([2, 0, 0, 0, 0, 1]),
        &L2Header::default(),
        &payload,
        None,
    )
    .unwrap();
    let l2 = dir.join("l2.pcap");
    write_pcap(&l2, &[buf[..n].to_vec()]);
    let out = tshark(
        &l2,
        &[
            "-T",
            "fields",
            "-e",
            "eth.dst",
            "-e",
            "eth.type",
            "-e",
            "_ws.malformed",
        ],
    );
    assert_eq!(
        out.trim_end_matches('\n'),
        "01:80:c2:00:00:0e\t0x88b5\t",
        "{out}"
    );

    // The check can fail: a wrong TLV length shows up in the dissector's TLV lengths (the LDP
    // dissector does not flag an over-long unknown TLV as malformed, so the length comparison
    // above is what catches it).
    let mut bad = pdus[2].clone();
    bad[21] = 0x40; // the RG ID TLV's length: 0x0040 octets, past the end of the message
    let badp = dir.join("bad.pcap");
    write_pcap(&badp, &[tcp_frame(1, &bad)]);
    let out = tshark(
        &badp,
        &[
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
            "-e",
            "ldp.msg.tlv.len",
        ],
    );
    assert_ne!(out.trim(), "4,3,4", "a broken TLV length went unnoticed");
    let _ = std::fs::remove_dir_all(&dir);
}
