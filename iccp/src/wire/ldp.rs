//! RFC 7275's own framing: LDP PDUs (RFC 5036 §3.1) over a TCP stream, the LDP messages an ICCP
//! speaker needs around the ICC messages, and a [`Deframer`] that cuts PDUs out of a byte stream
//! delivered in arbitrary pieces.
//!
//! ```text
//! |        Version (1)            |        PDU Length             |
//! |                   LDP Identifier: LSR ID (4) ...              |
//! |  ... label space (2)          |  messages ...                 |
//! ```
//! PDU Length counts the octets after itself (the 6-octet LDP Identifier and the messages).

use super::message::{self, IccMessage, MessageType, RawMessage, RawMessages};
use super::tlv::{Tlv, U_BIT};
use super::{Error, Writer, be16, be32, byte, len16};
use alloc::vec::Vec;

/// Length of the LDP PDU header.
pub const PDU_HEADER_LEN: usize = 10;
/// The LDP protocol version (RFC 5036 §3.1).
pub const LDP_VERSION: u16 = 1;
/// Default maximum PDU length (RFC 5036 §3.5.3: 4096 unless a larger one is negotiated).
pub const PDU_MAX_DEFAULT: usize = 4096;
/// The LDP TCP (and UDP discovery) port.
pub const LDP_PORT: u16 = 646;

/// LDP TLV type: Common Hello Parameters (RFC 5036 §3.5.2).
pub const TLV_COMMON_HELLO: u16 = 0x0400;
/// LDP TLV type: IPv4 Transport Address (RFC 5036 §3.5.2).
pub const TLV_IPV4_TRANSPORT: u16 = 0x0401;
/// LDP TLV type: Status (RFC 5036 §3.4.6).
pub const TLV_STATUS: u16 = 0x0300;
/// LDP TLV type: Common Session Parameters (RFC 5036 §3.5.3).
pub const TLV_COMMON_SESSION: u16 = 0x0500;
/// LDP TLV type: ICCP Capability (RFC 7275 §6.1, an RFC 5561 capability TLV).
pub const TLV_ICCP_CAPABILITY: u16 = 0x0700;
/// LDP status code: Unknown Message Type (RFC 5036 §3.9).
pub const STATUS_UNKNOWN_MESSAGE_TYPE: u32 = 0x0000_0004;
/// LDP status code: Unknown TLV (RFC 5036 §3.9).
pub const STATUS_UNKNOWN_TLV: u32 = 0x0000_0005;

/// The LDP PDU header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LdpPduHeader {
    /// PDU Length: octets after this field.
    pub pdu_len: u16,
    /// LSR ID of the LDP Identifier.
    pub lsr_id: [u8; 4],
    /// Label space of the LDP Identifier.
    pub label_space: u16,
}

impl LdpPduHeader {
    /// Parses and checks the header: version 1, PDU Length ≥ 6 and ≤ `pdu_max − 4`.
    pub fn parse(buf: &[u8], pdu_max: usize) -> Result<Self, Error> {
        let version = be16(buf, 0)?;
        if version != LDP_VERSION {
            return Err(Error::BadVersion(version));
        }
        let pdu_len = be16(buf, 2)?;
        if usize::from(pdu_len) < 6 || usize::from(pdu_len) + 4 > pdu_max {
            return Err(Error::BadLength {
                field: "LDP PDU length",
                value: usize::from(pdu_len),
            });
        }
        let id = buf.get(4..10).ok_or(Error::Truncated {
            needed: PDU_HEADER_LEN,
            got: buf.len(),
        })?;
        let mut lsr_id = [0; 4];
        lsr_id.copy_from_slice(id.get(..4).unwrap_or(&[0; 4]));
        Ok(Self {
            pdu_len,
            lsr_id,
            label_space: be16(buf, 8)?,
        })
    }

    /// Total PDU length including the first 4 octets.
    pub fn total_len(&self) -> usize {
        4 + usize::from(self.pdu_len)
    }
}

