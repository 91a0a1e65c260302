//! Peer synchronisation: the change journal, deltas, chunked snapshots and range digests.
//!
//! Each table is the **owner** of the entries it learned (and its static entries on ports and
//! MLAG bonds) and a **mirror** of its peer's. The owner numbers every change of its synchronised
//! view with a sequence number within its **epoch** (a value that changes on every start). The
//! mirror's position is (epoch, last sequence number applied).
//!
//! * **Deltas** stream the journal as it grows. The mirror applies a delta only if it continues
//!   its position (overlaps are skipped, so duplicates are harmless); a gap is answered with a
//!   Request.
//! * **Requests** (every `sync_interval`, and at once on a gap) tell the owner the mirror's
//!   position. If the journal still holds what follows, the owner rewinds its delta stream to it;
//!   otherwise — another epoch, or fallen off the journal — it starts a **snapshot**.
//! * A **snapshot** starts at a sequence number S: the owner streams its live table in its own
//!   slot order (home groups come in the order of its keyed hash, see `crate::slots`), no
//!   copy and no sort. Each chunk carries its cursor range, a range of that hash: it holds
//!   every synchronised key whose hash is in it (in slot order within the chunk), so a lost
//!   chunk is detected and the mirror's next Request resumes it from its cursor; the cursor
//!   is a hash, not a slot index, so it stays valid while the table grows or entries move. A key changed after S may be sent as it was at S or as it is later; the
//!   deltas after S follow the snapshot and replay every such change in order, so the result
//!   is the owner's table whatever changes meanwhile. On the last chunk the mirror removes the
//!   peer entries the snapshot did not mention (stale ones) and sets its position to
//!   (epoch, S).
//! * **Anti-entropy**: both sides keep 64 XOR digests of the synchronised entries, split by a
//!   fixed hash of the key. A caught-up mirror sends its digests every `digest_interval`; the
//!   owner compares them with its own at the same sequence number and re-sends only the
//!   segments that differ, as a snapshot restricted to them. No periodic full resync.
//!
//! The byte format is in [`wire`].

pub mod wire;

use alloc::vec::Vec;
use l2_types::Instant;

use crate::slots::KEY_MASK;
use crate::table::{EXT_BIT, Fdb, K_DYN, K_STATIC, KIND_BITS, KIND_SHIFT, MARK_BIT, State};
use crate::types::{Event, Key, SyncLocation};
use wire::{CURSOR_START, Message, Record, SnapshotHeader, SnapshotPosition};

/// A snapshot being sent.
#[derive(Clone, Debug)]
pub(crate) struct SnapOut {
    pub(crate) seq: u64,
    pub(crate) mask: u64,
    /// The table hash of the last key sent ([`CURSOR_START`] before the first chunk).
    pub(crate) cursor: u64,
    pub(crate) sent_last: bool,
}

/// A snapshot being received.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SnapIn {
    pub(crate) epoch: u32,
    pub(crate) seq: u64,
    pub(crate) mask: u64,
    pub(crate) after: u64,
}

/// Whether the peer is reachable (ICCP established).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PeerState {
    /// Messages can be exchanged.
    Up,
    /// The peer is gone: sync stops; its entries stay until flushed ([`crate::Flush::peer`]).
    Down,
}

/// Why a sync message was not applied (each is counted in [`crate::Stats`]; the table is
/// unchanged by a refused message).
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The bytes are not a sync message.
    #[error("malformed sync message: {0}")]
    Wire(#[from] wire::Error),
    /// From another epoch than the one mirrored (an old session, or a restarted peer).
    #[error("message of epoch {got}, mirroring epoch {expected}")]
    StaleEpoch {
        /// The message's epoch.
        got: u32,
        /// The epoch mirrored here.
        expected: u32,
    },
    /// A delta after a gap (a message was lost).
    #[error("delta starts at {got}, expected {expected}")]
    Gap {
        /// Next sequence number expected.
        expected: u64,
        /// The delta's first.
        got: u64,
    },
    /// A delta claiming sequence number 0 or running past u64::MAX.
    #[error("impossible sequence number")]
    BadSequence,
    /// A snapshot chunk that does not continue the snapshot in progress.
    #[error("snapshot chunk out of order")]
    OutOfOrder,
}

