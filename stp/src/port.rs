//! Per-port variables (802.1D-2004 §17.19, 802.1Q-2022 §13.27) and machine states.

use crate::config::{AdminP2p, LinkState, PortConfig};
use crate::event::PortCounters;
use crate::vector::{PriorityVector, RegionalVector, Times};
use crate::wire::{BridgeId, ConfigBpdu, PortId};
use l2_types::{Duration, Instant, PortNo, Timer};

/// `infoIs` (802.1D-2004 §17.19.10).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum InfoIs {
    /// The port is disabled.
    #[default]
    Disabled,
    /// The port priority vector is this bridge's designated priority vector.
    Mine,
    /// Received information aged out.
    Aged,
    /// Information received from the designated bridge of the attached segment.
    Received,
}

/// `rcvdInfo` (802.1D-2004 §17.19.24): the result of `rcvInfo()`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum RcvdInfo {
    /// SuperiorDesignatedInfo.
    SuperiorDesignated,
    /// RepeatedDesignatedInfo.
    RepeatedDesignated,
    /// InferiorDesignatedInfo.
    InferiorDesignated,
    /// InferiorRootAlternateInfo.
    InferiorRootAlternate,
    /// OtherInfo.
    #[default]
    Other,
}

/// The kind of the BPDU held for the Port Receive machine.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum RxKind {
    Config,
    Tcn,
    Rst,
}

/// A received BPDU waiting for the machines (`rcvdBpdu`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct RxBpdu {
    pub(crate) kind: RxKind,
    pub(crate) body: ConfigBpdu,
    /// The CIST designated bridge: the CIST Bridge Identifier of an MST BPDU processed as
    /// such, else the Bridge Identifier field.
    pub(crate) designated_bridge: BridgeId,
    /// The regional components of the message priority vector (802.1Q-2022 §13.10).
    pub(crate) region: RegionalVector,
    /// CIST Remaining Hops (MaxHops for a BPDU that carries none).
    pub(crate) hops: u8,
    /// rcvdInternal (802.1Q-2022 §13.27.47): from a bridge in the same MST region.
    pub(crate) internal: bool,
    /// The root sequence number of a root sequencing trailer (`BridgeConfig::root_sequencing`).
    pub(crate) seq: Option<u32>,
}

impl RxBpdu {
    /// A BPDU without MST information: the regional root is the designated bridge.
    pub(crate) fn plain(kind: RxKind, body: ConfigBpdu, hops: u8) -> Self {
        Self {
            kind,
            body,
            designated_bridge: body.bridge_id,
            region: RegionalVector {
                regional_root: body.bridge_id,
                internal_root_path_cost: 0,
            },
            hops,
            internal: false,
            seq: None,
        }
    }
}

/// Port Receive machine (802.1D-2004 §17.23).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PrxState {
    /// DISCARD.
    #[default]
    Discard,
    /// RECEIVE.
    Receive,
}

/// Port Protocol Migration machine (802.1D-2004 §17.24).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PpmState {
    /// CHECKING_RSTP.
    #[default]
    CheckingRstp,
    /// SELECTING_STP.
    SelectingStp,
    /// SENSING.
    Sensing,
}

/// Bridge Detection machine (802.1D-2004 §17.25).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum BdmState {
    /// EDGE.
    Edge,
    /// NOT_EDGE.
    #[default]
    NotEdge,
}

/// Port Transmit machine (802.1D-2004 §17.26); the TRANSMIT_* states are transient.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PtxState {
    /// TRANSMIT_INIT.
    #[default]
    TransmitInit,
    /// IDLE.
    Idle,
}

/// Port Information machine (802.1D-2004 §17.27); transient states are not kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PimState {
    /// DISABLED.
    #[default]
    Disabled,
    /// AGED.
    Aged,
    /// CURRENT.
    Current,
}

