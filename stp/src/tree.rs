//! The per-tree machines every tree runs on every port, written once for the CIST and the
//! MSTIs: Port Role Transitions (802.1Q-2018 §13.37, the CIST's figure being 802.1D-2004
//! §17.29) and Port State Transition (§13.38, §17.30), over the per-port, per-tree variables
//! they read and write ([`TreeVars`], §13.27).
//!
//! The CIST's port ([`Port`](crate::port::Port)) and each MSTI's ([`MstiPort`]) hold one
//! `TreeVars` and reach its fields as their own. Each tree gives the machines what they read
//! of the port and of the tree in a [`TreeView`]; what the two differ in is in the view or
//! the caller: the CIST's DESIGNATED_PROPOSE also starts edgeDelayWhile (`if (cist)` in the
//! figure; reported in [`TreeOut::proposed`]), `newInfo` is the CIST's newInfo or the port's
//! newInfoMsti, and only an MSTI is ever selected Master Port (the MASTER_PORT states).
//!
//! [`MstiPort`]: crate::msti::MstiPort

use l2_types::{Duration, Instant, PortNo, Timer};

use crate::event::{Event, PortState, Role, TreeId};
use crate::machines::Out;
use crate::port::{PrtState, PstState, StdTimer};
use crate::vector::{Times, dur};

/// The per-port, per-tree variables the Port Role Transitions and Port State Transition
/// machines read and write (802.1Q-2018 §13.27).
#[derive(Clone, Debug)]
pub(crate) struct TreeVars {
    pub(crate) role: Role,
    pub(crate) selected_role: Role,
    pub(crate) selected: bool,
    pub(crate) updt_info: bool,
    pub(crate) prt: PrtState,
    pub(crate) agree: bool,
    pub(crate) agreed: bool,
    pub(crate) proposed: bool,
    pub(crate) proposing: bool,
    pub(crate) sync: bool,
    pub(crate) synced: bool,
    pub(crate) re_root: bool,
    pub(crate) disputed: bool,
    pub(crate) learn: bool,
    pub(crate) learning: bool,
    pub(crate) forward: bool,
    pub(crate) forwarding: bool,
    pub(crate) pst: PstState,
    /// Entries may have been learnt on this tree since the last flush.
    pub(crate) learnt: bool,
    /// newInfo (CIST, §13.27.41) or newInfoMsti (§13.27.42) requested by this tree.
    pub(crate) new_info: bool,
    pub(crate) fd_while: Timer,
    pub(crate) rr_while: Timer,
    pub(crate) rb_while: Timer,
}

impl TreeVars {
    pub(crate) const fn new() -> Self {
        Self {
            role: Role::Disabled,
            selected_role: Role::Disabled,
            selected: false,
            updt_info: false,
            prt: PrtState::InitPort,
            agree: false,
            agreed: false,
            proposed: false,
            proposing: false,
            sync: false,
            synced: false,
            re_root: false,
            disputed: false,
            learn: false,
            learning: false,
            forward: false,
            forwarding: false,
            pst: PstState::Discarding,
            learnt: false,
            new_info: false,
            fd_while: Timer::STOPPED,
            rr_while: Timer::STOPPED,
            rb_while: Timer::STOPPED,
        }
    }

    /// The forwarding state the host programs.
    pub(crate) const fn state(&self) -> PortState {
        if self.forwarding {
            PortState::Forwarding
        } else if self.learning {
            PortState::Learning
        } else {
            PortState::Discarding
        }
    }
}

/// What the per-tree machines read of the port and the tree for one step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TreeView {
    pub(crate) no: PortNo,
    pub(crate) tree: TreeId,
    /// The CIST designatedTimes, whence MaxAge, FwdDelay and HelloTime (§13.28.10,
    /// §13.28.12, §13.28.13), converted only when a transition reads them.
    pub(crate) times: Times,
    /// operEdge (§13.27.44).
    pub(crate) oper_edge: bool,
    /// sendRSTP (§13.27.57).
    pub(crate) send_rstp: bool,
    /// rstpVersion (§13.28.22).
    pub(crate) rstp_version: bool,
    /// allSynced (§13.28.2) for this port (only read where it can matter).
    pub(crate) all_synced: bool,
    /// reRooted (§13.28.21) for this port.
    pub(crate) re_rooted: bool,
}

