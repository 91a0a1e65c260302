//! The slot array: an open-addressing table of 16-octet slots, kept in the order of a keyed hash
//! (ordered linear probing, Amble and Knuth 1974).
//!
//! * A slot is two words: the key word (the 60-bit key, `vid << 48 | mac`, with four flag bits
//!   on top; 0 = empty, since a VLAN id is never 0) and a value word the caller defines.
//! * The hash is a keyed bijection of the key (the splitmix64 finaliser of `key ^ s0`, `s0` from
//!   the table's seed): source MACs are attacker-chosen, and without the seed an attacker cannot
//!   aim keys at one home. Being a bijection, two keys never tie, so the hash is also a total
//!   order of the keys: the snapshot cursor.
//! * A key's home is slot `hash × homes >> 64` (monotone in the hash); a lookup reads a window
//!   of [`WINDOW`] slots from it without branching on them. The array is kept sorted by
//!   hash: an entry sits at or after its home with no empty slot in between. A lookup stops at
//!   the first slot whose hash is greater (a miss ends as early as a hit); an insert shifts the
//!   rest of its run one slot right; a removal shifts the displaced rest of its run one slot
//!   left (no tombstones). There is no wrap-around: `tail` extra slots after the last home take
//!   the overflow of the last runs, and the table grows if even they fill.
//! * Whole-table passes ([`Table::retain`]) are one sequential sweep with in-place compaction.

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

/// Homes per entry of capacity: a full table is at 7/8 load.
const fn homes_for(entries: usize) -> usize {
    // 7/8 full: with the control octet, 17 / (7/8) = 19.4 octets per entry at capacity.
    entries.saturating_add(entries / 7).saturating_add(1)
}

/// Extra slots after the last home.
const fn tail_for(homes: usize) -> usize {
    WINDOW + homes / 256
}

/// Control octets a lookup reads without branching on them.
const WINDOW: usize = 16;

/// 0x01 in every octet.
const ONES: u128 = u128::MAX / 0xff;
/// 0x7f in every octet.
const LOW7: u128 = ONES * 0x7f;

/// 0x80 in each octet of `x` that is zero, 0 elsewhere.
#[inline]
const fn zero_octets(x: u128) -> u128 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The control octet of an entry with hash `h`: 8 bits the home does not use, never 0.
#[inline]
const fn tag(h: u64) -> u8 {
    let t = h as u8;
    if t == 0 { 1 } else { t }
}

/// Slots per home (1: every slot is a home).
const GRAIN: usize = 1;

/// The home slot of hash `h` among `lines` homes of `GRAIN` slots starting at slot `off`.
#[inline]
fn home_in(h: u64, lines: usize, off: usize) -> usize {
    off + GRAIN * (((u128::from(h) * lines as u128) >> 64) as usize)
}

/// The slot array.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    slots: Vec<[u64; 2]>,
    /// One control octet per slot: 0 = empty, else [`tag`] of the entry's hash. Lookups scan
    /// these (17 octets per home line of 16, small enough to stay in cache) and read a slot
    /// only on a tag match: a miss usually reads no slot at all.
    ctrl: Vec<u8>,
    /// Home slots: `GRAIN` × `lines`.
    homes: usize,
    lines: usize,
    /// Index of the first home slot (0..4): it starts a 64-octet line.
    off: usize,
    len: usize,
    s0: u64,
}

impl Table {
    /// An empty table (no allocation) hashing with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            slots: Vec::new(),
            ctrl: Vec::new(),
            homes: 0,
            lines: 0,
            off: 0,
            len: 0,
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

