//! The driver: [`Bridge`], its sans-IO inputs and outputs, Port Role Selection (802.1D-2004
//! §17.28) and the Port Timers machine (§17.22) as a time-ordered set of deadlines.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use crate::config::PORT_NUMBER_MAX;
use crate::config::{BridgeConfig, ConfigError, LinkState, PathCost, PortConfig, auto_path_cost};
use crate::event::CIST;
use crate::event::{Event, Guard, PortCounters, PortState, Role, RxError, Stats, Transmit, TreeId};
use crate::machines::{Ctx, Out, TxBpdu};
use crate::msti::{Msti, MstiInfo, MstiPort, MstiPriorityVector, MstiStatus};
use crate::port::{
    BdmState, InfoIs, PimState, Port, PpmState, PrtState, PrxState, PstState, PtxState, RxBpdu,
    RxKind, StdTimer, TcmState,
};
use crate::vector::{PriorityVector, RegionalVector, Times, cist_message};
use crate::wire::{Bpdu, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, PortId, RstBpdu};
use l2_types::{Instant, MacAddr, PortNo};

/// Most ports a bridge has (the 12-bit port number space).
pub const PORTS_MAX: usize = PORT_NUMBER_MAX as usize;

/// The states of one port's machines, for show commands and tests.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MachineStates {
    /// Port Receive.
    pub prx: PrxState,
    /// Port Protocol Migration.
    pub ppm: PpmState,
    /// Bridge Detection.
    pub bdm: BdmState,
    /// Port Transmit.
    pub ptx: PtxState,
    /// Port Information.
    pub pim: PimState,
    /// Port Role Transitions.
    pub prt: PrtState,
    /// Port State Transition.
    pub pst: PstState,
    /// Topology Change.
    pub tcm: TcmState,
}

/// What a show command prints for a port on the CIST.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PortStatus {
    /// The port.
    pub port: PortNo,
    /// Its Port Identifier.
    pub port_id: PortId,
    /// portEnabled.
    pub enabled: bool,
    /// Role.
    pub role: Role,
    /// Forwarding state.
    pub state: PortState,
    /// Path cost in use.
    pub path_cost: u32,
    /// operEdge.
    pub oper_edge: bool,
    /// operPointToPointMAC.
    pub oper_p2p: bool,
    /// sendRSTP (false: the port talks 802.1D STP to a legacy neighbour).
    pub send_rstp: bool,
    /// infoIs.
    pub info_is: InfoIs,
    /// The port priority vector.
    pub port_priority: PriorityVector,
    /// The designated priority vector.
    pub designated_priority: PriorityVector,
    /// A topology change is being signalled (tcWhile running).
    pub topology_change: bool,
    /// Guards holding the port.
    pub inconsistent: Option<Guard>,
    /// Machine states.
    pub machines: MachineStates,
    /// Counters.
    pub counters: PortCounters,
}

/// What a show command prints for a tree.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TreeStatus {
    /// The tree.
    pub tree: TreeId,
    /// This bridge's identifier on the tree.
    pub bridge_id: BridgeId,
    /// The root priority vector.
    pub root_priority: PriorityVector,
    /// The root port, if this bridge is not the root.
    pub root_port: Option<PortNo>,
    /// rootTimes.
    pub root_times: Times,
    /// True when this bridge is the root.
    pub is_root: bool,
    /// Some port signals a topology change.
    pub topology_change: bool,
}

/// An RSTP bridge (802.1D-2004 clause 17; the CIST of 802.1Q-2022 clause 13) with 802.1D STP
/// compatibility, driven sans-IO. See the [crate docs](crate) for the run loop.
#[derive(Clone, Debug)]
pub struct Bridge {
    cfg: BridgeConfig,
    bridge_id: BridgeId,
    bridge_times: Times,
    root_priority: PriorityVector,
    root_port_id: PortId,
    root_times: Times,
    /// The regional components of rootPriority (802.1Q-2022 §13.27.52).
    root_region: RegionalVector,
    /// remainingHops of rootTimes (802.1Q-2022 §13.27.53).
    root_hops: u8,
    ports: Vec<Port>,
    index: BTreeMap<u16, usize>,
    timers: BTreeSet<(Instant, u16)>,
    out: Out,
    mcid: crate::wire::MstConfigId,
    vid_to_mstid: crate::wire::VidToMstid,
    /// The MSTIs of the VLAN→MSTI map, by ascending MSTID.
    mstis: Vec<Msti>,
    /// The earliest MSTI timer.
    msti_next: Option<Instant>,
    sync_cache: Option<SyncCache>,
    dirty: Vec<bool>,
    worklist: VecDeque<usize>,
    /// Scratch list of the ports `run` stepped, kept to avoid an allocation per input.
    touched: Vec<usize>,
    last_root: Option<(BridgeId, Option<PortNo>, u32)>,
}

impl Bridge {
    /// A bridge with no ports.
    ///
    /// # Errors
    /// The configuration is invalid.
    pub fn new(cfg: BridgeConfig) -> Result<Self, ConfigError> {
        cfg.validate()?;
        Ok(Self::build(cfg))
    }

    /// [`new`](Self::new) for a configuration known to be valid.
    pub(crate) fn build(cfg: BridgeConfig) -> Self {
        let mut b = Self {
            cfg,
            bridge_id: BridgeId::new(cfg.priority, 0, cfg.address),
            bridge_times: Times::default(),
            root_priority: PriorityVector {
                root: BridgeId::new(cfg.priority, 0, cfg.address),
                root_path_cost: 0,
                designated_bridge: BridgeId::new(cfg.priority, 0, cfg.address),
                designated_port: PortId(0),
                bridge_port: PortId(0),
            },
            root_port_id: PortId(0),
            root_times: Times::default(),
            root_region: RegionalVector {
                regional_root: BridgeId::new(cfg.priority, 0, cfg.address),
                internal_root_path_cost: 0,
            },
            root_hops: cfg.max_hops,
            ports: Vec::new(),
            index: BTreeMap::new(),
            timers: BTreeSet::new(),
            out: Out::default(),
            mcid: crate::wire::MstConfigId::new("", 0, &crate::wire::VidToMstid::all_cist()),
            vid_to_mstid: crate::wire::VidToMstid::all_cist(),
            mstis: Vec::new(),
            msti_next: None,
            sync_cache: None,
            dirty: Vec::new(),
            worklist: VecDeque::new(),
            touched: Vec::new(),
            last_root: None,
        };
        b.apply_bridge_config();
        b.root_priority = b.bridge_priority();
        b.root_times = b.bridge_times;
        b
    }

    fn apply_bridge_config(&mut self) {
        self.bridge_id = BridgeId::new(self.cfg.priority, 0, self.cfg.address);
        self.bridge_times = Times {
            message_age: BpduTime(0),
            max_age: BpduTime::from_secs(self.cfg.max_age),
            forward_delay: BpduTime::from_secs(self.cfg.forward_delay),
            hello_time: BpduTime::from_secs(self.cfg.hello_time),
        };
    }

    /// BridgePriority (802.1D-2004 §17.18.3): {B : 0 : B : 0 : 0}.
    fn bridge_priority(&self) -> PriorityVector {
        PriorityVector {
            root: self.bridge_id,
            root_path_cost: 0,
            designated_bridge: self.bridge_id,
            designated_port: PortId(0),
            bridge_port: PortId(0),
        }
    }

    fn ctx(&mut self, i: usize) -> Ctx {
        let needs = self
            .ports
            .get(i)
            .is_some_and(|p| matches!(p.role, Role::Root | Role::Alternate | Role::Backup));
        let (all_synced, re_rooted) = if needs {
            let c = match self.sync_cache {
                Some(c) => c,
                None => {
                    let c = self.compute_sync_cache();
                    self.sync_cache = Some(c);
                    c
                }
            };
            // reRooted (802.1D-2004 §17.20.10): rrWhile is zero on every other port.
            (
                c.all_synced,
                c.rr_running == 0 || (c.rr_running == 1 && c.rr_port == i),
            )
        } else {
            (false, false)
        };
        Ctx {
            force_version: self.cfg.force_version,
            tx_hold_count: self.cfg.tx_hold_count,
            root_times: self.root_times,
            all_synced,
            re_rooted,
        }
    }

