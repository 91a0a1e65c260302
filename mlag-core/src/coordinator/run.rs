//! [`Coordinator`]: the frame demultiplexer, the ICCP session on the peer-port (election,
//! sticky system-id, backup keepalive), LACP on the bonds with the shared system-id, per-peer
//! port numbers and one key per mlag-id, the MLAG halves' next hops and split horizon, the
//! reload-delay hold, the dual-active isolation, the configuration-consistency exchange with
//! its hold-down, and the monitor. STP and FDB integration follow the design in the
//! [module docs](super) and are not wired in yet.

use super::demux::{DemuxCounters, FrameKind, classify};
use super::{
    MLAG_LACP_SYSTEM_PRIORITY, PeerIndex, RELOAD_DELAY_DEFAULT, apply_mlag_forwarding,
    lacp_local_port_number, lacp_port_number, mlag_forwarding,
};
use crate::config::{BondMode, Change, LacpMode, ValidConfig, lacp_key};
use crate::dataplane::{CIST, Dataplane, MlagId, NextHop, PortState};
use crate::preflight::{Outcome, Report, Summary, compare};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use iccp::wire::param::{AggregatorState, Param};
use l2_types::{Instant, MacAddr, PortNo};
pub use lacp::LinkState;

/// Why a [`Coordinator`] could not be built or a change not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration has MLAG disabled (`/interface bridge mlag bridge=none`).
    #[error("MLAG is disabled in this configuration")]
    MlagDisabled,
    /// The change needs a new coordinator (`bridge`, `peer-port` or the bridge MAC changed).
    #[error("this change restarts MLAG")]
    NeedsRestart,
    /// The ICCP session refused the settings.
    #[error("ICCP: {0}")]
    Iccp(iccp::ConfigError),
    /// The LACP system refused the settings.
    #[error("LACP: {0}")]
    Lacp(lacp::ConfigError),
}

/// Host options that are not RouterOS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed of the ICCP session's incarnation numbers: must differ from one boot to the next
    /// (see `iccp::SessionConfig::seed`).
    pub seed: u64,
    /// Send keepalives on a backup path (`poll_backup_transmit` / `handle_backup`).
    pub backup: bool,
    /// How long a starting peer keeps its MLAG halves out waiting for its peer.
    pub reload_delay: Duration,
}

impl Options {
    /// Options with `seed`, no backup path and [`RELOAD_DELAY_DEFAULT`].
    pub const fn new(seed: u64) -> Self {
        Self {
            seed,
            backup: false,
            reload_delay: RELOAD_DELAY_DEFAULT,
        }
    }
}

/// The state of one MLAG, as the monitor shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlagStatus {
    /// The mlag-id.
    pub mlag_id: MlagId,
    /// The local bond.
    pub bond: String,
    /// The local half is in the LAG (LACP may run on it: not held by the reload delay or the
    /// dual-active isolation).
    pub released: bool,
    /// The local half distributes (at least one member).
    pub local_up: bool,
    /// The peer's half distributes, as the peer last reported.
    pub peer_up: bool,
    /// The logical port's next hop.
    pub next_hop: NextHop,
    /// Frames from the peer-port may leave through the local half.
    pub peer_forwarding: bool,
    /// The local half is held out of the LAG because the configurations disagree (this peer
    /// is secondary and the consistency check says [`Outcome::HeldDown`]).
    pub held_down: bool,
}

/// `/interface bridge mlag monitor`, plus per-MLAG state and what the coordinator counts.
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
    /// This peer isolated its MLAG halves: the peer-link failed while the peer lives and this
    /// peer is secondary (no split brain).
    pub isolated: bool,
    /// Every MLAG of the configuration, by mlag-id.
    pub mlags: Vec<MlagStatus>,
    /// The consistency check against the connected peer's configuration (peers in
    /// [`PeerIndex`] order: A is the lower bridge MAC), once its summary has arrived.
    pub consistency: Option<Report>,
    /// Demultiplexer counters.
    pub demux: DemuxCounters,
    /// The ICCP session's counters.
    pub iccp: iccp::Counters,
    /// ICCP events not kept because [`Coordinator::take_events`] was not called.
    pub events_dropped: u64,
    /// Application messages from the peer that could not be used (malformed, unknown key).
    pub app_rejected: u64,
    /// Application messages that could not be queued to the peer.
    pub app_send_failed: u64,
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

