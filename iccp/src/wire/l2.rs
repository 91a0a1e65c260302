//! The L2 framing on the peer-port (no IP): an Ethernet frame to 01:80:C2:00:00:0E (the nearest
//! bridge group address, never forwarded by a bridge), EtherType 0x88B5 (IEEE 802 local
//! experimental, what RouterOS is reported to use), carrying this crate's 24-octet header, a
//! payload of LDP-encoded messages and, when authentication is on, an HMAC-SHA256 trailer.
//!
//! Header, format version 1 (offsets from the first octet after the EtherType):
//!
//! | off | size | field | meaning |
//! |---|---|---|---|
//! | 0 | 1 | Version | 1 |
//! | 1 | 1 | Flags | 0x01 DATA: `seq` is valid and the payload belongs to the reliable stream; 0x02 AUTH: a 32-octet HMAC-SHA256 follows the payload; other bits reserved (sent 0, ignored) |
//! | 2 | 2 | Payload Length | octets of messages after the header |
//! | 4 | 4 | Sender Incarnation | random, non-zero, chosen by the sender at each (re)start of its session |
//! | 8 | 4 | Receiver Incarnation | the sender's view of the receiver's incarnation (0 = not known yet) |
//! | 12 | 4 | Frame Number | incremented for every frame sent (retransmissions included): replay protection |
//! | 16 | 4 | Sequence Number | position of a DATA frame in the reliable stream (from 1; 0 in non-DATA frames) |
//! | 20 | 4 | Acknowledgement | cumulative: every DATA frame with a sequence number ≤ this was received |
//! | 24 | n | Payload | LDP-encoded messages (RFC 5036 §3.5), the same octets RFC 7275 puts in an LDP PDU |
//! | 24+n | 32 | HMAC | HMAC-SHA256 (RFC 2104, FIPS 180-4) with the shared key over octets 0..24+n (AUTH only) |
//!
//! Frames shorter than the 60-octet Ethernet minimum are zero-padded after the HMAC (or the
//! payload); receivers ignore octets after them.

use super::{Error, Writer, be16, be32, byte, len16, mac};
use hmac::{Hmac, Mac};
use l2_types::{EtherType, MacAddr};
use sha2::Sha256;

/// Length of the Ethernet header (untagged).
pub const ETH_HEADER_LEN: usize = 14;
/// Length of the ICCP L2 header.
pub const HEADER_LEN: usize = 24;
/// Length of the HMAC-SHA256 trailer.
pub const AUTH_LEN: usize = 32;
/// The header format version.
pub const L2_VERSION: u8 = 1;
/// Longest frame this crate sends (1500-octet MTU + Ethernet header).
pub const FRAME_MAX: usize = 1514;
/// Longest payload that fits a [`FRAME_MAX`] frame with the HMAC trailer.
pub const PAYLOAD_MAX: usize = FRAME_MAX - ETH_HEADER_LEN - HEADER_LEN - AUTH_LEN;
/// The destination address of every ICCP L2 frame.
pub const DESTINATION: MacAddr = MacAddr::NEAREST_BRIDGE;
/// The EtherType of ICCP L2 frames.
pub const ETHERTYPE: EtherType = EtherType::LOCAL_EXPERIMENTAL_1;
/// Minimum Ethernet frame length without the FCS.
const ETH_MIN: usize = 60;

/// L2 header flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct L2Flags(pub u8);

impl L2Flags {
    /// The frame carries a reliable-stream payload at `seq`.
    pub const DATA: Self = Self(0x01);
    /// An HMAC-SHA256 trailer follows the payload.
    pub const AUTH: Self = Self(0x02);

    /// True if every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of bits.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// The ICCP L2 header (repr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct L2Header {
    /// Flags.
    pub flags: L2Flags,
    /// Sender incarnation.
    pub sender: u32,
    /// Receiver incarnation as known to the sender (0 = unknown).
    pub receiver: u32,
    /// Frame number.
    pub frame_no: u32,
    /// Sequence number (DATA frames).
    pub seq: u32,
    /// Cumulative acknowledgement.
    pub ack: u32,
}

/// A decoded ICCP L2 frame, borrowing the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L2Frame<'a> {
    /// Destination MAC address (01:80:C2:00:00:0E when sent by this crate).
    pub dst: MacAddr,
    /// Source MAC address.
    pub src: MacAddr,
    /// The L2 header.
    pub header: L2Header,
    /// The messages.
    pub payload: &'a [u8],
    /// The HMAC trailer, when the AUTH flag is set.
    pub auth: Option<&'a [u8]>,
    /// The authenticated octets (header and payload), for [`Authenticator::verify`].
    pub signed: &'a [u8],
}

