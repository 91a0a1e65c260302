//! Decoding captured frames into JSON values (one object per frame) for `mlag decode`.
//!
//! Field names follow the standard in snake_case (IEEE 802.1AX-2014 §6.4.2 for LACPDUs, §6.5.3
//! for Marker PDUs, IEEE 802.1D-2004 §9.3 and 802.1Q-2022 §14 for BPDUs). Every frame yields an
//! object, whatever it carries: protocols that are not decoded yet are listed with their EtherType
//! or 802.3 length, and malformed Slow Protocols and spanning tree frames carry an `error` with the
//! codec's typed error text. Cisco PVST+ frames are decoded under `pvst`, never as IEEE BPDUs.
//! ICCP is shown in both framings: the peer-port L2 framing (EtherType 0x88B5, `iccp`) and LDP
//! PDUs in TCP segments to or from port 646 (`ldp`; one object per PDU, a PDU that continues in
//! the next segment is reported as partial because TCP is not reassembled here).

use crate::pcap::Frame;
use core::fmt::Write as _;
use l2_types::{EtherType, MacAddr};
use lacp::wire::lacpdu::{Deviation, Packet};
use lacp::wire::{self, EthernetRepr, LacpduRepr, MarkerRepr, PortInfo, PortState, SlowPdu, Tlv};
use serde_json::{Map, Value, json};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduView, BridgeId, ConfigBpdu, FrameKind, MstiConfigMessage,
    PortRole,
};

/// Value of `protocol` for a LACPDU.
pub const PROTOCOL_LACP: &str = "lacp";
/// Value of `protocol` for a Marker or Marker Response PDU.
pub const PROTOCOL_MARKER: &str = "marker";
/// Value of `protocol` for other or malformed Slow Protocols frames.
pub const PROTOCOL_SLOW: &str = "slow";
/// Value of `protocol` for IEEE spanning tree BPDUs (Configuration, TCN, RST, MST).
pub const PROTOCOL_STP: &str = "stp";
/// Value of `protocol` for Cisco PVST+/Rapid-PVST+ BPDUs (not IEEE BPDUs).
pub const PROTOCOL_PVST: &str = "pvst+";
/// Value of `protocol` for ICCP over the peer-port's L2 framing (EtherType 0x88B5).
pub const PROTOCOL_ICCP_L2: &str = "iccp-l2";
/// Value of `protocol` for LDP PDUs (RFC 7275 ICCP over TCP port 646).
pub const PROTOCOL_LDP: &str = "ldp";
/// The LDP TCP port (RFC 5036 §3.1).
pub const LDP_PORT: u16 = 646;
/// Value of `protocol` for everything else.
pub const PROTOCOL_UNKNOWN: &str = "unknown";

/// Lower-case hex of `bytes`, no separators.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The `frame`, `timestamp`, `timestamp_ns`, `length` and `captured_length` members of a frame
/// object.
fn frame_header(frame: &Frame) -> Map<String, Value> {
    let ts = frame.timestamp;
    let mut m = Map::new();
    m.insert("frame".into(), json!(frame.number));
    m.insert(
        "timestamp".into(),
        json!(format!("{}.{:09}", ts.as_secs(), ts.subsec_nanos())),
    );
    m.insert(
        "timestamp_ns".into(),
        json!(u64::try_from(ts.as_nanos()).unwrap_or(u64::MAX)),
    );
    m.insert("length".into(), json!(frame.orig_len));
    m.insert("captured_length".into(), json!(frame.data.len()));
    m
}

/// Decodes a frame of a capture whose link type is not Ethernet: only the header members and an
/// `error` saying why nothing was decoded.
pub fn not_ethernet(frame: &Frame, link_type: &str) -> Value {
    let mut m = frame_header(frame);
    m.insert("protocol".into(), json!(PROTOCOL_UNKNOWN));
    m.insert(
        "error".into(),
        json!(format!(
            "link type {link_type} is not Ethernet; frame not decoded"
        )),
    );
    Value::Object(m)
}