/// Consistency TLV record kind of a configuration-summary chunk.
pub const CONSISTENCY_SUMMARY: u8 = 1;
/// Largest summary chunk, in octets (a chunk fits one ICCP L2 frame).
pub const SUMMARY_CHUNK: usize = 1024;

/// Most ICCP events kept for [`Coordinator::take_events`]; later ones are counted in
/// [`Monitor::events_dropped`].
pub const EVENTS_MAX: usize = 256;

/// A bond run by LACP (`mode=802.3ad`).
#[derive(Debug, Clone)]
struct Lag {
    id: lacp::LagId,
    bond: String,
    mlag: Option<MlagId>,
    key: u16,
    cfg: lacp::LagConfig,
    /// The actor system MAC applied (MLAG LAGs).
    applied: MacAddr,
}

/// A slave of an LACP bond.
#[derive(Debug, Clone)]
struct Member {
    /// Index into `lags`.
    lag: usize,
    mac: MacAddr,
    /// 1-based index among the MLAG slaves (MLAG bonds) or among the other slaves.
    index: u16,
    timeout: lacp::LacpTimeout,
    activity: lacp::Activity,
    /// Link as the host last reported it.
    link: LinkState,
    /// Added to the LACP system.
    in_lacp: bool,
    collecting: bool,
    distributing: bool,
}

/// Per-MLAG state.
#[derive(Debug, Clone, Copy, Default)]
struct Half {
    local_up: bool,
    peer_up: bool,
}

/// The MLAG coordinator of one peer. See the [module docs](super) for the design.
///
/// Wired in so far: the frame demultiplexer; the ICCP session over the peer-port (connection,
/// heartbeat, election, sticky system-id, backup keepalive); LACP on every 802.3ad bond — the
/// MLAG LAGs with the pair's system-id, one key per mlag-id and per-peer port numbers, held out
/// until the peer is connected or the reload delay expires; the MLAG halves' state exchanged in
/// mLACP Aggregator State TLVs, driving each logical port's next hop and split horizon; the
/// secondary's isolation when the peer-link fails while the backup path still hears the peer;
/// the configuration summaries exchanged in Consistency TLVs ([`CONSISTENCY_SUMMARY`]) and
/// compared as [`crate::preflight`] does, the secondary holding down the MLAGs found unsafe
/// (re-checked on every `apply` and role change); run-time `priority`, `heartbeat` and
/// `lacp-rate`; the monitor. Not yet: STP (BPDUs are counted), FDB synchronisation, and the
/// FDB/STP sync conditions of the rejoin release (halves are released as soon as ICCP
/// connects).
#[derive(Debug)]
pub struct Coordinator<D: Dataplane> {
    cfg: ValidConfig,
    dp: D,
    iccp: iccp::Session,
    lacp: lacp::System,
    bridge_mac: MacAddr,
    peer_port: PortNo,
    bridge_ports: Vec<PortNo>,
    lags: Vec<Lag>,
    members: BTreeMap<PortNo, Member>,
    halves: BTreeMap<MlagId, Half>,
    /// Applied system-id of the MLAG LAGs (the pair's, or own MAC while isolated).
    system_id: MacAddr,
    peer_index: Option<PeerIndex>,
    /// The numbering the released MLAG halves use.
    numbered_as: Option<PeerIndex>,
    released: bool,
    isolated: bool,
    reload_at: Instant,
    /// MLAGs this peer holds down because of a configuration mismatch (secondary only).
    held: BTreeSet<MlagId>,
    /// The peer's configuration summary being reassembled: (next chunk, chunk count, bytes).
    peer_chunks: Option<(u16, u16, Vec<u8>)>,
    peer_summary: Option<Summary>,
    consistency: Option<Report>,
    demux: DemuxCounters,
    buf: Vec<u8>,
    events: Vec<iccp::Event>,
    events_dropped: u64,
    app_rejected: u64,
    app_send_failed: u64,
}

