//! Nodes that speak LACP with this workspace's `lacp::System`: a bonded client host and a
//! learning switch whose LAGs are logical ports.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use l2_types::{Duration, EtherType, Instant, MacAddr, PortNo};
use lacp::{
    ConfigError, Event, LagConfig, LagId, LinkState, PortConfig, Snapshot, System, SystemConfig,
};
use stp::PortState;

use super::frame::EthHeader;
use super::host::HostApp;
use super::net::{FrameId, Node, Track, Transmit};
use super::switch::{LogicalPort, Switch, flow_hash};

/// The link state the LACP nodes report for an up link.
const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

/// The frame is a Slow Protocols frame (LACP, Marker) for the local LACP entity.
fn is_slow_protocols(frame: &[u8]) -> bool {
    EthHeader::parse(frame).is_some_and(|h| h.ethertype == EtherType::SLOW_PROTOCOLS)
}

/// True for the events that change what a LAG does (counted as state changes).
const fn is_change(e: &Event) -> bool {
    !matches!(
        e,
        Event::MarkerReceived { .. } | Event::MarkerResponseReceived { .. }
    )
}

/// The MAC of member `port` of a system: the system MAC plus the port number.
fn port_mac(system: MacAddr, port: PortNo) -> MacAddr {
    MacAddr::from_u64(system.to_u64().wrapping_add(u64::from(port.0)))
}

/// Configuration of a [`LacpClient`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LacpClientConfig {
    /// The LACP System MAC (the bond's MAC).
    pub system: MacAddr,
    /// The address of the host behind the bond (its traffic's source).
    pub host: MacAddr,
    /// Number of member links: ports 1..=links, LACP port numbers 1..=links.
    pub links: u16,
    /// Short (fast, 1 s) or long (slow, 30 s) LACP timeout.
    pub fast: bool,
    /// The LAG key.
    pub key: u16,
}

impl LacpClientConfig {
    /// A fast-rate bond of `links` links, key 1, whose host uses the system MAC.
    pub const fn new(system: MacAddr, links: u16) -> Self {
        Self {
            system,
            host: system,
            links,
            fast: true,
            key: 1,
        }
    }
}

/// Counters of a [`LacpClient`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LacpClientStats {
    /// LACP frames `lacp::System` rejected.
    pub lacp_rx_errors: u64,
    /// Data frames received on a member that was not collecting (dropped).
    pub not_collecting: u64,
    /// Data frames the host sent while no member was distributing (dropped).
    pub no_member: u64,
    /// Times the node was restarted.
    pub restarts: u64,
    /// Times a member's partner System changed from one non-null System to another (the
    /// client renegotiating with a new partner; an MLAG failover must not cause any).
    pub partner_changes: u64,
    /// Times a member whose link stayed up stopped distributing.
    pub distributing_lost: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct MemberState {
    up: bool,
    collecting: bool,
    distributing: bool,
    /// The partner System last seen on the member (null before any).
    partner: MacAddr,
}

/// A host behind an LACP bond of N links, as a Linux `802.3ad` bond: one `lacp::System` with
/// one LAG; data is collected from collecting members and sent on a distributing member chosen
/// by a layer-2 hash of the addresses.
#[derive(Debug)]
pub struct LacpClient {
    cfg: LacpClientConfig,
    sys: System,
    host: HostApp,
    members: BTreeMap<PortNo, MemberState>,
    out: VecDeque<Transmit>,
    changes: u64,
    stats: LacpClientStats,
    /// Transmit buffer for the LACP System (one frame at a time).
    buf: Vec<u8>,
}

/// The LAG of a [`LacpClient`].
pub const CLIENT_LAG: LagId = LagId(1);

impl LacpClient {
    /// A client; its ports are down until the network says otherwise.
    ///
    /// # Errors
    /// The configuration is refused by `lacp` (a zero or multicast MAC, no links…).
    pub fn new(cfg: LacpClientConfig) -> Result<Self, ConfigError> {
        let sys = Self::build(&cfg, Instant::ZERO)?;
        Ok(Self {
            cfg,
            sys,
            host: HostApp::new(cfg.host),
            members: (1..=cfg.links)
                .map(|p| (PortNo(p), MemberState::default()))
                .collect(),
            out: VecDeque::new(),
            changes: 0,
            stats: LacpClientStats::default(),
            buf: alloc::vec![0; 1514],
        })
    }