/// Decodes one Ethernet frame into its JSON object.
pub fn decode_frame(frame: &Frame) -> Value {
    let mut m = frame_header(frame);
    let data = frame.data.as_slice();
    let (eth, payload) = match EthernetRepr::parse(data) {
        Ok(x) => x,
        Err(e) => {
            m.insert("protocol".into(), json!(PROTOCOL_UNKNOWN));
            m.insert("error".into(), json!(format!("ethernet: {e}")));
            return Value::Object(m);
        }
    };
    m.insert("eth".into(), eth_json(&eth, payload));
    if eth.ethertype == EtherType::SLOW_PROTOCOLS {
        decode_slow(&mut m, data, payload);
    } else if is_stp(&eth, payload) || is_pvst(&eth, payload) {
        decode_spanning_tree(&mut m, data);
    } else if eth.ethertype == EtherType::LOCAL_EXPERIMENTAL_1 {
        decode_iccp_l2(&mut m, data);
    } else if let Some(segment) = ldp_segment(&eth, payload) {
        decode_ldp(&mut m, segment);
    } else {
        m.insert("protocol".into(), json!(PROTOCOL_UNKNOWN));
    }
    Value::Object(m)
}

/// The `eth` object: addresses, optional 802.1Q TCI, and the EtherType (Ethernet II) or the
/// 802.3 length plus the LLC header (IEEE 802.3 frames such as STP BPDUs).
fn eth_json(eth: &EthernetRepr, payload: &[u8]) -> Value {
    let mut e = Map::new();
    e.insert("dst".into(), json!(eth.dst.to_string()));
    e.insert("src".into(), json!(eth.src.to_string()));
    if let Some(tci) = eth.vlan_tci {
        e.insert("vlan_tci".into(), json!(tci));
        e.insert("vlan_id".into(), json!(tci & 0x0fff));
        e.insert("vlan_pcp".into(), json!(tci >> 13));
    }
    if eth.ethertype.is_length() {
        e.insert("length".into(), json!(eth.ethertype.0));
        if let [dsap, ssap, control, ..] = *payload {
            e.insert(
                "llc".into(),
                json!({ "dsap": format!("0x{dsap:02x}"), "ssap": format!("0x{ssap:02x}"),
                        "control": format!("0x{control:02x}") }),
            );
        }
    } else {
        e.insert(
            "ethertype".into(),
            json!(format!("0x{:04x}", eth.ethertype.0)),
        );
    }
    Value::Object(e)
}

/// IEEE BPDUs: LLC DSAP/SSAP 0x42 (802.1D §7.12.3) or the Bridge Group Address.
fn is_stp(eth: &EthernetRepr, payload: &[u8]) -> bool {
    eth.dst == MacAddr::BRIDGE_GROUP
        || (eth.ethertype.is_length() && payload.first() == Some(&0x42))
}

/// Cisco PVST+ BPDUs: SNAP with OUI 00-00-0C and PID 0x010B, sent to 01-00-0C-CC-CC-CD.
fn is_pvst(eth: &EthernetRepr, payload: &[u8]) -> bool {
    const PVST_DST: MacAddr = MacAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd]);
    eth.dst == PVST_DST
        || (eth.ethertype.is_length()
            && payload.get(..8) == Some(&[0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b][..]))
}

/// Fills `protocol` and the PDU object for a frame with EtherType 0x8809.
fn decode_slow(m: &mut Map<String, Value>, data: &[u8], payload: &[u8]) {
    match SlowPdu::parse_frame(data) {
        Ok((_, SlowPdu::Lacp(r))) => {
            m.insert("protocol".into(), json!(PROTOCOL_LACP));
            m.insert("lacp".into(), lacp_json(&r, payload));
        }
        Ok((_, SlowPdu::Marker(r))) => {
            m.insert("protocol".into(), json!(PROTOCOL_MARKER));
            m.insert("marker".into(), marker_json(&r, payload));
        }
        Ok((_, SlowPdu::Other { subtype, pdu })) => {
            m.insert("protocol".into(), json!(PROTOCOL_SLOW));
            m.insert(
                "slow".into(),
                json!({
                    "subtype": subtype,
                    "subtype_name": subtype_name(subtype),
                    "pdu_len": pdu.len(),
                    "note": "not decoded",
                }),
            );
        }
        Err(e) => {
            m.insert("protocol".into(), json!(PROTOCOL_SLOW));
            if let Some(&subtype) = payload.first() {
                m.insert(
                    "slow".into(),
                    json!({ "subtype": subtype, "subtype_name": subtype_name(subtype),
                            "pdu_len": payload.len() }),
                );
            }
            m.insert("error".into(), json!(e.to_string()));
        }
    }
}

