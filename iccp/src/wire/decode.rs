//! Whole-frame and whole-PDU decoding into printable values, for tools (`mlag decode`).
//!
//! ```
//! use iccp::wire::{decode_ldp_pdu, ldp, message, param::Param, MessageType};
//! let mut msg = [0u8; 64];
//! let n = message::emit_icc(&mut msg, MessageType::RG_CONNECT, 1, 42, &[Param::SenderName("pe1")]).unwrap();
//! let mut pdu = [0u8; 128];
//! let len = ldp::emit_pdu(&mut pdu, [192, 0, 2, 1], 0, &msg[..n]).unwrap();
//! let decoded = decode_ldp_pdu(&pdu[..len]).unwrap();
//! let text = decoded.to_string();
//! assert!(text.contains("RG Connect") && text.contains("pe1"));
//! ```

use super::Error;
use super::l2::L2Frame;
use super::ldp::{AnyMessage, LdpMessage, LdpPduHeader, LdpTlv, parse_pdu};
use super::message::{IccMessage, MessageType, RawMessages};
use super::param::Param;
use alloc::vec::Vec;
use core::fmt;

/// One message of a frame or PDU, decoded as far as possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodedMessage<'a> {
    /// An ICC message.
    Icc(IccMessage<'a>),
    /// A non-ICC LDP message.
    Ldp(LdpMessage<'a>),
    /// A message that failed to decode (decoding stops after the first malformed header).
    Malformed {
        /// Its type, if the header was readable.
        msg_type: Option<MessageType>,
        /// Its Message ID, if the header was readable.
        id: Option<u32>,
        /// Why.
        error: Error,
    },
}

/// A decoded ICCP L2 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedL2Frame<'a> {
    /// Ethernet and ICCP L2 headers.
    pub frame: L2Frame<'a>,
    /// The messages of the payload.
    pub messages: Vec<DecodedMessage<'a>>,
}

/// A decoded LDP PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedLdpPdu<'a> {
    /// The PDU header.
    pub header: LdpPduHeader,
    /// The messages.
    pub messages: Vec<DecodedMessage<'a>>,
}

fn decode_messages(body: &[u8]) -> Vec<DecodedMessage<'_>> {
    let mut out = Vec::new();
    for raw in RawMessages::new(body) {
        out.push(match raw {
            Ok(raw) => match AnyMessage::parse(&raw) {
                Ok(AnyMessage::Icc(m)) => DecodedMessage::Icc(m),
                Ok(AnyMessage::Ldp(m)) => DecodedMessage::Ldp(m),
                Err(error) => DecodedMessage::Malformed {
                    msg_type: Some(raw.msg_type),
                    id: Some(raw.id),
                    error,
                },
            },
            Err(error) => DecodedMessage::Malformed {
                msg_type: None,
                id: None,
                error,
            },
        });
    }
    out
}

/// Decodes an ICCP L2 Ethernet frame and every message in it. Fails only if the framing itself
/// (EtherType, header, lengths) is bad; a bad message is a [`DecodedMessage::Malformed`].
pub fn decode_l2_frame(frame: &[u8]) -> Result<DecodedL2Frame<'_>, Error> {
    let frame = L2Frame::parse(frame)?;
    Ok(DecodedL2Frame {
        messages: decode_messages(frame.payload),
        frame,
    })
}

/// Decodes one LDP PDU (RFC 7275 over TCP) and every message in it.
pub fn decode_ldp_pdu(pdu: &[u8]) -> Result<DecodedLdpPdu<'_>, Error> {
    let (header, _) = parse_pdu(pdu)?;
    let body = pdu.get(super::ldp::PDU_HEADER_LEN..).unwrap_or_default();
    Ok(DecodedLdpPdu {
        header,
        messages: decode_messages(body),
    })
}

