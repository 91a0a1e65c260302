//! Multiple Spanning Tree Instances (802.1Q clause 13): one tree per MSTID of the VLAN→MSTI
//! map, computed inside the MST region from the MSTI configuration messages of MST BPDUs.
//!
//! Every machine the standard runs per tree runs here per MSTI and port, with its own
//! variables (`MstiPort`): Port Information (§13.35: `rcvInfo`, `recordProposal`,
//! `recordAgreement`, `recordMastered`, `recordDispute`, `setTcFlags`, `updtRcvdInfoWhile`),
//! Port Role Selection (§13.36, `updtRolesTree` for an MSTI, §13.29.34), Port Role Transitions
//! (§13.37, with the MASTER_PORT states and the proposal/agreement sync: `proposed`,
//! `proposing`, `agree`, `agreed`, `sync`, `synced`, `reRoot`, `master`, `mastered`), Port
//! State Transition (§13.38) and Topology Change (§13.39, `tcWhile` per tree, `setTcPropTree`,
//! the FDB flush naming the MSTID). Clause numbers are 802.1Q-2018's; the state and procedure
//! names are the same in 802.1Q-2011 and 802.1Q-2022.
//!
//! What the MSTI machines share with the CIST's port (the port-level variables of §13.27:
//! `portEnabled`, `operEdge`, `sendRSTP`, `operPointToPointMAC`, `rcvdInternal`, the CIST
//! times) they read through a `PortView`. What the CIST's Port Information machine does to
//! every MSTI for a message from outside the region (§13.29.15 recordAgreement, §13.29.16
//! recordDispute, §13.29.17 recordMastered, §13.29.19 recordProposal, §13.29.24 setTcFlags) it
//! leaves in the CIST `Port`'s `ext` record, which the bridge applies to the MSTIs.
//!
//! Deliberate choices, where the standard leaves room or reads oddly:
//! * allSynced (§13.28.2) ignores the given port and every Root Port for every role (the text
//!   excludes the Root Port for Root and Alternate Ports and only the given port for Designated
//!   and Master Ports; a Root Port's `synced` is never set by the 802.1D-2004-style figure this
//!   crate follows, which would make a Master Port wait for Forward Delay behind an MSTI Root
//!   Port).
//! * The Port Role Transitions figure is 802.1D-2004's plus the MASTER_PORT states, like the
//!   CIST's: no DESIGNATED_AGREE, ROOT_SYNCED or ROOT_DISCARD of later editions.
//! * updtRcvdInfoWhile uses the MSTI's own remainingHops (the text reads the CIST's portTimes),
//!   so an MSTI's information dies where its own hops run out.
//! * A boundary port whose CIST role is Backup is Backup on every MSTI (the text names Root →
//!   Master and Alternate → Alternate only).
//! * Every CIST role selection makes every MSTI select again: MSTI roles at boundary ports read
//!   the CIST's selected roles.
//! * A repeated MSTI message that would change nothing but `rcvdInfoWhile` (REPEATED_DESIGNATED
//!   with no proposal, topology change, agreement or master change, no timer expired) restarts
//!   `rcvdInfoWhile` without running the other machines — the result the machines would reach.
//!
//! Port Role Transitions (with the Master Port states) and Port State Transition are the
//! `tree` module's, shared with the CIST; Port Information, role selection (MSTI role
//! selection at boundary ports) and Topology Change are written here per the MSTI text of the
//! figures.

use alloc::vec::Vec;

use crate::event::{Event, Role};
use crate::machines::Out;
use crate::port::{InfoIs, PimState, RcvdInfo, StdTimer, TcmState};
pub(crate) use crate::tree::TreeOut;
use crate::tree::{TreeVars, TreeView};
use crate::wire::{BpduFlags, BridgeId, PortId};
use l2_types::{Duration, Instant, PortNo, Timer};

/// An MSTI priority vector (802.1Q-2022 §13.11): lower is better.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct MstiPriorityVector {
    /// MSTI Regional Root Identifier (its system ID extension is the MSTID).
    pub regional_root: BridgeId,
    /// MSTI Internal Root Path Cost.
    pub internal_root_path_cost: u32,
    /// Designated Bridge Identifier (MSTI bridge priority and MSTID, CIST bridge address).
    pub designated_bridge: BridgeId,
    /// Designated Port Identifier (MSTI port priority, port number).
    pub designated_port: PortId,
    /// The receiving port's MSTI Port Identifier.
    pub bridge_port: PortId,
}