const FULL: u64 = u64::MAX;

impl Fdb {
    /// Tells the table whether the peer is reachable. Going up schedules a Request at once; going
    /// down abandons any snapshot in either direction (the peer's entries stay).
    pub fn set_peer(&mut self, now: Instant, state: PeerState) {
        let st = &mut self.st;
        match state {
            PeerState::Up => {
                st.peer_up = true;
                st.request_due = true;
                st.last_request = None;
                st.next_request = now.saturating_add(st.cfg.sync_interval);
                st.next_digest = now.saturating_add(st.cfg.digest_interval);
            }
            PeerState::Down => {
                st.peer_up = false;
                st.request_due = false;
                st.snap_in = None;
                st.snap_out = None;
            }
        }
    }

    /// This table's epoch and last sequence number.
    pub fn sync_position(&self) -> (u32, u64) {
        (self.st.cfg.epoch, self.st.seq)
    }

    /// The mirrored peer epoch and last sequence number applied (0, 0 before the first snapshot).
    pub fn peer_position(&self) -> (u32, u64) {
        (self.st.peer_epoch, self.st.peer_seq)
    }

    /// True while a snapshot from the peer is being received.
    pub fn receiving_snapshot(&self) -> bool {
        self.st.snap_in.is_some()
    }

    /// Journal records after `seq` (at most `max`), for incremental sync by other transports;
    /// `None` if the journal no longer holds `seq + 1` (a snapshot is needed).
    pub fn changes_since(&self, seq: u64, max: usize) -> Option<impl Iterator<Item = Record> + '_> {
        let st = &self.st;
        let journal_first = st.journal_first();
        if seq > st.seq || seq.saturating_add(1) < journal_first {
            return None;
        }
        let skip = usize::try_from(seq + 1 - journal_first).ok()?;
        Some(st.journal.iter_from(skip).take(max))
    }

    pub(crate) fn sync_deadline(&self) -> Option<Instant> {
        let st = &self.st;
        if !st.peer_up {
            return None;
        }
        let mut d = st.next_request;
        if st.snap_in.is_none() && st.peer_epoch != 0 {
            d = d.min(st.next_digest);
        }
        if st.request_due {
            let at = st
                .last_request
                .map_or(Instant::ZERO, |l| l.saturating_add(st.cfg.sync_holdoff));
            d = d.min(at);
        }
        Some(d)
    }

    pub(crate) fn sync_timeout(&mut self, now: Instant) {
        let st = &mut self.st;
        if st.peer_up && now >= st.next_request {
            st.request_due = true;
        }
    }

    /// Writes the next sync message for the peer into `out` and returns its length, or `None` if
    /// there is nothing to send now. Call after every input until it returns `None`. `out` should
    /// hold 1,500 octets or so: digests need 528, snapshot chunks at least 53; a shorter buffer
    /// holds those messages back.
    pub fn poll_sync(&mut self, now: Instant, out: &mut [u8]) -> Option<usize> {
        self.st.set_now(now);
        let now = self.st.now;
        if !self.st.peer_up {
            return None;
        }
        if let Some(n) = self.poll_request(now, out) {
            return Some(n);
        }
        if let Some(n) = self.poll_digest(now, out) {
            return Some(n);
        }
        if let Some(n) = self.poll_snapshot(out) {
            return Some(n);
        }
        self.poll_delta(out)
    }

    fn poll_request(&mut self, now: Instant, out: &mut [u8]) -> Option<usize> {
        let st = &mut self.st;
        if now >= st.next_request {
            st.request_due = true;
        }
        let holdoff_over = st
            .last_request
            .is_none_or(|l| now >= l.saturating_add(st.cfg.sync_holdoff));
        if !st.request_due || !holdoff_over {
            return None;
        }
        let (epoch, snapshot) = match st.snap_in {
            Some(si) => (
                si.epoch,
                Some(SnapshotPosition {
                    seq: si.seq,
                    mask: si.mask,
                    after: si.after,
                }),
            ),
            None => (st.peer_epoch, None),
        };
        let n = wire::encode_request(epoch, st.peer_seq, snapshot, out);
        if n == 0 {
            return None;
        }
        st.request_due = false;
        st.last_request = Some(now);
        st.next_request = now.saturating_add(st.cfg.sync_interval);
        st.stats.sync_sent += 1;
        Some(n)
    }

    fn poll_digest(&mut self, now: Instant, out: &mut [u8]) -> Option<usize> {
        let st = &mut self.st;
        if st.snap_in.is_some() || st.peer_epoch == 0 || now < st.next_digest {
            return None;
        }
        let n = wire::encode_digest(st.peer_epoch, st.peer_seq, &st.peer_digest, out);
        if n == 0 {
            return None;
        }
        st.next_digest = now.saturating_add(st.cfg.digest_interval);
        st.stats.sync_sent += 1;
        Some(n)
    }

    fn poll_snapshot(&mut self, out: &mut [u8]) -> Option<usize> {
        let epoch = self.st.cfg.epoch;
        let so = self.st.snap_out.as_ref()?;
        // A chunk must have room for one record, or the stream would never advance.
        let room = wire::HEADER_LEN + wire::SNAPSHOT_EXT_LEN + wire::RECORD_LEN_MAX;
        if so.sent_last || out.len() < room {
            return None;
        }
        let h = SnapshotHeader {
            epoch,
            seq: so.seq,
            mask: so.mask,
            after: so.cursor,
        };
        // The live table from the cursor on, in slot order: home groups come in hash order, and
        // at each group no key passed (an "open" group: overflow count 0) everything up to that
        // group's end of the hash range has been seen (see `Table::group`), so the chunk ends at
        // the last such group that fits. The order within a chunk does not matter (the receiver only checks that the
        // cursor advances). No copy, no sort. Changes after `seq` are in the journal, whose
        // deltas follow the snapshot.
        let groups = self.map.group_count();
        // Entries with a hash from `lo` on are still to send.
        let lo = if h.after == CURSOR_START {
            0
        } else {
            h.after.saturating_add(1)
        };
        let aux = &self.aux;
        let mask = h.mask;
        let mut at = wire::HEADER_LEN + wire::SNAPSHOT_EXT_LEN;
        let mut n: u16 = 0;
        let cap = out.len();
        let g0 = self.map.home_group(lo);
        let mut j = g0;
        // Until the first open group (no key passed it), keys with a home before `g0` may turn
        // up: test the hash. Not needed when `lo` is the first hash of `g0` and the group before
        // it is open now (the usual case: the previous chunk ended there): then every key from
        // `g0` on has its home at `g0` or later, so a hash of at least `lo`.
        let mut past_open = match g0.checked_sub(1) {
            None => lo == 0,
            Some(p) => {
                self.map.group(p).is_some_and(|(_, open, _)| open)
                    && self.map.group_end(p).checked_add(1) == Some(lo)
            }
        };
        // The last open group read whole: (octets, records, group).
        let mut checkpoint = None;
        let mut complete = false;
        'groups: loop {
            let Some((mut full, open, ss)) = self.map.group(j) else {
                // The end of the array: everything was seen.
                checkpoint = Some((at, n, j));
                complete = true;
                break;
            };
            // Room for a whole group of MLAG records: the group is written with no room, count
            // or mask test per record (`encode_group`); near the end of the chunk, record by
            // record.
            const GROUP_MAX: usize = crate::slots::SLOTS * wire::RECORD_LEN_MAX;
            if past_open
                && mask == FULL
                && at + GROUP_MAX <= cap
                && usize::from(n) + crate::slots::SLOTS <= usize::from(u16::MAX)
            {
                if let Some(dst) = out.get_mut(at..at + GROUP_MAX) {
                    let (octets, records) = encode_group(aux, ss, full, dst);
                    at += octets;
                    // At most 14 more, checked above.
                    n = n.saturating_add(records);
                }
            } else {
                while full != 0 {
                    let l = crate::slots::Table::lane_of(full);
                    full &= full - 1;
                    let Some(&w) = ss.get(l) else { continue };
                    if !past_open && self.map.hash(w[0]) < lo {
                        continue;
                    }
                    if !put_record(aux, mask, out, w, &mut at, &mut n) {
                        break 'groups;
                    }
                }
            }
            if open {
                past_open = true;
                checkpoint = Some((at, n, j));
                if j + 1 >= groups {
                    complete = true;
                    break;
                }
            }
            j += 1;
        }
        let upto = if let Some((c_at, c_n, cj)) = checkpoint {
            (at, n) = (c_at, c_n);
            if complete && cj >= groups {
                u64::MAX - 1
            } else {
                self.map.group_end(cj)
            }
        } else {
            // Not even the keys up to the first open group fit (a small buffer, or a long run
            // of full groups): send the ones with the smallest hashes.
            at = wire::HEADER_LEN + wire::SNAPSHOT_EXT_LEN;
            n = 0;
            let mut rest: Vec<(u64, [u64; 2])> = Vec::new();
            let mut j = g0;
            while let Some((mut full, open, ss)) = self.map.group(j) {
                while full != 0 {
                    let l = crate::slots::Table::lane_of(full);
                    full &= full - 1;
                    if let Some(&w) = ss.get(l) {
                        let hh = self.map.hash(w[0]);
                        if hh >= lo {
                            rest.push((hh, w));
                        }
                    }
                }
                if open {
                    break;
                }
                j += 1;
            }
            // The `k` smallest hashes fit even as MLAG records: select them (no sort); the
            // chunk ends at the greatest of them.
            let k = (cap.saturating_sub(at) / wire::RECORD_LEN_MAX).clamp(1, usize::from(u16::MAX));
            if rest.len() > k {
                let _ = rest.select_nth_unstable_by_key(k - 1, |&(hh, _)| hh);
                rest.truncate(k);
            }
            for &(_, w) in &rest {
                // Fits: k records of at most 12 octets.
                let _ = put_record(aux, mask, out, w, &mut at, &mut n);
            }
            // Not empty: something in this run did not fit.
            rest.iter().map(|&(hh, _)| hh).max().unwrap_or(h.after)
        };
        if groups == 0 {
            complete = true;
        }
        wire::put_snapshot_head(out, &h, n, upto, complete);
        if let Some(so) = self.st.snap_out.as_mut() {
            so.cursor = upto;
            so.sent_last = complete;
        }
        self.st.stats.sync_sent += 1;
        Some(at)
    }

    fn poll_delta(&mut self, out: &mut [u8]) -> Option<usize> {
        let st = &mut self.st;
        if st.delta_sent >= st.seq {
            return None;
        }
        // Records that fell off the journal cannot be sent: the mirror will see a gap and ask.
        let journal_first = st.journal_first();
        let first = st.delta_sent.saturating_add(1).max(journal_first);
        let skip = usize::try_from(first - journal_first).ok()?;
        let (len, n) = wire::encode_delta(st.cfg.epoch, first, st.journal.iter_from(skip), out);
        if len == 0 || n == 0 {
            return None;
        }
        st.delta_sent = first + n as u64 - 1;
        st.stats.sync_sent += 1;
        Some(len)
    }

    /// Applies one sync message from the peer. A refused message changes nothing but counters
    /// (and may schedule a Request).
    pub fn handle_sync(&mut self, now: Instant, bytes: &[u8]) -> Result<(), SyncError> {
        self.st.set_now(now);
        let msg = match Message::decode(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.st.stats.sync_decode_errors += 1;
                return Err(SyncError::Wire(e));
            }
        };
        let r = match msg {
            Message::Delta {
                epoch,
                first_seq,
                records,
            } => self.handle_delta(epoch, first_seq, records),
            Message::Snapshot {
                epoch,
                seq,
                mask,
                after,
                upto,
                last,
                records,
            } => self.handle_chunk(epoch, seq, mask, after, upto, last, records),
            Message::Request {
                epoch,
                seq,
                snapshot,
            } => {
                self.handle_request(epoch, seq, snapshot);
                Ok(())
            }
            Message::Digest {
                epoch,
                seq,
                digests,
            } => {
                self.handle_digest(epoch, seq, digests);
                Ok(())
            }
        };
        if r.is_ok() {
            self.st.stats.sync_received += 1;
        }
        r
    }

    fn handle_delta(
        &mut self,
        epoch: u32,
        first_seq: u64,
        records: wire::Records<'_>,
    ) -> Result<(), SyncError> {
        let st = &mut self.st;
        if st.snap_in.is_some() {
            st.stats.sync_deltas_during_snapshot += 1;
            return Ok(());
        }
        if epoch != st.peer_epoch {
            st.stats.sync_stale += 1;
            st.request_due = true;
            return Err(SyncError::StaleEpoch {
                got: epoch,
                expected: st.peer_epoch,
            });
        }
        let n = records.len() as u64;
        if first_seq == 0 {
            return Err(SyncError::BadSequence);
        }
        let Some(last) = (first_seq - 1).checked_add(n) else {
            return Err(SyncError::BadSequence);
        };
        if n == 0 {
            return Ok(());
        }
        let expected = st.peer_seq + 1;
        if first_seq > expected {
            st.stats.sync_gaps += 1;
            st.request_due = true;
            return Err(SyncError::Gap {
                expected,
                got: first_seq,
            });
        }
        if last < expected {
            st.stats.sync_duplicates += 1;
            return Ok(());
        }
        let skip = usize::try_from(expected - first_seq).unwrap_or(usize::MAX);
        for r in records.iter().skip(skip) {
            self.apply(r, false);
        }
        self.st.peer_seq = last;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_chunk(
        &mut self,
        epoch: u32,
        seq: u64,
        mask: u64,
        after: u64,
        upto: u64,
        last: bool,
        records: wire::Records<'_>,
    ) -> Result<(), SyncError> {
        let start = after == CURSOR_START;
        let st = &mut self.st;
        match st.snap_in {
            Some(si) if si.epoch == epoch && si.seq == seq && si.mask == mask => {
                if rank(after) < rank(si.after) {
                    // Already applied: a duplicate, or a resend after a rewind.
                    st.stats.sync_duplicates += 1;
                    return Ok(());
                }
                if after != si.after {
                    st.stats.sync_out_of_order += 1;
                    st.request_due = true;
                    return Err(SyncError::OutOfOrder);
                }
            }
            current => {
                if !start {
                    st.stats.sync_out_of_order += 1;
                    st.request_due = true;
                    return Err(SyncError::OutOfOrder);
                }
                let older_than_current =
                    current.is_some_and(|si| si.epoch == epoch && seq < si.seq);
                let older_than_mirror =
                    current.is_none() && epoch == st.peer_epoch && seq < st.peer_seq;
                if older_than_current || older_than_mirror {
                    st.stats.sync_stale += 1;
                    return Err(SyncError::StaleEpoch {
                        got: epoch,
                        expected: st.peer_epoch,
                    });
                }
                // Begin: forget the marks of the segments this snapshot covers.
                self.map.for_each_mut(|w| {
                    if mask == FULL || in_mask(w[0] & KEY_MASK, mask) {
                        w[0] &= !MARK_BIT;
                    }
                });
                self.st.snap_in = Some(SnapIn {
                    epoch,
                    seq,
                    mask,
                    after,
                });
                self.st.push_event(Event::PeerSnapshotStarted { epoch });
            }
        }
        for r in records.iter() {
            self.apply(r, true);
        }
        if let Some(si) = self.st.snap_in.as_mut() {
            si.after = upto;
        }
        if last {
            self.finish_snapshot(epoch, seq, mask);
        }
        Ok(())
    }

    fn finish_snapshot(&mut self, epoch: u32, seq: u64, mask: u64) {
        let st = &mut self.st;
        let aux = &mut self.aux;
        let mut removed = 0u32;
        self.map.retain(|w| {
            let was_ext = w[0] & EXT_BIT != 0;
            if w[0] & MARK_BIT != 0 || (!was_ext && (w[1] >> 8) & 0xff == 0) {
                return true;
            }
            let key = w[0] & KEY_MASK;
            if mask != FULL && !in_mask(key, mask) {
                return true;
            }
            let mut s = aux.decode(*w);
            let Some(p) = s.peer() else { return true };
            State::note_peer(key, &mut st.peer_digest, p);
            s.set_peer(None);
            removed = removed.saturating_add(1);
            if s.has_local() {
                *w = aux.encode(key, &s, was_ext);
                true
            } else {
                aux.forget(w[0]);
                false
            }
        });
        st.peer_epoch = epoch;
        st.peer_seq = seq;
        st.snap_in = None;
        st.stats.snapshots_received += 1;
        st.push_event(Event::PeerSnapshotDone { epoch, removed });
    }

    /// Installs or removes one peer entry.
    fn apply(&mut self, r: Record, mark: bool) {
        let key = r.key.to_u64();
        let Some(loc) = r.location else {
            if let Some((i, mut s)) = self.load_key(key)
                && let Some(old) = s.peer()
            {
                State::note_peer(key, &mut self.st.peer_digest, old);
                s.set_peer(None);
                if s.has_local() {
                    self.store(i, key, &s);
                } else {
                    self.remove_index(i);
                }
            }
            return;
        };
        let room = self.map.len() < self.st.cfg.entries_max as usize;
        if room {
            self.map.reserve_one();
        }
        let i = match self.map.find(key) {
            Ok(i) => i,
            Err(pos) => {
                let st = &mut self.st;
                if !room {
                    st.stats.sync_rejected_full += 1;
                    return;
                }
                State::note_peer(key, &mut st.peer_digest, loc);
                let mut s = crate::table::Slot::EMPTY;
                s.set_peer(Some(loc));
                s.set_mark(mark);
                let w = self.aux.encode(key, &s, false);
                let _ = self.map.insert_at(pos, w);
                return;
            }
        };
        let st = &mut self.st;
        let mut s = self.aux.decode(self.map.at(i));
        if s.peer() != Some(loc) {
            if let Some(old) = s.peer() {
                State::note_peer(key, &mut st.peer_digest, old);
            }
            State::note_peer(key, &mut st.peer_digest, loc);
            s.set_peer(Some(loc));
        }
        if mark {
            s.set_mark(true);
        }
        // The peer saw the MAC somewhere our dynamic entry does not agree with: it moved behind
        // the peer.
        let compatible = match (s.local(), loc) {
            (Some(crate::Location::PeerPort), _) => true,
            (Some(crate::Location::Mlag(a)), SyncLocation::Mlag(b)) => a == b,
            _ => false,
        };
        if s.has_local() && s.kind == crate::Kind::Dynamic && !s.frozen() && !compatible {
            st.drop_local(key, &mut s);
            st.stats.moved_to_peer += 1;
        }
        self.store(i, key, &s);
    }

    fn handle_request(&mut self, epoch: u32, seq: u64, snapshot: Option<SnapshotPosition>) {
        let st = &mut self.st;
        let own = st.cfg.epoch;
        if let Some(p) = snapshot {
            if epoch == own
                && let Some(so) = st.snap_out.as_mut()
                && so.seq == p.seq
                && so.mask == p.mask
            {
                // Resume from the mirror's cursor.
                so.cursor = p.after;
                so.sent_last = false;
                st.delta_sent = so.seq;
                return;
            }
            self.start_snapshot(FULL);
            return;
        }
        let in_journal = seq <= st.seq && seq.saturating_add(1) >= st.journal_first();
        if epoch == own && in_journal {
            st.delta_sent = seq;
            st.snap_out = None;
            return;
        }
        let streaming_full = st
            .snap_out
            .as_ref()
            .is_some_and(|so| so.mask == FULL && !so.sent_last);
        if !streaming_full {
            self.start_snapshot(FULL);
        }
    }

    fn handle_digest(&mut self, epoch: u32, seq: u64, digests: wire::Digests<'_>) {
        let st = &self.st;
        if epoch != st.cfg.epoch || seq != st.seq {
            return;
        }
        if st.snap_out.as_ref().is_some_and(|so| !so.sent_last) {
            return;
        }
        let mut mask = 0u64;
        for (i, d) in st.own_digest.iter().enumerate() {
            if digests.get(i) != *d {
                mask |= 1 << i;
            }
        }
        if mask != 0 {
            self.st.stats.digest_repairs += 1;
            self.start_snapshot(mask);
        }
    }

    fn start_snapshot(&mut self, mask: u64) {
        let st = &mut self.st;
        st.snap_out = Some(SnapOut {
            seq: st.seq,
            mask,
            cursor: CURSOR_START,
            sent_last: false,
        });
        st.delta_sent = st.seq;
        st.stats.snapshots_sent += 1;
    }
}

