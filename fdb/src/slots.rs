//! The slot array: a bucketed open-addressing table of 16-octet slots with one control octet
//! each (the SwissTable layout, scanned with SWAR words instead of SIMD: the crate forbids
//! `unsafe`).
//!
//! * A slot is two words: the key word (the 60-bit key, `vid << 48 | mac`, with four flag bits
//!   on top; 0 = empty, since a VLAN id is never 0) and a value word the caller defines.
//! * The hash is a keyed bijection of the key (the splitmix64 finaliser of `key ^ s0`, `s0` from
//!   the table's seed): source MACs are attacker-chosen, and without the seed an attacker cannot
//!   aim keys at one home. Being a bijection, two keys never tie, so the hash is also a total
//!   order of the keys: the snapshot cursor.
//! * Slots come in groups of [`GROUP`]; a key's home group is `hash × groups >> 64` (range
//!   reduction by a multiply: any number of groups, monotone in the hash). A control octet is 0
//!   (empty), 1 (deleted) or 8 bits of the hash (a tag); a lookup reads its home group's 16
//!   control octets as one word, reads the slot of each tag match, and goes on to the next
//!   group only if this one has no empty slot. An insert takes the first free slot on that
//!   path: nothing ever shifts. No wrap-around: a tail of extra groups after the last home
//!   group takes the last groups' overflow, and the table grows if even it fills.
//! * A removal leaves a tombstone only in a group without an empty slot (a later key's probe
//!   may have passed through it); a group that has an empty slot was never full, so no probe
//!   passed it, and the slot becomes empty. Hence a group, once full, has no empty slot until
//!   the next rebuild, and **every key whose home group is at most `g` lies at or before the
//!   first group from `g` on that has an empty slot**: what lets a snapshot walk the table home
//!   in slot order ([`Table::group`]), home groups coming in hash order, with a cursor
//!   that is a hash and stays valid when the table grows.
//! * Whole-table passes ([`Table::retain`]) are one sequential sweep over the groups.

use alloc::vec::Vec;

/// The key bits of a key word.
pub(crate) const KEY_MASK: u64 = (1 << 60) - 1;
/// An empty slot.
pub(crate) const EMPTY: [u64; 2] = [0, 0];

const C1: u64 = 0xbf58_476d_1ce4_e5b9;
const C2: u64 = 0x94d0_49bb_1331_11eb;

/// The splitmix64 finaliser: a bijection of u64.
#[inline]
pub(crate) const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(C1);
    z = (z ^ (z >> 27)).wrapping_mul(C2);
    z ^ (z >> 31)
}

/// The inverse of an odd number modulo 2^64 (Newton's iteration).
const fn inverse(c: u64) -> u64 {
    let mut x = c;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// The inverse of `x ^ (x >> s)`.
const fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    let mut i = 0;
    while i < 64 / s + 1 {
        x = y ^ (x >> s);
        i += 1;
    }
    x
}

/// The inverse of [`mix`].
pub(crate) const fn unmix(mut z: u64) -> u64 {
    z = unshift(z, 31);
    z = z.wrapping_mul(inverse(C2));
    z = unshift(z, 27);
    z = z.wrapping_mul(inverse(C1));
    unshift(z, 30)
}

/// The one input [`mix`] maps to `u64::MAX` (the snapshot start sentinel): the key mask `s0`
/// is chosen so that no 60-bit key reaches it.
const MAX_PREIMAGE: u64 = unmix(u64::MAX);

/// The table's hash key from its seed: 60 random bits, and a top nibble that keeps every key's
/// hash below `u64::MAX`.
pub(crate) const fn hash_key(seed: u64) -> u64 {
    let top = ((MAX_PREIMAGE >> 60) ^ 0xf) << 60;
    (mix(seed ^ 0x6a09_e667_f3bc_c908) & KEY_MASK) | top
}

/// Slots per group: one control word.
pub(crate) const GROUP: usize = 16;

