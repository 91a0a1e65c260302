//! A BPDU on an edge port of the replica: the port stops forwarding here, at once.
//!
//! 802.1D-2004 §17.25 (Bridge Detection machine): a port that receives a BPDU is no edge
//! port any more (EDGE → NOT_EDGE on `rcvdBpdu`), and §17.21.8 / §17.29 then give it its
//! role from the received information in the same step — a superior BPDU on an auto-edge
//! Designated Port makes it an Alternate Port, Discarding, before the next frame is
//! forwarded. The pair's bridge runs on the authority: a replica relays the BPDU and its port
//! keeps forwarding for the round trip (two peer-link delays) until the authority's
//! [`logical::STP_OUT`](crate::coordinator::logical::STP_OUT) arrives. A link that was silent
//! both ways for more than 3 × Hello Time leaves both ends Designated, the pair's end an
//! auto-edge port that forwards (§17.25, `edgeDelayWhile`); when it heals, the first BPDU
//! of the neighbour (often with a topology change, which makes every bridge flood) finds the
//! replica's port forwarding next to the pair's root port: the flood went round the pair
//! and the neighbour within those two peer-link delays (chaos "loop after silent uplink
//! end", seeds 8058, 8667, 1751; FUZZING.md).
//!
//! So a replica that receives a BPDU on a port its bridge has as operEdge sets the port
//! Discarding on every tree it forwards on before it relays the BPDU, and gives it back the
//! bridge's states once the authority's log entry of that BPDU is applied to the replica
//! (then the replica's bridge is the authority's: whatever the authority decided is in
//! force, by its `STP_OUT` or, if it changed nothing, from the replica's bridge). A log entry
//! that does not come within [`EDGE_HOLD_MAX`] (a relay lost) ends the hold the same way.
//! The cost is at most one peer-link round trip of a port that the BPDU leaves forwarding.
//! The holds are part of a coordinator snapshot (a restore in the middle of one still ends it).

use super::{CIST, Coordinator, Dataplane, Duration, Instant, PortState, StpMode};
use alloc::vec;
use alloc::vec::Vec;
use l2_types::PortNo;

/// The longest a replica's edge port is held after a BPDU if the authority's log entry of
/// it never comes.
pub(super) const EDGE_HOLD_MAX: Duration = Duration::from_secs(1);

impl<D: Dataplane> Coordinator<D> {
    /// Replica: a BPDU arrived on `host`, bridge port `port`. If the replica's bridge has the
    /// port as an edge port, stop it forwarding until the authority decided (module docs).
    pub(super) fn stp_edge_bpdu(&mut self, now: Instant, host: PortNo, port: u16) {
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        let p = PortNo(port);
        if !b.port(p).is_some_and(|s| s.oper_edge) {
            return;
        }
        let mut trees = vec![CIST];
        trees.extend(b.mstids());
        let forwarding: Vec<_> = trees
            .into_iter()
            .filter(|t| self.dp_forwarding(host, *t))
            .collect();
        if forwarding.is_empty() {
            return;
        }
        for t in forwarding {
            self.dp.set_port_state(host, t, PortState::Discarding);
            self.record_stp_host(host, t, PortState::Discarding);
        }
        self.stp.edge_held.insert(port, now + EDGE_HOLD_MAX);
        self.stp.edge_holds += 1;
    }

    /// Replica: the authority's entry for a BPDU on `port` is applied — the replica's bridge
    /// is the authority's: a held port takes its states again.
    pub(super) fn stp_edge_decided(&mut self, port: u16) {
        if self.stp.edge_held.remove(&port).is_none() || self.stp.mode != StpMode::Replica {
            return;
        }
        let Some(b) = self.stp.bridge.as_ref() else {
            return;
        };
        let p = PortNo(port);
        let mut states = Vec::new();
        states.push((CIST, b.port(p).map_or(PortState::Discarding, |s| s.state)));
        for m in b.mstids() {
            states.push((m, b.msti_port(p, m).map_or(PortState::Discarding, |x| x.1)));
        }
        for (tree, state) in states {
            self.stp_program(port, tree, Some(state));
        }
    }

    /// Replica: holds whose entry did not come in time end.
    pub(super) fn stp_edge_timeout(&mut self, now: Instant) {
        let due: Vec<u16> = self
            .stp
            .edge_held
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(p, _)| *p)
            .collect();
        for p in due {
            self.stp_edge_decided(p);
        }
    }

    /// The next hold to end, if any.
    pub(super) fn stp_edge_deadline(&self) -> Option<Instant> {
        self.stp.edge_held.values().min().copied()
    }
}
