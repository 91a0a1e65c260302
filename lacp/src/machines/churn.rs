//! Actor and Partner Churn Detection machines (IEEE 802.1AX-2014 §6.4.17). Diagnostic only:
//! churn is reported as an event and in the port status, with no protocol effect.
//!
//! The global transition to the MONITOR states while the port is disabled holds the machine
//! there (the standard's level-triggered condition restarts the timer continuously), so a port
//! whose link is down reports no churn.

use super::{ActorChurnState, CHURN_DETECTION_TIME, PartnerChurnState};
use crate::event::Event;
use crate::port::{Outputs, Port, TimerKind};
use crate::wire::PortState;
use l2_types::Instant;

impl Port {
    /// One evaluation of both machines; returns true when a state changed.
    pub(crate) fn churn_step(&mut self, out: &mut Outputs, now: Instant) -> bool {
        let a = self.actor_churn_step(out, now);
        let p = self.partner_churn_step(out, now);
        a || p
    }

    fn actor_churn_step(&mut self, out: &mut Outputs, now: Instant) -> bool {
        let sync = self.actor_state.contains(PortState::SYNCHRONIZATION);
        let before = self.actor_churn;
        if !self.port_enabled {
            // 802.1AX-2014 6.4.17 global: !port_enabled -> ACTOR_CHURN_MONITOR (held)
            self.stop_timer(out, TimerKind::ActorChurnTimer);
            self.actor_churn = ActorChurnState::ActorChurnMonitor;
        } else {
            match self.actor_churn {
                // 802.1AX-2014 6.4.17: NO_ACTOR_CHURN -> ACTOR_CHURN_MONITOR on !Actor.Sync
                ActorChurnState::NoActorChurn if !sync => {
                    self.actor_churn = ActorChurnState::ActorChurnMonitor;
                    self.start_timer(out, TimerKind::ActorChurnTimer, now + CHURN_DETECTION_TIME);
                }
                // 802.1AX-2014 6.4.17: ACTOR_CHURN_MONITOR / ACTOR_CHURN -> NO_ACTOR_CHURN on Actor.Sync
                ActorChurnState::ActorChurnMonitor | ActorChurnState::ActorChurn if sync => {
                    self.stop_timer(out, TimerKind::ActorChurnTimer);
                    self.actor_churn = ActorChurnState::NoActorChurn;
                }
                // Leaving the held MONITOR state: 802.1AX-2014 6.4.17 ACTOR_CHURN_MONITOR starts actor_churn_timer
                ActorChurnState::ActorChurnMonitor
                    if !self.timer_running(TimerKind::ActorChurnTimer) =>
                {
                    self.start_timer(out, TimerKind::ActorChurnTimer, now + CHURN_DETECTION_TIME);
                }
                _ => {}
            }
        }
        self.report_actor_churn(out, before);
        before != self.actor_churn
    }

    fn partner_churn_step(&mut self, out: &mut Outputs, now: Instant) -> bool {
        let sync = self.partner.state.contains(PortState::SYNCHRONIZATION);
        let before = self.partner_churn;
        if !self.port_enabled {
            // 802.1AX-2014 6.4.17 global: !port_enabled -> PARTNER_CHURN_MONITOR (held)
            self.stop_timer(out, TimerKind::PartnerChurnTimer);
            self.partner_churn = PartnerChurnState::PartnerChurnMonitor;
        } else {
            match self.partner_churn {
                // 802.1AX-2014 6.4.17: NO_PARTNER_CHURN -> PARTNER_CHURN_MONITOR on !Partner.Sync
                PartnerChurnState::NoPartnerChurn if !sync => {
                    self.partner_churn = PartnerChurnState::PartnerChurnMonitor;
                    self.start_timer(
                        out,
                        TimerKind::PartnerChurnTimer,
                        now + CHURN_DETECTION_TIME,
                    );
                }
                // 802.1AX-2014 6.4.17: PARTNER_CHURN_MONITOR / PARTNER_CHURN -> NO_PARTNER_CHURN on Partner.Sync
                PartnerChurnState::PartnerChurnMonitor | PartnerChurnState::PartnerChurn
                    if sync =>
                {
                    self.stop_timer(out, TimerKind::PartnerChurnTimer);
                    self.partner_churn = PartnerChurnState::NoPartnerChurn;
                }
                // Leaving the held MONITOR state: 802.1AX-2014 6.4.17 PARTNER_CHURN_MONITOR starts partner_churn_timer
                PartnerChurnState::PartnerChurnMonitor
                    if !self.timer_running(TimerKind::PartnerChurnTimer) =>
                {
                    self.start_timer(
                        out,
                        TimerKind::PartnerChurnTimer,
                        now + CHURN_DETECTION_TIME,
                    );
                }
                _ => {}
            }
        }
        self.report_partner_churn(out, before);
        before != self.partner_churn
    }

    fn report_actor_churn(&mut self, out: &mut Outputs, before: ActorChurnState) {
        let was = before == ActorChurnState::ActorChurn;
        let is = self.actor_churn == ActorChurnState::ActorChurn;
        if was != is {
            out.event(Event::ActorChurn {
                port: self.no,
                churn: is,
            });
        }
    }

    fn report_partner_churn(&mut self, out: &mut Outputs, before: PartnerChurnState) {
        let was = before == PartnerChurnState::PartnerChurn;
        let is = self.partner_churn == PartnerChurnState::PartnerChurn;
        if was != is {
            out.event(Event::PartnerChurn {
                port: self.no,
                churn: is,
            });
        }
    }

    /// actor_churn_timer expired.
    pub(crate) fn actor_churn_expired(&mut self, out: &mut Outputs) {
        if self.actor_churn == ActorChurnState::ActorChurnMonitor {
            // 802.1AX-2014 6.4.17: ACTOR_CHURN_MONITOR -> ACTOR_CHURN on actor_churn_timer expiry
            self.actor_churn = ActorChurnState::ActorChurn;
            self.report_actor_churn(out, ActorChurnState::ActorChurnMonitor);
        }
    }

    /// partner_churn_timer expired.
    pub(crate) fn partner_churn_expired(&mut self, out: &mut Outputs) {
        if self.partner_churn == PartnerChurnState::PartnerChurnMonitor {
            // 802.1AX-2014 6.4.17: PARTNER_CHURN_MONITOR -> PARTNER_CHURN on partner_churn_timer expiry
            self.partner_churn = PartnerChurnState::PartnerChurn;
            self.report_partner_churn(out, PartnerChurnState::PartnerChurnMonitor);
        }
    }
}
