//! Switch-offs on the peer that the primary's bridge counts as done before they are.
//!
//! The authoritative bridge runs on the primary, but the peer's single-homed ports and the
//! peer's MLAG halves stop forwarding only when its [`logical::STP_OUT`] record arrives, one
//! peer-link delay `d` after the bridge set `forwarding = FALSE` for them. 802.1D-2004
//! §17.21.3 (disableForwarding): "the procedure does not complete until forwarding has
//! stopped" — and the port role transitions build on that: a new Root Port forwards once
//! every other port's rrWhile is zero (reRooted, §17.20.10 / §17.29.2), which an Alternate
//! Port gets once `!learning && !forwarding` (§17.29.4 BLOCK_PORT → ALTERNATE_PORT). So when
//! an uplink of the primary returns and wins the root port from the peer's uplink, the
//! primary's port forwarded at once while the peer's still forwarded for `d`: a flood from
//! the neighbour entered the pair on both uplinks and reached the client twice (chaos
//! "duplicate delivery after cut uplink end", seeds 1065, 1531; FUZZING.md).
//!
//! The fix keeps the bridge as it is (both replicas must run the same code on the same
//! inputs) and completes the disable at the dataplane: the primary counts every Discarding
//! it sends the peer for a tree until the peer confirms it in force
//! ([`logical::STP_OFF_DONE`]); while any is unconfirmed, a port this peer serves that the
//! bridge moves to Forwarding on that tree waits (the dataplane keeps it Learning — no
//! frame is forwarded, 802.1D-2004 §17.30 — and the bridge's state is applied once the tree
//! has no unconfirmed switch-off left). The cost is one peer-link round trip on such a
//! transition. The reverse order needs nothing: the primary's own switch-offs are
//! immediate, and the peer applies the bridge's records in the order the bridge made them.
//! A confirmation that does not come within [`CONFIRM_MAX`] (a lost session is handled
//! when it is noticed) is taken as given, so the wait cannot turn into a black hole.
//!
//! # Agreements wait too
//! The same premise holds for the agreement a port of the primary sends a neighbour: a Root
//! Port answers a proposal with an agreement once every other port is synced (802.1D-2004
//! §17.29.2 ROOT_AGREED, allSynced, §17.20.2), and an Alternate or Backup Port is synced once
//! `!learning && !forwarding` (§17.29.4) — which, by §17.21.3, is only true once forwarding has
//! stopped. The primary's bridge counted the peer's old Root Port as stopped when it sent the
//! Discarding, so the agreement left at once and the neighbour's Designated Port forwarded
//! while the peer's port still forwarded for `d`: a flood from the neighbour entered the pair
//! through both and reached a client twice (chaos duplicates at a neighbour's proposal on a
//! Hello tick: seeds 6640, 2364, 4345; the side of this race the hold above did not cover).
//! So while a switch-off is unconfirmed, a BPDU with the Agreement flag (CIST or any MSTI)
//! that this peer sends itself — on an own port or the local half of an MLAG — waits, and so
//! does every later BPDU of that port (the neighbour must see them in order); they go out,
//! in order, when no switch-off is open (confirmed, the session lost, or — for agreements
//! only — after [`AGREE_MAX`]: a port waits for [`CONFIRM_MAX`], but an agreement held back
//! only makes the neighbour wait, and a peer-link that brings no confirmation is silent, with
//! the peer's port still forwarding). BPDUs the peer sends for the primary need no wait: the peer applies the
//! Discarding before it gets them ([`logical::STP_OUT`] is in order). Not in the coordinator
//! snapshot: a wait is one peer-link round trip, and an agreement lost at a restart is sent
//! again at the neighbour's next proposal (a proposing Designated Port repeats it every Hello
//! Time, §17.21.19 / §17.26).

use super::{Coordinator, Dataplane, Instant, PortState, StpMode};
use crate::coordinator::logical;
use crate::dataplane::Location;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;
use l2_types::PortNo;

/// How long the primary waits for the peer to confirm a switch-off before it takes it as
/// done (far above any peer-link round trip; the ICCP session notices a dead peer-link on
/// its own).
pub(super) const CONFIRM_MAX: Duration = Duration::from_secs(1);

