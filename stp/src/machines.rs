//! The per-port state machines of 802.1D-2004 clause 17 (802.1Q-2022 §13.28–13.38 for the
//! CIST): Port Receive, Port Protocol Migration, Bridge Detection, Port Transmit, Port
//! Information, Port Role Transitions, Port State Transition and Topology Change. Port Role
//! Selection, which spans ports, is in [`crate::bridge`]; so is the Port Timers machine, whose
//! one-second tick is replaced by deadlines (every `…While` / `…When` variable is a
//! [`Timer`](l2_types::Timer) that reads as zero once expired).
//!
//! Each machine is a `fn` that performs at most one transition and says whether it did; the
//! bridge re-runs them until none does (the standard's "all machines run until quiescent").
//! Transient states (those left by an unconditional transition) execute their actions and
//! rest in the state they lead to.

use alloc::collections::VecDeque;

use crate::config::ForceVersion;
use crate::event::{CIST, Event, Role, Stats};
use crate::port::{
    BdmState, InfoIs, PimState, Port, PpmState, PrxState, PtxState, RcvdInfo, RxBpdu, RxKind,
    StdTimer, TcmState,
};
use crate::tree::{TreeOut, TreeView};
use crate::vector::{PriorityVector, Times, cist_message, cist_superior, dur, secs};
use crate::wire::{BpduFlags, ConfigBpdu};
use core::cmp::Ordering;
use l2_types::{Duration, Instant, MacAddr, PortNo};

/// Bound of queued frames.
pub const TRANSMITS_MAX: usize = 4096;
/// Bound of queued events.
pub const EVENTS_MAX: usize = 4096;
/// MigrateTime (802.1D-2004 §17.13.9): 3 s.
pub(crate) const MIGRATE_TIME: Duration = Duration::from_secs(3);

/// A BPDU to build when polled.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum TxBpdu {
    Config(ConfigBpdu),
    Tcn,
    Rst(ConfigBpdu),
    /// An MST BPDU (802.1Q-2022 §14.6): the CIST part (the Bridge Identifier field holds the
    /// CIST Regional Root) and the CIST fields that follow the MST Configuration Identifier,
    /// which the bridge fills in when the frame is polled.
    Mst {
        cist: ConfigBpdu,
        cist_internal_root_path_cost: u32,
        cist_bridge_id: crate::wire::BridgeId,
        cist_remaining_hops: u8,
    },
}

/// A queued transmission.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct PendingTx {
    pub(crate) port: PortNo,
    pub(crate) src: MacAddr,
    pub(crate) bpdu: TxBpdu,
    /// The root sequencing trailer after an RST BPDU (`BridgeConfig::root_sequencing`).
    pub(crate) trailer: Option<crate::wire::RootSeqTrailer>,
}

/// Bridge-level values the port machines read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx {
    pub(crate) force_version: ForceVersion,
    pub(crate) tx_hold_count: u8,
    pub(crate) root_times: Times,
    pub(crate) all_synced: bool,
    pub(crate) re_rooted: bool,
    /// Root sequencing is in use: RST BPDUs carry the trailer.
    pub(crate) root_seq: bool,
}

impl Ctx {
    /// rstpVersion (802.1D-2004 §17.20.11).
    fn rstp_version(&self) -> bool {
        self.force_version >= ForceVersion::Rstp
    }
}

/// Outputs and the cross-port procedures a step requested.
#[derive(Debug, Default, Clone)]
pub(crate) struct Out {
    pub(crate) tx: VecDeque<PendingTx>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) stats: Stats,
    /// setSyncTree() was called.
    pub(crate) set_sync_tree: bool,
    /// setReRootTree() was called.
    pub(crate) set_reroot_tree: bool,
    /// setTcPropTree() was called by these ports (they are excluded).
    pub(crate) set_tc_prop_from: alloc::vec::Vec<PortNo>,
    /// Some port set reselect.
    pub(crate) reselect: bool,
    /// The time of the current input.
    pub(crate) now: Instant,
}

impl Out {
    pub(crate) fn event(&mut self, e: Event) {
        if self.events.len() >= EVENTS_MAX {
            self.stats.event_queue_overflow = self.stats.event_queue_overflow.saturating_add(1);
        } else {
            self.events.push_back(e);
        }
    }

    fn transmit(&mut self, t: PendingTx) {
        if self.tx.len() >= TRANSMITS_MAX {
            self.stats.tx_queue_overflow = self.stats.tx_queue_overflow.saturating_add(1);
        } else {
            self.tx.push_back(t);
        }
    }
}

impl Port {
    /// HelloTime, MaxAge (802.1D-2004 §17.20.6, §17.20.7): the designatedTimes values.
    fn hello_time(&self) -> Duration {
        dur(self.designated_times.hello_time)
    }
    fn max_age(&self) -> Duration {
        dur(self.designated_times.max_age)
    }
    /// EdgeDelay (802.1D-2004 §17.20.4).
    fn edge_delay(&self) -> Duration {
        if self.oper_p2p {
            MIGRATE_TIME
        } else {
            self.max_age()
        }
    }

    fn reselect(&mut self, out: &mut Out) {
        self.reselect = true;
        out.reselect = true;
    }

    /// Runs every machine of this port once; true if any made a transition.
    pub(crate) fn step(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        self.tick_tx_count(now);
        let mut changed = self.ba_step(now, out);
        changed |= self.prx_step(now, out);
        changed |= self.ppm_step(now, ctx, out);
        changed |= self.bdm_step(now, out);
        changed |= self.pim_step(now, ctx, out);
        // Port Role Transitions and Port State Transition read the port as Port Information
        // left it.
        let v = self.tree_view(ctx);
        changed |= self.prt_step(now, &v, out);
        changed |= self.tree.pst_step(&v, out);
        changed |= self.tcm_step(now, ctx, out);
        changed |= self.ptx_step(now, ctx, out);
        changed
    }

    /// BEGIN for all of this port's machines.
    pub(crate) fn begin(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) {
        self.prx_discard(now);
        self.ppm_checking_rstp(now, ctx, out);
        // 802.1D-2004 §17.25 BEGIN && AdminEdge → EDGE; BEGIN && !AdminEdge → NOT_EDGE.
        self.bdm = if self.cfg.admin_edge {
            BdmState::Edge
        } else {
            BdmState::NotEdge
        };
        self.set_oper_edge(self.cfg.admin_edge, out);
        // §17.26 TRANSMIT_INIT: newInfo = TRUE; txCount = 0.
        self.ptx = PtxState::TransmitInit;
        self.new_info = true;
        self.tx_count = 0;
        self.tx_tick.stop();
        self.pim_disabled(out);
        let v = self.tree_view(ctx);
        self.tree.prt_init_port(now, &v);
        self.tree.pst_discarding(&v, out);
        // §17.31 INACTIVE.
        self.tcm_inactive(out);
    }

