//! The coordinator's FDB (module docs, "FDB"): the `fdb::Fdb` each peer owns, fed by
//! [`Coordinator::handle_learn`], aged by the coordinator's timers, synchronised with the peer
//! over ICCP and mirrored into the [`Dataplane`].
//!
//! # Carriage over ICCP
//! Every `fdb::sync::wire` message (delta, snapshot chunk, request, digest) travels whole in
//! one vendor FDB Delta TLV (0x3E02) of record kind [`FDB_SYNC`]; the `fdb` crate's protocol
//! does the rest (sequence numbers, resumable snapshot cursor, range digests), so a reconnect
//! resumes from the mirror's position without loss or duplication. At each connection every
//! peer also announces its table's position (epoch, sequence number) in a TLV of kind
//! [`FDB_POSITION`], sent in the same ordered stream: the peer's mirror is **synced** once it
//! has applied that position (the rejoin condition), whether it got there by a snapshot or by
//! resuming the journal.
//!
//! # Programming the dataplane
//! The coordinator keeps what it programmed (key → location) and, after every change to the
//! table, programs the difference for the keys that changed: a learn's key, the keys of a
//! received delta or snapshot chunk, and the local changes in the table's journal
//! (`fdb::Fdb::changes_since`: ageing, flushes, entries given up to the peer). A stale-entry
//! sweep at the end of a snapshot, or a journal that ran past the cursor, reconcile the whole
//! table. Entries point at the local port, the logical MLAG port of the mlag-id (whatever the
//! state of its halves: the next hop follows them), or the peer-port (a peer's single-homed
//! host, or a peer's MLAG client whose mlag-id has no local bond).

use super::run::Coordinator;
use crate::dataplane::{CIST, Dataplane, Location, MlagId};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::sync::wire::Message;
use fdb::{BondState, Flush, Key, PeerState, VlanSet};
use iccp::wire::param::Param;
use l2_types::{Instant, MacAddr, PortNo, VlanId};

/// FDB Delta TLV record kind: one whole `fdb::sync::wire` message.
pub const FDB_SYNC: u8 = 1;
/// FDB Delta TLV record kind: this peer's table position at connection (epoch u32, sequence
/// number u64, big-endian).
pub const FDB_POSITION: u8 = 2;

/// Most application messages waiting in the ICCP session before the FDB stops polling for
/// more sync messages (snapshot chunks resume as acknowledgements drain the queue).
const SEND_BACKLOG_MAX: usize = 64;

/// Largest sync message: one ICCP L2 payload less the ICC header, the TLV header and the TLV's
/// version and kind octets.
const SYNC_MESSAGE_MAX: usize = iccp::wire::l2::PAYLOAD_MAX
    - iccp::wire::message::ICC_HEADER_LEN
    - iccp::wire::tlv::HEADER_LEN
    - 2;

/// The FDB synchronisation in the monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdbMonitor {
    /// Keys in the table (local and peer entries).
    pub entries: usize,
    /// Entries programmed in the dataplane.
    pub programmed: usize,
    /// This table's epoch and last sequence number.
    pub own: (u32, u64),
    /// The peer's epoch and last sequence number applied here.
    pub peer: (u32, u64),
    /// The mirror has applied the position the peer announced at this connection.
    pub synced: bool,
    /// How long the last connection took to sync the mirror (from ICCP connected).
    pub last_sync: Option<Duration>,
    /// Snapshots of the peer's table started here (full resyncs and digest repairs).
    pub resyncs: u64,
    /// Sync messages from the peer that were refused (stale, gap, out of order, malformed).
    pub rejected: u64,
    /// Learns refused (a source address on the peer-port or an unknown port).
    pub learn_ignored: u64,
    /// Full reconciliations of the dataplane with the table.
    pub reconciles: u64,
    /// The table's own counters (learned, aged, moved, sync messages, digest repairs…).
    pub stats: fdb::Stats,
}