    /// allSynced (802.1D-2004 §17.20.3) and the ports whose rrWhile runs, computed once and
    /// kept until a variable they read changes (a port's signature, Port Role Selection, a new
    /// input time), so a received BPDU does not scan every port.
    fn compute_sync_cache(&self) -> SyncCache {
        let now = self.now_hint();
        let mut c = SyncCache {
            all_synced: true,
            rr_running: 0,
            rr_port: 0,
        };
        for (j, p) in self.ports.iter().enumerate() {
            if !(p.selected && p.role == p.selected_role && (p.synced || p.role == Role::Root)) {
                c.all_synced = false;
            }
            if !p.rr_while.zero(now) {
                c.rr_running += 1;
                c.rr_port = j;
            }
        }
        c
    }

    fn now_hint(&self) -> Instant {
        self.out.now
    }

    // ------------------------------------------------------------------ configuration

    /// The bridge configuration.
    pub fn config(&self) -> &BridgeConfig {
        &self.cfg
    }

    /// This bridge's identifier.
    pub fn bridge_id(&self) -> BridgeId {
        self.bridge_id
    }

    /// Changes the bridge parameters. A new priority, address or timers make every port
    /// reselect (802.1Q-2022 §13.26); a new Force Protocol Version restarts the machines
    /// (BEGIN), as the migration state depends on it.
    ///
    /// # Errors
    /// The configuration is invalid; nothing changed.
    pub fn set_bridge_config(
        &mut self,
        now: Instant,
        cfg: BridgeConfig,
    ) -> Result<(), ConfigError> {
        cfg.validate()?;
        let begin = cfg.force_version != self.cfg.force_version;
        let costs = cfg.path_cost_method != self.cfg.path_cost_method;
        self.cfg = cfg;
        self.apply_bridge_config();
        self.out.now = now;
        for i in 0..self.ports.len() {
            if costs {
                self.update_path_cost(i);
            }
            if let Some(p) = self.ports.get_mut(i) {
                p.reselect = true;
                p.selected = false;
            }
        }
        self.out.reselect = true;
        if begin {
            self.begin_all(now);
        }
        self.mark_all();
        self.run(now);
        Ok(())
    }

    fn begin_all(&mut self, now: Instant) {
        self.sync_cache = None;
        self.prs_init_bridge();
        for i in 0..self.ports.len() {
            let ctx = self.ctx(i);
            if let Some(p) = self.ports.get_mut(i) {
                p.begin(now, &ctx, &mut self.out);
            }
        }
    }

    /// Sets the MST region configuration: name (at most 32 octets), revision level and the
    /// VLAN→MSTI map, from which the MST Configuration Identifier and its digest are computed
    /// (802.1Q-2022 §13.8). The default is the empty name, revision 0, every VLAN on the CIST.
    ///
    /// With Force Protocol Version MSTP the identifier decides which neighbours are in this
    /// bridge's region (802.1Q-2022 §13.29.13 fromSameRegion): the CIST then runs with region
    /// semantics (regional root, internal root path cost, remaining hops). The MSTIs of the map
    /// are not run yet: their VLANs follow the CIST. Every port sends new information at its
    /// next transmit opportunity, so neighbours see the new identifier; a neighbour's region
    /// membership is re-evaluated with the next BPDU it sends.
    ///
    /// # Errors
    /// A name over 32 octets or more than 64 MSTIs; nothing changed.
    pub fn set_mst_region(
        &mut self,
        name: &str,
        revision: u16,
        table: &crate::wire::VidToMstid,
    ) -> Result<(), ConfigError> {
        if name.len() > 32 {
            return Err(ConfigError::RegionName(name.len()));
        }
        let n = table.mstids().len();
        if n > crate::wire::bpdu::MSTIS_MAX {
            return Err(ConfigError::TooManyMstis(n));
        }
        self.mcid = crate::wire::MstConfigId::new(name, revision, table);
        self.vid_to_mstid = table.clone();
        let old = core::mem::take(&mut self.mstis);
        self.mstis = table
            .mstids()
            .into_iter()
            .map(|id| {
                let mut m = Msti::new(id);
                if let Some(o) = old.iter().find(|o| o.mstid == id) {
                    m.priority = o.priority;
                    for (no, op) in &o.ports {
                        m.ports.insert(
                            *no,
                            MstiPort {
                                priority: op.priority,
                                path_cost: op.path_cost,
                                ..MstiPort::default()
                            },
                        );
                    }
                }
                m
            })
            .collect();
        for p in &mut self.ports {
            p.new_info = true;
        }
        Ok(())
    }

    /// The MSTID a VLAN is allocated to by the map of [`set_mst_region`](Self::set_mst_region)
    /// (0 = the CIST, also for VIDs outside 1–4094).
    pub fn mstid_of_vid(&self, vid: u16) -> u16 {
        self.vid_to_mstid.get(vid)
    }

    /// The MST Configuration Identifier of [`set_mst_region`](Self::set_mst_region).
    pub fn mst_config_id(&self) -> &crate::wire::MstConfigId {
        &self.mcid
    }

    /// Adds a port (number 1–4095), link down until [`handle_link`](Self::handle_link).
    ///
    /// # Errors
    /// A bad number or configuration, or the port exists.
    pub fn add_port(
        &mut self,
        now: Instant,
        port: PortNo,
        cfg: PortConfig,
    ) -> Result<(), ConfigError> {
        cfg.validate()?;
        if port.get() == 0 || port.get() > PORT_NUMBER_MAX {
            return Err(ConfigError::PortNumber(port.get()));
        }
        if self.index.contains_key(&port.get()) {
            return Err(ConfigError::PortExists(port.get()));
        }
        let cost = self.path_cost_of(&cfg, LinkState::Down);
        let mut p = Port::new(port, cfg, cost);
        p.designated_times = self.root_times;
        p.designated_priority = PriorityVector {
            designated_port: p.port_id,
            bridge_port: p.port_id,
            designated_bridge: self.bridge_id,
            ..self.root_priority
        };
        p.port_priority = p.designated_priority;
        p.designated_region = self.root_region;
        p.port_region = self.root_region;
        p.designated_hops = self.root_hops;
        p.port_hops = self.root_hops;
        self.out.now = now;
        self.ports.push(p);
        self.dirty.push(false);
        self.reindex();
        let i = self.ports.len() - 1;
        self.sync_cache = None;
        let ctx = self.ctx(i);
        if let Some(p) = self.ports.get_mut(i) {
            p.begin(now, &ctx, &mut self.out);
        }
        self.mark_all();
        self.run(now);
        Ok(())
    }

    /// Removes a port. Its entries should be flushed by the host (a [`Event::FlushFdb`] is
    /// emitted if it had learnt).
    ///
    /// # Errors
    /// No such port.
    pub fn remove_port(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = *self
            .index
            .get(&port.get())
            .ok_or(ConfigError::NoSuchPort(port.get()))?;
        if let Some(p) = self.ports.get(i) {
            if p.learnt {
                self.out.event(Event::FlushFdb { port, tree: CIST });
            }
            if let Some(at) = p.scheduled {
                self.timers.remove(&(at, port.get()));
            }
        }
        self.ports.remove(i);
        // BPDUs queued for the port must not be sent after it is gone.
        self.out.tx.retain(|t| t.port != port);
        for m in &mut self.mstis {
            m.ports.remove(&port.get());
        }
        self.dirty = alloc::vec![false; self.ports.len()];
        self.worklist.clear();
        self.reindex();
        self.out.now = now;
        self.out.reselect = true;
        self.mark_all();
        self.run(now);
        Ok(())
    }

