//! The public vocabulary of the table: keys, locations, kinds, configuration, outcomes, counters.

use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo, VlanId};

/// The RouterOS `mlag-id` of a bond (`/interface bonding … mlag-id=`): the same value on both
/// peers makes the two local bonds one LAG towards the client.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct MlagId(pub u32);

/// The key of the table: a VLAN and a MAC address, packed as `vid << 48 | mac` so that the
/// integer order is the (VLAN, MAC) order used by show commands and snapshots.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Key(u64);

impl Key {
    /// The key of `mac` in `vid`.
    pub const fn new(vid: VlanId, mac: MacAddr) -> Self {
        Self(((vid.get() as u64) << 48) | mac.to_u64())
    }

    /// A key from a packed value known to be valid (from [`Key::new`]).
    #[inline(always)]
    pub(crate) const fn from_raw(v: u64) -> Self {
        debug_assert!(Self::from_u64(v).is_some());
        Self(v)
    }

    /// The packed value (`vid << 48 | mac`).
    pub const fn to_u64(self) -> u64 {
        self.0
    }

    /// The key from a packed value, if its VLAN is valid (bits 48..60 in 1..=4094, bits 60..64
    /// zero).
    pub const fn from_u64(v: u64) -> Option<Self> {
        let vid = v >> 48;
        if vid >= 1 && vid <= 4094 {
            Some(Self(v))
        } else {
            None
        }
    }

    /// The VLAN.
    pub fn vid(self) -> VlanId {
        // Every constructor validated bits 48..60 as 1..=4094.
        VlanId::try_new((self.0 >> 48) as u16).unwrap_or(VlanId::MIN)
    }

    /// The MAC address.
    pub const fn mac(self) -> MacAddr {
        MacAddr::from_u64(self.0)
    }
}

/// Where a MAC address lives, as this bridge sees it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Location {
    /// A local bridge port (a plain port or a local, non-MLAG bond).
    Port(PortNo),
    /// The logical MLAG port of a bond with this mlag-id. The host maps it to the local bond while
    /// that bond is up and to the peer-port otherwise ([`crate::Fdb::lookup`] does the same).
    Mlag(MlagId),
    /// The peer-port (the link to the MLAG peer).
    PeerPort,
    /// The bridge itself (its own/local addresses, RouterOS `local` hosts).
    Cpu,
}

/// How a location reached the table; [`Kind::Peer`] entries are the peer's, mirrored here.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Kind {
    /// Learned from a received frame's source address (RouterOS flag `D`); ages.
    Dynamic,
    /// Configured by the operator (`/interface bridge host add`); never ages.
    Static,
    /// One of the bridge's own addresses (RouterOS flag `L`); never ages.
    Own,
    /// Learned by the MLAG peer and synchronised over the peer-port; never ages here: the
    /// owner's ageing removes it.
    Peer,
}

/// Where the peer says one of its entries lives, as carried by the sync protocol.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SyncLocation {
    /// On one of the peer's single-homed ports: reachable here through the peer-port.
    Single,
    /// On the peer's bond with this mlag-id: reachable here through the local twin bond while it
    /// is up, through the peer-port otherwise.
    Mlag(MlagId),
}

/// The state of a local MLAG bond, given by the host (`Fdb::set_mlag_bond`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BondState {
    /// At least one member distributes.
    Up,
    /// No member distributes: entries on it resolve to the peer-port.
    Down,
}

/// What to do with a new entry when a limit is reached.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum FullPolicy {
    /// Reject the new entry (O(1)); counted in [`Stats::rejected_full`] and friends.
    #[default]
    DropNew,
    /// Evict the dynamic entry with the oldest last-seen time under the same limit, then insert.
    /// Finding it scans the table (O(n) per eviction): meant for small per-port limits, not for
    /// flood defence, where [`FullPolicy::DropNew`] is the right policy.
    EvictOldest,
}