/// The FDB part of a coordinator.
#[derive(Debug)]
pub(super) struct FdbState {
    pub(super) table: fdb::Fdb,
    /// What the dataplane holds, by packed key.
    programmed: BTreeMap<u64, Location>,
    /// Own journal position already programmed.
    journal_seen: u64,
    /// The position the peer announced at this connection.
    announced: Option<(u32, u64)>,
    connected_at: Option<Instant>,
    /// The last instant the table's timers ran.
    handled_at: Option<Instant>,
    synced: bool,
    last_sync: Option<Duration>,
    buf: Vec<u8>,
    resyncs: u64,
    rejected: u64,
    learn_ignored: u64,
    reconciles: u64,
}

/// A 64-bit mix (splitmix64's finaliser) for the seeds derived from the host's.
const fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl FdbState {
    /// A table for a coordinator whose boot seed is `seed` (the epoch must change on every
    /// start, as the seed does) and whose bridge ages entries after `ageing`.
    pub(super) fn new(seed: u64, ageing: Duration) -> Result<Self, fdb::ConfigError> {
        let epoch = u32::try_from(mix(seed) >> 32).unwrap_or(1).max(1);
        let mut cfg = fdb::FdbConfig::new(mix(seed ^ 0xFDB0_FDB0_FDB0_FDB0), epoch);
        cfg.ageing_time = (ageing >= Duration::from_millis(1)).then_some(ageing);
        let table = fdb::Fdb::new(cfg)?;
        Ok(Self {
            table,
            programmed: BTreeMap::new(),
            journal_seen: 0,
            announced: None,
            connected_at: None,
            handled_at: None,
            synced: false,
            last_sync: None,
            buf: alloc::vec![0; SYNC_MESSAGE_MAX],
            resyncs: 0,
            rejected: 0,
            learn_ignored: 0,
            reconciles: 0,
        })
    }
}

/// The parts of the FDB state a coordinator snapshot keeps ([`super::snapshot`]).
#[derive(Debug, Clone, Default)]
pub(super) struct FdbSaved {
    /// What the dataplane holds, by packed key.
    pub(super) programmed: BTreeMap<u64, Location>,
    /// The table's epoch (the restored table must take another).
    pub(super) epoch: u32,
    /// Resyncs, rejected messages, ignored learns, reconciles.
    pub(super) counters: [u64; 4],
    /// When the connection began (for `last_sync`), and the time the last sync took.
    pub(super) connected_at: Option<Instant>,
    pub(super) last_sync: Option<Duration>,
    /// The mirror: the peer's epoch and sequence number it has applied, and its entries.
    pub(super) peer_position: (u32, u64),
    pub(super) peer_records: Vec<fdb::sync::wire::Record>,
}

impl FdbState {
    /// What a coordinator snapshot keeps of this state.
    pub(super) fn saved(&self) -> FdbSaved {
        FdbSaved {
            programmed: self.programmed.clone(),
            epoch: self.table.sync_position().0,
            counters: [
                self.resyncs,
                self.rejected,
                self.learn_ignored,
                self.reconciles,
            ],
            connected_at: self.connected_at,
            last_sync: self.last_sync,
            peer_position: self.table.peer_position(),
            peer_records: self.table.peer_records(),
        }
    }

