//! The table itself: storage, learning, lookup, ageing, flushes, limits and move dampening.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use foldhash::fast::FixedState;
use hashbrown::HashMap;
use l2_types::{Instant, MacAddr, PortNo, VlanId};

use crate::slots::{KEY_MASK, Spot, Table};
use crate::sync::wire::{CURSOR_START, Record, SEGMENTS, record_hash, segment};
use crate::sync::{SnapIn, SnapOut};
use crate::types::{
    BondState, ConfigError, Entry, Event, FdbConfig, FdbError, Flush, FullPolicy, Ignored, Key,
    Kind, Learn, Limit, Location, MlagId, Stats, SyncLocation,
};

/// Most events queued; further ones are dropped and counted in [`Stats::events_dropped`].
pub const EVENTS_MAX: usize = 256;

/// Ageing buckets: the ring covers this many ticks of `ageing_time / 16`.
const RING: u64 = 32;
const TICKS_PER_AGEING: u64 = 16;

/// One key's state: the local entry (learned or configured here) and the peer's entry for the
/// same key, kept apart so that synchronisation mirrors the peer's table exactly. This is the
/// wide form the logic works on; the table stores it packed in a 16-octet slot (see "The
/// compact slot" below) or, if it does not fit, whole in a side table. Move-dampening windows
/// live in another side table ([`Damp`]) for the few MACs that moved.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    /// Last frame seen (local dynamic entries).
    pub(crate) last_seen: Instant,
    local_val: u32,
    peer_val: u32,
    local_tag: u8,
    peer_tag: u8,
    /// Kind of the local entry (Dynamic, Static or Own).
    pub(crate) kind: Kind,
    /// `FROZEN` | `MARK`.
    flags: u8,
    pub(crate) moves: u16,
}

const _: () = assert!(core::mem::size_of::<Slot>() == 24);

const FROZEN: u8 = 1;
/// Seen in the snapshot being received.
const MARK: u8 = 2;

const TAG_NONE: u8 = 0;
const TAG_PORT: u8 = 1;
const TAG_MLAG: u8 = 2;
const TAG_PEER_PORT: u8 = 3;
const TAG_CPU: u8 = 4;

/// The move-dampening window of a MAC that moved: when it started (or, while frozen, when the
/// freeze ends) and the moves counted in it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Damp {
    window_start: Instant,
    window_moves: u8,
}

impl Slot {
    pub(crate) const EMPTY: Self = Self {
        last_seen: Instant::ZERO,
        local_val: 0,
        peer_val: 0,
        local_tag: TAG_NONE,
        peer_tag: TAG_NONE,
        kind: Kind::Dynamic,
        flags: 0,
        moves: 0,
    };

