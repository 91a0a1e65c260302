//! Ethernet header helpers and the simulator's numbered test frames.
//!
//! A test frame is an ordinary Ethernet frame with EtherType 0x88B6 (IEEE 802 local
//! experimental 2) whose payload is:
//!
//! | octets | field                                             |
//! |--------|---------------------------------------------------|
//! | 0..4   | magic `MLSF`                                      |
//! | 4..8   | stream number (big endian)                        |
//! | 8..16  | sequence number                                   |
//! | 16..24 | transmit time, nanoseconds of virtual time        |
//! | 24..28 | FNV-1a-32 of octets 0..24 of the payload          |
//!
//! padded with zeros to the 60-octet Ethernet minimum (or the requested length). The checksum
//! lets a receiver reject a frame the simulator corrupted, as a real FCS check would.

use alloc::vec::Vec;
use l2_types::{EtherType, Instant, MacAddr};

/// The EtherType of test frames.
pub const TEST_ETHERTYPE: EtherType = EtherType::LOCAL_EXPERIMENTAL_2;
/// The payload magic.
pub const TEST_MAGIC: [u8; 4] = *b"MLSF";
/// Octets of test payload before padding.
const PAYLOAD_LEN: usize = 28;
/// The shortest Ethernet frame without FCS.
pub const MIN_FRAME: usize = 60;

/// The parts of an Ethernet header the forwarding plane needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthHeader {
    /// Destination address.
    pub dst: MacAddr,
    /// Source address.
    pub src: MacAddr,
    /// VLAN id from an 802.1Q tag, if tagged (VID 0, a priority tag, reads as untagged).
    pub vid: Option<u16>,
    /// The EtherType after any VLAN tag.
    pub ethertype: EtherType,
    /// Offset of the payload.
    pub payload_offset: usize,
}

impl EthHeader {
    /// Parses the header; `None` for a frame shorter than its header.
    pub fn parse(frame: &[u8]) -> Option<Self> {
        let dst = MacAddr::from_slice(frame.get(0..6)?)?;
        let src = MacAddr::from_slice(frame.get(6..12)?)?;
        let t = be16(frame, 12)?;
        if t == EtherType::VLAN.0 {
            let tci = be16(frame, 14)?;
            let inner = be16(frame, 16)?;
            let vid = tci & 0x0fff;
            Some(Self {
                dst,
                src,
                vid: (vid != 0).then_some(vid),
                ethertype: EtherType(inner),
                payload_offset: 18,
            })
        } else {
            Some(Self {
                dst,
                src,
                vid: None,
                ethertype: EtherType(t),
                payload_offset: 14,
            })
        }
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(s))
}

/// True for the 802.1Q reserved group addresses 01-80-C2-00-00-00..0F, which a bridge never
/// forwards (IEEE 802.1Q-2022 §8.6.3, Table 8-1).
pub const fn is_link_local(mac: MacAddr) -> bool {
    let o = mac.0;
    o[0] == 0x01 && o[1] == 0x80 && o[2] == 0xc2 && o[3] == 0 && o[4] == 0 && o[5] & 0xf0 == 0
}

/// FNV-1a, 32 bits.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The contents of a test frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestFrame {
    /// Destination.
    pub dst: MacAddr,
    /// Source.
    pub src: MacAddr,
    /// Stream number (per source).
    pub stream: u32,
    /// Sequence number within the stream, from 0.
    pub seq: u64,
    /// When the source sent it.
    pub sent_at: Instant,
}

/// Why a frame is not a valid test frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestFrameError {
    /// Not a test frame at all (other EtherType, magic or too short).
    NotTestFrame,
    /// A test frame whose checksum does not match (corrupted on the way).
    BadChecksum,
}

impl TestFrame {
    /// Builds the frame, `len` octets long (at least the 60-octet minimum and the payload).
    pub fn emit(&self, len: usize) -> Vec<u8> {
        let len = len.max(MIN_FRAME).max(14 + PAYLOAD_LEN);
        let mut f = Vec::with_capacity(len);
        f.extend_from_slice(&self.dst.0);
        f.extend_from_slice(&self.src.0);
        f.extend_from_slice(&TEST_ETHERTYPE.0.to_be_bytes());
        f.extend_from_slice(&TEST_MAGIC);
        f.extend_from_slice(&self.stream.to_be_bytes());
        f.extend_from_slice(&self.seq.to_be_bytes());
        f.extend_from_slice(&self.sent_at.as_nanos().to_be_bytes());
        let sum = fnv1a32(f.get(14..).unwrap_or_default());
        f.extend_from_slice(&sum.to_be_bytes());
        f.resize(len, 0);
        f
    }