/// The Slow Protocols Subtype names (IEEE 802.3 Annex 57A, Table 57A-3).
pub fn subtype_name(subtype: u8) -> &'static str {
    match subtype {
        0 => "illegal",
        wire::SUBTYPE_LACP => "lacp",
        wire::SUBTYPE_MARKER => "marker",
        wire::SUBTYPE_OAM => "oam",
        wire::SUBTYPE_OSSP => "ossp",
        _ => "reserved",
    }
}

/// The `state` object of an actor or partner: `raw`, `compact` and one boolean per flag.
pub fn state_json(state: PortState) -> Value {
    let mut s = Map::new();
    s.insert("raw".into(), json!(state.bits()));
    let compact = state.compact();
    s.insert(
        "compact".into(),
        json!(String::from_utf8_lossy(&compact).into_owned()),
    );
    for (name, flag) in PortState::NAMES {
        s.insert(name.into(), json!(state.contains(flag)));
    }
    Value::Object(s)
}

/// The `actor` or `partner` object.
pub fn port_info_json(info: &PortInfo) -> Value {
    json!({
        "system_priority": info.system_priority,
        "system": info.system.to_string(),
        "key": info.key,
        "port_priority": info.port_priority,
        "port": info.port,
        "state": state_json(info.state),
    })
}

/// One element of `tlvs`: `type`, `name`, `length` and the decoded fields (hex `value` for
/// unknown TLVs).
pub fn tlv_json(tlv: &Tlv<'_>) -> Value {
    let mut t = Map::new();
    t.insert("type".into(), json!(tlv.ty()));
    t.insert("name".into(), json!(tlv.name()));
    t.insert("length".into(), json!(tlv.buffer_len()));
    match tlv {
        Tlv::PortAlgorithm {
            actor_port_algorithm,
        } => {
            t.insert("actor_port_algorithm".into(), json!(actor_port_algorithm));
        }
        Tlv::PortConversationIdDigest {
            link_number_id,
            actor_conversation_linklist_digest,
        } => {
            t.insert("link_number_id".into(), json!(link_number_id));
            t.insert(
                "actor_conversation_linklist_digest".into(),
                json!(hex(actor_conversation_linklist_digest)),
            );
        }
        Tlv::PortConversationMask {
            index,
            mask_state,
            mask,
        } => {
            t.insert("index".into(), json!(index));
            if let Some(s) = mask_state {
                t.insert("actor_port_conversation_mask_state".into(), json!(s));
            }
            t.insert("mask".into(), json!(hex(&mask[..])));
        }
        Tlv::PortConversationServiceMapping {
            actor_conversation_service_mapping_digest,
        } => {
            t.insert(
                "actor_conversation_service_mapping_digest".into(),
                json!(hex(actor_conversation_service_mapping_digest)),
            );
        }
        Tlv::Unknown { value, .. } => {
            t.insert("value".into(), json!(hex(value)));
        }
        // `Tlv` may grow variants; show them by their debug form rather than fail.
        #[allow(unreachable_patterns)]
        other => {
            t.insert("debug".into(), json!(format!("{other:?}")));
        }
    }
    Value::Object(t)
}

/// One element of `conformance`.
pub fn deviation_json(d: &Deviation) -> Value {
    match *d {
        Deviation::TlvType {
            offset,
            found,
            expected,
        } => json!({ "kind": "tlv_type", "offset": offset, "found": found, "expected": expected }),
        Deviation::TlvLength {
            offset,
            found,
            expected,
        } => {
            json!({ "kind": "tlv_length", "offset": offset, "found": found, "expected": expected })
        }
        Deviation::ReservedNonZero { offset } => {
            json!({ "kind": "reserved_non_zero", "offset": offset })
        }
        ref other => json!({ "kind": "other", "debug": format!("{other:?}") }),
    }
}