    /// The local entry's location.
    #[inline]
    pub(crate) fn local(&self) -> Option<Location> {
        match self.local_tag {
            TAG_PORT => Some(Location::Port(PortNo(self.local_val as u16))),
            TAG_MLAG => Some(Location::Mlag(MlagId(self.local_val))),
            TAG_PEER_PORT => Some(Location::PeerPort),
            TAG_CPU => Some(Location::Cpu),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn set_local(&mut self, l: Option<Location>) {
        (self.local_tag, self.local_val) = match l {
            None => (TAG_NONE, 0),
            Some(Location::Port(p)) => (TAG_PORT, u32::from(p.get())),
            Some(Location::Mlag(MlagId(id))) => (TAG_MLAG, id),
            Some(Location::PeerPort) => (TAG_PEER_PORT, 0),
            Some(Location::Cpu) => (TAG_CPU, 0),
        };
    }

    /// The peer's entry.
    #[inline]
    pub(crate) fn peer(&self) -> Option<SyncLocation> {
        match self.peer_tag {
            TAG_PORT => Some(SyncLocation::Single),
            TAG_MLAG => Some(SyncLocation::Mlag(MlagId(self.peer_val))),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn set_peer(&mut self, p: Option<SyncLocation>) {
        (self.peer_tag, self.peer_val) = match p {
            None => (TAG_NONE, 0),
            Some(SyncLocation::Single) => (TAG_PORT, 0),
            Some(SyncLocation::Mlag(MlagId(id))) => (TAG_MLAG, id),
        };
    }

    pub(crate) fn has_local(&self) -> bool {
        self.local_tag != TAG_NONE
    }

    pub(crate) fn has_peer(&self) -> bool {
        self.peer_tag != TAG_NONE
    }

    pub(crate) fn frozen(&self) -> bool {
        self.flags & FROZEN != 0
    }

    fn set_frozen(&mut self, on: bool) {
        self.flags = if on {
            self.flags | FROZEN
        } else {
            self.flags & !FROZEN
        };
    }

    pub(crate) fn mark(&self) -> bool {
        self.flags & MARK != 0
    }

    pub(crate) fn set_mark(&mut self, on: bool) {
        self.flags = if on {
            self.flags | MARK
        } else {
            self.flags & !MARK
        };
    }

    /// What the local entry looks like to the peer: dynamic and static entries on ports and MLAG
    /// bonds are synchronised; own addresses and entries on the peer-port are not.
    pub(crate) fn sync_view(&self) -> Option<SyncLocation> {
        if self.kind == Kind::Own {
            return None;
        }
        match self.local()? {
            Location::Port(_) => Some(SyncLocation::Single),
            Location::Mlag(id) => Some(SyncLocation::Mlag(id)),
            Location::PeerPort | Location::Cpu => None,
        }
    }

    fn is_dynamic(&self) -> bool {
        self.has_local() && self.kind == Kind::Dynamic
    }
}

// The compact slot (16 octets, `crate::slots`): how a `Slot` is packed into two words.
//
// Key word: bits 0..60 the key; bits 60..62 the local entry's kind (`K_NONE` = no local entry);
// bit 62 `MARK_BIT` (seen in the snapshot being received); bit 63 `EXT_BIT` (the slot does not
// fit: the whole `Slot` is in `Aux::ext`, the value word is 0).
// Value word (inline slots): bits 0..8 the local location's interned index, bits 8..16 the peer
// entry (0 none, 1 a single-homed port of the peer, 2.. an interned mlag-id), bits 16..64 a
// local dynamic entry's last-seen instant in nanoseconds after `Aux::t_base` (exact).
// A slot is inline unless its key moved (a move counter or a freeze), its locations are not
// among the first 255 interned, or its last-seen instant is outside `t_base + 0..2^48 ns`.

pub(crate) const K_NONE: u64 = 0;
pub(crate) const K_DYN: u64 = 1;
pub(crate) const K_STATIC: u64 = 2;
pub(crate) const K_OWN: u64 = 3;
pub(crate) const KIND_SHIFT: u32 = 60;
pub(crate) const KIND_BITS: u64 = 3 << KIND_SHIFT;
pub(crate) const MARK_BIT: u64 = 1 << 62;
pub(crate) const EXT_BIT: u64 = 1 << 63;
pub(crate) const TIME_SHIFT: u32 = 16;
pub(crate) const TIME_MAX: u64 = (1 << 48) - 1;
/// Most interned locations (local and peer each); index 255 stays unused.
const INTERNED_MAX: usize = 255;

/// The sync view of a local location.
#[inline]
pub(crate) fn sync_of(l: Location) -> Option<SyncLocation> {
    match l {
        Location::Port(_) => Some(SyncLocation::Single),
        Location::Mlag(id) => Some(SyncLocation::Mlag(id)),
        Location::PeerPort | Location::Cpu => None,
    }
}

/// What the compact slots refer to: interned locations, the time base, and the slots that do
/// not fit.
#[derive(Debug)]
pub(crate) struct Aux {
    /// Last-seen instants of inline slots count from here (ns).
    pub(crate) t_base: u64,
    /// Interned local locations: 0 = the peer-port, 1 = the CPU.
    pub(crate) locals: Vec<Location>,
    /// Port number → local index + 1 (0 = not interned).
    port_ix: Vec<u8>,
    mlag_ix: HashMap<u32, u8, FixedState>,
    /// Interned peer mlag-ids: peer index `2 + i`.
    pub(crate) peers: Vec<MlagId>,
    peer_ix: HashMap<u32, u8, FixedState>,
    /// Slots that do not fit in 16 octets, by key.
    pub(crate) ext: HashMap<u64, Slot, FixedState>,
    /// The snapshot record of each interned local index, kept in step with `locals` (see
    /// [`snap_op`]): what the snapshot encoder writes for a slot, with no `Location` match.
    pub(crate) snap_ops: Box<[u64; 256]>,
    /// `locals` in a fixed table of 256 (unused indices hold the peer-port), so that a lookup
    /// indexes it by the value word's low octet with no bounds check.
    local_at: Box<[Location; 256]>,
}

/// The snapshot op word of a sync location: the record's op in bits 60..62 (0 = not
/// synchronised), its length (8, 12, or 0 when not synchronised) in bits 32..36 and the
/// mlag-id in bits 0..32.
#[inline]
pub(crate) fn snap_op(s: Option<SyncLocation>) -> u64 {
    match s {
        Some(SyncLocation::Single) => (1 << 60) | (8 << 32),
        Some(SyncLocation::Mlag(MlagId(id))) => (2 << 60) | (12 << 32) | u64::from(id),
        None => 0,
    }
}

impl Aux {
    fn new(seed: u64) -> Self {
        Self {
            t_base: 0,
            locals: alloc::vec![Location::PeerPort, Location::Cpu],
            port_ix: Vec::new(),
            mlag_ix: HashMap::with_hasher(FixedState::with_seed(seed)),
            peers: Vec::new(),
            peer_ix: HashMap::with_hasher(FixedState::with_seed(seed)),
            ext: HashMap::with_hasher(FixedState::with_seed(seed)),
            snap_ops: Box::new([0; 256]),
            local_at: {
                let mut at = Box::new([Location::PeerPort; 256]);
                if let Some(cpu) = at.get_mut(1) {
                    *cpu = Location::Cpu;
                }
                at
            },
        }
    }

    fn allocation_size(&self) -> usize {
        self.locals.capacity() * core::mem::size_of::<Location>()
            + self.port_ix.capacity()
            + self.mlag_ix.allocation_size()
            + self.peers.capacity() * 4
            + self.peer_ix.allocation_size()
            + self.ext.allocation_size()
            + core::mem::size_of::<[u64; 256]>()
            + core::mem::size_of::<[Location; 256]>()
    }

    fn push_local(&mut self, l: Location) -> Option<u8> {
        if self.locals.len() >= INTERNED_MAX {
            return None;
        }
        let ix = u8::try_from(self.locals.len()).ok()?;
        self.locals.push(l);
        if let Some(op) = self.snap_ops.get_mut(usize::from(ix)) {
            *op = snap_op(sync_of(l));
        }
        if let Some(at) = self.local_at.get_mut(usize::from(ix)) {
            *at = l;
        }
        Some(ix)
    }

    /// The interned index of a local location (interning it if there is room).
    #[inline]
    pub(crate) fn local_ix(&mut self, l: Location) -> Option<u8> {
        match l {
            Location::PeerPort => Some(0),
            Location::Cpu => Some(1),
            Location::Port(p) => {
                let i = usize::from(p.get());
                if let Some(&x) = self.port_ix.get(i)
                    && x != 0
                {
                    return Some(x - 1);
                }
                let ix = self.push_local(l)?;
                if self.port_ix.len() <= i {
                    self.port_ix.resize(i + 1, 0);
                }
                if let Some(x) = self.port_ix.get_mut(i) {
                    *x = ix + 1;
                }
                Some(ix)
            }
            Location::Mlag(MlagId(id)) => {
                if let Some(&x) = self.mlag_ix.get(&id) {
                    return Some(x);
                }
                let ix = self.push_local(l)?;
                let _ = self.mlag_ix.insert(id, ix);
                Some(ix)
            }
        }
    }

    /// The interned index of a local location, if it is interned (nothing changes).
    #[inline(always)]
    pub(crate) fn interned(&self, l: Location) -> Option<u8> {
        match l {
            Location::Port(p) => self
                .port_ix
                .get(usize::from(p.get()))
                .and_then(|x| x.checked_sub(1)),
            Location::PeerPort => Some(0),
            Location::Cpu => Some(1),
            Location::Mlag(MlagId(id)) => self.mlag_interned(id),
        }
    }

    #[inline(never)]
    fn mlag_interned(&self, id: u32) -> Option<u8> {
        self.mlag_ix.get(&id).copied()
    }

    fn peer_ix(&mut self, p: SyncLocation) -> Option<u8> {
        match p {
            SyncLocation::Single => Some(1),
            SyncLocation::Mlag(MlagId(id)) => {
                if let Some(&x) = self.peer_ix.get(&id) {
                    return Some(x);
                }
                if self.peers.len() + 2 >= INTERNED_MAX {
                    return None;
                }
                let ix = u8::try_from(self.peers.len() + 2).ok()?;
                self.peers.push(MlagId(id));
                let _ = self.peer_ix.insert(id, ix);
                Some(ix)
            }
        }
    }

    /// The peer entry of an inline value word.
    #[inline]
    pub(crate) fn peer_of(&self, v: u64) -> Option<SyncLocation> {
        match (v >> 8) & 0xff {
            0 => None,
            1 => Some(SyncLocation::Single),
            n => self
                .peers
                .get(n as usize - 2)
                .map(|&id| SyncLocation::Mlag(id)),
        }
    }

    /// The wide form of a slot.
    pub(crate) fn decode(&self, w: [u64; 2]) -> Slot {
        let [kw, v] = w;
        if kw & EXT_BIT != 0 {
            let mut s = self
                .ext
                .get(&(kw & KEY_MASK))
                .copied()
                .unwrap_or(Slot::EMPTY);
            s.set_mark(kw & MARK_BIT != 0);
            return s;
        }
        let mut s = Slot::EMPTY;
        let kind = (kw & KIND_BITS) >> KIND_SHIFT;
        if kind != K_NONE {
            s.set_local(self.locals.get((v & 0xff) as usize).copied());
            s.kind = match kind {
                K_DYN => Kind::Dynamic,
                K_STATIC => Kind::Static,
                _ => Kind::Own,
            };
            if kind == K_DYN {
                s.last_seen = Instant::from_nanos(self.t_base.saturating_add(v >> TIME_SHIFT));
            }
        }
        s.set_peer(self.peer_of(v));
        s.set_mark(kw & MARK_BIT != 0);
        s
    }

    fn inline_val(&mut self, s: &Slot, kind: u64) -> Option<u64> {
        if s.moves != 0 || s.frozen() {
            return None;
        }
        let loc = match s.local() {
            Some(l) => self.local_ix(l)?,
            None => 0,
        };
        let peer = match s.peer() {
            Some(p) => self.peer_ix(p)?,
            None => 0,
        };
        let t = if kind == K_DYN {
            let off = s.last_seen.as_nanos().checked_sub(self.t_base)?;
            if off > TIME_MAX {
                return None;
            }
            off
        } else {
            0
        };
        Some(u64::from(loc) | (u64::from(peer) << 8) | (t << TIME_SHIFT))
    }

    /// The compact form of `s` for `key`, keeping `ext` in step (`was_ext`: the slot being
    /// replaced was in it).
    pub(crate) fn encode(&mut self, key: u64, s: &Slot, was_ext: bool) -> [u64; 2] {
        let key = key & KEY_MASK;
        let kind = if !s.has_local() {
            K_NONE
        } else {
            match s.kind {
                Kind::Dynamic => K_DYN,
                Kind::Static | Kind::Peer => K_STATIC,
                Kind::Own => K_OWN,
            }
        };
        let mark = if s.mark() { MARK_BIT } else { 0 };
        let kw = key | (kind << KIND_SHIFT) | mark;
        match self.inline_val(s, kind) {
            Some(v) => {
                if was_ext {
                    let _ = self.ext.remove(&key);
                }
                [kw, v]
            }
            None => {
                let _ = self.ext.insert(key, *s);
                [kw | EXT_BIT, 0]
            }
        }
    }

    /// Forgets a removed slot's side entry.
    pub(crate) fn forget(&mut self, kw: u64) {
        if kw & EXT_BIT != 0 {
            let _ = self.ext.remove(&(kw & KEY_MASK));
        }
    }
}
/// The change journal: the last `journal_max` records, oldest first, in a ring (an append is
/// one record written and one index moved; nothing is freed or shifted).
#[derive(Debug)]
pub(crate) struct Journal {
    ring: Vec<Record>,
    /// Once the ring is full: where the next record goes, which is also the oldest record.
    pos: usize,
    max: usize,
}

impl Journal {
    fn new(max: usize) -> Self {
        Self {
            ring: Vec::new(),
            pos: 0,
            max,
        }
    }

    /// Records held.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.ring.len()
    }

    /// Appends `r`; true if the oldest record was dropped to make room.
    #[inline]
    fn push(&mut self, r: Record) -> bool {
        if self.ring.len() < self.max {
            if self.ring.len() == self.ring.capacity() {
                // Grow by doubling, but never past `max`.
                let add = self.ring.capacity().max(16).min(self.max - self.ring.len());
                self.ring.reserve_exact(add);
            }
            self.ring.push(r);
            return false;
        }
        if let Some(slot) = self.ring.get_mut(self.pos) {
            *slot = r;
        }
        self.pos += 1;
        if self.pos >= self.ring.len() {
            self.pos = 0;
        }
        true
    }

    /// The records from the `skip`-th oldest on, oldest first.
    pub(crate) fn iter_from(&self, skip: usize) -> impl Iterator<Item = Record> + '_ {
        let (newer, older) = self.ring.split_at(self.pos.min(self.ring.len()));
        // Oldest first: from `pos` to the end, then the start up to `pos`.
        let a = older.get(skip.min(older.len())..).unwrap_or(&[]);
        let rest = skip.saturating_sub(older.len());
        let b = newer.get(rest.min(newer.len())..).unwrap_or(&[]);
        a.iter().chain(b).copied()
    }
}

/// Everything but the map, so that closures over the map can update it (disjoint borrows).
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) cfg: FdbConfig,
    pub(crate) now: Instant,
    /// Ageing time in ns (0 = no ageing) and the bucket width.
    age_ns: u64,
    tick_ns: u64,
    now_tick: u64,
    /// The first instant (ns) of the tick after `now_tick` (`u64::MAX` without ageing): the
    /// tick is computed (a division) only when `now` reaches it.
    tick_end: u64,
    /// The first instant (ns) of `now_tick` (0 without ageing): entries seen before it are in
    /// an older bucket.
    tick_begin: u64,
    /// `entries_max` when there are no per-port or per-VLAN limits, else 0: below it, a new
    /// key needs no limit check.
    fast_max: usize,
    ring: [u32; RING as usize],
    base_tick: u64,
    port_counts: Option<HashMap<Location, u32, FixedState>>,
    vlan_counts: Option<Vec<u32>>,
    mlag_up: Vec<MlagId>,
    /// Move-dampening windows of local dynamic entries that moved (at most one per key).
    damp: HashMap<u64, Damp, FixedState>,
    events: VecDeque<Event>,
    pub(crate) stats: Stats,
    // Sync, sending side (our entries).
    pub(crate) seq: u64,
    pub(crate) journal: Journal,
    pub(crate) delta_sent: u64,
    pub(crate) own_digest: [u64; SEGMENTS],
    pub(crate) snap_out: Option<SnapOut>,
    // Sync, receiving side (the peer's entries).
    pub(crate) peer_up: bool,
    pub(crate) peer_epoch: u32,
    pub(crate) peer_seq: u64,
    pub(crate) snap_in: Option<SnapIn>,
    pub(crate) peer_digest: [u64; SEGMENTS],
    pub(crate) request_due: bool,
    pub(crate) last_request: Option<Instant>,
    pub(crate) next_request: Instant,
    pub(crate) next_digest: Instant,
}