    /// Bridge assurance: BPDUs must keep arriving on a point-to-point non-edge port.
    fn ba_step(&mut self, now: Instant, out: &mut Out) -> bool {
        if !(self.port_enabled && self.bridge_assurance_active()) {
            self.ba_while.stop();
            if self.ba_inconsistent {
                self.ba_inconsistent = false;
                self.reselect(out);
                out.event(Event::GuardCleared {
                    port: self.no,
                    guard: crate::event::Guard::BridgeAssurance,
                });
                return true;
            }
            return false;
        }
        if self.ba_inconsistent {
            return false;
        }
        if !self.ba_while.is_running() {
            self.ba_while.put(
                now,
                self.hello_time()
                    .saturating_mul(3)
                    .max(Duration::from_secs(3)),
            );
            return false;
        }
        if self.ba_while.expired(now) {
            self.ba_while.stop();
            self.ba_inconsistent = true;
            self.counters.guard_trips = self.counters.guard_trips.saturating_add(1);
            out.stats.guard_trips = out.stats.guard_trips.saturating_add(1);
            self.reselect(out);
            out.event(Event::GuardTripped {
                port: self.no,
                guard: crate::event::Guard::BridgeAssurance,
                received: None,
            });
            return true;
        }
        false
    }

    /// A BPDU arrived: restart bridge assurance, release loop guard.
    pub(crate) fn heard_bpdu(&mut self, now: Instant, out: &mut Out) {
        if self.bridge_assurance_active() {
            self.ba_while.put(
                now,
                self.hello_time()
                    .saturating_mul(3)
                    .max(Duration::from_secs(3)),
            );
            if self.ba_inconsistent {
                self.ba_inconsistent = false;
                self.reselect(out);
                out.event(Event::GuardCleared {
                    port: self.no,
                    guard: crate::event::Guard::BridgeAssurance,
                });
            }
        }
        if self.loop_inconsistent {
            self.loop_inconsistent = false;
            self.reselect(out);
            out.event(Event::GuardCleared {
                port: self.no,
                guard: crate::event::Guard::Loop,
            });
        }
    }

    // ------------------------------------------------------------ Port Receive (§17.23)

    fn prx_discard(&mut self, now: Instant) {
        // 802.1D-2004 §17.23 DISCARD: rcvdBpdu = rcvdRSTP = rcvdSTP = FALSE; clearAllRcvdMsgs();
        // edgeDelayWhile = MigrateTime.
        self.prx = PrxState::Discard;
        self.rcvd_bpdu = false;
        self.rcvd_rstp = false;
        self.rcvd_stp = false;
        self.rcvd_msg = false;
        self.rx = None;
        self.edge_delay_while.put(now, MIGRATE_TIME);
    }

    fn prx_step(&mut self, now: Instant, out: &mut Out) -> bool {
        // §17.23 global: (rcvdBpdu || (edgeDelayWhile != MigrateTime)) && !portEnabled → DISCARD.
        if !self.port_enabled && (self.rcvd_bpdu || !self.edge_delay_while.is(now, MIGRATE_TIME)) {
            self.prx_discard(now);
            return true;
        }
        let go = match self.prx {
            // §17.23 DISCARD → RECEIVE: rcvdBpdu && portEnabled.
            PrxState::Discard => self.rcvd_bpdu && self.port_enabled,
            // §17.23 RECEIVE → RECEIVE: rcvdBpdu && portEnabled && !rcvdMsg.
            PrxState::Receive => self.rcvd_bpdu && self.port_enabled && !self.rcvd_msg,
        };
        if !go {
            return false;
        }
        // §17.23 RECEIVE: updtBPDUVersion(); operEdge = rcvdBpdu = FALSE; rcvdMsg = TRUE;
        // edgeDelayWhile = MigrateTime.
        self.prx = PrxState::Receive;
        // §17.21.22 updtBPDUVersion.
        match self.rx.map(|r| r.kind) {
            Some(RxKind::Config | RxKind::Tcn) => self.rcvd_stp = true,
            Some(RxKind::Rst) => self.rcvd_rstp = true,
            None => {}
        }
        self.set_oper_edge(false, out);
        self.rcvd_bpdu = false;
        self.rcvd_msg = true;
        self.edge_delay_while.put(now, MIGRATE_TIME);
        true
    }

    fn set_oper_edge(&mut self, v: bool, out: &mut Out) {
        if self.oper_edge != v {
            self.oper_edge = v;
            out.event(Event::EdgeChanged {
                port: self.no,
                oper_edge: v,
            });
        }
    }

    // ------------------------------------------------- Port Protocol Migration (§17.24)

    fn set_send_rstp(&mut self, v: bool, out: &mut Out) {
        if self.send_rstp != v {
            self.send_rstp = v;
            out.event(Event::ProtocolMigrated {
                port: self.no,
                send_rstp: v,
            });
        }
    }

    fn ppm_checking_rstp(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) {
        // 802.1D-2004 §17.24 CHECKING_RSTP: mcheck = FALSE; sendRSTP = rstpVersion;
        // mdelayWhile = MigrateTime.
        self.ppm = PpmState::CheckingRstp;
        self.mcheck = false;
        self.set_send_rstp(ctx.rstp_version(), out);
        self.mdelay_while.put(now, MIGRATE_TIME);
    }