/// Port Role Transitions machine (802.1D-2004 §17.29, 802.1Q-2018 §13.37): the state the
/// machine rests in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PrtState {
    /// INIT_PORT.
    #[default]
    InitPort,
    /// DISABLE_PORT.
    DisablePort,
    /// DISABLED_PORT.
    DisabledPort,
    /// ROOT_PORT.
    RootPort,
    /// DESIGNATED_PORT.
    DesignatedPort,
    /// BLOCK_PORT.
    BlockPort,
    /// ALTERNATE_PORT.
    AlternatePort,
    /// MASTER_PORT (an MSTI's; 802.1Q-2018 §13.37).
    MasterPort,
}

/// Port State Transition machine (802.1D-2004 §17.30).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PstState {
    /// DISCARDING.
    #[default]
    Discarding,
    /// LEARNING.
    Learning,
    /// FORWARDING.
    Forwarding,
}

/// Topology Change machine (802.1D-2004 §17.31); transient states are not kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum TcmState {
    /// INACTIVE.
    #[default]
    Inactive,
    /// LEARNING.
    Learning,
    /// ACTIVE.
    Active,
}

/// The CIST procedures that also act on every MSTI of the port when the CIST message came from
/// outside the region (rcvdInternal FALSE), 802.1Q-2018 §13.29.15–§13.29.24.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub(crate) struct ExtRecord {
    /// recordAgreement: the MSTIs' agreed and proposing take these values.
    pub(crate) agreement: Option<(bool, bool)>,
    /// recordProposal: the MSTIs' proposed takes this value.
    pub(crate) proposed: Option<bool>,
    /// setTcFlags (a TC flag from outside the region, or a TCN): rcvdTc for every MSTI.
    pub(crate) tc: bool,
    /// recordDispute: disputed set and agreed cleared for every MSTI.
    pub(crate) dispute: bool,
    /// recordMastered: mastered cleared for every MSTI.
    pub(crate) clear_mastered: bool,
}

impl ExtRecord {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl core::ops::Deref for Port {
    type Target = crate::tree::TreeVars;
    fn deref(&self) -> &Self::Target {
        &self.tree
    }
}

impl core::ops::DerefMut for Port {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tree
    }
}

/// A per-port timer in the standard's sense: "zero" when stopped or expired.
pub(crate) trait StdTimer {
    fn zero(&self, now: Instant) -> bool;
    fn put(&mut self, now: Instant, d: Duration);
    fn is(&self, now: Instant, d: Duration) -> bool;
    fn left(&self, now: Instant) -> Duration;
}

impl StdTimer for Timer {
    fn zero(&self, now: Instant) -> bool {
        !self.is_running() || self.expired(now)
    }
    fn put(&mut self, now: Instant, d: Duration) {
        if d.is_zero() {
            self.stop();
        } else {
            self.start(now, d);
        }
    }
    fn is(&self, now: Instant, d: Duration) -> bool {
        self.left(now) == d
    }
    fn left(&self, now: Instant) -> Duration {
        self.remaining(now).unwrap_or(Duration::ZERO)
    }
}

/// One bridge port with all the standard's per-port variables.
#[derive(Clone, Debug)]
pub(crate) struct Port {
    /// Stale information aging (`BridgeConfig::stale_info_aging`): the sender and root vector
    /// of the last designated BPDU this port processed …
    pub(crate) heard: Option<(crate::wire::BridgeId, RootVector)>,
    /// … and the root vector the same sender sent before that one, if it differed: what a
    /// delayed copy of that sender's older BPDU on another port looks like.
    pub(crate) superseded: Option<RootVector>,
    /// … and a copy of a superseded BPDU was discarded on this port since it last heard what
    /// the other ports hear from that sender: its BPDUs may be older than theirs, so they age
    /// nothing elsewhere.
    pub(crate) lagging: bool,
    /// Root sequencing (`BridgeConfig::root_sequencing`): the root sequence number that goes
    /// with the port priority vector …
    pub(crate) port_seq: Option<u32>,
    /// … with the message priority vector …
    pub(crate) msg_seq: Option<u32>,
    /// … and with the designated priority vector.
    pub(crate) designated_seq: Option<u32>,
    /// A sequence request to send in the next BPDU on this port.
    pub(crate) rs_request: Option<crate::wire::SeqRequest>,
    pub(crate) no: PortNo,
    pub(crate) cfg: PortConfig,
    pub(crate) link: LinkState,
    pub(crate) port_id: PortId,
    pub(crate) port_path_cost: u32,
    /// The per-tree variables of the CIST (Port Role Transitions, Port State Transition).
    pub(crate) tree: crate::tree::TreeVars,