fn sat16(v: u32) -> u16 {
    u16::try_from(v).unwrap_or(u16::MAX)
}

impl<D: Dataplane> Coordinator<D> {
    /// A coordinator for `cfg` driving `dp`. Every link starts down: report them with
    /// [`handle_link`](Self::handle_link). Sets the peer-port forwarding on the CIST and on
    /// every MSTI (it is the pair's backplane, not a port of the logical bridge), starts LACP on
    /// the slaves of non-MLAG 802.3ad bonds, and holds the MLAG halves until the peer is
    /// connected or the reload delay expires.
    ///
    /// # Errors
    /// [`Error::MlagDisabled`]; [`Error::Iccp`] / [`Error::Lacp`] if a driver refuses the
    /// settings.
    pub fn new(cfg: ValidConfig, mut dp: D, opts: &Options, now: Instant) -> Result<Self, Error> {
        let (Some(m), Some(bridge)) = (cfg.mlag(), cfg.mlag_bridge()) else {
            return Err(Error::MlagDisabled);
        };
        let bridge_mac = bridge.mac;
        let mut sc = iccp::SessionConfig::new(bridge_mac);
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
        let bridge_ports = bridge
            .ports
            .iter()
            .map(|p| cfg.port_no(p.interface))
            .collect();

        let mut lacp = lacp::System::new(lacp::SystemConfig::new(bridge_mac));
        let mut lags = Vec::new();
        let mut members = BTreeMap::new();
        let mut halves = BTreeMap::new();
        let (mut mlag_index, mut local_index) = (0u16, 0u16);
        for (i, b) in cfg.bonds().iter().enumerate() {
            if b.mode != BondMode::Ieee8023ad {
                continue;
            }
            let id = lacp::LagId(u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1));
            let key = match b.mlag_id {
                Some(MlagId(x)) => lacp_key(x),
                None => sat16(u32::try_from(i).unwrap_or(0).saturating_add(1)),
            };
            let mut lc = lacp::LagConfig::new(key);
            lc.min_links = sat16(b.min_links);
            if b.mlag_id.is_some() {
                lc.actor_system = Some(lacp::SystemIdentity {
                    priority: MLAG_LACP_SYSTEM_PRIORITY,
                    mac: bridge_mac,
                });
            }
            lacp.add_lag(now, id, lc).map_err(Error::Lacp)?;
            if let Some(mlag) = b.mlag_id {
                halves.insert(mlag, Half::default());
                apply_mlag_forwarding(&mut dp, mlag, false, false);
            }
            for s in &b.slaves {
                let counter = if b.mlag_id.is_some() {
                    &mut mlag_index
                } else {
                    &mut local_index
                };
                *counter = counter.saturating_add(1);
                let member = Member {
                    lag: lags.len(),
                    mac: cfg.interface(*s).map_or(MacAddr::ZERO, |x| x.mac),
                    index: *counter,
                    timeout: b.lacp_rate.timeout(),
                    activity: match b.lacp_mode {
                        LacpMode::Active => lacp::Activity::Active,
                        LacpMode::Passive => lacp::Activity::Passive,
                    },
                    link: LinkState::Down,
                    in_lacp: false,
                    collecting: false,
                    distributing: false,
                };
                members.insert(cfg.port_no(*s), member);
            }
            lags.push(Lag {
                id,
                bond: b.name.clone(),
                mlag: b.mlag_id,
                key,
                cfg: lc,
                applied: bridge_mac,
            });
        }
        let mut c = Self {
            cfg,
            dp,
            iccp,
            lacp,
            bridge_mac,
            peer_port,
            bridge_ports,
            lags,
            members,
            halves,
            system_id: bridge_mac,
            peer_index: None,
            numbered_as: None,
            released: false,
            isolated: false,
            reload_at: now + opts.reload_delay,
            held: BTreeSet::new(),
            peer_chunks: None,
            peer_summary: None,
            consistency: None,
            demux: DemuxCounters::default(),
            buf: vec![0; iccp::wire::l2::FRAME_MAX],
            events: Vec::new(),
            events_dropped: 0,
            app_rejected: 0,
            app_send_failed: 0,
        };
        // Non-MLAG bonds (a peer-port bond among them) need no peer: start them now.
        let local: Vec<PortNo> = c
            .members
            .iter()
            .filter(|(_, m)| c.lags.get(m.lag).is_some_and(|l| l.mlag.is_none()))
            .map(|(p, _)| *p)
            .collect();
        for port in local {
            c.add_lacp_port(now, port)?;
        }
        c.drain(now);
        Ok(c)
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