    fn ppm_step(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        match self.ppm {
            PpmState::CheckingRstp => {
                // §17.24 CHECKING_RSTP → CHECKING_RSTP: (mdelayWhile != MigrateTime) && !portEnabled.
                if !self.mdelay_while.is(now, MIGRATE_TIME) && !self.port_enabled {
                    self.ppm_checking_rstp(now, ctx, out);
                    return true;
                }
                // §17.24 CHECKING_RSTP → SENSING: mdelayWhile == 0.
                if self.mdelay_while.zero(now) {
                    self.ppm_sensing();
                    return true;
                }
                false
            }
            PpmState::SelectingStp => {
                // §17.24 SELECTING_STP → SENSING: mdelayWhile == 0 || !portEnabled || mcheck.
                if self.mdelay_while.zero(now) || !self.port_enabled || self.mcheck {
                    self.ppm_sensing();
                    return true;
                }
                false
            }
            PpmState::Sensing => {
                // §17.24 SENSING → CHECKING_RSTP: !portEnabled || mcheck ||
                // (rstpVersion && !sendRSTP && rcvdRSTP).
                if !self.port_enabled
                    || self.mcheck
                    || (ctx.rstp_version() && !self.send_rstp && self.rcvd_rstp)
                {
                    self.ppm_checking_rstp(now, ctx, out);
                    return true;
                }
                // §17.24 SENSING → SELECTING_STP: sendRSTP && rcvdSTP.
                if self.send_rstp && self.rcvd_stp {
                    // SELECTING_STP: sendRSTP = FALSE; mdelayWhile = MigrateTime.
                    self.ppm = PpmState::SelectingStp;
                    self.set_send_rstp(false, out);
                    self.mdelay_while.put(now, MIGRATE_TIME);
                    return true;
                }
                false
            }
        }
    }

    fn ppm_sensing(&mut self) {
        // §17.24 SENSING: rcvdRSTP = rcvdSTP = FALSE.
        self.ppm = PpmState::Sensing;
        self.rcvd_rstp = false;
        self.rcvd_stp = false;
    }

    // -------------------------------------------------------- Bridge Detection (§17.25)

    fn bdm_step(&mut self, now: Instant, out: &mut Out) -> bool {
        match self.bdm {
            BdmState::Edge => {
                // §17.25 EDGE → NOT_EDGE: (!portEnabled && !AdminEdge) || !operEdge.
                if (!self.port_enabled && !self.cfg.admin_edge) || !self.oper_edge {
                    self.bdm = BdmState::NotEdge;
                    self.set_oper_edge(false, out);
                    return true;
                }
                false
            }
            BdmState::NotEdge => {
                // §17.25 NOT_EDGE → EDGE: (!portEnabled && AdminEdge) || ((edgeDelayWhile == 0)
                // && AutoEdge && sendRSTP && proposing).
                if (!self.port_enabled && self.cfg.admin_edge)
                    || (self.edge_delay_while.zero(now)
                        && self.cfg.auto_edge
                        && self.send_rstp
                        && self.proposing)
                {
                    self.bdm = BdmState::Edge;
                    self.set_oper_edge(true, out);
                    return true;
                }
                false
            }
        }
    }

    // --------------------------------------------------------- Port Transmit (§17.26)

    fn ptx_step(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        // 802.1Q-2022 §13.32: BEGIN || !portEnabled → TRANSMIT_INIT (no BPDUs on a disabled
        // port); BPDU filter keeps the machine there too.
        if !self.port_enabled || self.cfg.bpdu_filter {
            if self.ptx != PtxState::TransmitInit {
                self.ptx = PtxState::TransmitInit;
                self.new_info = true;
                self.tx_count = 0;
                self.tx_tick.stop();
                return true;
            }
            return false;
        }
        if self.ptx == PtxState::TransmitInit {
            // §17.26 TRANSMIT_INIT → IDLE (UCT); IDLE: helloWhen = HelloTime.
            self.ptx = PtxState::Idle;
            self.hello_when.put(now, self.hello_time());
            return true;
        }
        // §17.26: every transition out of IDLE requires allTransmitReady (selected && !updtInfo,
        // 802.1Q-2018 §13.28.3: for the CIST and every MSTI).
        let mstp = ctx.force_version >= ForceVersion::Mstp;
        if !self.selected || self.updt_info || (mstp && self.msti_not_ready) {
            return false;
        }
        if self.hello_when.zero(now) {
            // §17.26 TRANSMIT_PERIODIC: newInfo = newInfo || (role == DesignatedPort ||
            // (role == RootPort && (tcWhile != 0))). Bridge assurance sends on every role.
            self.new_info = self.new_info
                || self.role == Role::Designated
                || (self.role == Role::Root && !self.tc_while.zero(now))
                || self.bridge_assurance_active();
            // 802.1Q-2018 §13.34 TRANSMIT_PERIODIC: newInfoMsti = newInfoMsti ||
            // mstiDesignatedOrTCpropagatingRootPort.
            self.new_info_msti = self.new_info_msti || self.msti_desig_or_tc_root;
            self.hello_when.put(now, self.hello_time());
            self.ptx_send(now, ctx, out);
            return true;
        }
        self.ptx_send(now, ctx, out)
    }