/// How long agreements wait for a switch-off the peer has not confirmed: until the session
/// ends, at the latest its silence timeout (3 heartbeats of 5 s) — a port held Learning past
/// [`CONFIRM_MAX`] would be a black hole on a working peer-link, but an agreement that does
/// not go out only makes the neighbour wait, and a peer-link that carries no confirmation is
/// silent: the peer's port keeps forwarding until it notices, so an agreement would make the
/// neighbour's port a second path into the pair (chaos seeds 5352, 3814, 1493, 9142).
const AGREE_MAX: Duration = Duration::from_secs(15);

/// BPDUs waiting for the peer's switch-offs at most (beyond it they go out at once: the
/// bridge sends at most a few per port and Hello Time, so it is never reached in practice).
const FRAMES_MAX: usize = 64;

/// The unconfirmed switch-offs and the transitions waiting for them.
#[derive(Debug, Default)]
pub(super) struct SwitchOff {
    /// BPDUs (logical port, frame) waiting for the switch-offs, in the bridge's order.
    frames: Vec<(u16, Vec<u8>)>,
    /// Switch-offs past [`CONFIRM_MAX`] still unconfirmed: (logical port, tree) → (count,
    /// when agreements stop waiting for them, [`AGREE_MAX`]).
    late: BTreeMap<(u16, stp::TreeId), (u32, Instant)>,
    /// (logical port, tree) → (Discarding records the peer has not confirmed, when the
    /// latest is taken as done anyway).
    pending: BTreeMap<(u16, stp::TreeId), (u32, Instant)>,
    /// (host port, tree) → (logical port, location) of a Forwarding that waits.
    held: BTreeMap<(PortNo, stp::TreeId), (u16, Location)>,
    /// Forwarding transitions that waited.
    pub(super) waited: u64,
    /// Switch-offs taken as done without a confirmation.
    pub(super) expired: u64,
}

impl SwitchOff {
    /// The pending switch-offs, the waiting transitions and the counters (for a coordinator
    /// snapshot).
    #[allow(clippy::type_complexity)]
    pub(super) fn parts(
        &self,
    ) -> (
        &BTreeMap<(u16, stp::TreeId), (u32, Instant)>,
        &BTreeMap<(PortNo, stp::TreeId), (u16, Location)>,
        u64,
        u64,
    ) {
        (&self.pending, &self.held, self.waited, self.expired)
    }

    /// The state [`parts`](Self::parts) gave.
    pub(super) fn from_parts(
        pending: BTreeMap<(u16, stp::TreeId), (u32, Instant)>,
        held: BTreeMap<(PortNo, stp::TreeId), (u16, Location)>,
        waited: u64,
        expired: u64,
    ) -> Self {
        Self {
            pending,
            held,
            waited,
            expired,
            ..Self::default()
        }
    }
}

/// Encodes a confirmation ([`logical::STP_OFF_DONE`]): `port`(2) `tree`(2).
pub(super) fn encode_done(port: u16, tree: stp::TreeId) -> [u8; 4] {
    let [a, b] = port.to_be_bytes();
    let [c, d] = tree.to_be_bytes();
    [a, b, c, d]
}

/// Total decoder of [`encode_done`].
pub(super) fn decode_done(b: &[u8]) -> Option<(u16, stp::TreeId)> {
    match *b {
        [a, b, c, d] => Some((u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]))),
        _ => None,
    }
}

impl SwitchOff {
    /// A tree has a switch-off on the peer that is not known to be done.
    fn open(&self, tree: stp::TreeId) -> bool {
        self.pending.keys().any(|(_, t)| *t == tree)
    }
}

