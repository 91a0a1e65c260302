//! The sync wire format: the one definition of the bytes two peers exchange about their tables.
//!
//! The ICCP crate carries these bytes opaquely (in a vendor TLV of an RG Application Data
//! message, or any other reliable or unreliable transport): the protocol tolerates loss,
//! duplication and reordering by itself. All integers are big-endian.
//!
//! # Message header (16 octets)
//!
//! | octets | field | meaning |
//! |---|---|---|
//! | 0 | version | [`VERSION`] (1); anything else is [`Error::BadVersion`] |
//! | 1 | type | 1 Delta, 2 Snapshot chunk, 3 Request, 4 Digest |
//! | 2..4 | count | records (Delta, Snapshot) or digests (Digest); 0 for Request |
//! | 4..8 | epoch | the sender's epoch (Delta, Snapshot, a Digest's target), or the epoch the receiver knows (Request); 0 = none |
//! | 8..16 | seq | Delta: sequence number of the first record; Snapshot: the sequence number the snapshot is consistent with; Request and Digest: the last sequence number applied |
//!
//! # Extensions
//!
//! * **Snapshot chunk** (25 octets after the header): `mask` (u64, the digest segments the
//!   snapshot covers; all ones for a full snapshot), `after` (u64 cursor: the chunk holds the
//!   records after this position of the sender's order; [`CURSOR_START`] for the first chunk),
//!   `upto` (u64 cursor after this chunk), `flags` (u8, bit 0 = last chunk; the other bits must
//!   be 0). Cursors are positions in the sender's own total order of keys (an [`crate::Fdb`]
//!   uses its keyed table hash, which never equals [`CURSOR_START`]); a non-empty chunk's
//!   `upto` is greater than its `after` (or `after` is [`CURSOR_START`]) and is not
//!   [`CURSOR_START`].
//! * **Request** (25 octets): `flags` (u8, bit 0 = a snapshot is in progress; other bits 0),
//!   then that snapshot's `seq` (u64), `mask` (u64) and `after` cursor (u64), all zero when bit
//!   0 is clear.
//! * **Digest**: `count` × u64, the XOR digest of each segment (count must be [`SEGMENTS`]).
//!
//! # Records (8 or 12 octets)
//!
//! One u64: bits 60..64 the op, bits 48..60 the VLAN id (1..=4094), bits 0..48 the MAC (an
//! individual address). Op 0 = delete (8 octets), 1 = upsert on a single-homed port of the sender
//! (8 octets), 2 = upsert on the sender's MLAG bond, followed by the mlag-id (u32, 12 octets).
//! Ops 3..=15 are reserved. A snapshot carries only upserts, within `mask`, in the sender's
//! order (the receiver cannot check that order: it is keyed by the sender's secret hash seed;
//! applying records is idempotent, so a repeated record is harmless).
//!
//! # Decoding is total
//! [`Message::decode`] validates everything (lengths, version, type, counts, every record) before
//! it returns, then iteration over the records cannot fail. Any byte string gives a
//! [`Message`] or an [`Error`]; nothing allocates.

use crate::types::{Key, MlagId, SyncLocation};

/// The wire version.
pub const VERSION: u8 = 1;
/// Length of the common header.
pub const HEADER_LEN: usize = 16;
/// Length of the snapshot chunk extension.
pub const SNAPSHOT_EXT_LEN: usize = 25;
/// Length of the request extension.
pub const REQUEST_EXT_LEN: usize = 25;
/// Number of digest segments (fixed).
pub const SEGMENTS: usize = 64;
/// The snapshot cursor before the first key.
pub const CURSOR_START: u64 = u64::MAX;
/// The longest record.
pub const RECORD_LEN_MAX: usize = 12;

const TYPE_DELTA: u8 = 1;
const TYPE_SNAPSHOT: u8 = 2;
const TYPE_REQUEST: u8 = 3;
const TYPE_DIGEST: u8 = 4;

const OP_DELETE: u64 = 0;
const OP_SINGLE: u64 = 1;
const OP_MLAG: u64 = 2;

