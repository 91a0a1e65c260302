//! Receive machine (IEEE 802.1AX-2014 §6.4.12, Figure 6-18) and the functions it calls
//! (§6.4.9: recordPDU, recordDefault, update_Selected, update_Default_Selected, update_NTT).

use super::{LONG_TIMEOUT_TIME, RxState, SHORT_TIMEOUT_TIME, Selected};
use crate::config::LacpTimeout;
use crate::port::{Outputs, Port, TimerKind};
use crate::wire::{LacpduRepr, PortInfo, PortState};
use l2_types::Instant;

/// The fields update_Selected / update_Default_Selected compare: the partner's identity and its
/// Aggregation bit.
fn same_partner_identity(a: &PortInfo, b: &PortInfo) -> bool {
    a.port == b.port
        && a.port_priority == b.port_priority
        && a.system == b.system
        && a.system_priority == b.system_priority
        && a.key == b.key
        && a.state.contains(PortState::AGGREGATION) == b.state.contains(PortState::AGGREGATION)
}

impl Port {
    fn rx_enter(
        &mut self,
        out: &mut Outputs,
        now: Instant,
        state: RxState,
        pdu: Option<&LacpduRepr<'_>>,
    ) {
        out.effect();
        self.rx = state;
        match state {
            RxState::Initialize => {
                // 802.1AX-2014 6.4.12 Receive machine: INITIALIZE
                self.set_selected(out, Selected::Unselected);
                self.record_default();
                self.actor_state.remove(PortState::EXPIRED);
                self.port_moved = false;
            }
            RxState::PortDisabled => {
                // 802.1AX-2014 6.4.12 Receive machine: PORT_DISABLED
                self.partner.state.remove(PortState::SYNCHRONIZATION);
                self.stop_timer(out, TimerKind::CurrentWhile);
            }
            RxState::Expired => {
                // 802.1AX-2014 6.4.12 Receive machine: EXPIRED
                self.partner.state.remove(PortState::SYNCHRONIZATION);
                self.partner.state.insert(PortState::LACP_TIMEOUT);
                self.start_timer(out, TimerKind::CurrentWhile, now + SHORT_TIMEOUT_TIME);
                self.actor_state.insert(PortState::EXPIRED);
            }
            RxState::LacpDisabled => {
                // 802.1AX-2014 6.4.12 Receive machine: LACP_DISABLED
                self.set_selected(out, Selected::Unselected);
                self.record_default();
                self.partner.state.remove(PortState::AGGREGATION);
                self.actor_state.remove(PortState::EXPIRED);
                self.stop_timer(out, TimerKind::CurrentWhile);
            }
            RxState::Defaulted => {
                // 802.1AX-2014 6.4.12 Receive machine: DEFAULTED
                self.update_default_selected(out);
                self.record_default();
                self.actor_state.remove(PortState::EXPIRED);
            }
            RxState::Current => {
                // 802.1AX-2014 6.4.12 Receive machine: CURRENT
                if let Some(pdu) = pdu {
                    self.update_selected(out, pdu);
                    self.update_ntt(pdu);
                    self.record_pdu(pdu);
                }
                let timeout = match self.cfg.timeout {
                    LacpTimeout::Short => SHORT_TIMEOUT_TIME,
                    LacpTimeout::Long => LONG_TIMEOUT_TIME,
                };
                self.start_timer(out, TimerKind::CurrentWhile, now + timeout);
                self.actor_state.remove(PortState::EXPIRED);
            }
        }
    }

    /// Evaluates the Receive machine's non-PDU transitions until it rests.
    pub(crate) fn rx_settle(&mut self, out: &mut Outputs, now: Instant) {
        for _ in 0..4 {
            let next = match self.rx {
                // 802.1AX-2014 6.4.12: INITIALIZE -> PORT_DISABLED (UCT)
                RxState::Initialize => RxState::PortDisabled,
                RxState::PortDisabled if self.port_moved => RxState::Initialize,
                RxState::PortDisabled if self.port_enabled && self.lacp_enabled => RxState::Expired,
                RxState::PortDisabled if self.port_enabled => RxState::LacpDisabled,
                RxState::PortDisabled => return,
                // 802.1AX-2014 6.4.12: LACP_DISABLED -> PORT_DISABLED when LACP_Enabled
                RxState::LacpDisabled if self.lacp_enabled || !self.port_enabled => {
                    RxState::PortDisabled
                }
                // 802.1AX-2014 6.4.12 global: (!Port_Enabled) && (!port_moved) -> PORT_DISABLED
                _ if !self.port_enabled && !self.port_moved => RxState::PortDisabled,
                _ => return,
            };
            self.rx_enter(out, now, next, None);
        }
    }