/// The `reencode` object: whether `emitted` equals the first `emitted.len()` octets of `pdu`, and
/// where they first differ if not.
fn reencode_json<E: core::fmt::Display>(emitted: Result<&[u8], E>, pdu: &[u8]) -> Value {
    let emitted = match emitted {
        Ok(e) => e,
        Err(e) => return json!({ "identical": false, "error": e.to_string() }),
    };
    let original = pdu.get(..emitted.len()).unwrap_or(pdu);
    match emitted.iter().zip(original).position(|(a, b)| a != b) {
        None if original.len() == emitted.len() => json!({ "identical": true }),
        None => json!({ "identical": false, "first_difference": original.len() }),
        Some(at) => json!({
            "identical": false,
            "first_difference": at,
            "original": original.get(at),
            "emitted": emitted.get(at),
        }),
    }
}

/// The `lacp` object for a LACPDU whose octets (from the Subtype on, trailer included) are `pdu`.
pub fn lacp_json(r: &LacpduRepr<'_>, pdu: &[u8]) -> Value {
    let mut deviations = Vec::new();
    Packet::new_unchecked(pdu).conformance(|d| deviations.push(deviation_json(&d)));
    let len = r.buffer_len();
    let mut buf = vec![0u8; len];
    let emitted = r.emit(&mut buf).map(|n| &buf[..n]);
    json!({
        "subtype": wire::SUBTYPE_LACP,
        "version": r.version,
        "actor": port_info_json(&r.actor),
        "partner": port_info_json(&r.partner),
        "collector_max_delay": r.collector_max_delay,
        "tlvs": r.tlvs.iter().map(|t| tlv_json(&t)).collect::<Vec<_>>(),
        "conformance": deviations,
        "reencode": reencode_json(emitted, pdu),
        "pdu_len": len,
        "trailer_len": pdu.len().saturating_sub(len),
    })
}

/// The `marker` object for a Marker PDU whose octets (from the Subtype on) are `pdu`.
pub fn marker_json(r: &MarkerRepr, pdu: &[u8]) -> Value {
    let len = r.buffer_len();
    let mut buf = vec![0u8; len];
    let emitted = r.emit(&mut buf).map(|n| &buf[..n]);
    json!({
        "subtype": wire::SUBTYPE_MARKER,
        "version": r.version,
        "kind": r.kind.name(),
        "tlv_type": r.kind.tlv_type(),
        "requester_port": r.requester_port,
        "requester_system": r.requester_system.to_string(),
        "requester_transaction_id": r.requester_transaction_id,
        "pad": r.pad,
        "reencode": reencode_json(emitted, pdu),
        "pdu_len": len,
        "trailer_len": pdu.len().saturating_sub(len),
    })
}

// ===== Spanning tree (IEEE 802.1D / 802.1Q BPDUs, Cisco PVST+) =====

/// What `pvst.note` says about every PVST+ frame.
pub const PVST_NOTE: &str = "Cisco PVST+/Rapid-PVST+ BPDU (SNAP 00-00-0c/0x010b): not an IEEE \
                             BPDU; an IEEE bridge never processes it as one";

/// Fills `protocol` and the `stp` or `pvst` object of a frame to the Bridge Group Address, with
/// the spanning tree LLC, or with the PVST+ SNAP header.
fn decode_spanning_tree(m: &mut Map<String, Value>, data: &[u8]) {
    let pvst_dst = data.starts_with(&stp::wire::frame::SSTP_ADDRESS.0);
    let frame = match BpduFrame::parse(data) {
        Ok(f) => f,
        Err(e) => {
            let proto = if pvst_dst {
                PROTOCOL_PVST
            } else {
                PROTOCOL_STP
            };
            m.insert("protocol".into(), json!(proto));
            m.insert("error".into(), json!(e.to_string()));
            return;
        }
    };
    let header = usize::from(frame.vlan_tci.is_some()) * 4 + 14;
    let length = usize::from(frame.length_or_type);
    let padding_len = data.len().saturating_sub(header + length);
    match frame.kind {
        FrameKind::Bpdu(octets) => {
            m.insert("protocol".into(), json!(PROTOCOL_STP));
            match Bpdu::parse(octets) {
                Ok(b) => {
                    let mut o = bpdu_json(&b, octets);
                    o.insert("padding_len".into(), json!(padding_len));
                    m.insert("stp".into(), Value::Object(o));
                }
                Err(e) => {
                    m.insert(
                        "stp".into(),
                        json!({ "bpdu_len": octets.len(), "padding_len": padding_len }),
                    );
                    m.insert("error".into(), json!(e.to_string()));
                }
            }
        }
        FrameKind::Pvst(body) => {
            m.insert("protocol".into(), json!(PROTOCOL_PVST));
            let (p, err) = pvst_json(body);
            let mut p = p;
            p.insert("padding_len".into(), json!(padding_len));
            m.insert("pvst".into(), Value::Object(p));
            if let Some(e) = err {
                m.insert("error".into(), json!(e));
            }
        }
        FrameKind::Other => {
            let proto = if pvst_dst {
                PROTOCOL_PVST
            } else {
                PROTOCOL_STP
            };
            m.insert("protocol".into(), json!(proto));
            m.insert(
                "error".into(),
                json!(if pvst_dst {
                    "not a PVST+ frame: no SNAP header aa-aa-03 00-00-0c 0x010b"
                } else {
                    "not a BPDU: no 802.3 length with LLC 42-42-03"
                }),
            );
        }
    }
}

