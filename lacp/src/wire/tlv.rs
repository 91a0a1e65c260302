//! The TLVs a LACPv2 LACPDU carries between the Collector TLV and the Terminator
//! (IEEE 802.1AX-2014 §6.4.2.4.1–§6.4.2.4.4).
//!
//! Each TLV is a 1-octet type, a 1-octet length that counts the 2-octet header, and a value.
//! [`Tlvs`] is a validated, borrowed view of the whole chain (without the Terminator); iterating
//! it yields [`Tlv`]s. Unknown TLVs are kept as [`Tlv::Unknown`] so that a chain round-trips.

use super::Error;
use byteorder::{ByteOrder, NetworkEndian};

/// TLV type of the Port Algorithm TLV.
pub const TYPE_PORT_ALGORITHM: u8 = 0x04;
/// TLV type of the Port Conversation ID Digest TLV.
pub const TYPE_PORT_CONVERSATION_ID_DIGEST: u8 = 0x05;
/// TLV type of Port Conversation Mask-1 (Mask-2..4 follow as 0x07..=0x09).
pub const TYPE_PORT_CONVERSATION_MASK_1: u8 = 0x06;
/// TLV type of Port Conversation Mask-4.
pub const TYPE_PORT_CONVERSATION_MASK_4: u8 = 0x09;
/// TLV type of the Port Conversation Service Mapping TLV.
pub const TYPE_PORT_CONVERSATION_SERVICE_MAPPING: u8 = 0x0a;

/// Octets of one Port Conversation Mask slice (1024 conversation IDs, one bit each).
pub const MASK_SLICE_LEN: usize = 128;

/// One TLV of a LACPv2 TLV chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tlv<'a> {
    /// Port Algorithm TLV (type 4, length 6): Actor_Port_Algorithm, the algorithm used to assign
    /// frames to Port Conversation IDs (§6.6.2.1; an OUI-prefixed value).
    PortAlgorithm {
        /// The 4-octet Actor_Port_Algorithm.
        actor_port_algorithm: u32,
    },
    /// Port Conversation ID Digest TLV (type 5, length 20).
    PortConversationIdDigest {
        /// Link_Number_ID of the port.
        link_number_id: u16,
        /// Actor_Conversation_LinkList_Digest (MD5).
        actor_conversation_linklist_digest: [u8; 16],
    },
    /// Port Conversation Mask-1..4 TLVs (types 6..=9).
    PortConversationMask {
        /// Which slice: 1..=4.
        index: u8,
        /// Actor_Port_Conversation_Mask_State; present only in Mask-1.
        mask_state: Option<u8>,
        /// The 128-octet slice of Actor_Port_Oper_Conversation_Mask.
        mask: &'a [u8; MASK_SLICE_LEN],
    },
    /// Port Conversation Service Mapping TLV (type 10, length 18).
    PortConversationServiceMapping {
        /// Actor_Conversation_Service_Mapping_Digest (MD5).
        actor_conversation_service_mapping_digest: [u8; 16],
    },
    /// Any other TLV, kept verbatim.
    Unknown {
        /// The type octet.
        ty: u8,
        /// The value octets (length − 2 of them).
        value: &'a [u8],
    },
}

impl<'a> Tlv<'a> {
    /// The TLV type octet.
    pub fn ty(&self) -> u8 {
        match self {
            Self::PortAlgorithm { .. } => TYPE_PORT_ALGORITHM,
            Self::PortConversationIdDigest { .. } => TYPE_PORT_CONVERSATION_ID_DIGEST,
            Self::PortConversationMask { index, .. } => {
                TYPE_PORT_CONVERSATION_MASK_1 + index.saturating_sub(1)
            }
            Self::PortConversationServiceMapping { .. } => TYPE_PORT_CONVERSATION_SERVICE_MAPPING,
            Self::Unknown { ty, .. } => *ty,
        }
    }

