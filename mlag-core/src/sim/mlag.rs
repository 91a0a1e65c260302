//! MLAG peers in the simulator: [`MlagPeer`] hosts a [`Coordinator`] whose [`Dataplane`] is
//! a [`Switch`] ([`SimDataplane`]), and [`QuickSetup`] wires the RouterOS Quick setup (Peer1,
//! Peer2, a client bond of two links, a host behind each peer) with numbered traffic.
//!
//! # How the dataplane maps onto the switch
//! * Each bridge port is a logical port numbered like its host port (`LogicalPort(port.0)`):
//!   a plain port, the peer-port, or a bond whose slaves are the members. So
//!   [`Dataplane::set_port_state`] needs no table: an MLAG bond's state is its bond's.
//! * 802.3ad slaves start neither collecting nor distributing; [`Dataplane::set_member`] sets
//!   them (LACP's Mux machine, through the coordinator).
//! * The logical MLAG port of an mlag-id is its bond's logical port; its next hop
//!   ([`Dataplane::set_mlag_next_hop`]) is one [`Switch::set_redirect`] write: frames for it
//!   leave through the peer-port while the local half is down, whatever the number of
//!   entries. Its entries survive the members' carrier loss (the coordinator re-points them).
//! * Split horizon ([`Dataplane::set_peer_forwarding`]) is [`Switch::set_blocked`] from the
//!   peer-port to the bond.
//! * [`Dataplane::fdb_add`] entries are static switch entries (never aged, never moved by
//!   learning), flushes go through [`Switch::flush_where`].
//! * The switch is an ASIC under the coordinator ([`Switch::set_learn_reports`]): it installs
//!   no entry itself, reports the source addresses it sees on single-homed ports and MLAG
//!   bonds (new or moved at once, known ones every [`LEARN_REFRESH`]) to
//!   [`Coordinator::handle_learn`], and forwards by the entries the coordinator programs —
//!   its own and the peer's, synchronised over ICCP. The peer-port learns nothing: the
//!   addresses behind it come from the peer's table. So unicast to a known address is never
//!   flooded, on either peer, and a member failure re-points the logical port (no flood).
//! * The coordinator runs the pair as one logical STP bridge and sets every bridge port's
//!   state ([`Dataplane::set_port_state`]) from construction on; the switch's default state
//!   only covers ports outside the bridge ([`MlagPeer::with_default_state`]). A client bond
//!   that sends no BPDU forwards 3 s after LACP attaches it (edge detection), which is why
//!   [`QuickSetupParams::new`] starts its streams at 5.5 s.
//! * The backup keepalive port is a link of its own: its carrier goes to
//!   [`Coordinator::handle_backup_link`].

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use l2_types::{Duration, Instant, MacAddr, PortNo, VlanId};
use stp::{PortState, TreeId};

use super::frame::{EthHeader, is_link_local};
use super::host::{Host, RxStats, StreamConfig};
use super::lacp_node::{LacpClient, LacpClientConfig};
use super::net::{FrameId, LinkId, LinkParams, Network, Node, NodeId, Track, Transmit};
use super::switch::{LogicalPort, Switch};
use crate::config::{BondMode, Change, Config, ValidConfig, diff};
use crate::coordinator::{Coordinator, Error, LinkState, Monitor, Options};
use crate::dataplane::{Dataplane, FdbFlush, Location, MlagId, NextHop};

/// FDB ageing of the simulated peers' switches (802.1Q-2022 Table 8-6 default; the
/// coordinator's table ages by the bridge's `ageing-time`).
const AGEING: Duration = Duration::from_secs(300);

/// How often the simulated ASIC reports a known source address again (so the coordinator's
/// ageing sees it alive): a tenth of the default ageing time.
pub const LEARN_REFRESH: Duration = Duration::from_secs(30);

const UP: LinkState = LinkState::Up {
    speed_mbps: 10_000,
    full_duplex: true,
};

/// Counters of a [`SimDataplane`] (calls received).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SimDataplaneStats {
    /// Control frames transmitted.
    pub transmits: u64,
    /// `set_mlag_next_hop` calls.
    pub next_hop_calls: u64,
    /// `set_peer_forwarding` calls.
    pub peer_forwarding_calls: u64,
    /// `fdb_add` / `fdb_remove` / `fdb_flush` calls.
    pub fdb_calls: u64,
    /// `fdb_remove` / `fdb_flush` calls, and `fdb_add` calls that removed an entry (a
    /// location the switch cannot reach).
    pub fdb_removals: u64,
}

/// The [`Dataplane`] of a simulated MLAG peer: a [`Switch`] plus a queue of control frames.
#[derive(Debug, Clone)]
pub struct SimDataplane {
    sw: Switch,
    out: VecDeque<Transmit>,
    peer_lport: LogicalPort,
    mlags: BTreeMap<MlagId, LogicalPort>,
    next_hops: BTreeMap<MlagId, NextHop>,
    /// The bridge's physical ports: logical port, and whether it is an 802.3ad slave.
    topo: BTreeMap<PortNo, (LogicalPort, bool)>,
    stats: SimDataplaneStats,
}

/// The bridge's physical ports of `cfg` (logical port; an 802.3ad slave?) and its MLAG bonds.
type Topology = (
    BTreeMap<PortNo, (LogicalPort, bool)>,
    BTreeMap<MlagId, LogicalPort>,
);

fn topology(cfg: &ValidConfig) -> Topology {
    let mut ports = BTreeMap::new();
    let mut mlags = BTreeMap::new();
    if let Some(bridge) = cfg.mlag_bridge() {
        for p in &bridge.ports {
            let port = cfg.port_no(p.interface);
            let lport = LogicalPort(port.0);
            match cfg.bonds().iter().find(|b| b.interface == p.interface) {
                Some(b) => {
                    for s in &b.slaves {
                        ports.insert(cfg.port_no(*s), (lport, b.mode == BondMode::Ieee8023ad));
                    }
                    if let Some(id) = b.mlag_id {
                        mlags.insert(id, lport);
                    }
                }
                None => {
                    ports.insert(port, (lport, false));
                }
            }
        }
    }
    (ports, mlags)
}