impl TreeView {
    /// MaxAge (§13.28.13).
    fn max_age(&self) -> Duration {
        dur(self.times.max_age)
    }
    /// FwdDelay (§13.28.10).
    fn fwd_delay(&self) -> Duration {
        dur(self.times.forward_delay)
    }
    /// HelloTime (§13.28.12).
    fn hello(&self) -> Duration {
        dur(self.times.hello_time)
    }
    /// forwardDelay (§13.28.9): HelloTime if sendRSTP, else FwdDelay.
    fn forward_delay(&self) -> Duration {
        if self.send_rstp {
            self.hello()
        } else {
            self.fwd_delay()
        }
    }
}

/// Tree-wide procedures a step requested, and the CIST's part of DESIGNATED_PROPOSE.
#[derive(Clone, Debug, Default)]
pub(crate) struct TreeOut {
    /// setSyncTree() (§13.29.23).
    pub(crate) sync_tree: bool,
    /// setReRootTree() (§13.29.21).
    pub(crate) reroot_tree: bool,
    /// setTcPropTree() (§13.29.25) from this port.
    pub(crate) tc_prop_from: bool,
    /// reselect was set.
    pub(crate) reselect: bool,
    /// DESIGNATED_PROPOSE ran: the CIST starts edgeDelayWhile (§13.37 `if (cist)`).
    pub(crate) proposed: bool,
}

impl TreeVars {
    // ------------------------------------------------- Port Role Transitions (§13.37)

    /// INIT_PORT.
    pub(crate) fn prt_init_port(&mut self, now: Instant, v: &TreeView) {
        // §13.37 INIT_PORT: role = DisabledPort; learn = forward = FALSE; synced = FALSE;
        // sync = reRoot = TRUE; rrWhile = FwdDelay; fdWhile = MaxAge; rbWhile = 0.
        self.prt = PrtState::InitPort;
        self.role = Role::Disabled;
        self.learn = false;
        self.forward = false;
        self.synced = false;
        self.sync = true;
        self.re_root = true;
        self.rr_while.put(now, v.fwd_delay());
        self.fd_while.put(now, v.max_age());
        self.rb_while.stop();
    }

    fn set_role(&mut self, role: Role, v: &TreeView, out: &mut Out) {
        if self.role != role {
            self.role = role;
            out.event(Event::PortRole {
                port: v.no,
                tree: v.tree,
                role,
            });
        }
    }

    /// One Port Role Transitions step; true if a transition was made.
    #[inline]
    pub(crate) fn prt_step(
        &mut self,
        now: Instant,
        v: &TreeView,
        out: &mut Out,
        t: &mut TreeOut,
    ) -> bool {
        if self.prt == PrtState::InitPort {
            // §13.37 INIT_PORT → DISABLE_PORT (UCT).
            self.prt_disable_port(v, out);
            return true;
        }
        // Every transition below is qualified by selected && !updtInfo.
        if !self.selected || self.updt_info {
            return false;
        }
        // §13.37 global: role != selectedRole → the selected role's entry state.
        if self.role != self.selected_role {
            match self.selected_role {
                Role::Disabled => self.prt_disable_port(v, out),
                Role::Master => {
                    // MASTER_PORT: role = MasterPort (MSTIs only).
                    self.prt = PrtState::MasterPort;
                    self.set_role(Role::Master, v, out);
                }
                Role::Root => self.prt_root_port(now, v, out),
                Role::Designated => {
                    // DESIGNATED_PORT: role = DesignatedPort.
                    self.prt = PrtState::DesignatedPort;
                    self.set_role(Role::Designated, v, out);
                }
                Role::Alternate | Role::Backup => {
                    // BLOCK_PORT: role = selectedRole; learn = forward = FALSE.
                    self.prt = PrtState::BlockPort;
                    self.set_role(self.selected_role, v, out);
                    self.learn = false;
                    self.forward = false;
                }
            }
            return true;
        }
        match self.prt {
            PrtState::InitPort => false,
            PrtState::DisablePort => {
                // §13.37 DISABLE_PORT → DISABLED_PORT: !learning && !forwarding.
                if !self.learning && !self.forwarding {
                    self.prt_disabled_port(now, v);
                    return true;
                }
                false
            }
            PrtState::DisabledPort => {
                // §13.37 DISABLED_PORT → DISABLED_PORT: (fdWhile != MaxAge) || sync || reRoot
                // || !synced.
                if !self.fd_while.is(now, v.max_age()) || self.sync || self.re_root || !self.synced
                {
                    self.prt_disabled_port(now, v);
                    return true;
                }
                false
            }
            PrtState::MasterPort => self.prt_master(now, v, t),
            PrtState::RootPort => self.prt_root(now, v, out, t),
            PrtState::DesignatedPort => self.prt_designated(now, v, t),
            PrtState::BlockPort => {
                // §13.37 BLOCK_PORT → ALTERNATE_PORT: !learning && !forwarding.
                if !self.learning && !self.forwarding {
                    self.prt_alternate_port(now, v);
                    return true;
                }
                false
            }
            PrtState::AlternatePort => self.prt_alternate(now, v, t),
        }
    }