impl<'a> L2Frame<'a> {
    /// Parses an Ethernet frame: EtherType 0x88B5, version 1, payload and trailer in bounds.
    /// Octets after the payload (and trailer) are Ethernet padding and are ignored.
    pub fn parse(frame: &'a [u8]) -> Result<Self, Error> {
        let ethertype = be16(frame, 12)?;
        if ethertype != ETHERTYPE.0 {
            return Err(Error::BadEtherType(ethertype));
        }
        let h = frame.get(ETH_HEADER_LEN..).unwrap_or_default();
        let (header, payload_len) = parse_header(h)?;
        let end = HEADER_LEN + payload_len;
        let payload = h.get(HEADER_LEN..end).ok_or(Error::Truncated {
            needed: ETH_HEADER_LEN + end,
            got: frame.len(),
        })?;
        let signed = h.get(..end).unwrap_or_default();
        let auth = if header.flags.contains(L2Flags::AUTH) {
            Some(h.get(end..end + AUTH_LEN).ok_or(Error::Truncated {
                needed: ETH_HEADER_LEN + end + AUTH_LEN,
                got: frame.len(),
            })?)
        } else {
            None
        };
        Ok(Self {
            dst: mac(frame, 0)?,
            src: mac(frame, 6)?,
            header,
            payload,
            auth,
            signed,
        })
    }

    /// Writes a whole frame; returns its length (padded to 60 octets). With `auth`, the AUTH flag
    /// is set and the HMAC appended.
    pub fn emit(
        buf: &mut [u8],
        src: MacAddr,
        header: &L2Header,
        payload: &[u8],
        auth: Option<&Authenticator>,
    ) -> Result<usize, Error> {
        let at = ETH_HEADER_LEN + HEADER_LEN;
        let got = buf.len();
        buf.get_mut(at..at + payload.len())
            .ok_or(Error::BufferTooSmall {
                needed: at + payload.len(),
                got,
            })?
            .copy_from_slice(payload);
        finish_frame(buf, src, header, payload.len(), auth)
    }
}

/// Parses the 24-octet header; returns it and the payload length.
fn parse_header(h: &[u8]) -> Result<(L2Header, usize), Error> {
    if h.len() < HEADER_LEN {
        return Err(Error::Truncated {
            needed: ETH_HEADER_LEN + HEADER_LEN,
            got: ETH_HEADER_LEN + h.len(),
        });
    }
    let version = byte(h, 0)?;
    if version != L2_VERSION {
        return Err(Error::BadVersion(u16::from(version)));
    }
    let header = L2Header {
        flags: L2Flags(byte(h, 1)?),
        sender: be32(h, 4)?,
        receiver: be32(h, 8)?,
        frame_no: be32(h, 12)?,
        seq: be32(h, 16)?,
        ack: be32(h, 20)?,
    };
    Ok((header, usize::from(be16(h, 2)?)))
}

/// Completes a frame whose payload (`payload_len` octets) is already in place at offset
/// `ETH_HEADER_LEN + HEADER_LEN` of `buf`: writes the Ethernet and L2 headers, the HMAC trailer
/// and the padding. Returns the frame length.
pub fn finish_frame(
    buf: &mut [u8],
    src: MacAddr,
    header: &L2Header,
    payload_len: usize,
    auth: Option<&Authenticator>,
) -> Result<usize, Error> {
    let mut flags = header.flags;
    if auth.is_some() {
        flags = flags.union(L2Flags::AUTH);
    } else {
        flags = L2Flags(flags.0 & !L2Flags::AUTH.0);
    }
    let signed_end = ETH_HEADER_LEN + HEADER_LEN + payload_len;
    let end = signed_end + if auth.is_some() { AUTH_LEN } else { 0 };
    let total = end.max(ETH_MIN);
    if buf.len() < total {
        return Err(Error::BufferTooSmall {
            needed: total,
            got: buf.len(),
        });
    }
    let mut w = Writer::new(buf);
    w.put(&DESTINATION.0)?;
    w.put(&src.0)?;
    w.u16(ETHERTYPE.0)?;
    w.u8(L2_VERSION)?;
    w.u8(flags.0)?;
    w.u16(len16(payload_len, "L2 payload length")?)?;
    w.u32(header.sender)?;
    w.u32(header.receiver)?;
    w.u32(header.frame_no)?;
    w.u32(header.seq)?;
    w.u32(header.ack)?;
    if let Some(a) = auth {
        let tag = a.sign(buf.get(ETH_HEADER_LEN..signed_end).unwrap_or_default());
        if let Some(dst) = buf.get_mut(signed_end..end) {
            dst.copy_from_slice(&tag);
        }
    }
    if let Some(pad) = buf.get_mut(end..total) {
        pad.fill(0);
    }
    Ok(total)
}

/// HMAC-SHA256 over frames with a shared key.
#[derive(Clone)]
pub struct Authenticator {
    keyed: Hmac<Sha256>,
}

impl core::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Authenticator { key: <hidden> }")
    }
}

impl Authenticator {
    /// A signer/verifier with `key` (any length; RFC 2104 hashes keys longer than the block).
    pub fn new(key: &[u8]) -> Self {
        // `new_from_slice` accepts keys of every length for HMAC; the fallback is unreachable.
        let keyed = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
        Self { keyed }
    }

    /// The 32-octet tag of `data`.
    pub fn sign(&self, data: &[u8]) -> [u8; AUTH_LEN] {
        let mut m = self.keyed.clone();
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Constant-time check of `tag` against `data`.
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        let mut m = self.keyed.clone();
        m.update(data);
        m.verify_slice(tag).is_ok()
    }
}