impl SimDataplane {
    /// The switch for `cfg`'s MLAG bridge: its ports, bonds (802.3ad slaves not collecting)
    /// and the peer-port (not learning), every port in `default_state`.
    pub fn new(cfg: &ValidConfig, default_state: PortState) -> Self {
        let mut sw = Switch::new(default_state, AGEING);
        let peer_lport = cfg
            .mlag()
            .map_or(LogicalPort(0), |m| LogicalPort(cfg.port_no(m.peer_port).0));
        let (topo, mlags) = topology(cfg);
        for (port, (lport, lacp)) in &topo {
            sw.add_member(*lport, *port);
            if *lacp {
                sw.set_member(*port, false, false);
            }
        }
        for lport in mlags.values() {
            sw.set_keep_on_down(*lport, true);
        }
        sw.set_learning(peer_lport, false);
        sw.set_learn_reports(Some(LEARN_REFRESH));
        Self {
            sw,
            out: VecDeque::new(),
            peer_lport,
            mlags,
            next_hops: BTreeMap::new(),
            topo,
            stats: SimDataplaneStats::default(),
        }
    }

    /// The host's side of a run-time change to `cfg` (what the operating system does to the
    /// bridge and the bonds before the coordinator applies the change): ports and slaves that
    /// left are taken out of the switch, new ones put in (802.3ad slaves neither collecting nor
    /// distributing, their carrier from `links`), an mlag-id gone leaves no redirect or
    /// split-horizon setting behind. Host port numbers must not move (the coordinator refuses
    /// such a change).
    pub fn reconfigure(&mut self, cfg: &ValidConfig, links: &BTreeMap<PortNo, bool>) {
        let (topo, mlags) = topology(cfg);
        for (port, (lport, _)) in &self.topo {
            if topo.get(port).map(|x| x.0) != Some(*lport) {
                self.sw.remove_member(*port);
            }
        }
        for (port, (lport, lacp)) in &topo {
            if self.topo.get(port).map(|x| x.0) != Some(*lport) {
                self.sw.add_member(*lport, *port);
                if *lacp {
                    self.sw.set_member(*port, false, false);
                }
                self.sw
                    .set_link(*port, links.get(port).copied().unwrap_or(false));
            }
        }
        for (id, lport) in &self.mlags {
            if mlags.get(id) != Some(lport) {
                self.sw.set_redirect(*lport, None);
                self.sw.set_blocked(self.peer_lport, *lport, false);
                self.sw.set_keep_on_down(*lport, false);
                self.next_hops.remove(id);
            }
        }
        for lport in mlags.values() {
            self.sw.set_keep_on_down(*lport, true);
        }
        self.topo = topo;
        self.mlags = mlags;
    }

    /// The forwarding plane.
    pub const fn switch(&self) -> &Switch {
        &self.sw
    }

    /// The forwarding plane, mutably (e.g. to turn peer-port learning on).
    pub const fn switch_mut(&mut self) -> &mut Switch {
        &mut self.sw
    }

    /// The peer-port's logical port.
    pub const fn peer_lport(&self) -> LogicalPort {
        self.peer_lport
    }

    /// The logical port of `mlag` (its bond's).
    pub fn mlag_lport(&self, mlag: MlagId) -> Option<LogicalPort> {
        self.mlags.get(&mlag).copied()
    }

    /// The next hop last set for `mlag`.
    pub fn next_hop(&self, mlag: MlagId) -> NextHop {
        self.next_hops.get(&mlag).copied().unwrap_or_default()
    }

    /// Whether frames from the peer-port may leave through `mlag`'s bond.
    pub fn peer_forwarding(&self, mlag: MlagId) -> bool {
        self.mlags
            .get(&mlag)
            .is_some_and(|l| !self.sw.is_blocked(self.peer_lport, *l))
    }

    /// Counters.
    pub const fn stats(&self) -> &SimDataplaneStats {
        &self.stats
    }

    /// Every MLAG bond's logical port is Forwarding on the CIST (the spanning tree lets the
    /// clients' traffic through).
    pub fn mlags_forwarding(&self) -> bool {
        self.mlags
            .values()
            .all(|l| self.sw.state(*l, stp::CIST) == PortState::Forwarding)
    }

    fn lport_of(&self, location: Location) -> Option<LogicalPort> {
        match location {
            Location::Port(p) => Some(LogicalPort(p.0)),
            Location::Mlag(id) => self.mlags.get(&id).copied(),
            Location::PeerPort => Some(self.peer_lport),
            Location::Cpu => None,
        }
    }

    fn next_frame(&mut self) -> Option<Transmit> {
        self.out.pop_front().or_else(|| self.sw.poll_transmit())
    }
}

impl Dataplane for SimDataplane {
    fn transmit(&mut self, port: PortNo, frame: &[u8]) {
        self.stats.transmits = self.stats.transmits.saturating_add(1);
        self.out.push_back(Transmit {
            port,
            frame: frame.to_vec(),
            track: Track::None,
        });
    }

    fn set_port_state(&mut self, port: PortNo, tree: TreeId, state: PortState) {
        self.sw.set_state(LogicalPort(port.0), tree, state);
    }

    fn set_member(&mut self, member: PortNo, collecting: bool, distributing: bool) {
        self.sw.set_member(member, collecting, distributing);
    }

    fn fdb_add(&mut self, vid: VlanId, mac: MacAddr, location: Location) {
        self.stats.fdb_calls = self.stats.fdb_calls.saturating_add(1);
        match self.lport_of(location) {
            Some(l) => self.sw.add_static(vid.get(), mac, l),
            None => {
                self.stats.fdb_removals = self.stats.fdb_removals.saturating_add(1);
                self.sw.remove_entry(vid.get(), mac);
            }
        }
    }

