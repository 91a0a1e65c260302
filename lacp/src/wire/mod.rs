//! Wire formats: the Slow Protocols Ethernet header, LACPDU v1/v2 and the Marker PDUs.
//!
//! Every PDU comes in two levels, as in smoltcp:
//!
//! * a **view** (`Packet<T: AsRef<[u8]>>`) over a byte buffer. [`lacpdu::Packet::new_checked`]
//!   checks the length once; after that no getter can panic. Setters exist when `T: AsMut<[u8]>`.
//! * a **repr**, a plain value ([`LacpduRepr`], [`MarkerRepr`]) with `parse(&Packet)`,
//!   `buffer_len()` and `emit(&mut Packet)`. Parsing never allocates; `emit` writes exactly the
//!   octets the standard defines (reserved octets zero, padding to 110 octets).
//!
//! Offsets are named ranges in a private `field` module of each PDU, counted from the Subtype
//! octet as in IEEE 802.1AX-2014 Figure 6-7 (LACPDU) and Figure 6-19 (Marker PDU).
//!
//! # Receive validation
//! IEEE 802.1AX (and 802.3 clause 43 before it) tells receivers *not* to validate the Version
//! Number, the TLV_type octets of the fixed v1 TLVs or the Reserved octets, so that later versions
//! interoperate. What is checked here:
//!
//! * the PDU is at least 110 octets from the Subtype (a shorter one is [`Error::Truncated`]);
//!   longer PDUs (LACPv2 long LACPDUs, vendor trailers, Ethernet padding) are accepted;
//! * the Subtype is LACP (1) or Marker (2) for the respective PDU ([`Error::BadSubtype`]);
//! * for LACPDUs with Version ≥ 2, the TLV chain between the Collector TLV and the Terminator is
//!   well formed: each TLV length covers at least its own 2-octet header, no TLV runs past the
//!   buffer, and a Terminator is present ([`Error::BadTlv`]); the fixed lengths of the v2 TLVs the
//!   standard defines are checked ([`Error::BadTlv`]);
//! * for Marker PDUs, the TLV type is Marker Information (1) or Marker Response Information (2)
//!   ([`Error::BadMarkerTlv`]) — anything else is counted as an unknown Marker PDU.
//!
//! Strictness beyond the standard is available separately: [`lacpdu::Packet::conformance`] reports
//! octets that a conformant transmitter would have set differently (TLV types and lengths of the
//! fixed TLVs, non-zero reserved octets), for diagnostics and decoders such as `mlag decode`.

pub mod ethernet;
pub mod lacpdu;
pub mod marker;
mod state;
pub mod tlv;

pub use ethernet::{EthernetRepr, SlowPdu};
pub use lacpdu::{LacpduRepr, PortInfo};
pub use marker::{MarkerKind, MarkerRepr};
pub use state::PortState;
pub use tlv::{Tlv, Tlvs};

/// Slow Protocols Subtype for LACP (IEEE 802.3 Annex 57A, Table 57A-3).
pub const SUBTYPE_LACP: u8 = 1;
/// Slow Protocols Subtype for the Marker protocol.
pub const SUBTYPE_MARKER: u8 = 2;
/// Slow Protocols Subtype for 802.3 clause 57 OAM (recognised, not decoded here).
pub const SUBTYPE_OAM: u8 = 3;
/// Slow Protocols Subtype for the Organization Specific Slow Protocol.
pub const SUBTYPE_OSSP: u8 = 10;

/// Length of a LACPDU v1 or Marker PDU from the Subtype octet to the end: 110 octets.
pub const PDU_LEN: usize = 110;

/// A wire-format error. Cheap (`Copy`), allocation-free and structured, so callers can match on
/// the cause and count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends before the PDU does.
    #[error("truncated: needed {needed} octets, got {got}")]
    Truncated {
        /// Octets the PDU needs.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// The Slow Protocols Subtype is not the one this PDU expects.
    #[error("unexpected slow protocols subtype {0}")]
    BadSubtype(u8),
    /// The EtherType is not Slow Protocols (0x8809).
    #[error("unexpected EtherType 0x{0:04x}")]
    BadEtherType(u16),
    /// A malformed TLV in a LACPv2 TLV chain.
    #[error("malformed TLV type 0x{ty:02x} with length {len}")]
    BadTlv {
        /// The TLV type octet.
        ty: u8,
        /// The TLV length octet (including the 2-octet header).
        len: u8,
    },
    /// The Marker TLV type is neither Marker Information nor Marker Response Information.
    #[error("unknown marker TLV type {0}")]
    BadMarkerTlv(u8),
    /// The Version Number is 0 (no version of the protocol uses it).
    #[error("illegal version number {0}")]
    BadVersion(u8),
}