impl MstiPriorityVector {
    /// The first four components, which messages carry and comparisons of message and port
    /// priority use (§13.11).
    pub(crate) const fn message(&self) -> (BridgeId, u32, BridgeId, PortId) {
        (
            self.regional_root,
            self.internal_root_path_cost,
            self.designated_bridge,
            self.designated_port,
        )
    }

    /// "Superior" (§13.11, as §13.10 for the CIST): better, or from the same designated bridge
    /// and port (address and port number) with any difference.
    pub(crate) fn superior_to(&self, other: &Self) -> bool {
        let (x, y) = (self.message(), other.message());
        x < y
            || (self.designated_bridge.address() == other.designated_bridge.address()
                && self.designated_port.number() == other.designated_port.number()
                && x != y)
    }

    /// A zero vector (the value of a port that has none yet).
    pub(crate) const fn zero() -> Self {
        Self {
            regional_root: BridgeId::from_parts(0, l2_types::MacAddr::ZERO),
            internal_root_path_cost: 0,
            designated_bridge: BridgeId::from_parts(0, l2_types::MacAddr::ZERO),
            designated_port: PortId(0),
            bridge_port: PortId(0),
        }
    }
}

/// A received MSTI configuration message waiting for the MSTI Port Information machine
/// (`rcvdMsg` set by rcvMsgs(), §13.29.13, with the message's `msgPriority`, `msgTimes`
/// remainingHops and flags).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct MstiMsg {
    pub(crate) priority: MstiPriorityVector,
    pub(crate) hops: u8,
    pub(crate) flags: BpduFlags,
}

/// One port on one MSTI: the per-port, per-tree variables of §13.27 and the machine states.
#[derive(Clone, Debug)]
pub(crate) struct MstiPort {
    /// MSTI port priority (steps of 16, §13.27.47).
    pub(crate) priority: u8,
    /// MSTI InternalPortPathCost (§13.27.33); `None`: the CIST internal port path cost.
    pub(crate) path_cost: Option<u32>,
    /// This port's MSTI Port Identifier.
    pub(crate) port_id: PortId,
    /// The per-tree variables (Port Role Transitions, Port State Transition).
    pub(crate) tree: TreeVars,

    pub(crate) pim: PimState,
    pub(crate) info_is: InfoIs,
    pub(crate) rcvd_msg: bool,
    pub(crate) msg: Option<MstiMsg>,
    pub(crate) rcvd_info: RcvdInfo,
    pub(crate) port_priority: MstiPriorityVector,
    /// remainingHops of portTimes.
    pub(crate) port_hops: u8,
    pub(crate) designated_priority: MstiPriorityVector,
    /// remainingHops of designatedTimes.
    pub(crate) designated_hops: u8,

    pub(crate) reselect: bool,
    /// `master` (§13.27.34): the Master flag of this MSTI's messages on this port.
    pub(crate) master: bool,
    /// `mastered` (§13.27.35): the neighbour's message had the Master flag (recordMastered).
    pub(crate) mastered: bool,

    pub(crate) tcm: TcmState,
    pub(crate) rcvd_tc: bool,
    pub(crate) tc_prop: bool,
    pub(crate) fdb_flush: bool,

    pub(crate) tc_while: Timer,
    pub(crate) rcvd_info_while: Timer,
}

impl core::ops::Deref for MstiPort {
    type Target = TreeVars;
    fn deref(&self) -> &Self::Target {
        &self.tree
    }
}

impl core::ops::DerefMut for MstiPort {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tree
    }
}

impl MstiPort {
    pub(crate) fn new(no: u16, priority: u8, path_cost: Option<u32>) -> Self {
        Self {
            priority,
            path_cost,
            port_id: PortId::new(priority, no),
            tree: TreeVars::new(),
            pim: PimState::Disabled,
            info_is: InfoIs::Disabled,
            rcvd_msg: false,
            msg: None,
            rcvd_info: RcvdInfo::Other,
            port_priority: MstiPriorityVector::zero(),
            port_hops: 0,
            designated_priority: MstiPriorityVector::zero(),
            designated_hops: 0,
            reselect: false,
            master: false,
            mastered: false,
            tcm: TcmState::Inactive,
            rcvd_tc: false,
            tc_prop: false,
            fdb_flush: false,
            tc_while: Timer::STOPPED,
            rcvd_info_while: Timer::STOPPED,
        }
    }

