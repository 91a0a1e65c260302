//! LDP-encoded messages (RFC 5036 §3.5) and ICC messages (RFC 7275 §6.1).
//!
//! ```text
//! |U|   Message Type (15 bits)      |      Message Length           |
//! |                     Message ID                                    |
//! |  ICC RG ID TLV: 0x0005, length 4, RG ID (ICC messages only)      |
//! |  mandatory, then optional TLVs ...                                |
//! ```
//! Message Length counts the octets after itself (Message ID and TLVs), so it is at least 4.

use super::param::{self, Param};
use super::tlv::{HEADER_LEN as TLV_HEADER_LEN, Tlvs};
use super::{Error, Writer, be16, be32, len16};
use alloc::vec::Vec;
use core::fmt;

/// Length of the message header (type, length, message ID).
pub const HEADER_LEN: usize = 8;
/// Length of an ICC header: the message header plus the ICC RG ID TLV.
pub const ICC_HEADER_LEN: usize = HEADER_LEN + TLV_HEADER_LEN + 4;
/// The U-bit of a message type: 1 = ignore the message if its type is unknown.
pub const MSG_U_BIT: u16 = 0x8000;

/// A message type (15 bits). Open set: unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageType(pub u16);

impl MessageType {
    /// LDP Notification (RFC 5036 §3.5.1).
    pub const NOTIFICATION: Self = Self(0x0001);
    /// LDP Hello (RFC 5036 §3.5.2).
    pub const HELLO: Self = Self(0x0100);
    /// LDP Initialization (RFC 5036 §3.5.3).
    pub const INITIALIZATION: Self = Self(0x0200);
    /// LDP KeepAlive (RFC 5036 §3.5.4).
    pub const KEEPALIVE: Self = Self(0x0201);
    /// LDP Capability (RFC 5561 §5).
    pub const CAPABILITY: Self = Self(0x0202);
    /// LDP Address (RFC 5036 §3.5.5).
    pub const ADDRESS: Self = Self(0x0300);
    /// LDP Address Withdraw (RFC 5036 §3.5.6).
    pub const ADDRESS_WITHDRAW: Self = Self(0x0301);
    /// LDP Label Mapping (RFC 5036 §3.5.7).
    pub const LABEL_MAPPING: Self = Self(0x0400);
    /// RG Connect (RFC 7275 §6.1.1).
    pub const RG_CONNECT: Self = Self(0x0700);
    /// RG Disconnect (RFC 7275 §6.1.3).
    pub const RG_DISCONNECT: Self = Self(0x0701);
    /// RG Notification (RFC 7275 §6.1.4).
    pub const RG_NOTIFICATION: Self = Self(0x0702);
    /// RG Application Data (RFC 7275 §6.1.5).
    pub const RG_APPLICATION_DATA: Self = Self(0x0703);

    /// True for the four ICC message types.
    pub const fn is_icc(self) -> bool {
        self.0 >= 0x0700 && self.0 <= 0x0703
    }

    /// The name of a known type.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0001 => "Notification",
            0x0100 => "Hello",
            0x0200 => "Initialization",
            0x0201 => "KeepAlive",
            0x0202 => "Capability",
            0x0300 => "Address",
            0x0301 => "Address Withdraw",
            0x0400 => "Label Mapping",
            0x0700 => "RG Connect",
            0x0701 => "RG Disconnect",
            0x0702 => "RG Notification",
            0x0703 => "RG Application Data",
            _ => return None,
        })
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:04x})", self.0),
            None => write!(f, "unknown (0x{:04x})", self.0),
        }
    }
}

/// An ICCP status code (RFC 7275 §12.4). Open set.
///
/// The nine values and names agree with SONiC iccpd's `msg_format.h`, which lists them under
/// "RFC 7275 12.4. Status Code Name Space [Page 81]" (0x00010001–0x00010007, 0x00010010,
/// 0x00010011); the RFC text itself could not be read here (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(pub u32);