/// Parses exactly one LDP PDU: the header and its messages (not yet decoded).
pub fn parse_pdu(buf: &[u8]) -> Result<(LdpPduHeader, RawMessages<'_>), Error> {
    let hdr = LdpPduHeader::parse(buf, usize::from(u16::MAX) + 4)?;
    let body = buf
        .get(PDU_HEADER_LEN..hdr.total_len())
        .ok_or(Error::Truncated {
            needed: hdr.total_len(),
            got: buf.len(),
        })?;
    if buf.len() != hdr.total_len() {
        return Err(Error::BadLength {
            field: "trailing octets after LDP PDU",
            value: buf.len() - hdr.total_len(),
        });
    }
    Ok((hdr, RawMessages::new(body)))
}

/// Writes an LDP PDU header followed by `body` (already-encoded messages).
pub fn emit_pdu(
    buf: &mut [u8],
    lsr_id: [u8; 4],
    label_space: u16,
    body: &[u8],
) -> Result<usize, Error> {
    let mut w = Writer::new(buf);
    w.u16(LDP_VERSION)?;
    w.u16(len16(6 + body.len(), "LDP PDU length")?)?;
    w.put(&lsr_id)?;
    w.u16(label_space)?;
    w.put(body)?;
    Ok(w.pos())
}

/// Common Session Parameters (RFC 5036 §3.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionParams {
    /// Protocol version (1).
    pub version: u16,
    /// KeepAlive time in seconds.
    pub keepalive_time: u16,
    /// A-bit (label advertisement discipline) and D-bit (loop detection) octet.
    pub flags: u8,
    /// Path vector limit.
    pub path_vector_limit: u8,
    /// Max PDU length (0 = default 4096).
    pub max_pdu_len: u16,
    /// Receiver LDP identifier (LSR ID + label space).
    pub receiver: [u8; 6],
}

/// A TLV inside a non-ICC LDP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdpTlv<'a> {
    /// ICCP Capability (0x0700, U=1, F=0; RFC 7275 §6.1, RFC 5561 §3).
    IccpCapability {
        /// S-bit: 1 advertise, 0 withdraw.
        s_bit: bool,
        /// Major version (1).
        major: u8,
        /// Minor version (0).
        minor: u8,
    },
    /// Common Session Parameters (0x0500).
    CommonSession(SessionParams),
    /// Status (0x0300).
    Status {
        /// E-bit: fatal error.
        e_bit: bool,
        /// F-bit: forward.
        f_bit: bool,
        /// The 30-bit status data.
        code: u32,
        /// Message ID the status is about.
        msg_id: u32,
        /// Message type the status is about.
        msg_type: u16,
    },
    /// Any other TLV, kept raw.
    Other(Tlv<'a>),
}

