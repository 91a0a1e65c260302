//! A replica cut off from a live authority: its ports stop speaking for the pair's bridge
//! until an exact catch-up (an extension beyond 802.1D/802.1Q, see below for why it is safe).
//!
//! The pair's logical bridge runs on the authority; the replica's ports follow it through
//! ICCP (`STP_OUT`), and the BPDUs they receive reach it only through ICCP (`StpRelay`). A
//! peer-link that goes silent while both peers live (the backup path proves the authority
//! alive, so the replica does not take over: `run::stp_watch`) cuts the replica's ports off
//! the bridge in both directions, and since the ICCP session survives such a silence (its
//! retransmissions last the silence timeout, `iccp::Session::retry_limit`), everything the
//! authority decided meanwhile arrives *after* the heal, in order and late:
//!
//! * the authority's bridge ages out the information of the replica's ports 3 × Hello Time
//!   after their last relayed BPDU (802.1D-2004 §17.21.23 `updtRcvdInfoWhile`, §17.27
//!   `rcvdInfoWhile` expiry), makes them Designated and opens them on its timers: at the heal
//!   the replica applied the retransmitted Forwarding of an Alternate uplink, decided 2 s
//!   earlier, one peer-link delay before the Discarding the authority decided once the
//!   relayed BPDUs of the neighbour arrived with the same retransmission (chaos seed 5301:
//!   both uplinks of the pair to one bridge forwarded for 48 µs, a loop);
//! * the neighbours age out the information of the replica's Designated Ports 3 × Hello Time
//!   after the last BPDU the authority could have them send, and their ports become
//!   Designated and forward on their own timers, next to the replica's port that still
//!   forwards (seed 775: br1's port Learning 2 s after its age-out, Forwarding 1 s later,
//!   0.8 s after the heal, before ICCP's next retransmission carried its dispute to the
//!   authority).
//!
//! After 3 × Hello Time without a record of the authority, every bridge around has treated
//! the information of the replica's ports as gone; the replica then does the same
//! ([`stp_cut_off_at`](Coordinator::stp_cut_off_at)): every port it serves that is not an
//! edge port (one behind which a BPDU was heard, so a bridge may be there) stops forwarding on
//! every tree, no port opens, and the BPDUs the authority had the replica send are dropped,
//! until the authority is heard again and an exact catch-up (`STP_RESYNC`, requested when the
//! first record after the silence arrives) has replaced the replica's bridge. The catch-up is
//! served after the authority has applied everything the replica sent before its request
//! (ICCP delivers in order), so the states it ends with are the authority's current ones, not
//! the history of the silence.
//!
//! Why it is safe: a port that discards cannot close a loop (802.1D-2004 §17.4); an edge port
//! (no BPDU heard, §17.25) keeps forwarding, so hosts and LACP clients on the replica keep
//! their service. What a closed Root or Designated Port carried behind a silent peer-link is
//! what `performance.md` grants a silent peer-link (3 heartbeats + L); it ends with the catch-up,
//! one ICCP retransmission after the heal. Without a backup path the authority's silence is a
//! hang to the watch, which takes over at 2.5 × Hello Time, before the cut-off.

use super::{CIST, Coordinator, Dataplane, Instant, PortState, StpMode};
use alloc::vec;
use alloc::vec::Vec;

impl<D: Dataplane> Coordinator<D> {
    /// Replica: when it counts itself cut off from the authority if nothing more comes
    /// (3 × Hello Time after the last record; 802.1D-2004 §17.21.23); `None` when not a
    /// replica in step with a connected authority, or already cut off.
    pub(super) fn stp_cut_off_at(&self) -> Option<Instant> {
        let armed = self.stp.mode == StpMode::Replica
            && self.stp.ready
            && !self.stp.awaiting
            && !self.stp.cut_off
            && !self.stp.took_over
            && self.released
            && self.iccp.status() == iccp::Status::Connected
            && self.stp.bridge.is_some();
        armed.then(|| self.stp.heard + self.stp_hello() * 3)
    }

    /// Replica: the authority has not been heard for 3 × Hello Time — close every non-edge
    /// port this peer serves (module docs).
    pub(super) fn stp_cut_off_timeout(&mut self, now: Instant) {
        if self.stp_cut_off_at().is_none_or(|t| t > now) {
            return;
        }
        self.stp.cut_off = true;
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        let mut trees = vec![CIST];
        trees.extend(b.mstids());
        let ports: Vec<_> = self
            .stp_ports()
            .into_iter()
            .filter(|(_, l)| !b.port(*l).is_some_and(|p| p.oper_edge))
            .map(|(host, _)| host)
            .collect();
        for host in ports {
            for t in &trees {
                if self.dp_forwarding(host, *t) {
                    self.record_stp_host(host, *t, PortState::Discarding);
                }
                self.dp.set_port_state(host, *t, PortState::Discarding);
            }
        }
    }

    /// Replica: a record of the authority after a cut-off — ask for an exact catch-up, once;
    /// the cut-off ends with it (`stp_on_log`, `CATCH_UP_END`).
    pub(super) fn stp_cut_off_heard(&mut self, now: Instant) {
        if self.stp.cut_off
            && !self.stp.cut_off_resync
            && self.stp.mode == StpMode::Replica
            && self.iccp.status() == iccp::Status::Connected
        {
            self.stp.cut_off_resync = true;
            self.stp_request_catch_up(now);
        }
    }
}