    fn prt_disable_port(&mut self, v: &TreeView, out: &mut Out) {
        // §13.37 DISABLE_PORT: role = selectedRole; learn = forward = FALSE.
        self.prt = PrtState::DisablePort;
        self.set_role(self.selected_role, v, out);
        self.learn = false;
        self.forward = false;
    }

    fn prt_disabled_port(&mut self, now: Instant, v: &TreeView) {
        // §13.37 DISABLED_PORT: fdWhile = MaxAge; synced = TRUE; rrWhile = 0;
        // sync = reRoot = FALSE.
        self.prt = PrtState::DisabledPort;
        self.fd_while.put(now, v.max_age());
        self.synced = true;
        self.rr_while.stop();
        self.sync = false;
        self.re_root = false;
    }

    /// The MASTER_PORT transitions (§13.37, Figure "Port Role Transitions state machine —
    /// MasterPort").
    fn prt_master(&mut self, now: Instant, v: &TreeView, t: &mut TreeOut) -> bool {
        // MASTER_PROPOSED; MASTER_AGREED: proposed = sync = FALSE; agree = TRUE.
        if self.proposed_agreed(v, t, true, false) {
            return true;
        }
        if self.synced_transition(v) {
            // MASTER_SYNCED: rrWhile = 0; synced = TRUE; sync = FALSE.
            return true;
        }
        if self.re_root && self.rr_while.zero(now) {
            // MASTER_RETIRED: reRoot = FALSE.
            self.re_root = false;
            return true;
        }
        if self.discard_transition(now, v) {
            // MASTER_DISCARD: learn = forward = disputed = FALSE; fdWhile = forwardDelay.
            return true;
        }
        let may = self.fd_while.zero(now) || v.all_synced;
        // MASTER_LEARN, MASTER_FORWARD.
        self.learn_forward(now, v, may)
    }

    /// The *_PROPOSED and *_AGREED transitions of a Root, Alternate or Master Port (§13.37):
    /// proposed && !agree → setSyncTree(); proposed = FALSE; (allSynced && !agree) ||
    /// (proposed && agree) → proposed = FALSE; agree = TRUE, and (Root, Master) sync = FALSE,
    /// (Root, Alternate) newInfoXst = TRUE.
    fn proposed_agreed(
        &mut self,
        v: &TreeView,
        t: &mut TreeOut,
        clear_sync: bool,
        new_info: bool,
    ) -> bool {
        if self.proposed && !self.agree {
            t.sync_tree = true;
            self.proposed = false;
            return true;
        }
        if (v.all_synced && !self.agree) || (self.proposed && self.agree) {
            self.proposed = false;
            if clear_sync {
                self.sync = false;
            }
            self.agree = true;
            if new_info {
                self.new_info = true;
            }
            return true;
        }
        false
    }