impl<'a> LdpTlv<'a> {
    /// Decodes a TLV of an LDP message (lenient: unknown types are kept).
    pub fn parse(tlv: Tlv<'a>) -> Result<Self, Error> {
        let v = tlv.value;
        let bad = Error::BadTlv {
            ty: tlv.ty(),
            len: u16::try_from(v.len()).unwrap_or(u16::MAX),
        };
        Ok(match tlv.ty() {
            TLV_ICCP_CAPABILITY => {
                if v.len() != 4 {
                    return Err(bad);
                }
                Self::IccpCapability {
                    s_bit: byte(v, 0)? & 0x80 != 0,
                    major: byte(v, 2)?,
                    minor: byte(v, 3)?,
                }
            }
            TLV_COMMON_SESSION => {
                if v.len() != 14 {
                    return Err(bad);
                }
                let mut receiver = [0; 6];
                receiver.copy_from_slice(v.get(8..14).unwrap_or(&[0; 6]));
                Self::CommonSession(SessionParams {
                    version: be16(v, 0)?,
                    keepalive_time: be16(v, 2)?,
                    flags: byte(v, 4)?,
                    path_vector_limit: byte(v, 5)?,
                    max_pdu_len: be16(v, 6)?,
                    receiver,
                })
            }
            TLV_STATUS => {
                if v.len() < 10 {
                    return Err(bad);
                }
                let st = be32(v, 0)?;
                Self::Status {
                    e_bit: st & 0x8000_0000 != 0,
                    f_bit: st & 0x4000_0000 != 0,
                    code: st & 0x3fff_ffff,
                    msg_id: be32(v, 4)?,
                    msg_type: be16(v, 8)?,
                }
            }
            _ => Self::Other(tlv),
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        match *self {
            Self::IccpCapability {
                s_bit,
                major,
                minor,
            } => {
                w.u16(U_BIT | TLV_ICCP_CAPABILITY)?;
                w.u16(4)?;
                w.put(&[if s_bit { 0x80 } else { 0 }, 0, major, minor])
            }
            Self::CommonSession(p) => {
                w.u16(TLV_COMMON_SESSION)?;
                w.u16(14)?;
                w.u16(p.version)?;
                w.u16(p.keepalive_time)?;
                w.u8(p.flags)?;
                w.u8(p.path_vector_limit)?;
                w.u16(p.max_pdu_len)?;
                w.put(&p.receiver)
            }
            Self::Status {
                e_bit,
                f_bit,
                code,
                msg_id,
                msg_type,
            } => {
                w.u16(TLV_STATUS)?;
                w.u16(10)?;
                let st = (code & 0x3fff_ffff)
                    | if e_bit { 0x8000_0000 } else { 0 }
                    | if f_bit { 0x4000_0000 } else { 0 };
                w.u32(st)?;
                w.u32(msg_id)?;
                w.u16(msg_type)
            }
            Self::Other(t) => {
                w.u16(t.raw_type)?;
                w.u16(len16(t.value.len(), "TLV length")?)?;
                w.put(t.value)
            }
        }
    }

    /// Encoded length.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::IccpCapability { .. } => 8,
            Self::CommonSession(_) => 18,
            Self::Status { .. } => 14,
            Self::Other(t) => t.buffer_len(),
        }
    }
}

/// A non-ICC LDP message (Initialization, KeepAlive, Capability, Notification, Hello…), the
/// repr: header and decoded TLVs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdpMessage<'a> {
    /// The U-bit.
    pub u_bit: bool,
    /// Message type.
    pub msg_type: MessageType,
    /// Message ID.
    pub id: u32,
    /// TLVs in order.
    pub tlvs: Vec<LdpTlv<'a>>,
}

impl<'a> LdpMessage<'a> {
    /// Decodes the TLVs of a raw message.
    pub fn parse(raw: &RawMessage<'a>) -> Result<Self, Error> {
        let mut tlvs = Vec::new();
        for t in raw.tlvs() {
            tlvs.push(LdpTlv::parse(t?)?);
        }
        Ok(Self {
            u_bit: raw.u_bit,
            msg_type: raw.msg_type,
            id: raw.id,
            tlvs,
        })
    }

    /// An Initialization message with Common Session Parameters and the ICCP Capability TLV
    /// (RFC 7275 §6.1: ICCP is advertised in the Initialization message, RFC 5561 §4).
    pub fn initialization(id: u32, params: SessionParams) -> Self {
        Self {
            u_bit: false,
            msg_type: MessageType::INITIALIZATION,
            id,
            tlvs: alloc::vec![
                LdpTlv::CommonSession(params),
                LdpTlv::IccpCapability {
                    s_bit: true,
                    major: 1,
                    minor: 0,
                },
            ],
        }
    }

    /// A KeepAlive message.
    pub fn keepalive(id: u32) -> Self {
        Self {
            u_bit: false,
            msg_type: MessageType::KEEPALIVE,
            id,
            tlvs: Vec::new(),
        }
    }

    /// A Capability message (RFC 5561 §5) advertising (or withdrawing) ICCP.
    pub fn iccp_capability(id: u32, advertise: bool) -> Self {
        Self {
            u_bit: false,
            msg_type: MessageType::CAPABILITY,
            id,
            tlvs: alloc::vec![LdpTlv::IccpCapability {
                s_bit: advertise,
                major: 1,
                minor: 0,
            }],
        }
    }

    /// Encoded length.
    pub fn buffer_len(&self) -> usize {
        message::HEADER_LEN + self.tlvs.iter().map(LdpTlv::buffer_len).sum::<usize>()
    }

