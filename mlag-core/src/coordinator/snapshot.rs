//! Hitless restart of one peer's control plane: [`Coordinator::snapshot`] and
//! [`Coordinator::restore`] (issue 6).
//!
//! The process that hosts a coordinator can be replaced — an upgrade, a crash caught by a
//! supervisor that still has the last snapshot — while the dataplane keeps forwarding with
//! what it was programmed with. The snapshot holds everything the coordinator needs to
//! continue *without any externally visible event*: the client sees no LACP change, the peer
//! no ICCP change, STP neighbours no new bridge, and the dataplane gets no removal.
//!
//! # What is kept, and how
//! | part | kept | time base |
//! |---|---|---|
//! | LACP (`lacp::System`) | exactly: machine states, Selected, aggregators, actor state, partner information ([`lacp::Snapshot`]) | timers *relative*: re-armed from the restore instant, so the client's LACPDUs lost during the pause count as one late frame, not as a timeout |
//! | ICCP (`iccp::Session`) | exactly: both incarnations, frame numbers and replay window, the reliable stream both ways (unacknowledged frames included), RG and mLACP connection states, the peer's identity, role, system-id, election generation and incumbent (`iccp::Session::snapshot`) | relative |
//! | logical STP bridge | exactly: the bridge ([`stp::Bridge::snapshot`]), its mode (primary / replica / standalone), the input log and its sequence number, the MLAG port map, own ports, links, claims and authority | *absolute*: restored at the snapshot's instant, see below |
//! | MLAG halves | local and peer half, the peer's partner, release, isolation, holds, numbering, the system-id applied to every LAG | — |
//! | split brain | the verdict, the peer's last evidence, grants, frame counters | absolute |
//! | FDB | own entries with their age, the mirror of the peer's table at its position, what the dataplane holds | absolute |
//! | counters | demultiplexer, rejected / failed application messages, STP relay and catch-up counters, the coordinator's FDB sync counters | — |
//!
//! **ICCP: kept, not re-synchronised.** RFC 7275 asks of the transport only a reliable,
//! in-order channel (§5) and says nothing of how an implementation keeps it; our L2 framing's
//! reliability is our own. A session that resumes exactly where it stopped is therefore
//! indistinguishable from one that paused: the peer's frames sent during the pause were not
//! acknowledged and are retransmitted, ours that it had not acknowledged are sent again, and
//! a pause shorter than three heartbeats raises no silence. So neither side sees a
//! Disconnected / Connected pair, no election runs, the role and the system-id cannot flap,
//! and the mLACP application connection (§7.2.1) stays operational. (A graceful re-sync — a
//! new incarnation, the peer adopting it after a challenge, a new election with the incumbent
//! system-id — would keep the system-id but run the connect path on both sides: halves reported
//! anew, STP claims, the FDB position exchange; visible to the peer, so it is not used.)
//!
//! **STP at the snapshot's instant.** The logical bridge is one timeline shared by the primary
//! and the replica (the input log carries the primary's times). Restoring the bridge relative
//! to the restore instant would shift its timers by the pause and the replica, or a catch-up
//! from the log, would no longer compute the same bridge. Restored at the snapshot's instant,
//! the bridge sees the pause as what it physically was: BPDUs lost on the wire, a pause far
//! below the 3 × Hello Time lifetime of BPDU information. Its timers due during the pause fire
//! at the first `handle_timeout` (a BPDU sent late).
//!
//! **FDB: both halves kept; the own table under a new epoch.** The mirror of the peer's table
//! is put back exactly — its entries, and the peer's epoch and sequence number it had applied
//! — as one snapshot of the peer's table in the `fdb` sync protocol's own format, applied
//! locally; the peer's deltas then continue where they stopped. The own table restarts with a
//! new epoch (as after a boot: its journal position is not part of the table's public state,
//! and the peer must never take a restarted stream for the old one); its dynamic entries are
//! learned again at the instant they were last seen, so they age as before. The peer's mirror
//! sees the new epoch and asks for a snapshot of this table, which holds the same entries: it
//! changes nothing the peer's dataplane holds. The map of what this peer's dataplane holds is
//! kept too, so the restored coordinator programs only differences — and there are none.
//!
//! **Dataplane.** [`Coordinator::restore`] re-asserts the forwarding state it knows — the
//! peer-port forwarding on every tree, each member's collecting / distributing, each MLAG's
//! next hop and split horizon, every FDB entry it programmed — with the same values the
//! dataplane already holds: idempotent calls, never a removal. Port states of the logical
//! bridge are not re-asserted: the bridge continues in the state that set them.
//!
//! Not kept: the flight recorder (it restarts empty), ICCP's and LACP's own counters and the
//! FDB table's statistics (they restart from zero), the move-dampening history of FDB entries,
//! and a partial STP snapshot catch-up (the replica asks again; a configuration summary being
//! reassembled is kept).
//!
//! # Rules for the host
//! * The snapshot must be the last act of the old instance: its ICCP frame numbers and its
//!   LACP and STP state move on with every input, so the old instance must not run after it.
//! * Restore with the same configuration ([`SnapshotError::ConfigMismatch`] otherwise) and a
//!   new [`Options::seed`](super::Options) (it seeds the FDB's new epoch).
//! * The pause between snapshot and restore should stay well below the smallest of: the
//!   client's LACP timeout (3 s with fast LACPDUs), three ICCP heartbeats, three STP Hello
//!   Times. The tests use up to 1 s.
//!
//! # Format
//! Magic `MLAGSNAP`, a version octet ([`SNAPSHOT_VERSION`]), the sections (each driver's own
//! versioned snapshot, length-prefixed, and the coordinator's fields, big-endian), and a
//! CRC-32 (IEEE 802.3) of everything before it, so a damaged octet anywhere is refused
//! ([`SnapshotError::Checksum`]) rather than restored into a wrong state. The decoder is total
//! (any octets give a coordinator or a [`SnapshotError`], never a panic) and allocates no more
//! than a small multiple of its input (every count is checked against the octets left).
//!
//! [`Coordinator::snapshot`]: super::Coordinator::snapshot
//! [`Coordinator::restore`]: super::Coordinator::restore