    /// The earliest running timer deadline after `now`, having stopped the expired ones.
    pub(crate) fn next_deadline(&mut self, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        for t in [
            &mut self.tree.fd_while,
            &mut self.tree.rr_while,
            &mut self.tree.rb_while,
            &mut self.tc_while,
            &mut self.rcvd_info_while,
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

/// The CIST port's variables an MSTI machine reads (the port-level variables of §13.27).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PortView {
    pub(crate) no: PortNo,
    pub(crate) enabled: bool,
    pub(crate) oper_edge: bool,
    pub(crate) oper_p2p: bool,
    pub(crate) send_rstp: bool,
    pub(crate) restricted_tcn: bool,
    /// HelloTime (§13.28.12, the CIST's portTimes / designatedTimes).
    pub(crate) hello: Duration,
    /// The CIST designatedTimes (for the shared per-tree machines).
    pub(crate) times: crate::vector::Times,
    /// rootTimes Max Age + Forward Delay, the legacy tcWhile of newTcWhile (§13.29.10).
    pub(crate) tc_legacy: Duration,
    /// rstpVersion (§13.28.22).
    pub(crate) rstp_version: bool,
}

/// Tree-level values an MSTI port's machines read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TreeCtx {
    pub(crate) mstid: u16,
    /// allSynced (§13.28.2) for this port.
    pub(crate) all_synced: bool,
    /// reRooted (§13.28.21) for this port.
    pub(crate) re_rooted: bool,
    /// rcvdMsg of the CIST on this port: rcvdMstiMsg (§13.28.20) waits for the CIST message.
    pub(crate) cist_rcvd_msg: bool,
    /// updtInfo of the CIST on this port: updtMstiInfo (§13.28.24) waits for it.
    pub(crate) cist_updt_info: bool,
    /// The CIST message that carried the MSTI message has the CIST Root Identifier, External
    /// Root Path Cost and Regional Root Identifier of the CIST port priority vector
    /// (§13.29.15 recordAgreement a).
    pub(crate) cist_msg_matches: bool,
}

impl MstiPort {
    /// Runs each of this MSTI port's machines once; true if any made a transition.
    pub(crate) fn step(
        &mut self,
        now: Instant,
        v: &PortView,
        c: &TreeCtx,
        out: &mut Out,
        t: &mut TreeOut,
    ) -> bool {
        let mut changed = self.pim_step(now, v, c, t);
        let tv = Self::tree_view(v, c);
        changed |= self.tree.prt_step(now, &tv, out, t);
        changed |= self.tree.pst_step(&tv, out);
        changed |= self.tcm_step(now, v, c, out, t);
        changed
    }

    /// BEGIN for this MSTI port's machines.
    pub(crate) fn begin(&mut self, now: Instant, v: &PortView, c: &TreeCtx, out: &mut Out) {
        let mut t = TreeOut::default();
        self.pim_disabled(&mut t);
        let tv = Self::tree_view(v, c);
        self.tree.prt_init_port(now, &tv);
        self.tree.pst_discarding(&tv, out);
        self.tcm_inactive(v, c, out);
    }

    // ------------------------------------------------------ Port Information (§13.35)

    fn pim_disabled(&mut self, t: &mut TreeOut) {
        // §13.35 DISABLED: rcvdMsg = FALSE; proposing = proposed = agree = agreed = FALSE;
        // rcvdInfoWhile = 0; infoIs = Disabled; reselect = TRUE; selected = FALSE.
        self.pim = PimState::Disabled;
        self.rcvd_msg = false;
        self.msg = None;
        self.proposing = false;
        self.proposed = false;
        self.agree = false;
        self.agreed = false;
        self.rcvd_info_while.stop();
        self.info_is = InfoIs::Disabled;
        self.reselect = true;
        t.reselect = true;
        self.selected = false;
    }

    fn pim_aged(&mut self, t: &mut TreeOut) {
        // §13.35 AGED: infoIs = Aged; reselect = TRUE; selected = FALSE.
        self.pim = PimState::Aged;
        self.info_is = InfoIs::Aged;
        self.reselect = true;
        t.reselect = true;
        self.selected = false;
    }