impl State {
    pub(crate) fn push_event(&mut self, e: Event) {
        if self.events.len() >= EVENTS_MAX {
            self.stats.events_dropped += 1;
        } else {
            self.events.push_back(e);
        }
    }

    /// Time only moves forward.
    #[inline(always)]
    pub(crate) fn set_now(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
            if now.as_nanos() >= self.tick_end {
                self.next_tick();
            }
        }
    }

    /// `now` entered another ageing tick.
    #[cold]
    #[inline(never)]
    fn next_tick(&mut self) {
        if self.age_ns != 0 {
            self.now_tick = self.now.as_nanos() / self.tick_ns;
            self.tick_begin = self.now_tick.saturating_mul(self.tick_ns);
            self.tick_end = self.tick_begin.saturating_add(self.tick_ns);
        }
    }

    /// Start of the current tick: entries seen at or after it are in the current bucket.
    #[inline(always)]
    fn tick_start(&self) -> u64 {
        self.tick_begin
    }

    fn tick_of(&self, t: Instant) -> u64 {
        t.as_nanos() / self.tick_ns
    }

    fn bucket_sub(&mut self, t: Instant) {
        if self.age_ns == 0 {
            return;
        }
        let tick = self.tick_of(t);
        if tick >= self.base_tick
            && tick < self.base_tick + RING
            && let Some(c) = self.ring.get_mut((tick % RING) as usize)
        {
            *c = c.saturating_sub(1);
        }
    }

    /// Adds an entry seen now; false if the ring must move first (the caller sweeps).
    fn bucket_add_now(&mut self) -> bool {
        if self.age_ns == 0 {
            return true;
        }
        let tick = self.now_tick;
        if tick >= self.base_tick + RING && !self.ring_advance(tick) {
            return false;
        }
        if let Some(c) = self.ring.get_mut((tick % RING) as usize) {
            *c += 1;
        }
        true
    }

    /// [`State::bucket_add_now`] when the ring is known to reach the current tick (the
    /// caller checked `now_tick < base_tick + RING`).
    #[inline(always)]
    fn bucket_add_current(&mut self) {
        if self.age_ns != 0
            && let Some(c) = self.ring.get_mut((self.now_tick % RING) as usize)
        {
            *c += 1;
        }
    }

    /// Moves the ring so that it ends at `tick`; false if a bucket that would drop is not empty.
    fn ring_advance(&mut self, tick: u64) -> bool {
        let new_base = (tick + 1).saturating_sub(RING);
        if new_base <= self.base_tick {
            return true;
        }
        let mut t = self.base_tick;
        while t < new_base && t < self.base_tick + RING {
            if self.ring.get((t % RING) as usize).copied().unwrap_or(0) != 0 {
                return false;
            }
            t += 1;
        }
        self.base_tick = new_base;
        true
    }

    /// The instant by which the oldest bucket has expired.
    fn ageing_deadline(&self) -> Option<Instant> {
        if self.age_ns == 0 {
            return None;
        }
        (self.base_tick..self.base_tick + RING)
            .find(|t| self.ring.get((t % RING) as usize).copied().unwrap_or(0) != 0)
            .map(|t| {
                Instant::from_nanos(
                    (t + 1)
                        .saturating_mul(self.tick_ns)
                        .saturating_add(self.age_ns),
                )
            })
    }

    fn expired(&self, s: &Slot, now: Instant) -> bool {
        self.age_ns != 0
            && s.is_dynamic()
            && s.last_seen.as_nanos().saturating_add(self.age_ns) <= now.as_nanos()
    }

    /// Records a change of a local entry's synchronised view: digest and journal.
    pub(crate) fn note(&mut self, key: u64, old: Option<SyncLocation>, new: Option<SyncLocation>) {
        if old == new {
            return;
        }
        let Some(k) = Key::from_u64(key) else { return };
        if let Some(d) = self.own_digest.get_mut(segment(k)) {
            if let Some(o) = old {
                *d ^= record_hash(k, o);
            }
            if let Some(n) = new {
                *d ^= record_hash(k, n);
            }
        }
        self.seq += 1;
        let dropped = self.journal.push(Record {
            key: k,
            location: new,
        });
        // The record that made room had the number `seq - journal_max`.
        if dropped && self.delta_sent < self.seq - self.journal.len() as u64 {
            self.stats.journal_overflows += 1;
        }
    }

    /// [`State::note`] of a new local entry synchronised as `new` (`key` from [`Key::new`]).
    #[inline(always)]
    fn note_new(&mut self, key: u64, new: SyncLocation) {
        let k = Key::from_raw(key);
        if let Some(d) = self.own_digest.get_mut(segment(k)) {
            *d ^= record_hash(k, new);
        }
        self.seq += 1;
        let dropped = self.journal.push(Record {
            key: k,
            location: Some(new),
        });
        if dropped && self.delta_sent < self.seq - self.journal.len() as u64 {
            self.stats.journal_overflows += 1;
        }
    }

    /// The number of the oldest record in the journal (`seq + 1` when it is empty).
    #[inline]
    pub(crate) fn journal_first(&self) -> u64 {
        self.seq + 1 - self.journal.len() as u64
    }

    /// Records a change of a peer entry in the receiving digest.
    pub(crate) fn note_peer(key: u64, digest: &mut [u64; SEGMENTS], loc: SyncLocation) {
        if let Some(k) = Key::from_u64(key)
            && let Some(d) = digest.get_mut(segment(k))
        {
            *d ^= record_hash(k, loc);
        }
    }

    fn count_add(&mut self, loc: Location, key: u64) {
        if let Some(m) = self.port_counts.as_mut() {
            *m.entry(loc).or_insert(0) += 1;
        }
        if let Some(v) = self.vlan_counts.as_mut()
            && let Some(c) = v.get_mut((key >> 48) as usize)
        {
            *c += 1;
        }
    }

    fn count_sub(&mut self, loc: Location, key: u64) {
        if let Some(m) = self.port_counts.as_mut()
            && let Some(c) = m.get_mut(&loc)
        {
            *c = c.saturating_sub(1);
            if *c == 0 {
                let _ = m.remove(&loc);
            }
        }
        if let Some(v) = self.vlan_counts.as_mut()
            && let Some(c) = v.get_mut((key >> 48) as usize)
        {
            *c = c.saturating_sub(1);
        }
    }

    fn port_full(&self, loc: Location) -> bool {
        match (self.port_counts.as_ref(), self.cfg.port_entries_max) {
            (Some(m), Some(max)) => m.get(&loc).copied().unwrap_or(0) >= max,
            _ => false,
        }
    }

    fn vlan_full(&self, key: u64) -> bool {
        match (self.vlan_counts.as_ref(), self.cfg.vlan_entries_max) {
            (Some(v), Some(max)) => v.get((key >> 48) as usize).copied().unwrap_or(0) >= max,
            _ => false,
        }
    }

    /// Removes the local entry of `s` (bookkeeping only; the caller drops empty slots).
    pub(crate) fn drop_local(&mut self, key: u64, s: &mut Slot) {
        let old = s.sync_view();
        if s.is_dynamic() {
            if let Some(loc) = s.local() {
                self.count_sub(loc, key);
            }
            self.bucket_sub(s.last_seen);
        }
        s.set_local(None);
        s.kind = Kind::Dynamic;
        s.set_frozen(false);
        s.moves = 0;
        if !self.damp.is_empty() {
            let _ = self.damp.remove(&key);
        }
        self.note(key, old, None);
    }
}