/// Whether a BPDU frame carries the Agreement flag, in its CIST flags or any MSTI's.
fn carries_agreement(frame: &[u8]) -> bool {
    use stp::wire::{BpduFlags, BpduFrame, BpduView, FrameKind};
    let Ok(f) = BpduFrame::parse(frame) else {
        return false;
    };
    let FrameKind::Bpdu(b) = f.kind else {
        return false;
    };
    match BpduView::parse(b) {
        Ok(BpduView::Rst(r)) => r.body().flags().contains(BpduFlags::AGREEMENT),
        Ok(BpduView::Mst(m)) => {
            m.cist().flags().contains(BpduFlags::AGREEMENT)
                || m.mstis()
                    .iter()
                    .any(|x| x.flags.contains(BpduFlags::AGREEMENT))
        }
        _ => false,
    }
}

impl<D: Dataplane> Coordinator<D> {
    /// Primary: whether a BPDU the bridge emitted on logical port `port`, which this peer
    /// sends itself, must wait for the peer's switch-offs (module docs, "Agreements wait
    /// too"); if so it is kept.
    pub(super) fn off_hold_bpdu(&mut self, port: u16, frame: &[u8]) -> bool {
        if self.stp.mode != StpMode::Primary {
            return false;
        }
        let queued = self.stp_off.frames.iter().any(|(p, _)| *p == port);
        let open = !self.stp_off.pending.is_empty() || !self.stp_off.late.is_empty();
        let wait = queued || (open && carries_agreement(frame));
        if !wait || self.stp_off.frames.len() >= FRAMES_MAX {
            return false;
        }
        self.stp_off.frames.push((port, frame.to_vec()));
        true
    }

    /// Primary: a Discarding for logical port `port` on `tree` went to the peer.
    pub(super) fn off_sent(&mut self, port: u16, tree: stp::TreeId) {
        let until = self.now.saturating_add(CONFIRM_MAX);
        let e = self
            .stp_off
            .pending
            .entry((port, tree))
            .or_insert((0, until));
        e.0 = e.0.saturating_add(1);
        e.1 = until;
    }

    /// Primary: whether a Forwarding of `host` (logical port `port`, at `loc`) on `tree` must
    /// wait for the peer's switch-offs; if so it is kept and the dataplane holds Learning.
    /// Any other state for `host` ends a wait.
    pub(super) fn off_hold(
        &mut self,
        host: PortNo,
        port: u16,
        loc: Location,
        tree: stp::TreeId,
        state: PortState,
    ) -> bool {
        let wait = state == PortState::Forwarding
            && self.stp.mode == StpMode::Primary
            && self.stp_off.open(tree);
        if wait {
            self.stp_off.held.insert((host, tree), (port, loc));
            self.stp_off.waited += 1;
            self.stp_set_host(host, tree, PortState::Learning);
        } else {
            self.stp_off.held.remove(&(host, tree));
        }
        wait
    }

    /// Primary: the peer confirmed a switch-off ([`logical::STP_OFF_DONE`]).
    pub(super) fn stp_on_off_done(&mut self, data: &[u8]) {
        let Some((port, tree)) = decode_done(data) else {
            self.stp.rejected += 1;
            return;
        };
        if let Some(e) = self.stp_off.pending.get_mut(&(port, tree)) {
            e.0 = e.0.saturating_sub(1);
            if e.0 == 0 {
                self.stp_off.pending.remove(&(port, tree));
            }
        } else if let Some(e) = self.stp_off.late.get_mut(&(port, tree)) {
            e.0 = e.0.saturating_sub(1);
            if e.0 == 0 {
                self.stp_off.late.remove(&(port, tree));
            }
        }
        self.off_release();
    }

    /// Replica: the Discarding of `port` on `tree` from the primary is in force here (or this
    /// peer does not serve that port).
    pub(super) fn off_confirm(&mut self, port: u16, tree: stp::TreeId) {
        self.stp_send(logical::STP_OFF_DONE, &encode_done(port, tree));
    }