/// Why bytes are not a sync message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message ends early.
    #[error("truncated: needed {needed} octets, got {got}")]
    Truncated {
        /// Octets needed to go on.
        needed: usize,
        /// Octets present.
        got: usize,
    },
    /// Unknown version.
    #[error("unsupported version {0}")]
    BadVersion(u8),
    /// Unknown message type.
    #[error("unknown message type {0}")]
    BadType(u8),
    /// Octets after the last record.
    #[error("{0} octets after the message")]
    TrailingBytes(usize),
    /// A reserved op code.
    #[error("record {index}: reserved op {op}")]
    BadOp {
        /// Record index.
        index: u16,
        /// The op.
        op: u8,
    },
    /// A VLAN id outside 1..=4094.
    #[error("record {index}: VLAN id {vid} out of range")]
    BadVlan {
        /// Record index.
        index: u16,
        /// The VLAN id.
        vid: u16,
    },
    /// A group address cannot be in a MAC table.
    #[error("record {index}: group address")]
    GroupAddress {
        /// Record index.
        index: u16,
    },
    /// A snapshot record out of order, outside its chunk's range or outside its mask.
    #[error("snapshot record {index} out of order or out of range")]
    Unsorted {
        /// Record index.
        index: u16,
    },
    /// A delete in a snapshot.
    #[error("snapshot record {index} is a delete")]
    DeleteInSnapshot {
        /// Record index.
        index: u16,
    },
    /// Reserved octets (a Request's snapshot position without its flag) not zero.
    #[error("reserved octets not zero")]
    NonZeroReserved,
    /// Reserved flag bits set.
    #[error("reserved flags {0:#04x}")]
    BadFlags(u8),
    /// A digest message with another number of segments, or a non-zero count where none is
    /// allowed.
    #[error("bad count {0}")]
    BadCount(u16),
}

/// One change to an entry of the sender's table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Record {
    /// The key.
    pub key: Key,
    /// `Some` = the entry is (now) at this location; `None` = deleted.
    pub location: Option<SyncLocation>,
}

impl Record {
    /// Encoded length: 12 octets for an MLAG location, 8 otherwise.
    pub const fn len(&self) -> usize {
        match self.location {
            Some(SyncLocation::Mlag(_)) => 12,
            _ => 8,
        }
    }

    /// Always false: no record is empty (for clippy's `len_without_is_empty`).
    pub const fn is_empty(&self) -> bool {
        false
    }
}

/// Encodes `r` at the start of `out`; returns the octets written, or 0 if `out` is too short.
pub fn encode_record(r: &Record, out: &mut [u8]) -> usize {
    let (op, id) = match r.location {
        None => (OP_DELETE, None),
        Some(SyncLocation::Single) => (OP_SINGLE, None),
        Some(SyncLocation::Mlag(MlagId(id))) => (OP_MLAG, Some(id)),
    };
    let word = (op << 60) | r.key.to_u64();
    match (id, out) {
        (None, [a0, a1, a2, a3, a4, a5, a6, a7, ..]) => {
            [*a0, *a1, *a2, *a3, *a4, *a5, *a6, *a7] = word.to_be_bytes();
            8
        }
        (Some(id), [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, ..]) => {
            [*a0, *a1, *a2, *a3, *a4, *a5, *a6, *a7] = word.to_be_bytes();
            [*b0, *b1, *b2, *b3] = id.to_be_bytes();
            12
        }
        _ => 0,
    }
}

/// Decodes one record at the start of `bytes`; returns it and its length. `index` only labels
/// errors.
pub fn decode_record(bytes: &[u8], index: u16) -> Result<(Record, usize), Error> {
    let word = u64::from_be_bytes(take::<8>(bytes, 0)?);
    let op = word >> 60;
    let vid = ((word >> 48) & 0xfff) as u16;
    let key = Key::from_u64(word & 0x0fff_ffff_ffff_ffff).ok_or(Error::BadVlan { index, vid })?;
    if key.mac().is_multicast() {
        return Err(Error::GroupAddress { index });
    }
    match op {
        OP_DELETE => Ok((
            Record {
                key,
                location: None,
            },
            8,
        )),
        OP_SINGLE => Ok((
            Record {
                key,
                location: Some(SyncLocation::Single),
            },
            8,
        )),
        OP_MLAG => {
            let id = u32::from_be_bytes(take::<4>(bytes, 8)?);
            Ok((
                Record {
                    key,
                    location: Some(SyncLocation::Mlag(MlagId(id))),
                },
                12,
            ))
        }
        _ => Err(Error::BadOp {
            index,
            op: op as u8,
        }),
    }
}