    /// The IDLE → TRANSMIT_RSTP / TRANSMIT_TCN / TRANSMIT_CONFIG transitions (§17.26).
    fn ptx_send(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        // 802.1Q-2018 §13.34 IDLE → TRANSMIT_RSTP: sendRSTP && (newInfo || (newInfoMsti &&
        // !mstiMasterPort)); MSTI information is only sent in MST BPDUs.
        let msti = ctx.force_version >= ForceVersion::Mstp
            && self.send_rstp
            && self.new_info_msti
            && !self.msti_master;
        if !self.new_info && !msti {
            return false;
        }
        // A BPDU of the same kind that this port queued and the host has not polled yet is
        // replaced, not followed: txRstp/txConfig (§17.21.19, §17.21.20) send the port's
        // variables as they are when the frame goes out, and a frame that never reaches the
        // wire uses no transmission the Transmit Hold Count limits (§17.26 counts frames
        // sent). A TCN is never merged: each one is a notification of its own.
        let queued = out.tx.iter().rposition(|t| t.port == self.no).filter(|&i| {
            out.tx
                .get(i)
                .is_some_and(|t| self.same_kind(&t.bpdu, ctx.force_version))
        });
        if queued.is_none() && self.tx_count >= ctx.tx_hold_count {
            out.stats.tx_held = out.stats.tx_held.saturating_add(1);
            return false;
        }
        let tc = !self.tc_while.zero(now);
        let mut trailer = None;
        let bpdu = if self.send_rstp {
            // §17.26 TRANSMIT_RSTP: newInfo = FALSE; txRstp(); txCount += 1; tcAck = FALSE.
            // §17.21.20 txRstp.
            let role = if self.bridge_assurance_active() && self.role == Role::Disabled {
                Role::Designated
            } else {
                self.role
            };
            let mut flags = BpduFlags::empty().with_role(role.wire());
            flags.set(BpduFlags::AGREEMENT, self.agree);
            flags.set(
                BpduFlags::PROPOSAL,
                self.proposing && self.role == Role::Designated,
            );
            flags.set(BpduFlags::TOPOLOGY_CHANGE, tc);
            flags.set(BpduFlags::LEARNING, self.learning);
            flags.set(BpduFlags::FORWARDING, self.forwarding);
            self.tc_ack = false;
            if ctx.force_version >= ForceVersion::Mstp {
                // 802.1Q-2022 §13.29.30 txRstp: an MST bridge sends MST BPDUs (an RSTP
                // neighbour reads the CIST part as an RST BPDU, §13.4).
                TxBpdu::Mst {
                    cist: self.body(flags),
                    cist_internal_root_path_cost: self.designated_region.internal_root_path_cost,
                    cist_bridge_id: self.designated_priority.designated_bridge,
                    cist_remaining_hops: self.designated_hops,
                }
            } else {
                if ctx.root_seq {
                    trailer = Some(crate::wire::RootSeqTrailer {
                        root_seq: self.designated_seq,
                        request: self.rs_request.take(),
                    });
                }
                TxBpdu::Rst(self.body(flags))
            }
        } else if self.role == Role::Root {
            // §17.26 TRANSMIT_TCN: newInfo = FALSE; txTcn(); txCount += 1.
            if !tc {
                // Nothing to notify: a legacy root port sends only TCNs (§17.21.21).
                self.new_info = false;
                return true;
            }
            TxBpdu::Tcn
        } else if self.role == Role::Designated {
            // §17.26 TRANSMIT_CONFIG: newInfo = FALSE; txConfig(); txCount += 1; tcAck = FALSE.
            // §17.21.19 txConfig: TC flag if tcWhile != 0, TCA from tcAck.
            let mut flags = BpduFlags::empty();
            flags.set(BpduFlags::TOPOLOGY_CHANGE, tc);
            flags.set(BpduFlags::TOPOLOGY_CHANGE_ACK, self.tc_ack);
            self.tc_ack = false;
            TxBpdu::Config(self.body(flags))
        } else {
            return false;
        };
        // TRANSMIT_RSTP: newInfo = newInfoMsti = FALSE (802.1Q-2018 §13.34).
        self.new_info = false;
        if self.send_rstp {
            self.new_info_msti = false;
        }
        if let Some(q) = queued.and_then(|i| out.tx.get_mut(i)) {
            out.stats.tx_coalesced = out.stats.tx_coalesced.saturating_add(1);
            // One-shot contents of the replaced frame carry over: a Configuration BPDU's
            // Topology Change Acknowledgment (tcAck was cleared when it was built) and a
            // root sequencing request (taken from the port when it was built).
            let bpdu = match (q.bpdu, bpdu) {
                (TxBpdu::Config(old), TxBpdu::Config(mut b)) => {
                    if old.flags.contains(BpduFlags::TOPOLOGY_CHANGE_ACK) {
                        b.flags.insert(BpduFlags::TOPOLOGY_CHANGE_ACK);
                    }
                    TxBpdu::Config(b)
                }
                (_, b) => b,
            };
            let trailer = match (q.trailer, trailer) {
                (Some(old), Some(mut t)) => {
                    t.request = t.request.or(old.request);
                    Some(t)
                }
                (_, t) => t,
            };
            q.bpdu = bpdu;
            q.trailer = trailer;
            return true;
        }
        if self.tx_count == 0 {
            // 802.1D-2004 §17.22: txCount is decremented once a second while non-zero.
            self.tx_tick.put(now, Duration::from_secs(1));
        }
        self.tx_count = self.tx_count.saturating_add(1);
        out.transmit(PendingTx {
            port: self.no,
            src: self.cfg.mac,
            bpdu,
            trailer,
        });
        true
    }

    /// A queued BPDU is of the kind the Port Transmit machine would send now (RST or MST with
    /// sendRSTP, a Configuration BPDU from a Designated Port otherwise; never a TCN).
    fn same_kind(&self, queued: &TxBpdu, force_version: ForceVersion) -> bool {
        match queued {
            TxBpdu::Rst(_) => self.send_rstp && force_version < ForceVersion::Mstp,
            TxBpdu::Mst { .. } => self.send_rstp && force_version >= ForceVersion::Mstp,
            TxBpdu::Config(_) => !self.send_rstp && self.role == Role::Designated,
            TxBpdu::Tcn => false,
        }
    }

    /// The CIST part of a BPDU from designatedPriority and designatedTimes. The Bridge
    /// Identifier field carries the CIST Regional Root (802.1Q-2022 §13.29.28–13.29.30, §14.4):
    /// an STP or RSTP neighbour sees a whole MST region as one bridge. Outside MSTP the regional
    /// root is this bridge, the designated bridge.
    fn body(&self, flags: BpduFlags) -> ConfigBpdu {
        let d = &self.designated_priority;
        let t = &self.designated_times;
        ConfigBpdu {
            flags,
            root_id: d.root,
            root_path_cost: d.root_path_cost,
            bridge_id: self.designated_region.regional_root,
            port_id: d.designated_port,
            message_age: t.message_age,
            max_age: t.max_age,
            hello_time: t.hello_time,
            forward_delay: t.forward_delay,
        }
    }

    /// Bridge assurance applies: configured, point-to-point and not an edge port.
    pub(crate) fn bridge_assurance_active(&self) -> bool {
        self.cfg.bridge_assurance && self.oper_p2p && !self.oper_edge
    }

    /// The Port Timers tick for txCount (802.1D-2004 §17.22): call when `tx_tick` expired.
    pub(crate) fn tick_tx_count(&mut self, now: Instant) {
        if self.tx_tick.expired(now) && self.tx_count > 0 {
            // 802.1D-2004 §17.22: one decrement per one-second tick. The next tick is a second
            // after this one is seen: a host that calls late (the tick's deadline already
            // passed) must not get two decrements less than a second apart, which would let
            // a port send more than Transmit Hold Count + 1 BPDUs within one second.
            self.tx_count -= 1;
            if self.tx_count > 0 {
                self.tx_tick.set(now.saturating_add(Duration::from_secs(1)));
            } else {
                self.tx_tick.stop();
            }
        }
        if self.tx_count == 0 {
            self.tx_tick.stop();
        }
    }

    // ------------------------------------------------------ Port Information (§17.27)