    fn reindex(&mut self) {
        self.index = self
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| (p.no.get(), i))
            .collect();
    }

    /// Changes a port's parameters.
    ///
    /// # Errors
    /// A bad configuration or no such port; nothing changed.
    pub fn set_port_config(
        &mut self,
        now: Instant,
        port: PortNo,
        cfg: PortConfig,
    ) -> Result<(), ConfigError> {
        cfg.validate()?;
        let i = *self
            .index
            .get(&port.get())
            .ok_or(ConfigError::NoSuchPort(port.get()))?;
        self.out.now = now;
        if let Some(p) = self.ports.get_mut(i) {
            let old = p.cfg;
            p.cfg = cfg;
            p.port_id = PortId::new(cfg.priority, port.get());
            p.port_enabled = p.compute_enabled();
            p.oper_p2p = p.compute_p2p();
            if old.admin_edge != cfg.admin_edge {
                // AdminEdge feeds the Bridge Detection machine (802.1D-2004 §17.25).
                p.bdm = if cfg.admin_edge {
                    BdmState::Edge
                } else {
                    BdmState::NotEdge
                };
                p.oper_edge = cfg.admin_edge;
                self.out.event(Event::EdgeChanged {
                    port,
                    oper_edge: cfg.admin_edge,
                });
            }
            p.reselect = true;
            p.selected = false;
        }
        self.update_path_cost(i);
        self.out.reselect = true;
        self.mark_all();
        self.run(now);
        Ok(())
    }

    /// mcheck (802.1D-2004 §17.19.13): make the port try RSTP again.
    ///
    /// # Errors
    /// No such port.
    pub fn mcheck(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = *self
            .index
            .get(&port.get())
            .ok_or(ConfigError::NoSuchPort(port.get()))?;
        if let Some(p) = self.ports.get_mut(i)
            && self.cfg.force_version >= crate::config::ForceVersion::Rstp
        {
            p.mcheck = true;
        }
        self.out.now = now;
        self.mark(i);
        self.run(now);
        Ok(())
    }

    /// Releases a port from BPDU guard (the operator's "errdisable recovery").
    ///
    /// # Errors
    /// No such port.
    pub fn clear_guard(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = *self
            .index
            .get(&port.get())
            .ok_or(ConfigError::NoSuchPort(port.get()))?;
        if let Some(p) = self.ports.get_mut(i)
            && p.bpdu_guarded
        {
            p.bpdu_guarded = false;
            p.port_enabled = p.compute_enabled();
            self.out.event(Event::GuardCleared {
                port,
                guard: Guard::Bpdu,
            });
        }
        self.out.now = now;
        self.mark_all();
        self.run(now);
        Ok(())
    }

    fn path_cost_of(&self, cfg: &PortConfig, link: LinkState) -> u32 {
        match cfg.path_cost {
            PathCost::Fixed(c) => c,
            PathCost::Auto => {
                let speed = match link {
                    LinkState::Up { speed_mbps, .. } => speed_mbps,
                    LinkState::Down => 0,
                };
                auto_path_cost(self.cfg.path_cost_method, speed)
            }
        }
    }

    fn update_path_cost(&mut self, i: usize) {
        let Some(p) = self.ports.get(i) else {
            return;
        };
        let cost = self.path_cost_of(&p.cfg, p.link);
        if let Some(p) = self.ports.get_mut(i)
            && p.port_path_cost != cost
        {
            // A path cost change makes the bridge reselect (802.1Q-2022 §13.27.47).
            p.port_path_cost = cost;
            p.reselect = true;
            p.selected = false;
            self.out.reselect = true;
        }
    }

    // ------------------------------------------------------------------ inputs

    /// The link of `port` went up or down or changed speed/duplex. Unknown ports are ignored.
    pub fn handle_link(&mut self, now: Instant, port: PortNo, link: LinkState) {
        let Some(&i) = self.index.get(&port.get()) else {
            return;
        };
        self.out.now = now;
        if let Some(p) = self.ports.get_mut(i) {
            p.link = link;
            p.port_enabled = p.compute_enabled();
            p.oper_p2p = p.compute_p2p();
        }
        self.update_path_cost(i);
        self.mark_all();
        self.run(now);
    }

    /// A whole Ethernet frame arrived on `port`.
    ///
    /// # Errors
    /// A typed [`RxError`] for every frame that is not processed; each is counted and none
    /// changes protocol state.
    pub fn handle_frame(
        &mut self,
        now: Instant,
        port: PortNo,
        frame: &[u8],
    ) -> Result<(), RxError> {
        self.out.stats.frames_rx = self.out.stats.frames_rx.saturating_add(1);
        let r = self.receive(now, port, frame);
        if r.is_err() {
            self.out.stats.rx_errors = self.out.stats.rx_errors.saturating_add(1);
            if let Some(p) = self
                .index
                .get(&port.get())
                .and_then(|&i| self.ports.get_mut(i))
            {
                p.counters.rx_errors = p.counters.rx_errors.saturating_add(1);
            }
        }
        r
    }

    fn receive(&mut self, now: Instant, port: PortNo, frame: &[u8]) -> Result<(), RxError> {
        let &i = self.index.get(&port.get()).ok_or(RxError::UnknownPort)?;
        let f = BpduFrame::parse(frame).map_err(RxError::Malformed)?;
        let body = match f.kind {
            FrameKind::Bpdu(b) => b,
            FrameKind::Pvst(_) => return Err(RxError::Pvst),
            FrameKind::Other => return Err(RxError::NotBpdu),
        };
        if f.dst != MacAddr::BRIDGE_GROUP {
            return Err(RxError::BadDestination);
        }
        let bpdu = Bpdu::parse(body).map_err(RxError::Malformed)?;
        let msti_msgs: Vec<crate::wire::MstiConfigMessage> = match &bpdu {
            Bpdu::Mst(m) => m.mstis.iter().collect(),
            _ => Vec::new(),
        };
        let own = self.bridge_id;
        let mstp = self.cfg.force_version >= crate::config::ForceVersion::Mstp;
        let max_hops = self.cfg.max_hops;
        let mcid = self.mcid;
        let Some(p) = self.ports.get_mut(i) else {
            return Err(RxError::UnknownPort);
        };
        if p.cfg.bpdu_filter {
            return Err(RxError::Filtered);
        }
        if !p.port_enabled {
            return Err(RxError::PortDisabled);
        }
        let rx = match bpdu {
            Bpdu::Config { bpdu, .. } => {
                // 802.1D-2004 §9.3.4: Message Age < Max Age and not our own BPDU.
                if !bpdu.is_acceptable(own, p.port_id) {
                    return Err(RxError::NotAcceptable);
                }
                p.counters.rx_config = p.counters.rx_config.saturating_add(1);
                RxBpdu::plain(RxKind::Config, bpdu, max_hops)
            }
            Bpdu::Tcn { .. } => {
                p.counters.rx_tcn = p.counters.rx_tcn.saturating_add(1);
                RxBpdu::plain(RxKind::Tcn, empty_body(), max_hops)
            }
            Bpdu::Rst(RstBpdu { bpdu, .. }) => {
                // The §9.3.4 checks apply to RST BPDUs too: information whose Message Age has
                // reached Max Age is inconsistent and would only age out at once.
                if !bpdu.is_acceptable(own, p.port_id) {
                    return Err(RxError::NotAcceptable);
                }
                p.counters.rx_rst = p.counters.rx_rst.saturating_add(1);
                RxBpdu::plain(RxKind::Rst, bpdu, max_hops)
            }
            // An RSTP bridge processes an MST BPDU as an RST BPDU (802.1Q-2022 §13.4; the
            // CIST Regional Root sits in the Bridge Identifier field).
            Bpdu::Mst(m) if !mstp => {
                if !m.cist.is_acceptable(own, p.port_id) {
                    return Err(RxError::NotAcceptable);
                }
                p.counters.rx_mst = p.counters.rx_mst.saturating_add(1);
                RxBpdu::plain(RxKind::Rst, m.cist, max_hops)
            }
            // An MST bridge reads the whole CIST priority vector (802.1Q-2022 §13.10): the
            // designated bridge is the CIST Bridge Identifier, the Bridge Identifier field holds
            // the CIST Regional Root. rcvdInternal is fromSameRegion() (802.1Q-2022 §13.29.13):
            // an MST BPDU whose MST Configuration Identifier equals ours.
            Bpdu::Mst(m) => {
                // The loop-back check of §9.3.4 looks at the CIST designated bridge.
                let looped = m.cist_bridge_id == own && m.cist.port_id == p.port_id;
                if looped || m.cist.message_age >= m.cist.max_age {
                    return Err(RxError::NotAcceptable);
                }
                p.counters.rx_mst = p.counters.rx_mst.saturating_add(1);
                RxBpdu {
                    kind: RxKind::Rst,
                    body: m.cist,
                    designated_bridge: m.cist_bridge_id,
                    region: crate::vector::RegionalVector {
                        regional_root: m.cist.bridge_id,
                        internal_root_path_cost: m.cist_internal_root_path_cost,
                    },
                    hops: m.cist_remaining_hops,
                    internal: m.mcid == mcid,
                }
            }
        };
        self.out.stats.bpdus_rx = self.out.stats.bpdus_rx.saturating_add(1);
        self.out.now = now;
        if p.cfg.bpdu_guard {
            // BPDU guard: any BPDU disables the port until clear_guard.
            p.bpdu_guarded = true;
            p.port_enabled = false;
            p.counters.guard_trips = p.counters.guard_trips.saturating_add(1);
            self.out.stats.guard_trips = self.out.stats.guard_trips.saturating_add(1);
            self.out.event(Event::GuardTripped {
                port,
                guard: Guard::Bpdu,
                received: None,
            });
            self.mark_all();
            self.run(now);
            return Ok(());
        }
        p.heard_bpdu(now, &mut self.out);
        p.rx = Some(rx);
        p.rcvd_bpdu = true;
        if rx.internal {
            self.msti_receive(now, i, &msti_msgs, &rx);
        }
        self.mark(i);
        self.run(now);
        Ok(())
    }

    /// Timers that expired by `now` fire. Spurious and early calls are cheap no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.out.now = now;
        let root = self.root_index();
        while let Some(&(at, no)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.pop_first();
            let Some(&i) = self.index.get(&no) else {
                continue;
            };
            let mut rr_expired = false;
            if let Some(p) = self.ports.get_mut(i) {
                p.scheduled = None;
                p.tick_tx_count(now);
                rr_expired = p.rr_while.expired(now);
            }
            self.mark(i);
            // reRooted of the root port reads every port's rrWhile.
            if rr_expired && let Some(r) = root {
                self.mark(r);
            }
        }
        self.run(now);
    }

    fn root_index(&self) -> Option<usize> {
        if self.root_port_id.0 == 0 {
            return None;
        }
        self.index.get(&self.root_port_id.number()).copied()
    }

    // ------------------------------------------------------------------ the machines

    fn mark(&mut self, i: usize) {
        if let Some(d) = self.dirty.get_mut(i)
            && !*d
        {
            *d = true;
            self.worklist.push_back(i);
        }
    }

    fn mark_all(&mut self) {
        for i in 0..self.ports.len() {
            self.mark(i);
        }
    }

    /// Runs Port Role Selection and the port machines until nothing changes.
    fn run(&mut self, now: Instant) {
        self.out.now = now;
        self.sync_cache = None;
        let bound = 64 * (self.ports.len() + 4) * 8;
        let mut steps = 0usize;
        let mut touched = core::mem::take(&mut self.touched);
        touched.clear();
        let mut msti_rounds = 0u8;
        loop {
            if self.out.reselect {
                // 802.1D-2004 §17.28 ROLE_SELECTION: clearReselectTree(); updtRolesTree();
                // setSelectedTree().
                self.out.reselect = false;
                for p in &mut self.ports {
                    p.reselect = false;
                }
                self.updt_roles_tree();
                for p in &mut self.ports {
                    p.selected = true;
                }
                self.sync_cache = None;
                self.mark_all();
            }
            let Some(i) = self.worklist.pop_front() else {
                // The MSTIs read the CIST (boundary roles and states) and may ask ports to
                // send new MSTI information; a bounded number of rounds.
                if msti_rounds < 4 && self.update_mstis(now) {
                    msti_rounds += 1;
                    continue;
                }
                break;
            };
            if let Some(d) = self.dirty.get_mut(i) {
                *d = false;
            }
            touched.push(i);
            steps += 1;
            if steps > bound {
                self.out.stats.step_bound_hits = self.out.stats.step_bound_hits.saturating_add(1);
                self.worklist.clear();
                for d in &mut self.dirty {
                    *d = false;
                }
                break;
            }
            let ctx = self.ctx(i);
            let Some(p) = self.ports.get_mut(i) else {
                continue;
            };
            let before = signature(p, now);
            let mut changed = false;
            for _ in 0..64 {
                self.out.stats.port_steps = self.out.stats.port_steps.saturating_add(1);
                if !p.step(now, &ctx, &mut self.out) {
                    break;
                }
                changed = true;
                if p.reselect || self.out.set_sync_tree || self.out.set_reroot_tree {
                    break;
                }
                if !self.out.set_tc_prop_from.is_empty() {
                    break;
                }
                if matches!(p.role, Role::Root | Role::Alternate | Role::Backup) {
                    // allSynced / reRooted may have changed with this port's variables.
                    break;
                }
            }
            let after = signature(p, now);
            if changed {
                self.mark(i);
            }
            let mut broadcast = before != after;
            if self.out.set_sync_tree {
                // §17.21.14 setSyncTree: sync = TRUE for all ports.
                self.out.set_sync_tree = false;
                for q in &mut self.ports {
                    q.sync = true;
                }
                broadcast = true;
            }
            if self.out.set_reroot_tree {
                // §17.21.15 setReRootTree: reRoot = TRUE for all ports.
                self.out.set_reroot_tree = false;
                for q in &mut self.ports {
                    q.re_root = true;
                }
                broadcast = true;
            }
            if !self.out.set_tc_prop_from.is_empty() {
                // §17.21.18 setTcPropTree: tcProp = TRUE for all ports but the caller.
                let from = core::mem::take(&mut self.out.set_tc_prop_from);
                for q in &mut self.ports {
                    if from.iter().any(|f| *f != q.no) {
                        q.tc_prop = true;
                    }
                }
                broadcast = true;
            }
            if broadcast {
                self.sync_cache = None;
                self.mark_all();
            }
        }
        self.report_root();
        touched.sort_unstable();
        touched.dedup();
        for &i in &touched {
            self.reschedule(i, now);
        }
        self.touched = touched;
    }

    fn reschedule(&mut self, i: usize, now: Instant) {
        let Some(p) = self.ports.get_mut(i) else {
            return;
        };
        let next = p.next_deadline(now);
        if next != p.scheduled {
            if let Some(at) = p.scheduled {
                self.timers.remove(&(at, p.no.get()));
            }
            if let Some(at) = next {
                self.timers.insert((at, p.no.get()));
            }
            p.scheduled = next;
        }
    }

    /// INIT_BRIDGE (802.1D-2004 §17.28): updtRoleDisabledTree().
    fn prs_init_bridge(&mut self) {
        for p in &mut self.ports {
            p.selected_role = Role::Disabled;
        }
    }

    /// updtRolesTree() (802.1D-2004 §17.21.25), with root guard as restrictedRole
    /// (802.1Q-2022 §13.27.64) and loop guard / bridge assurance holding ports as Alternate.
    ///
    /// For an MST bridge the vectors are CIST priority vectors (802.1Q-2022 §13.10, §13.29.33
    /// updtRolesTree): a port with information from inside the region adds its path cost to the
    /// Internal Root Path Cost and keeps the Regional Root; a boundary port adds it to the
    /// External Root Path Cost and makes this bridge the Regional Root.
    fn updt_roles_tree(&mut self) {
        let own = self.bridge_id;
        let mut best = self.bridge_priority();
        let mut best_region = RegionalVector {
            regional_root: own,
            internal_root_path_cost: 0,
        };
        let mut root: Option<usize> = None;
        let mut guard_events: Vec<(PortNo, bool, PriorityVector)> = Vec::new();
        for (i, p) in self.ports.iter().enumerate() {
            if p.info_is != InfoIs::Received
                || p.port_priority.designated_bridge.address() == own.address()
                || p.held_inconsistent()
            {
                continue;
            }
            if p.cfg.root_guard {
                continue;
            }
            let (v, r) = root_path(p, own);
            if (cist_message(&v, &r), v.bridge_port)
                < (cist_message(&best, &best_region), best.bridge_port)
            {
                best = v;
                best_region = r;
                root = Some(i);
            }
        }
        // Root guard: a restricted port whose information would have won.
        for p in &mut self.ports {
            let would = p.cfg.root_guard
                && p.info_is == InfoIs::Received
                && p.port_priority.designated_bridge.address() != own.address()
                && {
                    let (v, r) = root_path(p, own);
                    (cist_message(&v, &r), v.bridge_port)
                        < (cist_message(&best, &best_region), best.bridge_port)
                };
            if would != p.root_inconsistent {
                p.root_inconsistent = would;
                if would {
                    p.counters.guard_trips = p.counters.guard_trips.saturating_add(1);
                }
                guard_events.push((p.no, would, p.port_priority));
            }
        }
        for (port, tripped, v) in guard_events {
            if tripped {
                self.out.stats.guard_trips = self.out.stats.guard_trips.saturating_add(1);
                self.out.event(Event::GuardTripped {
                    port,
                    guard: Guard::Root,
                    received: Some(v),
                });
            } else {
                self.out.event(Event::GuardCleared {
                    port,
                    guard: Guard::Root,
                });
            }
        }
        self.root_priority = best;
        self.root_port_id = match root.and_then(|i| self.ports.get(i)) {
            Some(p) => p.port_id,
            None => PortId(0),
        };
        self.root_region = best_region;
        // 802.1Q-2022 §13.29.33: rootTimes from a port inside the region keep Message Age and
        // take remainingHops one less; from a boundary port Message Age grows by one second and
        // remainingHops restarts at MaxHops.
        let max_hops = self.cfg.max_hops;
        (self.root_times, self.root_hops) = match root.and_then(|i| self.ports.get(i)) {
            Some(p) if p.info_internal => (
                Times {
                    hello_time: self.bridge_times.hello_time,
                    ..p.port_times
                },
                p.port_hops.saturating_sub(1),
            ),
            Some(p) => (
                Times {
                    hello_time: self.bridge_times.hello_time,
                    ..p.port_times.aged()
                },
                max_hops,
            ),
            None => (self.bridge_times, max_hops),
        };
        let root_times = self.root_times;
        let root_hops = self.root_hops;
        for (i, p) in self.ports.iter_mut().enumerate() {
            p.designated_priority = PriorityVector {
                root: best.root,
                root_path_cost: best.root_path_cost,
                designated_bridge: own,
                designated_port: p.port_id,
                bridge_port: p.port_id,
            };
            p.designated_region = best_region;
            // designatedTimes: rootTimes, Hello Time from BridgeTimes (802.1Q-2022 §13.29.34).
            p.designated_times = root_times;
            p.designated_hops = root_hops;
            let (role, updt) = match p.info_is {
                InfoIs::Disabled => (Role::Disabled, false),
                _ if p.held_inconsistent() => (Role::Alternate, false),
                InfoIs::Aged => (Role::Designated, true),
                InfoIs::Mine => {
                    let differs = p.port_priority != p.designated_priority
                        || p.port_region != p.designated_region
                        || p.port_times != p.designated_times
                        || p.port_hops != p.designated_hops;
                    (Role::Designated, differs)
                }
                InfoIs::Received if root == Some(i) => (Role::Root, false),
                InfoIs::Received => {
                    if cist_message(&p.designated_priority, &p.designated_region)
                        >= cist_message(&p.port_priority, &p.port_region)
                    {
                        if p.port_priority.designated_bridge.address() != own.address() {
                            (Role::Alternate, false)
                        } else {
                            (Role::Backup, false)
                        }
                    } else {
                        (Role::Designated, true)
                    }
                }
            };
            p.selected_role = role;
            // updtInfo is set for Designated roles that must send new information and cleared
            // otherwise — also for a Disabled port, whose PIM never reaches UPDATE, so that a
            // stale updtInfo cannot hold its Role Transitions machine (which waits on
            // selected && !updtInfo) away from DISABLE_PORT.
            p.updt_info = updt;
        }
    }

    fn report_root(&mut self) {
        let port = self
            .root_index()
            .and_then(|i| self.ports.get(i))
            .map(|p| p.no);
        let now = (
            self.root_priority.root,
            port,
            self.root_priority.root_path_cost,
        );
        if self.last_root != Some(now) {
            self.last_root = Some(now);
            self.out.event(Event::RootChanged {
                tree: CIST,
                root: now.0,
                root_port: now.1,
                root_path_cost: now.2,
            });
        }
    }

    // ------------------------------------------------------------------ outputs

    /// Writes the next BPDU frame into `buf` (source = the port's MAC, destination the Bridge
    /// Group Address, LLC) and says on which port to send it. 64 octets always suffice for
    /// RSTP. A frame that does not fit is dropped and counted.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        let mut records = [0u8; crate::wire::bpdu::MSTIS_MAX * crate::wire::bpdu::MSTI_LEN];
        while let Some(t) = self.out.tx.pop_front() {
            let n = if matches!(t.bpdu, TxBpdu::Mst { .. }) {
                self.msti_messages(t.port, &mut records)
            } else {
                0
            };
            let mstis = records
                .get(..n)
                .and_then(|r| crate::wire::MstiMessages::new(r).ok())
                .unwrap_or(crate::wire::MstiMessages::EMPTY);
            let bpdu = match t.bpdu {
                TxBpdu::Config(b) => Bpdu::Config {
                    version: 0,
                    bpdu: b,
                },
                TxBpdu::Tcn => Bpdu::Tcn { version: 0 },
                TxBpdu::Rst(b) => Bpdu::Rst(RstBpdu {
                    version: 2,
                    bpdu: b,
                    version_1_length: 0,
                }),
                TxBpdu::Mst {
                    cist,
                    cist_internal_root_path_cost,
                    cist_bridge_id,
                    cist_remaining_hops,
                } => Bpdu::Mst(crate::wire::MstBpdu {
                    version: 3,
                    cist,
                    version_1_length: 0,
                    mcid: self.mcid,
                    cist_internal_root_path_cost,
                    cist_bridge_id,
                    cist_remaining_hops,
                    mstis,
                }),
            };
            match BpduFrame::emit(t.src, &bpdu, buf) {
                Ok(len) => {
                    self.out.stats.bpdus_tx = self.out.stats.bpdus_tx.saturating_add(1);
                    if let Some(p) = self
                        .index
                        .get(&t.port.get())
                        .and_then(|&i| self.ports.get_mut(i))
                    {
                        let c = &mut p.counters;
                        match t.bpdu {
                            TxBpdu::Config(_) => c.tx_config = c.tx_config.saturating_add(1),
                            TxBpdu::Tcn => c.tx_tcn = c.tx_tcn.saturating_add(1),
                            TxBpdu::Rst(_) => c.tx_rst = c.tx_rst.saturating_add(1),
                            TxBpdu::Mst { .. } => c.tx_mst = c.tx_mst.saturating_add(1),
                        }
                    }
                    return Some(Transmit { port: t.port, len });
                }
                Err(_) => {
                    self.out.stats.transmit_buffer_too_small =
                        self.out.stats.transmit_buffer_too_small.saturating_add(1);
                }
            }
        }
        None
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// The instant at which [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ports = self.timers.first().map(|(at, _)| *at);
        match (ports, self.msti_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ------------------------------------------------------------------ getters

    /// Bridge-wide counters.
    pub fn stats(&self) -> &Stats {
        &self.out.stats
    }

    /// The CIST as a show command prints it.
    pub fn tree(&self) -> TreeStatus {
        let now = self.out.now;
        TreeStatus {
            tree: CIST,
            bridge_id: self.bridge_id,
            root_priority: self.root_priority,
            root_port: self
                .root_index()
                .and_then(|i| self.ports.get(i))
                .map(|p| p.no),
            root_times: self.root_times,
            is_root: self.root_priority.root == self.bridge_id,
            topology_change: self.ports.iter().any(|p| !p.tc_while.zero(now)),
        }
    }

    /// The CIST Regional Root and CIST Internal Root Path Cost of this bridge's root priority
    /// vector (802.1Q-2022 §13.10). Outside MSTP, and on the bridge that is the region's CIST
    /// Regional Root, the regional root is this bridge and the cost 0.
    pub fn cist_regional_root(&self) -> RegionalVector {
        self.root_region
    }

    /// The remaining hops of the CIST root times (802.1Q-2022 §13.27.53): MaxHops on the
    /// Regional Root, one less per bridge inside the region.
    pub fn cist_remaining_hops(&self) -> u8 {
        self.root_hops
    }

    /// Whether `port` is at the boundary of this bridge's MST region (802.1Q-2022 §13.12): its
    /// last BPDU came from a bridge outside the region (another region, RSTP or STP), or it has
    /// heard none since it was enabled or its information aged. Always true unless Force Protocol Version is MSTP. `None` for an unknown port.
    pub fn is_boundary_port(&self, port: PortNo) -> Option<bool> {
        let p = self.port_internal(port)?;
        let internal = self.cfg.force_version >= crate::config::ForceVersion::Mstp
            && p.send_rstp
            && p.rcvd_internal;
        Some(!internal)
    }

    /// The CIST port priority vector's regional components on `port` (802.1Q-2022 §13.10).
    pub fn port_regional_vector(&self, port: PortNo) -> Option<RegionalVector> {
        Some(self.port_internal(port)?.port_region)
    }

    /// One port's status.
    pub fn port(&self, port: PortNo) -> Option<PortStatus> {
        let p = self.ports.get(*self.index.get(&port.get())?)?;
        Some(self.status(p))
    }

    /// Every port's status, in port order of addition.
    pub fn ports(&self) -> impl Iterator<Item = PortStatus> + '_ {
        self.ports.iter().map(|p| self.status(p))
    }

    fn status(&self, p: &Port) -> PortStatus {
        let state = if p.forwarding {
            PortState::Forwarding
        } else if p.learning {
            PortState::Learning
        } else {
            PortState::Discarding
        };
        let inconsistent = if p.bpdu_guarded {
            Some(Guard::Bpdu)
        } else if p.root_inconsistent {
            Some(Guard::Root)
        } else if p.loop_inconsistent {
            Some(Guard::Loop)
        } else if p.ba_inconsistent {
            Some(Guard::BridgeAssurance)
        } else {
            None
        };
        PortStatus {
            port: p.no,
            port_id: p.port_id,
            enabled: p.port_enabled,
            role: p.role,
            state,
            path_cost: p.port_path_cost,
            oper_edge: p.oper_edge,
            oper_p2p: p.oper_p2p,
            send_rstp: p.send_rstp,
            info_is: p.info_is,
            port_priority: p.port_priority,
            designated_priority: p.designated_priority,
            topology_change: !p.tc_while.zero(self.out.now),
            inconsistent,
            machines: MachineStates {
                prx: p.prx,
                ppm: p.ppm,
                bdm: p.bdm,
                ptx: p.ptx,
                pim: p.pim,
                prt: p.prt,
                pst: p.pst,
                tcm: p.tcm,
            },
            counters: p.counters,
        }
    }

    pub(crate) fn port_internal(&self, port: PortNo) -> Option<&Port> {
        self.ports.get(*self.index.get(&port.get())?)
    }

    pub(crate) fn now(&self) -> Instant {
        self.out.now
    }

    pub(crate) fn root_port_number(&self) -> Option<PortNo> {
        self.root_index()
            .and_then(|i| self.ports.get(i))
            .map(|p| p.no)
    }

    pub(crate) fn internal_ports(&self) -> &[Port] {
        &self.ports
    }

    /// A digest of the protocol state (root, and every port's number, role, state, port and
    /// designated priority vectors, infoIs and sendRSTP): two replicas of one logical bridge fed
    /// the same inputs have equal fingerprints, so an MLAG pair can compare them over ICCP to
    /// detect divergence cheaply. FNV-1a, stable across runs and platforms.
    pub fn fingerprint(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |x: u64| {
            for b in x.to_be_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        let vec = |eat: &mut dyn FnMut(u64), v: &PriorityVector| {
            eat(v.root.to_u64());
            eat(u64::from(v.root_path_cost));
            eat(v.designated_bridge.to_u64());
            eat(u64::from(v.designated_port.0) << 16 | u64::from(v.bridge_port.0));
        };
        vec(&mut eat, &self.root_priority);
        eat(self.root_region.regional_root.to_u64());
        eat(u64::from(self.root_region.internal_root_path_cost) << 8 | u64::from(self.root_hops));
        for p in &self.ports {
            eat(u64::from(p.no.get()));
            eat(p.role as u64);
            eat(u64::from(p.learning) | u64::from(p.forwarding) << 1 | u64::from(p.send_rstp) << 2);
            eat(p.info_is as u64);
            vec(&mut eat, &p.port_priority);
            vec(&mut eat, &p.designated_priority);
            eat(p.port_region.regional_root.to_u64());
            eat(u64::from(p.port_region.internal_root_path_cost) << 1 | u64::from(p.info_internal));
        }
        for m in &self.mstis {
            eat(u64::from(m.mstid) << 16 | u64::from(m.priority));
            if let Some(r) = m.root {
                eat(r.regional_root.to_u64());
                eat(u64::from(r.internal_root_path_cost));
            }
            for (no, mp) in &m.ports {
                eat(u64::from(*no) << 16 | (mp.role as u64) << 8 | mp.state as u64);
            }
        }
        h
    }

    /// Checks the invariants that must hold between inputs: at most one Root Port, a Root Port
    /// exactly when this bridge is not the root, forwarding only on Root/Designated (or
    /// Master) ports, disabled ports neither learning nor forwarding, queues within bounds.
    ///
    /// # Errors
    /// The first invariant that fails.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let roots = self.ports.iter().filter(|p| p.role == Role::Root).count();
        if roots > 1 {
            return Err("more than one root port");
        }
        let is_root = self.root_priority.root == self.bridge_id;
        if is_root && self.root_port_id.0 != 0 {
            return Err("root bridge has a root port");
        }
        if self.root_port_id.0 != 0 {
            let rp = self
                .index
                .get(&self.root_port_id.number())
                .and_then(|&i| self.ports.get(i))
                .ok_or("root port is not a port")?;
            if rp.selected_role != Role::Root {
                return Err("root port not selected as root");
            }
        }
        for p in &self.ports {
            if p.learning && !matches!(p.role, Role::Root | Role::Designated | Role::Master) {
                return Err("learning on a port that is neither root nor designated");
            }
            if p.role == Role::Root && p.port_id != self.root_port_id {
                return Err("a root port other than the selected one");
            }
            if p.forwarding && !matches!(p.role, Role::Root | Role::Designated | Role::Master) {
                return Err("forwarding on a port that is neither root nor designated");
            }
            if !p.port_enabled && (p.forwarding || p.learning) {
                return Err("disabled port learning or forwarding");
            }
            if p.forwarding && !p.learning {
                return Err("forwarding without learning");
            }
        }
        if self.out.tx.len() > crate::machines::TRANSMITS_MAX
            || self.out.events.len() > crate::machines::EVENTS_MAX
        {
            return Err("queue over its bound");
        }
        if self.index.len() != self.ports.len() {
            return Err("port index out of step");
        }
        Ok(())
    }
}