    /// The *_SYNCED transition of a Designated or Master Port (§13.37): (!learning &&
    /// !forwarding && !synced) || (agreed && !synced) || (operEdge && !synced) || (sync &&
    /// synced) → rrWhile = 0; synced = TRUE; sync = FALSE.
    fn synced_transition(&mut self, v: &TreeView) -> bool {
        if (!self.learning && !self.forwarding && !self.synced)
            || (self.agreed && !self.synced)
            || (v.oper_edge && !self.synced)
            || (self.sync && self.synced)
        {
            self.rr_while.stop();
            self.synced = true;
            self.sync = false;
            return true;
        }
        false
    }

    /// The *_DISCARD transition of a Designated or Master Port (§13.37): ((sync && !synced) ||
    /// (reRoot && (rrWhile != 0)) || disputed) && !operEdge && (learn || forward) → learn =
    /// forward = disputed = FALSE; fdWhile = forwardDelay.
    fn discard_transition(&mut self, now: Instant, v: &TreeView) -> bool {
        if ((self.sync && !self.synced)
            || (self.re_root && !self.rr_while.zero(now))
            || self.disputed)
            && !v.oper_edge
            && (self.learn || self.forward)
        {
            self.learn = false;
            self.forward = false;
            self.disputed = false;
            self.fd_while.put(now, v.forward_delay());
            return true;
        }
        false
    }

    /// The *_LEARN and *_FORWARD transitions of a Designated or Master Port (§13.37) when
    /// their common condition `may` holds: learn = TRUE; fdWhile = forwardDelay, then
    /// forward = TRUE; fdWhile = 0; agreed = sendRSTP.
    fn learn_forward(&mut self, now: Instant, v: &TreeView, may: bool) -> bool {
        if may && !self.learn {
            self.learn = true;
            self.fd_while.put(now, v.forward_delay());
            return true;
        }
        if may && self.learn && !self.forward {
            self.forward = true;
            self.fd_while.stop();
            self.agreed = v.send_rstp;
            return true;
        }
        false
    }

    fn prt_root_port(&mut self, now: Instant, v: &TreeView, out: &mut Out) {
        // §13.37 ROOT_PORT: role = RootPort; rrWhile = FwdDelay.
        self.prt = PrtState::RootPort;
        self.set_role(Role::Root, v, out);
        self.rr_while.put(now, v.fwd_delay());
    }

    fn prt_root(&mut self, now: Instant, v: &TreeView, out: &mut Out, t: &mut TreeOut) -> bool {
        // §13.37 ROOT_PROPOSED; ROOT_AGREED: proposed = sync = FALSE; agree = TRUE;
        // newInfoXst = TRUE.
        if self.proposed_agreed(v, t, true, true) {
            return true;
        }
        if !self.forward && !self.re_root {
            // §13.37 REROOT: setReRootTree().
            t.reroot_tree = true;
            self.re_root = true;
            return true;
        }
        let fast =
            self.fd_while.zero(now) || (v.re_rooted && self.rb_while.zero(now) && v.rstp_version);
        if fast && !self.learn {
            // §13.37 ROOT_LEARN: fdWhile = forwardDelay; learn = TRUE.
            self.fd_while.put(now, v.forward_delay());
            self.learn = true;
            return true;
        }
        if fast && self.learn && !self.forward {
            // §13.37 ROOT_FORWARD: fdWhile = 0; forward = TRUE.
            self.fd_while.stop();
            self.forward = true;
            return true;
        }
        if self.re_root && self.forward {
            // §13.37 REROOTED: reRoot = FALSE.
            self.re_root = false;
            return true;
        }
        if !self.rr_while.is(now, v.fwd_delay()) {
            // §13.37 ROOT_PORT re-entered: rrWhile != FwdDelay.
            self.prt_root_port(now, v, out);
            return true;
        }
        false
    }

