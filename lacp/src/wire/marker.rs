//! The Marker PDU and Marker Response PDU (IEEE 802.1AX-2014 §6.5.3, Figure 6-19).
//!
//! ```text
//! off len field
//!   0   1 Subtype = 2 (Marker)
//!   1   1 Version Number = 1
//!   2   1 TLV_type: 1 = Marker Information, 2 = Marker Response Information
//!   3   1 Marker_Information_Length = 16
//!   4   2 Requester_Port
//!   6   6 Requester_System
//!  12   4 Requester_Transaction_ID
//!  16   2 Pad = 0
//!  18   2 TLV_type = 0 (Terminator), Terminator_Length = 0
//!  20  90 Reserved
//! ```
//! A responder answers a Marker Information PDU with the same fields and TLV_type 2 (§6.5.4.2).

use super::{Error, PDU_LEN, SUBTYPE_MARKER};
use byteorder::{ByteOrder, NetworkEndian};
use l2_types::MacAddr;

mod field {
    pub(super) type Field = core::ops::Range<usize>;
    pub(super) const VERSION: usize = 1;
    pub(super) const TLV_TYPE: usize = 2;
    pub(super) const TLV_LEN: usize = 3;
    pub(super) const REQUESTER_PORT: Field = 4..6;
    pub(super) const REQUESTER_SYSTEM: Field = 6..12;
    pub(super) const REQUESTER_TRANSACTION_ID: Field = 12..16;
    pub(super) const PAD: Field = 16..18;
}

/// Marker_Information_Length / Marker_Response_Information_Length.
pub const MARKER_INFORMATION_LENGTH: u8 = 16;
/// The Version Number this implementation sends.
pub const MARKER_VERSION: u8 = 1;

/// Which of the two Marker PDUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerKind {
    /// A Marker PDU (TLV_type 1, Marker Information).
    Information,
    /// A Marker Response PDU (TLV_type 2, Marker Response Information).
    Response,
}

impl MarkerKind {
    /// The TLV_type octet.
    pub const fn tlv_type(self) -> u8 {
        match self {
            Self::Information => 1,
            Self::Response => 2,
        }
    }

    /// The snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Information => "marker_information",
            Self::Response => "marker_response_information",
        }
    }
}

/// A decoded Marker or Marker Response PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MarkerRepr {
    /// Marker Information or Marker Response Information.
    pub kind: MarkerKind,
    /// Version Number (1; received values are not validated).
    pub version: u8,
    /// Requester_Port.
    pub requester_port: u16,
    /// Requester_System.
    pub requester_system: MacAddr,
    /// Requester_Transaction_ID.
    pub requester_transaction_id: u32,
    /// The Pad field (transmitted as zero; kept so a received PDU round-trips).
    pub pad: u16,
}

impl MarkerRepr {
    /// Parses a Marker PDU from the Subtype octet on.
    ///
    /// Checked: at least 110 octets, Subtype 2, TLV_type 1 or 2. Not checked, as the standard
    /// says: the Version Number, the length octet and the reserved octets.
    pub fn parse(b: &[u8]) -> Result<Self, Error> {
        if b.len() < PDU_LEN {
            return Err(Error::Truncated {
                needed: PDU_LEN,
                got: b.len(),
            });
        }
        match b.first() {
            Some(&SUBTYPE_MARKER) => {}
            Some(&other) => return Err(Error::BadSubtype(other)),
            None => {
                return Err(Error::Truncated {
                    needed: PDU_LEN,
                    got: 0,
                });
            }
        }
        let octet = |at: usize| b.get(at).copied().unwrap_or(0);
        let kind = match octet(field::TLV_TYPE) {
            1 => MarkerKind::Information,
            2 => MarkerKind::Response,
            other => return Err(Error::BadMarkerTlv(other)),
        };
        let u16_at = |r: field::Field| b.get(r).map_or(0, NetworkEndian::read_u16);
        Ok(Self {
            kind,
            version: octet(field::VERSION),
            requester_port: u16_at(field::REQUESTER_PORT),
            requester_system: b
                .get(field::REQUESTER_SYSTEM)
                .and_then(MacAddr::from_slice)
                .unwrap_or_default(),
            requester_transaction_id: b
                .get(field::REQUESTER_TRANSACTION_ID)
                .map_or(0, NetworkEndian::read_u32),
            pad: u16_at(field::PAD),
        })
    }

    /// The Marker Response a responder sends for this Marker PDU (§6.5.4.2: same requester
    /// fields, TLV_type Marker Response Information).
    pub fn response(&self) -> Self {
        Self {
            kind: MarkerKind::Response,
            version: MARKER_VERSION,
            pad: 0,
            ..*self
        }
    }

    /// Always 110.
    pub const fn buffer_len(&self) -> usize {
        PDU_LEN
    }

    /// Writes the 110-octet PDU into `buf`; returns 110.
    ///
    /// # Errors
    /// [`Error::Truncated`] if `buf` is shorter than 110 octets.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let got = buf.len();
        let out = buf.get_mut(..PDU_LEN).ok_or(Error::Truncated {
            needed: PDU_LEN,
            got,
        })?;
        out.fill(0);
        let mut put = |at: usize, v: u8| {
            if let Some(b) = out.get_mut(at) {
                *b = v;
            }
        };
        put(0, SUBTYPE_MARKER);
        put(field::VERSION, self.version);
        put(field::TLV_TYPE, self.kind.tlv_type());
        put(field::TLV_LEN, MARKER_INFORMATION_LENGTH);
        if let Some(s) = out.get_mut(field::REQUESTER_PORT) {
            NetworkEndian::write_u16(s, self.requester_port);
        }
        if let Some(s) = out.get_mut(field::REQUESTER_SYSTEM) {
            s.copy_from_slice(&self.requester_system.0);
        }
        if let Some(s) = out.get_mut(field::REQUESTER_TRANSACTION_ID) {
            NetworkEndian::write_u32(s, self.requester_transaction_id);
        }
        if let Some(s) = out.get_mut(field::PAD) {
            NetworkEndian::write_u16(s, self.pad);
        }
        Ok(PDU_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden() -> [u8; 110] {
        let mut b = [0u8; 110];
        b[..20].copy_from_slice(&[
            0x02, 0x01, 0x01, 0x10, // subtype, version, Marker Information, length 16
            0x00, 0x07, // requester port 7
            0x00, 0x13, 0xc4, 0x12, 0x0f, 0x00, // requester system
            0x00, 0x00, 0x12, 0x34, // transaction id
            0x00, 0x00, 0x00, 0x00, // pad, terminator
        ]);
        b
    }

    #[test]
    fn round_trip_and_response() {
        let b = golden();
        let m = MarkerRepr::parse(&b).unwrap();
        assert_eq!(m.kind, MarkerKind::Information);
        assert_eq!(m.requester_port, 7);
        assert_eq!(m.requester_transaction_id, 0x1234);
        let mut out = [0u8; 110];
        m.emit(&mut out).unwrap();
        assert_eq!(out, b);
        let r = m.response();
        r.emit(&mut out).unwrap();
        let mut expected = b;
        expected[2] = 2;
        assert_eq!(out, expected);
    }

    #[test]
    fn rejects() {
        let mut b = golden();
        assert_eq!(
            MarkerRepr::parse(&b[..50]),
            Err(Error::Truncated {
                needed: 110,
                got: 50
            })
        );
        b[2] = 3;
        assert_eq!(MarkerRepr::parse(&b), Err(Error::BadMarkerTlv(3)));
        b[0] = 1;
        assert_eq!(MarkerRepr::parse(&b), Err(Error::BadSubtype(1)));
    }
}