fn in_mask(key: u64, mask: u64) -> bool {
    Key::from_u64(key).is_some_and(|k| mask & (1 << wire::segment(k)) != 0)
}

/// Writes the snapshot records of the full lanes `full` of group slots `ss` into `dst`, which
/// has room for 12 octets per lane: no room, count or mask test per record, no branch on a
/// record's length (a record not synchronised is written and then overwritten by the next;
/// the octets advance by the length). Returns the octets and records written. Out of line, so
/// that its loop keeps everything in registers.
#[inline(never)]
fn encode_group(
    aux: &crate::table::Aux,
    ss: &[[u64; 2]],
    mut full: u32,
    dst: &mut [u8],
) -> (usize, u16) {
    let mut off = 0usize;
    let mut records = 0u16;
    while full != 0 {
        let l = crate::slots::Table::lane_of(full);
        full &= full - 1;
        let Some(&w) = ss.get(l) else { continue };
        let e = snap_entry(aux, w);
        let len = ((e >> 32) & 0xf) as usize;
        if let Some(o) = dst.get_mut(off..).and_then(<[u8]>::first_chunk_mut::<12>) {
            let [a0, a1, a2, a3, a4, a5, a6, a7] =
                ((e & (3 << 60)) | (w[0] & KEY_MASK)).to_be_bytes();
            let [b0, b1, b2, b3] = (e as u32).to_be_bytes();
            *o = [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3];
        }
        off += len;
        records += u16::from(len != 0);
    }
    (off, records)
}

