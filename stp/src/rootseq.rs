//! Root sequencing, the bridge's state ([`BridgeConfig::root_sequencing`]): the feasible
//! distances, this bridge's own sequence number and the requests in flight. The rules are in
//! the [crate docs](crate#root-sequencing-an-extension-off-by-default).
//!
//! [`BridgeConfig::root_sequencing`]: crate::BridgeConfig::root_sequencing

use alloc::vec::Vec;

use crate::wire::{BridgeId, SeqRequest, seq_newer};
use l2_types::{Duration, Instant};

/// How long a feasible distance outlives the last use of its root: longer than any stale
/// copy of the root's information can circulate (Max Age, at most 40, hops of at most one
/// Transmit Hold Count tick each, 802.1D-2004 §17.14, §17.26) — after it, information about
/// that root is feasible whatever it says.
pub const ROOT_SEQ_HOLD: Duration = Duration::from_secs(120);
/// Most roots with a feasible distance (the oldest unused one gives way).
pub const FEASIBLE_MAX: usize = 8;
/// Hops a sequence request may travel (Max Age's upper bound: no root path is longer).
pub const REQUEST_HOPS: u8 = 40;
/// An unanswered request is sent again after Hello Time divided by this, then after twice
/// that, and so on up to Hello Time (Babel's resend with backoff, RFC 8966 §3.8.1.2): a lost
/// request costs a fraction of a second, not a Hello Time, and a root that never answers
/// costs one request per Hello Time.
pub const REQUEST_RETRY_DIVISOR: u32 = 8;
/// A bridge passes on a repeat of the request it passed on last only after Hello Time
/// divided by this: shorter than the first resend ([`REQUEST_RETRY_DIVISOR`]), so a resend
/// gets through; long enough to merge the copies of one request that arrive together.
pub const FORWARD_REPEAT_DIVISOR: u32 = 16;

/// `hello` divided by `n`.
pub(crate) fn fraction(hello: Duration, n: u32) -> Duration {
    hello / n.max(1)
}

/// The feasible distance of one root (Babel's FD, RFC 8966 §2.4, §3.5.1): the newest sequence
/// number this bridge used for it and the least Root Path Cost it had with that number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Feasible {
    pub(crate) root: BridgeId,
    pub(crate) seq: u32,
    pub(crate) cost: u32,
    /// When the entry may go, unless its root is in use again.
    pub(crate) until: Instant,
}

/// The bridge-wide state of root sequencing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RootSeqState {
    /// This bridge's sequence number as a root.
    pub(crate) own_seq: u32,
    /// The feasible distances, at most [`FEASIBLE_MAX`].
    pub(crate) fd: Vec<Feasible>,
    /// The last request passed on towards the root, and until when a repeat of it is dropped.
    pub(crate) forwarded: Option<(BridgeId, u32, Instant)>,
    /// The request this bridge is waiting on (the port it went out of), while a root path it
    /// passed over as infeasible would win.
    pub(crate) starved: Option<(u16, SeqRequest)>,
    /// When the request is sent again if still unanswered.
    pub(crate) retry_at: Option<Instant>,
    /// The wait before that resend (it doubles with each, up to Hello Time).
    pub(crate) retry_gap: Duration,
    /// Ports a request came in on (passed on, or answered by this root with a new number):
    /// a new root sequence number goes out on them at once, on the others with the next
    /// hello. At most one entry per port.
    pub(crate) answer: Vec<u16>,
}

impl RootSeqState {
    /// Port `no` waits for a newer root sequence number.
    pub(crate) fn await_answer(&mut self, no: u16) {
        if !self.answer.contains(&no) {
            self.answer.push(no);
        }
    }
}

impl RootSeqState {
    /// The feasibility condition (RFC 8966 §3.5.1, with ≤: every path cost is at least 1, so a
    /// neighbour whose root path runs through this bridge advertises more than this bridge's
    /// cost): information about `root` with sequence `seq` and Root Path Cost `ad` (the
    /// neighbour's) can be no echo of this bridge's own. Information without a sequence number
    /// (from a bridge without the extension) is always feasible: the standard's behaviour.
    pub(crate) fn feasible(&self, root: BridgeId, seq: Option<u32>, ad: u32) -> bool {
        let Some(f) = self.fd.iter().find(|f| f.root == root) else {
            return true;
        };
        if ad == 0 {
            // First-hand: the neighbour is the root itself (only the root advertises Root Path
            // Cost 0; every path cost is at least 1), so no cycle can lie behind it, whatever
            // its sequence number says (a root that restarted, or the other chassis of an MLAG
            // pair taking over, may announce an older one until asked).
            return true;
        }
        match seq {
            None => true,
            Some(s) => seq_newer(s, f.seq) || (s == f.seq && ad <= f.cost),
        }
    }