    fn pim_step(&mut self, now: Instant, v: &PortView, c: &TreeCtx, t: &mut TreeOut) -> bool {
        // §13.35 global: !portEnabled && (infoIs != Disabled) → DISABLED.
        if !v.enabled && self.info_is != InfoIs::Disabled {
            self.pim_disabled(t);
            return true;
        }
        // rcvdMstiMsg (§13.28.20): the MSTI message waits until the CIST one is processed;
        // updtMstiInfo (§13.28.24) likewise waits for the CIST's updtInfo.
        let rcvd = self.rcvd_msg && !c.cist_rcvd_msg;
        let updt = self.updt_info && !c.cist_updt_info;
        match self.pim {
            PimState::Disabled => {
                if self.rcvd_msg {
                    // §13.35 DISABLED → DISABLED: rcvdMsg.
                    self.pim_disabled(t);
                    true
                } else if v.enabled {
                    // §13.35 DISABLED → AGED: portEnabled.
                    self.pim_aged(t);
                    true
                } else {
                    false
                }
            }
            PimState::Aged => {
                // §13.35 AGED → UPDATE: selected && updtInfo.
                if self.selected && self.updt_info {
                    self.pim_update();
                    true
                } else {
                    false
                }
            }
            PimState::Current => {
                if self.selected && self.updt_info {
                    // §13.35 CURRENT → UPDATE: selected && updtInfo.
                    self.pim_update();
                    true
                } else if self.info_is == InfoIs::Received
                    && self.rcvd_info_while.zero(now)
                    && !self.updt_info
                    && !rcvd
                {
                    // §13.35 CURRENT → AGED: (infoIs == Received) && (rcvdInfoWhile == 0) &&
                    // !updtInfo && !rcvdXstMsg.
                    self.pim_aged(t);
                    true
                } else if rcvd && !updt {
                    // §13.35 CURRENT → RECEIVE: rcvdXstMsg && !updtXstInfo.
                    self.pim_receive(now, v, c, t);
                    true
                } else {
                    false
                }
            }
        }
    }

    fn pim_update(&mut self) {
        // §13.35 UPDATE: proposing = proposed = FALSE; agreed = agreed &&
        // betterorsameInfo(Mine); synced = synced && agreed; portPriority = designatedPriority;
        // portTimes = designatedTimes; updtInfo = FALSE; infoIs = Mine; newInfoMsti = TRUE.
        self.proposing = false;
        self.proposed = false;
        self.agreed = self.agreed && self.betterorsame_mine();
        self.synced = self.synced && self.agreed;
        self.port_priority = self.designated_priority;
        self.port_hops = self.designated_hops;
        self.updt_info = false;
        self.info_is = InfoIs::Mine;
        self.new_info = true;
        self.pim = PimState::Current;
    }

    /// betterorsameInfo(Mine) (§13.29.1).
    fn betterorsame_mine(&self) -> bool {
        self.info_is == InfoIs::Mine
            && self.designated_priority.message() <= self.port_priority.message()
    }