    /// The snake_case name of the TLV after the standard.
    pub fn name(&self) -> &'static str {
        match self {
            Self::PortAlgorithm { .. } => "port_algorithm",
            Self::PortConversationIdDigest { .. } => "port_conversation_id_digest",
            Self::PortConversationMask { .. } => "port_conversation_mask",
            Self::PortConversationServiceMapping { .. } => "port_conversation_service_mapping",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// Encoded length, header included.
    pub fn buffer_len(&self) -> usize {
        2 + match self {
            Self::PortAlgorithm { .. } => 4,
            Self::PortConversationIdDigest { .. } => 18,
            Self::PortConversationMask { mask_state, .. } => {
                usize::from(mask_state.is_some()) + MASK_SLICE_LEN
            }
            Self::PortConversationServiceMapping { .. } => 16,
            Self::Unknown { value, .. } => value.len(),
        }
    }

    /// The fixed length (header included) the standard gives a known TLV type, if any.
    fn fixed_len(ty: u8) -> Option<usize> {
        match ty {
            TYPE_PORT_ALGORITHM => Some(6),
            TYPE_PORT_CONVERSATION_ID_DIGEST => Some(20),
            TYPE_PORT_CONVERSATION_MASK_1 => Some(3 + MASK_SLICE_LEN),
            0x07..=TYPE_PORT_CONVERSATION_MASK_4 => Some(2 + MASK_SLICE_LEN),
            TYPE_PORT_CONVERSATION_SERVICE_MAPPING => Some(18),
            _ => None,
        }
    }

    /// Decodes one TLV from a value slice already bounded by its length octet.
    fn decode(ty: u8, value: &'a [u8]) -> Self {
        // `Tlvs::new` has checked the fixed lengths, so the conversions below succeed; an
        // inconsistent input still falls back to `Unknown` rather than panicking.
        let unknown = Self::Unknown { ty, value };
        match ty {
            TYPE_PORT_ALGORITHM if value.len() == 4 => Self::PortAlgorithm {
                actor_port_algorithm: NetworkEndian::read_u32(value),
            },
            TYPE_PORT_CONVERSATION_ID_DIGEST => match value.split_first_chunk::<2>() {
                Some((id, digest)) => match <[u8; 16]>::try_from(digest) {
                    Ok(d) => Self::PortConversationIdDigest {
                        link_number_id: u16::from_be_bytes(*id),
                        actor_conversation_linklist_digest: d,
                    },
                    Err(_) => unknown,
                },
                None => unknown,
            },
            TYPE_PORT_CONVERSATION_MASK_1 => match value.split_first() {
                Some((state, rest)) => match <&[u8; MASK_SLICE_LEN]>::try_from(rest) {
                    Ok(mask) => Self::PortConversationMask {
                        index: 1,
                        mask_state: Some(*state),
                        mask,
                    },
                    Err(_) => unknown,
                },
                None => unknown,
            },
            0x07..=TYPE_PORT_CONVERSATION_MASK_4 => {
                match <&[u8; MASK_SLICE_LEN]>::try_from(value) {
                    Ok(mask) => Self::PortConversationMask {
                        index: ty - TYPE_PORT_CONVERSATION_MASK_1 + 1,
                        mask_state: None,
                        mask,
                    },
                    Err(_) => unknown,
                }
            }
            TYPE_PORT_CONVERSATION_SERVICE_MAPPING => match <[u8; 16]>::try_from(value) {
                Ok(d) => Self::PortConversationServiceMapping {
                    actor_conversation_service_mapping_digest: d,
                },
                Err(_) => unknown,
            },
            _ => unknown,
        }
    }

    /// Writes the TLV at the start of `buf` and returns the octets written.
    ///
    /// Returns `None` (writing nothing) if `buf` is too short, if an unknown TLV's value does not
    /// fit a length octet or its type is 0 or a known type, or if a mask has an index outside 1..=4 or a mask state that does not
    /// belong to its index (only Mask-1 carries one).
    pub fn emit(&self, buf: &mut [u8]) -> Option<usize> {
        let len = self.buffer_len();
        let len_octet = u8::try_from(len).ok()?;
        match self {
            Self::PortConversationMask {
                index, mask_state, ..
            } if !(1..=4).contains(index) || mask_state.is_some() != (*index == 1) => {
                return None;
            }
            // Type 0 is the Terminator, and a known type must use its own variant.
            Self::Unknown { ty, .. } if *ty == 0 || Self::fixed_len(*ty).is_some() => return None,
            _ => {}
        }
        let out = buf.get_mut(..len)?;
        let (header, value) = out.split_at_mut(2);
        header.copy_from_slice(&[self.ty(), len_octet]);
        match self {
            Self::PortAlgorithm {
                actor_port_algorithm,
            } => {
                NetworkEndian::write_u32(value, *actor_port_algorithm);
            }
            Self::PortConversationIdDigest {
                link_number_id,
                actor_conversation_linklist_digest,
            } => {
                let (id, digest) = value.split_at_mut(2);
                NetworkEndian::write_u16(id, *link_number_id);
                digest.copy_from_slice(actor_conversation_linklist_digest);
            }
            Self::PortConversationMask {
                mask_state, mask, ..
            } => match mask_state {
                Some(state) => {
                    let (s, m) = value.split_at_mut(1);
                    s.copy_from_slice(&[*state]);
                    m.copy_from_slice(&mask[..]);
                }
                None => value.copy_from_slice(&mask[..]),
            },
            Self::PortConversationServiceMapping {
                actor_conversation_service_mapping_digest,
            } => value.copy_from_slice(actor_conversation_service_mapping_digest),
            Self::Unknown { value: v, .. } => value.copy_from_slice(v),
        }
        Some(len)
    }
}

/// A validated chain of LACPv2 TLVs (the Terminator excluded), borrowed from a buffer.
///
/// Construct one with [`Tlvs::new`] from raw chain octets (the decoder does this) or encode a list
/// of [`Tlv`]s with [`Tlvs::encode`] and validate the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tlvs<'a>(&'a [u8]);

impl<'a> Tlvs<'a> {
    /// No TLVs: what every LACPv1 LACPDU carries.
    pub const EMPTY: Tlvs<'static> = Tlvs(&[]);

