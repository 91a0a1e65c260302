//! The root sequencing trailer: an extension beyond 802.1D-2004 / 802.1Q-2022 that carries the
//! root's sequence number after the 36 octets of an RST BPDU
//! ([`BridgeConfig::root_sequencing`](crate::BridgeConfig::root_sequencing); the rules are in
//! the [crate docs](crate#root-sequencing-an-extension-off-by-default)).
//!
//! 802.1D-2004 §9.3.4 makes a receiver process an RST BPDU of *at least* 36 octets, so a
//! bridge that does not know the trailer ignores it (the interop record, `interop/README.md`:
//! Open vSwitch's RSTP treats such a BPDU exactly as one without it). The trailer rides in
//! the 802.3 length: a frame with it is 17 + 36 + 24 = 77 octets.
//!
//! # Layout (big-endian, 24 octets)
//!
//! | octets | field |
//! |---|---|
//! | 0–1 | magic `"RS"` |
//! | 2 | version, 1 |
//! | 3 | flags: bit 0 SEQUENCED (the root sequence number is valid), bit 1 REQUEST |
//! | 4–7 | root sequence number of the root priority vector the BPDU carries |
//! | 8–15 | requested root (Bridge Identifier) |
//! | 16–19 | requested sequence number |
//! | 20 | request hop count |
//! | 21–23 | reserved, transmitted 0, ignored |
//!
//! Decoding is total: octets that do not start with the magic, and a version other than 1, are
//! not a trailer (`Ok(None)`, for a future version or another vendor's extension); the magic
//! with fewer than 24 octets is [`Error::Truncated`].

use super::Error;
use super::bpdu::BridgeId;

/// Octets of the trailer.
pub const ROOT_SEQ_LEN: usize = 24;
/// Its first two octets.
pub const ROOT_SEQ_MAGIC: [u8; 2] = *b"RS";
/// The version this crate writes and reads.
pub const ROOT_SEQ_VERSION: u8 = 1;

/// Flag: the root sequence number is valid (the sender knows its root's sequence).
pub const FLAG_SEQUENCED: u8 = 0x01;
/// Flag: the trailer carries a sequence request.
pub const FLAG_REQUEST: u8 = 0x02;

/// A sequence request: "root `root`, please announce sequence number `seq` or newer"
/// (the seqno request of Babel, RFC 8966 §3.8.1.2, carried hop by hop towards the root).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SeqRequest {
    /// The root asked.
    pub root: BridgeId,
    /// The sequence number asked for.
    pub seq: u32,
    /// Hops the request may still travel (a forwarder decrements it; 0 is not forwarded).
    pub hops: u8,
}

/// The decoded trailer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RootSeqTrailer {
    /// The sequence number of the root the BPDU names, if the sender knows it.
    pub root_seq: Option<u32>,
    /// A sequence request, if any.
    pub request: Option<SeqRequest>,
}

impl RootSeqTrailer {
    /// Reads a trailer from the octets that follow an RST BPDU's 36.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the magic is there but fewer than 24 octets are.
    pub fn parse(rest: &[u8]) -> Result<Option<Self>, Error> {
        let Some(magic) = rest.first_chunk::<2>() else {
            return Ok(None);
        };
        if *magic != ROOT_SEQ_MAGIC {
            return Ok(None);
        }
        let Some(b) = rest.first_chunk::<ROOT_SEQ_LEN>() else {
            return Err(Error::Truncated {
                needed: ROOT_SEQ_LEN,
                got: rest.len(),
            });
        };
        let [
            _,
            _,
            version,
            flags,
            s0,
            s1,
            s2,
            s3,
            r0,
            r1,
            r2,
            r3,
            r4,
            r5,
            r6,
            r7,
            q0,
            q1,
            q2,
            q3,
            hops,
            ..,
        ] = *b;
        if version != ROOT_SEQ_VERSION {
            return Ok(None);
        }
        let root_seq =
            (flags & FLAG_SEQUENCED != 0).then_some(u32::from_be_bytes([s0, s1, s2, s3]));
        let request = (flags & FLAG_REQUEST != 0).then_some(SeqRequest {
            root: BridgeId::from_octets([r0, r1, r2, r3, r4, r5, r6, r7]),
            seq: u32::from_be_bytes([q0, q1, q2, q3]),
            hops,
        });
        Ok(Some(Self { root_seq, request }))
    }