    fn pim_disabled(&mut self, out: &mut Out) {
        // 802.1D-2004 §17.27 DISABLED: rcvdMsg = FALSE; proposing = proposed = agree = agreed =
        // FALSE; rcvdInfoWhile = 0; infoIs = Disabled; reselect = TRUE; selected = FALSE.
        self.pim = PimState::Disabled;
        self.rcvd_msg = false;
        self.rcvd_internal = false;
        self.proposing = false;
        self.proposed = false;
        self.agree = false;
        self.agreed = false;
        self.rcvd_info_while.stop();
        self.info_is = InfoIs::Disabled;
        self.reselect(out);
        self.selected = false;
    }

    fn pim_aged(&mut self, out: &mut Out) {
        // §17.27 AGED: infoIs = Aged; reselect = TRUE; selected = FALSE.
        self.pim = PimState::Aged;
        self.info_is = InfoIs::Aged;
        self.rcvd_internal = false;
        self.reselect(out);
        self.selected = false;
    }

    /// Stale information aging ([`crate::BridgeConfig::stale_info_aging`], an extension):
    /// the Port Information machine's AGED (802.1D-2004 §17.27) before rcvdInfoWhile runs
    /// out, without loop guard (the port still hears BPDUs).
    pub(crate) fn age_stale(&mut self, out: &mut Out) {
        self.rcvd_info_while.stop();
        self.pim_aged(out);
    }

    fn pim_step(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        // §17.27 global: !portEnabled && (infoIs != Disabled) → DISABLED.
        if !self.port_enabled && self.info_is != InfoIs::Disabled {
            self.pim_disabled(out);
            return true;
        }
        match self.pim {
            PimState::Disabled => {
                if self.port_enabled {
                    // §17.27 DISABLED → AGED: portEnabled.
                    self.pim_aged(out);
                    true
                } else if self.rcvd_msg {
                    // §17.27 DISABLED → DISABLED: rcvdMsg.
                    self.pim_disabled(out);
                    true
                } else {
                    false
                }
            }
            PimState::Aged => {
                if self.selected && self.updt_info {
                    self.pim_update();
                    true
                } else {
                    false
                }
            }
            PimState::Current => {
                if self.selected && self.updt_info {
                    // §17.27 CURRENT → UPDATE: selected && updtInfo.
                    self.pim_update();
                    true
                } else if self.info_is == InfoIs::Received
                    && self.rcvd_info_while.zero(now)
                    && !self.updt_info
                    && !self.rcvd_msg
                {
                    // §17.27 CURRENT → AGED: (infoIs == Received) && (rcvdInfoWhile == 0) &&
                    // !updtInfo && !rcvdMsg. Loop guard keeps a non-designated port discarding.
                    if self.cfg.loop_guard
                        && matches!(self.role, Role::Root | Role::Alternate | Role::Backup)
                        && !self.loop_inconsistent
                    {
                        self.loop_inconsistent = true;
                        self.counters.guard_trips = self.counters.guard_trips.saturating_add(1);
                        out.stats.guard_trips = out.stats.guard_trips.saturating_add(1);
                        out.event(Event::GuardTripped {
                            port: self.no,
                            guard: crate::event::Guard::Loop,
                            received: None,
                        });
                    }
                    self.pim_aged(out);
                    true
                } else if self.rcvd_msg && !self.updt_info {
                    // §17.27 CURRENT → RECEIVE: rcvdMsg && !updtInfo.
                    self.pim_receive(now, ctx, out);
                    true
                } else {
                    false
                }
            }
        }
    }

    fn pim_update(&mut self) {
        // §17.27 UPDATE: proposing = proposed = FALSE; agreed = agreed && betterorsameInfo(Mine);
        // synced = synced && agreed; portPriority = designatedPriority; portTimes =
        // designatedTimes; updtInfo = FALSE; infoIs = Mine; newInfo = TRUE. → CURRENT.
        self.proposing = false;
        self.proposed = false;
        self.agreed = self.agreed && self.betterorsame_info(InfoIs::Mine);
        self.synced = self.synced && self.agreed;
        self.port_priority = self.designated_priority;
        self.port_times = self.designated_times;
        // 802.1Q-2022 §13.36 UPDATE: the regional components and remainingHops too.
        self.port_region = self.designated_region;
        self.port_hops = self.designated_hops;
        self.port_seq = self.designated_seq;
        self.updt_info = false;
        self.info_is = InfoIs::Mine;
        self.new_info = true;
        self.pim = PimState::Current;
    }

    /// betterorsameInfo(newInfoIs) (802.1D-2004 §17.21.1).
    fn betterorsame_info(&self, new_info_is: InfoIs) -> bool {
        let port = cist_message(&self.port_priority, &self.port_region);
        (new_info_is == InfoIs::Received
            && self.info_is == InfoIs::Received
            && cist_message(&self.msg_priority, &self.msg_region) <= port)
            || (new_info_is == InfoIs::Mine
                && self.info_is == InfoIs::Mine
                && cist_message(&self.designated_priority, &self.designated_region) <= port)
    }

