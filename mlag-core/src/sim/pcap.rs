//! Frame capture: what the network carried, and a classic pcap writer.

use alloc::vec::Vec;
use l2_types::Instant;

use super::net::{Dir, LinkId};

/// What became of a captured frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Still on the wire (the run stopped before it arrived).
    InFlight,
    /// Handed to the node at the far end.
    Delivered,
    /// Dropped by the link's random loss.
    Lost,
    /// Sent on a link that was down, or in flight when the link went down.
    LinkDown,
    /// Arrived at a crashed node.
    NodeDown,
    /// Dropped because its copies exceeded the hop budget (a forwarding loop).
    HopBudget,
    /// Dropped because the simulator's bound on pending events was reached
    /// ([`Network::set_pending_max`](super::Network::set_pending_max)).
    QueueFull,
}

/// One frame carried by one link in one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureRecord {
    /// When it was handed to the link (virtual time).
    pub at: Instant,
    /// The link.
    pub link: LinkId,
    /// The direction.
    pub dir: Dir,
    /// What became of it.
    pub fate: Fate,
    /// The link flipped a bit of it (the bytes below are the corrupted ones).
    pub corrupted: bool,
    /// This is a copy the link's duplication fault made.
    pub duplicate: bool,
    /// The Ethernet frame, without FCS.
    pub frame: Vec<u8>,
}

/// The classic pcap magic for nanosecond timestamps (written little endian).
pub const PCAP_MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// The snapshot length written in the header.
pub const SNAPLEN: u32 = 65_535;

/// Appends a classic pcap file (version 2.4, nanosecond timestamps, LINKTYPE_ETHERNET) holding
/// `records` in the given order to `out`. Frames longer than [`SNAPLEN`] are truncated
/// (their original length is kept in the record header).
pub fn write_pcap<'a>(records: impl IntoIterator<Item = &'a CaptureRecord>, out: &mut Vec<u8>) {
    out.extend_from_slice(&PCAP_MAGIC_NANOS.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&SNAPLEN.to_le_bytes());
    out.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
    for r in records {
        let nanos = r.at.as_nanos();
        let secs = u32::try_from(nanos / 1_000_000_000).unwrap_or(u32::MAX);
        let frac = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
        let orig = u32::try_from(r.frame.len()).unwrap_or(u32::MAX);
        let incl = orig.min(SNAPLEN);
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&frac.to_le_bytes());
        out.extend_from_slice(&incl.to_le_bytes());
        out.extend_from_slice(&orig.to_le_bytes());
        let take = usize::try_from(incl).unwrap_or(usize::MAX);
        out.extend_from_slice(r.frame.get(..take).unwrap_or(&r.frame));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_one_record() {
        let r = CaptureRecord {
            at: Instant::from_nanos(3_000_000_007),
            link: LinkId(0),
            dir: Dir::AtoB,
            fate: Fate::Delivered,
            corrupted: false,
            duplicate: false,
            frame: alloc::vec![0xaa; 60],
        };
        let mut out = Vec::new();
        write_pcap([&r], &mut out);
        assert_eq!(out.len(), 24 + 16 + 60);
        assert_eq!(&out[0..4], &[0x4d, 0x3c, 0xb2, 0xa1]);
        assert_eq!(&out[20..24], &[1, 0, 0, 0]);
        assert_eq!(&out[24..28], &3u32.to_le_bytes());
        assert_eq!(&out[28..32], &7u32.to_le_bytes());
        assert_eq!(&out[32..36], &60u32.to_le_bytes());
    }
}