impl fmt::Display for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:04x}): ", self.name(), self.ty())?;
        match self {
            Self::SenderName(s) => write!(f, "{s:?}"),
            Self::Nak {
                status,
                rejected_id,
            } => write!(f, "status {status}, rejected message id {rejected_id}"),
            Self::RequestedVersion {
                connection_reference,
                version,
            } => write!(
                f,
                "connection reference 0x{connection_reference:04x}, version {version}"
            ),
            Self::DisconnectCode(c) => write!(f, "{c}"),
            Self::RgId(id) => write!(f, "{id}"),
            Self::MlacpConnect {
                version,
                a_bit,
                sub_tlvs,
            } => write!(
                f,
                "version {version}, A={}, {} octets of sub-TLVs",
                u8::from(*a_bit),
                sub_tlvs.len()
            ),
            Self::MlacpDisconnect { sub_tlvs } => {
                write!(f, "{} octets of sub-TLVs", sub_tlvs.len())
            }
            Self::MlacpSystemConfig {
                system_id,
                system_priority,
                node_id,
            } => write!(
                f,
                "system id {}, priority {system_priority}, node id {}",
                system_id, node_id.0
            ),
            Self::Heartbeat {
                interval_ms,
                counter,
                ..
            } => write!(f, "interval {interval_ms} ms, counter {counter}"),
            Self::Election {
                priority,
                bridge_mac,
            } => write!(f, "priority {priority}, bridge {}", bridge_mac),
            Self::ElectionV2 {
                priority,
                bridge_mac,
                flags,
                incumbent,
                generation,
                seen,
            } => {
                write!(f, "priority {priority}, bridge {bridge_mac}, ")?;
                if flags & super::param::ELECTION_INCUMBENT != 0 {
                    write!(f, "incumbent {incumbent}, ")?;
                } else {
                    write!(f, "no incumbent, ")?;
                }
                write!(f, "generation {generation}, seen {seen}")
            }
            Self::FdbDelta { kind, records } => {
                write!(f, "kind {kind}, {} octets", records.len())
            }
            Self::FdbSnapshot {
                kind,
                flags,
                records,
            } => write!(
                f,
                "kind {kind}, flags 0x{flags:02x}, {} octets",
                records.len()
            ),
            Self::StpRelay { port, bpdu } => write!(f, "port {port}, {} octets", bpdu.len()),
            Self::Consistency { kind, data } => write!(f, "kind {kind}, {} octets", data.len()),
            Self::Unknown(t) => write!(
                f,
                "U={} F={}, {} octets",
                u8::from(t.u_bit()),
                u8::from(t.f_bit()),
                t.value.len()
            ),
            Self::MlacpPortConfig(p) => write!(f, "{p:?}"),
            Self::MlacpPortPriority(p) => write!(f, "{p:?}"),
            Self::MlacpPortState(p) => write!(f, "{p:?}"),
            Self::MlacpAggregatorConfig(a) => write!(f, "{a:?}"),
            Self::MlacpAggregatorState(a) => write!(f, "{a:?}"),
            Self::MlacpSyncRequest(r) => write!(f, "{r:?}"),
            Self::MlacpSyncData {
                request_number,
                flags,
            } => write!(f, "request {request_number}, flags 0x{:04x}", flags.0),
        }
    }
}

impl fmt::Display for LdpTlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IccpCapability {
                s_bit,
                major,
                minor,
            } => write!(
                f,
                "ICCP Capability (0x0700): S={}, version {major}.{minor}",
                u8::from(*s_bit)
            ),
            Self::CommonSession(p) => write!(
                f,
                "Common Session Parameters (0x0500): keepalive {} s, max PDU {}",
                p.keepalive_time, p.max_pdu_len
            ),
            Self::Status {
                e_bit,
                code,
                msg_id,
                msg_type,
                ..
            } => write!(
                f,
                "Status (0x0300): code 0x{code:08x}, E={}, about message {msg_id} type 0x{msg_type:04x}",
                u8::from(*e_bit)
            ),
            Self::Other(t) => write!(f, "TLV 0x{:04x}: {} octets", t.ty(), t.value.len()),
        }
    }
}

impl fmt::Display for DecodedMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Icc(m) => {
                writeln!(f, "  {} id {} RG {}", m.msg_type, m.id, m.rg_id)?;
                for p in &m.params {
                    writeln!(f, "    {p}")?;
                }
                Ok(())
            }
            Self::Ldp(m) => {
                writeln!(f, "  {} id {}", m.msg_type, m.id)?;
                for t in &m.tlvs {
                    writeln!(f, "    {t}")?;
                }
                Ok(())
            }
            Self::Malformed {
                msg_type,
                id,
                error,
            } => {
                match msg_type {
                    Some(t) => write!(f, "  {t}")?,
                    None => write!(f, "  message")?,
                }
                if let Some(id) = id {
                    write!(f, " id {id}")?;
                }
                writeln!(f, ": malformed: {error}")
            }
        }
    }
}

impl fmt::Display for DecodedL2Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.frame.header;
        writeln!(
            f,
            "ICCP L2 {} > {}: flags 0x{:02x}{}{} incarnation {:08x}>{:08x} frame {} seq {} ack {}, {} octets",
            self.frame.src,
            self.frame.dst,
            h.flags.0,
            if h.flags.contains(super::L2Flags::DATA) {
                " DATA"
            } else {
                ""
            },
            if h.flags.contains(super::L2Flags::AUTH) {
                " AUTH"
            } else {
                ""
            },
            h.sender,
            h.receiver,
            h.frame_no,
            h.seq,
            h.ack,
            self.frame.payload.len()
        )?;
        for m in &self.messages {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodedLdpPdu<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.header.lsr_id;
        writeln!(
            f,
            "LDP PDU from {a}.{b}.{c}.{d}:{}, length {}",
            self.header.label_space, self.header.pdu_len
        )?;
        for m in &self.messages {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}
