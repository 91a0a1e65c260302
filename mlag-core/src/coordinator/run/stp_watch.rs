//! The replica's watch on the STP authority: a peer that hangs (links up, nothing sent) leaves
//! the pair's logical bridge silent until ICCP declares it dead — three heartbeats, 15 s with
//! the default — while the neighbours keep BPDU information only for 3 × Hello Time
//! (802.1D-2004 §17.21.23 updtRcvdInfoWhile, §17.17.6 `rcvdInfoWhile`; 6 s by default). Once it has
//! aged out, every neighbour takes the pair (often the root) for gone: the stale root
//! information counts to infinity round the rings and RSTP forms transient loops (chaos
//! campaign, "loop at a peer hang": seeds 144, 390, 1043, 1188, 1982…). The replica has the
//! authority's exact bridge (the replicated input log), so it takes over before the
//! neighbours age out: no entry, fingerprint or port output from the authority for
//! [`watch_limit`](Coordinator::stp_watch_limit) (2.5 × Hello Time: the authority sends at
//! least one of them per Hello Time) and the replica carries on with the same Bridge
//! Identifier, the peer's single-homed ports reported gone, as at a promotion after the
//! peer's death (module docs of `coordinator`, "One logical STP bridge", item 5).
//!
//! While it has taken over, nothing of the logical bridge goes to the peer (it may be alive
//! behind a silent peer-link). If the authority is heard again before ICCP gives up on it,
//! it never stopped: this peer goes back to being its replica (ports Discarding, a catch-up).
//! The takeover ends with the connection (ICCP then decides as for any lost peer).

use super::{Coordinator, Dataplane, Duration, Instant, Op, StpMode};
use alloc::vec::Vec;

impl<D: Dataplane> Coordinator<D> {
    /// How long a replica waits for its authority: 2.5 × Hello Time (5 s by default), so the
    /// takeover's first BPDUs (sent at once: the Hello timers fell due meanwhile) reach the
    /// neighbours before the 3 × Hello Time after the authority's last ones.
    pub(super) fn stp_watch_limit(&self) -> Duration {
        Duration::from_millis(2500 * u64::from(self.stp.bridge_cfg.hello_time.max(1)))
    }

    /// When the replica takes over if it hears nothing more from the authority; `None` when
    /// no watch runs (not a replica in step with a connected authority, or before the
    /// release: a booting peer never speaks for the pair).
    pub(super) fn stp_watch_deadline(&self) -> Option<Instant> {
        let armed = self.stp.mode == StpMode::Replica
            && self.stp.ready
            && !self.stp.awaiting
            && self.stp.bridge.is_some()
            && self.released
            && self.iccp.status() == iccp::Status::Connected;
        armed.then(|| self.stp.heard + self.stp_watch_limit())
    }

    /// A record of the logical bridge from the authority (log entry, fingerprint, port
    /// output): the watch restarts; after a takeover, the authority is back (it was alive)
    /// and this peer becomes its replica again.
    pub(super) fn stp_heard_authority(&mut self, now: Instant) {
        self.stp.heard = now;
        if self.stp.took_over && self.iccp.status() == iccp::Status::Connected {
            self.stp.took_over = false;
            // `stp_update_mode` turns the Primary it finds into the Replica the claims gave:
            // every port Discarding, then a catch-up from the authority.
            self.stp_update_mode(now);
        }
    }

    /// The watch ran out: this replica's bridge becomes the pair's.
    pub(super) fn stp_watch_timeout(&mut self, now: Instant) {
        if !self.stp_watch_deadline().is_some_and(|t| t <= now) {
            return;
        }
        self.stp.took_over = true;
        self.stp.takeovers += 1;
        self.stp.mode = StpMode::Primary;
        self.stp.awaiting = false;
        self.stp.silent = false;
        self.stp.in_sync = None;
        self.stp_apply_states();
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
