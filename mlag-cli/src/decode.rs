//! Decoding captured frames into JSON values (one object per frame) for `mlag decode`.
//!
//! Field names follow the standard in snake_case (IEEE 802.1AX-2014 §6.4.2 for LACPDUs, §6.5.3
//! for Marker PDUs). Every frame yields an object, whatever it carries: protocols that are not
//! decoded yet are listed with their EtherType or 802.3 length, and malformed Slow Protocols
//! frames carry an `error` with the codec's typed error text.

use crate::pcap::Frame;
use core::fmt::Write as _;
use l2_types::{EtherType, MacAddr};
use lacp::wire::lacpdu::{Deviation, Packet};
use lacp::wire::{self, EthernetRepr, LacpduRepr, MarkerRepr, PortInfo, PortState, SlowPdu, Tlv};
use serde_json::{Map, Value, json};

/// Value of `protocol` for a LACPDU.
pub const PROTOCOL_LACP: &str = "lacp";
/// Value of `protocol` for a Marker or Marker Response PDU.
pub const PROTOCOL_MARKER: &str = "marker";
/// Value of `protocol` for other or malformed Slow Protocols frames.
pub const PROTOCOL_SLOW: &str = "slow";
/// Value of `protocol` for IEEE spanning tree BPDUs (recognised only).
pub const PROTOCOL_STP: &str = "stp (not decoded yet)";
/// Value of `protocol` for Cisco PVST+/Rapid-PVST+ BPDUs (recognised only).
pub const PROTOCOL_PVST: &str = "pvst+ (not decoded yet)";
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
    } else if is_stp(&eth, payload) {
        m.insert("protocol".into(), json!(PROTOCOL_STP));
    } else if is_pvst(&eth, payload) {
        m.insert("protocol".into(), json!(PROTOCOL_PVST));
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
fn reencode_json(emitted: Result<&[u8], wire::Error>, pdu: &[u8]) -> Value {
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