impl StatusCode {
    /// Unknown ICCP RG.
    pub const UNKNOWN_RG: Self = Self(0x0001_0001);
    /// ICCP Connection Count Exceeded.
    pub const CONNECTION_COUNT_EXCEEDED: Self = Self(0x0001_0002);
    /// ICCP Application Connection Count Exceeded.
    pub const APP_CONNECTION_COUNT_EXCEEDED: Self = Self(0x0001_0003);
    /// ICCP Application not in RG.
    pub const APP_NOT_IN_RG: Self = Self(0x0001_0004);
    /// Incompatible ICCP Protocol Version.
    pub const INCOMPATIBLE_VERSION: Self = Self(0x0001_0005);
    /// ICCP Rejected Message.
    pub const REJECTED_MESSAGE: Self = Self(0x0001_0006);
    /// ICCP Administratively Disabled.
    pub const ADMINISTRATIVELY_DISABLED: Self = Self(0x0001_0007);
    /// ICCP RG Removed.
    pub const RG_REMOVED: Self = Self(0x0001_0010);
    /// ICCP Application Removed from RG.
    pub const APP_REMOVED: Self = Self(0x0001_0011);

    /// The name of a known code.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0001_0001 => "Unknown ICCP RG",
            0x0001_0002 => "ICCP Connection Count Exceeded",
            0x0001_0003 => "ICCP Application Connection Count Exceeded",
            0x0001_0004 => "ICCP Application not in RG",
            0x0001_0005 => "Incompatible ICCP Protocol Version",
            0x0001_0006 => "ICCP Rejected Message",
            0x0001_0007 => "ICCP Administratively Disabled",
            0x0001_0010 => "ICCP RG Removed",
            0x0001_0011 => "ICCP Application Removed from RG",
            _ => return None,
        })
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} (0x{:08x})", self.0),
            None => write!(f, "0x{:08x}", self.0),
        }
    }
}

/// A checked view of one LDP-encoded message: header fields and the TLV body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// The U-bit.
    pub u_bit: bool,
    /// The 15-bit message type.
    pub msg_type: MessageType,
    /// The Message ID.
    pub id: u32,
    /// The TLVs after the Message ID (Message Length − 4 octets).
    pub body: &'a [u8],
}

impl<'a> RawMessage<'a> {
    /// Parses the first message of `buf`; returns it and the rest.
    pub fn parse(buf: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        let first = be16(buf, 0)?;
        let len = usize::from(be16(buf, 2)?);
        // protocol-facts §8.3 item 4: a Message Length below 4 cannot hold the Message ID.
        if len < 4 {
            return Err(Error::BadLength {
                field: "message length",
                value: len,
            });
        }
        let end = 4 + len;
        let body = buf.get(HEADER_LEN..end).ok_or(Error::Truncated {
            needed: end,
            got: buf.len(),
        })?;
        let msg = Self {
            u_bit: first & MSG_U_BIT != 0,
            msg_type: MessageType(first & !MSG_U_BIT),
            id: be32(buf, 4)?,
            body,
        };
        Ok((msg, buf.get(end..).unwrap_or_default()))
    }

    /// The TLVs of the body.
    pub fn tlvs(&self) -> Tlvs<'a> {
        Tlvs::new(self.body)
    }

    /// Header plus body.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.body.len()
    }

    /// The ICC RG ID, if this is an ICC message whose first TLV is the RG ID TLV.
    pub fn rg_id(&self) -> Option<u32> {
        match self.body.get(..8) {
            Some(&[0x00, 0x05, 0x00, 0x04, a, b, c, d]) => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }
}

/// Iterates the messages packed one after another in an LDP PDU body or an L2 frame payload.
#[derive(Debug, Clone, Copy)]
pub struct RawMessages<'a>(&'a [u8]);

impl<'a> RawMessages<'a> {
    /// Messages in `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self(buf)
    }
}

impl<'a> Iterator for RawMessages<'a> {
    type Item = Result<RawMessage<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        match RawMessage::parse(self.0) {
            Ok((m, rest)) => {
                self.0 = rest;
                Some(Ok(m))
            }
            Err(e) => {
                self.0 = &[];
                Some(Err(e))
            }
        }
    }
}

/// An ICC message (RFC 7275 §6.1): the repr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IccMessage<'a> {
    /// One of the four ICC message types.
    pub msg_type: MessageType,
    /// The Message ID.
    pub id: u32,
    /// The ICC RG ID (the mandatory first TLV).
    pub rg_id: u32,
    /// The TLVs after the RG ID, in order (unknown U=1 TLVs included as [`Param::Unknown`]).
    pub params: Vec<Param<'a>>,
}