fn take<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], Error> {
    let end = at.saturating_add(N);
    bytes
        .get(at..end)
        .and_then(|s| s.try_into().ok())
        .ok_or(Error::Truncated {
            needed: end,
            got: bytes.len(),
        })
}

fn u64_at(bytes: &[u8], at: usize) -> Result<u64, Error> {
    take::<8>(bytes, at).map(u64::from_be_bytes)
}

/// The digest segment of a key (a fixed, unseeded mix of the key: both peers must agree).
pub fn segment(key: Key) -> usize {
    (mix(key.to_u64()) >> 58) as usize
}

/// The digest contribution of one entry; a segment's digest is the XOR of its entries'.
pub fn record_hash(key: Key, location: SyncLocation) -> u64 {
    let loc = match location {
        SyncLocation::Single => 1,
        SyncLocation::Mlag(MlagId(id)) => 2 | (u64::from(id) << 8),
    };
    mix(key.to_u64() ^ mix(loc ^ 0x9e37_79b9_7f4a_7c15))
}

/// The splitmix64 finaliser.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The records of a decoded Delta or Snapshot message (already validated).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Records<'a> {
    bytes: &'a [u8],
    count: u16,
}

impl<'a> Records<'a> {
    /// Number of records.
    pub const fn len(&self) -> usize {
        self.count as usize
    }

    /// True if there are none.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The records in message order.
    pub fn iter(&self) -> RecordIter<'a> {
        RecordIter {
            bytes: self.bytes,
            index: 0,
        }
    }
}

impl<'a> IntoIterator for Records<'a> {
    type Item = Record;
    type IntoIter = RecordIter<'a>;
    fn into_iter(self) -> RecordIter<'a> {
        self.iter()
    }
}

/// Iterator over validated records.
#[derive(Clone, Debug)]
pub struct RecordIter<'a> {
    bytes: &'a [u8],
    index: u16,
}

impl Iterator for RecordIter<'_> {
    type Item = Record;
    fn next(&mut self) -> Option<Record> {
        let (r, n) = decode_record(self.bytes, self.index).ok()?;
        self.bytes = self.bytes.get(n..).unwrap_or_default();
        self.index = self.index.wrapping_add(1);
        Some(r)
    }
}

/// The segment digests of a decoded Digest message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Digests<'a>(&'a [u8]);

impl Digests<'_> {
    /// The digest of segment `i` (0 past the end).
    pub fn get(&self, i: usize) -> u64 {
        u64_at(self.0, i.saturating_mul(8)).unwrap_or(0)
    }
}

/// The snapshot a receiver is in the middle of, as told in a Request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SnapshotPosition {
    /// The snapshot's sequence number.
    pub seq: u64,
    /// Its segment mask.
    pub mask: u64,
    /// The cursor after the last chunk received.
    pub after: u64,
}

/// A decoded sync message.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Message<'a> {
    /// Journal records `first_seq`, `first_seq + 1`, … of the sender's table.
    Delta {
        /// Sender's epoch.
        epoch: u32,
        /// Sequence number of the first record.
        first_seq: u64,
        /// The records.
        records: Records<'a>,
    },
    /// One chunk of a snapshot of the sender's table.
    Snapshot {
        /// Sender's epoch.
        epoch: u32,
        /// The sequence number the snapshot is consistent with.
        seq: u64,
        /// Digest segments covered (all ones: the whole table).
        mask: u64,
        /// The sender's cursor before this chunk ([`CURSOR_START`] for the first chunk).
        after: u64,
        /// The cursor after this chunk.
        upto: u64,
        /// The last chunk.
        last: bool,
        /// Upserts in the sender's order.
        records: Records<'a>,
    },
    /// The receiver's position: "send me what follows".
    Request {
        /// The epoch the receiver holds entries of (0 = none).
        epoch: u32,
        /// The last sequence number it applied.
        seq: u64,
        /// The snapshot it is receiving, if any.
        snapshot: Option<SnapshotPosition>,
    },
    /// The receiver's digests of the sender's entries, at `seq`.
    Digest {
        /// The epoch the digests are of.
        epoch: u32,
        /// The sequence number they reflect.
        seq: u64,
        /// [`SEGMENTS`] digests.
        digests: Digests<'a>,
    },
}