    fn pim_receive(&mut self, now: Instant, v: &PortView, c: &TreeCtx, t: &mut TreeOut) {
        let Some(msg) = self.msg else {
            self.rcvd_msg = false;
            return;
        };
        // §13.35 RECEIVE: rcvdInfo = rcvInfo(); recordMastered().
        self.rcvd_info = self.rcv_info(&msg);
        // §13.29.17 recordMastered: set if the message was received on a point-to-point link
        // and has the Master flag, else cleared.
        self.mastered = v.oper_p2p && msg.flags.contains(BpduFlags::TOPOLOGY_CHANGE_ACK);
        let designated = msg.flags.role() == crate::wire::PortRole::Designated;
        match self.rcvd_info {
            RcvdInfo::SuperiorDesignated => {
                // §13.35 SUPERIOR_DESIGNATED: agreed = proposing = FALSE; recordProposal();
                // setTcFlags(); agree = agree && betterorsameInfo(Received); recordAgreement();
                // synced = synced && agreed; recordPriority(); recordTimes();
                // updtRcvdInfoWhile(); infoIs = Received; reselect = TRUE; selected = FALSE;
                // rcvdMsg = FALSE.
                self.agreed = false;
                self.proposing = false;
                self.record_proposal(designated, msg.flags);
                self.set_tc_flags(msg.flags);
                self.agree = self.agree
                    && self.info_is == InfoIs::Received
                    && msg.priority.message() <= self.port_priority.message();
                self.record_agreement(v, c, msg.flags);
                self.synced = self.synced && self.agreed;
                self.port_priority = msg.priority;
                self.port_hops = msg.hops;
                self.updt_rcvd_info_while(now, v);
                self.info_is = InfoIs::Received;
                self.reselect = true;
                t.reselect = true;
                self.selected = false;
            }
            RcvdInfo::RepeatedDesignated => {
                // §13.35 REPEATED_DESIGNATED: recordProposal(); setTcFlags();
                // recordAgreement(); updtRcvdInfoWhile(); rcvdMsg = FALSE.
                self.record_proposal(designated, msg.flags);
                self.set_tc_flags(msg.flags);
                self.record_agreement(v, c, msg.flags);
                self.updt_rcvd_info_while(now, v);
            }
            RcvdInfo::InferiorDesignated => {
                // §13.35 INFERIOR_DESIGNATED: recordDispute(); rcvdMsg = FALSE.
                // §13.29.16 recordDispute for an MSTI: the Learning flag sets disputed and
                // clears agreed.
                if msg.flags.contains(BpduFlags::LEARNING) {
                    self.disputed = true;
                    self.agreed = false;
                }
            }
            RcvdInfo::InferiorRootAlternate => {
                // §13.35 NOT_DESIGNATED: recordAgreement(); setTcFlags(); rcvdMsg = FALSE.
                self.record_agreement(v, c, msg.flags);
                self.set_tc_flags(msg.flags);
            }
            RcvdInfo::Other => {
                // §13.35 OTHER: rcvdMsg = FALSE.
            }
        }
        self.rcvd_msg = false;
        self.msg = None;
        self.pim = PimState::Current;
    }

    /// rcvInfo() for an MSTI (§13.29.12).
    fn rcv_info(&self, msg: &MstiMsg) -> RcvdInfo {
        let ord = msg.priority.message().cmp(&self.port_priority.message());
        match msg.flags.role() {
            crate::wire::PortRole::Designated => {
                // SuperiorDesignatedInfo: a better vector, or the same with different times
                // (remainingHops, the MSTI's only timer parameter).
                if msg.priority.superior_to(&self.port_priority)
                    || (ord == core::cmp::Ordering::Equal && msg.hops != self.port_hops)
                {
                    RcvdInfo::SuperiorDesignated
                } else if ord == core::cmp::Ordering::Equal && self.info_is == InfoIs::Received {
                    RcvdInfo::RepeatedDesignated
                } else {
                    RcvdInfo::InferiorDesignated
                }
            }
            crate::wire::PortRole::Root | crate::wire::PortRole::AlternateOrBackup
                if ord != core::cmp::Ordering::Less =>
            {
                RcvdInfo::InferiorRootAlternate
            }
            _ => RcvdInfo::Other,
        }
    }

    /// recordProposal() for an MSTI (§13.29.19): a Designated message with the Proposal flag
    /// sets proposed; otherwise proposed is unchanged.
    fn record_proposal(&mut self, designated: bool, flags: BpduFlags) {
        if designated && flags.contains(BpduFlags::PROPOSAL) {
            self.proposed = true;
        }
    }

    /// recordAgreement() for an MSTI (§13.29.15): on a point-to-point link, a message with the
    /// Agreement flag whose CIST message matches the CIST port priority vector's root, external
    /// cost and regional root sets agreed and clears proposing; otherwise agreed is cleared.
    fn record_agreement(&mut self, v: &PortView, c: &TreeCtx, flags: BpduFlags) {
        if v.oper_p2p && c.cist_msg_matches && flags.contains(BpduFlags::AGREEMENT) {
            self.agreed = true;
            self.proposing = false;
        } else {
            self.agreed = false;
        }
    }

    /// setTcFlags() for an MSTI (§13.29.24): the MSTI message's Topology Change flag sets
    /// rcvdTc for this MSTI.
    fn set_tc_flags(&mut self, flags: BpduFlags) {
        if flags.contains(BpduFlags::TOPOLOGY_CHANGE) {
            self.rcvd_tc = true;
        }
    }