    /// Parses a test frame (untagged or 802.1Q tagged).
    ///
    /// # Errors
    /// [`TestFrameError::NotTestFrame`] or [`TestFrameError::BadChecksum`].
    pub fn parse(frame: &[u8]) -> Result<Self, TestFrameError> {
        let h = EthHeader::parse(frame).ok_or(TestFrameError::NotTestFrame)?;
        if h.ethertype != TEST_ETHERTYPE {
            return Err(TestFrameError::NotTestFrame);
        }
        let p = frame
            .get(h.payload_offset..)
            .ok_or(TestFrameError::NotTestFrame)?;
        if p.get(0..4) != Some(&TEST_MAGIC[..]) {
            return Err(TestFrameError::NotTestFrame);
        }
        let body = p.get(0..24).ok_or(TestFrameError::NotTestFrame)?;
        let sum = be32(p, 24).ok_or(TestFrameError::NotTestFrame)?;
        if fnv1a32(body) != sum {
            return Err(TestFrameError::BadChecksum);
        }
        let stream = be32(p, 4).ok_or(TestFrameError::NotTestFrame)?;
        let seq = be64(p, 8).ok_or(TestFrameError::NotTestFrame)?;
        let sent = be64(p, 16).ok_or(TestFrameError::NotTestFrame)?;
        Ok(Self {
            dst: h.dst,
            src: h.src,
            stream,
            seq,
            sent_at: Instant::from_nanos(sent),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_frame_round_trip_and_checksum() {
        let t = TestFrame {
            dst: MacAddr([2, 0, 0, 0, 0, 2]),
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            stream: 3,
            seq: 0x0102_0304_0506,
            sent_at: Instant::from_millis(1234),
        };
        let f = t.emit(0);
        assert_eq!(f.len(), MIN_FRAME);
        assert_eq!(TestFrame::parse(&f), Ok(t));
        for i in 14..42 {
            let mut g = f.clone();
            g[i] ^= 0x10;
            assert!(TestFrame::parse(&g).is_err(), "flip at {i} accepted");
        }
        assert_eq!(
            TestFrame::parse(&f[..30]),
            Err(TestFrameError::NotTestFrame)
        );
        assert_eq!(TestFrame::parse(&[]), Err(TestFrameError::NotTestFrame));
        assert_eq!(t.emit(1000).len(), 1000);
    }

    #[test]
    fn parsers_are_total_on_random_bytes() {
        let mut rng = crate::sim::Rng::new(9);
        let good = TestFrame {
            dst: MacAddr([2, 0, 0, 0, 0, 2]),
            src: MacAddr([2, 0, 0, 0, 0, 1]),
            stream: 1,
            seq: 2,
            sent_at: Instant::from_secs(3),
        }
        .emit(0);
        for i in 0..20_000u64 {
            let len = usize::try_from(rng.below(80)).unwrap();
            let mut f: alloc::vec::Vec<u8> = if i % 2 == 0 {
                (0..len).map(|_| rng.next_u64() as u8).collect()
            } else {
                // Mutations of a valid frame (truncations, tags, flipped octets).
                let mut f = good.clone();
                f.truncate(len.max(1));
                if let Some(b) = f.get_mut(usize::try_from(rng.below(60)).unwrap()) {
                    *b = rng.next_u64() as u8;
                }
                f
            };
            if i % 7 == 0 && f.len() > 13 {
                f[12] = 0x81;
                f[13] = 0x00;
            }
            let _ = EthHeader::parse(&f);
            let _ = TestFrame::parse(&f);
        }
    }

    #[test]
    fn header_parse_tagged_and_link_local() {
        let mut f = alloc::vec![0u8; 64];
        f[12] = 0x81;
        f[14] = 0x20;
        f[15] = 0x0a;
        f[16] = 0x88;
        f[17] = 0xb6;
        let h = EthHeader::parse(&f).unwrap();
        assert_eq!(h.vid, Some(10));
        assert_eq!(h.ethertype, TEST_ETHERTYPE);
        assert_eq!(h.payload_offset, 18);
        assert!(EthHeader::parse(&f[..13]).is_none());
        assert!(is_link_local(MacAddr::SLOW_PROTOCOLS));
        assert!(is_link_local(MacAddr::BRIDGE_GROUP));
        assert!(!is_link_local(MacAddr([1, 0x80, 0xc2, 0, 0, 0x10])));
        assert!(!is_link_local(MacAddr::BROADCAST));
    }
}