    /// The LACP system (for show commands).
    pub fn lacp(&self) -> &lacp::System {
        &self.lacp
    }

    /// The host port number of the peer-port.
    pub fn peer_port(&self) -> PortNo {
        self.peer_port
    }

    /// The ICCP events seen since the last call, oldest first (for logs and tests).
    pub fn take_events(&mut self) -> Vec<iccp::Event> {
        core::mem::take(&mut self.events)
    }

    /// The heartbeat in force.
    pub fn heartbeat(&self) -> Option<Duration> {
        self.iccp.config().heartbeat
    }

    /// `/interface bridge mlag monitor`, with per-MLAG state.
    pub fn monitor(&self) -> Monitor {
        let m = self.iccp.monitor();
        let mlags = self
            .halves
            .iter()
            .map(|(id, h)| {
                let (next_hop, peer_forwarding) = mlag_forwarding(h.local_up, h.peer_up);
                MlagStatus {
                    mlag_id: *id,
                    bond: self
                        .lags
                        .iter()
                        .find(|l| l.mlag == Some(*id))
                        .map(|l| l.bond.clone())
                        .unwrap_or_default(),
                    released: self.released && !self.isolated,
                    local_up: h.local_up,
                    peer_up: h.peer_up,
                    next_hop,
                    peer_forwarding,
                    held_down: self.held.contains(id),
                }
            })
            .collect();
        Monitor {
            status: m.status,
            system_id: m.system_id,
            active_role: m.role,
            peer: m.peer,
            backup_alive: m.backup_alive,
            isolated: self.isolated,
            mlags,
            consistency: self.consistency.clone(),
            demux: self.demux,
            iccp: m.counters,
            events_dropped: self.events_dropped,
            app_rejected: self.app_rejected,
            app_send_failed: self.app_send_failed,
        }
    }