    fn build(cfg: &LacpClientConfig, now: Instant) -> Result<System, ConfigError> {
        if cfg.links == 0 {
            return Err(ConfigError::Invalid {
                field: "links",
                reason: "a bond needs at least one link",
            });
        }
        let mut sys = System::new(SystemConfig::new(cfg.system));
        sys.add_lag(now, CLIENT_LAG, LagConfig::new(cfg.key))?;
        for p in 1..=cfg.links {
            let mut pc = PortConfig::new(port_mac(cfg.system, PortNo(p)), CLIENT_LAG, p);
            if cfg.fast {
                pc = pc.with_short_timeout();
            }
            sys.add_port(now, PortNo(p), pc)?;
        }
        Ok(sys)
    }

    /// The LACP system (monitor views: `ports()`, `lag()`).
    pub const fn system(&self) -> &System {
        &self.sys
    }

    /// The host behind the bond.
    pub const fn host(&self) -> &HostApp {
        &self.host
    }

    /// The host behind the bond, to add or stop streams.
    pub const fn host_mut(&mut self) -> &mut HostApp {
        &mut self.host
    }

    /// The configuration.
    pub const fn config(&self) -> &LacpClientConfig {
        &self.cfg
    }

    /// Counters.
    pub const fn stats(&self) -> &LacpClientStats {
        &self.stats
    }

    /// The member ports currently distributing.
    pub fn distributing(&self) -> impl Iterator<Item = PortNo> + '_ {
        self.members
            .iter()
            .filter(|(_, m)| m.up && m.distributing)
            .map(|(p, _)| *p)
    }

    fn drain(&mut self) {
        while let Some(e) = self.sys.poll_event() {
            match e {
                Event::CollectingChanged { port, collecting } => {
                    if let Some(m) = self.members.get_mut(&port) {
                        m.collecting = collecting;
                    }
                }
                Event::DistributingChanged { port, distributing } => {
                    if let Some(m) = self.members.get_mut(&port) {
                        if m.up && m.distributing && !distributing {
                            self.stats.distributing_lost =
                                self.stats.distributing_lost.saturating_add(1);
                        }
                        m.distributing = distributing;
                    }
                }
                _ => {}
            }
            if is_change(&e) {
                self.changes = self.changes.wrapping_add(1);
            }
        }
        while let Some(t) = self.sys.poll_transmit(&mut self.buf) {
            self.out.push_back(Transmit {
                port: t.port,
                frame: self.buf.get(..t.len).unwrap_or_default().to_vec(),
                track: Track::None,
            });
        }
        self.send_host_frames();
    }

    /// Notes a change of partner System on `port` (after a LACPDU).
    fn track_partner(&mut self, port: PortNo) {
        let Some(now) = self.sys.port(port).map(|s| s.partner.system) else {
            return;
        };
        if let Some(m) = self.members.get_mut(&port) {
            if !m.partner.is_zero() && !now.is_zero() && now != m.partner {
                self.stats.partner_changes = self.stats.partner_changes.saturating_add(1);
            }
            if !now.is_zero() {
                m.partner = now;
            }
        }
    }

    fn send_host_frames(&mut self) {
        while let Some((frame, stream)) = self.host.poll_frame() {
            let hash = EthHeader::parse(&frame).map_or(0, |h| flow_hash(h.src, h.dst));
            let live: Vec<PortNo> = self.distributing().collect();
            let pick = live
                .get(usize::try_from(hash).unwrap_or(0) % live.len().max(1))
                .copied();
            match pick {
                Some(port) => self.out.push_back(Transmit {
                    port,
                    frame,
                    track: Track::New { stream },
                }),
                None => {
                    self.stats.no_member = self.stats.no_member.saturating_add(1);
                    self.host.count_unsent(stream);
                }
            }
        }
    }
}

