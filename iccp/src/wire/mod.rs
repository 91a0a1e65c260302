//! Wire formats: ICC messages and TLVs (RFC 7275), the LDP PDU framing over TCP (RFC 5036) and
//! the L2 framing on the peer-port.
//!
//! Layers, outermost first:
//!
//! * **Framings** — [`l2`]: an Ethernet frame to 01:80:C2:00:00:0E, EtherType 0x88B5, with a
//!   24-octet header carrying incarnations, frame number, sequence and cumulative acknowledgement
//!   numbers and an optional HMAC-SHA256 trailer; [`ldp`]: the 10-octet LDP PDU header of RFC
//!   5036 §3.1 and a [`ldp::Deframer`] that cuts PDUs out of a TCP byte stream fed in arbitrary
//!   pieces.
//! * **Messages** — both framings carry a sequence of LDP-encoded messages ([`message`]): the
//!   RFC 5036 §3.5 header (U-bit, 15-bit type, length, message ID) and a TLV body. ICC messages
//!   (RG Connect/Disconnect/Notification/Application Data, RFC 7275 §6.1) start with the ICC RG
//!   ID TLV; [`message::IccMessage`] is their repr. LDP's own Initialization, KeepAlive,
//!   Capability and Notification messages are [`ldp::LdpMessage`]s.
//! * **TLVs** — [`tlv`]: the U/F/type/length header and a checked iterator; [`param`]: the typed
//!   ICC parameters, the mLACP application TLVs (RFC 7275 §7.2) and this crate's vendor TLVs.
//!
//! Decoding never panics and never reads past a length that was not checked: every view is built
//! from a slice whose length was validated first, and every failure is a typed [`Error`].
//! [`decode_l2_frame`] and [`decode_ldp_pdu`] decode a whole frame or PDU into a printable value
//! for tools such as `mlag decode`.
//!
//! # Unknown TLVs and messages
//! RFC 5036 §3.3 / RFC 7275 §6.1.2: a TLV whose type is not understood is silently skipped when
//! its U-bit is 1 and makes the whole message rejected when its U-bit is 0
//! ([`Error::UnknownTlv`]). The F-bit only matters for forwarding, which ICCP never does.
//!
//! # Vendor TLVs
//! What RFC 7275 does not carry (heartbeat, election data, FDB deltas and snapshots, STP relay,
//! consistency-check data) travels in vendor TLVs of types 0x3E00–0x3E05, sent with U=1 and F=0
//! so that an RFC peer ignores them. Each vendor TLV value starts with a format-version octet
//! ([`param::VENDOR_FORMAT_VERSION`]); a TLV with an unknown version is treated as an unknown
//! U=1 TLV. Layouts: see [`param`].

pub mod decode;
pub mod l2;
pub mod ldp;
pub mod message;
pub mod param;
pub mod tlv;

pub use decode::{DecodedL2Frame, DecodedLdpPdu, DecodedMessage, decode_l2_frame, decode_ldp_pdu};
pub use l2::{L2Flags, L2Frame, L2Header};
pub use ldp::{Deframer, LdpMessage, LdpPduHeader};
pub use message::{IccMessage, MessageType, RawMessage, RawMessages, StatusCode};
pub use param::Param;
pub use tlv::{Tlv, Tlvs};