    /// A restored state: `self` is a fresh state (new epoch) whose table already holds the own
    /// entries; the mirror is put back at the peer's position with its entries (one snapshot
    /// of the peer's table, as the sync protocol would send it, applied locally), and the
    /// dataplane map, counters and sync times come from the snapshot.
    pub(super) fn restored(mut self, saved: FdbSaved, now: Instant, connected: bool) -> Self {
        let (epoch, seq) = saved.peer_position;
        if epoch != 0 {
            let records = saved.peer_records;
            let mut taken = 0;
            let mut after = fdb::sync::wire::CURSOR_START;
            // Every chunk but the last takes at least one record (else it stops).
            loop {
                let h = fdb::sync::wire::SnapshotHeader {
                    epoch,
                    seq,
                    mask: u64::MAX,
                    after,
                };
                let rest = records.get(taken..).unwrap_or_default();
                let (len, n, upto) =
                    fdb::sync::wire::encode_snapshot(&h, rest.iter().copied(), true, &mut self.buf);
                if let Some(msg) = self.buf.get(..len) {
                    let _ = self.table.handle_sync(now, msg);
                }
                taken += n;
                after = upto;
                if taken >= records.len() || n == 0 {
                    break;
                }
            }
            // The snapshot's events are this restore's, not the peer's.
            while self.table.poll_event().is_some() {}
        }
        self.programmed = saved.programmed;
        self.journal_seen = self.table.sync_position().1;
        [
            self.resyncs,
            self.rejected,
            self.learn_ignored,
            self.reconciles,
        ] = saved.counters;
        self.connected_at = saved.connected_at;
        self.last_sync = saved.last_sync;
        self.synced = true;
        self.announced = None;
        self.handled_at = None;
        if connected {
            // Sync resumes from the mirror's position (a Request goes out at once); the
            // peer's mirror of this table sees the new epoch and asks for a snapshot.
            self.table.set_peer(now, PeerState::Up);
        }
        self
    }
}

fn key_parts(key: u64) -> Option<(VlanId, MacAddr)> {
    Key::from_u64(key).map(|k| (k.vid(), k.mac()))
}

impl<D: Dataplane> Coordinator<D> {
    /// A source MAC the host's dataplane learned on host port `port` (a plain port, a bond, or
    /// a bond's member) in `vid` at `now` (IEEE 802.1Q-2022 §8.7 Learning Process; the
    /// hardware learns, the coordinator decides). Filed on the port, or on the logical MLAG
    /// port of an MLAG bond's mlag-id; a MAC heard on the peer-port is the peer's and is
    /// ignored (counted). A host reports new and moved addresses at once and known ones at
    /// least once per ageing time / 16 or so, so that ageing (run by the coordinator's timers)
    /// sees them alive.
    pub fn handle_learn(&mut self, now: Instant, vid: VlanId, mac: MacAddr, port: PortNo) {
        let Some(loc) = self.learn_location(port) else {
            self.fdb.learn_ignored += 1;
            return;
        };
        match self.fdb.table.learn(now, vid, mac, loc) {
            fdb::Learn::New | fdb::Learn::Moved { .. } => {
                self.fdb_reconcile(Key::new(vid, mac).to_u64());
                self.drain(now);
            }
            // A refresh changes nothing the dataplane or the peer sees.
            fdb::Learn::Refreshed => {}
            fdb::Learn::Ignored(_) | fdb::Learn::Rejected(_) => self.fdb.learn_ignored += 1,
        }
    }

    /// The host saw frames from `mac` arrive on `port` recently — a periodic read of the
    /// hardware's or kernel's per-entry activity, for hosts whose table announces an address
    /// once, not on every frame (`mlagd` reads the Linux bridge's `ndm_updated`). Keeps the
    /// entry alive (802.1Q-2022 §8.8.3: an entry's ageing restarts with each frame from it):
    /// refreshes it when the table files `mac` at `port`'s location already, and learns it here
    /// too when only the peer had learned it on the same MLAG (both peers hear the station).
    /// Unlike [`Self::handle_learn`] it never **moves** an entry: an observation that may be
    /// seconds old must not undo a move made since. Returns whether the entry was kept alive.
    pub fn handle_activity(
        &mut self,
        now: Instant,
        vid: VlanId,
        mac: MacAddr,
        port: PortNo,
    ) -> bool {
        let Some(loc) = self.learn_location(port) else {
            return false;
        };
        match self.fdb.table.get(vid, mac) {
            Some(e)
                if e.location == loc
                    && !e.frozen
                    && matches!(e.kind, fdb::Kind::Dynamic | fdb::Kind::Peer) =>
            {
                self.handle_learn(now, vid, mac, port);
                true
            }
            _ => false,
        }
    }

    /// The table (for show commands and tests).
    pub fn fdb(&self) -> &fdb::Fdb {
        &self.fdb.table
    }