impl<'a> IccMessage<'a> {
    /// Decodes and validates an ICC message from a raw message: type 0x0700..=0x0703, first TLV
    /// the ICC RG ID, every TLV well-formed, unknown U=0 TLVs rejected, and the mandatory TLV of
    /// each type present (RG Connect: Sender Name, §6.1.1; RG Disconnect: Disconnect Code,
    /// §6.1.3; RG Notification: NAK, §6.1.4).
    pub fn parse(raw: &RawMessage<'a>) -> Result<Self, Error> {
        if !raw.msg_type.is_icc() {
            return Err(Error::NotIcc(raw.msg_type.0));
        }
        let rg_id = raw.rg_id().ok_or(Error::MissingTlv(param::RG_ID))?;
        let mut params = Vec::new();
        for tlv in Tlvs::new(raw.body.get(8..).unwrap_or_default()) {
            params.push(Param::parse(tlv?)?);
        }
        let mandatory = match raw.msg_type {
            MessageType::RG_CONNECT => Some(param::SENDER_NAME),
            MessageType::RG_DISCONNECT => Some(param::DISCONNECT_CODE),
            MessageType::RG_NOTIFICATION => Some(param::NAK),
            _ => None,
        };
        if let Some(ty) = mandatory
            && !params.iter().any(|p| p.ty() == ty)
        {
            return Err(Error::MissingTlv(ty));
        }
        Ok(Self {
            msg_type: raw.msg_type,
            id: raw.id,
            rg_id,
            params,
        })
    }

    /// Decodes one ICC message that fills `buf` exactly.
    pub fn parse_bytes(buf: &'a [u8]) -> Result<Self, Error> {
        let (raw, rest) = RawMessage::parse(buf)?;
        if !rest.is_empty() {
            return Err(Error::BadLength {
                field: "trailing octets after message",
                value: rest.len(),
            });
        }
        Self::parse(&raw)
    }

    /// Encoded length.
    pub fn buffer_len(&self) -> usize {
        ICC_HEADER_LEN + self.params.iter().map(Param::buffer_len).sum::<usize>()
    }

    /// Writes the message (U = 0); returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        emit_icc(buf, self.msg_type, self.id, self.rg_id, &self.params)
    }

    /// The first parameter of the given 14-bit type.
    pub fn param(&self, ty: u16) -> Option<&Param<'a>> {
        self.params.iter().find(|p| p.ty() == ty)
    }
}

/// Writes an ICC message (U = 0) from its parts without building an [`IccMessage`].
pub fn emit_icc(
    buf: &mut [u8],
    msg_type: MessageType,
    id: u32,
    rg_id: u32,
    params: &[Param<'_>],
) -> Result<usize, Error> {
    let mut w = Writer::new(buf);
    write_icc(&mut w, msg_type, id, rg_id, params)?;
    Ok(w.pos())
}

pub(crate) fn write_icc(
    w: &mut Writer<'_>,
    msg_type: MessageType,
    id: u32,
    rg_id: u32,
    params: &[Param<'_>],
) -> Result<(), Error> {
    let start = w.pos();
    w.u16(msg_type.0 & !MSG_U_BIT)?;
    w.u16(0)?; // patched below
    w.u32(id)?;
    w.put(&[0x00, 0x05, 0x00, 0x04])?;
    w.u32(rg_id)?;
    for p in params {
        p.write(w)?;
    }
    let len = len16(w.pos() - start - 4, "message length")?;
    w.patch16(start + 2, len)
}

/// Writes a generic LDP message: header and the given TLV body octets.
pub fn emit_raw(buf: &mut [u8], msg: &RawMessage<'_>) -> Result<usize, Error> {
    let mut w = Writer::new(buf);
    let u = if msg.u_bit { MSG_U_BIT } else { 0 };
    w.u16(u | (msg.msg_type.0 & !MSG_U_BIT))?;
    w.u16(len16(4 + msg.body.len(), "message length")?)?;
    w.u32(msg.id)?;
    w.put(msg.body)?;
    Ok(w.pos())
}