    fn prt_designated(&mut self, now: Instant, v: &TreeView, t: &mut TreeOut) -> bool {
        if !self.forward && !self.agreed && !self.proposing && !v.oper_edge {
            // §13.37 DESIGNATED_PROPOSE: proposing = TRUE; if (cist) edgeDelayWhile =
            // EdgeDelay (the caller's, `t.proposed`); newInfoXst = TRUE.
            self.proposing = true;
            t.proposed = true;
            self.new_info = true;
            return true;
        }
        if self.synced_transition(v) {
            // §13.37 DESIGNATED_SYNCED.
            return true;
        }
        if self.rr_while.zero(now) && self.re_root {
            // §13.37 DESIGNATED_RETIRED: reRoot = FALSE.
            self.re_root = false;
            return true;
        }
        if self.discard_transition(now, v) {
            // §13.37 DESIGNATED_DISCARD.
            return true;
        }
        let may = (self.fd_while.zero(now) || self.agreed || v.oper_edge)
            && (self.rr_while.zero(now) || !self.re_root)
            && !self.sync;
        // §13.37 DESIGNATED_LEARN, DESIGNATED_FORWARD.
        self.learn_forward(now, v, may)
    }

    fn prt_alternate_port(&mut self, now: Instant, v: &TreeView) {
        // §13.37 ALTERNATE_PORT: fdWhile = forwardDelay; synced = TRUE; rrWhile = 0;
        // sync = reRoot = FALSE.
        self.prt = PrtState::AlternatePort;
        self.fd_while.put(now, v.forward_delay());
        self.synced = true;
        self.rr_while.stop();
        self.sync = false;
        self.re_root = false;
    }

    fn prt_alternate(&mut self, now: Instant, v: &TreeView, t: &mut TreeOut) -> bool {
        // §13.37 ALTERNATE_PROPOSED; ALTERNATE_AGREED: proposed = FALSE; agree = TRUE;
        // newInfoXst = TRUE.
        if self.proposed_agreed(v, t, false, true) {
            return true;
        }
        let two_hello = v.hello().saturating_mul(2);
        if self.role == Role::Backup && !self.rb_while.is(now, two_hello) {
            // §13.37 BACKUP_PORT: rbWhile = 2 × HelloTime.
            self.rb_while.put(now, two_hello);
            return true;
        }
        if !self.fd_while.is(now, v.forward_delay()) || self.sync || self.re_root || !self.synced {
            self.prt_alternate_port(now, v);
            return true;
        }
        false
    }

    // ------------------------------------------------- Port State Transition (§13.38)

    /// DISCARDING (also BEGIN).
    pub(crate) fn pst_discarding(&mut self, v: &TreeView, out: &mut Out) {
        // §13.38 DISCARDING: disableLearning(); learning = FALSE; disableForwarding();
        // forwarding = FALSE.
        let was = self.pst;
        self.pst = PstState::Discarding;
        self.learning = false;
        self.forwarding = false;
        if was != PstState::Discarding {
            out.event(Event::PortState {
                port: v.no,
                tree: v.tree,
                state: PortState::Discarding,
            });
        }
    }

    /// One Port State Transition step; true if a transition was made.
    #[inline]
    pub(crate) fn pst_step(&mut self, v: &TreeView, out: &mut Out) -> bool {
        match self.pst {
            PstState::Discarding if self.learn => {
                // §13.38 LEARNING: enableLearning(); learning = TRUE.
                self.pst = PstState::Learning;
                self.learning = true;
                self.learnt = true;
                out.event(Event::PortState {
                    port: v.no,
                    tree: v.tree,
                    state: PortState::Learning,
                });
                true
            }
            PstState::Learning if !self.learn => {
                // §13.38 LEARNING → DISCARDING: !learn.
                self.pst_discarding(v, out);
                true
            }
            PstState::Learning if self.forward => {
                // §13.38 FORWARDING: enableForwarding(); forwarding = TRUE.
                self.pst = PstState::Forwarding;
                self.forwarding = true;
                out.event(Event::PortState {
                    port: v.no,
                    tree: v.tree,
                    state: PortState::Forwarding,
                });
                true
            }
            PstState::Forwarding if !self.forward => {
                // §13.38 FORWARDING → DISCARDING: !forward.
                self.pst_discarding(v, out);
                true
            }
            _ => false,
        }
    }
}