/// The forwarding database of one bridge, with the MLAG peer's entries mirrored in it.
///
/// See the crate documentation for the run loop and the MLAG semantics.
#[derive(Debug)]
pub struct Fdb {
    pub(crate) map: Table,
    pub(crate) aux: Aux,
    pub(crate) st: State,
}

impl Fdb {
    /// An empty table.
    pub fn new(cfg: FdbConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let age_ns = cfg
            .ageing_time
            .map_or(0, |a| u64::try_from(a.as_nanos()).unwrap_or(u64::MAX));
        let tick_ns = age_ns.div_ceil(TICKS_PER_AGEING).max(1);
        let st = State {
            cfg,
            now: Instant::ZERO,
            age_ns,
            tick_ns,
            now_tick: 0,
            tick_end: if age_ns == 0 { u64::MAX } else { tick_ns },
            tick_begin: 0,
            fast_max: if cfg.port_entries_max.is_none() && cfg.vlan_entries_max.is_none() {
                cfg.entries_max as usize
            } else {
                0
            },
            ring: [0; RING as usize],
            base_tick: 0,
            port_counts: cfg
                .port_entries_max
                .map(|_| HashMap::with_hasher(FixedState::with_seed(cfg.hash_seed))),
            vlan_counts: cfg.vlan_entries_max.map(|_| alloc::vec![0; 4096]),
            mlag_up: Vec::new(),
            damp: HashMap::with_hasher(FixedState::with_seed(cfg.hash_seed)),
            events: VecDeque::new(),
            stats: Stats::default(),
            seq: 0,
            journal: Journal::new(cfg.journal_max as usize),
            delta_sent: 0,
            own_digest: [0; SEGMENTS],
            snap_out: None,
            peer_up: false,
            peer_epoch: 0,
            peer_seq: 0,
            snap_in: None,
            peer_digest: [0; SEGMENTS],
            request_due: false,
            last_request: None,
            next_request: Instant::ZERO,
            next_digest: Instant::ZERO,
        };
        Ok(Self {
            map: Table::new(cfg.hash_seed),
            aux: Aux::new(cfg.hash_seed),
            st,
        })
    }

    /// Like [`Fdb::new`], with room for `capacity` keys allocated up front.
    pub fn with_capacity(cfg: FdbConfig, capacity: usize) -> Result<Self, ConfigError> {
        let mut t = Self::new(cfg)?;
        t.map.reserve(capacity.min(cfg.entries_max as usize));
        Ok(t)
    }

    /// The configuration.
    pub fn config(&self) -> &FdbConfig {
        &self.st.cfg
    }

    /// The counters.
    pub fn stats(&self) -> &Stats {
        &self.st.stats
    }

    /// Number of keys (local and peer entries).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Heap bytes held by the table (slot array, side tables, journal, counters, bond list,
    /// events): what "bytes per entry" is measured with.
    pub fn memory_bytes(&self) -> usize {
        let st = &self.st;
        self.map.allocation_size()
            + self.aux.allocation_size()
            + st.journal.ring.capacity() * core::mem::size_of::<Record>()
            + st.port_counts.as_ref().map_or(0, HashMap::allocation_size)
            + st.vlan_counts.as_ref().map_or(0, |v| v.capacity() * 4)
            + st.mlag_up.capacity() * core::mem::size_of::<MlagId>()
            + st.damp.allocation_size()
            + st.events.capacity() * core::mem::size_of::<Event>()
    }