/// A bridge identifier as `{priority, system_id_extension, address}`.
pub fn bridge_id_json(id: BridgeId) -> Value {
    json!({
        "priority": id.priority(),
        "system_id_extension": id.system_id_extension(),
        "address": id.address().to_string(),
    })
}

/// The `flags` object: `raw`, the named bits, and `port_role` where the BPDU kind has one.
/// `msti` selects the MSTI meaning of bit 7 (Master instead of Topology Change Acknowledgment).
pub fn bpdu_flags_json(flags: BpduFlags, with_role: bool, msti: bool) -> Value {
    let mut f = Map::new();
    f.insert("raw".into(), json!(flags.bits()));
    for (name, bit) in [
        ("topology_change", BpduFlags::TOPOLOGY_CHANGE),
        ("proposal", BpduFlags::PROPOSAL),
        ("learning", BpduFlags::LEARNING),
        ("forwarding", BpduFlags::FORWARDING),
        ("agreement", BpduFlags::AGREEMENT),
    ] {
        f.insert(name.into(), json!(flags.contains(bit)));
    }
    let bit7 = if msti {
        "master"
    } else {
        "topology_change_ack"
    };
    f.insert(bit7.into(), json!(flags.contains(BpduFlags::MASTER)));
    if with_role {
        let role = match (msti, flags.role()) {
            (false, PortRole::MasterOrUnknown) => "unknown",
            (true, PortRole::MasterOrUnknown) => "master",
            (_, r) => r.name(),
        };
        f.insert("port_role".into(), json!(role));
    }
    Value::Object(f)
}

/// The body fields shared by Configuration, RST and MST BPDUs, in wire order. In an MST BPDU
/// the bridge identifier slot is the CIST Regional Root Identifier and is named so.
fn config_body_json(o: &mut Map<String, Value>, c: &ConfigBpdu, with_role: bool, mst: bool) {
    o.insert("flags".into(), bpdu_flags_json(c.flags, with_role, false));
    o.insert("root_id".into(), bridge_id_json(c.root_id));
    o.insert("root_path_cost".into(), json!(c.root_path_cost));
    let slot = if mst {
        "cist_regional_root_id"
    } else {
        "bridge_id"
    };
    o.insert(slot.into(), bridge_id_json(c.bridge_id));
    o.insert(
        "port_id".into(),
        json!({ "priority": c.port_id.priority(), "number": c.port_id.number() }),
    );
    for (name, t) in [
        ("message_age", c.message_age),
        ("max_age", c.max_age),
        ("hello_time", c.hello_time),
        ("forward_delay", c.forward_delay),
    ] {
        o.insert(name.into(), json!(t.as_secs_f64()));
    }
}

/// One element of `msti`.
pub fn msti_json(r: &MstiConfigMessage) -> Value {
    json!({
        "mstid": r.mstid(),
        "flags": bpdu_flags_json(r.flags, true, true),
        "regional_root_id": bridge_id_json(r.regional_root_id),
        "internal_root_path_cost": r.internal_root_path_cost,
        "bridge_priority": r.bridge_priority_value(),
        "port_priority": r.port_priority_value(),
        "remaining_hops": r.remaining_hops,
    })
}

