//! A replica cut off from a live authority: its ports stop speaking for the pair's bridge
//! until an exact catch-up (an extension beyond 802.1D/802.1Q; why it is safe below).
//!
//! The pair's logical bridge runs on the authority; the replica's ports follow it through
//! ICCP (`STP_OUT`), and the BPDUs they receive reach it only through ICCP (`StpRelay`). A
//! peer-link that goes silent while both peers live (the backup path proves the authority
//! alive, so the replica does not take over: `run::stp_watch`) cuts the replica's ports off
//! the bridge, and since the ICCP session survives such a silence (its retransmissions last
//! the silence timeout, `iccp::Session::retry_limit`), everything the authority decided
//! meanwhile arrives *after* the heal, late and in order (one retransmission timeout, up to
//! 2 s, after it). Four loops and duplicates of the chaos campaign came of it:
//!
//! * the authority closed the replica's uplink (a new root elsewhere; seeds 1493, 3814) and
//!   its bridge carried on as if it were closed, but the Discarding could not arrive: a
//!   neighbour's Designated Port without an agreement forwards 2 × forwardDelay after it
//!   was made Designated — 2 × Hello Time on an RSTP link (802.1D-2004 §17.20.5
//!   `forwardDelay`, 802.1Q-2018 §13.28.9; §17.29.3 DESIGNATED_LEARN / DESIGNATED_FORWARD
//!   on `fdWhile` == 0) — and did so 3.1–3.8 s into the silence while the replica's uplink
//!   still forwarded;
//! * the authority's bridge aged out the information of the replica's ports 3 × Hello Time
//!   after their last relayed BPDU (§17.21.23 `updtRcvdInfoWhile`, §17.27) and opened an
//!   Alternate uplink; 1.45 s after the heal the replica applied that retransmitted Forwarding,
//!   48 µs before the Discarding the authority decided once the neighbour's relayed BPDUs
//!   came with the same retransmission (seed 5301: both uplinks to one bridge forwarded);
//! * the neighbour aged out the information of the replica's Designated uplink (the
//!   authority's BPDUs for it lost) and forwarded on its timers beside it, 0.8 s after the
//!   heal, before ICCP's next retransmission carried its dispute to the authority (seed 775).
//!
//! So when the watch's deadline passes (the authority's Timeout entry 1.5 × Hello Time late,
//! or nothing for 2.5 × Hello Time: where a hung authority is taken over) and the backup path
//! says the authority lives, the replica neither takes over nor goes on following: it is cut
//! off ([`stp_cut_off_at`](Coordinator::stp_cut_off_at)). Every port it serves that is not
//! an edge port (a port that heard a BPDU, so a bridge may be behind it; §17.25) stops
//! forwarding on every tree, no port opens, and the BPDUs the authority had it send are
//! dropped, until the authority is heard again and an exact catch-up (`STP_RESYNC`, asked
//! for when the first record after the silence arrives) has replaced the replica's bridge.
//! ICCP delivers in order, so the authority serves the catch-up after it applied everything
//! the replica relayed before asking: the states it ends with are the authority's current
//! ones, not the history of the silence.
//!
//! Why it is safe: a port that discards closes no loop (802.1D-2004 §17.4 / §8.4); the
//! authority may have closed the port at any instant since its last record, and the neighbours
//! treat the replica's information as gone 3 × Hello Time after its last BPDU anyway. An edge
//! port keeps forwarding, so hosts and LACP clients on the replica keep their service. What a
//! closed Root or Designated Port carried is what `performance.md` grants a silent
//! peer-link (3 heartbeats + L from its start); it comes back with the catch-up. Without a
//! backup path the silence is a hang to the watch, which takes over at the same deadline.

use super::{CIST, Coordinator, Dataplane, Instant, PortState, Stp, StpMode};
use alloc::vec;
use alloc::vec::Vec;

impl Stp {
    /// The cut-off ends: by the catch-up, a takeover, or a change of mode or connection.
    pub(super) fn end_cut_off(&mut self) {
        self.cut_off = false;
        self.cut_off_resync = false;
    }
}

impl<D: Dataplane> Coordinator<D> {
    /// Replica: when it counts itself cut off from the authority if nothing more comes — when
    /// the watch would take a hung authority's bridge over (`run::stp_watch`: 1.5 × Hello Time
    /// after a missed Timeout entry, at most 2.5 × Hello Time after the last record); `None`
    /// when not a replica in step with a connected authority, or already cut off.
    pub(super) fn stp_cut_off_at(&self) -> Option<Instant> {
        if self.stp.cut_off || self.stp.took_over {
            return None;
        }
        self.stp_watch_missed().map(|(at, _)| at)
    }

    /// Replica: the watch's deadline passed with the authority alive behind the silence —
    /// close every non-edge port this peer serves (module docs).
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