    /// A frame received on host port `port`. Total: any octets, any port.
    pub fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8]) {
        let known = self.cfg.if_of(port).is_some();
        let in_lacp = self.members.get(&port).map(|m| m.in_lacp);
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
            FrameKind::Lacp | FrameKind::Marker => match in_lacp {
                None => d.lacp_not_slave += 1,
                Some(false) => d.lacp_held += 1,
                Some(true) => {
                    d.lacp += 1;
                    // Rejections are counted in the LACP system's statistics.
                    let _ = self.lacp.handle_frame(now, port, frame);
                }
            },
            FrameKind::Bpdu if port == self.peer_port => d.bpdu_on_peer_port += 1,
            FrameKind::Bpdu if self.bridge_ports.contains(&port) => d.bpdu += 1,
            FrameKind::Bpdu => d.not_control += 1,
        }
        self.drain(now);
    }

    /// A link change on host port `port`. The peer-port's goes to ICCP, a bond slave's to
    /// LACP.
    pub fn handle_link(&mut self, now: Instant, port: PortNo, link: LinkState) {
        if port == self.peer_port {
            let l = if link.is_up() {
                iccp::LinkState::Up
            } else {
                iccp::LinkState::Down
            };
            self.iccp.handle_link(now, l);
        }
        if let Some(m) = self.members.get_mut(&port) {
            m.link = link;
            if m.in_lacp {
                self.lacp.handle_link(now, port, link);
            }
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
        self.lacp.handle_timeout(now);
        if !self.released && now >= self.reload_at {
            // Reload delay over without a peer: come up alone.
            self.release(now);
        }
        self.drain(now);
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next needed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let reload = (!self.released).then_some(self.reload_at);
        [self.iccp.poll_timeout(), self.lacp.poll_timeout(), reload]
            .into_iter()
            .flatten()
            .min()
    }

    /// Applies run-time changes ([`crate::config::diff`] of the configuration in force and
    /// `new`) and makes `new` the configuration in force. Implemented: `priority` (re-election
    /// over the running session), `heartbeat` and `lacp-rate`; the others are kept in the new
    /// configuration and take effect as the corresponding parts are wired in.
    ///
    /// # Errors
    /// [`Error::MlagDisabled`] if `new` disables MLAG, [`Error::NeedsRestart`] if a change
    /// needs a new coordinator, [`Error::Iccp`] if the session refuses a value.
    pub fn apply(
        &mut self,
        now: Instant,
        new: ValidConfig,
        changes: &[Change],
    ) -> Result<(), Error> {
        if new.mlag().is_none() {
            return Err(Error::MlagDisabled);
        }
        if changes.iter().any(Change::restarts_mlag) {
            return Err(Error::NeedsRestart);
        }
        for c in changes {
            match c {
                Change::PriorityChanged { new, .. } => {
                    self.iccp.set_priority(now, *new).map_err(Error::Iccp)?;
                }
                Change::HeartbeatChanged { new, .. } => {
                    self.iccp.set_heartbeat(now, *new).map_err(Error::Iccp)?;
                }
                Change::BondChanged {
                    bond,
                    field: "lacp-rate",
                    ..
                } => {
                    let timeout = new.bond(bond).map(|b| b.lacp_rate.timeout());
                    self.set_timeout(now, bond, timeout);
                }
                _ => {}
            }
        }
        self.cfg = new;
        if self.iccp.status() == iccp::Status::Connected {
            self.send_summary();
        }
        self.recompute_holds(now);
        self.drain(now);
        Ok(())
    }

    fn set_timeout(&mut self, now: Instant, bond: &str, timeout: Option<lacp::LacpTimeout>) {
        let Some(timeout) = timeout else { return };
        let Some(lag) = self.lags.iter().position(|l| l.bond == bond) else {
            return;
        };
        let ports: Vec<PortNo> = self
            .members
            .iter()
            .filter(|(_, m)| m.lag == lag)
            .map(|(p, _)| *p)
            .collect();
        for port in ports {
            if let Some(m) = self.members.get_mut(&port) {
                m.timeout = timeout;
                if m.in_lacp
                    && let Some(cfg) = self.port_config(port)
                {
                    let _ = self.lacp.set_port_config(now, port, cfg);
                }
            }
        }
    }

    /// The LACP port configuration of a member with the numbering in force.
    fn port_config(&self, port: PortNo) -> Option<lacp::PortConfig> {
        let m = self.members.get(&port)?;
        let lag = self.lags.get(m.lag)?;
        let number = match lag.mlag {
            Some(_) => lacp_port_number(self.numbered_as.unwrap_or(PeerIndex::Low), m.index)?,
            None => lacp_local_port_number(m.index)?,
        };
        let mut cfg = lacp::PortConfig::new(m.mac, lag.id, number);
        cfg.timeout = m.timeout;
        cfg.activity = m.activity;
        Some(cfg)
    }

    fn add_lacp_port(&mut self, now: Instant, port: PortNo) -> Result<(), Error> {
        let cfg = self
            .port_config(port)
            .ok_or(Error::Lacp(lacp::ConfigError::Invalid {
                field: "port_number",
                reason: "out of range",
            }))?;
        self.lacp.add_port(now, port, cfg).map_err(Error::Lacp)?;
        if let Some(m) = self.members.get_mut(&port) {
            m.in_lacp = true;
            let link = m.link;
            self.lacp.handle_link(now, port, link);
        }
        Ok(())
    }

    fn mlag_members(&self) -> Vec<PortNo> {
        self.members
            .iter()
            .filter(|(_, m)| self.lags.get(m.lag).is_some_and(|l| l.mlag.is_some()))
            .map(|(p, _)| *p)
            .collect()
    }

    /// Brings the MLAG halves into LACP, numbered for the peer index (Low when alone).
    fn release(&mut self, now: Instant) {
        if self.released {
            return;
        }
        self.numbered_as = Some(self.peer_index.unwrap_or(PeerIndex::Low));
        self.released = true;
        for port in self.mlag_members() {
            // Numbers are in range by construction; a refusal leaves the member out.
            let _ = self.add_lacp_port(now, port);
        }
    }

    /// Re-adds the MLAG halves with the numbering of `index` (those links renegotiate once).
    fn renumber(&mut self, now: Instant, index: PeerIndex) {
        if self.numbered_as == Some(index) {
            return;
        }
        self.numbered_as = Some(index);
        for port in self.mlag_members() {
            if self.members.get(&port).is_some_and(|m| m.in_lacp) {
                let _ = self.lacp.remove_port(now, port);
                if let Some(m) = self.members.get_mut(&port) {
                    m.in_lacp = false;
                }
                let _ = self.add_lacp_port(now, port);
            }
        }
    }

    /// Gives every MLAG LAG its actor system: the pair's system-id, or this peer's own MAC
    /// when its half must leave the client's aggregator (isolated after a peer-link failure, or
    /// held down by a configuration mismatch): the client then sees another partner on those
    /// links and drops them at once, without waiting for a LACP timeout.
    fn refresh_identities(&mut self, now: Instant) {
        for lag in &mut self.lags {
            let Some(id) = lag.mlag else { continue };
            let mac = if self.isolated || self.held.contains(&id) {
                self.bridge_mac
            } else {
                self.system_id
            };
            if lag.applied != mac {
                lag.applied = mac;
                lag.cfg.actor_system = Some(lacp::SystemIdentity {
                    priority: MLAG_LACP_SYSTEM_PRIORITY,
                    mac,
                });
                let _ = self.lacp.set_lag_config(now, lag.id, lag.cfg);
            }
        }
    }

    /// Sends this peer's configuration summary in Consistency TLVs of at most
    /// [`SUMMARY_CHUNK`] octets each: (chunk index, chunk count, octets).
    fn send_summary(&mut self) {
        let bytes = Summary::of(&self.cfg).encode();
        let chunks: Vec<&[u8]> = bytes.chunks(SUMMARY_CHUNK).collect();
        let count = u16::try_from(chunks.len()).unwrap_or(u16::MAX);
        for (i, c) in chunks.iter().enumerate() {
            let mut data = Vec::with_capacity(c.len() + 4);
            data.extend_from_slice(&u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes());
            data.extend_from_slice(&count.to_be_bytes());
            data.extend_from_slice(c);
            let param = Param::Consistency {
                kind: CONSISTENCY_SUMMARY,
                data: &data,
            };
            if self.iccp.send_app(&param).is_err() {
                self.app_send_failed += 1;
            }
        }
    }

    /// One chunk of the peer's summary.
    fn on_summary_chunk(&mut self, now: Instant, data: &[u8]) {
        let (Some(head), Some(body)) = (data.get(..4), data.get(4..)) else {
            self.app_rejected += 1;
            return;
        };
        let index = u16::from_be_bytes([
            head.first().copied().unwrap_or(0),
            head.get(1).copied().unwrap_or(0),
        ]);
        let count = u16::from_be_bytes([
            head.get(2).copied().unwrap_or(0),
            head.get(3).copied().unwrap_or(0),
        ]);
        if index == 0 {
            self.peer_chunks = Some((0, count, Vec::new()));
        }
        let Some((next, n, buf)) = self.peer_chunks.as_mut() else {
            self.app_rejected += 1;
            return;
        };
        if index != *next || count != *n || count == 0 {
            self.peer_chunks = None;
            self.app_rejected += 1;
            return;
        }
        buf.extend_from_slice(body);
        *next += 1;
        if *next == *n {
            let bytes = core::mem::take(buf);
            self.peer_chunks = None;
            match Summary::decode(&bytes) {
                Ok(s) => {
                    self.peer_summary = Some(s);
                    self.recompute_holds(now);
                }
                Err(_) => self.app_rejected += 1,
            }
        }
    }

    /// Peer-link lost while the backup path still hears the peer (iccp then keeps the roles):
    /// the secondary takes its MLAG halves out of the client's aggregator, so there is no split
    /// brain; it comes back when the pair reconnects, or when the backup path falls silent too
    /// (the peer is gone: iccp makes this peer primary).
    fn update_isolation(&mut self, now: Instant) {
        let isolate = self.iccp.role() == Some(iccp::Role::Secondary)
            && self.iccp.status() != iccp::Status::Connected
            && self.iccp.monitor().backup_alive;
        if isolate != self.isolated {
            self.isolated = isolate;
            self.refresh_identities(now);
        }
    }

    /// Runs the consistency check against the peer's summary and holds down (as secondary)
    /// the MLAGs it says are unsafe; releases the others.
    fn recompute_holds(&mut self, now: Instant) {
        let mut held = BTreeSet::new();
        self.consistency = match (&self.peer_summary, self.peer_index) {
            (Some(peer), Some(index)) => {
                let own = Summary::of(&self.cfg);
                let report = match index {
                    PeerIndex::Low => compare(&own, peer),
                    PeerIndex::High => compare(peer, &own),
                };
                if self.iccp.role() == Some(iccp::Role::Secondary) {
                    held = report
                        .mlags
                        .iter()
                        .filter(|(_, o)| *o == Outcome::HeldDown)
                        .map(|(id, _)| *id)
                        .collect();
                }
                Some(report)
            }
            _ => None,
        };
        if held != self.held {
            self.held = held;
            self.refresh_identities(now);
        }
    }

    fn send_half(&mut self, mlag: MlagId) {
        let Some(lag) = self.lags.iter().find(|l| l.mlag == Some(mlag)) else {
            return;
        };
        let up = self.halves.get(&mlag).is_some_and(|h| h.local_up);
        let status = self.lacp.lag(lag.id);
        let partner = status.and_then(|s| s.partner_system);
        let state = AggregatorState {
            partner_system: partner.map_or(MacAddr::ZERO, |p| p.mac),
            partner_system_priority: partner.map_or(0, |p| p.priority),
            partner_key: status.and_then(|s| s.partner_key).unwrap_or(0),
            aggregator_id: sat16(lag.id.0),
            actor_key: lag.key,
            // Aggregator State octet: 1 = up (the half distributes), 0 = down.
            aggregator_state: u8::from(up),
        };
        if self
            .iccp
            .send_app(&Param::MlacpAggregatorState(state))
            .is_err()
        {
            self.app_send_failed += 1;
        }
    }

    fn set_half(&mut self, mlag: MlagId, local: Option<bool>, peer: Option<bool>) {
        let Some(h) = self.halves.get_mut(&mlag) else {
            return;
        };
        let before = *h;
        if let Some(l) = local {
            h.local_up = l;
        }
        if let Some(p) = peer {
            h.peer_up = p;
        }
        let after = *h;
        if (before.local_up, before.peer_up) != (after.local_up, after.peer_up) {
            apply_mlag_forwarding(&mut self.dp, mlag, after.local_up, after.peer_up);
        }
        if before.local_up != after.local_up && self.iccp.status() == iccp::Status::Connected {
            self.send_half(mlag);
        }
    }

    fn on_iccp_event(&mut self, now: Instant, e: &iccp::Event) {
        match e {
            iccp::Event::SystemIdChanged(mac) => {
                self.system_id = *mac;
                self.refresh_identities(now);
            }
            iccp::Event::RoleChanged(_) => self.recompute_holds(now),
            iccp::Event::Connected(peer) => {
                let index = PeerIndex::of(self.bridge_mac, peer.bridge_mac);
                self.peer_index = Some(index);
                self.refresh_identities(now);
                if self.released {
                    self.renumber(now, index);
                } else {
                    self.release(now);
                }
                // The peer's copy of our state is empty: send every half.
                let ids: Vec<MlagId> = self.halves.keys().copied().collect();
                for id in ids {
                    self.send_half(id);
                }
                self.send_summary();
            }
            iccp::Event::Disconnected(_) => {
                let ids: Vec<MlagId> = self.halves.keys().copied().collect();
                for id in ids {
                    self.set_half(id, None, Some(false));
                }
                // Holds are about agreeing with a connected peer.
                self.peer_summary = None;
                self.peer_chunks = None;
                self.recompute_holds(now);
            }
            _ => {}
        }
    }

    fn on_app(&mut self, now: Instant, msg: &iccp::AppMessage) {
        match msg.param() {
            Ok(Param::Consistency {
                kind: CONSISTENCY_SUMMARY,
                data,
            }) => self.on_summary_chunk(now, data),
            Ok(Param::MlacpAggregatorState(s)) => {
                let id = self
                    .halves
                    .keys()
                    .copied()
                    .find(|id| lacp_key(id.0) == s.actor_key);
                match id {
                    Some(id) => self.set_half(id, None, Some(s.aggregator_state == 1)),
                    None => self.app_rejected += 1,
                }
            }
            Ok(_) => {}
            Err(_) => self.app_rejected += 1,
        }
    }

    fn on_lacp_event(&mut self, e: lacp::Event) {
        let (port, collecting, distributing) = match e {
            lacp::Event::CollectingChanged { port, collecting } => (port, Some(collecting), None),
            lacp::Event::DistributingChanged { port, distributing } => {
                (port, None, Some(distributing))
            }
            _ => return,
        };
        let Some(m) = self.members.get_mut(&port) else {
            return;
        };
        if let Some(c) = collecting {
            m.collecting = c;
        }
        if let Some(d) = distributing {
            m.distributing = d;
        }
        let (c, d, lag) = (m.collecting, m.distributing, m.lag);
        self.dp.set_member(port, c, d);
        if let Some(mlag) = self.lags.get(lag).and_then(|l| l.mlag) {
            let up = self
                .members
                .values()
                .any(|x| x.lag == lag && x.distributing);
            self.set_half(mlag, Some(up), None);
        }
    }

    /// Drains every driver until none has output left.
    fn drain(&mut self, now: Instant) {
        loop {
            let mut progress = false;
            while let Some(t) = self.iccp.poll_transmit(now, &mut self.buf) {
                progress = true;
                if let Some(frame) = self.buf.get(..t.len) {
                    self.dp.transmit(self.peer_port, frame);
                }
            }
            while let Some(e) = self.iccp.poll_event() {
                progress = true;
                self.on_iccp_event(now, &e);
                self.update_isolation(now);
                if self.events.len() < EVENTS_MAX {
                    self.events.push(e);
                } else {
                    self.events_dropped += 1;
                }
            }
            while let Some(msg) = self.iccp.poll_app() {
                progress = true;
                self.on_app(now, &msg);
            }
            while let Some(t) = self.lacp.poll_transmit(&mut self.buf) {
                progress = true;
                if let Some(frame) = self.buf.get(..t.len) {
                    self.dp.transmit(t.port, frame);
                }
            }
            while let Some(e) = self.lacp.poll_event() {
                progress = true;
                self.on_lacp_event(e);
            }
            if !progress {
                break;
            }
        }
    }
}