/// The snapshot op word ([`crate::table::snap_op`]) of slot `w`: 0 if not synchronised.
#[inline(always)]
fn snap_entry(aux: &crate::table::Aux, w: [u64; 2]) -> u64 {
    let kw = w[0];
    if kw & EXT_BIT != 0 {
        return ext_entry(aux, w);
    }
    let kind = (kw & KIND_BITS) >> KIND_SHIFT;
    // Dynamic and static entries are synchronised, the bridge's own addresses are not.
    let synced: u64 = (((1 << K_DYN) | (1 << K_STATIC)) >> kind) & 1;
    // A `u8` index into 256 entries: the compiler drops the bounds check.
    let op = aux.snap_ops.get(usize::from(w[1] as u8)).copied();
    op.unwrap_or(0) & synced.wrapping_neg()
}

/// [`snap_entry`] of a slot kept whole in the side table.
#[inline(never)]
fn ext_entry(aux: &crate::table::Aux, w: [u64; 2]) -> u64 {
    crate::table::snap_op(aux.decode(w).sync_view())
}

/// Cursor order: the start sentinel before every key.
/// Writes the snapshot record of slot `w` at `at` if it is synchronised; false if it does not
/// fit. The record word's op: 0 not synchronised, 1 single-homed, 2 an MLAG bond (the mlag-id
/// follows).
///
/// The common case (an inline slot, 12 octets of room) is branch-light: the interned local
/// index selects a precomputed op word (`Aux::snap_ops`: op, length, mlag-id), a kind that is
/// not synchronised zeroes the length, and a whole 12-octet record is written whatever the
/// length (an 8-octet record's last 4 octets are overwritten by the next record or lie past
/// the chunk's end); `at` advances by the length.
#[inline(always)]
fn put_record(
    aux: &crate::table::Aux,
    mask: u64,
    out: &mut [u8],
    w: [u64; 2],
    at: &mut usize,
    n: &mut u16,
) -> bool {
    let key = w[0] & KEY_MASK;
    let e = snap_entry(aux, w);
    let len = ((e >> 32) & 0xf) as usize;
    if len == 0 || !(mask == FULL || in_mask(key, mask)) {
        return true;
    }
    if *n == u16::MAX {
        return false;
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = ((e & (3 << 60)) | key).to_be_bytes();
    let [b0, b1, b2, b3] = (e as u32).to_be_bytes();
    if let Some(o) = out.get_mut(*at..).and_then(<[u8]>::first_chunk_mut::<12>) {
        *o = [a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3];
    } else {
        // Less than 12 octets left: only an 8-octet record can still fit.
        match out.get_mut(*at..).and_then(<[u8]>::first_chunk_mut::<8>) {
            Some(o) if len == 8 => *o = [a0, a1, a2, a3, a4, a5, a6, a7],
            _ => return false,
        }
    }
    *at += len;
    *n += 1;
    true
}

fn rank(cursor: u64) -> u64 {
    if cursor == CURSOR_START {
        0
    } else {
        cursor.saturating_add(1)
    }
}