    fn fdb_remove(&mut self, vid: VlanId, mac: MacAddr) {
        self.stats.fdb_calls = self.stats.fdb_calls.saturating_add(1);
        self.stats.fdb_removals = self.stats.fdb_removals.saturating_add(1);
        self.sw.remove_entry(vid.get(), mac);
    }

    fn fdb_flush(&mut self, flush: FdbFlush) {
        self.stats.fdb_calls = self.stats.fdb_calls.saturating_add(1);
        self.stats.fdb_removals = self.stats.fdb_removals.saturating_add(1);
        let at = |l: Location| self.lport_of(l);
        match flush {
            FdbFlush::All => self.sw.flush_where(|_, _, _| true),
            FdbFlush::Location(l) => {
                if let Some(lp) = at(l) {
                    self.sw.flush_where(|_, p, _| p == lp);
                }
            }
            FdbFlush::Vlan(v) => self.sw.flush_where(|vid, _, _| vid == v.get()),
            FdbFlush::Tree(t) => self.sw.flush_where(|_, _, tree| tree == t),
            FdbFlush::LocationInTree(l, t) => {
                if let Some(lp) = at(l) {
                    self.sw.flush_where(|_, p, tree| p == lp && tree == t);
                }
            }
        }
    }

    fn set_mlag_next_hop(&mut self, mlag: MlagId, next_hop: NextHop) {
        self.stats.next_hop_calls = self.stats.next_hop_calls.saturating_add(1);
        self.next_hops.insert(mlag, next_hop);
        if let Some(l) = self.mlags.get(&mlag).copied() {
            let via = match next_hop {
                NextHop::Local => None,
                NextHop::PeerPort => Some(self.peer_lport),
            };
            self.sw.set_redirect(l, via);
        }
    }

    fn set_peer_forwarding(&mut self, mlag: MlagId, allow: bool) {
        self.stats.peer_forwarding_calls = self.stats.peer_forwarding_calls.saturating_add(1);
        if let Some(l) = self.mlags.get(&mlag).copied() {
            self.sw.set_blocked(self.peer_lport, l, !allow);
        }
    }
}

/// What the network needs to know of a peer's monitor, cheaply (refreshed after every
/// control input and timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerView {
    /// `status`.
    pub status: iccp::Status,
    /// `active-role`.
    pub role: Option<iccp::Role>,
    /// `system-id`.
    pub system_id: MacAddr,
    /// Isolated after a peer-link failure.
    pub isolated: bool,
    /// The backup path hears the peer.
    pub backup_alive: bool,
    /// Bit i: MLAG i (in mlag-id order) has its local half distributing.
    pub local_up: u64,
    /// Bit i: the peer reported its half of MLAG i up.
    pub peer_up: u64,
    /// The peer has acknowledged this side's current election data
    /// ([`Coordinator::election_settled`]).
    pub election_settled: bool,
}

/// Counters of a [`MlagPeer`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MlagPeerStats {
    /// Control frames handed to the coordinator.
    pub control_rx: u64,
    /// Data frames handed to the switch.
    pub data_rx: u64,
    /// Backup-path keepalives sent and received.
    pub backup_tx: u64,
    /// See `backup_tx`.
    pub backup_rx: u64,
    /// Times the node was restarted.
    pub restarts: u64,
    /// A restart could not rebuild the coordinator (the old one is kept).
    pub restart_failures: u64,
    /// Hitless restarts of the control plane ([`MlagPeer::hitless_restart`]) begun.
    pub hitless_restarts: u64,
    /// Hitless restarts whose snapshot did not restore (a cold restart followed).
    pub hitless_failures: u64,
    /// Control frames (ICCP, LACP, BPDUs, backup path) dropped while the control plane was
    /// down during a hitless restart.
    pub control_dropped: u64,
}

/// A simulated MLAG peer: a [`Coordinator`] driving a [`SimDataplane`].
///
/// Control frames (those to the 802.1Q reserved addresses: LACP, BPDUs, ICCP over L2) go to
/// the coordinator, everything else to the switch. An optional backup keepalive port
/// ([`with_backup_port`](Self::with_backup_port)) carries the ICCP backup path as frames of
/// their own on a sim link of their own. A crash loses everything; the restart builds a new
/// coordinator from the configuration (a new ICCP incarnation) that holds its MLAG halves
/// until it has rejoined (reload delay).
///
/// The peer drains the coordinator's ICCP event log (`Coordinator::take_events`) to know when
/// its [`view`](Self::view) may have changed; read the monitor for the state.
#[derive(Debug)]
pub struct MlagPeer {
    cfg: ValidConfig,
    opts: Options,
    default_state: PortState,
    backup_port: Option<PortNo>,
    /// Carrier of the backup port; while it is down the latest keepalive waits for it.
    backup_up: bool,
    backup_pending: Option<Vec<u8>>,
    /// The backup port's carrier is told to the coordinator (a dedicated link); false for a
    /// routed path whose carrier says nothing about the peer (the lab's UDP path).
    backup_carrier: bool,
    coord: Coordinator<SimDataplane>,
    view: PeerView,
    /// Dataplane next-hop and split-horizon calls seen at the last refresh.
    forwarding_calls: u64,
    /// Carrier of every port, as last reported (for ports a run-time change brings in).
    links: BTreeMap<PortNo, bool>,
    changes: u64,
    stats: MlagPeerStats,
    buf: Vec<u8>,
    /// A hitless restart in progress: when the control plane comes back, and the snapshot
    /// the new instance restores. Meanwhile the dataplane forwards and control frames are
    /// lost.
    paused: Option<(Instant, Vec<u8>)>,
}

impl MlagPeer {
    /// A peer running `cfg` with `opts`; ports outside the coordinator's bridge forward (the
    /// coordinator sets the bridge ports' states).
    ///
    /// # Errors
    /// The coordinator refused the configuration.
    pub fn new(cfg: ValidConfig, opts: Options) -> Result<Self, Error> {
        Self::with_default_state(cfg, opts, PortState::Forwarding)
    }