    /// updtRcvdInfoWhile() (§13.29.33): three Hello Times while remainingHops, decremented by
    /// one, stays above zero (information from inside the region); zero otherwise. The MSTI's
    /// own remainingHops is used, so that an MSTI's information dies where its hops run out.
    pub(crate) fn updt_rcvd_info_while(&mut self, now: Instant, v: &PortView) {
        self.updt_rcvd_info_while_hello(now, v.hello);
    }

    /// updtRcvdInfoWhile() with the CIST HelloTime given.
    pub(crate) fn updt_rcvd_info_while_hello(&mut self, now: Instant, hello: Duration) {
        if self.port_hops > 1 {
            let hello = hello.max(Duration::from_secs(1));
            self.rcvd_info_while.put(now, hello.saturating_mul(3));
        } else {
            self.rcvd_info_while.stop();
        }
    }

    /// What the shared per-tree machines (`tree`) read of this MSTI port.
    fn tree_view(v: &PortView, c: &TreeCtx) -> TreeView {
        TreeView {
            no: v.no,
            tree: c.mstid,
            times: v.times,
            oper_edge: v.oper_edge,
            send_rstp: v.send_rstp,
            rstp_version: v.rstp_version,
            all_synced: c.all_synced,
            re_rooted: c.re_rooted,
        }
    }

    // ------------------------------------------------------- Topology Change (§13.39)

    /// fdbFlush (§13.27.24) for this tree: the host removes the port's entries for the VLANs
    /// of this MSTI at once.
    fn flush(&mut self, v: &PortView, c: &TreeCtx, out: &mut Out) {
        self.fdb_flush = false;
        if self.learnt {
            self.learnt = self.learning;
            out.event(Event::FlushFdb {
                port: v.no,
                tree: c.mstid,
            });
        }
    }

    fn tcm_inactive(&mut self, v: &PortView, c: &TreeCtx, out: &mut Out) {
        // §13.39 INACTIVE: fdbFlush = TRUE; tcWhile = 0 (tcAck is the CIST's: `if (cist)`).
        self.tcm = TcmState::Inactive;
        self.fdb_flush = true;
        self.flush(v, c, out);
        self.tc_while.stop();
    }

    fn tcm_learning(&mut self) {
        // §13.39 LEARNING: rcvdTc = tcProp = FALSE (rcvdTcn, rcvdTcAck are the CIST's).
        self.tcm = TcmState::Learning;
        self.rcvd_tc = false;
        self.tc_prop = false;
    }

    /// newTcWhile() (§13.29.10): HelloTime + 1 s and newInfoMsti if sendRSTP, else rootTimes
    /// Max Age + Forward Delay; only when tcWhile is zero.
    fn new_tc_while(&mut self, now: Instant, v: &PortView) {
        if self.tc_while.zero(now) {
            if v.send_rstp {
                self.tc_while
                    .put(now, v.hello.saturating_add(Duration::from_secs(1)));
                self.new_info = true;
            } else {
                self.tc_while.put(now, v.tc_legacy);
            }
        }
    }

    fn tc_event(&mut self, detected: bool, v: &PortView, c: &TreeCtx, out: &mut Out) {
        out.stats.topology_changes = out.stats.topology_changes.saturating_add(1);
        out.event(Event::TopologyChange {
            port: v.no,
            tree: c.mstid,
            detected,
        });
    }