impl<'a> Message<'a> {
    /// Decodes and validates a whole message.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, Error> {
        let head = take::<HEADER_LEN>(bytes, 0)?;
        let [
            version,
            ty,
            c0,
            c1,
            e0,
            e1,
            e2,
            e3,
            s0,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            s7,
        ] = head;
        if version != VERSION {
            return Err(Error::BadVersion(version));
        }
        let count = u16::from_be_bytes([c0, c1]);
        let epoch = u32::from_be_bytes([e0, e1, e2, e3]);
        let seq = u64::from_be_bytes([s0, s1, s2, s3, s4, s5, s6, s7]);
        let body = bytes.get(HEADER_LEN..).unwrap_or_default();
        match ty {
            TYPE_DELTA => {
                let records = validate_records(body, HEADER_LEN, count, None)?;
                Ok(Self::Delta {
                    epoch,
                    first_seq: seq,
                    records,
                })
            }
            TYPE_SNAPSHOT => {
                let ext = take::<SNAPSHOT_EXT_LEN>(bytes, HEADER_LEN)?;
                let mask = u64_at(&ext, 0)?;
                let after = u64_at(&ext, 8)?;
                let upto = u64_at(&ext, 16)?;
                let flags = ext.get(24).copied().unwrap_or(0);
                if flags & !1 != 0 {
                    return Err(Error::BadFlags(flags));
                }
                let rest = body.get(SNAPSHOT_EXT_LEN..).unwrap_or_default();
                let records = validate_records(
                    rest,
                    HEADER_LEN + SNAPSHOT_EXT_LEN,
                    count,
                    Some((mask, after, upto)),
                )?;
                Ok(Self::Snapshot {
                    epoch,
                    seq,
                    mask,
                    after,
                    upto,
                    last: flags & 1 != 0,
                    records,
                })
            }
            TYPE_REQUEST => {
                if count != 0 {
                    return Err(Error::BadCount(count));
                }
                let ext = take::<REQUEST_EXT_LEN>(bytes, HEADER_LEN)?;
                let [flags, ..] = ext;
                if flags & !1 != 0 {
                    return Err(Error::BadFlags(flags));
                }
                let extra = body.len().saturating_sub(REQUEST_EXT_LEN);
                if extra != 0 {
                    return Err(Error::TrailingBytes(extra));
                }
                let position = SnapshotPosition {
                    seq: u64_at(&ext, 1)?,
                    mask: u64_at(&ext, 9)?,
                    after: u64_at(&ext, 17)?,
                };
                let snapshot = if flags & 1 != 0 {
                    Some(position)
                } else if ext.iter().any(|&b| b != 0) {
                    // Without a snapshot the position octets are reserved: one encoding per value.
                    return Err(Error::NonZeroReserved);
                } else {
                    None
                };
                Ok(Self::Request {
                    epoch,
                    seq,
                    snapshot,
                })
            }
            TYPE_DIGEST => {
                if usize::from(count) != SEGMENTS {
                    return Err(Error::BadCount(count));
                }
                let len = SEGMENTS * 8;
                let digests = body.get(..len).ok_or(Error::Truncated {
                    needed: HEADER_LEN + len,
                    got: bytes.len(),
                })?;
                let extra = body.len().saturating_sub(len);
                if extra != 0 {
                    return Err(Error::TrailingBytes(extra));
                }
                Ok(Self::Digest {
                    epoch,
                    seq,
                    digests: Digests(digests),
                })
            }
            other => Err(Error::BadType(other)),
        }
    }
}

/// Validates `count` records filling `body` (at offset `base` of the message) exactly; for a
/// snapshot, also their ops and segments and that the chunk advances its cursor.
fn validate_records(
    body: &[u8],
    base: usize,
    count: u16,
    snapshot: Option<(u64, u64, u64)>,
) -> Result<Records<'_>, Error> {
    let mut at = 0usize;
    for index in 0..count {
        let rest = body.get(at..).unwrap_or_default();
        let (r, n) = decode_record(rest, index).map_err(|e| match e {
            Error::Truncated { needed, .. } => Error::Truncated {
                needed: base + at + needed,
                got: base + body.len(),
            },
            e => e,
        })?;
        if let Some((mask, after, upto)) = snapshot {
            if r.location.is_none() {
                return Err(Error::DeleteInSnapshot { index });
            }
            // The records' order is the sender's (its table's slot order, from a keyed hash
            // only it can compute); what a receiver can check is the segment and the cursor.
            let advances = upto != CURSOR_START && (after == CURSOR_START || upto > after);
            if !advances || mask & (1 << segment(r.key)) == 0 {
                return Err(Error::Unsorted { index });
            }
        }
        at += n;
    }
    let extra = body.len().saturating_sub(at);
    if extra != 0 {
        return Err(Error::TrailingBytes(extra));
    }
    Ok(Records {
        bytes: body.get(..at).unwrap_or_default(),
        count,
    })
}