    /// As [`new`](Self::new), with every port starting in `default_state`.
    ///
    /// # Errors
    /// The coordinator refused the configuration.
    pub fn with_default_state(
        cfg: ValidConfig,
        opts: Options,
        default_state: PortState,
    ) -> Result<Self, Error> {
        let dp = SimDataplane::new(&cfg, default_state);
        let coord = Coordinator::new(cfg.clone(), dp, &opts, Instant::ZERO)?;
        let mut p = Self {
            cfg,
            opts,
            default_state,
            backup_port: None,
            backup_up: false,
            backup_pending: None,
            backup_carrier: true,
            coord,
            view: PeerView {
                status: iccp::Status::Connecting,
                role: None,
                system_id: MacAddr::ZERO,
                isolated: false,
                backup_alive: false,
                local_up: 0,
                peer_up: 0,
                election_settled: true,
            },
            forwarding_calls: 0,
            links: BTreeMap::new(),
            changes: 0,
            stats: MlagPeerStats::default(),
            buf: alloc::vec![0; iccp::wire::l2::FRAME_MAX],
            paused: None,
        };
        p.refresh();
        Ok(p)
    }

    /// The same peer with its backup keepalive path on `port` (a port outside the
    /// configuration, wired to the other peer's backup port). Needs `opts.backup`.
    #[must_use]
    pub const fn with_backup_port(mut self, port: PortNo) -> Self {
        self.backup_port = Some(port);
        self
    }

    /// The same peer with a backup path whose carrier is not told to the coordinator (a routed
    /// path: the coordinator only hears keepalives and evidence, as `mlagd`'s UDP path).
    #[must_use]
    pub const fn with_routed_backup(mut self) -> Self {
        self.backup_carrier = false;
        self
    }

    /// The coordinator.
    pub const fn coordinator(&self) -> &Coordinator<SimDataplane> {
        &self.coord
    }

    /// The coordinator, mutably (run-time changes go through [`apply`](Self::apply)).
    pub const fn coordinator_mut(&mut self) -> &mut Coordinator<SimDataplane> {
        &mut self.coord
    }

    /// The dataplane.
    pub fn dataplane(&self) -> &SimDataplane {
        self.coord.dataplane()
    }

    /// `/interface bridge mlag monitor`.
    pub fn monitor(&self) -> Monitor {
        self.coord.monitor()
    }

    /// The cheap view of the monitor, as of the last control input.
    pub const fn view(&self) -> PeerView {
        self.view
    }

    /// Counters.
    pub const fn stats(&self) -> &MlagPeerStats {
        &self.stats
    }

    /// A hitless restart of the control plane (issue 6): the coordinator's
    /// [`snapshot`](Coordinator::snapshot) is taken at `now`, the control plane is down for
    /// `down_for` (control frames, link changes and learn reports are lost; the dataplane keeps
    /// forwarding with what it was programmed with), then a new coordinator is
    /// [`restore`](Coordinator::restore)d from the snapshot onto the same dataplane (at once
    /// when `down_for` is zero). A snapshot that does not restore counts in
    /// [`MlagPeerStats::hitless_failures`] and is followed by a cold restart.
    pub fn hitless_restart(&mut self, now: Instant, down_for: Duration) {
        self.stats.hitless_restarts = self.stats.hitless_restarts.saturating_add(1);
        let bytes = self.coord.snapshot(now);
        if down_for.is_zero() {
            self.resume(now, &bytes);
        } else {
            self.paused = Some((now.saturating_add(down_for), bytes));
        }
    }

    /// The control plane is down (a hitless restart in progress).
    pub const fn control_plane_down(&self) -> bool {
        self.paused.is_some()
    }