    /// Writes the message; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.pos())
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), Error> {
        let start = w.pos();
        let u = if self.u_bit { message::MSG_U_BIT } else { 0 };
        w.u16(u | (self.msg_type.0 & !message::MSG_U_BIT))?;
        w.u16(0)?;
        w.u32(self.id)?;
        for t in &self.tlvs {
            t.write(w)?;
        }
        let len = len16(w.pos() - start - 4, "message length")?;
        w.patch16(start + 2, len)
    }

    /// The ICCP Capability TLV of this message, if present: (S-bit, major, minor).
    pub fn iccp_capability_tlv(&self) -> Option<(bool, u8, u8)> {
        self.tlvs.iter().find_map(|t| match *t {
            LdpTlv::IccpCapability {
                s_bit,
                major,
                minor,
            } => Some((s_bit, major, minor)),
            _ => None,
        })
    }
}

/// Either kind of message found in an LDP PDU, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyMessage<'a> {
    /// An ICC message.
    Icc(IccMessage<'a>),
    /// Any other LDP message.
    Ldp(LdpMessage<'a>),
}

impl<'a> AnyMessage<'a> {
    /// Decodes a raw message as ICC (types 0x0700..=0x0703) or LDP.
    pub fn parse(raw: &RawMessage<'a>) -> Result<Self, Error> {
        if raw.msg_type.is_icc() {
            IccMessage::parse(raw).map(Self::Icc)
        } else {
            LdpMessage::parse(raw).map(Self::Ldp)
        }
    }
}

/// Cuts LDP PDUs out of a TCP byte stream fed in arbitrary pieces (partial headers, several PDUs
/// per piece). Bounded: it buffers at most `pdu_max` octets beyond the PDUs already returned.
///
/// A bad version or length cannot be resynchronised in a byte stream (RFC 5036 §3.5.1.2.1: a
/// fatal error closes the session), so after one the deframer keeps returning that error.
#[derive(Debug, Clone)]
pub struct Deframer {
    buf: Vec<u8>,
    start: usize,
    pdu_max: usize,
    failed: Option<Error>,
}

impl Deframer {
    /// A deframer accepting PDUs of at most `pdu_max` octets in total (header included).
    pub fn new(pdu_max: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            pdu_max: pdu_max.clamp(PDU_HEADER_LEN, usize::from(u16::MAX) + 4),
            failed: None,
        }
    }

    /// Octets buffered and not yet returned as a PDU.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Room left before [`Deframer::push`] refuses data.
    pub fn room(&self) -> usize {
        self.pdu_max.saturating_sub(self.buffered())
    }

    /// Appends stream octets. Refuses (and buffers nothing) if that would buffer more than
    /// `pdu_max` octets: pull PDUs with [`Deframer::next_pdu`] first, or push less.
    pub fn push(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if data.len() > self.room() {
            return Err(Error::BufferTooSmall {
                needed: self.buffered() + data.len(),
                got: self.pdu_max,
            });
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// The next complete PDU (header included), or `None` if more octets are needed.
    pub fn next_pdu(&mut self) -> Option<Result<&[u8], Error>> {
        if let Some(e) = self.failed {
            return Some(Err(e));
        }
        let pending = self.buf.get(self.start..).unwrap_or_default();
        if pending.len() < 4 {
            return None;
        }
        // Version and length are in the first 4 octets; check them before waiting for more.
        let check = (|| {
            let version = be16(pending, 0)?;
            if version != LDP_VERSION {
                return Err(Error::BadVersion(version));
            }
            let pdu_len = usize::from(be16(pending, 2)?);
            if pdu_len < 6 || pdu_len + 4 > self.pdu_max {
                return Err(Error::BadLength {
                    field: "LDP PDU length",
                    value: pdu_len,
                });
            }
            Ok(pdu_len + 4)
        })();
        let total = match check {
            Ok(t) => t,
            Err(e) => {
                self.failed = Some(e);
                return Some(Err(e));
            }
        };
        if pending.len() < total {
            return None;
        }
        let from = self.start;
        self.start += total;
        self.buf.get(from..from + total).map(Ok)
    }
}