    fn tcm_step(
        &mut self,
        now: Instant,
        v: &PortView,
        c: &TreeCtx,
        out: &mut Out,
        t: &mut TreeOut,
    ) -> bool {
        let active_role = matches!(self.role, Role::Root | Role::Designated | Role::Master);
        match self.tcm {
            TcmState::Inactive => {
                if self.fdb_flush {
                    self.flush(v, c, out);
                }
                // §13.39 INACTIVE → LEARNING: learn && !fdbFlush.
                if self.learn && !self.fdb_flush {
                    self.tcm_learning();
                    return true;
                }
                false
            }
            TcmState::Learning => {
                if active_role && self.forward && !v.oper_edge {
                    // §13.39 DETECTED: newTcWhile(); setTcPropTree(); newInfoMsti = TRUE.
                    // → ACTIVE.
                    self.new_tc_while(now, v);
                    if !v.restricted_tcn {
                        t.tc_prop_from = true;
                    }
                    self.new_info = true;
                    self.tcm = TcmState::Active;
                    self.tc_event(true, v, c, out);
                    return true;
                }
                if self.rcvd_tc || self.tc_prop {
                    // §13.39 LEARNING → LEARNING: rcvdTc || tcProp.
                    self.tcm_learning();
                    return true;
                }
                if !(active_role || self.learn || self.learning) {
                    // §13.39 LEARNING → INACTIVE.
                    self.tcm_inactive(v, c, out);
                    return true;
                }
                false
            }
            TcmState::Active => {
                if !active_role || v.oper_edge {
                    // §13.39 ACTIVE → LEARNING.
                    self.tcm_learning();
                    return true;
                }
                if self.rcvd_tc {
                    // §13.39 NOTIFIED_TC: rcvdTc = FALSE; setTcPropTree(). → ACTIVE.
                    self.rcvd_tc = false;
                    if !v.restricted_tcn {
                        t.tc_prop_from = true;
                    }
                    self.tc_event(false, v, c, out);
                    return true;
                }
                if self.tc_prop && !v.oper_edge {
                    // §13.39 PROPAGATING: newTcWhile(); fdbFlush = TRUE; tcProp = FALSE.
                    self.new_tc_while(now, v);
                    self.fdb_flush = true;
                    self.flush(v, c, out);
                    self.tc_prop = false;
                    return true;
                }
                false
            }
        }
    }
}

/// Why a port of an MSTI is queued.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub(crate) enum Queued {
    /// Not queued.
    #[default]
    No,
    /// Only an MSTI message arrived.
    Msg,
    /// Anything else.
    Any,
}

/// One MSTI of the bridge: the per-tree bridge variables of §13.26 and its ports.
#[derive(Clone, Debug)]
pub(crate) struct Msti {
    pub(crate) mstid: u16,
    /// MSTI bridge priority (steps of 4096).
    pub(crate) priority: u16,
    /// rootPriority of the MSTI (§13.26.8).
    pub(crate) root: MstiPriorityVector,
    /// rootPortId as an index into the bridge's ports.
    pub(crate) root_port: Option<usize>,
    /// remainingHops of the MSTI rootTimes.
    pub(crate) root_hops: u8,
    /// One per bridge port, in the bridge's port order.
    pub(crate) ports: Vec<MstiPort>,
    /// Some port's reselect is set (Port Role Selection must run, §13.36).
    pub(crate) reselect: bool,
    /// Ports whose machines must run.
    pub(crate) work: Vec<usize>,
    pub(crate) queued: Vec<Queued>,
    /// What was last reported as RootChanged.
    pub(crate) last_root: Option<(BridgeId, Option<PortNo>, u32)>,
    /// Some port's role or `mastered` changed: the `master` flags must be recomputed.
    pub(crate) master_stale: bool,
}

impl Msti {
    pub(crate) fn new(mstid: u16, priority: u16) -> Self {
        Self {
            mstid,
            priority,
            root: MstiPriorityVector::zero(),
            root_port: None,
            root_hops: 0,
            ports: Vec::new(),
            reselect: true,
            work: Vec::new(),
            queued: Vec::new(),
            last_root: None,
            master_stale: true,
        }
    }

    /// Nothing to run: no port queued, no role selection, no `master` flags to recompute.
    pub(crate) fn idle(&self) -> bool {
        !self.reselect && self.work.is_empty() && !self.master_stale
    }

    /// Queues port `i` for its machines.
    pub(crate) fn mark(&mut self, i: usize) {
        if let Some(q) = self.queued.get_mut(i) {
            if *q == Queued::No {
                self.work.push(i);
            }
            *q = Queued::Any;
        }
    }

    /// Queues port `i` because an MSTI message arrived for it (and for nothing else yet).
    pub(crate) fn mark_msg(&mut self, i: usize) {
        if let Some(q) = self.queued.get_mut(i)
            && *q == Queued::No
        {
            *q = Queued::Msg;
            self.work.push(i);
        }
    }