    /// The new instance restores the snapshot onto the running dataplane.
    fn resume(&mut self, now: Instant, bytes: &[u8]) {
        // A new process: a new seed (the FDB's new epoch).
        let mut opts = self.opts.clone();
        opts.seed = opts.seed.wrapping_add(
            self.stats
                .hitless_restarts
                .wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let placeholder = SimDataplane::new(&self.cfg, self.default_state);
        let dp = core::mem::replace(self.coord.dataplane_mut(), placeholder);
        match Coordinator::restore(self.cfg.clone(), dp, &opts, bytes, now) {
            Ok(c) => self.coord = c,
            Err(_) => {
                self.stats.hitless_failures = self.stats.hitless_failures.saturating_add(1);
                self.restart(now);
            }
        }
        self.after(Refresh::Always);
    }

    /// Applies a new configuration at run time ([`crate::config::diff`] against the one in
    /// force, then [`Coordinator::apply`]).
    ///
    /// # Errors
    /// The coordinator refused the change (`Error::NeedsRestart` among others).
    pub fn apply(&mut self, now: Instant, new: ValidConfig) -> Result<Vec<Change>, Error> {
        let changes = diff(self.coord.config(), &new);
        // The host reconfigures its bridge and bonds first (the coordinator programs them).
        self.coord.dataplane_mut().reconfigure(&new, &self.links);
        if let Err(e) = self.coord.apply(now, new.clone(), &changes) {
            let old = self.coord.config().clone();
            self.coord.dataplane_mut().reconfigure(&old, &self.links);
            return Err(e);
        }
        self.cfg = new;
        self.after(Refresh::Always);
        Ok(changes)
    }

    fn refresh(&mut self) {
        let dp = self.coord.dataplane().stats();
        self.forwarding_calls = dp.next_hop_calls.wrapping_add(dp.peer_forwarding_calls);
        let m = self.coord.monitor();
        let mut local_up = 0u64;
        let mut peer_up = 0u64;
        for (i, s) in m.mlags.iter().enumerate().take(64) {
            local_up |= u64::from(s.local_up) << i;
            peer_up |= u64::from(s.peer_up) << i;
        }
        let view = PeerView {
            status: m.status,
            role: m.active_role,
            system_id: m.system_id,
            isolated: m.isolated,
            backup_alive: m.backup_alive,
            local_up,
            peer_up,
            election_settled: self.coord.election_settled(),
        };
        if view != self.view {
            self.view = view;
            self.changes = self.changes.wrapping_add(1);
        }
    }

    fn send_backup(&mut self, port: PortNo, frame: Vec<u8>) {
        self.stats.backup_tx = self.stats.backup_tx.saturating_add(1);
        self.coord.dataplane_mut().out.push_back(Transmit {
            port,
            frame,
            track: Track::None,
        });
    }

    /// After an input: the backup keepalives out, and the view refreshed when it may have
    /// changed. `monitor()` allocates, so a steady-state LACPDU must not pay for it: the view
    /// only moves with an ICCP event (status, role, system-id, isolation — the coordinator's
    /// event log is drained here) or a next-hop / split-horizon call (a half up or down).
    fn after(&mut self, refresh: Refresh) {
        if let Some(port) = self.backup_port {
            while let Some(n) = self.coord.poll_backup_transmit(&mut self.buf) {
                let frame = self.buf.get(..n).unwrap_or_default().to_vec();
                if self.backup_up {
                    self.send_backup(port, frame);
                } else {
                    self.backup_pending = Some(frame);
                }
            }
        }
        let due = match refresh {
            Refresh::Never => false,
            Refresh::Always => true,
            Refresh::IfMoved => {
                let events = !self.coord.take_events().is_empty();
                let dp = self.coord.dataplane().stats();
                let calls = dp.next_hop_calls.wrapping_add(dp.peer_forwarding_calls);
                events || calls != self.forwarding_calls
            }
        };
        if due {
            let _ = self.coord.take_events();
            self.refresh();
        }
    }
}

/// When [`MlagPeer::after`] refreshes the view.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refresh {
    /// Data frames: the coordinator saw nothing.
    Never,
    /// Control inputs and timeouts: when an ICCP event or a forwarding call happened.
    IfMoved,
    /// Link changes, configuration changes.
    Always,
}

impl Node for MlagPeer {
    fn relays(&self, frame: &[u8], ingress: PortNo, egress: PortNo, at: Instant) -> Option<bool> {
        if Some(ingress) == self.backup_port || Some(egress) == self.backup_port {
            return Some(false);
        }
        self.coord
            .dataplane()
            .sw
            .relays_at(frame, ingress, egress, at)
    }

    fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        self.coord.dataplane().sw.relay_changes(since, out);
    }

    /// The states of the pair's logical bridge ports this peer carries alone (its uplinks,
    /// single-homed ports). Not the peer-port (no port of the logical bridge: the coordinator
    /// programs it), nor an MLAG bond (one port of the logical bridge with a half on each
    /// peer, so a half's state moving is a hand-over between the peers, not RSTP), nor the
    /// backup port: for those it cannot tell, and the duplicate check takes them as open.
    fn stp_forwarding(&self, frame: &[u8], port: PortNo, at: Instant) -> Option<bool> {
        if Some(port) == self.backup_port {
            return None;
        }
        let dp = self.coord.dataplane();
        let (lport, forwarding) = dp.sw.forwarding_at(frame, port, at)?;
        let bridge_port = lport != dp.peer_lport && !dp.mlags.values().any(|l| *l == lport);
        bridge_port.then_some(forwarding)
    }

    fn clock(&mut self, now: Instant) {
        self.coord.dataplane_mut().sw.set_now(now);
    }

    fn handle_frame(&mut self, now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        if self.paused.is_some() {
            let control = EthHeader::parse(frame).is_none_or(|h| is_link_local(h.dst));
            if control || Some(port) == self.backup_port {
                self.stats.control_dropped = self.stats.control_dropped.saturating_add(1);
            } else {
                // The dataplane forwards on; its learn reports find no control plane.
                self.stats.data_rx = self.stats.data_rx.saturating_add(1);
                let sw = &mut self.coord.dataplane_mut().sw;
                sw.forward(now, port, frame, id);
                while sw.poll_learn().is_some() {}
            }
            return;
        }
        if Some(port) == self.backup_port {
            self.stats.backup_rx = self.stats.backup_rx.saturating_add(1);
            self.coord.handle_backup(now, frame);
            // A keepalive can isolate this peer (the dual-active proof) without an ICCP
            // event; one per H_b, so the view is always refreshed.
            self.after(Refresh::Always);
            return;
        }
        let control = EthHeader::parse(frame).is_none_or(|h| is_link_local(h.dst));
        if control {
            self.stats.control_rx = self.stats.control_rx.saturating_add(1);
            self.coord.handle_frame(now, port, frame);
        } else {
            self.stats.data_rx = self.stats.data_rx.saturating_add(1);
            self.coord.dataplane_mut().sw.forward(now, port, frame, id);
            // The ASIC's learn reports go to the coordinator (which programs the entries).
            while let Some((vid, mac, at)) = self.coord.dataplane_mut().sw.poll_learn() {
                if let Ok(vid) = VlanId::try_new(vid) {
                    self.coord.handle_learn(now, vid, mac, at);
                }
            }
        }
        self.after(if control {
            Refresh::IfMoved
        } else {
            Refresh::Never
        });
    }

    fn handle_link(&mut self, now: Instant, port: PortNo, up: bool) {
        if self.paused.is_some() {
            // The carrier is the hardware's; the control plane down hears nothing of it.
            if Some(port) == self.backup_port {
                self.backup_up = up;
            } else {
                self.coord.dataplane_mut().sw.set_link(port, up);
            }
            return;
        }
        if Some(port) == self.backup_port {
            // The backup link is a dedicated link: its carrier goes to the coordinator (a
            // dead backup path at once, not 3 keepalives later). A keepalive due while the
            // carrier was down leaves when it comes up (the first one is due before the link
            // is wired).
            self.backup_up = up;
            if self.backup_carrier {
                self.coord.handle_backup_link(now, up);
            }
            if up && let Some(frame) = self.backup_pending.take() {
                self.send_backup(port, frame);
            }
            self.after(Refresh::Always);
            return;
        }
        self.links.insert(port, up);
        self.coord.dataplane_mut().sw.set_link(port, up);
        self.coord
            .handle_link(now, port, if up { UP } else { LinkState::Down });
        self.after(Refresh::Always);
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some((at, _)) = &self.paused {
            if now >= *at
                && let Some((_, bytes)) = self.paused.take()
            {
                self.resume(now, &bytes);
            }
            return;
        }
        self.coord.handle_timeout(now);
        self.after(Refresh::IfMoved);
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.coord.dataplane_mut().next_frame()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if let Some((at, _)) = &self.paused {
            return Some(*at);
        }
        self.coord.poll_timeout()
    }

    fn restart(&mut self, now: Instant) {
        self.stats.restarts = self.stats.restarts.saturating_add(1);
        self.paused = None;
        // A new boot: a new ICCP incarnation seed.
        let mut opts = self.opts.clone();
        opts.seed = opts
            .seed
            .wrapping_add(self.stats.restarts.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut dp = SimDataplane::new(&self.cfg, self.default_state);
        // A new switch: its history starts now.
        dp.sw.set_now(now);
        match Coordinator::new(self.cfg.clone(), dp, &opts, now) {
            Ok(c) => self.coord = c,
            Err(_) => {
                self.stats.restart_failures = self.stats.restart_failures.saturating_add(1);
            }
        }
        self.backup_up = false;
        self.backup_pending = None;
        self.refresh();
        self.changes = self.changes.wrapping_add(1);
    }

    fn changes(&self) -> u64 {
        self.changes
    }
}