    fn pim_receive(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) {
        // §17.27 RECEIVE: rcvdInfo = rcvInfo().
        let Some(rx) = self.rx else {
            self.rcvd_msg = false;
            self.pim = PimState::Current;
            return;
        };
        if rx.kind == RxKind::Tcn {
            // A TCN BPDU carries no priority vector: only its notification is recorded
            // (setTcFlags, §17.21.17), on a port that is designated for the segment.
            // 802.1Q-2018 §13.29.13 rcvMsgs: a TCN sets rcvdTc for every MSTI too.
            self.set_tc_flags(rx.kind, rx.body.flags);
            self.ext.tc = true;
            self.rcvd_msg = false;
            self.pim = PimState::Current;
            return;
        }
        self.rcvd_internal = rx.internal;
        self.rcvd_info = self.rcv_info(&rx);
        let flags = rx.body.flags;
        let designated =
            rx.kind == RxKind::Config || flags.role() == crate::wire::PortRole::Designated;
        let external = !rx.internal;
        if external {
            // 802.1Q-2018 §13.29.17 recordMastered: a CIST message from outside the region
            // clears mastered for every MSTI.
            self.ext.clear_mastered = true;
        }
        match self.rcvd_info {
            RcvdInfo::SuperiorDesignated => {
                // §17.27 SUPERIOR_DESIGNATED: agreed = proposing = FALSE; recordProposal();
                // setTcFlags(); agree = agree && betterorsameInfo(Received); recordPriority();
                // recordTimes(); updtRcvdInfoWhile(); infoIs = Received; reselect = TRUE;
                // selected = FALSE; rcvdMsg = FALSE.
                self.agreed = false;
                self.proposing = false;
                self.record_proposal(designated, flags);
                self.set_tc_flags(rx.kind, flags);
                if external {
                    // 802.1Q-2018 §13.29.15/§13.29.19/§13.29.24: from outside the region the
                    // MSTIs take the CIST's agreed, proposing and proposed, and a TC flag sets
                    // rcvdTc for every MSTI.
                    self.ext.agreement = Some((self.agreed, self.proposing));
                    self.ext.proposed = Some(self.proposed);
                    self.ext.tc |= flags.contains(BpduFlags::TOPOLOGY_CHANGE);
                }
                self.agree = self.agree && self.betterorsame_info(InfoIs::Received);
                self.port_priority = self.msg_priority;
                self.port_times = self.msg_times;
                // 802.1Q-2022 §13.29.25 recordPriority / §13.29.26 recordTimes also take the
                // regional components and remainingHops; §13.36 SUPERIOR_DESIGNATED:
                // infoInternal = rcvdInternal.
                self.port_region = self.msg_region;
                self.port_hops = self.msg_hops;
                // Root sequencing: the sequence number goes with the vector it came with.
                self.port_seq = self.msg_seq;
                self.info_internal = self.rcvd_internal;
                self.updt_rcvd_info_while(now);
                self.info_is = InfoIs::Received;
                self.reselect(out);
                self.selected = false;
            }
            RcvdInfo::RepeatedDesignated => {
                // §17.27 REPEATED_DESIGNATED: recordProposal(); setTcFlags();
                // updtRcvdInfoWhile(); rcvdMsg = FALSE.
                self.record_proposal(designated, flags);
                self.set_tc_flags(rx.kind, flags);
                self.updt_rcvd_info_while(now);
                if external {
                    // §13.29.19 recordProposal, §13.29.24 setTcFlags for every MSTI.
                    if designated && flags.contains(BpduFlags::PROPOSAL) {
                        self.ext.proposed = Some(self.proposed);
                    }
                    self.ext.tc |= flags.contains(BpduFlags::TOPOLOGY_CHANGE);
                }
            }
            RcvdInfo::InferiorDesignated => {
                // §17.27 INFERIOR_DESIGNATED: recordDispute(); rcvdMsg = FALSE.
                // §17.21.10 recordDispute: an RST BPDU with the Learning flag: disputed = TRUE,
                // agreed = FALSE.
                if rx.kind == RxKind::Rst && flags.contains(BpduFlags::LEARNING) {
                    self.disputed = true;
                    self.agreed = false;
                    // 802.1Q-2018 §13.29.16: from outside the region, for every MSTI too.
                    self.ext.dispute |= external;
                }
            }
            RcvdInfo::InferiorRootAlternate => {
                // §17.27 NOT_DESIGNATED: recordAgreement(); setTcFlags(); rcvdMsg = FALSE.
                // §17.21.9 recordAgreement, and only for the root this port advertises (the
                // rule of 802.1Q-2018 §13.29.15 a) for MSTI agreements, applied to the CIST):
                // an agreement naming another root answers a proposal this port has since
                // replaced — a stale handshake that would open a port the neighbour never
                // agreed to.
                if ctx.rstp_version()
                    && self.oper_p2p
                    && rx.kind == RxKind::Rst
                    && flags.contains(BpduFlags::AGREEMENT)
                    && self.msg_priority.root == self.designated_priority.root
                {
                    self.agreed = true;
                    self.proposing = false;
                } else {
                    self.agreed = false;
                }
                self.set_tc_flags(rx.kind, flags);
                if external {
                    // 802.1Q-2018 §13.29.15 recordAgreement, §13.29.24 setTcFlags: the MSTIs
                    // take the CIST's agreed and proposing; a TC flag reaches every MSTI.
                    self.ext.agreement = Some((self.agreed, self.proposing));
                    self.ext.tc |= flags.contains(BpduFlags::TOPOLOGY_CHANGE);
                }
            }
            RcvdInfo::Other => {}
        }
        self.rcvd_msg = false;
        self.pim = PimState::Current;
    }

    /// rcvInfo() (802.1D-2004 §17.21.8); sets msgPriority and msgTimes.
    /// For the CIST of an MST bridge (802.1Q-2022 §13.29.14) the message priority vector has the
    /// regional components and msgTimes the remaining hops.
    fn rcv_info(&mut self, rx: &RxBpdu) -> RcvdInfo {
        let b = &rx.body;
        let kind = rx.kind;
        self.msg_priority = PriorityVector {
            root: b.root_id,
            root_path_cost: b.root_path_cost,
            designated_bridge: rx.designated_bridge,
            designated_port: b.port_id,
            bridge_port: self.port_id,
        };
        self.msg_region = rx.region;
        self.msg_hops = rx.hops;
        self.msg_seq = rx.seq;
        self.msg_times = Times {
            message_age: b.message_age,
            max_age: b.max_age,
            forward_delay: b.forward_delay,
            hello_time: b.hello_time,
        };
        // A Configuration BPDU implicitly conveys a Designated Port Role.
        let role = if kind == RxKind::Config {
            crate::wire::PortRole::Designated
        } else {
            b.flags.role()
        };
        let ord = cist_message(&self.msg_priority, &self.msg_region)
            .cmp(&cist_message(&self.port_priority, &self.port_region));
        // 802.1Q-2022 §13.29.14: same vector but different times (or remaining hops, or a
        // change of region membership) is superior designated information too.
        // Root sequencing: a new sequence number for the same vector is new information too
        // (both are None without the extension).
        let times_differ = self.msg_times != self.port_times
            || self.msg_hops != self.port_hops
            || self.rcvd_internal != self.info_internal
            || self.msg_seq != self.port_seq;
        match role {
            crate::wire::PortRole::Designated => {
                if cist_superior(
                    &self.msg_priority,
                    &self.msg_region,
                    &self.port_priority,
                    &self.port_region,
                ) || (ord == Ordering::Equal && times_differ)
                {
                    RcvdInfo::SuperiorDesignated
                } else if ord == Ordering::Equal {
                    RcvdInfo::RepeatedDesignated
                } else {
                    RcvdInfo::InferiorDesignated
                }
            }
            crate::wire::PortRole::Root | crate::wire::PortRole::AlternateOrBackup
                if ord != Ordering::Less =>
            {
                RcvdInfo::InferiorRootAlternate
            }
            _ => RcvdInfo::Other,
        }
    }