    #[inline]
    fn home(&self, h: u64) -> usize {
        home_in(h, self.lines, self.off)
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

    /// The index of `key`, if present. The common case reads [`WINDOW`] control octets from
    /// the home without branching on them, then the slot of each tag match before the first
    /// empty one (usually one, or none for a miss); a run longer than the window takes the
    /// loop.
    #[inline]
    pub(crate) fn index_of(&self, key: u64) -> Option<usize> {
        let key = key & KEY_MASK;
        let h = self.hash(key);
        let home = self.home(h);
        if let Some(win) = self
            .ctrl
            .get(home..home + WINDOW)
            .and_then(|w| <[u8; WINDOW]>::try_from(w).ok())
        {
            // Sixteen control octets as one word: 0x80 in each octet equal to the tag, and in
            // each empty one (exact, no false positives).
            let x = u128::from_le_bytes(win);
            let hit = zero_octets(x ^ (u128::from(tag(h)) * ONES));
            let empty = zero_octets(x);
            // The key sits between its home and the first empty slot.
            let before = if empty == 0 {
                u128::MAX
            } else {
                (1u128 << empty.trailing_zeros()) - 1
            };
            let mut cand = hit & before;
            while cand != 0 {
                let i = home + (cand.trailing_zeros() / 8) as usize;
                if self.at(i)[0] & KEY_MASK == key {
                    return Some(i);
                }
                cand &= cand - 1;
            }
            if empty != 0 {
                return None;
            }
            return self.find_from(key, h, home + WINDOW).ok();
        }
        self.find_from(key, h, home).ok()
    }

    /// `Ok(index)` of `key`, or `Err(index)` where it would be inserted.
    #[inline]
    pub(crate) fn find(&self, key: u64) -> Result<usize, usize> {
        if let Some(i) = self.index_of(key) {
            return Ok(i);
        }
        // Absent: the insert position keeps the hash order, among the slots up to the first
        // empty one (the control octets give the run's extent).
        let key = key & KEY_MASK;
        let h = self.hash(key);
        let mut i = self.home(h);
        while let Some(&c) = self.ctrl.get(i) {
            if c == 0 {
                return Err(i);
            }
            if self.hash(self.at(i)[0]) > h {
                return Err(i);
            }
            i += 1;
        }
        Err(i)
    }

    /// The probe loop from `i`.
    fn find_from(&self, key: u64, h: u64, mut i: usize) -> Result<usize, usize> {
        while let Some(s) = self.slots.get(i) {
            let k = s[0] & KEY_MASK;
            if k == key && k != 0 {
                return Ok(i);
            }
            if k == 0 || self.hash(k) > h {
                return Err(i);
            }
            i += 1;
        }
        Err(i)
    }

    /// Makes room for one more entry (grows at 7/8 load); call before [`Table::find`] when an
    /// insert may follow, since growing moves every entry.
    #[inline]
    pub(crate) fn reserve_one(&mut self) {
        if self.len + 1 > self.homes - self.homes / 8 || self.slots.is_empty() {
            self.grow(self.len + 1);
        }
    }

    /// Room for `entries` entries without growing.
    pub(crate) fn reserve(&mut self, entries: usize) {
        if homes_for(entries) > self.homes {
            self.rebuild(homes_for(entries));
        }
    }

    fn grow(&mut self, need: usize) {
        let homes = homes_for(need).max(self.homes.saturating_mul(2)).max(8);
        self.rebuild(homes);
    }

    /// Re-places every entry into `homes` homes; entries are taken in hash order, so each goes
    /// to `max(home, previous + 1)` without any shifting.
    fn rebuild(&mut self, homes: usize) {
        let mut lines = homes.div_ceil(GRAIN).max(1);
        loop {
            let homes = GRAIN * lines;
            let slots = alloc::vec![EMPTY; homes + tail_for(homes)];
            let ctrl = alloc::vec![0u8; homes + tail_for(homes)];
            let off = 0;
            let mut next = Self {
                slots,
                ctrl,
                homes,
                lines,
                off,
                len: 0,
                s0: self.s0,
            };
            let mut at = 0usize;
            let mut ok = true;
            for s in self.slots.iter().filter(|s| s[0] != 0) {
                let h = next.hash(s[0]);
                let i = next.home(h).max(at);
                match (next.slots.get_mut(i), next.ctrl.get_mut(i)) {
                    (Some(d), Some(c)) => {
                        *d = *s;
                        *c = tag(h);
                    }
                    _ => {
                        ok = false;
                        break;
                    }
                }
                at = i + 1;
                next.len += 1;
            }
            if ok {
                *self = next;
                return;
            }
            // The last runs overflowed the tail (only with a skewed hash): more homes.
            lines = lines.saturating_mul(2);
        }
    }

    /// Inserts a new entry at `pos` (from [`Table::find`] after [`Table::reserve_one`]); the
    /// rest of the run moves one slot right. Returns the entry's index (it differs from `pos`
    /// only if the table had to grow).
    pub(crate) fn insert_at(&mut self, pos: usize, w: [u64; 2]) -> usize {
        // One pass: each slot takes the entry carried from the one before, until an empty
        // slot takes the last (runs are short; no separate scan, no library call).
        let mut carry = w;
        let mut carry_tag = tag(self.hash(w[0]));
        let slots = self.slots.get_mut(pos..).unwrap_or_default();
        let ctrl = self.ctrl.get_mut(pos..).unwrap_or_default();
        for (s, c) in slots.iter_mut().zip(ctrl.iter_mut()) {
            core::mem::swap(s, &mut carry);
            core::mem::swap(c, &mut carry_tag);
            if carry[0] == 0 {
                self.len += 1;
                return pos;
            }
        }
        // The run reached the end of the tail: `w` is in, the run's last entry is carried out.
        // Grow, then put that one back.
        // Growing recounts the entries (`w` in, `carry` out); inserting `carry` adds it back.
        self.grow(self.len + 1);
        if let Err(p) = self.find(carry[0]) {
            let _ = self.insert_at(p, carry);
        }
        self.find(w[0]).unwrap_or(pos)
    }

    /// Removes the entry at `i`: the displaced rest of its run moves one slot left.
    pub(crate) fn remove_at(&mut self, i: usize) {
        if self.at(i)[0] == 0 {
            return;
        }
        let mut j = i + 1;
        while let Some(s) = self.slots.get(j) {
            if s[0] == 0 || self.home(self.hash(s[0])) >= j {
                break;
            }
            j += 1;
        }
        self.slots.copy_within(i + 1..j, i);
        self.ctrl.copy_within(i + 1..j, i);
        if let (Some(s), Some(c)) = (self.slots.get_mut(j - 1), self.ctrl.get_mut(j - 1)) {
            *s = EMPTY;
            *c = 0;
        }
        self.len -= 1;
    }

    /// Keeps the entries for which `f` returns true (`f` may change their flags and value, not
    /// their key). One pass; a run with removals is compacted as it is read.
    pub(crate) fn retain(&mut self, mut f: impl FnMut(&mut [u64; 2]) -> bool) {
        // Until the first removal nothing moves: a plain pass.
        let mut first = None;
        for (r, s) in self.slots.iter_mut().enumerate() {
            if s[0] != 0 && !f(s) {
                first = Some(r);
                break;
            }
        }
        let Some(first) = first else { return };
        if let (Some(s), Some(c)) = (self.slots.get_mut(first), self.ctrl.get_mut(first)) {
            *s = EMPTY;
            *c = 0;
        }
        // From there, compact each run as it is read.
        let mut w = first; // next free slot of the current run
        let mut removed = 1usize;
        let (lines, off) = (self.lines, self.off);
        let s0 = self.s0;
        for r in first + 1..self.slots.len() {
            let Some(s) = self.slots.get_mut(r) else {
                break;
            };
            if s[0] == 0 {
                w = r + 1;
                continue;
            }
            if !f(s) {
                *s = EMPTY;
                if let Some(c) = self.ctrl.get_mut(r) {
                    *c = 0;
                }
                removed += 1;
                continue;
            }
            if w < r {
                // An entry moved up the run: to its home, or right after the last one kept.
                let kept = *s;
                let h = mix((kept[0] & KEY_MASK) ^ s0);
                let to = home_in(h, lines, off).max(w);
                if to < r {
                    *s = EMPTY;
                    if let Some(d) = self.slots.get_mut(to) {
                        *d = kept;
                    }
                    let t = self.ctrl.get(r).copied().unwrap_or(0);
                    if let Some(c) = self.ctrl.get_mut(r) {
                        *c = 0;
                    }
                    if let Some(c) = self.ctrl.get_mut(to) {
                        *c = t;
                    }
                }
                w = to + 1;
            } else {
                w = r + 1;
            }
        }
        self.len -= removed;
    }

    /// Applies `f` to every entry (flags and value only).
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(&mut [u64; 2])) {
        for s in self.slots.iter_mut().filter(|s| s[0] != 0) {
            f(s);
        }
    }