    pub(crate) port_enabled: bool,
    pub(crate) oper_p2p: bool,
    pub(crate) fdb_flush: bool,
    pub(crate) mcheck: bool,
    pub(crate) oper_edge: bool,
    pub(crate) rcvd_bpdu: bool,
    pub(crate) rcvd_msg: bool,
    pub(crate) rcvd_rstp: bool,
    pub(crate) rcvd_stp: bool,
    pub(crate) rcvd_tc: bool,
    pub(crate) rcvd_tc_ack: bool,
    pub(crate) rcvd_tcn: bool,
    pub(crate) reselect: bool,
    pub(crate) send_rstp: bool,
    pub(crate) tc_ack: bool,
    pub(crate) tc_prop: bool,
    pub(crate) info_is: InfoIs,
    pub(crate) rcvd_info: RcvdInfo,
    pub(crate) designated_priority: PriorityVector,
    pub(crate) designated_times: Times,
    pub(crate) msg_priority: PriorityVector,
    pub(crate) msg_times: Times,
    pub(crate) port_priority: PriorityVector,
    pub(crate) port_times: Times,
    pub(crate) tx_count: u8,
    /// The regional components of designatedPriority (802.1Q-2022 §13.27.21).
    pub(crate) designated_region: RegionalVector,
    /// The regional components of msgPriority (802.1Q-2022 §13.27.36).
    pub(crate) msg_region: RegionalVector,
    /// The regional components of portPriority (802.1Q-2022 §13.27.49).
    pub(crate) port_region: RegionalVector,
    /// remainingHops of designatedTimes (802.1Q-2022 §13.27.22).
    pub(crate) designated_hops: u8,
    /// remainingHops of msgTimes (802.1Q-2022 §13.27.37).
    pub(crate) msg_hops: u8,
    /// remainingHops of portTimes (802.1Q-2022 §13.27.50).
    pub(crate) port_hops: u8,
    /// rcvdInternal (802.1Q-2022 §13.27.47) of the BPDU being processed.
    pub(crate) rcvd_internal: bool,
    /// infoInternal (802.1Q-2022 §13.27.32): portPriority came from inside the region.
    pub(crate) info_internal: bool,
    /// InternalPortPathCost of the CIST (802.1Q-2018 §13.27.33): the cost added to the CIST
    /// Internal Root Path Cost for information from inside the region.
    pub(crate) internal_path_cost: u32,
    /// newInfoMsti (802.1Q-2018 §13.27.42): some MSTI has new information to send.
    pub(crate) new_info_msti: bool,
    /// mstiDesignatedOrTCpropagatingRootPort (802.1Q-2018 §13.28.16).
    pub(crate) msti_desig_or_tc_root: bool,
    /// mstiMasterPort (802.1Q-2018 §13.28.17).
    pub(crate) msti_master: bool,
    /// Some MSTI of the port is not selected or has updtInfo: allTransmitReady (§13.28.3)
    /// is false.
    pub(crate) msti_not_ready: bool,
    /// What the CIST Port Information machine did to every MSTI of the port for a message from
    /// outside the region, for the bridge to apply.
    pub(crate) ext: ExtRecord,
    /// Never later than the earliest running timer of the port's MSTIs (an earlier, stale value
    /// only causes a spurious wake-up).
    pub(crate) msti_next: Option<Instant>,
    /// Some MSTI machine of the port ran: `msti_next` must be recomputed.
    pub(crate) msti_dirty: bool,