/// Cached allSynced / rrWhile summary.
#[derive(Clone, Copy, Debug)]
struct SyncCache {
    all_synced: bool,
    rr_running: usize,
    rr_port: usize,
}

/// The variables other ports' machines read (allSynced, reRooted, role selection).
fn signature(p: &Port, now: Instant) -> (Role, Role, bool, bool, bool, bool) {
    (
        p.role,
        p.selected_role,
        p.selected,
        p.synced,
        p.rr_while.zero(now),
        p.updt_info,
    )
}

/// The root path priority vector of a port with received information (802.1Q-2022 §13.10):
/// inside the region the port path cost adds to the Internal Root Path Cost; at a boundary it
/// adds to the External Root Path Cost and this bridge becomes the Regional Root.
pub(crate) fn root_path(p: &Port, own: BridgeId) -> (PriorityVector, RegionalVector) {
    if p.info_internal {
        (
            PriorityVector {
                bridge_port: p.port_id,
                ..p.port_priority
            },
            RegionalVector {
                internal_root_path_cost: p
                    .port_region
                    .internal_root_path_cost
                    .saturating_add(p.port_path_cost),
                ..p.port_region
            },
        )
    } else {
        (
            PriorityVector {
                root_path_cost: p
                    .port_priority
                    .root_path_cost
                    .saturating_add(p.port_path_cost),
                bridge_port: p.port_id,
                ..p.port_priority
            },
            RegionalVector {
                regional_root: own,
                internal_root_path_cost: 0,
            },
        )
    }
}