/// The members of a decoded BPDU whose octets (from the Protocol Identifier, bounded by the
/// 802.3 length) are `octets`: every field, then `reencode`, `bpdu_len` (octets inside the 802.3
/// length), `decoded_len` (octets the BPDU kind defines) and `trailer_len` (the rest).
pub fn bpdu_json(b: &Bpdu<'_>, octets: &[u8]) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("protocol_id".into(), json!(0));
    let (version, ty) = match b {
        Bpdu::Config { version, .. } => (*version, stp::wire::bpdu::TYPE_CONFIG),
        Bpdu::Tcn { version } => (*version, stp::wire::bpdu::TYPE_TCN),
        Bpdu::Rst(r) => (r.version, stp::wire::bpdu::TYPE_RST),
        Bpdu::Mst(m) => (m.version, stp::wire::bpdu::TYPE_RST),
    };
    o.insert("protocol_version".into(), json!(version));
    o.insert("bpdu_type".into(), json!(ty));
    o.insert("bpdu_kind".into(), json!(b.kind_name()));
    match b {
        Bpdu::Config { bpdu, .. } => config_body_json(&mut o, bpdu, false, false),
        Bpdu::Tcn { .. } => {}
        Bpdu::Rst(r) => {
            config_body_json(&mut o, &r.bpdu, true, false);
            o.insert("version_1_length".into(), json!(r.version_1_length));
            if r.version >= 3 {
                o.insert(
                    "note".into(),
                    json!(
                        "protocol version 3 or more but not a valid MST BPDU \
                           (802.1Q-2022 §14.4): processed as an RST BPDU"
                    ),
                );
            }
        }
        Bpdu::Mst(m) => {
            config_body_json(&mut o, &m.cist, true, true);
            o.insert("version_1_length".into(), json!(m.version_1_length));
            o.insert("version_3_length".into(), json!(m.version_3_length()));
            o.insert(
                "mst_config_id".into(),
                json!({
                    "format_selector": m.mcid.format_selector,
                    "name": String::from_utf8_lossy(m.mcid.name_bytes()),
                    "revision": m.mcid.revision,
                    "digest": hex(&m.mcid.digest),
                }),
            );
            o.insert(
                "cist_internal_root_path_cost".into(),
                json!(m.cist_internal_root_path_cost),
            );
            o.insert("cist_bridge_id".into(), bridge_id_json(m.cist_bridge_id));
            o.insert("cist_remaining_hops".into(), json!(m.cist_remaining_hops));
            o.insert(
                "msti".into(),
                Value::Array(m.mstis.iter().map(|r| msti_json(&r)).collect()),
            );
        }
    }
    let len = b.buffer_len();
    let mut buf = vec![0u8; len];
    let emitted = b.emit(&mut buf).map(|n| &buf[..n]);
    let mut reencode = reencode_json(emitted, octets);
    mark_rst_normalisation(&mut reencode, octets);
    o.insert("reencode".into(), reencode);
    o.insert("bpdu_len".into(), json!(octets.len()));
    o.insert("decoded_len".into(), json!(len));
    o.insert(
        "trailer_len".into(),
        json!(octets.len().saturating_sub(len)),
    );
    o
}

/// What `reencode.note` says when a 35-octet BPDU of Protocol Version 3 or more is re-encoded.
pub const RST_NORMALISATION_NOTE: &str = "35-octet BPDU of protocol version 3 or more \
    (no Version 1 Length octet) is processed as an RST BPDU (802.1Q-2022 §14.4); its encoding \
    is the standard's 36-octet RST BPDU, Version 1 Length 0 appended, which decodes to the same \
    BPDU";

/// The one case where re-encoding a BPDU legitimately changes its octets: a version ≥ 3 BPDU
/// of exactly 35 octets is an RST BPDU by 802.1Q-2022 §14.4 and is encoded with the 36th
/// (Version 1 Length) octet. When the emitted octets are the original ones plus that octet,
/// `reencode` says `normalised` rather than leaving a bare difference.
fn mark_rst_normalisation(reencode: &mut Value, octets: &[u8]) {
    let Ok(BpduView::Rst(r)) = BpduView::parse(octets) else {
        return;
    };
    let Value::Object(m) = reencode else { return };
    if r.lacks_version_1_length()
        && m.get("first_difference") == Some(&json!(stp::wire::bpdu::CONFIG_LEN))
        && !m.contains_key("original")
        && !m.contains_key("error")
    {
        m.insert("normalised".into(), json!(true));
        m.insert("note".into(), json!(RST_NORMALISATION_NOTE));
    }
}