    /// recordProposal() (802.1D-2004 §17.21.11).
    fn record_proposal(&mut self, designated: bool, flags: BpduFlags) {
        if designated && flags.contains(BpduFlags::PROPOSAL) {
            self.proposed = true;
        }
    }

    /// setTcFlags() (802.1D-2004 §17.21.17).
    fn set_tc_flags(&mut self, kind: RxKind, flags: BpduFlags) {
        match kind {
            RxKind::Tcn => self.rcvd_tcn = true,
            RxKind::Config => {
                self.rcvd_tc |= flags.contains(BpduFlags::TOPOLOGY_CHANGE);
                self.rcvd_tc_ack |= flags.contains(BpduFlags::TOPOLOGY_CHANGE_ACK);
            }
            RxKind::Rst => self.rcvd_tc |= flags.contains(BpduFlags::TOPOLOGY_CHANGE),
        }
    }

    /// updtRcvdInfoWhile() (802.1D-2004 §17.21.23): three Hello Times if Message Age + 1 s
    /// does not exceed Max Age, else 0.
    ///
    /// 802.1Q-2022 §13.29.34: information from inside the region lasts while remainingHops,
    /// decremented by one, stays above zero (Message Age is not incremented there); information
    /// whose hops ran out is discarded at once.
    fn updt_rcvd_info_while(&mut self, now: Instant) {
        let t = &self.port_times;
        let hello = secs(t.hello_time).max(1);
        let fresh = if self.info_internal {
            self.port_hops > 1
        } else {
            secs(t.message_age) < secs(t.max_age)
        };
        if fresh {
            self.rcvd_info_while
                .put(now, Duration::from_secs(u64::from(3 * hello)));
        } else {
            self.rcvd_info_while.stop();
        }
    }

    // ------------------------- Port Role Transitions (§17.29), Port State Transition (§17.30)

    /// What the shared per-tree machines (`tree`) read of this port and the CIST.
    fn tree_view(&self, ctx: &Ctx) -> TreeView {
        TreeView {
            no: self.no,
            tree: CIST,
            times: self.designated_times,
            oper_edge: self.oper_edge,
            send_rstp: self.send_rstp,
            rstp_version: ctx.rstp_version(),
            all_synced: ctx.all_synced,
            re_rooted: ctx.re_rooted,
        }
    }

    /// One Port Role Transitions step on the CIST (`tree::TreeVars::prt_step`): the
    /// tree-wide procedures go to the bridge, DESIGNATED_PROPOSE starts edgeDelayWhile.
    fn prt_step(&mut self, now: Instant, v: &TreeView, out: &mut Out) -> bool {
        let mut t = TreeOut::default();
        let changed = self.tree.prt_step(now, v, out, &mut t);
        if t.sync_tree {
            out.set_sync_tree = true;
        }
        if t.reroot_tree {
            out.set_reroot_tree = true;
        }
        if t.proposed {
            // §17.29 DESIGNATED_PROPOSE: edgeDelayWhile = EdgeDelay.
            self.edge_delay_while.put(now, self.edge_delay());
        }
        changed
    }

    // ------------------------------------------------------- Topology Change (§17.31)

    fn flush(&mut self, out: &mut Out) {
        // fdbFlush (§17.19.7): the host removes the port's entries at once; the flag is
        // cleared when it is done, which in a sans-IO library is immediately.
        self.fdb_flush = false;
        if self.learnt {
            self.learnt = self.learning;
            out.event(Event::FlushFdb {
                port: self.no,
                tree: CIST,
            });
        }
    }

    fn tcm_inactive(&mut self, out: &mut Out) {
        // §17.31 INACTIVE: fdbFlush = TRUE; tcWhile = 0; tcAck = FALSE.
        self.tcm = TcmState::Inactive;
        self.fdb_flush = true;
        self.flush(out);
        self.tc_while.stop();
        self.tc_ack = false;
    }

    fn tcm_learning(&mut self) {
        // §17.31 LEARNING: rcvdTc = rcvdTcn = rcvdTcAck = FALSE; rcvdTc = tcProp = FALSE.
        self.tcm = TcmState::Learning;
        self.rcvd_tc = false;
        self.rcvd_tcn = false;
        self.rcvd_tc_ack = false;
        self.tc_prop = false;
    }

    /// newTcWhile() (802.1D-2004 §17.21.7).
    fn new_tc_while(&mut self, now: Instant, ctx: &Ctx) {
        if self.tc_while.zero(now) {
            if self.send_rstp {
                self.tc_while.put(
                    now,
                    self.hello_time().saturating_add(Duration::from_secs(1)),
                );
                self.new_info = true;
            } else {
                let t =
                    dur(ctx.root_times.max_age).saturating_add(dur(ctx.root_times.forward_delay));
                self.tc_while.put(now, t);
            }
        }
    }

    fn tc_event(&mut self, detected: bool, out: &mut Out) {
        self.counters.topology_changes = self.counters.topology_changes.saturating_add(1);
        out.stats.topology_changes = out.stats.topology_changes.saturating_add(1);
        out.event(Event::TopologyChange {
            port: self.no,
            tree: CIST,
            detected,
        });
    }

    fn tcm_step(&mut self, now: Instant, ctx: &Ctx, out: &mut Out) -> bool {
        let root_or_desig = matches!(self.role, Role::Root | Role::Designated);
        match self.tcm {
            TcmState::Inactive => {
                if self.fdb_flush {
                    self.flush(out);
                }
                // §17.31 INACTIVE → LEARNING: learn && !fdbFlush.
                if self.learn && !self.fdb_flush {
                    self.tcm_learning();
                    return true;
                }
                false
            }
            TcmState::Learning => {
                if root_or_desig && self.forward && !self.oper_edge {
                    // §17.31 DETECTED: newTcWhile(); setTcPropTree(); newInfo = TRUE. → ACTIVE.
                    self.new_tc_while(now, ctx);
                    out.set_tc_prop_from.push(self.no);
                    self.new_info = true;
                    self.tcm = TcmState::Active;
                    self.tc_event(true, out);
                    return true;
                }
                let any = self.rcvd_tc || self.rcvd_tcn || self.rcvd_tc_ack || self.tc_prop;
                if any {
                    // §17.31 LEARNING → LEARNING.
                    self.tcm_learning();
                    return true;
                }
                if !(root_or_desig || self.learn || self.learning) {
                    self.tcm_inactive(out);
                    return true;
                }
                false
            }
            TcmState::Active => {
                if !root_or_desig || self.oper_edge {
                    self.tcm_learning();
                    return true;
                }
                if self.rcvd_tcn {
                    // §17.31 NOTIFIED_TCN: newTcWhile(). → NOTIFIED_TC.
                    self.new_tc_while(now, ctx);
                    self.notified_tc(out);
                    return true;
                }
                if self.rcvd_tc {
                    self.notified_tc(out);
                    return true;
                }
                if self.tc_prop && !self.oper_edge {
                    // §17.31 PROPAGATING: newTcWhile(); fdbFlush = TRUE; tcProp = FALSE.
                    self.new_tc_while(now, ctx);
                    self.fdb_flush = true;
                    self.flush(out);
                    self.tc_prop = false;
                    return true;
                }
                if self.rcvd_tc_ack {
                    // §17.31 ACKNOWLEDGED: tcWhile = 0; rcvdTcAck = FALSE.
                    self.tc_while.stop();
                    self.rcvd_tc_ack = false;
                    return true;
                }
                false
            }
        }
    }