fn empty_body() -> ConfigBpdu {
    ConfigBpdu {
        flags: crate::wire::BpduFlags::empty(),
        root_id: BridgeId::from_parts(0, MacAddr::ZERO),
        root_path_cost: 0,
        bridge_id: BridgeId::from_parts(0, MacAddr::ZERO),
        port_id: PortId(0),
        message_age: BpduTime(0),
        max_age: BpduTime(0),
        hello_time: BpduTime(0),
        forward_delay: BpduTime(0),
    }
}

impl Bridge {
    /// This bridge's MSTI Bridge Identifier (802.1Q-2022 §13.26.2: MSTI priority, the MSTID as
    /// system ID extension, the bridge address).
    fn msti_bridge_id(&self, m: &Msti) -> BridgeId {
        BridgeId::new(m.priority, m.mstid, self.cfg.address)
    }

    /// A port is inside the region for the MSTIs when its neighbour sends MST BPDUs with our
    /// MST Configuration Identifier (rcvdInternal, 802.1Q-2022 §13.27.47).
    fn msti_internal(&self, p: &Port) -> bool {
        self.cfg.force_version >= crate::config::ForceVersion::Mstp
            && p.port_enabled
            && p.send_rstp
            && p.rcvd_internal
    }

    /// Records the MSTI configuration messages of an MST BPDU from inside the region
    /// (802.1Q-2022 §13.29.14 rcvInfo for MSTIs, §13.29.25 recordPriority): a message from a
    /// Designated (or Master) port is the port's MSTI information, kept for three Hello Times
    /// while its remaining hops last; a message from a Root, Alternate or Backup port means the
    /// neighbour takes us as designated, and clears it.
    fn msti_receive(
        &mut self,
        now: Instant,
        i: usize,
        msgs: &[crate::wire::MstiConfigMessage],
        rx: &RxBpdu,
    ) {
        let Some(p) = self.ports.get(i) else {
            return;
        };
        let no = p.no.get();
        let hello = crate::vector::dur(rx.body.hello_time).max(l2_types::Duration::from_secs(1));
        let until = now.saturating_add(hello.saturating_mul(3));
        let sender = rx.designated_bridge.address();
        let sender_port = rx.body.port_id.number();
        for msg in msgs {
            let mstid = msg.mstid();
            let Some(m) = self.mstis.iter_mut().find(|m| m.mstid == mstid) else {
                continue;
            };
            let mp = m.ports.entry(no).or_default();
            let designated = matches!(
                msg.flags.role(),
                crate::wire::PortRole::Designated | crate::wire::PortRole::MasterOrUnknown
            );
            // 802.1Q-2022 §13.29.34: information whose remaining hops run out is discarded.
            if !designated || msg.remaining_hops <= 1 {
                mp.info = None;
                continue;
            }
            mp.info = Some(MstiInfo {
                priority: MstiPriorityVector {
                    regional_root: msg.regional_root_id,
                    internal_root_path_cost: msg.internal_root_path_cost,
                    designated_bridge: BridgeId::new(
                        u16::from(msg.bridge_priority & 0xF0) << 8,
                        mstid,
                        sender,
                    ),
                    designated_port: PortId::new(msg.port_priority & 0xF0, sender_port),
                    bridge_port: PortId::new(mp.priority, no),
                },
                hops: msg.remaining_hops,
                until,
            });
        }
    }