    /// The sequence number of `root`'s feasible distance.
    pub(crate) fn fd_seq(&self, root: BridgeId) -> Option<u32> {
        self.fd.iter().find(|f| f.root == root).map(|f| f.seq)
    }

    /// Port Role Selection chose `root` with sequence `seq` and Root Path Cost `cost`: the
    /// feasible distance follows (RFC 8966 §3.7.3).
    pub(crate) fn record(&mut self, root: BridgeId, seq: u32, cost: u32, now: Instant) {
        let until = now.saturating_add(ROOT_SEQ_HOLD);
        if let Some(f) = self.fd.iter_mut().find(|f| f.root == root) {
            if seq_newer(seq, f.seq) {
                f.seq = seq;
                f.cost = cost;
            } else if seq == f.seq {
                f.cost = f.cost.min(cost);
            }
            f.until = until;
            return;
        }
        if self.fd.len() >= FEASIBLE_MAX {
            // The entry unused for longest gives way.
            if let Some(k) = self
                .fd
                .iter()
                .enumerate()
                .min_by_key(|(_, f)| f.until)
                .map(|(k, _)| k)
            {
                self.fd.swap_remove(k);
            }
        }
        self.fd.push(Feasible {
            root,
            seq,
            cost,
            until,
        });
    }

    /// The next instant something is due: a retry or an entry (other than the root in use,
    /// `current`) running out.
    pub(crate) fn next_deadline(&self, current: BridgeId) -> Option<Instant> {
        self.fd
            .iter()
            .filter(|f| f.root != current)
            .map(|f| f.until)
            .chain(self.retry_at)
            .min()
    }

    /// Drops the entries (other than `current`'s) that ran out by `now`; true if any did.
    pub(crate) fn expire(&mut self, now: Instant, current: BridgeId) -> bool {
        let before = self.fd.len();
        self.fd.retain(|f| f.root == current || f.until > now);
        self.fd.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use l2_types::MacAddr;

    fn bid(n: u8) -> BridgeId {
        BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, n]))
    }

    #[test]
    fn feasibility_follows_babel() {
        let mut s = RootSeqState::default();
        let t = Instant::from_secs(1);
        assert!(s.feasible(bid(1), Some(0), 100), "no distance yet");
        s.record(bid(1), 5, 40_000, t);
        assert!(s.feasible(bid(1), Some(5), 40_000), "as short");
        assert!(s.feasible(bid(1), Some(5), 20_000), "shorter");
        assert!(
            !s.feasible(bid(1), Some(5), 40_001),
            "longer, same sequence"
        );
        assert!(!s.feasible(bid(1), Some(4), 1), "older sequence");
        assert!(s.feasible(bid(1), Some(6), 1_000_000), "newer sequence");
        assert!(s.feasible(bid(1), None, 1_000_000), "unsequenced");
        assert!(
            s.feasible(bid(1), Some(0), 0),
            "first-hand, from the root itself"
        );
        s.record(bid(1), 5, 60_000, t);
        assert_eq!(s.fd[0].cost, 40_000, "the least cost stays");
        s.record(bid(1), 6, 60_000, t);
        assert_eq!(
            (s.fd[0].seq, s.fd[0].cost),
            (6, 60_000),
            "a newer sequence resets it"
        );
    }

    #[test]
    fn bounded_and_expiring() {
        let mut s = RootSeqState::default();
        for n in 0..20u8 {
            s.record(bid(n), 1, 10, Instant::from_secs(u64::from(n)));
        }
        assert_eq!(s.fd.len(), FEASIBLE_MAX);
        assert!(
            s.fd.iter().all(|f| f.root >= bid(12)),
            "the oldest gave way"
        );
        let current = bid(19);
        let due = s.next_deadline(current).unwrap();
        assert_eq!(due, Instant::from_secs(12).saturating_add(ROOT_SEQ_HOLD));
        assert!(s.expire(Instant::from_secs(1000), current));
        assert_eq!(s.fd.len(), 1, "only the root in use stays");
        assert_eq!(s.next_deadline(current), None);
    }
}