/// Control octet of an empty slot.
const C_EMPTY: u8 = 0;
/// Control octet of a removed entry's slot (a tombstone).
const C_DELETED: u8 = 1;

/// 0x01 in every octet.
const ONES: u128 = u128::MAX / 0xff;
/// 0x7f in every octet.
const LOW7: u128 = ONES * 0x7f;
/// 0xfe in every octet.
const NOT_LOW: u128 = ONES * 0xfe;

/// 0x80 in each octet of `x` that is zero, 0 elsewhere (exact: no carries between octets).
#[inline]
const fn zero_octets(x: u128) -> u128 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// 0x80 in each octet of a control word that is empty or deleted.
#[inline]
const fn free_octets(x: u128) -> u128 {
    zero_octets(x & NOT_LOW)
}

/// The lane of the lowest 0x80 octet of a match word.
#[inline]
const fn lane(m: u128) -> usize {
    (m.trailing_zeros() / 8) as usize
}

/// The control octet of an entry with hash `h`: 8 bits the home does not use, never empty or
/// deleted.
#[inline]
const fn tag(h: u64) -> u8 {
    let t = h as u8;
    if t <= C_DELETED { t + 2 } else { t }
}

/// Entries the table holds before it grows: 7/8 of the home slots.
const fn max_fill(groups: usize) -> usize {
    let homes = groups * GROUP;
    homes - homes / 8
}

/// Home groups for `entries` at most 7/8 full.
fn groups_for(entries: usize) -> usize {
    let mut g = entries
        .saturating_add(entries / 7)
        .saturating_add(1)
        .div_ceil(GROUP)
        .max(1);
    while max_fill(g) < entries {
        g += 1;
    }
    g
}

/// Extra groups after the last home group (overflow of the last groups; no wrap-around).
const fn tail_for(groups: usize) -> usize {
    2 + groups / 1024
}

/// The slot array.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    slots: Vec<[u64; 2]>,
    /// One control octet per slot: [`C_EMPTY`], [`C_DELETED`] or the [`tag`] of the entry's
    /// hash.
    ctrl: Vec<u8>,
    /// Home groups (the tail's groups come after them).
    groups: usize,
    len: usize,
    /// Empty slots that may still be filled before the table must grow: [`max_fill`] less
    /// the entries and tombstones.
    growth_left: usize,
    s0: u64,
}

