//! The coordinator's flight-recorder hooks and the explanation ([`super::super::recorder`]).

use super::{Coordinator, Dataplane, Instant, Location, MlagId, PortNo, PortState};
use crate::coordinator::recorder::{self, Cause, Explanation, LacpChange, Recorder};
use crate::coordinator::split::PeerVerdict;
use crate::preflight::{Outcome, Scope, Severity};
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

impl<D: Dataplane> Coordinator<D> {
    /// The flight recorder: the last state transitions with their causes.
    pub fn flight_recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The flight recorder as JSON (see [`Recorder::to_json`]).
    pub fn flight_recorder_json(&self) -> String {
        self.recorder.to_json()
    }

    pub(super) fn record(&mut self, now: Instant, cause: Cause) {
        self.recorder.push(now, cause);
    }

    /// ICCP events: connection, role (with the deciding values), system-id, backup path.
    pub(super) fn record_iccp(&mut self, now: Instant, e: &iccp::Event) {
        let cause = match e {
            iccp::Event::Connected(p) => Cause::Connected {
                peer: p.bridge_mac,
                priority: p.priority,
            },
            iccp::Event::Disconnected(r) => Cause::Disconnected {
                reason: match r {
                    iccp::DisconnectReason::Local => "local (disabled or peer-port down)",
                    iccp::DisconnectReason::PeerDisconnected(_) => "peer sent RG Disconnect",
                    iccp::DisconnectReason::CapabilityWithdrawn => "peer withdrew ICCP",
                    iccp::DisconnectReason::PeerSilent => "peer silent for 3 heartbeats",
                    iccp::DisconnectReason::RetransmitLimit => "retransmissions exhausted",
                    iccp::DisconnectReason::PeerRestarted => "peer restarted",
                    iccp::DisconnectReason::ConnectTimeout => "connection timed out",
                },
            },
            iccp::Event::RoleChanged(role) => {
                let peer = self.iccp.monitor().peer.map(|p| (p.priority, p.bridge_mac));
                let peer = peer.or_else(|| {
                    self.split
                        .peer
                        .as_ref()
                        .map(|(_, e)| (e.priority, e.sender))
                });
                Cause::Role {
                    primary: *role == iccp::Role::Primary,
                    own: (self.iccp.config().priority, self.bridge_mac),
                    peer,
                }
            }
            iccp::Event::SystemIdChanged(mac) => Cause::SystemId(*mac),
            iccp::Event::BackupPath { alive } => Cause::BackupPath { alive: *alive },
            _ => return,
        };
        self.record(now, cause);
    }

    /// LACP transitions of bond members.
    pub(super) fn record_lacp(&mut self, now: Instant, e: &lacp::Event) {
        let (port, change) = match *e {
            lacp::Event::PortSelected { port, .. } => (port, LacpChange::Selected),
            lacp::Event::PortUnselected { port } => (port, LacpChange::Unselected),
            lacp::Event::PortStandby { port, .. } => (port, LacpChange::Standby),
            lacp::Event::Attached { port, .. } => (port, LacpChange::Attached),
            lacp::Event::Detached { port } => (port, LacpChange::Detached),
            lacp::Event::CollectingChanged { port, collecting } => {
                (port, LacpChange::Collecting(collecting))
            }
            lacp::Event::DistributingChanged { port, distributing } => {
                (port, LacpChange::Distributing(distributing))
            }
            _ => return,
        };
        let Some(m) = self.members.get(&port) else {
            return;
        };
        let mlag = self.lags.get(m.lag).and_then(|l| l.mlag);
        self.record(now, Cause::Lacp { mlag, port, change });
    }

    /// Configuration-mismatch holds and the findings behind them (when the set changes).
    pub(super) fn record_holds(&mut self, now: Instant, held: &BTreeSet<MlagId>) {
        if *held == self.held {
            return;
        }
        if let Some(r) = self.consistency.clone() {
            for f in &r.findings {
                let mlag = match f.scope {
                    Scope::Mlag(id) => Some(id),
                    _ => None,
                };
                let relevant = mlag.is_none_or(|id| held.contains(&id) != self.held.contains(&id));
                if relevant {
                    self.record(
                        now,
                        Cause::Mismatch {
                            mlag,
                            error: f.severity == Severity::Error,
                            what: format!("{:?}", f.mismatch),
                        },
                    );
                }
            }
        }
        let changed: Vec<(MlagId, bool)> = held
            .symmetric_difference(&self.held)
            .map(|id| (*id, held.contains(id)))
            .collect();
        for (mlag, on) in changed {
            self.record(now, Cause::Held { mlag, on });
        }
    }

    /// A port state the logical bridge set on a port this peer serves.
    pub(super) fn record_stp(&mut self, host: PortNo, loc: Location, tree: u16, state: PortState) {
        let mlag = match loc {
            Location::Mlag(id) => Some(id),
            _ => None,
        };
        // The bridge's events carry no time; the last input's time is the ICCP session's.
        let now = self.recorder_now();
        self.record(
            now,
            Cause::StpPort {
                port: host,
                mlag,
                tree,
                state,
            },
        );
    }