    /// Validates `chain` as a sequence of complete TLVs (no Terminator inside): every length is
    /// at least 2 and stays inside `chain`, and the v2 TLVs have their standard lengths.
    pub fn new(chain: &'a [u8]) -> Result<Self, Error> {
        let mut rest = chain;
        while let Some((&ty, tail)) = rest.split_first() {
            let len = tail.first().copied().unwrap_or(0);
            let bad = Error::BadTlv { ty, len };
            if ty == 0 || len < 2 {
                return Err(bad);
            }
            let len_usize = usize::from(len);
            if Tlv::fixed_len(ty).is_some_and(|fixed| fixed != len_usize) {
                return Err(bad);
            }
            rest = rest.get(len_usize..).ok_or(bad)?;
        }
        Ok(Self(chain))
    }

    /// Finds the chain that starts at the beginning of `buf` and ends at a Terminator TLV
    /// (type 0); returns the chain and the offset just past the Terminator.
    pub(crate) fn scan(buf: &'a [u8]) -> Result<(Self, usize), Error> {
        let mut off = 0usize;
        loop {
            let header = buf.get(off..off + 2).ok_or(Error::Truncated {
                needed: off + 2,
                got: buf.len(),
            })?;
            let &[ty, len] = header else {
                return Err(Error::Truncated {
                    needed: off + 2,
                    got: buf.len(),
                });
            };
            if ty == 0 {
                // The Terminator's length should be 0; the standard does not let receivers
                // reject on it, so it is reported by `conformance` instead.
                let chain = buf.get(..off).unwrap_or_default();
                return Ok((Self::new(chain)?, off + 2));
            }
            if len < 2 {
                return Err(Error::BadTlv { ty, len });
            }
            let len_usize = usize::from(len);
            if Tlv::fixed_len(ty).is_some_and(|fixed| fixed != len_usize) {
                return Err(Error::BadTlv { ty, len });
            }
            off += len_usize;
        }
    }