    /// Port Role Selection and Port State Transition for every MSTI (802.1Q-2022 §13.29.33
    /// updtRolesTree for an MSTI, §13.36, §13.38). True when some port must send new MSTI
    /// information (its ports are then marked).
    fn update_mstis(&mut self, now: Instant) -> bool {
        if self.mstis.is_empty() {
            self.msti_next = None;
            return false;
        }
        let fwd = crate::vector::dur(self.root_times.forward_delay);
        let max_hops = self.cfg.max_hops;
        let mut mstis = core::mem::take(&mut self.mstis);
        let mut next: Option<Instant> = None;
        let mut notify = false;
        for m in &mut mstis {
            let own = self.msti_bridge_id(m);
            // rcvdInfoWhile expiry.
            for mp in m.ports.values_mut() {
                if mp.info.is_some_and(|x| x.until <= now) {
                    mp.info = None;
                }
            }
            // The best root path priority vector among internal ports (§13.11).
            let mut best = MstiPriorityVector {
                regional_root: own,
                internal_root_path_cost: 0,
                designated_bridge: own,
                designated_port: PortId(0),
                bridge_port: PortId(0),
            };
            let mut best_hops = max_hops;
            let mut root_port: Option<u16> = None;
            for p in &self.ports {
                if !self.msti_internal(p) || p.held_inconsistent() || p.cfg.root_guard {
                    continue;
                }
                let no = p.no.get();
                let Some(mp) = m.ports.get(&no) else {
                    continue;
                };
                let Some(info) = mp.info else {
                    continue;
                };
                if info.priority.designated_bridge.address() == own.address() {
                    continue;
                }
                let cost = mp.path_cost.unwrap_or(p.port_path_cost);
                let v = MstiPriorityVector {
                    internal_root_path_cost: info
                        .priority
                        .internal_root_path_cost
                        .saturating_add(cost),
                    bridge_port: PortId::new(mp.priority, no),
                    ..info.priority
                };
                if v < best {
                    best = v;
                    best_hops = info.hops.saturating_sub(1);
                    root_port = Some(no);
                }
            }
            if m.root != Some(best) || m.root_port != root_port {
                notify = true;
                self.out.event(Event::RootChanged {
                    tree: m.mstid,
                    root: best.regional_root,
                    root_port: root_port.map(PortNo),
                    root_path_cost: best.internal_root_path_cost,
                });
            }
            if m.root_hops != best_hops {
                notify = true;
            }
            m.root = Some(best);
            m.root_port = root_port;
            m.root_hops = best_hops;
            for p in &self.ports {
                let no = p.no.get();
                let internal = self.msti_internal(p);
                let mp = m.ports.entry(no).or_default();
                let port_id = PortId::new(mp.priority, no);
                let role = if !p.port_enabled {
                    Role::Disabled
                } else if !internal {
                    // §13.29.33: at a boundary port the MSTI role follows the CIST role; the
                    // CIST Root Port is the Master Port.
                    match p.selected_role {
                        Role::Root => Role::Master,
                        r => r,
                    }
                } else if root_port == Some(no) {
                    Role::Root
                } else if p.held_inconsistent() {
                    Role::Alternate
                } else {
                    let ours = (
                        best.regional_root,
                        best.internal_root_path_cost,
                        own,
                        port_id,
                    );
                    match mp.info {
                        Some(x) if x.priority.message() <= ours => {
                            if x.priority.designated_bridge.address() == own.address() {
                                Role::Backup
                            } else {
                                Role::Alternate
                            }
                        }
                        _ => Role::Designated,
                    }
                };
                if role != mp.role {
                    mp.role = role;
                    notify = true;
                    self.out.event(Event::PortRole {
                        port: p.no,
                        tree: m.mstid,
                        role,
                    });
                }
                // Port State Transition (§13.38). A boundary port forwards the MSTI's VLANs
                // exactly as it forwards the CIST's; inside the region a Root, Designated or
                // Master port passes Learning after Forward Delay, Forwarding after another.
                let state = if !internal {
                    mp.fd_until = None;
                    if p.forwarding && role != Role::Disabled {
                        PortState::Forwarding
                    } else if p.learning && role != Role::Disabled {
                        PortState::Learning
                    } else {
                        PortState::Discarding
                    }
                } else if matches!(role, Role::Root | Role::Designated | Role::Master) {
                    match (mp.state, mp.fd_until) {
                        (PortState::Forwarding, _) => PortState::Forwarding,
                        (s, None) => {
                            mp.fd_until = Some(now.saturating_add(fwd));
                            s
                        }
                        (s, Some(at)) if at > now => s,
                        (PortState::Discarding, Some(_)) => {
                            mp.fd_until = Some(now.saturating_add(fwd));
                            PortState::Learning
                        }
                        (_, Some(_)) => {
                            mp.fd_until = None;
                            PortState::Forwarding
                        }
                    }
                } else {
                    mp.fd_until = None;
                    PortState::Discarding
                };
                if state != mp.state {
                    mp.state = state;
                    self.out.event(Event::PortState {
                        port: p.no,
                        tree: m.mstid,
                        state,
                    });
                }
                for at in [mp.fd_until, mp.info.map(|x| x.until)]
                    .into_iter()
                    .flatten()
                {
                    next = Some(next.map_or(at, |n: Instant| n.min(at)));
                }
            }
        }
        for p in &mut self.ports {
            let no = p.no.get();
            p.msti_designated = mstis.iter().any(|m| {
                m.ports
                    .get(&no)
                    .is_some_and(|mp| matches!(mp.role, Role::Designated | Role::Master))
            });
        }
        self.mstis = mstis;
        self.msti_next = next;
        if notify {
            // 802.1Q-2022 §13.29.33: newInfoMsti on the ports whose MSTI information changed;
            // here every port sends its next MST BPDU at once (bounded by the hold count).
            for i in 0..self.ports.len() {
                if let Some(p) = self.ports.get_mut(i)
                    && p.port_enabled
                {
                    p.new_info = true;
                }
                self.mark(i);
            }
        }
        notify
    }