fn put_header(out: &mut [u8], ty: u8, count: u16, epoch: u32, seq: u64) -> bool {
    let Some(h) = out.get_mut(..HEADER_LEN) else {
        return false;
    };
    let mut head = [0u8; HEADER_LEN];
    let [v, t, c0, c1, e0, e1, e2, e3, s0, s1, s2, s3, s4, s5, s6, s7] = &mut head;
    *v = VERSION;
    *t = ty;
    [*c0, *c1] = count.to_be_bytes();
    [*e0, *e1, *e2, *e3] = epoch.to_be_bytes();
    [*s0, *s1, *s2, *s3, *s4, *s5, *s6, *s7] = seq.to_be_bytes();
    h.copy_from_slice(&head);
    true
}

fn put_u64(out: &mut [u8], at: usize, v: u64) {
    if let Some(s) = out.get_mut(at..at.saturating_add(8)) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

/// Encodes a Delta message with as many of `records` as fit in `out` (and at most 65,535);
/// returns (octets written, records taken). Writes nothing and returns (0, 0) if not even the
/// header fits.
pub fn encode_delta(
    epoch: u32,
    first_seq: u64,
    records: impl IntoIterator<Item = Record>,
    out: &mut [u8],
) -> (usize, usize) {
    if out.len() < HEADER_LEN {
        return (0, 0);
    }
    let mut iter = records.into_iter().peekable();
    let (len, n, _) = put_records(out, HEADER_LEN, &mut iter, |_| true);
    put_header(out, TYPE_DELTA, n, epoch, first_seq);
    (len, usize::from(n))
}

/// The fields of a snapshot chunk other than its records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SnapshotHeader {
    /// Sender's epoch.
    pub epoch: u32,
    /// The sequence number the snapshot is consistent with.
    pub seq: u64,
    /// Digest segments covered.
    pub mask: u64,
    /// The cursor before this chunk.
    pub after: u64,
}

/// Encodes a snapshot chunk with as many of `records` (upserts in ascending key order within
/// `mask`, keys above `after`: the key itself is the cursor) as fit; [`encode_chunk`] takes
/// any order with explicit cursors. The chunk is marked last when `complete` is true and every
/// record was taken. Returns (octets written, records taken, cursor after the chunk). A record
/// that breaks the order rules ends the chunk early (it is not taken).
pub fn encode_snapshot(
    h: &SnapshotHeader,
    records: impl IntoIterator<Item = Record>,
    complete: bool,
    out: &mut [u8],
) -> (usize, usize, u64) {
    let start = HEADER_LEN + SNAPSHOT_EXT_LEN;
    if out.len() < start {
        return (0, 0, h.after);
    }
    let mut iter = records.into_iter().peekable();
    let mut prev = h.after;
    let (len, n, last_key) = put_records(out, start, &mut iter, |r| {
        let k = r.key.to_u64();
        let ok = r.location.is_some()
            && (prev == CURSOR_START || k > prev)
            && h.mask & (1 << segment(r.key)) != 0;
        if ok {
            prev = k;
        }
        ok
    });
    let upto = last_key.unwrap_or(h.after);
    let last = complete && iter.peek().is_none();
    put_header(out, TYPE_SNAPSHOT, n, h.epoch, h.seq);
    put_u64(out, HEADER_LEN, h.mask);
    put_u64(out, HEADER_LEN + 8, h.after);
    put_u64(out, HEADER_LEN + 16, upto);
    if let Some(f) = out.get_mut(HEADER_LEN + 24) {
        *f = u8::from(last);
    }
    (len, usize::from(n), upto)
}