    pub(crate) edge_delay_while: Timer,
    pub(crate) hello_when: Timer,
    pub(crate) mdelay_while: Timer,
    pub(crate) rcvd_info_while: Timer,
    pub(crate) tc_while: Timer,
    /// The Port Timers machine's one-second tick, kept only while `txCount > 0`.
    pub(crate) tx_tick: Timer,
    /// Bridge assurance: no BPDU for this long makes the port inconsistent.
    pub(crate) ba_while: Timer,

    pub(crate) rx: Option<RxBpdu>,
    pub(crate) prx: PrxState,
    pub(crate) ppm: PpmState,
    pub(crate) bdm: BdmState,
    pub(crate) ptx: PtxState,
    pub(crate) pim: PimState,
    pub(crate) tcm: TcmState,

    /// BPDU guard tripped: the port is held disabled.
    pub(crate) bpdu_guarded: bool,
    /// Root guard: superior information is being refused.
    pub(crate) root_inconsistent: bool,
    /// Loop guard: information aged out on a non-designated port.
    pub(crate) loop_inconsistent: bool,
    /// Bridge assurance: BPDUs stopped.
    pub(crate) ba_inconsistent: bool,
    pub(crate) counters: PortCounters,
    /// The deadline this port has in the bridge's timer set.
    pub(crate) scheduled: Option<Instant>,
    /// The repeated-MST-BPDU skip (see `Bridge::msti_skip_ok`).
    pub(crate) fast: MstiFast,
}

/// What the last MST BPDU from inside the region did to a port's MSTIs, so that the same
/// bytes again can restart `rcvdInfoWhile` without running the per-MSTI receive path.
#[derive(Clone, Debug, Default)]
pub(crate) struct MstiFast {
    /// The MSTI Configuration Messages of that BPDU, as received.
    pub(crate) records: alloc::vec::Vec<u8>,
    /// Its CIST designated bridge address and designated port number.
    pub(crate) sender: (l2_types::MacAddr, u16),
    /// How many MSTIs took the REPEATED_DESIGNATED fast path for it.
    pub(crate) count: usize,
    /// The bridge's MSTI epoch when they did (`Bridge::msti_epoch`).
    pub(crate) epoch: u64,
    /// The earliest fdWhile/rrWhile/rbWhile/tcWhile deadline of those MSTIs (`None`: none
    /// running).
    pub(crate) until: Option<Instant>,
    /// The earliest rcvdInfoWhile deadline of those MSTIs.
    pub(crate) rcvd: Option<Instant>,
    /// operPointToPointMAC and the CIST message match the fast path read.
    pub(crate) ctx: Option<(bool, bool)>,
    /// A skipped BPDU's rcvdInfoWhile restart (its time and HelloTime) not yet written to the
    /// MSTI ports: `Bridge::flush_msti_pending` applies it before anything reads them.
    pub(crate) pending: Option<(Instant, Duration)>,
}

/// The root part of a CIST message priority vector (802.1Q-2022 §13.10): Root Identifier,
/// External Root Path Cost, Regional Root Identifier, Internal Root Path Cost — what a
/// designated bridge sends alike on all its ports.
pub(crate) type RootVector = (crate::wire::BridgeId, u32, crate::wire::BridgeId, u32);

impl Port {
    /// The root vector of the recorded information, if it was received.
    pub(crate) fn recorded_root(&self) -> Option<(crate::wire::BridgeId, RootVector)> {
        (self.info_is == InfoIs::Received).then_some((
            self.port_priority.designated_bridge,
            (
                self.port_priority.root,
                self.port_priority.root_path_cost,
                self.port_region.regional_root,
                self.port_region.internal_root_path_cost,
            ),
        ))
    }