/// MAC move dampening: a MAC that moves more than `moves_max` times within `window` (which starts
/// at its first move) is reported as flapping ([`Event::MacFlapping`]) and, with `freeze`, pinned
/// to its location for that long.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MoveDampening {
    /// Moves tolerated within one window; the next one is a flap.
    pub moves_max: u8,
    /// The window the moves are counted in.
    pub window: Duration,
    /// If set, a flapping MAC ignores further moves for this long.
    pub freeze: Option<Duration>,
}

impl Default for MoveDampening {
    fn default() -> Self {
        Self {
            moves_max: 5,
            window: Duration::from_secs(10),
            freeze: Some(Duration::from_secs(60)),
        }
    }
}

/// The table's configuration.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FdbConfig {
    /// Seed of the keyed hash (source MACs are attacker-chosen): take it from a secret. Give
    /// both MLAG peers the same seed (a secret of the pair): a snapshot is sent in the
    /// sender's slot order, home group by home group, which is then (nearly) the receiver's
    /// own slot order, and is applied as a sequential fill instead of random inserts.
    pub hash_seed: u64,
    /// This table's sync epoch: must differ on every start (a boot counter or a random value
    /// from the host), so the peer can tell a restarted table from a lossy one. Not 0.
    pub epoch: u32,
    /// RouterOS `ageing-time` (default 5 min); `None` disables ageing.
    pub ageing_time: Option<Duration>,
    /// Most keys (local and peer) held at once.
    pub entries_max: u32,
    /// Most dynamic entries on one location (port or MLAG bond), if limited.
    pub port_entries_max: Option<u32>,
    /// Most dynamic entries in one VLAN, if limited.
    pub vlan_entries_max: Option<u32>,
    /// What happens when a limit is reached.
    pub when_full: FullPolicy,
    /// MAC move dampening, if enabled.
    pub move_dampening: Option<MoveDampening>,
    /// Most changes kept in the journal; a peer further behind gets a snapshot.
    pub journal_max: u32,
    /// Most MLAG bonds whose state is tracked.
    pub mlag_bonds_max: u32,
    /// How often the receiving side asks the peer for what it misses (also a keepalive).
    pub sync_interval: Duration,
    /// Shortest time between two requests triggered by a detected gap.
    pub sync_holdoff: Duration,
    /// How often a caught-up receiver sends its range digests for anti-entropy.
    pub digest_interval: Duration,
}

impl FdbConfig {
    /// The defaults (5 min ageing, 1M entries, drop-new, dampening on) with this hash seed and
    /// epoch.
    pub fn new(hash_seed: u64, epoch: u32) -> Self {
        Self {
            hash_seed,
            epoch,
            ageing_time: Some(Duration::from_secs(300)),
            entries_max: 1 << 20,
            port_entries_max: None,
            vlan_entries_max: None,
            when_full: FullPolicy::DropNew,
            move_dampening: Some(MoveDampening::default()),
            journal_max: 1 << 16,
            mlag_bonds_max: 4096,
            sync_interval: Duration::from_secs(1),
            sync_holdoff: Duration::from_millis(5),
            digest_interval: Duration::from_secs(30),
        }
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.epoch == 0 {
            return Err(ConfigError::ZeroEpoch);
        }
        if let Some(a) = self.ageing_time
            && a < Duration::from_millis(1)
        {
            return Err(ConfigError::AgeingTime(a));
        }
        if self.entries_max == 0 {
            return Err(ConfigError::Zero("entries_max"));
        }
        if self.journal_max == 0 {
            return Err(ConfigError::Zero("journal_max"));
        }
        if self.sync_interval.is_zero() {
            return Err(ConfigError::Zero("sync_interval"));
        }
        if self.digest_interval.is_zero() {
            return Err(ConfigError::Zero("digest_interval"));
        }
        if let Some(d) = self.move_dampening
            && d.window.is_zero()
        {
            return Err(ConfigError::Zero("move_dampening.window"));
        }
        Ok(())
    }
}

