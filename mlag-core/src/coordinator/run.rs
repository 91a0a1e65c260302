//! [`Coordinator`]: the ICCP session on the peer-port, the election and the monitor, with the
//! frame demultiplexer in front. LACP, STP and FDB integration follow the design in the
//! [module docs](super) and are not wired in yet.

use super::demux::{DemuxCounters, FrameKind, classify};
use crate::config::{Change, IfKind, ValidConfig};
use crate::dataplane::{CIST, Dataplane, PortState};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};

/// Why a [`Coordinator`] could not be built or a change not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration has MLAG disabled (`/interface bridge mlag bridge=none`).
    #[error("MLAG is disabled in this configuration")]
    MlagDisabled,
    /// The ICCP session refused the settings.
    #[error("ICCP: {0}")]
    Iccp(iccp::ConfigError),
}

/// Host options that are not RouterOS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed of the ICCP session's incarnation numbers: must differ from one boot to the next
    /// (see `iccp::SessionConfig::seed`).
    pub seed: u64,
    /// Send keepalives on a backup path (`poll_backup_transmit` / `handle_backup`).
    pub backup: bool,
}

impl Options {
    /// Options with `seed` and no backup path.
    pub const fn new(seed: u64) -> Self {
        Self {
            seed,
            backup: false,
        }
    }
}

/// `/interface bridge mlag monitor`, plus what the coordinator counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitor {
    /// `status`: connected | connecting | disabled.
    pub status: iccp::Status,
    /// `system-id`: the pair's shared system-id (this peer's bridge MAC before any peer).
    pub system_id: MacAddr,
    /// `active-role`: primary | secondary (`None` before the first election).
    pub active_role: Option<iccp::Role>,
    /// The peer, once seen.
    pub peer: Option<iccp::PeerInfo>,
    /// Whether the backup path hears the peer.
    pub backup_alive: bool,
    /// Demultiplexer counters.
    pub demux: DemuxCounters,
    /// The ICCP session's counters.
    pub iccp: iccp::Counters,
    /// ICCP events not kept because [`Coordinator::take_events`] was not called.
    pub events_dropped: u64,
}

impl fmt::Display for Monitor {
    /// RouterOS's layout: right-aligned property names, `system-id` in upper case.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            iccp::Status::Connected => "connected",
            iccp::Status::Connecting => "connecting",
            iccp::Status::Disabled => "disabled",
        };
        writeln!(f, "       status: {status}")?;
        let o = self.system_id.0;
        writeln!(
            f,
            "    system-id: {:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )?;
        if let Some(role) = self.active_role {
            let role = match role {
                iccp::Role::Primary => "primary",
                iccp::Role::Secondary => "secondary",
            };
            writeln!(f, "  active-role: {role}")?;
        }
        Ok(())
    }
}

/// The MLAG coordinator of one peer. See the [module docs](super) for the design.
///
/// Implemented so far: the frame demultiplexer, the ICCP session over the peer-port (discovery,
/// connection, heartbeat, election, sticky system-id, backup keepalive), the peer-port's
/// forwarding state, run-time `priority` / `heartbeat` changes and [`Coordinator::monitor`].
/// LACPDUs and BPDUs are classified and counted but not yet handed to `lacp` / `stp`.
#[derive(Debug)]
pub struct Coordinator<D: Dataplane> {
    cfg: ValidConfig,
    dp: D,
    iccp: iccp::Session,
    peer_port: PortNo,
    slaves: Vec<PortNo>,
    bridge_ports: Vec<PortNo>,
    demux: DemuxCounters,
    buf: Vec<u8>,
    events: Vec<iccp::Event>,
    events_dropped: u64,
}

/// Most ICCP events kept for [`Coordinator::take_events`]; later ones are counted in
/// [`Monitor::events_dropped`].
pub const EVENTS_MAX: usize = 256;