impl Node for LacpClient {
    fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        if is_slow_protocols(frame) {
            if self.sys.handle_frame(now, port, frame).is_err() {
                self.stats.lacp_rx_errors = self.stats.lacp_rx_errors.saturating_add(1);
            }
            self.track_partner(port);
        } else if self
            .members
            .get(&port)
            .is_some_and(|m| m.up && m.collecting)
        {
            self.host.receive(now, frame, id);
        } else {
            self.stats.not_collecting = self.stats.not_collecting.saturating_add(1);
        }
        self.drain();
    }

    fn handle_link(&mut self, now: Instant, port: PortNo, up: bool) {
        if let Some(m) = self.members.get_mut(&port) {
            m.up = up;
        }
        self.sys
            .handle_link(now, port, if up { UP } else { LinkState::Down });
        self.drain();
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.sys.handle_timeout(now);
        self.drain();
        self.host.handle_timeout(now, true);
        self.drain();
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match (self.sys.poll_timeout(), self.host.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn poll_delivered(&mut self) -> Option<FrameId> {
        self.host.poll_delivered()
    }

    fn restart(&mut self, now: Instant) {
        // From scratch: a new System (ports down until the network reports the links).
        if let Ok(sys) = Self::build(&self.cfg, now) {
            self.sys = sys;
        }
        for m in self.members.values_mut() {
            *m = MemberState::default();
        }
        self.out.clear();
        self.stats.restarts = self.stats.restarts.saturating_add(1);
        self.changes = self.changes.wrapping_add(1);
    }

    fn changes(&self) -> u64 {
        self.changes
    }
}

/// One LAG of a [`LacpSwitch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchLag {
    /// The LAG.
    pub lag: LagId,
    /// Its configuration (key, `actor_system` for an MLAG pair…).
    pub config: LagConfig,
    /// Members: the switch port and the LACP port number it advertises.
    pub members: Vec<(PortNo, u16)>,
    /// Short (fast) LACP timeout on its members.
    pub fast: bool,
}

/// Counters of a [`LacpSwitch`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LacpSwitchStats {
    /// LACP frames `lacp::System` rejected.
    pub lacp_rx_errors: u64,
    /// Times the node was restarted.
    pub restarts: u64,
}

/// A learning switch (no spanning tree) with LACP: each LAG is one logical port of its
/// [`Switch`], whose members follow the Mux machine's collecting and distributing state. Two
/// of them configured with one `actor_system`, one key and disjoint port numbers are the
/// LACP half of an MLAG pair (without a peer link).
#[derive(Debug)]
pub struct LacpSwitch {
    system: MacAddr,
    lags: Vec<SwitchLag>,
    plain: Vec<PortNo>,
    sys: System,
    sw: Switch,
    out: VecDeque<Transmit>,
    changes: u64,
    stats: LacpSwitchStats,
    from_snapshot: bool,
    saved: Option<Snapshot>,
    /// Transmit buffer for the LACP System.
    buf: Vec<u8>,
}

impl LacpSwitch {
    /// The logical port of the `index`-th LAG added.
    pub const fn lag_lport(index: usize) -> LogicalPort {
        LogicalPort(0x8000 | (index as u16 & 0x7fff))
    }

    /// A switch with system MAC `system` and no ports.
    pub fn new(system: MacAddr) -> Self {
        Self {
            system,
            lags: Vec::new(),
            plain: Vec::new(),
            sys: System::new(SystemConfig::new(system)),
            sw: Switch::new(PortState::Forwarding, Duration::from_secs(300)),
            out: VecDeque::new(),
            changes: 0,
            stats: LacpSwitchStats::default(),
            from_snapshot: false,
            saved: None,
            buf: alloc::vec![0; 1514],
        }
    }

    /// After a crash, restart from a snapshot of the LACP state taken at the crash
    /// (`lacp::System::snapshot` / `restore`: a hitless control-plane restart) instead of from
    /// scratch. The FDB is rebuilt empty either way.
    pub fn set_restart_from_snapshot(&mut self, on: bool) {
        self.from_snapshot = on;
    }

    /// Adds a LAG and its members.
    ///
    /// # Errors
    /// `lacp` refused the LAG or a member (nothing of the LAG is kept then, except members
    /// already added to the System).
    pub fn add_lag(&mut self, lag: SwitchLag) -> Result<(), ConfigError> {
        Self::install_lag(
            &mut self.sys,
            &mut self.sw,
            self.system,
            self.lags.len(),
            &lag,
        )?;
        self.lags.push(lag);
        Ok(())
    }

