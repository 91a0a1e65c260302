//! The driver: [`Bridge`], its sans-IO inputs and outputs, Port Role Selection (802.1D-2004
//! §17.28) and the Port Timers machine (§17.22) as a time-ordered set of deadlines.

use alloc::collections::{BinaryHeap, VecDeque};
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::config::PORT_NUMBER_MAX;
use crate::config::{BridgeConfig, ConfigError, LinkState, PathCost, PortConfig, auto_path_cost};
use crate::event::CIST;
use crate::event::{Event, Guard, PortCounters, PortState, Role, RxError, Stats, Transmit, TreeId};
use crate::machines::{Ctx, Out, TxBpdu};
use crate::msti::{
    Msti, MstiMsg, MstiPort, MstiPriorityVector, MstiStatus, PortView, TreeCtx, TreeOut,
};
use crate::port::{
    BdmState, InfoIs, PimState, Port, PpmState, PrtState, PrxState, PstState, PtxState, RootVector,
    RxBpdu, RxKind, StdTimer, TcmState,
};
use crate::vector::{PriorityVector, RegionalVector, Times, cist_message};
use crate::wire::{Bpdu, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, PortId, RstBpdu};
use l2_types::{Duration, Instant, MacAddr, PortNo, Timer};

mod snapshot;
pub use snapshot::{SNAPSHOT_VERSION, SnapshotError};

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
    index: PortIndex,
    /// Port deadlines, earliest first, with lazy deletion: an entry `(at, no)` is live while
    /// port `no` exists and its `scheduled` is `Some(at)`; stale entries stay until they reach
    /// the top (dropped by `prune_timers`) or the heap is compacted. The top is always live
    /// between inputs.
    timers: BinaryHeap<Reverse<(Instant, u16)>>,
    out: Out,
    mcid: crate::wire::MstConfigId,
    vid_to_mstid: crate::wire::VidToMstid,
    /// The MSTIs of the VLAN→MSTI map, by ascending MSTID.
    mstis: Vec<Msti>,
    sync_cache: Option<SyncCache>,
    dirty: Vec<bool>,
    worklist: VecDeque<usize>,
    /// Scratch list of the ports `run` stepped, kept to avoid an allocation per input.
    touched: Vec<usize>,
    /// Scratch list of the ports the MSTI machines stepped.
    msti_stepped: Vec<usize>,
    /// Counts the changes to the MSTIs other than the REPEATED_DESIGNATED fast path: bumped
    /// when the MSTIs or the port order are rebuilt, by every MSTI role selection and by every
    /// MSTI port step. Every other change to an MSTI port queues it (`Msti::mark`) or asks for
    /// role selection, so between two reads with no MSTI work pending an unchanged value means
    /// no MSTI changed (what the repeated-BPDU skip needs, `msti_skip_or_receive`).
    msti_epoch: u64,
    /// No MSTI has a port queued, a role selection pending or `master` flags to recompute.
    /// Set by `run_mstis` when it leaves them so; cleared wherever an MSTI is queued or asked
    /// to reselect (checked against the MSTIs in debug builds where it is read).
    msti_idle: bool,
    /// A port whose MST BPDU repeated the last one byte for byte: its MSTIs restart
    /// rcvdInfoWhile in the next `run_mstis` if the fast path still holds (`msti_skip_ok`).
    msti_skip: Option<usize>,
    /// Scratch: ports whose MSTI messages took the fast path in this `run_mstis` round.
    msti_fast_ports: Vec<usize>,
    /// Ports with a deferred rcvdInfoWhile restart (`MstiFast::pending`).
    msti_pending: Vec<usize>,
    last_root: Option<(BridgeId, Option<PortNo>, u32)>,
    /// The BPDU just received and its port, for stale information aging
    /// ([`BridgeConfig::stale_info_aging`]): other ports are checked once this port's Port
    /// Information machine has processed it, before the next Port Role Selection. Always
    /// `None` between inputs (`run` ends it), so not part of a snapshot.
    stale_check: Option<(usize, RxBpdu)>,
    /// Root sequencing ([`BridgeConfig::root_sequencing`]).
    rs: crate::rootseq::RootSeqState,
    /// Root sequencing: ports with a request or an answer to send, and their txCount when it
    /// was set. At the end of `run` a port that sent no BPDU since gets `newInfo`: the request
    /// rides on a BPDU the standard machines send for the same input if there is one, and
    /// takes no extra place in the Transmit Hold Count. Always empty between inputs.
    rs_kick: Vec<(usize, u8)>,
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
            index: PortIndex::default(),
            timers: BinaryHeap::new(),
            out: Out::default(),
            mcid: crate::wire::MstConfigId::new("", 0, &crate::wire::VidToMstid::all_cist()),
            vid_to_mstid: crate::wire::VidToMstid::all_cist(),
            mstis: Vec::new(),
            sync_cache: None,
            dirty: Vec::new(),
            worklist: VecDeque::new(),
            touched: Vec::new(),
            msti_stepped: Vec::new(),
            msti_epoch: 0,
            msti_idle: false,
            msti_skip: None,
            msti_fast_ports: Vec::new(),
            msti_pending: Vec::new(),
            last_root: None,
            stale_check: None,
            rs: crate::rootseq::RootSeqState::default(),
            rs_kick: Vec::new(),
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
            root_seq: self.root_seq_active(),
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
            valid_until: None,
        };
        for (j, p) in self.ports.iter().enumerate() {
            if !(p.selected && p.role == p.selected_role && (p.synced || p.role == Role::Root)) {
                c.all_synced = false;
            }
            if !p.rr_while.zero(now) {
                c.rr_running += 1;
                c.rr_port = j;
                if let Some(at) = p.rr_while.deadline() {
                    c.valid_until = Some(c.valid_until.map_or(at, |v: Instant| v.min(at)));
                }
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
        if !self.root_seq_active() {
            // Root sequencing off (or an MST bridge): nothing of it is kept or sent.
            self.rs.fd.clear();
            self.rs.forwarded = None;
            self.rs.starved = None;
            self.rs.retry_at = None;
            self.rs.answer.clear();
            for p in &mut self.ports {
                p.rs_request = None;
            }
        }
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
        self.sync_cache = None;
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
        self.begin_mstis();
    }

    /// Sets the MST region configuration: name (at most 32 octets), revision level and the
    /// VLAN→MSTI map, from which the MST Configuration Identifier and its digest are computed
    /// (802.1Q-2022 §13.8). The default is the empty name, revision 0, every VLAN on the CIST.
    ///
    /// With Force Protocol Version MSTP the identifier decides which neighbours are in this
    /// bridge's region (802.1Q-2022 §13.29.13 fromSameRegion): the CIST then runs with region
    /// semantics (regional root, internal root path cost, remaining hops). Every MSTID of the
    /// map gets an MSTI whose machines start at BEGIN (an MSTI the new map keeps retains its
    /// bridge priority and its ports' MSTI priorities and internal path costs; its state
    /// restarts). Every port sends new information at its next transmit opportunity, so
    /// neighbours see the new identifier; a neighbour's region membership is re-evaluated with
    /// the next BPDU it sends. The machines run at the time of the last input.
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
        self.drop_msti_pending();
        let old = core::mem::take(&mut self.mstis);
        self.msti_epoch = self.msti_epoch.wrapping_add(1);
        // The MSTIs of the new map start at BEGIN; an MSTI that stays keeps its bridge
        // priority and its ports' priorities and internal path costs.
        self.mstis = table
            .mstids()
            .into_iter()
            .map(|id| {
                let o = old.iter().find(|o| o.mstid == id);
                let mut m = Msti::new(id, o.map_or(32768, |o| o.priority));
                m.ports = (0..self.ports.len())
                    .map(|i| {
                        let (prio, cost) = o
                            .and_then(|o| o.ports.get(i))
                            .map_or((128, None), |op| (op.priority, op.path_cost));
                        let no = self.ports.get(i).map_or(0, |p| p.no.get());
                        MstiPort::new(no, prio, cost)
                    })
                    .collect();
                m
            })
            .collect();
        self.begin_mstis();
        for p in &mut self.ports {
            p.new_info = true;
            p.new_info_msti = false;
        }
        let now = self.out.now;
        self.mark_all();
        self.sync_cache = None;
        self.run(now);
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
        self.update_path_cost(i);
        self.sync_cache = None;
        let ctx = self.ctx(i);
        if let Some(p) = self.ports.get_mut(i) {
            p.begin(now, &ctx, &mut self.out);
        }
        if let Some(p) = self.ports.get_mut(i) {
            p.msti_dirty = true;
        }
        self.msti_epoch = self.msti_epoch.wrapping_add(1);
        self.msti_idle = false;
        for k in 0..self.mstis.len() {
            let mp = self.new_msti_port(k, i, 128, None);
            if let Some(m) = self.mstis.get_mut(k) {
                m.ports.push(mp);
                m.master_stale = true;
                m.queued.push(crate::msti::Queued::No);
                m.reselect = true;
                m.mark_all();
            }
        }
        self.mark_all();
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    /// The position of `port` in the port table.
    fn position(&self, port: PortNo) -> Result<usize, ConfigError> {
        self.index
            .get(&port.get())
            .copied()
            .ok_or(ConfigError::NoSuchPort(port.get()))
    }

    /// Removes a port. Its entries should be flushed by the host (a [`Event::FlushFdb`] is
    /// emitted if it had learnt).
    ///
    /// # Errors
    /// No such port.
    pub fn remove_port(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = self.position(port)?;
        if let Some(p) = self.ports.get(i)
            && p.learnt
        {
            self.out.event(Event::FlushFdb { port, tree: CIST });
        }
        // The deferred restarts are kept by port position, which changes.
        self.flush_msti_pending();
        self.ports.remove(i);
        // Root sequencing: nothing waits on a port that is gone.
        let no = port.get();
        self.rs.answer.retain(|&a| a != no);
        if self.rs.starved.is_some_and(|(s, _)| s == no) {
            self.rs.starved = None;
            self.rs.retry_at = None;
        }
        self.msti_epoch = self.msti_epoch.wrapping_add(1);
        self.msti_skip = None;
        // BPDUs queued for the port must not be sent after it is gone.
        self.out.tx.retain(|t| t.port != port);
        self.msti_idle = false;
        for m in &mut self.mstis {
            if i < m.ports.len() {
                let mp = m.ports.remove(i);
                m.master_stale = true;
                if mp.learnt {
                    self.out.event(Event::FlushFdb {
                        port,
                        tree: m.mstid,
                    });
                }
            }
            m.root_port = m.root_port.and_then(|r| match r.cmp(&i) {
                core::cmp::Ordering::Less => Some(r),
                core::cmp::Ordering::Equal => None,
                core::cmp::Ordering::Greater => Some(r - 1),
            });
            m.queued = alloc::vec![crate::msti::Queued::No; m.ports.len()];
            m.work.clear();
            m.reselect = true;
            m.mark_all();
        }
        self.dirty = alloc::vec![false; self.ports.len()];
        self.worklist.clear();
        self.reindex();
        self.out.now = now;
        self.out.reselect = true;
        self.mark_all();
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    fn reindex(&mut self) {
        self.index = PortIndex::build(self.ports.iter().map(|p| p.no.get()));
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
        let i = self.position(port)?;
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
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    /// mcheck (802.1D-2004 §17.19.13): make the port try RSTP again.
    ///
    /// # Errors
    /// No such port.
    pub fn mcheck(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = self.position(port)?;
        if let Some(p) = self.ports.get_mut(i)
            && self.cfg.force_version >= crate::config::ForceVersion::Rstp
        {
            p.mcheck = true;
        }
        self.out.now = now;
        self.mark(i);
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    /// Releases a port from BPDU guard (the operator's "errdisable recovery").
    ///
    /// # Errors
    /// No such port.
    pub fn clear_guard(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let i = self.position(port)?;
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
        self.sync_cache = None;
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
        let internal = match p.cfg.internal_path_cost {
            Some(c) => self.path_cost_of(
                &PortConfig {
                    path_cost: c,
                    ..p.cfg
                },
                p.link,
            ),
            None => cost,
        };
        if let Some(p) = self.ports.get_mut(i)
            && (p.port_path_cost != cost || p.internal_path_cost != internal)
        {
            // A path cost change makes the bridge reselect (802.1Q-2022 §13.27.47); the MSTIs
            // whose internal cost follows the CIST's reselect with it.
            p.port_path_cost = cost;
            p.internal_path_cost = internal;
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
            if !p.port_enabled {
                // What stale information aging remembers of the neighbour goes with the link.
                p.heard = None;
                p.superseded = None;
                p.lagging = false;
                // BPDUs still queued for a port that went down are not sent: its Port Transmit
                // machine restarts (TRANSMIT_INIT, txCount = 0).
                self.out.tx.retain(|t| t.port != port);
            }
        }
        // A link that went down has no speed to cost and is no path: its port leaves the tree
        // through the Port Information machine's DISABLED (802.1D-2004 §17.27, which asks for
        // reselection), never through a path cost. Recosting it as for an unknown speed
        // (10 Mb/s) here made Port Role Selection run first, with the port's received root path
        // still recorded at that cost, and for one step offer it on the designated ports. The
        // automatic cost follows the speed of a link that is up (§17.14, §17.19.(portPathCost);
        // 802.1Q-2022 §13.27.47).
        if matches!(link, LinkState::Up { .. }) {
            self.update_path_cost(i);
        }
        self.mark_all();
        self.sync_cache = None;
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
        let msti_msgs = match &bpdu {
            Bpdu::Mst(m) => m.mstis,
            _ => crate::wire::MstiMessages::EMPTY,
        };
        let own = self.bridge_id;
        let mstp = self.cfg.force_version >= crate::config::ForceVersion::Mstp;
        // An RSTP bridge reads an MST BPDU's CIST Regional Root as the designated bridge: every
        // bridge of that region looks like one, so the stale-information extension leaves such
        // BPDUs alone.
        let one_bridge = !matches!(bpdu, Bpdu::Mst(_)) || mstp;
        let max_hops = self.cfg.max_hops;
        let mcid = self.mcid;
        let rs_active = self.root_seq_active();
        let own_seq = self.rs.own_seq;
        let mut adopt = None;
        let mut request = None;
        let mut rs_malformed = false;
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
            Bpdu::Rst(RstBpdu { bpdu, version, .. }) => {
                // The §9.3.4 checks apply to RST BPDUs too: information whose Message Age has
                // reached Max Age is inconsistent and would only age out at once.
                if !bpdu.is_acceptable(own, p.port_id) {
                    return Err(RxError::NotAcceptable);
                }
                p.counters.rx_rst = p.counters.rx_rst.saturating_add(1);
                let mut rx = RxBpdu::plain(RxKind::Rst, bpdu, max_hops);
                // Root sequencing: the trailer after the 36 octets of a version 2 RST BPDU.
                if rs_active && version == 2 {
                    match crate::wire::RootSeqTrailer::parse(
                        body.get(crate::wire::bpdu::RST_LEN..).unwrap_or_default(),
                    ) {
                        Ok(Some(t)) => {
                            rx.seq = t.root_seq;
                            request = t.request;
                            // A neighbour names this bridge as its root with a newer sequence
                            // number than this bridge's own: an earlier instance of it (before
                            // a restart, or the other chassis of an MLAG pair) answered a
                            // request. Its sequence never goes back.
                            if let Some(s) = t.root_seq
                                && bpdu.root_id == own
                                && crate::wire::seq_newer(s, own_seq)
                            {
                                adopt = Some(s);
                            }
                        }
                        Ok(None) => {}
                        Err(_) => rs_malformed = true,
                    }
                }
                rx
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
                    seq: None,
                }
            }
        };
        self.out.stats.bpdus_rx = self.out.stats.bpdus_rx.saturating_add(1);
        if rs_malformed {
            self.out.stats.root_seq_malformed = self.out.stats.root_seq_malformed.saturating_add(1);
        }
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
            self.sync_cache = None;
            self.mark_all();
            self.run(now);
            return Ok(());
        }
        p.heard_bpdu(now, &mut self.out);
        let check = self.cfg.stale_info_aging && one_bridge && stale_candidate(&rx, own);
        if check && self.stale_replay(i, &rx) {
            // Stale information aging: a delayed copy of a BPDU the sender has superseded is
            // discarded, as if it had been lost.
            self.out.stats.stale_info_discarded =
                self.out.stats.stale_info_discarded.saturating_add(1);
            if let Some(p) = self.ports.get_mut(i) {
                p.lagging = true;
            }
            self.mark(i);
            self.run(now);
            return Ok(());
        }
        let Some(p) = self.ports.get_mut(i) else {
            return Err(RxError::UnknownPort);
        };
        p.rx = Some(rx);
        p.rcvd_bpdu = true;
        if check {
            let heard = (rx.designated_bridge, rx_root(&rx));
            // A lagging port has caught up once it hears what another port last heard from
            // the same sender (or hears another sender).
            let caught_up = p.heard.is_none_or(|(b, _)| b != heard.0)
                || self
                    .ports
                    .iter()
                    .enumerate()
                    .any(|(j, x)| j != i && x.heard == Some(heard));
            let Some(p) = self.ports.get_mut(i) else {
                return Err(RxError::UnknownPort);
            };
            if caught_up {
                p.lagging = false;
            }
            // What this sender said before, while the port keeps hearing it.
            p.superseded = match p.heard {
                Some((b, v)) if b == heard.0 && v != heard.1 => Some(v),
                Some((b, _)) if b == heard.0 => p.superseded,
                _ => None,
            };
            p.heard = Some(heard);
            // Other ports are checked once this one's Port Information machine has recorded
            // it (`run`).
            self.stale_check = Some((i, rx));
        }
        if rx.internal {
            let sender = (rx.designated_bridge.address(), rx.body.port_id.number());
            let epoch = self.msti_epoch;
            let n = self.mstis.len();
            if let Some(p) = self.ports.get_mut(i) {
                let f = &mut p.fast;
                let bytes = msti_msgs.as_bytes();
                if n > 0
                    && f.count == n
                    && f.epoch == epoch
                    && f.sender == sender
                    && f.records == bytes
                    && f.until.is_none_or(|t| t > now)
                    && f.rcvd.is_some_and(|t| t > now)
                {
                    // Byte for byte the last MST BPDU, whose every MSTI message took the
                    // REPEATED_DESIGNATED fast path, with no MSTI change since: decided in
                    // `run_mstis` once the CIST machines have run.
                    self.msti_skip = Some(i);
                } else {
                    f.records.clear();
                    f.records.extend_from_slice(bytes);
                    f.sender = sender;
                    f.count = 0;
                    f.until = None;
                    f.rcvd = None;
                    f.ctx = None;
                    self.msti_receive(i, msti_msgs, sender);
                }
            }
        }
        if let Some(s) = adopt {
            self.rs.own_seq = s;
            if self.root_port_id.0 == 0 {
                // The root announces it on every Designated Port (Port Role Selection gives it
                // to the designated priority vectors).
                self.out.reselect = true;
            }
        }
        if let Some(req) = request {
            self.root_seq_request(i, req, now);
        }
        self.mark(i);
        self.run(now);
        Ok(())
    }

    /// Timers that expired by `now` fire. Spurious and early calls are cheap no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.out.now = now;
        self.root_seq_timeout(now);
        let root = self.root_index();
        while let Some(&Reverse((at, no))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(&i) = self.index.get(&no) else {
                continue;
            };
            // A stale entry (lazy deletion): the port was rescheduled since.
            if self.ports.get(i).is_none_or(|p| p.scheduled != Some(at)) {
                continue;
            }
            let mut rr_expired = false;
            let mut msti_due = false;
            if let Some(p) = self.ports.get_mut(i) {
                p.scheduled = None;
                p.tick_tx_count(now);
                rr_expired = p.rr_while.expired(now);
                msti_due = p.msti_next.is_some_and(|t| t <= now);
            }
            self.mark(i);
            // reRooted of the root port reads every port's rrWhile.
            if rr_expired && let Some(r) = root {
                self.mark(r);
            }
            // The port's MSTI timers share its deadline; the MSTI Root Port's reRooted reads
            // them.
            if msti_due {
                self.msti_idle = false;
                for m in &mut self.mstis {
                    m.mark(i);
                    if let Some(r) = m.root_port {
                        m.mark(r);
                    }
                }
            }
        }
        self.run(now);
    }

    /// Stale information aging, an extension beyond 802.1D-2004 / 802.1Q-2022
    /// ([`BridgeConfig::stale_info_aging`]): port `i` received the designated BPDU `rx` from
    /// bridge B; information recorded on another port from the same designated bridge B with a
    /// better root vector is one B has withdrawn (B sends one root priority vector on all its
    /// ports, 802.1D-2004 §17.6 / §17.19.21), and is aged at once.
    ///
    /// Only external information takes part (RST and Configuration BPDUs, MST BPDUs from
    /// another region read by an MST bridge): inside an MST region the MSTIs' information
    /// travels in the same BPDUs and ages with the CIST's, which this would separate.
    fn age_stale_info(&mut self, i: usize, rx: &RxBpdu) {
        if self.ports.get(i).is_none_or(|p| p.lagging) {
            return;
        }
        let said = rx_root(rx);
        for j in 0..self.ports.len() {
            let Some(p) = self.ports.get_mut(j) else {
                continue;
            };
            // The AGED transition's other conditions (§17.27 CURRENT → AGED: infoIs ==
            // Received, !updtInfo, !rcvdMsg).
            if j == i
                || p.pim != PimState::Current
                || p.info_is != InfoIs::Received
                || p.info_internal
                || p.updt_info
                || p.rcvd_msg
                || p.port_priority.designated_bridge != rx.designated_bridge
            {
                continue;
            }
            let Some((_, recorded)) = p.recorded_root() else {
                continue;
            };
            // Only a better root vector is stale good news (the count-to-infinity seed); a
            // worse one cannot win a root path over what B says now.
            if recorded < said {
                p.age_stale(&mut self.out);
                self.out.stats.stale_info_aged = self.out.stats.stale_info_aged.saturating_add(1);
                self.sync_cache = None;
                self.mark(j);
            }
        }
    }

    /// Stale information aging: is the designated BPDU `rx` from bridge B, received on port
    /// `i`, a delayed copy of one B has since superseded? It is when another port's
    /// information from B changed from `rx`'s root vector to another one (B sent that change
    /// after `rx`: each port hears B's BPDUs in the order B sent them) and port `i` has not
    /// heard that newer vector yet (if it had, `rx` came after it on the same path: B went
    /// back). In an MLAG pair, the copies the other chassis relays arrive a peer-link delay
    /// after the authority's own; in one bridge, a slower path does the same.
    fn stale_replay(&self, i: usize, rx: &RxBpdu) -> bool {
        let (b, v) = (rx.designated_bridge, rx_root(rx));
        let own = self.ports.get(i).and_then(|p| p.heard);
        // Only a port that still holds B's information counts: a port whose link went down or
        // whose information aged out or came from elsewhere since says nothing about B now.
        self.ports.iter().enumerate().any(|(j, x)| {
            j != i
                && x.port_enabled
                && x.info_is == InfoIs::Received
                && x.port_priority.designated_bridge == b
                && x.superseded == Some(v)
                && x.heard
                    .is_some_and(|(bx, w)| bx == b && w != v && own != Some((b, w)))
        })
    }

    /// Root sequencing is in use: configured, and this is an RSTP bridge (an MST bridge's
    /// CIST information travels in MST BPDUs, which have no trailer).
    fn root_seq_active(&self) -> bool {
        self.cfg.root_sequencing && self.cfg.force_version == crate::config::ForceVersion::Rstp
    }

    /// The next root sequencing deadline (a retry, a feasible distance running out).
    fn root_seq_deadline(&self) -> Option<Instant> {
        if !self.root_seq_active() {
            return None;
        }
        self.rs.next_deadline(self.root_priority.root)
    }

    /// Root sequencing, after Port Role Selection chose `root` (a port index, `None`: this
    /// bridge) whose information carries sequence `seq`, passing over the infeasible root path
    /// of port `passed` that would have won: the feasible distance follows the choice, and
    /// the bridge asks for a newer sequence number through the passed-over port.
    fn root_seq_selected(&mut self, root: Option<usize>, seq: Option<u32>, passed: Option<usize>) {
        let now = self.out.now;
        if let (Some(_), Some(s)) = (root, seq) {
            self.rs.record(
                self.root_priority.root,
                s,
                self.root_priority.root_path_cost,
                now,
            );
        }
        let Some(i) = passed else {
            self.rs.starved = None;
            self.rs.retry_at = None;
            return;
        };
        self.out.stats.root_seq_infeasible = self.out.stats.root_seq_infeasible.saturating_add(1);
        let hello = Duration::from_secs(u64::from(self.cfg.hello_time.max(1)));
        let Some(p) = self.ports.get_mut(i) else {
            return;
        };
        let want = p.port_priority.root;
        let Some(fd) = self.rs.fd_seq(want) else {
            return;
        };
        let req = crate::wire::SeqRequest {
            root: want,
            seq: fd.wrapping_add(1),
            hops: crate::rootseq::REQUEST_HOPS,
        };
        // A new request goes out at once; the same one again only when it is due (Babel's
        // resend, RFC 8966 §3.8.1.2), from `root_seq_timeout`.
        if self.rs.starved != Some((p.no.get(), req)) {
            p.rs_request = Some(req);
            self.rs_kick.push((i, p.tx_count));
            self.rs.starved = Some((p.no.get(), req));
            self.rs.retry_gap =
                crate::rootseq::fraction(hello, crate::rootseq::REQUEST_RETRY_DIVISOR);
            self.rs.retry_at = Some(now.saturating_add(self.rs.retry_gap));
            self.out.stats.root_seq_requests = self.out.stats.root_seq_requests.saturating_add(1);
        }
    }

    /// Root sequencing, after Port Role Selection made this bridge its own root with no
    /// infeasible root path passed over: if it had another root before, its claim goes out
    /// with a request for that root's next sequence number on every port (RFC 8966 §3.8.2.1:
    /// a node that lost its last feasible route asks at once). A neighbour with a path to
    /// that root answers the claim with information that would be infeasible at the old
    /// number; the request, already on its way to the root, spares the round trip that
    /// asking after that answer would cost (chaos seed 4645: a pair lost the peer with its
    /// root port, and the other uplink's neighbour had the only other path). Sent once,
    /// riding on the claim's BPDUs (a port gets `newInfo` of its own only if none went out).
    fn root_seq_lost(&mut self, previous: BridgeId) {
        if previous == self.bridge_id {
            return;
        }
        let Some(fd) = self.rs.fd_seq(previous) else {
            return;
        };
        let req = crate::wire::SeqRequest {
            root: previous,
            seq: fd.wrapping_add(1),
            hops: crate::rootseq::REQUEST_HOPS,
        };
        let mut sent = false;
        for (i, p) in self.ports.iter_mut().enumerate() {
            if p.port_enabled && p.info_is != InfoIs::Disabled {
                p.rs_request = Some(req);
                self.rs_kick.push((i, p.tx_count));
                sent = true;
            }
        }
        if sent {
            self.out.stats.root_seq_requests = self.out.stats.root_seq_requests.saturating_add(1);
        }
    }

    /// Root sequencing: port `i` received the sequence request `req`.
    fn root_seq_request(&mut self, i: usize, req: crate::wire::SeqRequest, now: Instant) {
        let s = &mut self.out.stats;
        s.root_seq_requests_rx = s.root_seq_requests_rx.saturating_add(1);
        let hello = Duration::from_secs(u64::from(self.cfg.hello_time.max(1)));
        let designated = |b: &mut Self, i: usize| {
            if let Some(p) = b.ports.get(i)
                && p.role == Role::Designated
            {
                b.rs_kick.push((i, p.tx_count));
            }
        };
        if req.root == self.bridge_id {
            // The root itself: a newer sequence number, announced on every Designated Port
            // (Port Role Selection gives it to the designated priority vectors, and UPDATE
            // sends them).
            if crate::wire::seq_newer(req.seq, self.rs.own_seq) {
                self.rs.own_seq = req.seq;
                self.out.reselect = true;
                if let Some(p) = self.ports.get(i) {
                    self.rs.await_answer(p.no.get());
                }
            } else {
                designated(self, i);
            }
            let s = &mut self.out.stats;
            s.root_seq_answered = s.root_seq_answered.saturating_add(1);
            return;
        }
        let root = self.root_index();
        let have = root
            .and_then(|r| self.ports.get(r))
            .and_then(|p| p.port_seq);
        let drop = |b: &mut Self| {
            let s = &mut b.out.stats;
            s.root_seq_dropped = s.root_seq_dropped.saturating_add(1);
        };
        if self.root_priority.root != req.root {
            return drop(self);
        }
        if have.is_some_and(|s| !crate::wire::seq_newer(req.seq, s)) {
            // This bridge's information is already as new as asked: send it again.
            designated(self, i);
            let s = &mut self.out.stats;
            s.root_seq_answered = s.root_seq_answered.saturating_add(1);
            return;
        }
        let Some(r) = root.filter(|&r| r != i) else {
            return drop(self);
        };
        let repeat = self.rs.forwarded.is_some_and(|(b, s, until)| {
            b == req.root && !crate::wire::seq_newer(req.seq, s) && now < until
        });
        if req.hops == 0 {
            return drop(self);
        }
        // The answer comes back this way (a repeat's too: the request before it is on its way).
        if let Some(p) = self.ports.get(i) {
            self.rs.await_answer(p.no.get());
        }
        if repeat {
            return drop(self);
        }
        if let Some(p) = self.ports.get_mut(r) {
            p.rs_request = Some(crate::wire::SeqRequest {
                hops: req.hops - 1,
                ..req
            });
            self.rs_kick.push((r, p.tx_count));
        }
        self.rs.forwarded = Some((
            req.root,
            req.seq,
            now.saturating_add(crate::rootseq::fraction(
                hello,
                crate::rootseq::FORWARD_REPEAT_DIVISOR,
            )),
        ));
        let s = &mut self.out.stats;
        s.root_seq_forwarded = s.root_seq_forwarded.saturating_add(1);
    }

    /// Root sequencing deadlines: an unanswered request goes again; feasible distances of
    /// roots no longer in use run out (and Port Role Selection looks again).
    fn root_seq_timeout(&mut self, now: Instant) {
        if !self.root_seq_active() {
            return;
        }
        if self.rs.expire(now, self.root_priority.root) {
            self.out.reselect = true;
            for p in &mut self.ports {
                p.reselect = true;
                p.selected = false;
            }
            self.mark_all();
            self.sync_cache = None;
        }
        if self.rs.retry_at.is_some_and(|t| t <= now) {
            let hello = Duration::from_secs(u64::from(self.cfg.hello_time.max(1)));
            self.rs.retry_at = None;
            if let Some((no, req)) = self.rs.starved
                && let Some(&i) = self.index.get(&no)
                && let Some(p) = self.ports.get_mut(i)
            {
                p.rs_request = Some(req);
                self.rs_kick.push((i, p.tx_count));
                // Backoff: twice the last wait, at most Hello Time.
                let gap =
                    self.rs
                        .retry_gap
                        .saturating_mul(2)
                        .min(hello)
                        .max(crate::rootseq::fraction(
                            hello,
                            crate::rootseq::REQUEST_RETRY_DIVISOR,
                        ));
                self.rs.retry_gap = gap;
                self.rs.retry_at = Some(now.saturating_add(gap));
                let s = &mut self.out.stats;
                s.root_seq_requests = s.root_seq_requests.saturating_add(1);
            }
        }
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
        // The allSynced / rrWhile summary survives inputs that change none of the variables it
        // reads (a repeated BPDU): inside this loop every change of them is seen through the
        // stepped port's signature, the tree-wide procedures and role selection; entry points
        // that change port variables directly drop it (`invalidate`); an rrWhile expiring ends
        // it.
        if self
            .sync_cache
            .is_some_and(|c| c.valid_until.is_some_and(|t| t <= now))
        {
            self.sync_cache = None;
        }
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
                // An MSTI's roles at boundary ports follow the CIST's selected roles
                // (802.1Q-2018 §13.29.34 g, h): every MSTI selects again.
                self.msti_idle = false;
                for m in &mut self.mstis {
                    m.reselect = true;
                }
            }
            let Some(i) = self.worklist.pop_front() else {
                // The MSTI machines run once the CIST's are quiet (they read the CIST's port
                // variables); new MSTI information or transmit conditions wake the CIST's Port
                // Transmit machines again. A bounded number of rounds.
                if msti_rounds < 8 && self.run_mstis(now, &mut touched) {
                    msti_rounds += 1;
                    continue;
                }
                // Root sequencing: a request or answer that no BPDU of this input carried
                // gets one of its own (through the Port Transmit machine, §17.26).
                if !self.rs_kick.is_empty() {
                    for (k, c) in core::mem::take(&mut self.rs_kick) {
                        if let Some(p) = self.ports.get_mut(k)
                            && (p.rs_request.is_some() || p.tx_count == c)
                        {
                            p.new_info = true;
                            self.mark(k);
                        }
                    }
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
            let msti_before = msti_signature(p);
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
                if self.stale_check.is_some_and(|(j, ..)| j == i) && !p.rcvd_bpdu && !p.rcvd_msg {
                    // The received BPDU is recorded: other ports' stale information goes
                    // before anything else runs.
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
            if msti_signature(p) != msti_before {
                self.msti_idle = false;
                for m in &mut self.mstis {
                    m.mark(i);
                }
            }
            self.apply_ext(i);
            if changed {
                self.mark(i);
            }
            if let Some((j, rx)) = self.stale_check
                && j == i
                && self
                    .ports
                    .get(i)
                    .is_some_and(|p| !p.rcvd_bpdu && !p.rcvd_msg)
            {
                self.stale_check = None;
                self.age_stale_info(i, &rx);
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
        // Only a run cut short by the step bound leaves kicks behind.
        self.rs_kick.clear();
        // A BPDU the port's machines did not take (not expected) ages nothing.
        self.stale_check = None;
        self.report_root();
        touched.sort_unstable();
        touched.dedup();
        for &i in &touched {
            self.reschedule(i, now);
        }
        self.prune_timers();
        self.touched = touched;
    }

    fn reschedule(&mut self, i: usize, now: Instant) {
        // The MSTI deadlines below read rcvdInfoWhile.
        if !self.msti_pending.is_empty()
            && self
                .ports
                .get(i)
                .is_some_and(|p| p.msti_dirty || p.msti_next.is_some_and(|t| t <= now))
        {
            self.flush_msti_pending();
        }
        let Some(p) = self.ports.get_mut(i) else {
            return;
        };
        // The txCount tick must be counted before its expired timer is dropped (a port whose
        // only MSTI machines ran has not stepped its Port Timers).
        p.tick_tx_count(now);
        let mut next = p.next_deadline(now);
        if p.msti_dirty || p.msti_next.is_some_and(|t| t <= now) {
            let mut m_next: Option<Instant> = None;
            for m in &mut self.mstis {
                if let Some(at) = m.ports.get_mut(i).and_then(|mp| mp.next_deadline(now)) {
                    m_next = Some(m_next.map_or(at, |n| n.min(at)));
                }
            }
            p.msti_next = m_next;
            p.msti_dirty = false;
        }
        if let Some(at) = p.msti_next {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        if next != p.scheduled {
            // The old entry, if any, goes stale (lazy deletion).
            if let Some(at) = next {
                self.timers.push(Reverse((at, p.no.get())));
            }
            p.scheduled = next;
        }
    }

    /// Drops stale entries from the top of the timer heap, so that `poll_timeout` reads a
    /// live deadline, and compacts the heap when stale entries outnumber the ports.
    fn prune_timers(&mut self) {
        let (ports, index) = (&self.ports, &self.index);
        let live = |&Reverse((at, no)): &Reverse<(Instant, u16)>| {
            index
                .get(&no)
                .and_then(|&i| ports.get(i))
                .is_some_and(|p| p.scheduled == Some(at))
        };
        while let Some(top) = self.timers.peek() {
            if live(top) {
                break;
            }
            self.timers.pop();
        }
        if self.timers.len() > 2 * ports.len() + 16 {
            self.timers.retain(live);
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
    ///
    /// Hardening beyond the clause's text: a port priority vector whose Root Identifier is this
    /// bridge's own Bridge Identifier is not used for a root path. In RSTP it can never win (the
    /// path cost makes it worse than the bridge priority vector), but an MST message from inside
    /// the region with External Root Path Cost 0 and a Regional Root better than this bridge
    /// would: the CIST Root is always the Regional Root of its own region, so such a message is
    /// inconsistent (forged or corrupted), and selecting it would leave the CIST Root with a
    /// Root Port.
    fn updt_roles_tree(&mut self) {
        let own = self.bridge_id;
        let previous_root = self.root_priority.root;
        let previous = (
            self.root_region.regional_root,
            self.root_priority.root_path_cost,
        );
        let mut best = self.bridge_priority();
        let mut best_region = RegionalVector {
            regional_root: own,
            internal_root_path_cost: 0,
        };
        let mut root: Option<usize> = None;
        let mut guard_events: Vec<(PortNo, bool, PriorityVector)> = Vec::new();
        let rs = self.root_seq_active();
        // Root sequencing: the best root path passed over as infeasible.
        let mut passed: Option<(PriorityVector, RegionalVector, usize)> = None;
        for (i, p) in self.ports.iter().enumerate() {
            if p.info_is != InfoIs::Received
                || p.port_priority.designated_bridge.address() == own.address()
                || p.port_priority.root == own
                || p.held_inconsistent()
            {
                continue;
            }
            if p.cfg.root_guard {
                continue;
            }
            let (v, r) = root_path(p, own);
            if rs
                && !self.rs.feasible(
                    p.port_priority.root,
                    p.port_seq,
                    p.port_priority.root_path_cost,
                )
            {
                // Root sequencing: a path whose sequence number is older, or whose cost is
                // higher with the same number, than this bridge's feasible distance could be
                // its own information coming back round a cycle — no root path.
                if passed.is_none_or(|(bv, br, _)| {
                    (cist_message(&v, &r), v.bridge_port) < (cist_message(&bv, &br), bv.bridge_port)
                }) {
                    passed = Some((v, r, i));
                }
                continue;
            }
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
                && p.port_priority.root != own
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
        let root_seq = if rs {
            match root.and_then(|i| self.ports.get(i)) {
                // First-hand information (the neighbour is the root) with an older number than
                // this bridge already used for that root: another instance of the root (one
                // that restarted, the other chassis of a pair) gave the newer one. The
                // information is as fresh as information gets, so it goes on with the newer
                // number — the bridges that took that number keep a feasible path, and the
                // root hears it back and takes it (seed 1816 with root sequencing).
                Some(p) if p.port_priority.root_path_cost == 0 => {
                    match (p.port_seq, self.rs.fd_seq(p.port_priority.root)) {
                        (Some(s), Some(f)) if crate::wire::seq_newer(f, s) => Some(f),
                        (s, _) => s,
                    }
                }
                Some(p) => p.port_seq,
                None => Some(self.rs.own_seq),
            }
        } else {
            None
        };
        if rs {
            let passed = passed.filter(|(v, r, _)| {
                (cist_message(v, r), v.bridge_port)
                    < (cist_message(&best, &best_region), best.bridge_port)
            });
            self.root_seq_selected(root, root_seq, passed.map(|(.., i)| i));
            if root.is_none() && passed.is_none() {
                self.root_seq_lost(previous_root);
            }
        }
        let mut answers: Vec<(usize, u8)> = Vec::new();
        for (i, p) in self.ports.iter_mut().enumerate() {
            p.designated_seq = root_seq;
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
                    if !differs && p.port_seq != p.designated_seq {
                        // Root sequencing: a new sequence number alone changes no role or
                        // state. It goes out at once where a request waits for it, elsewhere
                        // with the next hello (every BPDU carries designatedPriority's), so a
                        // bump costs the Transmit Hold Count only on the request's path.
                        if self.rs.answer.contains(&p.no.get()) {
                            answers.push((i, p.tx_count));
                        }
                        p.port_seq = p.designated_seq;
                    }
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
        for (i, c) in answers {
            if let Some(p) = self.ports.get(i) {
                let no = p.no.get();
                self.rs.answer.retain(|&a| a != no);
            }
            self.rs_kick.push((i, c));
        }
        // 802.1Q-2018 §13.29.34: a new CIST Regional Root with a non-zero External Root Path
        // Cost (now or before) invokes syncMaster().
        if previous.0 != self.root_region.regional_root
            && (previous.1 != 0 || self.root_priority.root_path_cost != 0)
        {
            self.sync_master();
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
        if self.out.tx.is_empty() {
            return None;
        }
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
            let trailer = t.trailer.map(|x| x.to_bytes());
            let trailer = trailer.as_ref().map_or(&[][..], |x| &x[..]);
            match BpduFrame::emit_with_trailer(t.src, &bpdu, trailer, buf) {
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
        let ports = self.timers.peek().map(|Reverse((at, _))| *at);
        min_opt(ports, self.root_seq_deadline())
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

    /// A port's configuration as last set ([`add_port`](Self::add_port),
    /// [`set_port_config`](Self::set_port_config)); `None` for an unknown port.
    pub fn port_config(&self, port: PortNo) -> Option<PortConfig> {
        Some(self.port_internal(port)?.cfg)
    }

    /// A port's link as last reported ([`handle_link`](Self::handle_link)); `None` for an
    /// unknown port.
    pub fn port_link(&self, port: PortNo) -> Option<LinkState> {
        Some(self.port_internal(port)?.link)
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

    /// A digest of the protocol state: two replicas of one logical bridge fed the same inputs
    /// have equal fingerprints, so an MLAG pair can compare them over ICCP to detect divergence
    /// cheaply. FNV-1a, stable across runs and platforms.
    ///
    /// Covered: the CIST root priority vector, regional root and remaining hops; per port its
    /// number, role, learning/forwarding, sendRSTP, infoIs, infoInternal, port and designated
    /// priority vectors (with their regional parts), and the operational state the role
    /// selection and Port Role Transitions read that persists in a steady state:
    /// portEnabled, operPointToPointMAC, operEdge, the CIST external and internal port path
    /// costs; per MSTI and port its role, state, infoIs and the whole MSTI port and
    /// designated priority vectors. Not covered: timers and transient handshake flags
    /// (proposing, agreed, synced, sync, reRoot, tcWhile …), which settle within a Hello Time
    /// and differ legitimately between a replica and its primary while they do. operEdge is
    /// history (the Bridge Detection machine, §13.31: an edge port keeps it until a BPDU
    /// arrives, an auto-edge port earns it after edgeDelay while proposing) that only an exact
    /// replica holds — one fed the whole input log or restored from a
    /// [`snapshot`](Self::snapshot), as mlag-core's catch-up does.
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
        eat(u64::from(self.rs.own_seq));
        for f in &self.rs.fd {
            eat(f.root.to_u64());
            eat(u64::from(f.seq) << 32 | u64::from(f.cost));
        }
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
            // §13.29 (role selection) and §13.37 (Port Role Transitions) read these.
            eat(u64::from(p.oper_edge)
                | u64::from(p.port_enabled) << 1
                | u64::from(p.oper_p2p) << 2);
            eat(u64::from(p.port_path_cost) << 32 | u64::from(p.internal_path_cost));
            eat(p.designated_region.regional_root.to_u64());
            eat(u64::from(p.designated_region.internal_root_path_cost));
            eat(u64::from(p.lagging));
            for s in [p.port_seq, p.designated_seq] {
                eat(s.map_or(0, |s| 1 << 32 | u64::from(s)));
            }
            for (b, (root, cost, regional, internal)) in [
                p.heard,
                p.heard.and_then(|(b, _)| p.superseded.map(|v| (b, v))),
            ]
            .into_iter()
            .flatten()
            {
                eat(b.to_u64());
                eat(root.to_u64());
                eat(regional.to_u64());
                eat(u64::from(cost) << 32 | u64::from(internal));
            }
        }
        for m in &self.mstis {
            eat(u64::from(m.mstid) << 16 | u64::from(m.priority));
            eat(m.root.regional_root.to_u64());
            eat(u64::from(m.root.internal_root_path_cost));
            for (mp, p) in m.ports.iter().zip(&self.ports) {
                eat(u64::from(p.no.get()) << 24
                    | (mp.info_is as u64) << 16
                    | (mp.role as u64) << 8
                    | mp.state() as u64);
                for v in [&mp.port_priority, &mp.designated_priority] {
                    eat(v.regional_root.to_u64());
                    eat(u64::from(v.internal_root_path_cost));
                    eat(v.designated_bridge.to_u64());
                    eat(u64::from(v.designated_port.0) << 16 | u64::from(v.bridge_port.0));
                }
            }
        }
        h
    }

    /// Checks the invariants that must hold between inputs: at most one Root Port, a Root Port
    /// exactly when this bridge is not the root, forwarding only on Root/Designated (or
    /// Master) ports, disabled ports neither learning nor forwarding, queues within bounds,
    /// `poll_timeout` the earliest port deadline.
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
        // The timer heap's top is the earliest scheduled port deadline, and stale entries
        // are bounded.
        let earliest = self.ports.iter().filter_map(|p| p.scheduled).min();
        if self.poll_timeout() != min_opt(earliest, self.root_seq_deadline()) {
            return Err("poll_timeout is not the earliest port deadline");
        }
        if self.timers.len() > 2 * self.ports.len() + 16 {
            return Err("timer heap over its bound");
        }
        if self.out.tx.len() > crate::machines::TRANSMITS_MAX
            || self.out.events.len() > crate::machines::EVENTS_MAX
        {
            return Err("queue over its bound");
        }
        if self.index.len() != self.ports.len() {
            return Err("port index out of step");
        }
        self.check_msti_invariants()
    }
}

/// Port number → position in the bridge's port list: a direct table over the 12-bit port
/// number space (grown to the highest number in use), so a lookup costs the same at 8 ports
/// as at 512.
#[derive(Clone, Debug, Default)]
struct PortIndex {
    slots: Vec<usize>,
    len: usize,
}

impl PortIndex {
    const NONE: usize = usize::MAX;

    fn build(numbers: impl Iterator<Item = u16>) -> Self {
        let mut x = Self::default();
        for (i, no) in numbers.enumerate() {
            let n = usize::from(no);
            if x.slots.len() <= n {
                x.slots.resize(n + 1, Self::NONE);
            }
            if let Some(slot) = x.slots.get_mut(n) {
                *slot = i;
                x.len += 1;
            }
        }
        x
    }

    fn get(&self, no: &u16) -> Option<&usize> {
        self.slots
            .get(usize::from(*no))
            .filter(|&&i| i != Self::NONE)
    }

    fn contains_key(&self, no: &u16) -> bool {
        self.get(no).is_some()
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// Cached allSynced / rrWhile summary.
#[derive(Clone, Copy, Debug)]
struct SyncCache {
    all_synced: bool,
    rr_running: usize,
    rr_port: usize,
    /// The earliest running rrWhile deadline: the summary holds until then.
    valid_until: Option<Instant>,
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
                    .saturating_add(p.internal_path_cost),
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

/// The variables of a CIST port the MSTI machines read; a change re-runs the port's MSTIs.
fn msti_signature(p: &Port) -> (bool, Role, Role, bool, bool, bool, bool, InfoIs, u8) {
    (
        p.port_enabled,
        p.role,
        p.selected_role,
        p.oper_edge,
        p.send_rstp,
        p.info_internal,
        p.oper_p2p,
        p.info_is,
        // rcvdMsg is left out: an MSTI message waiting for the CIST's is queued by rcvMsgs,
        // and a CIST message held back by updtInfo is released by updtInfo's change.
        u8::from(p.updt_info) | u8::from(p.selected) << 1,
    )
}

/// The MSTI variables other ports of the tree read (allSynced, reRooted, role selection).
fn msti_port_signature(p: &MstiPort, now: Instant) -> (Role, Role, bool, bool, bool, bool) {
    (
        p.role,
        p.selected_role,
        p.selected,
        p.synced,
        p.rr_while.zero(now),
        p.updt_info,
    )
}

impl Bridge {
    /// This bridge's MSTI Bridge Identifier (802.1Q-2022 §13.26.2: MSTI priority, the MSTID as
    /// system ID extension, the bridge address).
    fn msti_bridge_id(&self, m: &Msti) -> BridgeId {
        BridgeId::new(m.priority, m.mstid, self.cfg.address)
    }

    /// The CIST port variables an MSTI machine reads.
    fn port_view(&self, p: &Port) -> PortView {
        let t = &p.designated_times;
        PortView {
            no: p.no,
            enabled: p.port_enabled,
            oper_edge: p.oper_edge,
            oper_p2p: p.oper_p2p,
            send_rstp: p.send_rstp,
            restricted_tcn: p.cfg.restricted_tcn,
            hello: crate::vector::dur(t.hello_time),
            times: *t,
            tc_legacy: crate::vector::dur(self.root_times.max_age)
                .saturating_add(crate::vector::dur(self.root_times.forward_delay)),
            rstp_version: self.cfg.force_version >= crate::config::ForceVersion::Rstp,
        }
    }

    /// The context of an MSTI port's step.
    fn tree_ctx(m: &Msti, i: usize, p: &Port, now: Instant) -> TreeCtx {
        let (role, agree, forward) = m.ports.get(i).map_or((Role::Disabled, false, false), |mp| {
            (mp.role, mp.agree, mp.forward)
        });
        // allSynced is read by the *_AGREED transitions (only while !agree) and by
        // MASTER_LEARN / MASTER_FORWARD (only while not forwarding); reRooted by ROOT_LEARN /
        // ROOT_FORWARD. Both scan the tree, so they are computed only when they can matter.
        let needs = match role {
            Role::Root | Role::Alternate | Role::Backup => !agree,
            Role::Master => !agree || !forward,
            _ => false,
        };
        TreeCtx {
            mstid: m.mstid,
            all_synced: needs && m.all_synced(i),
            re_rooted: role == Role::Root && !forward && m.re_rooted(i, now),
            cist_rcvd_msg: p.rcvd_msg,
            cist_updt_info: p.updt_info,
            // §13.29.15 recordAgreement a): the CIST message that carried the MSTI message
            // has the CIST port priority vector's root, external cost and regional root.
            cist_msg_matches: cist_msg_matches(p),
        }
    }

    /// The part of [`tree_ctx`](Self::tree_ctx) the MSTI Port Information machine reads.
    fn tree_ctx_msg(m: &Msti, p: &Port) -> TreeCtx {
        TreeCtx {
            mstid: m.mstid,
            all_synced: false,
            re_rooted: false,
            cist_rcvd_msg: p.rcvd_msg,
            cist_updt_info: p.updt_info,
            cist_msg_matches: cist_msg_matches(p),
        }
    }

    /// Forgets the deferred rcvdInfoWhile restarts (the MSTI ports are rebuilt).
    fn drop_msti_pending(&mut self) {
        for i in core::mem::take(&mut self.msti_pending) {
            if let Some(p) = self.ports.get_mut(i) {
                p.fast.pending = None;
            }
        }
    }

    /// Writes the deferred rcvdInfoWhile restarts to the MSTI ports.
    fn flush_msti_pending(&mut self) {
        for i in core::mem::take(&mut self.msti_pending) {
            let Some((at, hello)) = self.ports.get_mut(i).and_then(|p| p.fast.pending.take())
            else {
                continue;
            };
            for m in &mut self.mstis {
                if let Some(mp) = m.ports.get_mut(i) {
                    mp.updt_rcvd_info_while_hello(at, hello);
                }
            }
        }
    }

    /// The pending repeated MST BPDU of port `i` (`msti_skip`), once the CIST machines ran:
    /// if every MSTI would take the REPEATED_DESIGNATED fast path again (§13.35: only
    /// updtRcvdInfoWhile()) — nothing changed in any MSTI since the last time all did, no
    /// timer of the port's MSTIs has expired, no role selection or MSTI work is pending and
    /// the CIST variables the fast path reads are as they were — only rcvdInfoWhile restarts.
    /// Otherwise the MSTI messages are received now, queued where `handle_frame` would have
    /// queued them, and take the ordinary path.
    ///
    /// True when the skip was taken and no MSTI has anything else to do (no work, no role
    /// selection, no `master` flags to recompute): `run_mstis` has nothing left to run.
    fn msti_skip_or_receive(&mut self, i: usize, now: Instant, touched: &mut Vec<usize>) -> bool {
        let epoch = self.msti_epoch;
        let n = self.mstis.len();
        let Some(p) = self.ports.get(i) else {
            return false;
        };
        let v = self.port_view(p);
        let f = &p.fast;
        let ok = f.epoch == epoch
            && f.count == n
            && f.until.is_none_or(|t| t > now)
            && f.rcvd.is_some_and(|t| t > now)
            && v.enabled
            && !p.rcvd_msg
            && !p.updt_info
            && f.ctx == Some((v.oper_p2p, cist_msg_matches(p)));
        // One pass over the MSTIs: no work or role selection pending (required), no `master`
        // flags to recompute (then nothing at all is left for `run_mstis`).
        let (idle, quiet) = if ok && self.msti_idle {
            debug_assert!(self.mstis.iter().all(Msti::idle), "msti_idle out of step");
            (true, true)
        } else if ok {
            self.mstis.iter().fold((true, true), |(idle, quiet), m| {
                (
                    idle && !m.reselect && m.work.is_empty(),
                    quiet && !m.master_stale,
                )
            })
        } else {
            (false, false)
        };
        if idle {
            // REPEATED_DESIGNATED (§13.35) on every MSTI: updtRcvdInfoWhile(); rcvdMsg stays
            // FALSE. remainingHops is what it was when every rcvdInfoWhile last restarted
            // running, so each restarts running: recorded now, written to the MSTI ports
            // before anything reads them (`flush_msti_pending`).
            self.out.stats.msti_skips = self.out.stats.msti_skips.saturating_add(1);
            let mut t = Timer::STOPPED;
            t.put(now, v.hello.max(Duration::from_secs(1)).saturating_mul(3));
            if let Some(p) = self.ports.get_mut(i) {
                p.fast.rcvd = t.deadline();
                if p.fast.pending.replace((now, v.hello)).is_none() {
                    self.msti_pending.push(i);
                }
            }
            touched.push(i);
            return quiet;
        }
        let Some(p) = self.ports.get_mut(i) else {
            return false;
        };
        let records = core::mem::take(&mut p.fast.records);
        let sender = p.fast.sender;
        p.fast.count = 0;
        p.fast.until = None;
        p.fast.rcvd = None;
        p.fast.ctx = None;
        if let Ok(msgs) = crate::wire::MstiMessages::new(&records) {
            self.msti_receive(i, msgs, sender);
        }
        // handle_frame would have queued the port first, before anything the CIST machines
        // queued since.
        for m in &mut self.mstis {
            if m.work.contains(&i) {
                m.work.retain(|&j| j != i);
                m.work.insert(0, i);
            }
        }
        if let Some(p) = self.ports.get_mut(i) {
            p.fast.records = records;
        }
        false
    }

    /// A new MSTI port for bridge port `i`, after BEGIN.
    fn new_msti_port(&mut self, k: usize, i: usize, priority: u8, cost: Option<u32>) -> MstiPort {
        let now = self.out.now;
        let Some(p) = self.ports.get(i) else {
            return MstiPort::new(0, priority, cost);
        };
        let mut mp = MstiPort::new(p.no.get(), priority, cost);
        let v = self.port_view(p);
        if let Some(m) = self.mstis.get(k) {
            let c = Self::tree_ctx(m, usize::MAX, p, now);
            mp.begin(now, &v, &c, &mut self.out);
        }
        mp
    }

    /// BEGIN for every MSTI port.
    fn begin_mstis(&mut self) {
        self.msti_epoch = self.msti_epoch.wrapping_add(1);
        self.msti_idle = false;
        // BEGIN restarts every MSTI port: a deferred restart no longer applies.
        self.drop_msti_pending();
        for p in &mut self.ports {
            p.msti_dirty = true;
        }
        for k in 0..self.mstis.len() {
            for i in 0..self.ports.len() {
                let (priority, cost) = self
                    .mstis
                    .get(k)
                    .and_then(|m| m.ports.get(i))
                    .map_or((128, None), |mp| (mp.priority, mp.path_cost));
                let mp = self.new_msti_port(k, i, priority, cost);
                if let Some(slot) = self.mstis.get_mut(k).and_then(|m| m.ports.get_mut(i)) {
                    *slot = mp;
                }
            }
            if let Some(m) = self.mstis.get_mut(k) {
                m.reselect = true;
                m.queued = alloc::vec![crate::msti::Queued::No; m.ports.len()];
                m.work.clear();
                m.mark_all();
            }
        }
    }

    /// rcvMsgs() for the MSTIs (802.1Q-2018 §13.29.13): only for a BPDU from inside the region
    /// (rcvdInternal), rcvdMsg is set for each MSTI the BPDU carries a message for, with the
    /// message priority vector {Regional Root : Internal Root Path Cost : Designated Bridge
    /// (MSTI priority, MSTID, CIST bridge address) : Designated Port : receiving port} (§13.11).
    fn msti_receive(
        &mut self,
        i: usize,
        msgs: crate::wire::MstiMessages<'_>,
        (sender, sender_port): (MacAddr, u16),
    ) {
        self.msti_idle = false;
        for msg in msgs.iter() {
            let mstid = msg.mstid();
            // The MSTIs are kept in ascending MSTID order.
            let Ok(k) = self.mstis.binary_search_by_key(&mstid, |m| m.mstid) else {
                continue;
            };
            let Some(m) = self.mstis.get_mut(k) else {
                continue;
            };
            let Some(mp) = m.ports.get_mut(i) else {
                continue;
            };
            mp.msg = Some(MstiMsg {
                priority: MstiPriorityVector {
                    regional_root: msg.regional_root_id,
                    internal_root_path_cost: msg.internal_root_path_cost,
                    designated_bridge: BridgeId::new(
                        u16::from(msg.bridge_priority & 0xF0) << 8,
                        mstid,
                        sender,
                    ),
                    designated_port: PortId::new(msg.port_priority & 0xF0, sender_port),
                    bridge_port: mp.port_id,
                },
                hops: msg.remaining_hops,
                flags: msg.flags,
            });
            mp.rcvd_msg = true;
            m.mark_msg(i);
        }
    }

    /// Applies what the CIST Port Information machine of port `i` recorded for every MSTI
    /// (802.1Q-2018 §13.29.15–§13.29.24 for a message from outside the region).
    fn apply_ext(&mut self, i: usize) {
        let Some(p) = self.ports.get_mut(i) else {
            return;
        };
        if p.ext.is_empty() {
            return;
        }
        let ext = core::mem::take(&mut p.ext);
        self.msti_idle = false;
        for m in &mut self.mstis {
            let Some(mp) = m.ports.get_mut(i) else {
                continue;
            };
            if let Some((agreed, proposing)) = ext.agreement {
                mp.agreed = agreed;
                mp.proposing = proposing;
            }
            if let Some(proposed) = ext.proposed {
                mp.proposed = proposed;
            }
            if ext.tc {
                mp.rcvd_tc = true;
            }
            if ext.dispute {
                mp.disputed = true;
                mp.agreed = false;
            }
            if ext.clear_mastered && mp.mastered {
                mp.mastered = false;
                m.master_stale = true;
            }
            m.mark(i);
        }
    }

    /// syncMaster() (802.1Q-2018 §13.29.26): for every MSTI, each port with infoInternal set
    /// clears agree, agreed and synced and sets sync.
    fn sync_master(&mut self) {
        self.msti_idle = false;
        for m in &mut self.mstis {
            for (i, p) in self.ports.iter().enumerate() {
                if !p.info_internal {
                    continue;
                }
                if let Some(mp) = m.ports.get_mut(i) {
                    mp.agree = false;
                    mp.agreed = false;
                    mp.synced = false;
                    mp.sync = true;
                }
            }
            m.mark_all();
        }
    }

    /// Port Role Selection for an MSTI (802.1Q-2018 §13.36 ROLE_SELECTION: clearReselectTree();
    /// updtRolesTree(); setSelectedTree(); updtRolesTree for an MSTI is §13.29.34).
    fn updt_roles_msti(&mut self, m: &mut Msti) {
        self.msti_epoch = self.msti_epoch.wrapping_add(1);
        let own = self.msti_bridge_id(m);
        let max_hops = self.cfg.max_hops;
        // The bridge priority vector {B : 0 : B : 0 : 0} (§13.11).
        let mut best = MstiPriorityVector {
            regional_root: own,
            internal_root_path_cost: 0,
            designated_bridge: own,
            designated_port: PortId(0),
            bridge_port: PortId(0),
        };
        let mut best_hops = max_hops;
        let mut root: Option<usize> = None;
        for (i, p) in self.ports.iter().enumerate() {
            let Some(mp) = m.ports.get(i) else {
                continue;
            };
            // a)–c): a root path priority vector for each port whose MSTI port priority vector
            // was received from inside the region, not from this bridge, and not restricted
            // (restrictedRole, loop guard, bridge assurance).
            if mp.info_is != InfoIs::Received
                || (p.info_is == InfoIs::Received && !p.info_internal)
                || mp.port_priority.designated_bridge.address() == own.address()
                || p.cfg.root_guard
                || p.held_inconsistent()
            {
                continue;
            }
            // §13.11: root path priority vector = {RRD : IRCD + IPCPB : D : PD : PB}.
            let cost = mp.path_cost.unwrap_or(p.internal_path_cost);
            let v = MstiPriorityVector {
                internal_root_path_cost: mp
                    .port_priority
                    .internal_root_path_cost
                    .saturating_add(cost),
                bridge_port: mp.port_id,
                ..mp.port_priority
            };
            if v < best {
                best = v;
                // d) rootTimes: remainingHops one less than the Root Port's.
                best_hops = mp.port_hops.saturating_sub(1);
                root = Some(i);
            }
        }
        m.root = best;
        m.root_port = root;
        m.root_hops = best_hops;
        let root_no = root.and_then(|i| self.ports.get(i)).map(|p| p.no);
        let report = (best.regional_root, root_no, best.internal_root_path_cost);
        if m.last_root != Some(report) {
            m.last_root = Some(report);
            self.out.event(Event::RootChanged {
                tree: m.mstid,
                root: report.0,
                root_port: report.1,
                root_path_cost: report.2,
            });
        }
        for (i, p) in self.ports.iter().enumerate() {
            let Some(mp) = m.ports.get_mut(i) else {
                continue;
            };
            // e), f) designatedPriority {RR : IRC : B : QB : QB} and designatedTimes.
            mp.designated_priority = MstiPriorityVector {
                regional_root: best.regional_root,
                internal_root_path_cost: best.internal_root_path_cost,
                designated_bridge: own,
                designated_port: mp.port_id,
                bridge_port: mp.port_id,
            };
            mp.designated_hops = best_hops;
            let differs =
                mp.port_priority != mp.designated_priority || mp.port_hops != mp.designated_hops;
            let boundary = p.info_is == InfoIs::Received && !p.info_internal;
            let (role, updt) = if mp.info_is == InfoIs::Disabled || !p.port_enabled {
                (Role::Disabled, false)
            } else if boundary && p.selected_role == Role::Root {
                // g) CIST information from outside the region and a CIST Root Port: the
                // Master Port; i) updtInfo if the vector or times differ.
                (Role::Master, differs)
            } else if boundary && matches!(p.selected_role, Role::Alternate | Role::Backup) {
                // h) a CIST Alternate (or Backup) boundary port is Alternate on every MSTI.
                (p.selected_role, differs)
            } else if p.held_inconsistent() {
                (Role::Alternate, false)
            } else {
                match mp.info_is {
                    // j) aged: Designated, updtInfo.
                    InfoIs::Aged => (Role::Designated, true),
                    // k) Mine: Designated, updtInfo if it differs.
                    InfoIs::Mine => (Role::Designated, differs),
                    // l) the root priority vector is derived from it: Root Port.
                    InfoIs::Received if root == Some(i) => (Role::Root, false),
                    InfoIs::Received => {
                        if mp.designated_priority.message() >= mp.port_priority.message() {
                            // m), n) Alternate, or Backup when the designated bridge is this
                            // bridge.
                            if mp.port_priority.designated_bridge.address() == own.address() {
                                (Role::Backup, false)
                            } else {
                                (Role::Alternate, false)
                            }
                        } else {
                            // o) the designated priority vector is better: Designated,
                            // updtInfo.
                            (Role::Designated, true)
                        }
                    }
                    InfoIs::Disabled => (Role::Disabled, false),
                }
            };
            mp.selected_role = role;
            mp.updt_info = updt;
        }
        // setSelectedTree (§13.29.22) after clearReselectTree (§13.29.3).
        for mp in &mut m.ports {
            mp.reselect = false;
            mp.selected = true;
        }
        m.reselect = false;
        m.mark_all();
    }

    /// Runs the machines of every MSTI with work until none moves (the MSTI counterpart of the
    /// CIST loop in `run`); the bridge ports whose transmit variables changed are marked for
    /// the CIST loop. True if some port was.
    fn run_mstis(&mut self, now: Instant, touched: &mut Vec<usize>) -> bool {
        if self.mstis.is_empty() {
            return false;
        }
        if let Some(i) = self.msti_skip.take()
            && self.msti_skip_or_receive(i, now, touched)
        {
            // The whole effect of a repeated MST BPDU: nothing else can move (no MSTI port is
            // queued, no role selection, no `master` flag to recompute, no port stepped).
            return false;
        }
        // MSTI machines, role selection and the fast path read rcvdInfoWhile.
        if !self.msti_pending.is_empty()
            && self.mstis.iter().any(|m| m.reselect || !m.work.is_empty())
        {
            self.flush_msti_pending();
        }
        let mut mstis = core::mem::take(&mut self.mstis);
        let mut stepped = core::mem::take(&mut self.msti_stepped);
        stepped.clear();
        let bound = 64 * (self.ports.len() + 4) * 8;
        let epoch0 = self.msti_epoch;
        let mut fast = core::mem::take(&mut self.msti_fast_ports);
        fast.clear();
        for m in &mut mstis {
            let mut steps = 0usize;
            loop {
                if m.reselect {
                    self.updt_roles_msti(m);
                }
                let Some(i) = m.work.pop() else {
                    break;
                };
                let why = m
                    .queued
                    .get_mut(i)
                    .map_or(crate::msti::Queued::No, core::mem::take);
                steps += 1;
                if steps > bound {
                    self.out.stats.step_bound_hits =
                        self.out.stats.step_bound_hits.saturating_add(1);
                    m.work.clear();
                    for q in &mut m.queued {
                        *q = crate::msti::Queued::No;
                    }
                    break;
                }
                let Some(p) = self.ports.get(i) else {
                    continue;
                };
                let v = self.port_view(p);
                if why == crate::msti::Queued::Msg {
                    let c = Self::tree_ctx_msg(m, p);
                    if m.repeated_fast(i, now, &v, &c) {
                        // Only rcvdInfoWhile moved: the port's deadline is rescheduled.
                        touched.push(i);
                        let (until, rcvd) = m.fast_timers(i);
                        let ctx = (v.oper_p2p, c.cist_msg_matches);
                        if let Some(p) = self.ports.get_mut(i) {
                            let f = &mut p.fast;
                            if f.ctx.is_some_and(|x| x != ctx)
                                || rcvd.is_none()
                                || (f.count > 0 && f.epoch != epoch0)
                            {
                                // Not one consistent record: never matches `mstis.len()`.
                                f.count = usize::MAX;
                            }
                            f.count = f.count.saturating_add(1);
                            f.epoch = epoch0;
                            f.ctx = Some(ctx);
                            f.until = min_opt(f.until, until);
                            f.rcvd = min_opt(f.rcvd, rcvd);
                            fast.push(i);
                        }
                        continue;
                    }
                }
                let c = Self::tree_ctx(m, i, p, now);
                let mut t = TreeOut::default();
                let Some(mp) = m.ports.get_mut(i) else {
                    continue;
                };
                self.msti_epoch = self.msti_epoch.wrapping_add(1);
                let before = msti_port_signature(mp, now);
                let was = (mp.role, mp.mastered);
                // allSynced / reRooted were computed for these values (see `tree_ctx`).
                let (c_agree, c_forward) = (mp.agree, mp.forward);
                // Step until quiet; stop early (and come back) when a tree-wide procedure ran
                // or this port's variables that allSynced / reRooted read changed.
                let mut quiet = false;
                for _ in 0..64 {
                    self.out.stats.port_steps = self.out.stats.port_steps.saturating_add(1);
                    if !mp.step(now, &v, &c, &mut self.out, &mut t) {
                        quiet = true;
                        break;
                    }
                    if t.sync_tree
                        || t.reroot_tree
                        || t.tc_prop_from
                        || t.reselect
                        || msti_port_signature(mp, now) != before
                        || (mp.agree, mp.forward) != (c_agree, c_forward)
                    {
                        break;
                    }
                }
                let changed = !quiet;
                let after = msti_port_signature(mp, now);
                if (mp.role, mp.mastered) != was {
                    m.master_stale = true;
                }
                let new_info = core::mem::take(&mut mp.new_info);
                stepped.push(i);
                if let Some(p) = self.ports.get_mut(i) {
                    // The machines may have started timers.
                    p.msti_dirty = true;
                    if new_info {
                        // newInfoMsti (§13.27.42) is a port variable.
                        p.new_info_msti = true;
                    }
                }
                if changed {
                    m.mark(i);
                }
                let mut broadcast = before != after;
                if t.sync_tree {
                    // §13.29.23 setSyncTree: sync = TRUE for every port of the tree.
                    for q in &mut m.ports {
                        q.sync = true;
                    }
                    broadcast = true;
                }
                if t.reroot_tree {
                    // §13.29.21 setReRootTree: reRoot = TRUE for every port of the tree.
                    for q in &mut m.ports {
                        q.re_root = true;
                    }
                    broadcast = true;
                }
                if t.tc_prop_from {
                    // §13.29.25 setTcPropTree: tcProp = TRUE for every other port of the tree.
                    for (j, q) in m.ports.iter_mut().enumerate() {
                        if j != i {
                            q.tc_prop = true;
                        }
                    }
                    broadcast = true;
                }
                if t.reselect {
                    m.reselect = true;
                }
                if broadcast {
                    m.mark_all();
                }
            }
            // master (§13.27.34): a Root or Designated port's messages carry the Master flag
            // when the bridge has a Master Port on the MSTI, or another Root or Designated port
            // is mastered.
            if !core::mem::take(&mut m.master_stale) {
                continue;
            }
            let has_master = m.ports.iter().any(|q| q.role == Role::Master);
            let active = |q: &MstiPort| matches!(q.role, Role::Root | Role::Designated);
            let mastered = m.ports.iter().filter(|q| q.mastered && active(q)).count();
            for q in &mut m.ports {
                let others = mastered - usize::from(q.mastered && active(q));
                q.master = active(q) && (has_master || others > 0);
            }
        }
        // The fast-path records hold only if nothing else changed an MSTI in this round.
        let epoch1 = self.msti_epoch;
        for &i in &fast {
            if let Some(p) = self.ports.get_mut(i) {
                if epoch1 == epoch0 {
                    p.fast.epoch = epoch1;
                } else {
                    p.fast.count = usize::MAX;
                }
            }
        }
        self.msti_fast_ports = fast;
        self.msti_idle = mstis.iter().all(Msti::idle);
        self.mstis = mstis;
        stepped.sort_unstable();
        stepped.dedup();
        let result = self.msti_aggregates(now, &stepped, touched);
        self.msti_stepped = stepped;
        result
    }

    /// Updates the port-level summaries of the MSTIs (mstiMasterPort, mstiDesignatedOrTCpropagatingRootPort,
    /// allTransmitReady) of the ports in `stepped` and marks the ports whose Port Transmit
    /// machine must look again. True if some port was marked.
    fn msti_aggregates(
        &mut self,
        now: Instant,
        stepped: &[usize],
        touched: &mut Vec<usize>,
    ) -> bool {
        let mut marked = false;
        for &i in stepped {
            touched.push(i);
            let (mut master, mut desig, mut not_ready) = (false, false, false);
            for m in &self.mstis {
                if let Some(mp) = m.ports.get(i) {
                    master |= mp.role == Role::Master;
                    desig |= mp.role == Role::Designated
                        || (mp.role == Role::Root && !mp.tc_while.zero(now));
                    not_ready |= !mp.selected || mp.updt_info;
                }
            }
            let Some(p) = self.ports.get_mut(i) else {
                continue;
            };
            let wake = p.new_info_msti
                || p.msti_master != master
                || p.msti_desig_or_tc_root != desig
                || p.msti_not_ready != not_ready;
            p.msti_master = master;
            p.msti_desig_or_tc_root = desig;
            p.msti_not_ready = not_ready;
            if wake {
                self.mark(i);
                marked = true;
            }
        }
        marked
    }

    /// The MSTI configuration messages for an MST BPDU on `port` (802.1Q-2018 §14.4.1,
    /// §13.29.28 txRstp), encoded into `buf`; the length used. The flags: Topology Change
    /// (tcWhile ≠ 0), Proposal (proposing on a Designated Port), Port Role (a Master Port is
    /// encoded 0), Learning, Forwarding, Agreement (agree) and Master (master).
    fn msti_messages(&self, port: PortNo, buf: &mut [u8]) -> usize {
        let Some(&i) = self.index.get(&port.get()) else {
            return 0;
        };
        let now = self.out.now;
        let mut len = 0;
        for m in &self.mstis {
            let Some(mp) = m.ports.get(i) else {
                continue;
            };
            let mut flags = crate::wire::BpduFlags::empty().with_role(mp.role.wire());
            flags.set(
                crate::wire::BpduFlags::TOPOLOGY_CHANGE,
                !mp.tc_while.zero(now),
            );
            flags.set(
                crate::wire::BpduFlags::PROPOSAL,
                mp.proposing && mp.role == Role::Designated,
            );
            flags.set(crate::wire::BpduFlags::LEARNING, mp.learning);
            flags.set(crate::wire::BpduFlags::FORWARDING, mp.forwarding);
            flags.set(crate::wire::BpduFlags::AGREEMENT, mp.agree);
            // Bit 8 of MSTI flags is the Master flag (§14.4.1 a).
            flags.set(crate::wire::BpduFlags::TOPOLOGY_CHANGE_ACK, mp.master);
            let msg = crate::wire::MstiConfigMessage {
                flags,
                regional_root_id: mp.designated_priority.regional_root,
                internal_root_path_cost: mp.designated_priority.internal_root_path_cost,
                bridge_priority: u8::try_from(m.priority >> 8).unwrap_or(0xF0) & 0xF0,
                port_priority: mp.priority & 0xF0,
                remaining_hops: mp.designated_hops,
            };
            let Some(dst) = buf.get_mut(len..) else {
                break;
            };
            match crate::wire::MstiMessages::encode(core::slice::from_ref(&msg), dst) {
                Ok(n) => len += n,
                Err(_) => break,
            }
        }
        len
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
        // A new bridge identifier makes the tree reselect (§13.26.2).
        m.reselect = true;
        m.mark_all();
        self.msti_idle = false;
        self.out.now = now;
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    /// Sets a port's MSTI port priority (steps of 16, 802.1Q-2018 §13.27.47) and MSTI
    /// InternalPortPathCost (§13.27.33; `None`: the port's CIST internal path cost) on one
    /// MSTI.
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
        let i = self.position(port)?;
        let m = self
            .mstis
            .iter_mut()
            .find(|m| m.mstid == mstid)
            .ok_or(ConfigError::NoSuchMsti(mstid))?;
        let mp = m
            .ports
            .get_mut(i)
            .ok_or(ConfigError::NoSuchPort(port.get()))?;
        if mp.priority != priority || mp.path_cost != path_cost {
            mp.priority = priority;
            mp.port_id = PortId::new(priority, port.get());
            mp.path_cost = path_cost;
            // A port priority or path cost change makes the tree reselect (§13.27.47).
            mp.reselect = true;
            mp.selected = false;
            m.reselect = true;
            m.mark_all();
            self.msti_idle = false;
        }
        self.out.now = now;
        self.sync_cache = None;
        self.run(now);
        Ok(())
    }

    /// An MSTI as a show command prints it; `None` for an MSTID the region map does not use.
    pub fn msti(&self, mstid: u16) -> Option<MstiStatus> {
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let own = self.msti_bridge_id(m);
        let now = self.out.now;
        Some(MstiStatus {
            mstid,
            bridge_id: own,
            root_priority: m.root,
            root_port: m.root_port.and_then(|i| self.ports.get(i)).map(|p| p.no),
            is_root: m.root.regional_root == own,
            remaining_hops: m.root_hops,
            topology_change: m.ports.iter().any(|mp| !mp.tc_while.zero(now)),
        })
    }

    /// A port's role and forwarding state on an MSTI; `None` for an unknown port or MSTID.
    pub fn msti_port(&self, port: PortNo, mstid: u16) -> Option<(Role, PortState)> {
        let &i = self.index.get(&port.get())?;
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let mp = m.ports.get(i)?;
        Some((mp.role, mp.state()))
    }

    /// The MSTIDs of the region map, ascending.
    pub fn mstids(&self) -> impl Iterator<Item = u16> + '_ {
        self.mstis.iter().map(|m| m.mstid)
    }

    /// The per-MSTI invariants of [`check_invariants`](Self::check_invariants).
    fn check_msti_invariants(&self) -> Result<(), &'static str> {
        for m in &self.mstis {
            if m.ports.len() != self.ports.len() || m.queued.len() != self.ports.len() {
                return Err("MSTI ports out of step");
            }
            let roots = m.ports.iter().filter(|mp| mp.role == Role::Root).count();
            if roots > 1 {
                return Err("MSTI: more than one root port");
            }
            let own = self.msti_bridge_id(m);
            let is_root = m.root.regional_root == own;
            if is_root != m.root_port.is_none() {
                return Err("MSTI: a root port exactly when not the regional root");
            }
            if let Some(i) = m.root_port {
                let mp = m.ports.get(i).ok_or("MSTI root port is not a port")?;
                if mp.selected_role != Role::Root {
                    return Err("MSTI root port not selected as root");
                }
            }
            for (j, (mp, p)) in m.ports.iter().zip(&self.ports).enumerate() {
                let active = matches!(mp.role, Role::Root | Role::Designated | Role::Master);
                if mp.role == Role::Root && m.root_port != Some(j) {
                    return Err("MSTI: a root port other than the selected one");
                }
                if (mp.learning || mp.forwarding) && !active {
                    return Err(
                        "MSTI: learning or forwarding on a port that is neither root, designated nor master",
                    );
                }
                if !p.port_enabled && (mp.learning || mp.forwarding) {
                    return Err("MSTI: disabled port learning or forwarding");
                }
                if mp.forwarding && !mp.learning {
                    return Err("MSTI: forwarding without learning");
                }
            }
        }
        Ok(())
    }

    /// [`Bridge::explain`] for an MSTI.
    pub(crate) fn explain_msti(
        &self,
        port: PortNo,
        mstid: u16,
    ) -> Option<crate::explain::Explanation> {
        use crate::explain::{Explanation, RoleReason, Wait};
        let &i = self.index.get(&port.get())?;
        let p = self.ports.get(i)?;
        let m = self.mstis.iter().find(|m| m.mstid == mstid)?;
        let mp = m.ports.get(i)?;
        let root = m.root;
        let pv = |v: &MstiPriorityVector| PriorityVector {
            root: v.regional_root,
            root_path_cost: v.internal_root_path_cost,
            designated_bridge: v.designated_bridge,
            designated_port: v.designated_port,
            bridge_port: v.bridge_port,
        };
        let heard = (mp.info_is == InfoIs::Received).then(|| pv(&mp.port_priority));
        let root_port = m.root_port.and_then(|j| self.ports.get(j)).map(|q| q.no);
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
                Role::Designated | Role::Master => RoleReason::Designated {
                    ours: pv(&mp.designated_priority),
                    heard,
                },
                Role::Alternate => match heard {
                    Some(h) => RoleReason::Alternate {
                        heard: h,
                        root_port,
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
        let state = mp.state();
        let forwarding_role = matches!(mp.role, Role::Root | Role::Designated | Role::Master);
        let waiting = if forwarding_role && state != PortState::Forwarding {
            if mp.sync && !mp.synced {
                Some(Wait::Sync)
            } else if mp.proposing && !mp.agreed {
                Some(Wait::Agreement {
                    fallback: mp.fd_while.left(now),
                })
            } else if mp.re_root && !mp.rr_while.zero(now) {
                Some(Wait::ReRoot {
                    remaining: mp.rr_while.left(now),
                })
            } else {
                Some(Wait::ForwardDelay {
                    remaining: mp.fd_while.left(now),
                    next: if state == PortState::Learning {
                        PortState::Forwarding
                    } else {
                        PortState::Learning
                    },
                })
            }
        } else {
            None
        };
        Some(Explanation {
            port,
            tree: mstid,
            role: mp.role,
            selected_role: mp.selected_role,
            state,
            reason,
            waiting,
            legacy_stp: !p.send_rstp,
            oper_edge: p.oper_edge,
            oper_p2p: p.oper_p2p,
        })
    }
}

/// The earlier of two optional deadlines (`None`: none).
fn min_opt(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The CIST message repeats the port's root, root path cost and regional root (what the MSTI
/// fast path reads for `agreed`, §13.29.13).
fn cist_msg_matches(p: &Port) -> bool {
    p.msg_priority.root == p.port_priority.root
        && p.msg_priority.root_path_cost == p.port_priority.root_path_cost
        && p.msg_region.regional_root == p.port_region.regional_root
}

/// Stale information aging takes part for `rx`: a designated BPDU (Configuration, or RST / MST
/// with the Designated Port Role) from outside the MST region, sent by another bridge.
fn stale_candidate(rx: &RxBpdu, own: BridgeId) -> bool {
    let designated = rx.kind == RxKind::Config
        || (rx.kind == RxKind::Rst && rx.body.flags.role() == crate::wire::PortRole::Designated);
    designated && !rx.internal && rx.designated_bridge.address() != own.address()
}

/// The root vector a received BPDU carries.
fn rx_root(rx: &RxBpdu) -> RootVector {
    (
        rx.body.root_id,
        rx.body.root_path_cost,
        rx.region.regional_root,
        rx.region.internal_root_path_cost,
    )
}
