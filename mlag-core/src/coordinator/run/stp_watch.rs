//! The replica's watch on the STP authority: a peer that hangs (links up, nothing sent) leaves
//! the pair's logical bridge silent until ICCP declares it dead — three heartbeats, 15 s with
//! the default — while the neighbours keep BPDU information only for 3 × Hello Time
//! (802.1D-2004 §17.21.23 updtRcvdInfoWhile, §17.17.6 `rcvdInfoWhile`; 6 s by default). Once it has
//! aged out, every neighbour takes the pair (often the root) for gone: the stale root
//! information counts to infinity round the rings and RSTP forms transient loops (chaos
//! campaign, "loop at a peer hang": seeds 144, 390, 1043, 1188, 1982…). The replica has the
//! authority's exact bridge (the replicated input log), timers included, so it knows when the
//! authority owes it the next Timeout entry; when that entry is 1.5 × Hello Time late (or
//! nothing at all came for 2.5 × Hello Time, see
//! [`stp_watch_deadline`](Coordinator::stp_watch_deadline)) it takes over before the
//! neighbours age out, with the same Bridge Identifier and the peer's single-homed ports
//! reported gone, as at a promotion after the peer's death (module docs of `coordinator`,
//! "One logical STP bridge", item 5).
//!
//! A peer that still sends backup keepalives (`handle_backup`) after its missed deadline is
//! alive behind a silent peer-link: no takeover then (ICCP's split-brain handling settles the
//! pair). Keepalives come once per ICCP heartbeat, often not within the watch's window, so the
//! replica also asks the suspected authority for a proof of life on the backup path (an
//! evidence request, answered at once by a live peer and never by a hung one;
//! [`stp_watch_probe_at`](Coordinator::stp_watch_probe_at)). While it has taken over, nothing of the logical bridge goes to the peer (it may be
//! alive behind a silent peer-link without a backup path), and no port of this peer opens
//! (Discarding → Learning / Forwarding) while the connection lasts: its BPDUs keep the
//! neighbours' information alive, but a peer-link that is only silent leaves the authority
//! forwarding on its side, and a second forwarding copy of the bridge would deliver
//! flooded frames twice. Ports close at the bridge's word; when ICCP gives up on the peer,
//! every port takes the bridge's state (`stp_update_mode`). If the authority is heard again before ICCP gives up on it,
//! it never stopped: this peer goes back to being its replica (ports Discarding, a catch-up).
//! The takeover ends with the connection (ICCP then decides as for any lost peer).

use super::{Coordinator, Dataplane, Duration, Instant, Op, StpMode};
use alloc::vec::Vec;

impl<D: Dataplane> Coordinator<D> {
    /// Hello Time of the logical bridge.
    pub(super) fn stp_hello(&self) -> Duration {
        Duration::from_secs(u64::from(self.stp.bridge_cfg.hello_time.max(1)))
    }

    /// When the replica takes over if it hears nothing more from the authority; `None` when
    /// no watch runs (not a replica in step with a connected authority, or before the
    /// release: a booting peer never speaks for the pair).
    ///
    /// The replica's bridge runs the authority's timers (its timeouts are log entries), so its
    /// next deadline is when the authority owes the next Timeout entry — at the latest each
    /// port's next Hello Time transmission (802.1D-2004 §17.26, helloWhen). Every port of
    /// the pair sent its last BPDU at most one Hello Time before that deadline, so the
    /// neighbours keep its information until at least 2 × Hello Time after it: the replica
    /// takes over 1.5 × Hello Time after the missed deadline (3 s: room for ICCP's
    /// retransmissions), and at the latest 2.5 × Hello Time after it last heard the authority
    /// (a bridge without timers).
    pub(super) fn stp_watch_deadline(&self) -> Option<Instant> {
        let (at, due) = self.stp_watch_missed()?;
        // A backup keepalive heard since the authority missed its deadline: the peer lives
        // and the peer-link is what failed (silent). Its bridge still runs and ICCP's
        // split-brain handling will settle the pair; a second copy of the bridge meanwhile
        // would forward beside it (chaos seeds 1442, 1785: duplicates). Wait while the
        // keepalives keep coming.
        let owed_since = due.unwrap_or(self.stp.heard);
        Some(match self.stp.backup_heard {
            Some(k) if k >= owed_since => {
                let hb = self
                    .iccp
                    .config()
                    .heartbeat
                    .unwrap_or(Duration::from_secs(1));
                at.max(k + hb * 3 / 2)
            }
            _ => at,
        })
    }

