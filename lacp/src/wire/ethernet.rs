//! The Slow Protocols Ethernet header (IEEE 802.3 Annex 57A) and a demultiplexer for the PDUs it
//! carries.
//!
//! Slow Protocols frames are Ethernet II frames with EtherType 0x8809, addressed to the
//! Slow_Protocols_Multicast address 01-80-C2-00-00-02 (802.1AX-2014 also allows the Nearest
//! Customer Bridge and Nearest non-TPMR Bridge group addresses for LACP). The source address is the
//! individual MAC of the physical port that sends it.

use super::{Error, LacpduRepr, MarkerRepr, SUBTYPE_LACP, SUBTYPE_MARKER};
use l2_types::{EtherType, MacAddr};

/// Length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = 14;
/// Minimum Ethernet frame length without the FCS; shorter frames are padded by the sender.
pub const MIN_FRAME_LEN: usize = 60;

/// An Ethernet II header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Destination address.
    pub dst: MacAddr,
    /// Source address.
    pub src: MacAddr,
    /// The 802.1Q tag control information, if the frame carried one (Slow Protocols frames are
    /// sent untagged; a priority-tagged frame is still accepted).
    pub vlan_tci: Option<u16>,
    /// The EtherType of the payload.
    pub ethertype: EtherType,
}

impl EthernetRepr {
    /// A Slow Protocols header from `src` to Slow_Protocols_Multicast.
    pub const fn slow_protocols(src: MacAddr) -> Self {
        Self {
            dst: MacAddr::SLOW_PROTOCOLS,
            src,
            vlan_tci: None,
            ethertype: EtherType::SLOW_PROTOCOLS,
        }
    }

    /// Parses the header (one optional 802.1Q tag) and returns it with the payload.
    pub fn parse(frame: &[u8]) -> Result<(Self, &[u8]), Error> {
        let truncated = |needed| Error::Truncated {
            needed,
            got: frame.len(),
        };
        let (dst, rest) = frame
            .split_first_chunk::<6>()
            .ok_or(truncated(HEADER_LEN))?;
        let (src, rest) = rest.split_first_chunk::<6>().ok_or(truncated(HEADER_LEN))?;
        let (ty, rest) = rest.split_first_chunk::<2>().ok_or(truncated(HEADER_LEN))?;
        let mut ethertype = EtherType(u16::from_be_bytes(*ty));
        let mut vlan_tci = None;
        let mut payload = rest;
        if ethertype == EtherType::VLAN {
            let (tci, rest) = rest
                .split_first_chunk::<2>()
                .ok_or(truncated(HEADER_LEN + 4))?;
            let (ty, rest) = rest
                .split_first_chunk::<2>()
                .ok_or(truncated(HEADER_LEN + 4))?;
            vlan_tci = Some(u16::from_be_bytes(*tci));
            ethertype = EtherType(u16::from_be_bytes(*ty));
            payload = rest;
        }
        Ok((
            Self {
                dst: MacAddr(*dst),
                src: MacAddr(*src),
                vlan_tci,
                ethertype,
            },
            payload,
        ))
    }

    /// Octets [`EthernetRepr::emit`] writes: 14, or 18 with a tag.
    pub const fn buffer_len(&self) -> usize {
        if self.vlan_tci.is_some() {
            HEADER_LEN + 4
        } else {
            HEADER_LEN
        }
    }

    /// Writes the header into the front of `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let got = buf.len();
        let out = buf
            .get_mut(..len)
            .ok_or(Error::Truncated { needed: len, got })?;
        let (dst, rest) = out.split_at_mut(6);
        dst.copy_from_slice(&self.dst.0);
        let (src, rest) = rest.split_at_mut(6);
        src.copy_from_slice(&self.src.0);
        let rest = match self.vlan_tci {
            Some(tci) => {
                let (tag, rest) = rest.split_at_mut(4);
                tag.copy_from_slice(&[0x81, 0x00, (tci >> 8) as u8, tci as u8]);
                rest
            }
            None => rest,
        };
        rest.copy_from_slice(&self.ethertype.0.to_be_bytes());
        Ok(len)
    }

    /// True for the destination addresses a LACP receiver accepts (802.1AX-2014 §6.2.11.2:
    /// Slow_Protocols_Multicast, Nearest Customer Bridge, Nearest non-TPMR Bridge).
    pub fn is_lacp_destination(&self) -> bool {
        [
            MacAddr::SLOW_PROTOCOLS,
            MacAddr::NEAREST_CUSTOMER_BRIDGE,
            MacAddr::NEAREST_NON_TPMR_BRIDGE,
        ]
        .contains(&self.dst)
    }
}