/// One end of the Quick setup's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// The host behind the client's bond.
    Client,
    /// The host behind Peer1 (`ether1`).
    Host1,
    /// The host behind Peer2 (`ether1`).
    Host2,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Self; 3] = [Self::Client, Self::Host1, Self::Host2];

    /// The endpoint's MAC address.
    pub const fn mac(self) -> MacAddr {
        match self {
            Self::Client => QuickSetup::CLIENT_MAC,
            Self::Host1 => MacAddr([2, 0, 0, 0, 0xa, 1]),
            Self::Host2 => MacAddr([2, 0, 0, 0, 0xa, 2]),
        }
    }

    /// The stream number `self` sends to `to` on (`None` for itself).
    pub const fn stream_to(self, to: Self) -> Option<u32> {
        match (self, to) {
            (Self::Client, Self::Host1) | (Self::Host1, Self::Client) => Some(0),
            (Self::Host2, Self::Client) => Some(0),
            (Self::Client, Self::Host2) | (Self::Host1, Self::Host2) => Some(1),
            (Self::Host2, Self::Host1) => Some(1),
            _ => None,
        }
    }

    /// A short name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Host1 => "host1",
            Self::Host2 => "host2",
        }
    }
}

/// Parameters of a [`QuickSetup`].
#[derive(Clone, Debug)]
pub struct QuickSetupParams {
    /// The network's seed.
    pub seed: u64,
    /// Peer1's and Peer2's configurations.
    pub configs: [Config; 2],
    /// The peer-link (`d` is its delay).
    pub peer_link: LinkParams,
    /// Every other link.
    pub link: LinkParams,
    /// A backup keepalive link between the peers.
    pub backup: bool,
    /// The coordinators' reload delay.
    pub reload_delay: Duration,
    /// Time between two frames of each stream.
    pub interval: Duration,
    /// When the streams start.
    pub traffic_start: Instant,
    /// The client's LACP rate (fast: 1 s).
    pub client_fast: bool,
    /// The backup path is routed: its carrier is not told to the peers (default false: a
    /// dedicated link whose carrier loss kills the path at once).
    pub backup_routed: bool,
    /// Peer1's and Peer2's ICCP secrets ([`Options::iccp_secret`]; default none).
    pub iccp_secrets: [Option<crate::coordinator::IccpSecret>; 2],
}

impl QuickSetupParams {
    /// The Quick setup of `mission.md` (both peers' single-homed `ether1` put in the client's
    /// VLAN 10, so the three hosts share one broadcast domain), gigabit links (5 µs), a 50 µs
    /// peer-link, a backup path, one frame per millisecond per stream from t = 5.5 s.
    ///
    /// Why 5.5 s: the client's bond attaches at ≈ 2 s (LACP's wait-while, 802.1AX-2020
    /// 6.4.15), and its bridge port (`edge=auto`, no BPDU from the client) becomes an edge port
    /// and forwards 3 s later (802.1D-2004 17.25, edgeDelayWhile = MigrateTime), at ≈ 5.0003 s.
    /// Streams that start earlier lose their first frames to the spanning tree, not to a
    /// failover.
    pub fn new(seed: u64) -> Self {
        let cfg = |p: u8| {
            let mut c = Config::quick_setup(p);
            for bp in &mut c.ports {
                if bp.interface == "ether1" {
                    bp.pvid = 10;
                }
            }
            c
        };
        Self {
            seed,
            configs: [cfg(1), cfg(2)],
            peer_link: LinkParams::new(Duration::from_micros(50)),
            link: LinkParams::gigabit(),
            backup: true,
            reload_delay: crate::coordinator::RELOAD_DELAY_DEFAULT,
            interval: Duration::from_millis(1),
            traffic_start: Instant::from_millis(5500),
            client_fast: true,
            backup_routed: false,
            iccp_secrets: [None, None],
        }
    }
}