    /// A LACPDU arrived (not a looped one). The caller made sure the port is enabled.
    pub(crate) fn rx_pdu(&mut self, out: &mut Outputs, now: Instant, pdu: &LacpduRepr<'_>) {
        self.rx_settle(out, now);
        match self.rx {
            // 802.1AX-2014 6.4.12: EXPIRED / DEFAULTED / CURRENT -> CURRENT on PDU received
            RxState::Expired | RxState::Defaulted | RxState::Current => {
                self.rx_enter(out, now, RxState::Current, Some(pdu));
            }
            RxState::Initialize | RxState::PortDisabled | RxState::LacpDisabled => {}
        }
    }

    /// current_while expired.
    pub(crate) fn rx_current_while_expired(&mut self, out: &mut Outputs, now: Instant) {
        match self.rx {
            // 802.1AX-2014 6.4.12: CURRENT -> EXPIRED on current_while expiry
            RxState::Current => self.rx_enter(out, now, RxState::Expired, None),
            // 802.1AX-2014 6.4.12: EXPIRED -> DEFAULTED on current_while expiry
            RxState::Expired => self.rx_enter(out, now, RxState::Defaulted, None),
            _ => {}
        }
    }

    /// recordPDU (§6.4.9): the PDU's actor becomes Partner_Oper; Synchronization only when
    /// Matched (the partner's view of us is our operational view, or the partner is
    /// Individual). A PDU with an all-zero partner (Open vSwitch sends Expired + Sync +
    /// Collecting + Distributing before it heard us) is therefore never taken as in sync.
    fn record_pdu(&mut self, pdu: &LacpduRepr<'_>) {
        let actor = self.actor_info();
        let view = &pdu.partner;
        let matched_view = view.port == actor.port
            && view.port_priority == actor.port_priority
            && view.system == actor.system
            && view.system_priority == actor.system_priority
            && view.key == actor.key
            && view.state.contains(PortState::AGGREGATION)
                == actor.state.contains(PortState::AGGREGATION);
        let individual = !pdu.actor.state.contains(PortState::AGGREGATION);
        self.matched = matched_view || individual;
        self.partner = pdu.actor;
        let sync = self.matched && pdu.actor.state.contains(PortState::SYNCHRONIZATION);
        self.partner.state.set(PortState::SYNCHRONIZATION, sync);
        self.actor_state.remove(PortState::DEFAULTED);
    }

    /// recordDefault (§6.4.9): Partner_Oper = Partner_Admin, Actor.Defaulted = TRUE.
    pub(crate) fn record_default(&mut self) {
        self.partner = self.partner_admin;
        self.matched = false;
        self.actor_state.insert(PortState::DEFAULTED);
    }

    /// update_Selected (§6.4.9): a different partner identity invalidates the selection.
    fn update_selected(&mut self, out: &mut Outputs, pdu: &LacpduRepr<'_>) {
        if !same_partner_identity(&pdu.actor, &self.partner) {
            self.set_selected(out, Selected::Unselected);
        }
    }

    /// update_Default_Selected (§6.4.9).
    fn update_default_selected(&mut self, out: &mut Outputs) {
        if !same_partner_identity(&self.partner_admin, &self.partner) {
            self.set_selected(out, Selected::Unselected);
        }
    }

    /// update_NTT (§6.4.9): the partner's view of us is stale.
    fn update_ntt(&mut self, pdu: &LacpduRepr<'_>) {
        let actor = self.actor_info();
        let v = &pdu.partner;
        let bits = PortState::LACP_ACTIVITY
            | PortState::LACP_TIMEOUT
            | PortState::SYNCHRONIZATION
            | PortState::AGGREGATION;
        if v.port != actor.port
            || v.port_priority != actor.port_priority
            || v.system != actor.system
            || v.system_priority != actor.system_priority
            || v.key != actor.key
            || (v.state & bits) != (actor.state & bits)
        {
            self.ntt = true;
        }
    }
}