impl Table {
    /// An empty table (no allocation) hashing with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            slots: Vec::new(),
            ctrl: Vec::new(),
            groups: 0,
            len: 0,
            growth_left: 0,
            s0: hash_key(seed),
        }
    }

    /// Number of entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Heap octets.
    pub(crate) fn allocation_size(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<[u64; 2]>() + self.ctrl.capacity()
    }

    /// The keyed hash of `key` (its flag bits ignored): a bijection, below `u64::MAX`.
    #[inline]
    pub(crate) fn hash(&self, key: u64) -> u64 {
        mix((key & KEY_MASK) ^ self.s0)
    }

    /// The home group of hash `h` (monotone in `h`).
    #[inline]
    pub(crate) fn home_group(&self, h: u64) -> usize {
        ((u128::from(h) * self.groups as u128) >> 64) as usize
    }

    /// Number of home groups.
    #[inline]
    pub(crate) fn group_count(&self) -> usize {
        self.groups
    }

    /// The greatest hash whose home group is at most `g` (at most `u64::MAX - 1`, which no key
    /// reaches).
    pub(crate) fn group_end(&self, g: usize) -> u64 {
        let n = self.groups as u128;
        let next = g as u128 + 1;
        if next >= n {
            return u64::MAX - 1;
        }
        // The first hash of group g + 1 is ceil((g + 1) × 2^64 / n).
        let first = (next << 64).div_ceil(n);
        u64::try_from(first - 1)
            .unwrap_or(u64::MAX - 1)
            .min(u64::MAX - 1)
    }

    /// The control word of group `g` (`None` past the end).
    #[inline]
    fn ctrl_word(&self, g: usize) -> Option<u128> {
        let c = self.ctrl.get(g * GROUP..g * GROUP + GROUP)?;
        Some(u128::from_le_bytes(<[u8; GROUP]>::try_from(c).ok()?))
    }

    /// The slot at `i` (empty past the end).
    #[inline]
    pub(crate) fn at(&self, i: usize) -> [u64; 2] {
        self.slots.get(i).copied().unwrap_or(EMPTY)
    }

    /// Overwrites the value word at `i`.
    #[inline]
    pub(crate) fn set_val(&mut self, i: usize, v: u64) {
        if let Some(s) = self.slots.get_mut(i) {
            s[1] = v;
        }
    }

    /// Overwrites the slot at `i` with an entry of the same key (flags and value may change).
    #[inline]
    pub(crate) fn set(&mut self, i: usize, w: [u64; 2]) {
        debug_assert_eq!(self.at(i)[0] & KEY_MASK, w[0] & KEY_MASK);
        if let Some(s) = self.slots.get_mut(i) {
            *s = w;
        }
    }

    /// The index of `key`, if present: the home group's control word, the slot of each tag
    /// match (usually one, or none for a miss), then the next group only if this one is full.
    /// The home group's part is small enough to inline into callers, so that the processor
    /// overlaps the memory latency of consecutive lookups.
    #[inline(always)]
    pub(crate) fn index_of(&self, key: u64) -> Option<usize> {
        let key = key & KEY_MASK;
        let h = self.hash(key);
        let t = u128::from(tag(h)) * ONES;
        let g = self.home_group(h);
        let x = self.ctrl_word(g)?;
        let mut cand = zero_octets(x ^ t);
        while cand != 0 {
            let i = g * GROUP + lane(cand);
            if self.at(i)[0] & KEY_MASK == key {
                return Some(i);
            }
            cand &= cand - 1;
        }
        if zero_octets(x) != 0 {
            return None;
        }
        self.index_from(key, t, g + 1)
    }

    /// [`Table::index_of`] past a full home group.
    #[inline(never)]
    fn index_from(&self, key: u64, t: u128, mut g: usize) -> Option<usize> {
        while let Some(x) = self.ctrl_word(g) {
            let mut cand = zero_octets(x ^ t);
            while cand != 0 {
                let i = g * GROUP + lane(cand);
                if self.at(i)[0] & KEY_MASK == key {
                    return Some(i);
                }
                cand &= cand - 1;
            }
            if zero_octets(x) != 0 {
                return None;
            }
            g += 1;
        }
        None
    }

    /// `Ok(index)` of `key`, or `Err(index)` of the free slot it would be inserted in
    /// (`usize::MAX` if none before the end: [`Table::insert_at`] then grows). One pass; the
    /// home group's part inlines.
    #[inline(always)]
    pub(crate) fn find(&self, key: u64) -> Result<usize, usize> {
        let key = key & KEY_MASK;
        let h = self.hash(key);
        let t = u128::from(tag(h)) * ONES;
        let g = self.home_group(h);
        let Some(x) = self.ctrl_word(g) else {
            return Err(usize::MAX);
        };
        let mut cand = zero_octets(x ^ t);
        while cand != 0 {
            let i = g * GROUP + lane(cand);
            if self.at(i)[0] & KEY_MASK == key {
                return Ok(i);
            }
            cand &= cand - 1;
        }
        if zero_octets(x) != 0 {
            // An open group: the key is absent, and the group has a free slot.
            return Err(g * GROUP + lane(free_octets(x)));
        }
        self.find_from(key, t, g)
    }

    /// [`Table::find`] past a full home group (it may still hold a tombstone to reuse).
    #[inline(never)]
    fn find_from(&self, key: u64, t: u128, home: usize) -> Result<usize, usize> {
        let mut free = usize::MAX;
        let mut g = home;
        while let Some(x) = self.ctrl_word(g) {
            if g != home {
                let mut cand = zero_octets(x ^ t);
                while cand != 0 {
                    let i = g * GROUP + lane(cand);
                    if self.at(i)[0] & KEY_MASK == key {
                        return Ok(i);
                    }
                    cand &= cand - 1;
                }
            }
            let f = free_octets(x);
            if free == usize::MAX && f != 0 {
                free = g * GROUP + lane(f);
            }
            if zero_octets(x) != 0 {
                return Err(free);
            }
            g += 1;
        }
        Err(free)
    }

    /// Makes room for one more entry (grows at 7/8 load, or rebuilds in place when tombstones
    /// took the room); call before [`Table::find`] when an insert may follow, since a rebuild
    /// moves every entry.
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        if self.growth_left == 0 {
            self.grow(self.len + 1);
        }
    }

    /// Room for `entries` entries without growing.
    pub(crate) fn reserve(&mut self, entries: usize) {
        let g = groups_for(entries);
        if g > self.groups {
            self.rebuild(g);
        }
    }

    fn grow(&mut self, need: usize) {
        let g = if self.groups != 0 && need <= max_fill(self.groups) / 2 {
            // Mostly tombstones: the same size, rebuilt without them.
            self.groups
        } else {
            groups_for(need).max(self.groups + self.groups / 2)
        };
        self.rebuild(g);
    }

    /// Re-places every entry into `groups` home groups (more if the tail overflows).
    fn rebuild(&mut self, groups: usize) {
        let mut groups = groups.max(1);
        loop {
            let total = (groups + tail_for(groups)) * GROUP;
            let mut next = Self {
                slots: alloc::vec![EMPTY; total],
                ctrl: alloc::vec![C_EMPTY; total],
                groups,
                len: 0,
                growth_left: max_fill(groups),
                s0: self.s0,
            };
            let mut ok = true;
            for s in self.slots.iter().filter(|s| s[0] != 0) {
                let h = next.hash(s[0]);
                if next.put_new(h, *s).is_none() {
                    ok = false;
                    break;
                }
            }
            if ok {
                *self = next;
                return;
            }
            // The last groups overflowed the tail (only with a skewed hash): more groups.
            groups = groups.saturating_mul(2);
        }
    }

    /// Puts an entry known to be absent into the first free slot from its home (no lookup).
    fn put_new(&mut self, h: u64, w: [u64; 2]) -> Option<usize> {
        let mut g = self.home_group(h);
        while let Some(x) = self.ctrl_word(g) {
            let f = free_octets(x);
            if f != 0 {
                let i = g * GROUP + lane(f);
                self.fill(i, tag(h), w);
                return Some(i);
            }
            g += 1;
        }
        None
    }

    /// Fills the free slot `i`.
    #[inline]
    fn fill(&mut self, i: usize, t: u8, w: [u64; 2]) {
        if let (Some(s), Some(c)) = (self.slots.get_mut(i), self.ctrl.get_mut(i)) {
            if *c == C_EMPTY {
                self.growth_left = self.growth_left.saturating_sub(1);
            }
            *c = t;
            *s = w;
            self.len += 1;
        }
    }

    /// Inserts a new entry at `pos` (from [`Table::find`] after [`Table::reserve_one`]).
    /// Returns the entry's index (it differs from `pos` only if the table had to grow).
    #[inline]
    pub(crate) fn insert_at(&mut self, pos: usize, w: [u64; 2]) -> usize {
        let h = self.hash(w[0]);
        match self.ctrl.get(pos) {
            Some(&C_DELETED) => {
                self.fill(pos, tag(h), w);
                pos
            }
            Some(&C_EMPTY) if self.growth_left > 0 => {
                self.fill(pos, tag(h), w);
                pos
            }
            _ => self.insert_slow(h, w),
        }
    }

    /// An insert that found no free slot (or no room): grow, then place.
    #[cold]
    fn insert_slow(&mut self, h: u64, w: [u64; 2]) -> usize {
        loop {
            self.grow(self.len + 1);
            if let Some(i) = self.put_new(h, w) {
                return i;
            }
        }
    }

    /// Removes the entry at `i`: its slot becomes empty if its group has an empty slot (no
    /// probe passed the group), else a tombstone.
    pub(crate) fn remove_at(&mut self, i: usize) {
        if self.ctrl.get(i).is_none_or(|&c| c <= C_DELETED) {
            return;
        }
        let open = self
            .ctrl_word(i / GROUP)
            .is_some_and(|x| zero_octets(x) != 0);
        if let (Some(s), Some(c)) = (self.slots.get_mut(i), self.ctrl.get_mut(i)) {
            *s = EMPTY;
            *c = if open {
                self.growth_left += 1;
                C_EMPTY
            } else {
                C_DELETED
            };
            self.len -= 1;
        }
    }

    /// Keeps the entries for which `f` returns true (`f` may change their flags and value, not
    /// their key). One pass over the groups; nothing moves.
    pub(crate) fn retain(&mut self, mut f: impl FnMut(&mut [u64; 2]) -> bool) {
        let mut removed = 0usize;
        let mut emptied = 0usize;
        for (cs, ss) in self
            .ctrl
            .chunks_exact_mut(GROUP)
            .zip(self.slots.chunks_exact_mut(GROUP))
        {
            let x = u128::from_le_bytes(<[u8; GROUP]>::try_from(&*cs).unwrap_or([0; GROUP]));
            let mut full = !free_octets(x) & (ONES << 7);
            if full == 0 {
                continue;
            }
            let open = zero_octets(x) != 0;
            while full != 0 {
                let l = lane(full);
                full &= full - 1;
                if let (Some(s), Some(c)) = (ss.get_mut(l), cs.get_mut(l))
                    && !f(s)
                {
                    *s = EMPTY;
                    removed += 1;
                    *c = if open {
                        emptied += 1;
                        C_EMPTY
                    } else {
                        C_DELETED
                    };
                }
            }
        }
        self.len -= removed;
        self.growth_left += emptied;
    }

    /// Applies `f` to every entry (flags and value only).
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(&mut [u64; 2])) {
        for s in self.slots.iter_mut().filter(|s| s[0] != 0) {
            f(s);
        }
    }

    /// Every entry, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = [u64; 2]> + '_ {
        self.slots.iter().copied().filter(|s| s[0] != 0)
    }

    /// Group `j` (home or tail) for a pass in slot order: the 0x80 bit of each full lane, whether
    /// the group has an empty slot, and its slots; `None` past the end.
    ///
    /// The snapshot walk rests on this: every key whose home group is at most `j` lies at or
    /// before the first group from `j` on that has an empty slot. So a pass from home group
    /// `g0` that has just read an **open** group `j ≥ g0` has seen every key with a hash from
    /// the start of `g0` up to [`Table::group_end`]`(j)`, and no other key except the ones
    /// with a home before `g0` (in the groups before the first open one).
    #[inline]
    pub(crate) fn group(&self, j: usize) -> Option<(u128, bool, &[[u64; 2]])> {
        let x = self.ctrl_word(j)?;
        let ss = self.slots.get(j * GROUP..j * GROUP + GROUP)?;
        Some((!free_octets(x) & (ONES << 7), zero_octets(x) != 0, ss))
    }

    /// The lane of the lowest set bit of a [`Table::group`] mask.
    #[inline]
    pub(crate) fn lane_of(m: u128) -> usize {
        lane(m)
    }

    /// Structural invariants: control octets agree with the slots, every entry is reachable
    /// from its home (no empty slot in the groups it passed), the count and the room left.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.ctrl.len() != self.slots.len() || !self.slots.len().is_multiple_of(GROUP) {
            return Err("control octets");
        }
        let mut n = 0usize;
        let mut deleted = 0usize;
        // The first group with an empty slot at or after each group, from the end.
        let groups_total = self.ctrl.len() / GROUP;
        let mut open_from = alloc::vec![usize::MAX; groups_total + 1];
        for j in (0..groups_total).rev() {
            let open = self.ctrl_word(j).is_some_and(|x| zero_octets(x) != 0);
            let next = open_from.get(j + 1).copied().unwrap_or(usize::MAX);
            if let Some(o) = open_from.get_mut(j) {
                *o = if open { j } else { next };
            }
        }
        for (i, (s, &c)) in self.slots.iter().zip(&self.ctrl).enumerate() {
            if c <= C_DELETED {
                if s[0] != 0 {
                    return Err("entry in a free slot");
                }
                if c == C_DELETED {
                    deleted += 1;
                }
                continue;
            }
            if s[0] == 0 {
                return Err("control octet of an empty slot");
            }
            n += 1;
            let h = self.hash(s[0]);
            if c != tag(h) {
                return Err("control octet");
            }
            let home = self.home_group(h);
            if home >= self.groups {
                return Err("home past the last home group");
            }
            if home > i / GROUP {
                return Err("entry before its home");
            }
            if open_from.get(home).copied().unwrap_or(usize::MAX) < i / GROUP {
                return Err("empty slot between an entry and its home");
            }
        }
        if n != self.len {
            return Err("slot count");
        }
        if !self.slots.is_empty() && self.growth_left + n + deleted != max_fill(self.groups) {
            return Err("room left");
        }
        Ok(())
    }

    /// Groups a lookup of `key` reads, for tests.
    #[cfg(test)]
    pub(crate) fn probe_len(&self, key: u64) -> usize {
        let h = self.hash(key);
        let home = self.home_group(h);
        let mut g = home;
        while let Some(x) = self.ctrl_word(g) {
            let hit = (0..GROUP).any(|l| self.at(g * GROUP + l)[0] & KEY_MASK == key & KEY_MASK);
            if hit || zero_octets(x) != 0 {
                break;
            }
            g += 1;
        }
        g + 1 - home
    }

    /// The home group of `key`, for tests.
    #[cfg(test)]
    pub(crate) fn home_of(&self, key: u64) -> usize {
        self.home_group(self.hash(key))
    }

    /// Number of tombstones, for tests.
    #[cfg(test)]
    pub(crate) fn tombstones(&self) -> usize {
        self.ctrl.iter().filter(|&&c| c == C_DELETED).count()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// A valid key: VLAN 1..=4094 in bits 48..60, any MAC below.
    fn key(i: u64) -> u64 {
        ((1 + i % 4094) << 48) | (mix(i) & 0xfeff_ffff_ffff)
    }

    fn put(t: &mut Table, k: u64, v: u64) -> usize {
        t.reserve_one();
        match t.find(k) {
            Ok(i) => {
                t.set_val(i, v);
                i
            }
            Err(p) => t.insert_at(p, [k, v]),
        }
    }

    fn del(t: &mut Table, k: u64) -> bool {
        match t.find(k) {
            Ok(i) => {
                t.remove_at(i);
                true
            }
            Err(_) => false,
        }
    }

    #[test]
    fn mix_is_a_bijection_and_no_key_hashes_to_the_start_sentinel() {
        let mut x = 1u64;
        for _ in 0..10_000 {
            x = mix(x ^ 0x1234);
            assert_eq!(unmix(mix(x)), x);
            assert_eq!(mix(unmix(x)), x);
        }
        for seed in [0, 1, 42, u64::MAX, 0x5eed] {
            let s0 = hash_key(seed);
            // The only preimage of u64::MAX has a non-zero top nibble: not a 60-bit key.
            assert_ne!((MAX_PREIMAGE ^ s0) >> 60, 0);
            let t = Table::new(seed);
            assert_ne!(t.hash((MAX_PREIMAGE ^ s0) & KEY_MASK), u64::MAX);
        }
    }

    #[test]
    fn swar_octet_matches_are_exact() {
        // Every octet value against every other, in every lane position.
        for a in 0..=255u8 {
            for b in [0u8, 1, 2, 0x7f, 0x80, 0x81, 0xfe, 0xff, a.wrapping_add(1)] {
                let mut o = [b; GROUP];
                o[5] = a;
                let x = u128::from_le_bytes(o);
                let z = zero_octets(x);
                for (l, &v) in o.iter().enumerate() {
                    assert_eq!((z >> (8 * l + 7)) & 1 == 1, v == 0);
                    assert_eq!((free_octets(x) >> (8 * l + 7)) & 1 == 1, v <= 1);
                }
                assert_eq!(z & !(ONES << 7), 0);
            }
        }
    }

    #[test]
    fn inserts_lookups_and_removals_agree_with_a_model() {
        let mut t = Table::new(7);
        let mut model = alloc::collections::BTreeMap::new();
        let mut s = 99u64;
        for step in 0..40_000u64 {
            s = mix(s.wrapping_add(step));
            let k = key(s % 3000);
            if s.is_multiple_of(3) {
                assert_eq!(del(&mut t, k), model.remove(&k).is_some());
            } else {
                let _ = put(&mut t, k, step);
                let _ = model.insert(k, step);
            }
            if step % 1000 == 0 {
                t.check().unwrap();
            }
        }
        t.check().unwrap();
        assert_eq!(t.len(), model.len());
        for (&k, &v) in &model {
            let i = t.find(k).expect("present");
            assert_eq!(t.at(i), [k, v]);
            assert_eq!(t.index_of(k), Some(i));
        }
        for i in 3000..4000 {
            assert!(t.find(key(i)).is_err());
            assert!(t.index_of(key(i)).is_none());
        }
    }

    #[test]
    fn tombstones_only_in_full_groups_and_a_rebuild_clears_them() {
        // Fill one group with keys of that home, then remove them: the group was full, so
        // each removal leaves a tombstone. Group after group, the tombstones use up the room,
        // and the next insert rebuilds the table at the same size without them.
        let mut t = Table::new(13);
        t.reserve(100);
        let groups = t.group_count();
        let mut i = 0u64;
        let mut rebuilt = false;
        for round in 0..4 * groups {
            let g = round % groups;
            let mut aimed = Vec::new();
            while aimed.len() < GROUP {
                if t.home_of(key(i)) == g {
                    aimed.push(key(i));
                }
                i += 1;
            }
            let before = t.tombstones();
            for &k in &aimed {
                let _ = put(&mut t, k, 0);
            }
            t.check().unwrap();
            rebuilt |= t.tombstones() < before;
            let full = t.tombstones();
            for &k in &aimed {
                assert!(del(&mut t, k));
            }
            t.check().unwrap();
            assert!(
                t.tombstones() > full,
                "removals from a full group leave tombstones"
            );
            assert_eq!(t.len(), 0);
        }
        assert!(rebuilt, "a rebuild in place cleared the tombstones");
        assert_eq!(t.group_count(), groups, "an empty table does not grow");
    }

    #[test]
    fn the_last_groups_overflow_into_the_tail_then_the_table_grows() {
        let mut t = Table::new(3);
        t.reserve(64);
        let groups = t.group_count();
        let last = groups - 1;
        let n = (tail_for(groups) + 1) * GROUP + 8;
        let aimed: Vec<u64> = (0..10_000_000u64)
            .map(key)
            .filter(|&k| t.home_of(k) == last)
            .take(n)
            .collect();
        assert_eq!(aimed.len(), n);
        for (v, &k) in aimed.iter().enumerate() {
            let _ = put(&mut t, k, v as u64);
            t.check().unwrap();
        }
        assert!(
            t.group_count() > groups,
            "the overflowing tail made the table grow"
        );
        for &k in &aimed {
            assert!(t.index_of(k).is_some());
        }
        for &k in &aimed {
            assert!(del(&mut t, k));
            t.check().unwrap();
        }
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn retain_keeps_and_changes_in_one_pass() {
        let mut t = Table::new(5);
        let keys: Vec<u64> = (0..5000).map(key).collect();
        for &k in &keys {
            let _ = put(&mut t, k, k % 7);
        }
        t.retain(|w| {
            w[1] += 100;
            w[1] % 3 != 0
        });
        t.check().unwrap();
        for &k in &keys {
            let keep = (k % 7 + 100) % 3 != 0;
            match t.find(k) {
                Ok(i) => {
                    assert!(keep);
                    assert_eq!(t.at(i)[1], k % 7 + 100);
                }
                Err(_) => assert!(!keep),
            }
        }
        // Inserting again after the removals reuses their room.
        for &k in &keys {
            let _ = put(&mut t, k, 1);
        }
        t.check().unwrap();
        assert_eq!(t.len(), keys.len());
    }

    #[test]
    fn a_pass_from_any_group_sees_every_key_of_the_hash_range_at_each_open_group() {
        let mut t = Table::new(9);
        for i in 0..20_000 {
            let _ = put(&mut t, key(i), i);
            if i % 3 == 0 && i > 10 {
                let _ = del(&mut t, key(i - 7));
            }
        }
        t.check().unwrap();
        let mut all: Vec<u64> = t.iter().map(|w| t.hash(w[0])).collect();
        all.sort_unstable();
        // Group ends are ascending and agree with the home groups.
        for g in 0..t.group_count() {
            let hi = t.group_end(g);
            assert_eq!(t.home_group(hi), g);
            if hi < u64::MAX - 1 {
                assert_eq!(t.home_group(hi + 1), g + 1);
            }
        }
        assert_eq!(t.group_end(t.group_count() - 1), u64::MAX - 1);
        for g0 in (0..t.group_count()).step_by(29) {
            let lo = if g0 == 0 { 0 } else { t.group_end(g0 - 1) + 1 };
            let mut seen = Vec::new();
            let mut j = g0;
            let mut opens = 0;
            while let Some((mut full, open, ss)) = t.group(j) {
                while full != 0 {
                    let h = t.hash(ss[Table::lane_of(full)][0]);
                    full &= full - 1;
                    if h >= lo {
                        seen.push(h);
                    }
                }
                if open && opens < 4 {
                    opens += 1;
                    let hi = t.group_end(j);
                    let mut s = seen.clone();
                    s.sort_unstable();
                    let want: Vec<u64> = all
                        .iter()
                        .copied()
                        .filter(|&h| h >= lo && h <= hi)
                        .collect();
                    assert_eq!(s, want, "from group {g0} to open group {j}");
                }
                j += 1;
            }
            seen.sort_unstable();
            let want: Vec<u64> = all.iter().copied().filter(|&h| h >= lo).collect();
            assert_eq!(seen, want);
        }
    }

    #[test]
    fn keys_aimed_at_one_home_under_one_seed_scatter_under_another() {
        // An attacker who knew seed 1 could pick 300 keys with the same home group; under the
        // table's real seed they land in ordinary groups.
        let known = {
            let mut t = Table::new(1);
            t.reserve(4096);
            t
        };
        let aimed: Vec<u64> = (0..20_000_000u64)
            .map(key)
            .filter(|&k| known.home_of(k) == 0)
            .take(300)
            .collect();
        assert_eq!(aimed.len(), 300);
        let mut flooded = Table::new(1);
        flooded.reserve(4096);
        let mut seeded = Table::new(0xdead_beef);
        seeded.reserve(4096);
        for &k in &aimed {
            let _ = put(&mut flooded, k, 0);
            let _ = put(&mut seeded, k, 0);
        }
        let worst = |t: &Table| aimed.iter().map(|&k| t.probe_len(k)).max().unwrap();
        assert!(
            worst(&flooded) >= 300 / GROUP,
            "the aimed keys do collide under seed 1"
        );
        assert!(
            worst(&seeded) <= 2,
            "under another seed: {}",
            worst(&seeded)
        );
    }
}