/// The `pvst` object of a PVST+ frame whose octets after the SNAP header are `body`: the note,
/// the embedded Configuration or RST BPDU's fields, the TLVs after it (from BPDU offset 36), and
/// the Originating VLAN. Returns an error text alongside when something is malformed.
pub fn pvst_json(body: &[u8]) -> (Map<String, Value>, Option<String>) {
    let mut p = Map::new();
    p.insert("note".into(), json!(PVST_NOTE));
    let mut error = None;
    match Bpdu::parse(body) {
        Ok(b @ (Bpdu::Config { .. } | Bpdu::Rst(_))) => {
            let mut o = bpdu_json(&b, body.get(..b.buffer_len()).unwrap_or(body));
            o.remove("trailer_len");
            p.insert("bpdu".into(), Value::Object(o));
        }
        Ok(other) => {
            error = Some(format!(
                "PVST+ carries a {} BPDU; only Configuration and RST BPDUs are defined",
                other.kind_name()
            ));
        }
        Err(e) => error = Some(e.to_string()),
    }
    // TLVs: type (2), length (2), value; start at offset 36 for both BPDU kinds (a Configuration
    // BPDU is followed by one pad octet).
    let mut tlvs = Vec::new();
    let mut rest = body.get(36..).unwrap_or_default();
    while !rest.is_empty() {
        let Some((&[t0, t1, l0, l1], after)) = rest.split_first_chunk::<4>() else {
            error.get_or_insert_with(|| {
                format!("PVST+ TLV header cut short: {} octets", rest.len())
            });
            break;
        };
        let (ty, len) = (
            u16::from_be_bytes([t0, t1]),
            usize::from(u16::from_be_bytes([l0, l1])),
        );
        let Some(value) = after.get(..len) else {
            error.get_or_insert_with(|| {
                format!("PVST+ TLV type {ty} length {len} runs past the frame")
            });
            break;
        };
        let mut t = Map::new();
        t.insert("type".into(), json!(ty));
        t.insert("length".into(), json!(len));
        match (ty, value) {
            (0, &[v0, v1]) => {
                let vlan = u16::from_be_bytes([v0, v1]);
                t.insert("name".into(), json!("originating_vlan"));
                t.insert("vlan".into(), json!(vlan));
                p.insert("originating_vlan".into(), json!(vlan));
            }
            _ => {
                t.insert("name".into(), json!("unknown"));
                t.insert("value".into(), json!(hex(value)));
            }
        }
        tlvs.push(Value::Object(t));
        rest = after.get(len..).unwrap_or_default();
    }
    if !p.contains_key("originating_vlan") {
        error.get_or_insert_with(|| "PVST+ BPDU without an Originating VLAN TLV".into());
    }
    p.insert("tlvs".into(), Value::Array(tlvs));
    p.insert("pvst_len".into(), json!(body.len()));
    (p, error)
}

/// The TCP payload of an IPv4 segment to or from port 646, if `payload` is one.
fn ldp_segment<'a>(eth: &EthernetRepr, payload: &'a [u8]) -> Option<&'a [u8]> {
    if eth.ethertype != EtherType::IPV4 {
        return None;
    }
    let &vihl = payload.first()?;
    let ihl = usize::from(vihl & 0x0f) * 4;
    if vihl >> 4 != 4 || ihl < 20 || payload.get(9) != Some(&6) {
        return None;
    }
    let total = usize::from(u16::from_be_bytes(*payload.get(2..4)?.first_chunk::<2>()?));
    let ip = payload.get(..total.min(payload.len()))?;
    let tcp = ip.get(ihl..)?;
    let src = u16::from_be_bytes(*tcp.first_chunk::<2>()?);
    let dst = u16::from_be_bytes(*tcp.get(2..4)?.first_chunk::<2>()?);
    let off = usize::from(tcp.get(12)? >> 4) * 4;
    if src != LDP_PORT && dst != LDP_PORT {
        return None;
    }
    tcp.get(off..)
}