    /// As [`Self::record_stp`] for a host port (its MLAG found from the configuration).
    pub(super) fn record_stp_host(&mut self, host: PortNo, tree: u16, state: PortState) {
        let mlag = self
            .halves
            .keys()
            .copied()
            .find(|id| self.mlag_bond_port(*id) == Some(host));
        let loc = mlag.map_or(Location::Port(host), Location::Mlag);
        self.record_stp(host, loc, tree, state);
    }

    fn recorder_now(&self) -> Instant {
        self.now
    }

    /// "Why is this bond (not) distributing?": the MLAG's state now, the reasons that decide it
    /// (most decisive first), and the last relevant records of the flight recorder.
    pub fn explain_mlag(&self, mlag: MlagId) -> Explanation {
        let records = recorder::relevant(&self.recorder, mlag);
        let lag = self.lags.iter().position(|l| l.mlag == Some(mlag));
        let bond = lag.and_then(|i| self.lags.get(i)).map(|l| l.bond.clone());
        let half = self.halves.get(&mlag).copied();
        let distributing = half.is_some_and(|h| h.local_up);
        let mut reasons = Vec::new();
        let Some(lag) = lag else {
            reasons.push(format!(
                "mlag-id {} is not configured on this peer (no 802.3ad bond carries it)",
                mlag.0
            ));
            return Explanation {
                mlag,
                bond,
                distributing: false,
                reasons,
                records,
            };
        };
        let connected = self.iccp.status() == iccp::Status::Connected;
        if !self.released {
            reasons.push(format!(
                "the MLAG halves are held out of LACP until the pair is in step (ICCP {}, STP \
                 authority {}) or the reload delay ends at t={} ns",
                if connected {
                    "connected"
                } else {
                    "not connected"
                },
                if self.stp.authority.is_some() {
                    "settled"
                } else {
                    "not settled"
                },
                self.reload_at.as_nanos()
            ));
        }
        if self.isolated && !self.split.granted_to_us().contains(&mlag) {
            reasons.push(String::from(
                "this peer is isolated: the peer-link failed while the peer is alive (its \
                 evidence on the backup path says it saw the failure) and this peer lost the \
                 election, so its halves left the client's aggregator (no split brain)",
            ));
        }
        if self.isolated && self.split.granted_to_us().contains(&mlag) {
            reasons.push(String::from(
                "kept during the split: the peer (the election's winner) granted this MLAG, \
                 its own half not reaching the client",
            ));
        }
        if self.split.granted.contains(&mlag) {
            reasons.push(String::from(
                "this half is held out: during the split this MLAG was granted to the peer, \
                 whose half the client still uses",
            ));
        }
        if self.held.contains(&mlag) {
            reasons.push(String::from(
                "held down by the consistency check: the peers' configurations of this MLAG \
                 disagree (see the mismatch records) and this peer is secondary",
            ));
        }
        if self.split.verdict == PeerVerdict::Probing {
            reasons.push(String::from(
                "the peer-link was lost; the peer's evidence on the backup path is awaited",
            ));
        }
        let members: Vec<(PortNo, &super::Member)> = self
            .members
            .iter()
            .filter(|(_, m)| m.lag == lag)
            .map(|(p, m)| (*p, m))
            .collect();
        if members.iter().all(|(_, m)| !m.link.is_up()) {
            reasons.push(String::from("every member link is down"));
        }
        for (port, m) in &members {
            if !m.link.is_up() {
                reasons.push(format!("member {} is down", port.0));
                continue;
            }
            if !m.in_lacp {
                continue;
            }
            let Some(st) = self.lacp.port(*port) else {
                continue;
            };
            if st.partner.system.is_zero() {
                reasons.push(format!(
                    "member {}: no LACPDU from the client (partner defaulted)",
                    port.0
                ));
            } else if !m.distributing {
                let sync = st
                    .partner
                    .state
                    .contains(lacp::wire::PortState::SYNCHRONIZATION);
                reasons.push(format!(
                    "member {}: LACP {:?}, mux {:?}, client {} in sync, collecting {}, \
                     distributing {}",
                    port.0,
                    st.selected,
                    st.mux_state,
                    if sync { "is" } else { "is not" },
                    m.collecting,
                    m.distributing
                ));
            }
        }
        if let Some(b) = self.stp.bridge.as_ref()
            && let Some(p) = self.stp.mlag_ports.get(&mlag)
            && let Some(st) = b.port(l2_types::PortNo(*p))
            && st.state != PortState::Forwarding
        {
            reasons.push(format!(
                "the logical bridge's port {p} (this MLAG) is {:?} on the CIST",
                st.state
            ));
        }
        if let Some(r) = &self.consistency
            && r.mlags
                .iter()
                .any(|(id, o)| *id == mlag && *o == Outcome::HeldDown)
            && !self.held.contains(&mlag)
        {
            reasons.push(String::from(
                "the consistency check holds this MLAG down on the secondary (this peer is \
                 primary: its half stays up)",
            ));
        }
        if reasons.is_empty() {
            reasons.push(if distributing {
                String::from("released, in the client's aggregator, nothing holds it")
            } else {
                String::from("no reason known: the LACP negotiation may still be running")
            });
        }
        Explanation {
            mlag,
            bond,
            distributing,
            reasons,
            records,
        }
    }
}
