//! BPDU wire formats (IEEE 802.1D-2004 clause 9, IEEE 802.1Q-2022 clause 14).
//!
//! * [`frame`] — the Ethernet/LLC envelope: an 802.3 length-encapsulated frame to the Bridge Group
//!   Address with LLC DSAP = SSAP = 0x42 and UI control; priority-tagged frames are accepted.
//!   Cisco PVST+ (SNAP 00-00-0C / 0x010B to 01-00-0C-CC-CC-CD) is recognised and reported, not
//!   parsed as an IEEE BPDU.
//! * [`bpdu`] — the BPDU itself: [`Bpdu::parse`] applies the receive validation of 802.1D-2004
//!   §9.3.4 and 802.1Q-2022 §14.4 (see below) and yields a Configuration, TCN, RST or MST BPDU;
//!   [`Bpdu::emit`] writes exactly the octets the standard defines.
//! * [`rootseq`] — the root sequencing trailer after an RST BPDU (an extension, off by
//!   default).
//! * [`mcid`] — the MST Configuration Identifier and the configuration digest (HMAC-MD5 over the
//!   VID → MSTID table with the key of 802.1Q Table 13-1).
//!
//! # Receive validation (802.1Q-2022 §14.4, 802.1D-2004 §9.3.4)
//! * fewer than 4 octets, or a Protocol Identifier other than 0 → [`Error::Truncated`] /
//!   [`Error::BadProtocolId`];
//! * BPDU Type 0x00 → Configuration BPDU if at least 35 octets;
//! * BPDU Type 0x80 → TCN BPDU (4 octets suffice);
//! * BPDU Type 0x02 with Protocol Version 2 and at least 36 octets → RST BPDU;
//! * BPDU Type 0x02 with Protocol Version ≥ 3 and at least 35 octets → an MST BPDU if it has at
//!   least 102 octets, Version 1 Length 0 and a Version 3 Length that is 64 plus a multiple of 16
//!   (at most 64 MSTI messages) and fits the buffer; otherwise it is processed as an RST BPDU;
//! * BPDU Type 0x02 with Protocol Version 0 or 1, and any other type → [`Error::BadBpduType`].
//!
//! **Encoding normalises one case:** a BPDU of exactly 35 octets with Protocol Version ≥ 3 has
//! no Version 1 Length octet; it decodes as an RST BPDU (Version 1 Length 0) and encodes as the
//! 36-octet RST BPDU the standard defines. decode(encode(x)) == x holds; only the original
//! octets are not reproduced (`mlag decode` reports it as `normalised`).
//! [`RstView::lacks_version_1_length`] tells a receiver it saw that case.
//!
//! # Borrowed views
//! [`BpduView::parse`] validates once and returns references into the received octets; fields
//! are read at fixed offsets when asked for. It is the receive fast path (no 128-octet
//! [`Bpdu`] built and moved), and the one implementation of the rules above: [`Bpdu::parse`] is
//! `BpduView::parse` plus [`BpduView::to_bpdu`].
//!
//! Checks that need the receiving port's context — Message Age < Max Age for Configuration BPDUs
//! and a BPDU that carries the port's own Bridge and Port Identifier — belong to the bridge; see
//! [`bpdu::ConfigBpdu::is_acceptable`].

pub mod bpdu;
pub mod frame;
pub mod mcid;
mod md5;
pub mod rootseq;
pub mod view;

pub use bpdu::{
    Bpdu, BpduFlags, BpduTime, BridgeId, ConfigBpdu, MstBpdu, MstiConfigMessage, MstiMessages,
    PortId, PortRole, RstBpdu,
};
pub use frame::{BpduFrame, FrameKind};
pub use mcid::{MstConfigId, VidToMstid};
pub use rootseq::{RootSeqTrailer, SeqRequest, seq_newer};
pub use view::{BodyView, BpduView, MstView, RstView};

/// A wire-format error: cheap, allocation-free and structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The buffer ends before the BPDU or header does.
    #[error("truncated: needed {needed} octets, got {got}")]
    Truncated {
        /// Octets needed.
        needed: usize,
        /// Octets available.
        got: usize,
    },
    /// The Protocol Identifier is not 0 (Spanning Tree Protocol).
    #[error("protocol identifier 0x{0:04x} is not the spanning tree protocol")]
    BadProtocolId(u16),
    /// The BPDU Type (with its Protocol Version) is not one the standard defines.
    #[error("BPDU type 0x{ty:02x} with protocol version {version} is not valid")]
    BadBpduType {
        /// The BPDU Type octet.
        ty: u8,
        /// The Protocol Version octet.
        version: u8,
    },
    /// The frame is not an 802.3 length-encapsulated LLC frame, or the length field is wrong.
    #[error("bad 802.3 length field {0}")]
    BadLength(u16),
    /// The LLC header is not DSAP 0x42, SSAP 0x42, UI.
    #[error("LLC header {0:02x?} is not the spanning tree LLC (42 42 03)")]
    BadLlc([u8; 3]),
    /// Too many MSTI configuration messages to encode (at most 64).
    #[error("{0} MSTI configuration messages; at most 64 fit a BPDU")]
    TooManyMstis(usize),
}