    /// The MSTI configuration messages for an MST BPDU on `port` (802.1Q-2022 §14.6.1), encoded
    /// into `buf`; the length used.
    fn msti_messages(&self, port: PortNo, buf: &mut [u8]) -> usize {
        let mut msgs: Vec<crate::wire::MstiConfigMessage> = Vec::new();
        for m in &self.mstis {
            let Some(root) = m.root else {
                continue;
            };
            let mp = m.ports.get(&port.get()).copied().unwrap_or_default();
            let mut flags = crate::wire::BpduFlags::empty().with_role(mp.role.wire());
            flags.set(
                crate::wire::BpduFlags::LEARNING,
                mp.state != PortState::Discarding,
            );
            flags.set(
                crate::wire::BpduFlags::FORWARDING,
                mp.state == PortState::Forwarding,
            );
            // Bit 7 of MSTI flags is the Master flag (§14.6.1).
            flags.set(
                crate::wire::BpduFlags::TOPOLOGY_CHANGE_ACK,
                mp.role == Role::Master,
            );
            msgs.push(crate::wire::MstiConfigMessage {
                flags,
                regional_root_id: root.regional_root,
                internal_root_path_cost: root.internal_root_path_cost,
                bridge_priority: u8::try_from(m.priority >> 8).unwrap_or(0xF0) & 0xF0,
                port_priority: mp.priority & 0xF0,
                remaining_hops: m.root_hops,
            });
        }
        crate::wire::MstiMessages::encode(&msgs, buf).unwrap_or(0)
    }