    /// The 24 octets. Absent fields are written as zeros, so decode(encode(x)) == x.
    pub fn to_bytes(&self) -> [u8; ROOT_SEQ_LEN] {
        let mut out = [0u8; ROOT_SEQ_LEN];
        let mut flags = 0u8;
        let seq = self.root_seq.unwrap_or(0).to_be_bytes();
        if self.root_seq.is_some() {
            flags |= FLAG_SEQUENCED;
        }
        let (root, rseq, hops) = match self.request {
            Some(r) => {
                flags |= FLAG_REQUEST;
                (r.root.to_octets(), r.seq.to_be_bytes(), r.hops)
            }
            None => ([0; 8], [0; 4], 0),
        };
        let head = [ROOT_SEQ_VERSION, flags];
        let tail = [hops];
        let fields = ROOT_SEQ_MAGIC
            .iter()
            .chain(&head)
            .chain(&seq)
            .chain(&root)
            .chain(&rseq)
            .chain(&tail);
        for (d, s) in out.iter_mut().zip(fields) {
            *d = *s;
        }
        out
    }
}

/// Serial number order (RFC 1982 with 32-bit numbers, as Babel's seqnos, RFC 8966 §3.2.1):
/// `a` is newer than `b`.
pub const fn seq_newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 0x8000_0000
}

#[cfg(test)]
mod tests {
    use super::*;
    use l2_types::MacAddr;

    #[test]
    fn round_trip_and_layout() {
        let t = RootSeqTrailer {
            root_seq: Some(0x0102_0304),
            request: Some(SeqRequest {
                root: BridgeId::new(4096, 1, MacAddr([2, 0, 0, 0, 0, 9])),
                seq: 7,
                hops: 15,
            }),
        };
        let b = t.to_bytes();
        assert_eq!(&b[..4], b"RS\x01\x03");
        assert_eq!(&b[4..8], &[1, 2, 3, 4]);
        assert_eq!(&b[8..16], &[0x10, 0x01, 2, 0, 0, 0, 0, 9]);
        assert_eq!(&b[16..21], &[0, 0, 0, 7, 15]);
        assert_eq!(&b[21..], &[0, 0, 0]);
        assert_eq!(RootSeqTrailer::parse(&b), Ok(Some(t)));
        let plain = RootSeqTrailer {
            root_seq: None,
            request: None,
        };
        assert_eq!(RootSeqTrailer::parse(&plain.to_bytes()), Ok(Some(plain)));
    }

    #[test]
    fn foreign_short_and_future() {
        assert_eq!(RootSeqTrailer::parse(&[]), Ok(None));
        assert_eq!(RootSeqTrailer::parse(&[0; 7]), Ok(None));
        assert_eq!(RootSeqTrailer::parse(b"R"), Ok(None));
        assert_eq!(
            RootSeqTrailer::parse(b"RS\x01"),
            Err(Error::Truncated { needed: 24, got: 3 })
        );
        let mut b = RootSeqTrailer {
            root_seq: Some(1),
            request: None,
        }
        .to_bytes();
        b[2] = 2;
        assert_eq!(RootSeqTrailer::parse(&b), Ok(None));
    }

    #[test]
    fn serial_order() {
        assert!(seq_newer(1, 0));
        assert!(!seq_newer(0, 0));
        assert!(!seq_newer(0, 1));
        assert!(seq_newer(0, u32::MAX));
        assert!(seq_newer(0x7fff_ffff, 0));
        assert!(!seq_newer(0x8000_0000, 0));
    }
}