    /// True if the table holds nothing.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// The next queued event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.st.events.pop_front()
    }

    /// Advances the clock; moves the time base of the compact slots when `now` is about to
    /// leave its 2^48 ns range (once in 39 hours: one pass over the table).
    #[inline(always)]
    pub(crate) fn set_now(&mut self, now: Instant) {
        self.st.set_now(now);
        if self.st.now.as_nanos().saturating_sub(self.aux.t_base) >= TIME_MAX {
            self.rebase();
        }
    }

    #[cold]
    #[inline(never)]
    fn rebase(&mut self) {
        let new_base = self.st.now.as_nanos().saturating_sub(TIME_MAX / 2);
        let aux = &mut self.aux;
        self.map.for_each_mut(|w| {
            if w[0] & (EXT_BIT | KIND_BITS) != K_DYN << KIND_SHIFT {
                return;
            }
            let seen = aux.t_base.saturating_add(w[1] >> TIME_SHIFT);
            if seen >= new_base {
                w[1] = (w[1] & 0xffff) | ((seen - new_base) << TIME_SHIFT);
            } else {
                // Older than the new base (no ageing, or a host that stopped calling): the
                // exact instant moves to the side table.
                let s = aux.decode(*w);
                let _ = aux.ext.insert(w[0] & KEY_MASK, s);
                *w = [w[0] | EXT_BIT, 0];
            }
        });
        self.aux.t_base = new_base;
    }

    /// The slot of `key`, if present: its index and wide form.
    pub(crate) fn load_key(&self, key: u64) -> Option<(usize, Slot)> {
        let i = self.map.index_of(key)?;
        Some((i, self.aux.decode(self.map.at(i))))
    }

    /// Stores `s` at `i` (the slot of `key`).
    pub(crate) fn store(&mut self, i: usize, key: u64, s: &Slot) {
        let was_ext = self.map.at(i)[0] & EXT_BIT != 0;
        let w = self.aux.encode(key, s, was_ext);
        self.map.set(i, w);
    }

    /// Stores `s` as the slot of `key`, inserting it if absent (the caller checked the limits).
    pub(crate) fn put(&mut self, key: u64, s: &Slot) {
        self.map.reserve_one();
        match self.map.find(key) {
            Ok(i) => self.store(i, key, s),
            Err(pos) => {
                let w = self.aux.encode(key, s, false);
                let _ = self.map.insert_at(pos, w);
            }
        }
    }

    /// Removes the slot at `i`.
    pub(crate) fn remove_index(&mut self, i: usize) {
        self.aux.forget(self.map.at(i)[0]);
        self.map.remove_at(i);
    }

    /// Learns `mac` in `vid` on `location` from a received frame at `now` (IEEE 802.1Q 8.7
    /// Learning Process). Group source addresses are ignored.
    ///
    /// The hot paths (a refresh, a new key whose home group has room in a table with no
    /// per-port or per-VLAN limits) are small enough to inline into the host's frame loop, so
    /// that the processor overlaps the memory latency of consecutive learns: one read of the
    /// home group's control word decides, the location is compared as its interned index, and
    /// a new key costs its slot, one control octet, the ageing bucket, the digest and the
    /// journal record. The rest is out of line.
    #[inline(always)]
    pub fn learn(&mut self, now: Instant, vid: VlanId, mac: MacAddr, location: Location) -> Learn {
        if mac.is_multicast() {
            return self.learn_group_source();
        }
        self.set_now(now);
        if self.st.age_ns != 0 && self.st.now_tick >= self.st.base_tick + RING {
            // The host did not call handle_timeout for long: age first, then move the ring.
            return self.learn_other(now, Key::new(vid, mac).to_u64(), location);
        }
        let key = Key::new(vid, mac).to_u64();
        let ix = self.aux.interned(location);
        match self.map.spot(key) {
            Spot::Found(i, w) => self.learn_found_ix(i, w, key, location, ix),
            Spot::Free { g, lane, tag }
                if self.map.has_room() && self.map.len() < self.st.fast_max =>
            {
                let off = self.st.now.as_nanos().wrapping_sub(self.aux.t_base);
                match (ix, sync_of(location)) {
                    (Some(ix), Some(sync)) if off <= TIME_MAX => {
                        let _ = self.map.fill(
                            g,
                            lane,
                            tag,
                            [
                                key | (K_DYN << KIND_SHIFT),
                                u64::from(ix) | (off << TIME_SHIFT),
                            ],
                        );
                        self.st.bucket_add_current();
                        self.st.note_new(key, sync);
                        self.st.stats.learned += 1;
                        Learn::New
                    }
                    _ => self.learn_other(now, key, location),
                }
            }
            // Absent, and the table at its limit (or limits configured): the limits decide,
            // with no second probe.
            Spot::Free { .. } if self.map.len() >= self.st.fast_max => {
                self.learn_slow(key, location, None)
            }
            _ => self.learn_other(now, key, location),
        }
    }

    /// [`Fdb::learn`] past its inline paths (after `set_now`): a sweep first if the ageing
    /// ring is due, then one probe for the key or its insert position, the limits, a new
    /// location interned.
    #[inline(never)]
    fn learn_other(&mut self, now: Instant, key: u64, location: Location) -> Learn {
        if self.st.age_ns != 0 && self.st.now_tick >= self.st.base_tick + RING {
            let _ = self.sweep(now);
        }
        // With no per-port or per-VLAN limits and room in the table, a new key needs no limit
        // checks: it goes straight into the position found by the one probe.
        let room = self.map.len() < self.st.fast_max;
        if room {
            self.map.reserve_one();
        }
        // With room, one probe finds the key or its insert position; without, a new key is
        // refused (or handled by the limits) and only needs the cheaper lookup.
        let probe = if room {
            self.map.find(key)
        } else {
            self.map.index_of(key).ok_or(usize::MAX)
        };
        match probe {
            Ok(i) => self.learn_found(i, key, location),
            Err(pos) => {
                if !room {
                    return self.learn_slow(key, location, None);
                }
                self.learn_new(pos, key, location)
            }
        }
    }

    /// [`Fdb::learn`] of the key at slot `i` (after `set_now`): the inline refresh, else the
    /// rest out of line.
    #[inline(always)]
    fn learn_found(&mut self, i: usize, key: u64, location: Location) -> Learn {
        let ix = self.aux.interned(location);
        self.learn_found_ix(i, self.map.at(i), key, location, ix)
    }

    /// [`Fdb::learn_found`] with `[kw, v]` the slot at `i` and `ix` the interned index of
    /// `location` (`None`: not interned). The refresh test is the slot's kind and the value word's low octet
    /// against `ix` (interned locations are distinct, so equal indices are equal locations).
    #[inline(always)]
    fn learn_found_ix(
        &mut self,
        i: usize,
        [kw, v]: [u64; 2],
        key: u64,
        location: Location,
        ix: Option<u8>,
    ) -> Learn {
        let t_base = self.aux.t_base;
        let off = self.st.now.as_nanos().wrapping_sub(t_base);
        if kw & (EXT_BIT | KIND_BITS) == K_DYN << KIND_SHIFT
            && Some(v as u8) == ix
            && off <= TIME_MAX
        {
            // Refresh: the hot path. Bucket bookkeeping only when the tick changed (the tick's
            // start is 0 without ageing).
            let st = &mut self.st;
            let seen = t_base.saturating_add(v >> TIME_SHIFT);
            if seen < st.tick_start() {
                st.bucket_sub(Instant::from_nanos(seen));
                let _ = st.bucket_add_now();
            }
            st.stats.refreshed += 1;
            self.map.set_val(i, (v & 0xffff) | (off << TIME_SHIFT));
            return Learn::Refreshed;
        }
        self.learn_present(i, key, location)
    }

    /// [`Fdb::learn`] of a burst of frames' source addresses (a receive batch), `out[i]` the
    /// outcome of `frames[i]`, the same as calling [`Fdb::learn`] on each in order: the home
    /// groups of the whole burst are read first ([`Fdb::lookup_many`]), so that their cache
    /// misses overlap instead of being paid one after the other.
    pub fn learn_many<const N: usize>(
        &mut self,
        now: Instant,
        frames: &[(VlanId, MacAddr, Location); N],
        out: &mut [Learn; N],
    ) {
        let mut keys = [0u64; N];
        for (k, &(vid, mac, _)) in keys.iter_mut().zip(frames) {
            *k = Key::new(vid, mac).to_u64();
        }
        let mut found = [None; N];
        self.map.index_of_many(&keys, &mut found);
        self.set_now(now);
        for ((o, &(vid, mac, location)), (&key, &f)) in
            out.iter_mut().zip(frames).zip(keys.iter().zip(&found))
        {
            // An index found before this burst's earlier learns still holds if its slot still
            // holds the key: they may have evicted it or grown the table (moving every entry).
            *o = match f {
                Some(i)
                    if !mac.is_multicast()
                        && self.map.at(i)[0] & KEY_MASK == key
                        && !(self.st.age_ns != 0
                            && self.st.now_tick >= self.st.base_tick + RING) =>
                {
                    self.learn_found(i, key, location)
                }
                _ => self.learn(now, vid, mac, location),
            };
        }
    }

    #[cold]
    #[inline(never)]
    fn learn_group_source(&mut self) -> Learn {
        self.st.stats.group_sources += 1;
        Learn::Ignored(Ignored::GroupAddress)
    }

    /// [`Fdb::learn`] of a new key at the free slot `pos` of a table with room and no limits.
    #[inline]
    fn learn_new(&mut self, pos: usize, key: u64, location: Location) -> Learn {
        let _ = self.st.bucket_add_now();
        let off = self.st.now.as_nanos().wrapping_sub(self.aux.t_base);
        let w = match self.aux.local_ix(location) {
            Some(ix) if off <= TIME_MAX => [
                key | (K_DYN << KIND_SHIFT),
                u64::from(ix) | (off << TIME_SHIFT),
            ],
            _ => {
                let mut fresh = Slot::EMPTY;
                fresh.set_local(Some(location));
                fresh.last_seen = self.st.now;
                self.aux.encode(key, &fresh, false)
            }
        };
        let _ = self.map.insert_at(pos, w);
        self.st.note(key, None, sync_of(location));
        self.st.stats.learned += 1;
        Learn::New
    }

    /// [`Fdb::learn`] of a present key other than an inline refresh: a refresh of a wide slot,
    /// a move, a static or own entry, a peer entry only.
    #[inline(never)]
    fn learn_present(&mut self, i: usize, key: u64, location: Location) -> Learn {
        let [kw, v] = self.map.at(i);
        let mut s = self.aux.decode([kw, v]);
        if let Some(from) = s.local() {
            match s.kind {
                Kind::Static | Kind::Peer => return Learn::Ignored(Ignored::Static),
                Kind::Own => return Learn::Ignored(Ignored::Own),
                Kind::Dynamic => {}
            }
            if from == location {
                let st = &mut self.st;
                if st.age_ns != 0 && s.last_seen.as_nanos() < st.tick_start() {
                    st.bucket_sub(s.last_seen);
                    let _ = st.bucket_add_now();
                }
                s.last_seen = st.now;
                st.stats.refreshed += 1;
                self.store(i, key, &s);
                return Learn::Refreshed;
            }
        }
        self.learn_slow(key, location, Some(s))
    }

    /// New entries and moves; `existing` is the key's slot, looked up once by the caller.
    fn learn_slow(&mut self, key: u64, location: Location, existing: Option<Slot>) -> Learn {
        match existing {
            Some(s) if s.has_local() => self.do_move(key, s, location),
            Some(_) => {
                if let Some(l) = self.check_limits(key, location, false) {
                    return l;
                }
                self.insert_dynamic(key, location)
            }
            None => {
                if let Some(l) = self.check_limits(key, location, true) {
                    return l;
                }
                self.insert_dynamic(key, location)
            }
        }
    }

    fn do_move(&mut self, key: u64, s: Slot, location: Location) -> Learn {
        let now = self.st.now;
        let Some(from) = s.local() else {
            return Learn::Ignored(Ignored::Static);
        };
        let mut s = s;
        let mut damp = self.st.damp.get(&key).copied();
        if s.frozen() {
            if damp.is_some_and(|d| now < d.window_start) {
                self.st.stats.frozen_ignored += 1;
                return Learn::Ignored(Ignored::Frozen);
            }
            // The freeze is over: a new window starts with this move.
            s.set_frozen(false);
            damp = None;
        }
        if self.st.port_full(location) {
            match self.st.cfg.when_full {
                FullPolicy::DropNew => {
                    self.st.stats.rejected_port += 1;
                    return Learn::Rejected(Limit::Port);
                }
                FullPolicy::EvictOldest => {
                    if !self.evict_oldest(Some(location), None, key) {
                        self.st.stats.rejected_port += 1;
                        return Learn::Rejected(Limit::Port);
                    }
                }
            }
        }
        let mut flapping = false;
        if let Some(d) = self.st.cfg.move_dampening {
            // The window starts at the first move (and again once it has passed).
            let mut w = match damp {
                Some(w) if now.saturating_duration_since(w.window_start) < d.window => w,
                _ => Damp {
                    window_start: now,
                    window_moves: 0,
                },
            };
            w.window_moves = w.window_moves.saturating_add(1);
            let k = Key::from_u64(key).unwrap_or(Key::new(VlanId::MIN, MacAddr::ZERO));
            if w.window_moves > d.moves_max {
                flapping = true;
                self.st.stats.flaps += 1;
                if let Some(freeze) = d.freeze {
                    s.set_frozen(true);
                    w.window_start = now.saturating_add(freeze);
                    let _ = self.st.damp.insert(key, w);
                    self.st.stats.frozen_ignored += 1;
                    self.put(key, &s);
                    self.st.push_event(Event::MacFlapping {
                        key: k,
                        from,
                        to: location,
                        frozen: true,
                    });
                    return Learn::Ignored(Ignored::Frozen);
                }
                self.st.push_event(Event::MacFlapping {
                    key: k,
                    from,
                    to: location,
                    frozen: false,
                });
            }
            let _ = self.st.damp.insert(key, w);
        }
        let old = s.sync_view();
        self.st.count_sub(from, key);
        self.st.count_add(location, key);
        self.st.bucket_sub(s.last_seen);
        let _ = self.st.bucket_add_now();
        s.set_local(Some(location));
        s.last_seen = now;
        s.moves = s.moves.saturating_add(1);
        self.st.note(key, old, s.sync_view());
        // An eviction above may have moved the slot: store by key.
        self.put(key, &s);
        self.st.stats.moved += 1;
        Learn::Moved { from, flapping }
    }

    /// Checks the limits for a new local dynamic entry; `Some` is the refusal.
    fn check_limits(&mut self, key: u64, location: Location, new_key: bool) -> Option<Learn> {
        let evict = self.st.cfg.when_full == FullPolicy::EvictOldest;
        if new_key
            && self.map.len() >= self.st.cfg.entries_max as usize
            && !(evict && self.evict_oldest(None, None, key))
        {
            self.st.stats.rejected_full += 1;
            return Some(Learn::Rejected(Limit::Table));
        }
        if self.st.port_full(location) && !(evict && self.evict_oldest(Some(location), None, key)) {
            self.st.stats.rejected_port += 1;
            return Some(Learn::Rejected(Limit::Port));
        }
        if self.st.vlan_full(key) && !(evict && self.evict_oldest(None, Some(key >> 48), key)) {
            self.st.stats.rejected_vlan += 1;
            return Some(Learn::Rejected(Limit::Vlan));
        }
        None
    }

    fn insert_dynamic(&mut self, key: u64, location: Location) -> Learn {
        let now = self.st.now;
        let _ = self.st.bucket_add_now();
        self.st.count_add(location, key);
        let mut fresh = Slot::EMPTY;
        if let Some((_, s)) = self.load_key(key) {
            // A peer entry only: keep it.
            fresh.set_peer(s.peer());
            fresh.set_mark(s.mark());
        }
        fresh.set_local(Some(location));
        fresh.last_seen = now;
        let new = fresh.sync_view();
        self.put(key, &fresh);
        self.st.note(key, None, new);
        self.st.stats.learned += 1;
        Learn::New
    }

    /// Evicts the local dynamic entry with the oldest last-seen time (on `location`, in `vid`),
    /// other than `keep`. O(n).
    fn evict_oldest(&mut self, location: Option<Location>, vid: Option<u64>, keep: u64) -> bool {
        let aux = &self.aux;
        let victim = self
            .map
            .iter()
            .filter(|w| w[0] & KIND_BITS == K_DYN << KIND_SHIFT)
            .map(|w| (w[0] & KEY_MASK, aux.decode(w)))
            .filter(|(k, s)| {
                *k != keep
                    && s.is_dynamic()
                    && location.is_none_or(|l| s.local() == Some(l))
                    && vid.is_none_or(|v| *k >> 48 == v)
            })
            .min_by_key(|(k, s)| (s.last_seen, *k))
            .map(|(k, _)| k);
        let Some(k) = victim else { return false };
        self.remove_local(k);
        self.st.stats.evicted += 1;
        true
    }

    /// Removes the local entry of `key`, and the key if no peer entry remains.
    fn remove_local(&mut self, key: u64) {
        if let Some((i, mut s)) = self.load_key(key) {
            self.st.drop_local(key, &mut s);
            if s.has_peer() {
                self.store(i, key, &s);
            } else {
                self.remove_index(i);
            }
        }
    }

    /// Adds or replaces a static entry (`/interface bridge host add`) on a port or MLAG bond, or
    /// one of the bridge's own addresses with [`Location::Cpu`]. Never ages.
    pub fn insert_static(
        &mut self,
        vid: VlanId,
        mac: MacAddr,
        location: Location,
    ) -> Result<(), FdbError> {
        if mac.is_multicast() {
            return Err(FdbError::GroupAddress(mac));
        }
        if location == Location::PeerPort {
            return Err(FdbError::PeerPortStatic);
        }
        let key = Key::new(vid, mac).to_u64();
        let existing = self.load_key(key);
        if existing.is_none() && self.map.len() >= self.st.cfg.entries_max as usize {
            return Err(FdbError::TableFull);
        }
        let mut s = existing.map_or(Slot::EMPTY, |(_, s)| s);
        self.st.drop_local(key, &mut s);
        s.set_local(Some(location));
        s.kind = if location == Location::Cpu {
            Kind::Own
        } else {
            Kind::Static
        };
        let new = s.sync_view();
        self.st.note(key, None, new);
        self.put(key, &s);
        Ok(())
    }

    /// Removes a static or own entry; false if there was none.
    pub fn remove_static(&mut self, vid: VlanId, mac: MacAddr) -> bool {
        let key = Key::new(vid, mac).to_u64();
        match self.load_key(key) {
            Some((_, s)) if s.has_local() && s.kind != Kind::Dynamic => {
                self.remove_local(key);
                true
            }
            _ => false,
        }
    }

    /// The entry for `mac` in `vid`, as stored: the local entry if there is one, else the peer's.
    pub fn get(&self, vid: VlanId, mac: MacAddr) -> Option<Entry> {
        let key = Key::new(vid, mac).to_u64();
        self.load_key(key).and_then(|(_, s)| view(key, &s))
    }

    /// Where to forward a frame to `mac` in `vid` (IEEE 802.1Q 8.8.9 Querying the FDB): the
    /// local entry if any, else the peer's; an MLAG location whose local bond is down (or
    /// unknown) resolves to [`Location::PeerPort`]. `None` = unknown: flood.
    ///
    /// Always inline: the hit path is one cache line and a few dozen instructions, and the
    /// fewer there are between two lookups, the more of their cache misses the processor
    /// overlaps.
    #[inline(always)]
    pub fn lookup(&self, vid: VlanId, mac: MacAddr) -> Option<Location> {
        let w = self.map.slot_of(Key::new(vid, mac).to_u64())?;
        self.resolve(w)
    }

    /// [`Fdb::lookup`] of a burst of destinations (a receive batch), `out[i]` for `keys[i]`:
    /// hashes every key and reads every home group (and its first tag match's slot) before
    /// resolving any, so that the burst's cache misses overlap; the same results as
    /// [`Fdb::lookup`] on each.
    pub fn lookup_many<const N: usize>(
        &self,
        keys: &[(VlanId, MacAddr); N],
        out: &mut [Option<Location>; N],
    ) {
        let mut packed = [0u64; N];
        for (k, &(vid, mac)) in packed.iter_mut().zip(keys) {
            *k = Key::new(vid, mac).to_u64();
        }
        let mut found = [None; N];
        self.map.index_of_many(&packed, &mut found);
        for (o, f) in out.iter_mut().zip(found) {
            *o = f.and_then(|i| self.resolve(self.map.at(i)));
        }
    }

    /// Where the entry in slot `[kw, v]` forwards to.
    #[inline(always)]
    fn resolve(&self, [kw, v]: [u64; 2]) -> Option<Location> {
        // The common case inline: a local entry in the slot, not on an MLAG bond.
        if kw & KIND_BITS != 0 && kw & EXT_BIT == 0 {
            // An inline local entry: its interned location, by the value word's low octet.
            // A `u8` index into 256 entries: the compiler drops the bounds check.
            if let Some(&l) = self.aux.local_at.get(usize::from(v as u8))
                && !matches!(l, Location::Mlag(_))
            {
                return Some(l);
            }
        }
        self.lookup_slot(kw, v)
    }

    /// [`Fdb::lookup`] of a slot other than a local entry on a port: side table, peer entry,
    /// MLAG resolution.
    #[inline(never)]
    fn lookup_slot(&self, kw: u64, v: u64) -> Option<Location> {
        let loc = if kw & EXT_BIT != 0 {
            let s = self.aux.decode([kw, v]);
            match (s.local(), s.peer()) {
                (Some(l), _) => l,
                (None, Some(SyncLocation::Mlag(id))) => Location::Mlag(id),
                (None, Some(SyncLocation::Single)) => return Some(Location::PeerPort),
                (None, None) => return None,
            }
        } else if kw & KIND_BITS != 0 {
            *self.aux.locals.get((v & 0xff) as usize)?
        } else {
            match self.aux.peer_of(v)? {
                SyncLocation::Single => return Some(Location::PeerPort),
                SyncLocation::Mlag(id) => Location::Mlag(id),
            }
        };
        match loc {
            Location::Mlag(id) if self.st.mlag_up.binary_search(&id).is_err() => {
                Some(Location::PeerPort)
            }
            l => Some(l),
        }
    }

    /// Tells the table whether the local bond with `id` is up. Entries on [`Location::Mlag`]
    /// stay in the table either way; [`Fdb::lookup`] resolves them to the bond or the peer-port,
    /// so failover costs O(1) here and one re-pointing of the logical port in the dataplane.
    pub fn set_mlag_bond(&mut self, id: MlagId, state: BondState) -> Result<(), FdbError> {
        match (self.st.mlag_up.binary_search(&id), state) {
            (Err(at), BondState::Up) => {
                if self.st.mlag_up.len() >= self.st.cfg.mlag_bonds_max as usize {
                    return Err(FdbError::TooManyBonds);
                }
                self.st.mlag_up.insert(at, id);
            }
            (Ok(at), BondState::Down) => {
                let _ = self.st.mlag_up.remove(at);
            }
            _ => {}
        }
        Ok(())
    }

    /// Every entry in (VLAN, MAC) order, for show commands. Allocates a sorted list.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        let mut v: Vec<Entry> = self
            .map
            .iter()
            .filter_map(|w| view(w[0] & KEY_MASK, &self.aux.decode(w)))
            .collect();
        v.sort_unstable_by_key(|e| e.key);
        v.into_iter()
    }

    /// The entries this table owns as the peer sees them (sorted); for tests and show commands.
    pub fn own_records(&self) -> Vec<Record> {
        let mut v: Vec<Record> = self
            .map
            .iter()
            .filter_map(|w| {
                Some(Record {
                    key: Key::from_u64(w[0] & KEY_MASK)?,
                    location: Some(self.aux.decode(w).sync_view()?),
                })
            })
            .collect();
        v.sort_unstable_by_key(|r| r.key);
        v
    }

    /// The peer's entries held here (sorted); for tests and show commands.
    pub fn peer_records(&self) -> Vec<Record> {
        let mut v: Vec<Record> = self
            .map
            .iter()
            .filter_map(|w| {
                Some(Record {
                    key: Key::from_u64(w[0] & KEY_MASK)?,
                    location: Some(self.aux.decode(w).peer()?),
                })
            })
            .collect();
        v.sort_unstable_by_key(|r| r.key);
        v
    }

    /// Removes the entries `f` selects; returns how many entries were removed (a key with both a
    /// local and a peer entry removed counts twice).
    pub fn flush(&mut self, f: &Flush) -> usize {
        let loc_ok =
            |l: Location| f.location.is_none_or(|x| x == l) && f.except.is_none_or(|x| x != l);
        // Per interned index: does the flush select that location? One table lookup per slot
        // instead of rebuilding and comparing locations (flushes are a full pass).
        let mut local_sel = [false; 256];
        for (sel, &l) in local_sel.iter_mut().zip(&self.aux.locals) {
            *sel = loc_ok(l);
        }
        let mut peer_sel = [false; 256];
        if let Some(p) = peer_sel.get_mut(1) {
            *p = loc_ok(Location::PeerPort);
        }
        for (sel, &id) in peer_sel.iter_mut().skip(2).zip(&self.aux.peers) {
            *sel = loc_ok(Location::Mlag(id));
        }
        let kind_sel = [false, f.dynamic, f.statics, false];
        let st = &mut self.st;
        let aux = &mut self.aux;
        let mut removed = 0usize;
        self.map.retain(|w| {
            let key = w[0] & KEY_MASK;
            if let Some(set) = f.vlans
                && !VlanId::try_new((key >> 48) as u16).is_ok_and(|v| set.contains(v))
            {
                return true;
            }
            let was_ext = w[0] & EXT_BIT != 0;
            if !was_ext {
                let kind = ((w[0] & KIND_BITS) >> KIND_SHIFT) as usize;
                let local_hit = kind_sel.get(kind).copied().unwrap_or(false)
                    && local_sel
                        .get((w[1] & 0xff) as usize)
                        .copied()
                        .unwrap_or(false);
                let peer_hit = f.peer
                    && peer_sel
                        .get(((w[1] >> 8) & 0xff) as usize)
                        .copied()
                        .unwrap_or(false);
                if !local_hit && !peer_hit {
                    return true;
                }
            }
            let mut s = aux.decode(*w);
            let mut changed = false;
            if let Some(l) = s.local() {
                let kind_ok = match s.kind {
                    Kind::Dynamic => f.dynamic,
                    Kind::Static => f.statics,
                    Kind::Own | Kind::Peer => false,
                };
                if kind_ok && loc_ok(l) {
                    st.drop_local(key, &mut s);
                    removed += 1;
                    changed = true;
                }
            }
            if f.peer
                && let Some(p) = s.peer()
            {
                // A peer entry sits behind the peer-port, or on the bond of its mlag-id.
                let l = match p {
                    SyncLocation::Single => Location::PeerPort,
                    SyncLocation::Mlag(id) => Location::Mlag(id),
                };
                if loc_ok(l) {
                    State::note_peer(key, &mut st.peer_digest, p);
                    s.set_peer(None);
                    removed += 1;
                    changed = true;
                }
            }
            if !(s.has_local() || s.has_peer()) {
                aux.forget(w[0]);
                return false;
            }
            if changed {
                *w = aux.encode(key, &s, was_ext);
            }
            true
        });
        self.st.stats.flushed += removed as u64;
        removed
    }

    /// Removes every local dynamic entry idle for the ageing time (IEEE 802.1Q 8.8.3). O(n);
    /// [`Fdb::handle_timeout`] calls it only when an ageing bucket has expired.
    pub fn sweep(&mut self, now: Instant) -> usize {
        self.set_now(now);
        let now = self.st.now;
        if self.st.age_ns == 0 {
            return 0;
        }
        // An inline dynamic slot has expired iff its time offset is at most `cut`.
        let cut = now
            .as_nanos()
            .checked_sub(self.st.age_ns)
            .and_then(|c| c.checked_sub(self.aux.t_base));
        let st = &mut self.st;
        let aux = &mut self.aux;
        let mut aged = 0usize;
        self.map.retain(|w| {
            let was_ext = w[0] & EXT_BIT != 0;
            if !was_ext
                && (w[0] & KIND_BITS != K_DYN << KIND_SHIFT
                    || cut.is_none_or(|c| w[1] >> TIME_SHIFT > c))
            {
                return true;
            }
            let key = w[0] & KEY_MASK;
            let mut s = aux.decode(*w);
            if !st.expired(&s, now) {
                return true;
            }
            st.drop_local(key, &mut s);
            aged += 1;
            if s.has_peer() {
                *w = aux.encode(key, &s, was_ext);
                true
            } else {
                aux.forget(w[0]);
                false
            }
        });
        self.st.stats.aged += aged as u64;
        // Buckets wholly in the past are empty now.
        let now_tick = self.st.now_tick;
        let advanced = self.st.ring_advance(now_tick);
        debug_assert!(advanced, "a bucket older than the ring survived the sweep");
        aged
    }

    /// The next instant [`Fdb::handle_timeout`] has work: an ageing bucket expiring or a sync
    /// timer.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ageing = self.st.ageing_deadline();
        let sync = self.sync_deadline();
        match (ageing, sync) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the timers due at `now`. Safe to call spuriously; O(1) when nothing expires.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.st.set_now(now);
        if self.st.ageing_deadline().is_some_and(|d| d <= self.st.now) {
            let _ = self.sweep(now);
        }
        self.sync_timeout(now);
    }

    /// Internal consistency (tests and fuzzing): slot order, side table, bucket counts, limits,
    /// digests, journal numbering. Returns a description of the first violation.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let st = &self.st;
        if st.journal.len() as u64 > st.seq || st.journal.len() > st.cfg.journal_max as usize {
            return Err("journal numbering");
        }
        if self.map.len() > st.cfg.entries_max as usize {
            return Err("entries_max exceeded");
        }
        self.map.check()?;
        let mut own = [0u64; SEGMENTS];
        let mut peer = [0u64; SEGMENTS];
        let mut ring = [0u32; RING as usize];
        let mut ext = 0usize;
        for w in self.map.iter() {
            let k = w[0] & KEY_MASK;
            if w[0] & EXT_BIT != 0 {
                ext += 1;
                if !self.aux.ext.contains_key(&k) {
                    return Err("slot without its side entry");
                }
            }
            let s = self.aux.decode(w);
            if !s.has_local() && !s.has_peer() {
                return Err("empty slot");
            }
            let key = Key::from_u64(k).ok_or("bad key")?;
            if let (Some(l), Some(d)) = (s.sync_view(), own.get_mut(segment(key))) {
                *d ^= record_hash(key, l);
            }
            if let (Some(l), Some(d)) = (s.peer(), peer.get_mut(segment(key))) {
                *d ^= record_hash(key, l);
            }
            if st.age_ns != 0 && s.is_dynamic() {
                let t = st.tick_of(s.last_seen);
                if t < st.base_tick || t >= st.base_tick + RING {
                    return Err("entry outside the ageing ring");
                }
                if let Some(c) = ring.get_mut((t % RING) as usize) {
                    *c += 1;
                }
            }
        }
        if ext != self.aux.ext.len() {
            return Err("side entries without a slot");
        }
        if st
            .damp
            .keys()
            .any(|k| !self.load_key(*k).is_some_and(|(_, s)| s.is_dynamic()))
        {
            return Err("move window of a key without a dynamic entry");
        }
        if own != st.own_digest {
            return Err("own digest");
        }
        if peer != st.peer_digest {
            return Err("peer digest");
        }
        if st.age_ns != 0 && ring != st.ring {
            return Err("ageing buckets");
        }
        if st
            .snap_in
            .is_some_and(|s| s.after != CURSOR_START && s.mask == 0)
        {
            return Err("snapshot without segments");
        }
        Ok(())
    }
}

fn view(key: u64, s: &Slot) -> Option<Entry> {
    let key_t = Key::from_u64(key)?;
    if let Some(location) = s.local() {
        return Some(Entry {
            key: key_t,
            location,
            kind: s.kind,
            last_seen: (s.kind == Kind::Dynamic).then_some(s.last_seen),
            moves: s.moves,
            frozen: s.frozen(),
        });
    }
    let location = match s.peer()? {
        SyncLocation::Single => Location::PeerPort,
        SyncLocation::Mlag(id) => Location::Mlag(id),
    };
    Some(Entry {
        key: key_t,
        location,
        kind: Kind::Peer,
        last_seen: None,
        moves: 0,
        frozen: false,
    })
}