/// The RouterOS Quick setup in the simulator:
///
/// ```text
///   host1 ── ether1 [Peer1] sfp-sfpplus1 ══ peer-link ══ sfp-sfpplus1 [Peer2] ether1 ── host2
///                      sfp-sfpplus2 ╲   (backup keepalive link)   ╱ sfp-sfpplus2
///                                    ╲── port 1 [client] port 2 ─╱
///                                        802.3ad bond, host behind
/// ```
///
/// Every endpoint sends a numbered stream to each of the two others.
pub struct QuickSetup {
    /// The network.
    pub net: Network,
    /// Peer1, Peer2.
    pub peers: [NodeId; 2],
    /// The client (its bond's ports 1 and 2 go to Peer1 and Peer2).
    pub client: NodeId,
    /// The hosts behind Peer1 and Peer2.
    pub hosts: [NodeId; 2],
    /// The peer-link.
    pub peer_link: LinkId,
    /// Client port 1 ↔ Peer1, client port 2 ↔ Peer2.
    pub client_links: [LinkId; 2],
    /// host1 ↔ Peer1, host2 ↔ Peer2.
    pub host_links: [LinkId; 2],
    /// The backup keepalive link, if any.
    pub backup_link: Option<LinkId>,
    /// The parameters it was built with.
    pub params: QuickSetupParams,
}

impl core::fmt::Debug for QuickSetup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("QuickSetup")
            .field("now", &self.net.now())
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

/// Why a [`QuickSetup`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuickSetupError {
    /// A peer's configuration is invalid (the validator's message).
    Config(String),
    /// A coordinator refused its configuration.
    Coordinator(Error),
    /// The client's bond was refused.
    Client(lacp::ConfigError),
}

impl core::fmt::Display for QuickSetupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Config(e) => write!(f, "configuration: {e}"),
            Self::Coordinator(e) => write!(f, "coordinator: {e}"),
            Self::Client(e) => write!(f, "client: {e}"),
        }
    }
}

impl core::error::Error for QuickSetupError {}

impl QuickSetup {
    /// The client bond's LACP System (and its host's address).
    pub const CLIENT_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0xc, 0]);
    /// The backup keepalive port of each peer (outside the configuration).
    pub const BACKUP_PORT: PortNo = PortNo(0xFF00);

    /// Builds the network (nothing has run yet: links come up at t = 0).
    ///
    /// # Errors
    /// A configuration was refused.
    pub fn build(params: QuickSetupParams) -> Result<Self, QuickSetupError> {
        let mut net = Network::new(params.seed);
        let mut peers = [NodeId(0); 2];
        let mut ports = [(PortNo(0), PortNo(0), PortNo(0)); 2];
        for (i, cfg) in params.configs.iter().enumerate() {
            let valid = cfg
                .validate()
                .map_err(|e| QuickSetupError::Config(alloc::format!("{e:?}")))?;
            let port = |name: &str| valid.find(name).map_or(PortNo(0), |f| valid.port_no(f));
            let pp = valid
                .mlag()
                .map_or(PortNo(0), |m| valid.port_no(m.peer_port));
            if let Some(slot) = ports.get_mut(i) {
                *slot = (pp, port("sfp-sfpplus2"), port("ether1"));
            }
            let mut opts = Options::new(params.seed.wrapping_mul(2).wrapping_add(i as u64 + 1));
            opts.backup = params.backup;
            opts.reload_delay = params.reload_delay;
            opts.iccp_secret = params.iccp_secrets.get(i).cloned().flatten();
            let mut peer = MlagPeer::new(valid, opts).map_err(QuickSetupError::Coordinator)?;
            if params.backup {
                peer = peer.with_backup_port(Self::BACKUP_PORT);
                if params.backup_routed {
                    peer = peer.with_routed_backup();
                }
            }
            let name = if i == 0 { "Peer1" } else { "Peer2" };
            if let Some(slot) = peers.get_mut(i) {
                *slot = net.add_node(name, peer);
            }
        }
        let mut ccfg = LacpClientConfig::new(Self::CLIENT_MAC, 2);
        ccfg.fast = params.client_fast;
        let mut client = LacpClient::new(ccfg).map_err(QuickSetupError::Client)?;
        let stream =
            |to: Endpoint| StreamConfig::new(to.mac(), params.interval, params.traffic_start);
        client.host_mut().add_stream(stream(Endpoint::Host1));
        client.host_mut().add_stream(stream(Endpoint::Host2));
        let client = net.add_node("client", client);
        let h1 = Host::new(Endpoint::Host1.mac())
            .with_stream(stream(Endpoint::Client))
            .with_stream(stream(Endpoint::Host2));
        let h2 = Host::new(Endpoint::Host2.mac())
            .with_stream(stream(Endpoint::Client))
            .with_stream(stream(Endpoint::Host1));
        let hosts = [net.add_node("host1", h1), net.add_node("host2", h2)];
        let [p1, p2] = peers;
        let [(pp1, s1, e1), (pp2, s2, e2)] = ports;
        let peer_link = net.connect((p1, pp1), (p2, pp2), params.peer_link);
        let client_links = [
            net.connect((client, PortNo(1)), (p1, s1), params.link),
            net.connect((client, PortNo(2)), (p2, s2), params.link),
        ];
        let [h1, h2] = hosts;
        let host_links = [
            net.connect((h1, Host::PORT), (p1, e1), params.link),
            net.connect((h2, Host::PORT), (p2, e2), params.link),
        ];
        let backup_link = params.backup.then(|| {
            net.connect(
                (p1, Self::BACKUP_PORT),
                (p2, Self::BACKUP_PORT),
                params.link,
            )
        });
        net.add_check("one primary when connected", move |n: &Network| {
            one_primary(n, [p1, p2])
        });
        add_fdb_check(&mut net, [p1, p2]);
        Ok(Self {
            net,
            peers,
            client,
            hosts,
            peer_link,
            client_links,
            host_links,
            backup_link,
            params,
        })
    }

    /// Peer `i` (0 = Peer1).
    pub fn peer(&self, i: usize) -> Option<&MlagPeer> {
        self.net.node::<MlagPeer>(*self.peers.get(i)?)
    }

    /// The client.
    pub fn client(&self) -> Option<&LacpClient> {
        self.net.node::<LacpClient>(self.client)
    }

    /// What `to` received of `from`'s stream to it.
    pub fn rx(&self, from: Endpoint, to: Endpoint) -> Option<RxStats> {
        let stream = from.stream_to(to)?;
        let app = match to {
            Endpoint::Client => self.client()?.host(),
            Endpoint::Host1 => self.net.node::<Host>(self.hosts[0])?.app(),
            Endpoint::Host2 => self.net.node::<Host>(self.hosts[1])?.app(),
        };
        app.rx(from.mac(), stream).cloned()
    }

    /// The frames of `from`'s stream to `to` sent so far (sequence numbers used).
    pub fn sent(&self, from: Endpoint, to: Endpoint) -> u64 {
        let Some(stream) = from.stream_to(to) else {
            return 0;
        };
        let app = match from {
            Endpoint::Client => self.client().map(LacpClient::host),
            Endpoint::Host1 => self.net.node::<Host>(self.hosts[0]).map(Host::app),
            Endpoint::Host2 => self.net.node::<Host>(self.hosts[1]).map(Host::app),
        };
        app.and_then(|a| a.tx(stream)).map_or(0, |t| t.next_seq)
    }

    /// Both peers connected (and hearing each other on the backup path, if there is one),
    /// the client distributing on `links` links to the pair's system-id, and every MLAG
    /// bond's port Forwarding on both peers (the logical bridge's spanning tree lets data
    /// through).
    pub fn converged(&self, links: usize) -> bool {
        let (Some(a), Some(b), Some(c)) = (self.peer(0), self.peer(1), self.client()) else {
            return false;
        };
        let (a, b) = (a.view(), b.view());
        a.status == iccp::Status::Connected
            && b.status == iccp::Status::Connected
            && a.system_id == b.system_id
            && (!self.params.backup || (a.backup_alive && b.backup_alive))
            && c.distributing().count() == links
            && self
                .peer(0)
                .is_some_and(|p| p.dataplane().mlags_forwarding())
            && self
                .peer(1)
                .is_some_and(|p| p.dataplane().mlags_forwarding())
            && c.system()
                .lag(super::CLIENT_LAG)
                .and_then(|l| l.partner_system)
                .is_some_and(|p| p.mac == a.system_id)
    }
}