    /// The raw chain octets.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// True when the chain holds no TLV.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Encoded length of the chain.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The TLVs in order.
    pub fn iter(&self) -> TlvIter<'a> {
        TlvIter(self.0)
    }

    /// Encodes `tlvs` back to back into `buf`; returns the octets written, or `None` if a TLV
    /// cannot be emitted (see [`Tlv::emit`]) or `buf` is too short.
    pub fn encode<'t>(
        tlvs: impl IntoIterator<Item = &'t Tlv<'t>>,
        buf: &mut [u8],
    ) -> Option<usize> {
        let mut off = 0;
        for tlv in tlvs {
            off += tlv.emit(buf.get_mut(off..)?)?;
        }
        Some(off)
    }
}

impl<'a> IntoIterator for Tlvs<'a> {
    type Item = Tlv<'a>;
    type IntoIter = TlvIter<'a>;
    fn into_iter(self) -> TlvIter<'a> {
        self.iter()
    }
}

/// Iterator over a validated [`Tlvs`] chain.
#[derive(Debug, Clone)]
pub struct TlvIter<'a>(&'a [u8]);

impl<'a> Iterator for TlvIter<'a> {
    type Item = Tlv<'a>;
    fn next(&mut self) -> Option<Tlv<'a>> {
        let (&ty, tail) = self.0.split_first()?;
        let len = usize::from(*tail.first()?);
        let value = self.0.get(2..len)?;
        self.0 = self.0.get(len..).unwrap_or_default();
        Some(Tlv::decode(ty, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_round_trip() {
        let mask = [0xa5u8; MASK_SLICE_LEN];
        let tlvs = [
            Tlv::PortAlgorithm {
                actor_port_algorithm: 0x0080_c201,
            },
            Tlv::PortConversationIdDigest {
                link_number_id: 7,
                actor_conversation_linklist_digest: [9; 16],
            },
            Tlv::PortConversationMask {
                index: 1,
                mask_state: Some(3),
                mask: &mask,
            },
            Tlv::PortConversationMask {
                index: 4,
                mask_state: None,
                mask: &mask,
            },
            Tlv::PortConversationServiceMapping {
                actor_conversation_service_mapping_digest: [1; 16],
            },
            Tlv::Unknown {
                ty: 0x42,
                value: &[1, 2, 3],
            },
        ];
        let mut buf = [0u8; 512];
        let n = Tlvs::encode(&tlvs, &mut buf).unwrap();
        assert_eq!(n, 6 + 20 + 131 + 130 + 18 + 5);
        let chain = Tlvs::new(&buf[..n]).unwrap();
        assert!(chain.iter().eq(tlvs.iter().copied()));
    }

    #[test]
    fn rejects_bad_chains() {
        assert_eq!(
            Tlvs::new(&[0x42, 1]),
            Err(Error::BadTlv { ty: 0x42, len: 1 })
        );
        assert_eq!(
            Tlvs::new(&[0x42, 5, 0]),
            Err(Error::BadTlv { ty: 0x42, len: 5 })
        );
        assert_eq!(
            Tlvs::new(&[0x04, 5, 0, 0, 0]),
            Err(Error::BadTlv { ty: 4, len: 5 })
        );
        assert_eq!(Tlvs::new(&[0x42]), Err(Error::BadTlv { ty: 0x42, len: 0 }));
        assert!(Tlvs::new(&[]).unwrap().is_empty());
    }

    #[test]
    fn emit_refuses_inconsistent_masks() {
        let mask = [0u8; MASK_SLICE_LEN];
        let mut buf = [0u8; 256];
        assert_eq!(
            Tlv::PortConversationMask {
                index: 2,
                mask_state: Some(1),
                mask: &mask
            }
            .emit(&mut buf),
            None
        );
        assert_eq!(
            Tlv::PortConversationMask {
                index: 5,
                mask_state: None,
                mask: &mask
            }
            .emit(&mut buf),
            None
        );
        assert_eq!(
            Tlv::PortAlgorithm {
                actor_port_algorithm: 1
            }
            .emit(&mut buf[..5]),
            None
        );
    }
}