/// Encodes a snapshot chunk in the sender's own order: each item is a record (an upsert within
/// `mask`) and its cursor (the sender's position of that record: above `after`, never
/// decreasing, never [`CURSOR_START`]). Takes as many items as fit; an item that breaks these
/// rules ends the chunk early (it is not taken). The chunk is marked last when `complete` is
/// true and every item was taken. Returns (octets written, records taken, cursor after the
/// chunk: the last record's, or `after` if none).
pub fn encode_chunk(
    h: &SnapshotHeader,
    items: impl IntoIterator<Item = (u64, Record)>,
    complete: bool,
    out: &mut [u8],
) -> (usize, usize, u64) {
    let start = HEADER_LEN + SNAPSHOT_EXT_LEN;
    if out.len() < start {
        return (0, 0, h.after);
    }
    let mut iter = items.into_iter().peekable();
    let mut at = start;
    let mut n: u16 = 0;
    let mut upto = h.after;
    while n < u16::MAX {
        let Some((c, r)) = iter.peek() else { break };
        let above = if n == 0 { h.after } else { upto };
        let ok = r.location.is_some()
            && *c != CURSOR_START
            && (above == CURSOR_START || *c > above || (n > 0 && *c == above))
            && h.mask & (1 << segment(r.key)) != 0;
        let Some(rest) = out.get_mut(at..).filter(|o| o.len() >= r.len()) else {
            break;
        };
        if !ok {
            break;
        }
        at += encode_record(r, rest);
        upto = *c;
        n += 1;
        let _ = iter.next();
    }
    let last = complete && iter.peek().is_none();
    put_snapshot_head(out, h, n, upto, last);
    (at, usize::from(n), upto)
}

/// Writes a snapshot chunk's header and extension (the records follow them).
pub(crate) fn put_snapshot_head(out: &mut [u8], h: &SnapshotHeader, n: u16, upto: u64, last: bool) {
    put_header(out, TYPE_SNAPSHOT, n, h.epoch, h.seq);
    put_u64(out, HEADER_LEN, h.mask);
    put_u64(out, HEADER_LEN + 8, h.after);
    put_u64(out, HEADER_LEN + 16, upto);
    if let Some(f) = out.get_mut(HEADER_LEN + 24) {
        *f = u8::from(last);
    }
}

/// Writes records from `at` while they fit and `ok` accepts them; a record is taken from `iter`
/// only once written. Returns (end offset, records written, key of the last one).
fn put_records<I: Iterator<Item = Record>>(
    out: &mut [u8],
    mut at: usize,
    iter: &mut core::iter::Peekable<I>,
    mut ok: impl FnMut(&Record) -> bool,
) -> (usize, u16, Option<u64>) {
    let mut n: u16 = 0;
    let mut last = None;
    while n < u16::MAX {
        let Some(r) = iter.peek() else { break };
        let rest = out.get_mut(at..).unwrap_or_default();
        if rest.len() < r.len() || !ok(r) {
            break;
        }
        at += encode_record(r, rest);
        n += 1;
        last = Some(r.key.to_u64());
        let _ = iter.next();
    }
    (at, n, last)
}

/// Encodes a Request; returns the octets written (0 if `out` is too short).
pub fn encode_request(
    epoch: u32,
    seq: u64,
    snapshot: Option<SnapshotPosition>,
    out: &mut [u8],
) -> usize {
    let len = HEADER_LEN + REQUEST_EXT_LEN;
    if out.len() < len {
        return 0;
    }
    put_header(out, TYPE_REQUEST, 0, epoch, seq);
    let (flags, p) = match snapshot {
        Some(p) => (1, p),
        None => (
            0,
            SnapshotPosition {
                seq: 0,
                mask: 0,
                after: 0,
            },
        ),
    };
    if let Some(f) = out.get_mut(HEADER_LEN) {
        *f = flags;
    }
    put_u64(out, HEADER_LEN + 1, p.seq);
    put_u64(out, HEADER_LEN + 9, p.mask);
    put_u64(out, HEADER_LEN + 17, p.after);
    len
}

/// Encodes a Digest; returns the octets written (0 if `out` is too short).
pub fn encode_digest(epoch: u32, seq: u64, digests: &[u64; SEGMENTS], out: &mut [u8]) -> usize {
    let len = HEADER_LEN + SEGMENTS * 8;
    if out.len() < len {
        return 0;
    }
    put_header(out, TYPE_DIGEST, SEGMENTS as u16, epoch, seq);
    for (i, d) in digests.iter().enumerate() {
        put_u64(out, HEADER_LEN + i * 8, *d);
    }
    len
}