/// A configuration the table refuses.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Epoch 0 means "none" on the wire.
    #[error("epoch must not be 0")]
    ZeroEpoch,
    /// Ageing time shorter than 1 ms.
    #[error("ageing time {0:?} is shorter than 1 ms")]
    AgeingTime(Duration),
    /// A field that must be positive is 0.
    #[error("{0} must not be 0")]
    Zero(&'static str),
}

/// An operation the table refuses.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FdbError {
    /// A group (multicast/broadcast) address cannot be a source.
    #[error("{0} is a group address")]
    GroupAddress(MacAddr),
    /// The table holds `entries_max` keys.
    #[error("the table is full")]
    TableFull,
    /// More MLAG bonds than `mlag_bonds_max`.
    #[error("too many MLAG bonds")]
    TooManyBonds,
    /// Static and own entries cannot point at the peer-port.
    #[error("static entries cannot point at the peer-port")]
    PeerPortStatic,
}

/// Why a learn changed nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ignored {
    /// The entry is static: learning never overrides it.
    Static,
    /// The entry is one of the bridge's own addresses.
    Own,
    /// The MAC is frozen by move dampening.
    Frozen,
    /// The source address is a group address.
    GroupAddress,
}

/// Which limit rejected a new entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Limit {
    /// `entries_max`.
    Table,
    /// `port_entries_max`.
    Port,
    /// `vlan_entries_max`.
    Vlan,
}

/// The outcome of [`crate::Fdb::learn`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[must_use]
pub enum Learn {
    /// A new entry.
    New,
    /// The entry was already there on this location; its last-seen time is now.
    Refreshed,
    /// The entry moved from `from`; `flapping` if move dampening reported it.
    Moved {
        /// The previous location.
        from: Location,
        /// Move dampening reported the MAC.
        flapping: bool,
    },
    /// Nothing changed.
    Ignored(Ignored),
    /// A limit refused the new entry (or the move onto a full port).
    Rejected(Limit),
}

/// One entry as shown by [`crate::Fdb::get`] and [`crate::Fdb::entries`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Entry {
    /// The key.
    pub key: Key,
    /// Where the MAC lives (for peer entries: [`Location::Mlag`] or [`Location::PeerPort`]).
    pub location: Location,
    /// How it was learned.
    pub kind: Kind,
    /// When a frame from it was last seen (dynamic entries only).
    pub last_seen: Option<Instant>,
    /// How many times it moved (saturating).
    pub moves: u16,
    /// Move dampening froze it.
    pub frozen: bool,
}

/// Which entries a flush removes: every given condition must hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Flush {
    /// Only entries on this location.
    pub location: Option<Location>,
    /// Not entries on this location (STP "flush all but the port that received the TC").
    pub except: Option<Location>,
    /// Only entries in these VLANs (a VLAN, or all VLANs of a spanning tree instance).
    pub vlans: Option<VlanSet>,
    /// Remove dynamic entries learned here.
    pub dynamic: bool,
    /// Remove static entries.
    pub statics: bool,
    /// Remove entries learned from the peer.
    pub peer: bool,
}

impl Flush {
    /// All locally learned dynamic entries (what a topology change asks for), narrowed with the
    /// builder methods.
    pub const fn dynamic() -> Self {
        Self {
            location: None,
            except: None,
            vlans: None,
            dynamic: true,
            statics: false,
            peer: false,
        }
    }

    /// All entries learned from the peer (peer lost for good).
    pub const fn peer() -> Self {
        Self {
            location: None,
            except: None,
            vlans: None,
            dynamic: false,
            statics: false,
            peer: true,
        }
    }