    fn install_lag(
        sys: &mut System,
        sw: &mut Switch,
        system: MacAddr,
        index: usize,
        lag: &SwitchLag,
    ) -> Result<(), ConfigError> {
        let now = Instant::ZERO;
        sys.add_lag(now, lag.lag, lag.config)?;
        for &(port, number) in &lag.members {
            let mut pc = PortConfig::new(port_mac(system, port), lag.lag, number);
            if lag.fast {
                pc = pc.with_short_timeout();
            }
            sys.add_port(now, port, pc)?;
            sw.add_member(Self::lag_lport(index), port);
            sw.set_member(port, false, false);
        }
        Ok(())
    }

    /// Adds a plain (non-LACP) data port.
    pub fn add_port(&mut self, port: PortNo) {
        self.sw.add_port(port);
        self.plain.push(port);
    }

    /// The LACP system.
    pub const fn system(&self) -> &System {
        &self.sys
    }

    /// The forwarding plane.
    pub const fn switch(&self) -> &Switch {
        &self.sw
    }

    /// Counters.
    pub const fn stats(&self) -> &LacpSwitchStats {
        &self.stats
    }

    fn drain(&mut self) {
        while let Some(e) = self.sys.poll_event() {
            match e {
                Event::CollectingChanged { port, collecting } => {
                    self.sw.set_collecting(port, collecting);
                }
                Event::DistributingChanged { port, distributing } => {
                    self.sw.set_distributing(port, distributing);
                }
                _ => {}
            }
            if is_change(&e) {
                self.changes = self.changes.wrapping_add(1);
            }
        }
        while let Some(t) = self.sys.poll_transmit(&mut self.buf) {
            self.out.push_back(Transmit {
                port: t.port,
                frame: self.buf.get(..t.len).unwrap_or_default().to_vec(),
                track: Track::None,
            });
        }
        while let Some(t) = self.sw.poll_transmit() {
            self.out.push_back(t);
        }
    }
}

impl Node for LacpSwitch {
    fn relays(&self, frame: &[u8], ingress: PortNo, egress: PortNo, at: Instant) -> Option<bool> {
        self.sw.relays_at(frame, ingress, egress, at)
    }

    fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        self.sw.relay_changes(since, out);
    }

    fn clock(&mut self, now: Instant) {
        self.sw.set_now(now);
    }

    fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        if is_slow_protocols(frame) {
            if self.sys.handle_frame(now, port, frame).is_err() {
                self.stats.lacp_rx_errors = self.stats.lacp_rx_errors.saturating_add(1);
            }
        } else {
            self.sw.forward(now, port, frame, id);
        }
        self.drain();
    }

    fn handle_link(&mut self, now: Instant, port: PortNo, up: bool) {
        self.sw.set_link(port, up);
        self.sys
            .handle_link(now, port, if up { UP } else { LinkState::Down });
        self.drain();
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.sys.handle_timeout(now);
        self.drain();
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.sys.poll_timeout()
    }

    fn crash(&mut self, now: Instant) {
        self.saved = self.from_snapshot.then(|| self.sys.snapshot(now));
    }

    fn restart(&mut self, now: Instant) {
        let mut sys = System::new(SystemConfig::new(self.system));
        let mut sw = Switch::new(PortState::Forwarding, Duration::from_secs(300));
        // A new switch: its history starts now.
        sw.set_now(now);
        for (i, lag) in self.lags.iter().enumerate() {
            // The configuration was accepted once; it is accepted again.
            let _ = Self::install_lag(&mut sys, &mut sw, self.system, i, lag);
        }
        for p in &self.plain {
            sw.add_port(*p);
        }
        if let Some(restored) = self
            .saved
            .take()
            .and_then(|snap| System::restore(now, &snap).ok())
        {
            // The restored System emits no events for the state it restores: program the
            // members from its port views.
            for p in restored.ports() {
                sw.set_member(p.port, p.collecting, p.distributing);
                sw.set_link(p.port, p.link.is_up());
            }
            sys = restored;
        }
        self.sys = sys;
        self.sw = sw;
        self.out.clear();
        self.stats.restarts = self.stats.restarts.saturating_add(1);
        self.changes = self.changes.wrapping_add(1);
    }

    fn changes(&self) -> u64 {
        self.changes
    }
}