/// The messages of an ICCP/LDP payload: ICC messages with their RG and parameters, other LDP
/// messages with their TLVs, malformed ones with the error; `text` is the readable form.
fn iccp_messages_json(messages: &[iccp::wire::DecodedMessage<'_>]) -> Value {
    use iccp::wire::DecodedMessage;
    let list: Vec<Value> = messages
        .iter()
        .map(|msg| match msg {
            DecodedMessage::Icc(m) => json!({
                "kind": "icc",
                "msg_type": m.msg_type.to_string(),
                "msg_type_code": m.msg_type.0,
                "message_id": m.id,
                "rg_id": m.rg_id,
                "params": m.params.iter().map(|p| json!(p.to_string())).collect::<Vec<_>>(),
            }),
            DecodedMessage::Ldp(m) => json!({
                "kind": "ldp",
                "msg_type": m.msg_type.to_string(),
                "msg_type_code": m.msg_type.0,
                "u_bit": m.u_bit,
                "message_id": m.id,
                "tlvs": m.tlvs.iter().map(|t| json!(t.to_string())).collect::<Vec<_>>(),
            }),
            DecodedMessage::Malformed {
                msg_type,
                id,
                error,
            } => json!({
                "kind": "malformed",
                "msg_type": msg_type.map(|t| t.to_string()),
                "message_id": id,
                "error": error.to_string(),
            }),
        })
        .collect();
    Value::Array(list)
}

/// An ICCP frame of the L2 framing (`iccp::wire::l2`): header fields and messages.
fn decode_iccp_l2(m: &mut Map<String, Value>, data: &[u8]) {
    m.insert("protocol".into(), json!(PROTOCOL_ICCP_L2));
    match iccp::wire::decode_l2_frame(data) {
        Ok(d) => {
            let h = &d.frame.header;
            m.insert(
                "iccp".into(),
                json!({
                    "flags": h.flags.0,
                    "data": h.flags.contains(iccp::wire::L2Flags::DATA),
                    "auth": h.flags.contains(iccp::wire::L2Flags::AUTH),
                    "sender_incarnation": h.sender,
                    "receiver_incarnation": h.receiver,
                    "frame_no": h.frame_no,
                    "seq": h.seq,
                    "ack": h.ack,
                    "payload_len": d.frame.payload.len(),
                    "messages": iccp_messages_json(&d.messages),
                    "text": d.to_string(),
                }),
            );
        }
        Err(e) => {
            m.insert("error".into(), json!(format!("iccp: {e}")));
        }
    }
}

/// LDP PDUs in one TCP segment (RFC 5036 §3.1 framing; RFC 7275 ICC messages inside). A segment
/// that does not start on a PDU boundary is reported as such (reassembly is not done here).
fn decode_ldp(m: &mut Map<String, Value>, segment: &[u8]) {
    m.insert("protocol".into(), json!(PROTOCOL_LDP));
    if segment.is_empty() {
        m.insert("ldp".into(), json!({ "pdus": [] }));
        return;
    }
    let mut pdus = Vec::new();
    let mut rest = segment;
    while !rest.is_empty() {
        let len = rest
            .get(2..4)
            .and_then(|b| b.first_chunk::<2>())
            .map(|b| usize::from(u16::from_be_bytes(*b)) + 4);
        let Some(pdu) = len.and_then(|l| rest.get(..l)) else {
            pdus.push(json!({ "error": "partial PDU (spans TCP segments)", "octets": rest.len() }));
            break;
        };
        match iccp::wire::decode_ldp_pdu(pdu) {
            Ok(d) => {
                let [a, b, c, e] = d.header.lsr_id;
                pdus.push(json!({
                    "pdu_len": d.header.pdu_len,
                    "lsr_id": format!("{a}.{b}.{c}.{e}"),
                    "label_space": d.header.label_space,
                    "messages": iccp_messages_json(&d.messages),
                    "text": d.to_string(),
                }));
            }
            Err(e) => pdus.push(json!({ "error": format!("ldp: {e}") })),
        }
        rest = rest.get(pdu.len()..).unwrap_or_default();
    }
    m.insert("ldp".into(), json!({ "pdus": pdus }));
}