    /// The FDB synchronisation's part of the monitor.
    pub(super) fn fdb_monitor(&self) -> FdbMonitor {
        let f = &self.fdb;
        FdbMonitor {
            entries: f.table.len(),
            programmed: f.programmed.len(),
            own: f.table.sync_position(),
            peer: f.table.peer_position(),
            synced: f.synced,
            last_sync: f.last_sync,
            resyncs: f.resyncs,
            rejected: f.rejected,
            learn_ignored: f.learn_ignored,
            reconciles: f.reconciles,
            stats: *f.table.stats(),
        }
    }

    /// Where a MAC learned on host port `port` lives: `None` for the peer-port (and its
    /// members) and for ports outside the configuration.
    fn learn_location(&self, port: PortNo) -> Option<Location> {
        if port == self.peer_port() {
            return None;
        }
        let cfg = self.config();
        for b in cfg.bonds() {
            let bond_port = cfg.port_no(b.interface);
            if bond_port == port || b.slaves.iter().any(|s| cfg.port_no(*s) == port) {
                if bond_port == self.peer_port() {
                    return None;
                }
                return Some(match b.mlag_id {
                    Some(id) => Location::Mlag(id),
                    None => Location::Port(bond_port),
                });
            }
        }
        cfg.if_of(port).map(|_| Location::Port(port))
    }

    /// Where the dataplane should send frames for `key`: the local entry's location, else the
    /// peer's (its single-homed hosts behind the peer-port; an MLAG client on the logical port
    /// of its mlag-id if this peer has that bond, else behind the peer-port).
    fn fdb_desired(&self, key: u64) -> Option<Location> {
        let (vid, mac) = key_parts(key)?;
        let e = self.fdb.table.get(vid, mac)?;
        Some(match e.location {
            Location::Mlag(id) if !self.has_half(id) => Location::PeerPort,
            l => l,
        })
    }

    /// Programs the dataplane for one key.
    fn fdb_reconcile(&mut self, key: u64) {
        let want = self.fdb_desired(key);
        if self.fdb.programmed.get(&key).copied() == want {
            return;
        }
        let Some((vid, mac)) = key_parts(key) else {
            return;
        };
        match want {
            Some(l) => {
                self.fdb.programmed.insert(key, l);
                self.dp_mut().fdb_add(vid, mac, l);
            }
            None => {
                self.fdb.programmed.remove(&key);
                self.dp_mut().fdb_remove(vid, mac);
            }
        }
    }