/// Adds the invariant "both peers' FDBs agree once quiet" for the MLAG peers `peers` to
/// `net` ([`fdb_mirrors_agree`]), checked after every step in which a table's position moved.
pub fn add_fdb_check(net: &mut Network, peers: [NodeId; 2]) {
    let mut last = None;
    net.add_check("FDB mirrors agree once synced", move |n: &Network| {
        let pos: Vec<_> = peers
            .iter()
            .map(|p| {
                let f = n.node::<MlagPeer>(*p).map(|m| m.coordinator().fdb());
                (
                    n.is_crashed(*p),
                    f.map(fdb::Fdb::sync_position),
                    f.map(fdb::Fdb::peer_position),
                    f.is_some_and(fdb::Fdb::receiving_snapshot),
                )
            })
            .collect();
        if last.as_ref() == Some(&pos) {
            return Ok(());
        }
        let r = fdb_mirrors_agree(n, peers);
        last = Some(pos);
        r
    });
}

/// The invariant "both peers' FDBs agree once quiet": a peer whose mirror has applied the
/// other peer's table up to that table's current position (same epoch, same sequence number,
/// no snapshot in progress) holds exactly the other's own entries. Crashed peers are skipped.
///
/// # Errors
/// The first mirror that claims to be in step and is not, with the difference.
pub fn fdb_mirrors_agree(net: &Network, peers: [NodeId; 2]) -> Result<(), String> {
    if peers.iter().any(|p| net.is_crashed(*p)) {
        return Ok(());
    }
    let [pa, pb] = peers;
    let (Some(a), Some(b)) = (net.node::<MlagPeer>(pa), net.node::<MlagPeer>(pb)) else {
        return Ok(());
    };
    for (owner, mirror, name) in [(a, b, "Peer2"), (b, a, "Peer1")] {
        let (o, m) = (owner.coordinator().fdb(), mirror.coordinator().fdb());
        if m.peer_position() != o.sync_position() || m.receiving_snapshot() {
            continue;
        }
        let own = o.own_records();
        let mirrored = m.peer_records();
        if own != mirrored {
            let missing = own.iter().filter(|r| !mirrored.contains(r)).count();
            let extra = mirrored.iter().filter(|r| !own.contains(r)).count();
            return Err(alloc::format!(
                "{name}'s mirror is at the peer's position {:?} but differs: {missing} \
                 missing, {extra} extra of {}",
                o.sync_position(),
                own.len()
            ));
        }
    }
    Ok(())
}

/// The invariant "exactly one primary while both peers are up and connected".
fn one_primary(net: &Network, peers: [NodeId; 2]) -> Result<(), String> {
    if peers.iter().any(|p| net.is_crashed(*p)) {
        return Ok(());
    }
    let views: Vec<PeerView> = peers
        .iter()
        .filter_map(|p| net.node::<MlagPeer>(*p).map(MlagPeer::view))
        .collect();
    if views.len() != 2 || views.iter().any(|v| v.status != iccp::Status::Connected) {
        return Ok(());
    }
    let primaries = views
        .iter()
        .filter(|v| v.role == Some(iccp::Role::Primary))
        .count();
    // Never two; exactly one once both sides' election data is acknowledged (a priority
    // change may leave the pair without a primary for one round trip, by design: the side that
    // loses primary steps down at once, the side that gains it waits for the acknowledgement).
    let settled = views.iter().all(|v| v.election_settled);
    if primaries == 1 || (primaries == 0 && !settled) {
        Ok(())
    } else {
        Err(alloc::format!("{primaries} primaries while connected"))
    }
}