    /// Only entries on `location`.
    pub const fn on(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Not entries on `location`.
    pub const fn except(mut self, location: Location) -> Self {
        self.except = Some(location);
        self
    }

    /// Only entries in `vid`.
    pub fn in_vlan(mut self, vid: VlanId) -> Self {
        let mut set = VlanSet::EMPTY;
        set.insert(vid);
        self.vlans = Some(set);
        self
    }

    /// Only entries in the VLANs of `set` (e.g. those mapped to one MSTI).
    pub const fn in_vlans(mut self, set: VlanSet) -> Self {
        self.vlans = Some(set);
        self
    }
}

/// A set of VLAN ids (a 4096-bit bitmap), e.g. the VLANs of one spanning tree instance.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VlanSet([u64; 64]);

impl VlanSet {
    /// No VLAN.
    pub const EMPTY: Self = Self([0; 64]);
    /// Every VLAN.
    pub const ALL: Self = Self([u64::MAX; 64]);

    /// Adds `vid`.
    pub fn insert(&mut self, vid: VlanId) {
        let v = usize::from(vid.get());
        if let Some(w) = self.0.get_mut(v / 64) {
            *w |= 1 << (v % 64);
        }
    }

    /// True if `vid` is in the set.
    pub fn contains(&self, vid: VlanId) -> bool {
        let v = usize::from(vid.get());
        self.0.get(v / 64).is_some_and(|w| w & (1 << (v % 64)) != 0)
    }
}

/// Something the host should know about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Event {
    /// Move dampening: the MAC moved more than `moves_max` times within the window.
    MacFlapping {
        /// The key.
        key: Key,
        /// The location it moved from.
        from: Location,
        /// The location it moved to (or tried to, if frozen).
        to: Location,
        /// It is frozen on `from` (when freezing is configured) or `to`.
        frozen: bool,
    },
    /// The peer's table is being resent in full (its epoch changed, or we fell too far behind).
    PeerSnapshotStarted {
        /// The peer's epoch.
        epoch: u32,
    },
    /// The peer's table is in step with this one after a snapshot.
    PeerSnapshotDone {
        /// The peer's epoch.
        epoch: u32,
        /// Peer entries removed as stale by the snapshot.
        removed: u32,
    },
}

/// Counters: every drop and every rejection is counted here.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Stats {
    /// New dynamic entries.
    pub learned: u64,
    /// Refreshes.
    pub refreshed: u64,
    /// Moves.
    pub moved: u64,
    /// Moves reported by dampening.
    pub flaps: u64,
    /// Learns ignored because the MAC was frozen.
    pub frozen_ignored: u64,
    /// Learns with a group source address.
    pub group_sources: u64,
    /// New entries rejected by `entries_max`.
    pub rejected_full: u64,
    /// New entries rejected by `port_entries_max`.
    pub rejected_port: u64,
    /// New entries rejected by `vlan_entries_max`.
    pub rejected_vlan: u64,
    /// Entries evicted by [`FullPolicy::EvictOldest`].
    pub evicted: u64,
    /// Entries aged out.
    pub aged: u64,
    /// Entries removed by flushes.
    pub flushed: u64,
    /// Local dynamic entries given up because the peer reported the MAC elsewhere.
    pub moved_to_peer: u64,
    /// Events dropped because the event queue was full.
    pub events_dropped: u64,
    /// Journal records dropped at the journal's capacity before they were sent.
    pub journal_overflows: u64,
    /// Sync messages sent.
    pub sync_sent: u64,
    /// Sync messages received and accepted.
    pub sync_received: u64,
    /// Sync messages that did not decode.
    pub sync_decode_errors: u64,
    /// Sync messages from another epoch (an old session).
    pub sync_stale: u64,
    /// Delta messages after a gap (a lost message): a request follows.
    pub sync_gaps: u64,
    /// Delta messages (or parts) already applied.
    pub sync_duplicates: u64,
    /// Snapshot chunks that did not continue the snapshot in progress.
    pub sync_out_of_order: u64,
    /// Delta messages dropped while a snapshot was being received.
    pub sync_deltas_during_snapshot: u64,
    /// Peer records not installed because the table was full.
    pub sync_rejected_full: u64,
    /// Snapshots started as sender.
    pub snapshots_sent: u64,
    /// Snapshots completed as receiver.
    pub snapshots_received: u64,
    /// Range digests that found a divergence (repairs started as sender).
    pub digest_repairs: u64,
}