/// A wire-format error. Cheap (`Copy`), allocation-free and structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends before the structure does.
    #[error("truncated: needed {needed} octets, got {got}")]
    Truncated {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// A length field is impossible (shorter than the fixed part, longer than allowed…).
    #[error("bad length {value} in {field}")]
    BadLength {
        /// Which length field.
        field: &'static str,
        /// Its value.
        value: usize,
    },
    /// An unsupported version number (LDP PDU version, L2 header version).
    #[error("unsupported version {0}")]
    BadVersion(u16),
    /// A known TLV whose length does not match its type's layout.
    #[error("malformed TLV type 0x{ty:04x} with length {len}")]
    BadTlv {
        /// The 14-bit TLV type.
        ty: u16,
        /// The TLV length field.
        len: u16,
    },
    /// An unknown TLV with the U-bit clear: the whole message must be rejected.
    #[error("unknown TLV type 0x{0:04x} with U=0")]
    UnknownTlv(u16),
    /// A mandatory TLV is missing (the 14-bit type that was expected).
    #[error("missing mandatory TLV 0x{0:04x}")]
    MissingTlv(u16),
    /// Not an ICC message type (0x0700..=0x0703).
    #[error("not an ICC message: type 0x{0:04x}")]
    NotIcc(u16),
    /// The EtherType is not the ICCP L2 EtherType (0x88B5).
    #[error("unexpected EtherType 0x{0:04x}")]
    BadEtherType(u16),
    /// Text that must be UTF-8 is not.
    #[error("invalid UTF-8 in TLV 0x{0:04x}")]
    BadUtf8(u16),
    /// The output buffer is too small for `emit`.
    #[error("output buffer too small: needed {needed}, got {got}")]
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// A value too large to encode (a name longer than 255 octets, a TLV over 65535 octets…).
    #[error("value too large to encode in {0}")]
    TooLarge(&'static str),
}

/// Reads a big-endian u16 at `at`, or a [`Error::Truncated`].
pub(crate) fn be16(buf: &[u8], at: usize) -> Result<u16, Error> {
    match buf.get(at..at + 2) {
        Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
        _ => Err(Error::Truncated {
            needed: at + 2,
            got: buf.len(),
        }),
    }
}

/// Reads a big-endian u32 at `at`, or a [`Error::Truncated`].
pub(crate) fn be32(buf: &[u8], at: usize) -> Result<u32, Error> {
    match buf.get(at..at + 4) {
        Some(&[a, b, c, d]) => Ok(u32::from_be_bytes([a, b, c, d])),
        _ => Err(Error::Truncated {
            needed: at + 4,
            got: buf.len(),
        }),
    }
}

/// Reads one octet at `at`.
pub(crate) fn byte(buf: &[u8], at: usize) -> Result<u8, Error> {
    buf.get(at).copied().ok_or(Error::Truncated {
        needed: at + 1,
        got: buf.len(),
    })
}

/// Reads a MAC address at `at`.
pub(crate) fn mac(buf: &[u8], at: usize) -> Result<l2_types::MacAddr, Error> {
    buf.get(at..at + 6)
        .and_then(l2_types::MacAddr::from_slice)
        .ok_or(Error::Truncated {
            needed: at + 6,
            got: buf.len(),
        })
}

/// A bounds-checked writer over an output buffer: every `put` fails with
/// [`Error::BufferTooSmall`] instead of panicking.
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let end = self.pos + bytes.len();
        let got = self.buf.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(Error::BufferTooSmall { needed: end, got })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Result<(), Error> {
        self.put(&[v])
    }

    pub(crate) fn u16(&mut self, v: u16) -> Result<(), Error> {
        self.put(&v.to_be_bytes())
    }

    pub(crate) fn u32(&mut self, v: u32) -> Result<(), Error> {
        self.put(&v.to_be_bytes())
    }

    /// Writes a big-endian u16 at an earlier position (a length field filled in afterwards).
    pub(crate) fn patch16(&mut self, at: usize, v: u16) -> Result<(), Error> {
        let got = self.buf.len();
        let dst = self.buf.get_mut(at..at + 2).ok_or(Error::BufferTooSmall {
            needed: at + 2,
            got,
        })?;
        dst.copy_from_slice(&v.to_be_bytes());
        Ok(())
    }
}

/// Converts a length to a u16 length field, or [`Error::TooLarge`].
pub(crate) fn len16(len: usize, what: &'static str) -> Result<u16, Error> {
    u16::try_from(len).map_err(|_| Error::TooLarge(what))
}