use alloc::vec::Vec;
use l2_types::{Instant, MacAddr};

/// Magic of a coordinator snapshot.
pub(crate) const MAGIC: &[u8; 8] = b"MLAGSNAP";
/// The format version [`Coordinator::snapshot`](super::Coordinator::snapshot) writes.
pub const SNAPSHOT_VERSION: u8 = 1;

/// Why [`Coordinator::restore`](super::Coordinator::restore) refused a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The octets end inside a field.
    #[error("snapshot truncated")]
    Truncated,
    /// Not a coordinator snapshot.
    #[error("not an MLAG coordinator snapshot")]
    BadMagic,
    /// A format version this code does not read (an older or newer build wrote it).
    #[error("snapshot format version {0} is not supported (this build reads {SNAPSHOT_VERSION})")]
    Version(u8),
    /// The checksum does not match: the octets were damaged.
    #[error("snapshot checksum mismatch")]
    Checksum,
    /// A field holds an impossible value.
    #[error("invalid snapshot field: {0}")]
    BadValue(&'static str),
    /// Octets after the last section.
    #[error("{0} trailing octets in the snapshot")]
    Trailing(usize),
    /// The snapshot was taken under another configuration (what differs).
    #[error("the snapshot was taken with another configuration ({0})")]
    ConfigMismatch(&'static str),
    /// The restore instant is before the snapshot's.
    #[error("restore instant before the snapshot's")]
    TimeWentBack,
    /// The coordinator could not be built for the configuration.
    #[error("coordinator: {0}")]
    Coordinator(super::Error),
    /// The LACP section does not restore.
    #[error("LACP: {0}")]
    Lacp(lacp::SnapshotError),
    /// The ICCP section does not restore.
    #[error("ICCP: {0}")]
    Iccp(iccp::SnapshotError),
    /// The STP section does not restore.
    #[error("STP: {0}")]
    Stp(stp::SnapshotError),
}

/// The CRC-32 table (IEEE 802.3, reflected, polynomial 0xEDB88320).
#[allow(clippy::indexing_slicing)] // `i < 256` by the loop; a const block cannot use `get_mut`.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 (IEEE 802.3): detects every error burst up to 32 bits, so any single damaged octet.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        let i = usize::from((crc as u8) ^ *b);
        crc = (crc >> 8) ^ CRC_TABLE.get(i).copied().unwrap_or(0);
    }
    !crc
}

/// FNV-1a over octets (the configuration fingerprint).
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The snapshot writer.
pub(crate) struct W(pub(crate) Vec<u8>);

impl W {
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn mac(&mut self, m: MacAddr) {
        self.0.extend_from_slice(&m.0);
    }
    pub(crate) fn at(&mut self, t: Instant) {
        self.u64(t.as_nanos());
    }
    pub(crate) fn opt_at(&mut self, t: Option<Instant>) {
        match t {
            Some(t) => {
                self.u8(1);
                self.at(t);
            }
            None => self.u8(0),
        }
    }
    pub(crate) fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.0.extend_from_slice(b);
    }
}

/// The snapshot reader: every read is checked, nothing panics.
pub(crate) struct R<'a>(pub(crate) &'a [u8]);

impl<'a> R<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        if self.0.len() < n {
            return Err(SnapshotError::Truncated);
        }
        let (h, t) = self.0.split_at(n);
        self.0 = t;
        Ok(h)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, SnapshotError> {
        let [b] = self.arr::<1>()?;
        Ok(b)
    }
    pub(crate) fn bool(&mut self, what: &'static str) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError::BadValue(what)),
        }
    }
    pub(crate) fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_be_bytes(self.arr()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_be_bytes(self.arr()?))
    }
    pub(crate) fn mac(&mut self) -> Result<MacAddr, SnapshotError> {
        Ok(MacAddr(self.arr()?))
    }
    pub(crate) fn at(&mut self) -> Result<Instant, SnapshotError> {
        Ok(Instant::from_nanos(self.u64()?))
    }
    pub(crate) fn opt_at(&mut self) -> Result<Option<Instant>, SnapshotError> {
        Ok(if self.bool("instant")? {
            Some(self.at()?)
        } else {
            None
        })
    }
    /// A count of items of at least `min` octets each, checked against what is left.
    pub(crate) fn count(&mut self, min: usize) -> Result<usize, SnapshotError> {
        let n = usize::try_from(self.u32()?).map_err(|_| SnapshotError::Truncated)?;
        if n.saturating_mul(min.max(1)) > self.0.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
    /// A [`count`](Self::count) of items, then that many `(key, value)` pairs read by `item`,
    /// into a map.
    pub(crate) fn map<K: Ord, V>(
        &mut self,
        min: usize,
        mut item: impl FnMut(&mut Self) -> Result<(K, V), SnapshotError>,
    ) -> Result<alloc::collections::BTreeMap<K, V>, SnapshotError> {
        let n = self.count(min)?;
        let mut m = alloc::collections::BTreeMap::new();
        for _ in 0..n {
            let (k, v) = item(self)?;
            m.insert(k, v);
        }
        Ok(m)
    }
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], SnapshotError> {
        let n = usize::try_from(self.u32()?).map_err(|_| SnapshotError::Truncated)?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // The catalogue's check value for "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