    /// Every entry in hash order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = [u64; 2]> + '_ {
        self.slots.iter().copied().filter(|s| s[0] != 0)
    }

    /// The index of the first entry whose hash is greater than `after` (the next snapshot
    /// position); entries from it on come in ascending hash order.
    pub(crate) fn seek(&self, after: u64) -> usize {
        let mut i = self.home(after);
        while let Some(s) = self.slots.get(i) {
            if s[0] == 0 || self.hash(s[0]) > after {
                break;
            }
            i += 1;
        }
        i
    }

    /// The slots from `i` on (empty ones included).
    pub(crate) fn slots_from(&self, i: usize) -> &[[u64; 2]] {
        self.slots.get(i..).unwrap_or_default()
    }

    /// Number of slots (the bound of indices).
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Structural invariants: entries sorted by hash, each at or after its home with no empty
    /// slot in between, and the count.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        let mut prev: Option<u64> = None;
        let mut last_empty: Option<usize> = None;
        let mut n = 0usize;
        if self.ctrl.len() != self.slots.len() {
            return Err("control octets");
        }
        for (i, (s, &c)) in self.slots.iter().zip(&self.ctrl).enumerate() {
            if s[0] == 0 {
                if c != 0 {
                    return Err("control octet of an empty slot");
                }
                last_empty = Some(i);
                continue;
            }
            n += 1;
            let h = self.hash(s[0]);
            if c != tag(h) {
                return Err("control octet");
            }
            if prev.is_some_and(|p| p >= h) {
                return Err("slots out of hash order");
            }
            prev = Some(h);
            let home = self.home(h);
            if home > i {
                return Err("entry before its home");
            }
            if last_empty.is_some_and(|e| e >= home) {
                return Err("empty slot between an entry and its home");
            }
        }
        if n != self.len {
            return Err("slot count");
        }
        Ok(())
    }

    /// The probe length of `key` (slots read by a lookup), for tests.
    #[cfg(test)]
    pub(crate) fn probe_len(&self, key: u64) -> usize {
        let h = self.hash(key);
        match self.find(key) {
            Ok(i) | Err(i) => i + 1 - self.home(h),
        }
    }

    /// The home of `key`, for tests.
    #[cfg(test)]
    pub(crate) fn home_of(&self, key: u64) -> usize {
        self.home(self.hash(key))
    }

    /// Number of homes, for tests.
    #[cfg(test)]
    pub(crate) fn homes(&self) -> usize {
        self.homes
    }

    /// The first home slot, for tests.
    #[cfg(test)]
    pub(crate) fn first_home(&self) -> usize {
        self.off
    }

    /// The last home slot, for tests.
    #[cfg(test)]
    pub(crate) fn last_home(&self) -> usize {
        self.off + self.homes - GRAIN
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
    fn inserts_lookups_and_removals_agree_with_a_model() {
        let mut t = Table::new(7);
        let mut model = alloc::collections::BTreeMap::new();
        let mut s = 99u64;
        for step in 0..20_000u64 {
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
        }
        for i in 3000..4000 {
            assert!(t.find(key(i)).is_err());
        }
    }

    #[test]
    fn runs_fill_the_tail_then_the_table_grows() {
        // Keys whose home is the last home: their run spills past it into the tail, never
        // wrapping to the front; when the tail fills, the table grows and stays consistent.
        let mut t = Table::new(3);
        t.reserve(64);
        let homes = t.homes();
        let last_home = t.last_home();
        let last: Vec<u64> = (0..1_000_000u64)
            .map(key)
            .filter(|&k| t.home_of(k) == last_home)
            .take(tail_for(homes) + 8)
            .collect();
        assert_eq!(last.len(), tail_for(homes) + 8);
        for (n, &k) in last.iter().enumerate() {
            let i = put(&mut t, k, n as u64);
            assert!(i >= last_home, "no wrap-around to the front");
            t.check().unwrap();
        }
        assert!(t.homes() > homes, "the overflowing run made the table grow");
        for &k in &last {
            assert!(t.find(k).is_ok());
        }
        // Removing from the front of a run shifts the displaced rest back towards its home.
        for &k in &last {
            assert!(del(&mut t, k));
            t.check().unwrap();
        }
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn removal_shifts_back_only_displaced_entries() {
        let mut t = Table::new(11);
        t.reserve(1000);
        let keys: Vec<u64> = (0..870).map(key).collect();
        for &k in &keys {
            let _ = put(&mut t, k, 1);
        }
        t.check().unwrap();
        for &k in keys.iter().step_by(2) {
            assert!(del(&mut t, k));
        }
        t.check().unwrap();
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(t.find(k).is_ok(), n % 2 == 1);
        }
    }

    #[test]
    fn retain_compacts_runs_in_one_pass() {
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
    }

    #[test]
    fn growth_keeps_hash_order_and_seek_finds_the_next_key() {
        let mut t = Table::new(9);
        for i in 0..10_000 {
            let _ = put(&mut t, key(i), i);
        }
        t.check().unwrap();
        let order: Vec<u64> = t.iter().map(|w| t.hash(w[0])).collect();
        assert!(order.windows(2).all(|p| p[0] < p[1]));
        for (n, &h) in order.iter().enumerate().step_by(97) {
            // The next entry at or after the seek position (empty slots are skipped).
            let mut i = t.seek(h);
            while t.at(i)[0] == 0 && i < t.slot_count() {
                i += 1;
            }
            match order.get(n + 1) {
                Some(&next) => assert_eq!(t.hash(t.at(i)[0]), next),
                None => assert!(t.iter().all(|w| t.hash(w[0]) <= h)),
            }
        }
    }

    #[test]
    fn keys_aimed_at_one_home_under_one_seed_scatter_under_another() {
        // An attacker who knew seed 1 could pick 300 keys with the same home; under the
        // table's real seed they land in ordinary, short runs.
        let known = {
            let mut t = Table::new(1);
            t.reserve(4096);
            t
        };
        let aimed: Vec<u64> = (0..5_000_000u64)
            .map(key)
            .filter(|&k| known.home_of(k) == known.first_home())
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
            worst(&flooded) >= 300,
            "the aimed keys do collide under seed 1"
        );
        assert!(
            worst(&seeded) <= 4,
            "under another seed: {}",
            worst(&seeded)
        );
    }
}