    pub(crate) fn new(no: PortNo, cfg: PortConfig, path_cost: u32) -> Self {
        let zero = PriorityVector {
            root: crate::wire::BridgeId::from_parts(0, l2_types::MacAddr::ZERO),
            root_path_cost: 0,
            designated_bridge: crate::wire::BridgeId::from_parts(0, l2_types::MacAddr::ZERO),
            designated_port: PortId(0),
            bridge_port: PortId(0),
        };
        Self {
            heard: None,
            superseded: None,
            lagging: false,
            port_seq: None,
            msg_seq: None,
            designated_seq: None,
            rs_request: None,
            no,
            cfg,
            link: LinkState::Down,
            port_id: PortId::new(cfg.priority, no.get()),
            port_path_cost: path_cost,
            tree: crate::tree::TreeVars::new(),
            port_enabled: false,
            oper_p2p: false,
            fdb_flush: false,
            mcheck: false,
            oper_edge: false,
            rcvd_bpdu: false,
            rcvd_msg: false,
            rcvd_rstp: false,
            rcvd_stp: false,
            rcvd_tc: false,
            rcvd_tc_ack: false,
            rcvd_tcn: false,
            reselect: false,
            send_rstp: false,
            tc_ack: false,
            tc_prop: false,
            info_is: InfoIs::Disabled,
            rcvd_info: RcvdInfo::Other,
            designated_priority: zero,
            designated_times: Times::default(),
            msg_priority: zero,
            msg_times: Times::default(),
            port_priority: zero,
            port_times: Times::default(),
            tx_count: 0,
            designated_region: RegionalVector {
                regional_root: zero.root,
                internal_root_path_cost: 0,
            },
            msg_region: RegionalVector {
                regional_root: zero.root,
                internal_root_path_cost: 0,
            },
            port_region: RegionalVector {
                regional_root: zero.root,
                internal_root_path_cost: 0,
            },
            designated_hops: 0,
            msg_hops: 0,
            port_hops: 0,
            rcvd_internal: false,
            info_internal: false,
            internal_path_cost: path_cost,
            new_info_msti: false,
            msti_desig_or_tc_root: false,
            msti_master: false,
            msti_not_ready: false,
            ext: ExtRecord::default(),
            msti_next: None,
            msti_dirty: true,
            edge_delay_while: Timer::STOPPED,
            hello_when: Timer::STOPPED,
            mdelay_while: Timer::STOPPED,
            rcvd_info_while: Timer::STOPPED,
            tc_while: Timer::STOPPED,
            tx_tick: Timer::STOPPED,
            ba_while: Timer::STOPPED,
            rx: None,
            prx: PrxState::Discard,
            ppm: PpmState::CheckingRstp,
            bdm: BdmState::NotEdge,
            ptx: PtxState::TransmitInit,
            pim: PimState::Disabled,
            tcm: TcmState::Inactive,
            bpdu_guarded: false,
            root_inconsistent: false,
            loop_inconsistent: false,
            ba_inconsistent: false,
            counters: PortCounters::default(),
            scheduled: None,
            fast: MstiFast::default(),
        }
    }

    /// `portEnabled`: MAC operational, administratively enabled, not held by BPDU guard.
    pub(crate) fn compute_enabled(&self) -> bool {
        matches!(self.link, LinkState::Up { .. }) && self.cfg.enabled && !self.bpdu_guarded
    }

    /// `operPointToPointMAC` (802.1AC §11.3).
    pub(crate) fn compute_p2p(&self) -> bool {
        match self.cfg.point_to_point {
            AdminP2p::ForceTrue => true,
            AdminP2p::ForceFalse => false,
            AdminP2p::Auto => matches!(
                self.link,
                LinkState::Up {
                    full_duplex: true,
                    ..
                }
            ),
        }
    }

    /// A port held discarding by loop guard or bridge assurance.
    pub(crate) fn held_inconsistent(&self) -> bool {
        self.loop_inconsistent || self.ba_inconsistent
    }

    /// The earliest running timer deadline after `now`, having stopped the expired ones.
    pub(crate) fn next_deadline(&mut self, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        for t in [
            &mut self.edge_delay_while,
            &mut self.tree.fd_while,
            &mut self.hello_when,
            &mut self.mdelay_while,
            &mut self.tree.rb_while,
            &mut self.rcvd_info_while,
            &mut self.tree.rr_while,
            &mut self.tc_while,
            &mut self.tx_tick,
            &mut self.ba_while,
        ] {
            match t.deadline() {
                Some(at) if at <= now => t.stop(),
                Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
                None => {}
            }
        }
        next
    }
}