impl<D: Dataplane> Coordinator<D> {
    /// A coordinator for `cfg` driving `dp`. The peer-port starts down: report it with
    /// [`handle_link`](Self::handle_link). Sets the peer-port forwarding on the CIST and on every
    /// MSTI (it is the pair's backplane, not a port of the logical bridge).
    ///
    /// # Errors
    /// [`Error::MlagDisabled`]; [`Error::Iccp`] if the session refuses the settings.
    pub fn new(cfg: ValidConfig, mut dp: D, opts: &Options, now: Instant) -> Result<Self, Error> {
        let (Some(m), Some(bridge)) = (cfg.mlag(), cfg.mlag_bridge()) else {
            return Err(Error::MlagDisabled);
        };
        let mut sc = iccp::SessionConfig::new(bridge.mac);
        sc.priority = m.priority;
        sc.heartbeat = m.heartbeat;
        sc.seed = opts.seed;
        sc.backup = opts.backup;
        sc.sender_name = bridge.name.clone();
        let iccp = iccp::Session::try_new(sc, now).map_err(Error::Iccp)?;
        let peer_port = cfg.port_no(m.peer_port);
        dp.set_port_state(peer_port, CIST, PortState::Forwarding);
        for msti in &bridge.stp.mstis {
            dp.set_port_state(peer_port, msti.id, PortState::Forwarding);
        }
        let slaves = cfg
            .bonds()
            .iter()
            .flat_map(|b| b.slaves.iter().map(|s| cfg.port_no(*s)))
            .collect();
        let bridge_ports = bridge
            .ports
            .iter()
            .map(|p| cfg.port_no(p.interface))
            .collect();
        Ok(Self {
            cfg,
            dp,
            iccp,
            peer_port,
            slaves,
            bridge_ports,
            demux: DemuxCounters::default(),
            buf: vec![0; iccp::wire::l2::FRAME_MAX],
            events: Vec::new(),
            events_dropped: 0,
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }

    /// The dataplane.
    pub fn dataplane(&self) -> &D {
        &self.dp
    }

    /// The dataplane, mutably (e.g. to take a recording's calls).
    pub fn dataplane_mut(&mut self) -> &mut D {
        &mut self.dp
    }

    /// The host port number of the peer-port.
    pub fn peer_port(&self) -> PortNo {
        self.peer_port
    }

    /// The ICCP events seen since the last call, oldest first (for logs and tests).
    pub fn take_events(&mut self) -> Vec<iccp::Event> {
        core::mem::take(&mut self.events)
    }

    /// `/interface bridge mlag monitor`.
    pub fn monitor(&self) -> Monitor {
        let m = self.iccp.monitor();
        Monitor {
            status: m.status,
            system_id: m.system_id,
            active_role: m.role,
            peer: m.peer,
            backup_alive: m.backup_alive,
            demux: self.demux,
            iccp: m.counters,
            events_dropped: self.events_dropped,
        }
    }

    /// A frame received on host port `port`. Total: any octets, any port.
    pub fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8]) {
        let known = self.cfg.if_of(port).is_some();
        let d = &mut self.demux;
        match classify(frame) {
            _ if !known => d.unknown_port += 1,
            FrameKind::Runt => d.runts += 1,
            FrameKind::Other => d.not_control += 1,
            FrameKind::Iccp if port != self.peer_port => d.iccp_off_peer_port += 1,
            FrameKind::Iccp => {
                d.iccp += 1;
                if self.iccp.handle_frame(now, frame).is_err() {
                    self.demux.iccp_rejected += 1;
                }
            }
            FrameKind::Lacp | FrameKind::Marker if self.slaves.contains(&port) => d.lacp += 1,
            FrameKind::Lacp | FrameKind::Marker => d.lacp_not_slave += 1,
            FrameKind::Bpdu if port == self.peer_port => d.bpdu_on_peer_port += 1,
            FrameKind::Bpdu if self.bridge_ports.contains(&port) => d.bpdu += 1,
            FrameKind::Bpdu => d.not_control += 1,
        }
        self.drain(now);
    }

    /// A link change on host port `port` (`up`: carrier). The peer-port's goes to ICCP.
    pub fn handle_link(&mut self, now: Instant, port: PortNo, up: bool) {
        if port == self.peer_port {
            let link = if up {
                iccp::LinkState::Up
            } else {
                iccp::LinkState::Down
            };
            self.iccp.handle_link(now, link);
        } else if let Some(id) = self.cfg.if_of(port)
            && let Some(IfKind::Bond(_)) = self.cfg.interface(id).map(|i| i.kind)
        {
            // Bond link state is derived from its members; nothing to do yet.
        }
        self.drain(now);
    }

    /// Octets received on the backup keepalive path.
    pub fn handle_backup(&mut self, now: Instant, bytes: &[u8]) {
        let _ = self.iccp.handle_backup(now, bytes);
        self.drain(now);
    }

    /// Octets to send on the backup keepalive path, written into `buf`; returns their length.
    pub fn poll_backup_transmit(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.iccp.poll_backup_transmit(buf).map(|t| t.len)
    }

    /// The time has come (any time at or after [`poll_timeout`](Self::poll_timeout); spurious
    /// calls are harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.iccp.handle_timeout(now);
        self.drain(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.iccp.poll_timeout()
    }

    /// Applies run-time changes ([`crate::config::diff`] of the configuration in force and
    /// `new`) and makes `new` the configuration in force. Implemented: `priority` (re-election
    /// over the running session) and `heartbeat`; the others are recorded in the new
    /// configuration and take effect as the corresponding parts are wired in.
    ///
    /// # Errors
    /// [`Error::MlagDisabled`] if `new` disables MLAG or a change needs an MLAG restart (build a
    /// new coordinator); [`Error::Iccp`] if the session refuses a value. Nothing changes then.
    pub fn apply(
        &mut self,
        now: Instant,
        new: ValidConfig,
        changes: &[Change],
    ) -> Result<(), Error> {
        if new.mlag().is_none() || changes.iter().any(Change::restarts_mlag) {
            return Err(Error::MlagDisabled);
        }
        for c in changes {
            match c {
                Change::PriorityChanged { new, .. } => {
                    self.iccp.set_priority(now, *new).map_err(Error::Iccp)?;
                }
                Change::HeartbeatChanged { new, .. } => {
                    self.iccp.set_heartbeat(now, *new).map_err(Error::Iccp)?;
                }
                _ => {}
            }
        }
        self.cfg = new;
        self.drain(now);
        Ok(())
    }

    /// The heartbeat in force.
    pub fn heartbeat(&self) -> Option<Duration> {
        self.iccp.config().heartbeat
    }

    /// Drains the session: frames to the peer-port, events to the log. Application messages
    /// are taken and dropped until FDB, STP relay and mLACP state are wired in.
    fn drain(&mut self, now: Instant) {
        while let Some(t) = self.iccp.poll_transmit(now, &mut self.buf) {
            if let Some(frame) = self.buf.get(..t.len) {
                self.dp.transmit(self.peer_port, frame);
            }
        }
        while let Some(e) = self.iccp.poll_event() {
            if self.events.len() < EVENTS_MAX {
                self.events.push(e);
            } else {
                self.events_dropped += 1;
            }
        }
        while self.iccp.poll_app().is_some() {}
    }
}