    /// When the authority has missed its deadline by 1.5 × Hello Time (or was not heard for
    /// 2.5 × Hello Time), with the deadline it missed ([`stp_watch_deadline`] without the
    /// backup path's deferral; `run::cut_off`).
    ///
    /// [`stp_watch_deadline`]: Coordinator::stp_watch_deadline
    pub(super) fn stp_watch_missed(&self) -> Option<(Instant, Option<Instant>)> {
        let armed = self.stp.mode == StpMode::Replica
            && self.stp.ready
            && !self.stp.awaiting
            && self.released
            && self.iccp.status() == iccp::Status::Connected;
        let bridge = self.stp.bridge.as_ref().filter(|_| armed)?;
        let hello = self.stp_hello();
        let due = bridge.poll_timeout();
        let heard = self.stp.heard + hello * 5 / 2;
        Some((due.map_or(heard, |t| heard.min(t + hello * 3 / 2)), due))
    }

    /// A record of the logical bridge from the authority (log entry, fingerprint, port
    /// output): the watch restarts; after a takeover, the authority is back (it was alive)
    /// and this peer becomes its replica again.
    pub(super) fn stp_heard_authority(&mut self, now: Instant) {
        self.stp.heard = now;
        // After a cut-off, an exact catch-up first (`run::cut_off`).
        self.stp_cut_off_heard(now);
        if self.stp.took_over && self.iccp.status() == iccp::Status::Connected {
            self.stp.took_over = false;
            // `stp_update_mode` turns the Primary it finds into the Replica the claims gave:
            // every port Discarding, then a catch-up from the authority.
            self.stp_update_mode(now);
        }
    }

    /// When the replica next asks the suspected authority for a proof of life on the backup
    /// path (an evidence frame with `request`, `coordinator::split`); `None` without a
    /// watch or a backup path.
    ///
    /// A peer-link that is only silent leaves a live authority behind it, and its backup
    /// keepalives (one per ICCP heartbeat, 5 s in the chaos topologies) often do not come
    /// within the watch's 3 s: the replica took the bridge over beside it and flooded frames
    /// were delivered twice (chaos seeds 3356, 3972, 5352, 5298, 8103). A live peer answers
    /// an evidence request at once, whatever its state; a hung one does not. So the replica
    /// asks from one Hello Time before the takeover, every Hello Time / 4 (four requests:
    /// one lost frame does not decide), and an answer that acknowledges its latest request
    /// counts as a backup keepalive (`backup_heard`, which defers the takeover).
    pub(super) fn stp_watch_probe_at(&self) -> Option<Instant> {
        if !self.iccp.config().backup {
            return None;
        }
        let deadline = self.stp_watch_deadline()?;
        let hello = self.stp_hello();
        let start = deadline.saturating_sub(hello);
        let at = match self.stp.probe_sent {
            Some(l) if l >= start => l + hello / 4,
            _ => start,
        };
        (at < deadline).then_some(at)
    }

    /// A probe of the suspected authority falls due: an evidence request on the backup path.
    pub(super) fn stp_watch_probe(&mut self, now: Instant) {
        if self.stp_watch_probe_at().is_none_or(|t| t > now) {
            return;
        }
        self.stp.probe_sent = Some(now);
        self.split.tx_due = Some(true);
    }

    /// The watch ran out: this replica's bridge becomes the pair's.
    pub(super) fn stp_watch_timeout(&mut self, now: Instant) {
        if self.stp_watch_deadline().is_none_or(|t| t > now) {
            return;
        }
        self.stp.took_over = true;
        self.stp.takeovers += 1;
        // The takeover's own rule holds the ports now (no port opens while connected).
        self.stp.end_cut_off();
        self.stp.mode = StpMode::Primary;
        self.stp.awaiting = false;
        self.stp.silent = false;
        self.stp.in_sync = None;
        // The peer's single-homed ports leave the bridge (802.1D-2004 §17.27: a port no
        // longer enabled is DISABLED, its information gone); an MLAG port stays up through
        // its local half.
        self.stp_peer_lost(now);
        // The bridge's timers stood still while it replayed the authority's entries: what fell
        // due (the periodic transmissions first of all: 802.1D-2004 §17.26 IDLE →
        // TRANSMIT_PERIODIC on helloWhen == 0) runs now.
        if self
            .stp
            .bridge
            .as_ref()
            .and_then(stp::Bridge::poll_timeout)
            .is_some_and(|t| t <= now)
        {
            self.stp_record(now, Op::Timeout, 0, Vec::new());
        }
    }
}
