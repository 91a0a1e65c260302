//! The System's port table: ports in dense slots, found by port number in O(1).

use alloc::vec::Vec;

use crate::port::{Port, Slot};
use l2_types::PortNo;

/// Marks a port number without a port in [`PortTable::slot_of`].
const NO_SLOT: Slot = Slot::MAX;

/// Ports in dense slots ([`Port::slot`]), with
/// * a direct `PortNo → slot` index (one load per lookup; it grows to the largest port number
///   in use, at most 2 × 65,536 octets), and
/// * the `(PortNo, slot)` pairs sorted by port number, for every walk in port-number order
///   (getters, snapshots, invariant checks, port_moved detection), so iteration order is the
///   same as a map keyed by port number.
///
/// A freed slot is reused by the next port added (last freed first), so the slot a port gets
/// depends only on the sequence of additions and removals.
#[derive(Debug, Clone, Default)]
pub(crate) struct PortTable {
    slots: Vec<Option<Port>>,
    free: Vec<Slot>,
    index: Vec<Slot>,
    order: Vec<(PortNo, Slot)>,
}

impl PortTable {
    /// Number of ports.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// The slot of port `no`.
    #[inline]
    pub(crate) fn slot_of(&self, no: PortNo) -> Option<Slot> {
        self.index
            .get(usize::from(no.0))
            .copied()
            .filter(|s| *s != NO_SLOT)
    }

    /// The port in slot `s`.
    #[inline]
    pub(crate) fn at(&self, s: Slot) -> Option<&Port> {
        self.slots.get(usize::from(s)).and_then(Option::as_ref)
    }

    /// The port in slot `s`.
    #[inline]
    pub(crate) fn at_mut(&mut self, s: Slot) -> Option<&mut Port> {
        self.slots.get_mut(usize::from(s)).and_then(Option::as_mut)
    }

    #[inline]
    pub(crate) fn get(&self, no: &PortNo) -> Option<&Port> {
        self.slot_of(*no).and_then(|s| self.at(s))
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, no: &PortNo) -> Option<&mut Port> {
        self.slot_of(*no).and_then(|s| self.at_mut(s))
    }

    pub(crate) fn contains_key(&self, no: &PortNo) -> bool {
        self.slot_of(*no).is_some()
    }

    /// The slot the next [`insert`](Self::insert) must use.
    pub(crate) fn next_slot(&self) -> Slot {
        self.free.last().copied().unwrap_or_else(|| {
            // PORTS_MAX (4096) keeps this far below NO_SLOT.
            Slot::try_from(self.slots.len()).unwrap_or(NO_SLOT)
        })
    }

    /// Adds `p` (not present yet) in slot `p.slot`, which must be [`next_slot`](Self::next_slot).
    pub(crate) fn insert(&mut self, p: Port) {
        let (no, s) = (p.no, p.slot);
        if s == NO_SLOT || self.contains_key(&no) {
            return;
        }
        if self.free.last() == Some(&s) {
            self.free.pop();
        } else if usize::from(s) != self.slots.len() {
            return;
        }
        match self.slots.get_mut(usize::from(s)) {
            Some(slot) => *slot = Some(p),
            None => self.slots.push(Some(p)),
        }
        let i = usize::from(no.0);
        if self.index.len() <= i {
            self.index.resize(i + 1, NO_SLOT);
        }
        if let Some(e) = self.index.get_mut(i) {
            *e = s;
        }
        if let Err(at) = self.order.binary_search_by_key(&no, |(q, _)| *q) {
            self.order.insert(at, (no, s));
        }
    }

    /// Takes port `no` out; its slot becomes free.
    pub(crate) fn remove(&mut self, no: &PortNo) -> Option<Port> {
        let s = self.slot_of(*no)?;
        let p = self.slots.get_mut(usize::from(s)).and_then(Option::take)?;
        self.free.push(s);
        if let Some(e) = self.index.get_mut(usize::from(no.0)) {
            *e = NO_SLOT;
        }
        if let Ok(at) = self.order.binary_search_by_key(no, |(q, _)| *q) {
            self.order.remove(at);
        }
        Some(p)
    }

    /// The ports by port number.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Port> + '_ {
        self.order.iter().filter_map(|(_, s)| self.at(*s))
    }

    /// The `i`-th port by port number.
    pub(crate) fn nth_mut(&mut self, i: usize) -> Option<&mut Port> {
        let (_, s) = *self.order.get(i)?;
        self.at_mut(s)
    }

    /// Ports in use, checked against both indexes (for `check_invariants`).
    pub(crate) fn consistent(&self) -> bool {
        self.slots.iter().flatten().count() == self.order.len()
            && self.order.iter().all(|(no, s)| {
                self.slot_of(*no) == Some(*s)
                    && self.at(*s).is_some_and(|p| p.no == *no && p.slot == *s)
            })
            && self.free.iter().all(|s| self.at(*s).is_none())
    }
}