    fn notified_tc(&mut self, out: &mut Out) {
        // §17.31 NOTIFIED_TC: rcvdTcn = rcvdTc = FALSE; if (role == DesignatedPort) tcAck = TRUE;
        // setTcPropTree(). restrictedTcn (802.1Q-2022 §13.27.65) stops the propagation.
        self.rcvd_tcn = false;
        self.rcvd_tc = false;
        if self.role == Role::Designated {
            self.tc_ack = true;
        }
        if !self.cfg.restricted_tcn {
            out.set_tc_prop_from.push(self.no);
        }
        self.tc_event(false, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PortConfig;

    fn ctx(force_version: ForceVersion, root_seq: bool) -> Ctx {
        Ctx {
            force_version,
            tx_hold_count: 6,
            root_times: Times::default(),
            all_synced: false,
            re_rooted: false,
            root_seq,
        }
    }

    /// A Designated Port whose Port Transmit machine is IDLE with nothing to send.
    fn port(send_rstp: bool) -> Port {
        let mut p = Port::new(
            PortNo(1),
            PortConfig::new(MacAddr([2, 0, 0, 0, 0, 1])),
            20_000,
        );
        p.port_enabled = true;
        p.ptx = PtxState::Idle;
        p.selected = true;
        p.role = Role::Designated;
        p.send_rstp = send_rstp;
        p
    }

    fn send(p: &mut Port, now: Instant, c: &Ctx, out: &mut Out) -> bool {
        p.new_info = true;
        p.ptx_send(now, c, out)
    }

    #[test]
    fn a_second_bpdu_before_the_poll_replaces_the_first() {
        let c = ctx(ForceVersion::Rstp, true);
        let mut p = port(true);
        let mut out = Out::default();
        let now = Instant::from_secs(5);
        p.rs_request = Some(crate::wire::SeqRequest {
            root: crate::wire::BridgeId::from_parts(4096, MacAddr([2, 0, 0, 0, 0, 9])),
            seq: 7,
            hops: 3,
        });
        assert!(send(&mut p, now, &c, &mut out));
        p.agree = true;
        p.designated_seq = Some(7);
        assert!(send(&mut p, now, &c, &mut out));
        // One frame, counted once, with the newer variables and the first one's request.
        assert_eq!(out.tx.len(), 1);
        assert_eq!(p.tx_count, 1);
        assert_eq!(out.stats.tx_coalesced, 1);
        let t = out.tx[0];
        let TxBpdu::Rst(b) = t.bpdu else {
            panic!("{t:?}")
        };
        assert!(b.flags.contains(BpduFlags::AGREEMENT));
        let trailer = t.trailer.unwrap();
        assert_eq!(trailer.root_seq, Some(7));
        assert_eq!(trailer.request.map(|r| r.seq), Some(7));
        // Once the host has taken it, the next one is a frame of its own.
        out.tx.clear();
        assert!(send(&mut p, now, &c, &mut out));
        assert_eq!((out.tx.len(), p.tx_count), (1, 2));
    }

    #[test]
    fn a_queued_bpdu_is_updated_even_with_the_hold_count_used_up() {
        let c = ctx(ForceVersion::Rstp, false);
        let mut p = port(true);
        let mut out = Out::default();
        let now = Instant::from_secs(5);
        for _ in 0..6 {
            out.tx.clear();
            assert!(send(&mut p, now, &c, &mut out));
        }
        assert_eq!(p.tx_count, 6);
        // §17.26: the hold count holds a new frame…
        out.tx.clear();
        assert!(!send(&mut p, now, &c, &mut out));
        assert_eq!(out.stats.tx_held, 1);
        assert!(out.tx.is_empty());
        // …but the one still queued takes the new variables.
        p.new_info = false;
        p.tx_count = 5;
        assert!(send(&mut p, now, &c, &mut out));
        assert_eq!(p.tx_count, 6);
        p.forwarding = true;
        assert!(send(&mut p, now, &c, &mut out));
        assert_eq!((out.tx.len(), p.tx_count, out.stats.tx_held), (1, 6, 1));
        let TxBpdu::Rst(b) = out.tx[0].bpdu else {
            panic!()
        };
        assert!(b.flags.contains(BpduFlags::FORWARDING));
    }

    #[test]
    fn a_configuration_bpdu_keeps_the_acknowledgment_and_a_tcn_is_never_merged() {
        let c = ctx(ForceVersion::Stp, false);
        let mut p = port(false);
        let mut out = Out::default();
        let now = Instant::from_secs(5);
        p.tc_ack = true;
        assert!(send(&mut p, now, &c, &mut out));
        assert!(!p.tc_ack);
        assert!(send(&mut p, now, &c, &mut out));
        assert_eq!((out.tx.len(), p.tx_count), (1, 1));
        let TxBpdu::Config(b) = out.tx[0].bpdu else {
            panic!()
        };
        assert!(b.flags.contains(BpduFlags::TOPOLOGY_CHANGE_ACK));
        // A legacy Root Port's TCNs (§17.21.21) are notifications: each one goes.
        out.tx.clear();
        p.role = Role::Root;
        p.tc_while.start(now, Duration::from_secs(4));
        assert!(send(&mut p, now, &c, &mut out));
        assert!(send(&mut p, now, &c, &mut out));
        assert_eq!(out.tx.len(), 2);
        assert!(out.tx.iter().all(|t| t.bpdu == TxBpdu::Tcn));
        assert_eq!(out.stats.tx_coalesced, 1);
    }
}