    /// Switch-offs past [`CONFIRM_MAX`] are taken as done.
    /// Agreements stop waiting for them after [`AGREE_MAX`].
    pub(super) fn off_timeout(&mut self, now: Instant) {
        let expired: Vec<((u16, stp::TreeId), u32)> = self
            .stp_off
            .pending
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(k, (n, _))| (*k, *n))
            .collect();
        let late_before = self.stp_off.late.len();
        self.stp_off.late.retain(|_, (_, until)| *until > now);
        let late_gone = late_before != self.stp_off.late.len();
        for (k, n) in &expired {
            self.stp_off.pending.remove(k);
            let until = now.saturating_add(AGREE_MAX);
            let e = self.stp_off.late.entry(*k).or_insert((0, until));
            e.0 = e.0.saturating_add(*n);
            e.1 = until;
        }
        if !expired.is_empty() || late_gone {
            self.stp_off.expired += expired.len() as u64;
            self.off_release();
        }
    }

    /// When [`Self::off_timeout`] is next needed.
    pub(super) fn off_poll_timeout(&self) -> Option<Instant> {
        self.stp_off
            .pending
            .values()
            .chain(self.stp_off.late.values())
            .map(|(_, until)| *until)
            .min()
    }

    /// Forgets every switch-off and applies what waited (the peer is gone, or this peer's
    /// ports are about to be reprogrammed from a new bridge).
    pub(super) fn off_clear(&mut self) {
        self.stp_off.pending.clear();
        self.stp_off.late.clear();
        self.off_release();
    }

    /// Forgets every switch-off and every waiting Forwarding, applying nothing (this peer's
    /// ports are set Discarding for a new bridge).
    pub(super) fn off_forget(&mut self) {
        self.stp_off.pending.clear();
        self.stp_off.held.clear();
        self.stp_off.late.clear();
        self.stp_off.frames.clear();
    }

    /// Applies the bridge's state to every waiting port whose tree has no open switch-off.
    fn off_release(&mut self) {
        let ready: Vec<((PortNo, stp::TreeId), (u16, Location))> = self
            .stp_off
            .held
            .iter()
            .filter(|((_, tree), _)| !self.stp_off.open(*tree))
            .map(|(k, v)| (*k, *v))
            .collect();
        for ((host, tree), (port, loc)) in ready {
            self.stp_off.held.remove(&(host, tree));
            let state = self.stp.bridge.as_ref().and_then(|b| {
                if tree == crate::dataplane::CIST {
                    b.port(PortNo(port)).map(|p| p.state)
                } else {
                    b.msti_port(PortNo(port), tree).map(|x| x.1)
                }
            });
            // Only the Forwarding that waited: any later state was applied when it came.
            if state == Some(PortState::Forwarding) {
                self.stp_set_host(host, tree, PortState::Forwarding);
                self.record_stp(host, loc, tree, PortState::Forwarding);
            }
        }
        // The waiting BPDUs, in order, once no switch-off is open at all.
        if self.stp_off.pending.is_empty()
            && self.stp_off.late.is_empty()
            && !self.stp_off.frames.is_empty()
        {
            let frames = core::mem::take(&mut self.stp_off.frames);
            for (port, frame) in frames {
                self.stp_transmit(port, &frame);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_flag_is_found_in_rst_bpdus_only_when_set() {
        // An RST BPDU frame: 802.3 header, LLC 42 42 03, then 36 octets.
        let mut f = alloc::vec![
            0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 39, 0x42, 0x42, 3
        ];
        let mut bpdu = alloc::vec![0u8; 36];
        bpdu[2] = 2; // version
        bpdu[3] = 2; // RST
        bpdu[4] = 0x0c; // Designated role
        f.extend_from_slice(&bpdu);
        assert!(!carries_agreement(&f));
        f[17 + 4] |= 0x40;
        assert!(carries_agreement(&f));
        assert!(
            !carries_agreement(&f[..20]),
            "a truncated frame is no agreement"
        );
    }

    #[test]
    fn confirmation_round_trips_and_decoding_is_total() {
        assert_eq!(decode_done(&encode_done(1537, 0)), Some((1537, 0)));
        assert_eq!(decode_done(&encode_done(4095, 64)), Some((4095, 64)));
        let b = encode_done(7, 3);
        for n in 0..b.len() {
            assert_eq!(decode_done(&b[..n]), None);
        }
        assert_eq!(decode_done(&[0, 1, 0, 0, 9]), None, "trailing octet");
    }
}