/// A Slow Protocols PDU, demultiplexed by Subtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlowPdu<'a> {
    /// A LACPDU.
    Lacp(LacpduRepr<'a>),
    /// A Marker or Marker Response PDU.
    Marker(MarkerRepr),
    /// Another Slow Protocol (OAM, OSSP, reserved subtypes): not decoded here.
    Other {
        /// The Subtype octet.
        subtype: u8,
        /// The PDU from the Subtype on.
        pdu: &'a [u8],
    },
}

impl<'a> SlowPdu<'a> {
    /// Decodes the PDU of a Slow Protocols payload (from the Subtype octet).
    ///
    /// Subtype 0 is illegal and reported as [`Error::BadSubtype`]; other subtypes than LACP and
    /// Marker are returned as [`SlowPdu::Other`] so the caller can count them as "unknown".
    pub fn parse(pdu: &'a [u8]) -> Result<Self, Error> {
        match pdu.first() {
            None => Err(Error::Truncated { needed: 1, got: 0 }),
            Some(&SUBTYPE_LACP) => LacpduRepr::parse_bytes(pdu).map(Self::Lacp),
            Some(&SUBTYPE_MARKER) => MarkerRepr::parse(pdu).map(Self::Marker),
            Some(&0) => Err(Error::BadSubtype(0)),
            Some(&subtype) => Ok(Self::Other { subtype, pdu }),
        }
    }

    /// Decodes a whole Ethernet frame carrying a Slow Protocols PDU.
    pub fn parse_frame(frame: &'a [u8]) -> Result<(EthernetRepr, Self), Error> {
        let (eth, payload) = EthernetRepr::parse(frame)?;
        if eth.ethertype != EtherType::SLOW_PROTOCOLS {
            return Err(Error::BadEtherType(eth.ethertype.0));
        }
        Ok((eth, Self::parse(payload)?))
    }

    /// Octets the PDU occupies when emitted.
    pub fn buffer_len(&self) -> usize {
        match self {
            Self::Lacp(r) => r.buffer_len(),
            Self::Marker(m) => m.buffer_len(),
            Self::Other { pdu, .. } => pdu.len(),
        }
    }

    /// Writes `eth` and the PDU into `buf`, padding to the 60-octet Ethernet minimum; returns the
    /// frame length.
    pub fn emit_frame(&self, eth: &EthernetRepr, buf: &mut [u8]) -> Result<usize, Error> {
        let h = eth.emit(buf)?;
        let got = buf.len();
        let body = buf
            .get_mut(h..)
            .ok_or(Error::Truncated { needed: h, got })?;
        let n = match self {
            Self::Lacp(r) => r.emit(body)?,
            Self::Marker(m) => m.emit(body)?,
            Self::Other { pdu, .. } => {
                let dst = body.get_mut(..pdu.len()).ok_or(Error::Truncated {
                    needed: h + pdu.len(),
                    got,
                })?;
                dst.copy_from_slice(pdu);
                pdu.len()
            }
        };
        let len = (h + n).max(MIN_FRAME_LEN);
        let pad = buf
            .get_mut(h + n..len)
            .ok_or(Error::Truncated { needed: len, got })?;
        pad.fill(0);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_tagged() {
        let eth = EthernetRepr {
            dst: MacAddr::SLOW_PROTOCOLS,
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            vlan_tci: Some(0xe000),
            ethertype: EtherType::SLOW_PROTOCOLS,
        };
        let mut buf = [0u8; 20];
        assert_eq!(eth.emit(&mut buf), Ok(18));
        buf[18] = 0x0a;
        let (back, payload) = EthernetRepr::parse(&buf).unwrap();
        assert_eq!(back, eth);
        assert_eq!(payload, &[0x0a, 0]);
        assert!(back.is_lacp_destination());
        assert_eq!(
            EthernetRepr::parse(&buf[..13]),
            Err(Error::Truncated {
                needed: 14,
                got: 13
            })
        );
        assert_eq!(
            EthernetRepr::parse(&buf[..16]),
            Err(Error::Truncated {
                needed: 18,
                got: 16
            })
        );
    }

    #[test]
    fn demux() {
        assert_eq!(
            SlowPdu::parse(&[]),
            Err(Error::Truncated { needed: 1, got: 0 })
        );
        assert_eq!(SlowPdu::parse(&[0]), Err(Error::BadSubtype(0)));
        assert!(matches!(
            SlowPdu::parse(&[3, 1]),
            Ok(SlowPdu::Other { subtype: 3, .. })
        ));
        let frame = [0u8; 20];
        assert_eq!(SlowPdu::parse_frame(&frame), Err(Error::BadEtherType(0)));
    }
}