    /// REPEATED_DESIGNATED (§13.35) for port `i`'s pending message when it is the whole
    /// effect: the message repeats the port priority vector and remainingHops from a Designated
    /// Port, asks nothing (no Proposal, no Topology Change), leaves `agreed`, `proposing` and
    /// `mastered` as they are, and none of the port's timers has expired — so
    /// updtRcvdInfoWhile() is the only change and no other machine can move. True if done.
    /// `rcvdInfoWhile` must be running: it then only moves later, so the port's scheduled
    /// deadline stays early enough.
    pub(crate) fn repeated_fast(
        &mut self,
        i: usize,
        now: Instant,
        v: &PortView,
        c: &TreeCtx,
    ) -> bool {
        let Some(mp) = self.ports.get_mut(i) else {
            return false;
        };
        let Some(msg) = mp.msg else {
            return false;
        };
        let agreed = v.oper_p2p && c.cist_msg_matches && msg.flags.contains(BpduFlags::AGREEMENT);
        let mastered = v.oper_p2p && msg.flags.contains(BpduFlags::TOPOLOGY_CHANGE_ACK);
        let timers_live = [
            &mp.fd_while,
            &mp.rr_while,
            &mp.rb_while,
            &mp.tc_while,
            &mp.rcvd_info_while,
        ]
        .iter()
        .all(|t| t.deadline().is_none_or(|at| at > now));
        if !(mp.pim == PimState::Current
            && mp.rcvd_msg
            && mp.info_is == InfoIs::Received
            && mp.selected
            && !mp.updt_info
            && !c.cist_rcvd_msg
            && !c.cist_updt_info
            && v.enabled
            && msg.flags.role() == crate::wire::PortRole::Designated
            && !msg.flags.contains(BpduFlags::PROPOSAL)
            && !msg.flags.contains(BpduFlags::TOPOLOGY_CHANGE)
            && msg.priority.message() == mp.port_priority.message()
            && msg.hops == mp.port_hops
            && agreed == mp.agreed
            && (!agreed || !mp.proposing)
            && mastered == mp.mastered
            && mp.rcvd_info_while.is_running()
            && timers_live)
        {
            return false;
        }
        mp.rcvd_info = RcvdInfo::RepeatedDesignated;
        mp.updt_rcvd_info_while(now, v);
        mp.rcvd_msg = false;
        mp.msg = None;
        true
    }

    /// For the repeated-BPDU skip: the earliest running fdWhile, rrWhile, rbWhile or tcWhile
    /// deadline, and the rcvdInfoWhile deadline (`None` when stopped).
    pub(crate) fn fast_timers(&self, i: usize) -> (Option<Instant>, Option<Instant>) {
        let Some(mp) = self.ports.get(i) else {
            return (None, None);
        };
        let other = [&mp.fd_while, &mp.rr_while, &mp.rb_while, &mp.tc_while]
            .iter()
            .filter_map(|t| t.deadline())
            .min();
        (other, mp.rcvd_info_while.deadline())
    }

    pub(crate) fn mark_all(&mut self) {
        for i in 0..self.ports.len() {
            self.mark(i);
        }
    }

    /// allSynced (§13.28.2) for port `i`: every port selected with its selected role and no
    /// updtInfo, and every port other than `i` and other than a Root Port synced.
    pub(crate) fn all_synced(&self, i: usize) -> bool {
        self.ports.iter().enumerate().all(|(j, q)| {
            q.selected
                && q.role == q.selected_role
                && !q.updt_info
                && (j == i || q.synced || q.role == Role::Root)
        })
    }

    /// reRooted (§13.28.21) for port `i`: rrWhile is zero on every other port.
    pub(crate) fn re_rooted(&self, i: usize, now: Instant) -> bool {
        self.ports
            .iter()
            .enumerate()
            .all(|(j, q)| j == i || q.rr_while.zero(now))
    }
}

/// What a show command prints for an MSTI.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MstiStatus {
    /// The MSTID.
    pub mstid: u16,
    /// This bridge's MSTI Bridge Identifier (MSTI priority, MSTID, address).
    pub bridge_id: BridgeId,
    /// The MSTI root priority vector (the MSTI Regional Root and the internal cost to it).
    pub root_priority: MstiPriorityVector,
    /// The MSTI Root Port, if this bridge is not the MSTI Regional Root.
    pub root_port: Option<l2_types::PortNo>,
    /// This bridge is the MSTI Regional Root.
    pub is_root: bool,
    /// remainingHops of the MSTI root times.
    pub remaining_hops: u8,
    /// Some port signals a topology change on this MSTI (its tcWhile runs).
    pub topology_change: bool,
}