    /// Sets an MSTI's bridge priority (802.1Q-2022 §13.26.2; steps of 4096).
    ///
    /// # Errors
    /// A bad priority or an MSTID the region map does not use; nothing changed.
    pub fn set_msti_priority(
        &mut self,
        now: Instant,
        mstid: u16,
        priority: u16,
    ) -> Result<(), ConfigError> {
        if !priority.is_multiple_of(4096) || priority > 61440 {
            return Err(ConfigError::BridgePriority(priority));
        }
        let m = self
            .mstis
            .iter_mut()
            .find(|m| m.mstid == mstid)
            .ok_or(ConfigError::NoSuchMsti(mstid))?;
        m.priority = priority;
        self.out.now = now;
        self.mark_all();
        self.run(now);
        Ok(())
    }

    /// Sets a port's MSTI port priority (steps of 16) and internal path cost (`None`: the CIST
    /// port path cost) on one MSTI (802.1Q-2022 §13.27.46, §13.27.33).
    ///
    /// # Errors
    /// A bad value, no such port or MSTI; nothing changed.
    pub fn set_msti_port(
        &mut self,
        now: Instant,
        port: PortNo,
        mstid: u16,
        priority: u8,
        path_cost: Option<u32>,
    ) -> Result<(), ConfigError> {
        if !priority.is_multiple_of(16) || priority > 240 {
            return Err(ConfigError::PortPriority(priority));
        }
        if let Some(c) = path_cost
            && !(1..=crate::config::PATH_COST_MAX).contains(&c)
        {
            return Err(ConfigError::PathCost(c));
        }
        if !self.index.contains_key(&port.get()) {
            return Err(ConfigError::NoSuchPort(port.get()));
        }
        let m = self
            .mstis
            .iter_mut()
            .find(|m| m.mstid == mstid)
            .ok_or(ConfigError::NoSuchMsti(mstid))?;
        let mp = m.ports.entry(port.get()).or_default();
        mp.priority = priority;
        mp.path_cost = path_cost;
        mp.info = None;
        self.out.now = now;
        self.mark_all();
        self.run(now);
        Ok(())
    }

    /// An MSTI as a show command prints it; `None` for an MSTID the region map does not use.
    pub fn msti(&self, mstid: u16) -> Option<MstiStatus> {
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let own = self.msti_bridge_id(m);
        let root = m.root.unwrap_or(MstiPriorityVector {
            regional_root: own,
            internal_root_path_cost: 0,
            designated_bridge: own,
            designated_port: PortId(0),
            bridge_port: PortId(0),
        });
        Some(MstiStatus {
            mstid,
            bridge_id: own,
            root_priority: root,
            root_port: m.root_port.map(PortNo),
            is_root: root.regional_root == own,
            remaining_hops: m.root_hops,
        })
    }

    /// A port's role and forwarding state on an MSTI; `None` for an unknown port or MSTID.
    pub fn msti_port(&self, port: PortNo, mstid: u16) -> Option<(Role, PortState)> {
        self.index.get(&port.get())?;
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let mp = m.ports.get(&port.get()).copied().unwrap_or_default();
        Some((mp.role, mp.state))
    }

    /// The MSTIDs of the region map, ascending.
    pub fn mstids(&self) -> impl Iterator<Item = u16> + '_ {
        self.mstis.iter().map(|m| m.mstid)
    }
}

impl Bridge {
    /// [`Bridge::explain`] for an MSTI.
    pub(crate) fn explain_msti(
        &self,
        port: PortNo,
        mstid: u16,
    ) -> Option<crate::explain::Explanation> {
        use crate::explain::{Explanation, RoleReason, Wait};
        let p = self.port_internal(port)?;
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let mp = m.ports.get(&port.get()).copied().unwrap_or_default();
        let own = self.msti_bridge_id(m);
        let root = m.root.unwrap_or(MstiPriorityVector {
            regional_root: own,
            internal_root_path_cost: 0,
            designated_bridge: own,
            designated_port: PortId(0),
            bridge_port: PortId(0),
        });
        let pv = |v: &MstiPriorityVector| PriorityVector {
            root: v.regional_root,
            root_path_cost: v.internal_root_path_cost,
            designated_bridge: v.designated_bridge,
            designated_port: v.designated_port,
            bridge_port: v.bridge_port,
        };
        let port_id = PortId::new(mp.priority, port.get());
        let ours = PriorityVector {
            root: root.regional_root,
            root_path_cost: root.internal_root_path_cost,
            designated_bridge: own,
            designated_port: port_id,
            bridge_port: port_id,
        };
        let heard = mp.info.map(|x| pv(&x.priority));
        let reason = if p.bpdu_guarded {
            RoleReason::BpduGuard
        } else if !p.cfg.enabled {
            RoleReason::AdminDisabled
        } else if !p.port_enabled {
            RoleReason::LinkDown
        } else {
            match mp.role {
                Role::Root => RoleReason::RootPort {
                    root_path: pv(&root),
                    runner_up: None,
                },
                Role::Designated | Role::Master => RoleReason::Designated { ours, heard },
                Role::Alternate => match heard {
                    Some(h) => RoleReason::Alternate {
                        heard: h,
                        root_port: m.root_port.map(PortNo),
                        root: pv(&root),
                    },
                    // A boundary port whose CIST role is Alternate.
                    None => RoleReason::Alternate {
                        heard: p.port_priority,
                        root_port: self.root_port_number(),
                        root: self.root_priority,
                    },
                },
                Role::Backup => RoleReason::Backup {
                    heard: heard.unwrap_or(p.port_priority),
                },
                Role::Disabled => RoleReason::Selecting,
            }
        };
        let now = self.out.now;
        let waiting = match (mp.role, mp.state, mp.fd_until) {
            (Role::Root | Role::Designated | Role::Master, s, Some(at))
                if s != PortState::Forwarding =>
            {
                Some(Wait::ForwardDelay {
                    remaining: at.saturating_duration_since(now),
                    next: if s == PortState::Learning {
                        PortState::Forwarding
                    } else {
                        PortState::Learning
                    },
                })
            }
            _ => None,
        };
        Some(Explanation {
            port,
            tree: mstid,
            role: mp.role,
            selected_role: mp.role,
            state: mp.state,
            reason,
            waiting,
            legacy_stp: !p.send_rstp,
            oper_edge: p.oper_edge,
            oper_p2p: p.oper_p2p,
        })
    }
}
