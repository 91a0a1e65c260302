//! Periodic Transmission machine (IEEE 802.1AX-2014 §6.4.13, Figure 6-19).
//!
//! The period follows the *partner's* LACP_Timeout bit: partner Short → Fast_Periodic_Time.

use super::{FAST_PERIODIC_TIME, PeriodicState, SLOW_PERIODIC_TIME};
use crate::port::{Outputs, Port, TimerKind};
use crate::wire::PortState;
use l2_types::Instant;

impl Port {
    fn periodic_enabled(&self) -> bool {
        self.port_enabled
            && self.lacp_enabled
            && (self.actor_state.contains(PortState::LACP_ACTIVITY)
                || self.partner.state.contains(PortState::LACP_ACTIVITY))
    }

    fn periodic_enter(&mut self, out: &mut Outputs, now: Instant, state: PeriodicState) {
        out.effect();
        self.periodic = state;
        match state {
            PeriodicState::NoPeriodic => {
                // 802.1AX-2014 6.4.13 Periodic machine: NO_PERIODIC
                self.stop_timer(out, TimerKind::PeriodicTimer);
            }
            PeriodicState::FastPeriodic => {
                // 802.1AX-2014 6.4.13 Periodic machine: FAST_PERIODIC
                self.start_timer(out, TimerKind::PeriodicTimer, now + FAST_PERIODIC_TIME);
            }
            PeriodicState::SlowPeriodic => {
                // 802.1AX-2014 6.4.13 Periodic machine: SLOW_PERIODIC
                self.start_timer(out, TimerKind::PeriodicTimer, now + SLOW_PERIODIC_TIME);
            }
            PeriodicState::PeriodicTx => {
                // 802.1AX-2014 6.4.13 Periodic machine: PERIODIC_TX
                self.ntt = true;
            }
        }
    }

    /// One evaluation; returns true when the state changed.
    pub(crate) fn periodic_step(&mut self, out: &mut Outputs, now: Instant) -> bool {
        let partner_short = self.partner.state.contains(PortState::LACP_TIMEOUT);
        let next = if !self.periodic_enabled() {
            // 802.1AX-2014 6.4.13 global: !port_enabled || !LACP_Enabled || both Passive -> NO_PERIODIC
            if self.periodic == PeriodicState::NoPeriodic {
                return false;
            }
            PeriodicState::NoPeriodic
        } else {
            match self.periodic {
                // 802.1AX-2014 6.4.13: NO_PERIODIC -> FAST_PERIODIC (UCT)
                PeriodicState::NoPeriodic => PeriodicState::FastPeriodic,
                // 802.1AX-2014 6.4.13: FAST_PERIODIC -> SLOW_PERIODIC on Partner Long Timeout
                PeriodicState::FastPeriodic if !partner_short => PeriodicState::SlowPeriodic,
                // 802.1AX-2014 6.4.13: SLOW_PERIODIC -> PERIODIC_TX on Partner Short Timeout
                PeriodicState::SlowPeriodic if partner_short => PeriodicState::PeriodicTx,
                // 802.1AX-2014 6.4.13: PERIODIC_TX -> FAST_PERIODIC / SLOW_PERIODIC
                PeriodicState::PeriodicTx if partner_short => PeriodicState::FastPeriodic,
                PeriodicState::PeriodicTx => PeriodicState::SlowPeriodic,
                _ => return false,
            }
        };
        self.periodic_enter(out, now, next);
        true
    }

    /// periodic_timer expired.
    pub(crate) fn periodic_expired(&mut self, out: &mut Outputs, now: Instant) {
        if matches!(
            self.periodic,
            PeriodicState::FastPeriodic | PeriodicState::SlowPeriodic
        ) {
            // 802.1AX-2014 6.4.13: FAST_PERIODIC / SLOW_PERIODIC -> PERIODIC_TX on periodic_timer expiry
            self.periodic_enter(out, now, PeriodicState::PeriodicTx);
            self.mark_dirty(out);
        }
    }
}