    /// Programs the dataplane for every key (after a sweep of unknown keys).
    fn fdb_reconcile_all(&mut self) {
        self.fdb.reconciles += 1;
        let mut keys: Vec<u64> = self.fdb.programmed.keys().copied().collect();
        keys.extend(self.fdb.table.entries().map(|e| e.key.to_u64()));
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            self.fdb_reconcile(k);
        }
    }

    /// Programs the local changes recorded in the journal since the last call.
    fn fdb_follow_journal(&mut self) {
        let (_, seq) = self.fdb.table.sync_position();
        if seq == self.fdb.journal_seen {
            return;
        }
        let keys: Option<Vec<u64>> = self
            .fdb
            .table
            .changes_since(self.fdb.journal_seen, usize::MAX)
            .map(|it| it.map(|r| r.key.to_u64()).collect());
        self.fdb.journal_seen = seq;
        match keys {
            Some(keys) => {
                for k in keys {
                    self.fdb_reconcile(k);
                }
            }
            None => self.fdb_reconcile_all(),
        }
    }

    /// One drain round: the journal into the dataplane, the table's events, its sync messages
    /// to ICCP (while the session has room). True if anything happened.
    pub(super) fn fdb_drain(&mut self, now: Instant) -> bool {
        let mut progress = false;
        self.fdb_follow_journal();
        while let Some(e) = self.fdb.table.poll_event() {
            progress = true;
            match e {
                fdb::Event::PeerSnapshotStarted { .. } => self.fdb.resyncs += 1,
                fdb::Event::PeerSnapshotDone { removed, .. } => {
                    if removed > 0 {
                        self.fdb_reconcile_all();
                    }
                }
                fdb::Event::MacFlapping { .. } => {}
            }
        }
        if self.iccp_connected() {
            while self.iccp_backlog() < SEND_BACKLOG_MAX {
                let mut buf = core::mem::take(&mut self.fdb.buf);
                let n = self.fdb.table.poll_sync(now, &mut buf);
                if let Some(msg) = n.and_then(|n| buf.get(..n)) {
                    progress = true;
                    self.send_fdb(FDB_SYNC, msg);
                }
                self.fdb.buf = buf;
                if n.is_none() {
                    break;
                }
            }
        }
        self.fdb_check_synced(now);
        progress
    }

    fn send_fdb(&mut self, kind: u8, records: &[u8]) {
        self.send_app_counted(&Param::FdbDelta { kind, records });
    }

    /// A vendor FDB Delta TLV from the peer.
    pub(super) fn fdb_on_app(&mut self, now: Instant, kind: u8, records: &[u8]) {
        match kind {
            FDB_SYNC => {
                if self.fdb.table.handle_sync(now, records).is_err() {
                    self.fdb.rejected += 1;
                    return;
                }
                // The keys this message may have changed (a delta's or a chunk's records).
                let keys: Vec<u64> = match Message::decode(records) {
                    Ok(Message::Delta { records, .. } | Message::Snapshot { records, .. }) => {
                        records.iter().map(|r| r.key.to_u64()).collect()
                    }
                    _ => Vec::new(),
                };
                for k in keys {
                    self.fdb_reconcile(k);
                }
            }
            FDB_POSITION => {
                let epoch = records.get(..4).and_then(|b| b.try_into().ok());
                let seq = records.get(4..12).and_then(|b| b.try_into().ok());
                match (epoch, seq, records.len()) {
                    (Some(e), Some(s), 12) => {
                        self.fdb.announced = Some((u32::from_be_bytes(e), u64::from_be_bytes(s)));
                    }
                    _ => self.fdb.rejected += 1,
                }
            }
            _ => self.fdb.rejected += 1,
        }
        self.fdb_check_synced(now);
    }

    /// The mirror has applied what the peer announced: record the sync time and try the
    /// rejoin release.
    fn fdb_check_synced(&mut self, now: Instant) {
        if self.fdb.synced || !self.iccp_connected() {
            return;
        }
        let Some((epoch, seq)) = self.fdb.announced else {
            return;
        };
        let (pe, ps) = self.fdb.table.peer_position();
        if pe == epoch && ps >= seq && !self.fdb.table.receiving_snapshot() {
            self.fdb.synced = true;
            self.fdb.last_sync = self
                .fdb
                .connected_at
                .map(|t| now.saturating_duration_since(t));
            self.try_release(now);
        }
    }

    /// ICCP connected: sync resumes (a Request goes out at once) and this table's position is
    /// announced.
    pub(super) fn fdb_connected(&mut self, now: Instant) {
        self.fdb.announced = None;
        self.fdb.synced = false;
        self.fdb.connected_at = Some(now);
        self.fdb.table.set_peer(now, PeerState::Up);
        let (epoch, seq) = self.fdb.table.sync_position();
        let mut pos = [0u8; 12];
        pos[..4].copy_from_slice(&epoch.to_be_bytes());
        pos[4..].copy_from_slice(&seq.to_be_bytes());
        self.send_fdb(FDB_POSITION, &pos);
    }

    /// ICCP lost: sync stops; the peer's entries stay (its MLAG clients resolve to the local
    /// halves, its single-homed hosts were behind the peer-port anyway) until its next
    /// snapshot or deltas replace them.
    pub(super) fn fdb_disconnected(&mut self, now: Instant) {
        self.fdb.announced = None;
        self.fdb.synced = false;
        self.fdb.connected_at = None;
        self.fdb.table.set_peer(now, PeerState::Down);
    }

    /// True once the mirror holds the peer's table as announced at this connection.
    pub(super) fn fdb_synced(&self) -> bool {
        self.fdb.synced
    }

    /// The local half of `mlag` went up or down: the table resolves its entries to the bond or
    /// to the peer-port, as the dataplane's next hop does (no entry is rewritten).
    pub(super) fn fdb_bond(&mut self, mlag: MlagId, up: bool) {
        let state = if up { BondState::Up } else { BondState::Down };
        // More bonds than the table tracks: lookups of that id resolve to the peer-port.
        let _ = self.fdb.table.set_mlag_bond(mlag, state);
    }

    /// An STP topology change flushed `loc`'s entries on `tree` in the dataplane (802.1Q-2022
    /// §13.27.18 `flush`): the table drops the dynamic entries learned there (the peer hears
    /// of it through the journal), and the peer's entries on that logical port that the
    /// dataplane's flush removed are programmed again (they are the peer's to flush).
    pub(super) fn fdb_stp_flush(&mut self, loc: Location, tree: stp::TreeId) {
        let vlans = self.tree_vlans(tree);
        self.fdb_flush_local(loc, vlans, true);
    }

    /// Drops the dynamic entries learned on `loc` in `vlans` (the peer hears of it through the
    /// journal) and programs again every key the dataplane held on `loc` in `vlans`: what the
    /// table no longer has is removed, the peer's entries are re-resolved (an MLAG whose local
    /// bond is gone resolves to the peer-port). `dp_flushed`: the dataplane already dropped
    /// them (an STP flush); else they are removed one by one (run-time configuration changes:
    /// a port or bond leaving the bridge, VLANs leaving a port).
    pub(super) fn fdb_flush_local(&mut self, loc: Location, vlans: VlanSet, dp_flushed: bool) {
        let _ = self
            .fdb
            .table
            .flush(&Flush::dynamic().on(loc).in_vlans(vlans));
        let gone: Vec<u64> = self
            .fdb
            .programmed
            .iter()
            .filter(|(k, l)| {
                **l == loc && key_parts(**k).is_some_and(|(vid, _)| vlans.contains(vid))
            })
            .map(|(k, _)| *k)
            .collect();
        if dp_flushed {
            for k in &gone {
                self.fdb.programmed.remove(k);
            }
        }
        self.fdb_follow_journal();
        for k in gone {
            self.fdb_reconcile(k);
        }
    }

    /// The VLANs of spanning tree `tree`: an MSTI's own, or (the CIST) every VLAN no MSTI
    /// takes.
    fn tree_vlans(&self, tree: stp::TreeId) -> VlanSet {
        let mstis = self
            .config()
            .mlag_bridge()
            .map(|b| b.stp.mstis.as_slice())
            .unwrap_or_default();
        let mut set = if tree == CIST {
            VlanSet::ALL
        } else {
            VlanSet::EMPTY
        };
        for m in mstis {
            if tree == CIST {
                // Not in the CIST: rebuild without the MSTI's VLANs.
                let mut s = VlanSet::EMPTY;
                for v in 1..=4094u16 {
                    if let Ok(vid) = VlanId::try_new(v)
                        && set.contains(vid)
                        && !m.vlans.contains(&vid)
                    {
                        s.insert(vid);
                    }
                }
                set = s;
            } else if m.id == tree {
                for v in &m.vlans {
                    set.insert(*v);
                }
            }
        }
        set
    }

    /// The table's next timer (ageing, sync requests and digests). A deadline already handled
    /// that is still due is a sync message held back while the ICCP session's queue is full:
    /// the acknowledgements that drain the queue are inputs, and the drain after them sends
    /// it, so it is no timer (it would wake the host in a loop).
    pub(super) fn fdb_poll_timeout(&self) -> Option<Instant> {
        self.fdb
            .table
            .poll_timeout()
            .filter(|t| self.fdb.handled_at.is_none_or(|h| *t > h))
    }

    /// The table's timers.
    pub(super) fn fdb_timeout(&mut self, now: Instant) {
        if self.fdb.table.poll_timeout().is_some_and(|t| t <= now) {
            self.fdb.table.handle_timeout(now);
            self.fdb.handled_at = Some(now);
        }
    }
}
