//! Mux machine (IEEE 802.1AX-2014 §6.4.15): independent control (Figure 6-21) and coupled
//! control (Figure 6-22).
//!
//! Two additions outside the standard, both documented on [`crate::LagConfig`]: a port enters
//! DISTRIBUTING / COLLECTING_DISTRIBUTING only while its LAG has `min_links` ready links, and
//! DISTRIBUTING also sets NTT so the partner learns the Distributing bit at once.

use super::{AGGREGATE_WAIT_TIME, MuxState, Selected};
use crate::event::Event;
use crate::port::{Outputs, Port, TimerKind};
use crate::wire::PortState;
use l2_types::Instant;

impl Port {
    fn set_collecting(&mut self, out: &mut Outputs, on: bool) {
        if self.actor_state.assign(PortState::COLLECTING, on) {
            out.event(Event::CollectingChanged {
                port: self.no,
                collecting: on,
            });
        }
    }

    fn set_distributing(&mut self, out: &mut Outputs, on: bool) {
        if self.actor_state.assign(PortState::DISTRIBUTING, on) {
            out.event(Event::DistributingChanged {
                port: self.no,
                distributing: on,
            });
        }
    }

    pub(crate) fn detach(&mut self, out: &mut Outputs) {
        if self.attached {
            self.attached = false;
            out.event(Event::Detached { port: self.no });
        }
    }

    fn mux_enter(&mut self, out: &mut Outputs, now: Instant, state: MuxState) {
        out.effect();
        self.mux = state;
        match state {
            MuxState::Detached => {
                // 802.1AX-2014 6.4.15 Mux machine: DETACHED
                self.detach(out);
                self.actor_state.remove(PortState::SYNCHRONIZATION);
                self.set_distributing(out, false);
                self.set_collecting(out, false);
                self.stop_timer(out, TimerKind::WaitWhile);
                self.ready_n = false;
                self.ntt = true;
            }
            MuxState::Waiting => {
                // 802.1AX-2014 6.4.15 Mux machine: WAITING
                self.ready_n = false;
                self.start_timer(out, TimerKind::WaitWhile, now + AGGREGATE_WAIT_TIME);
            }
            MuxState::Attached => {
                // 802.1AX-2014 6.4.15 Mux machine: ATTACHED
                if !self.attached
                    && let Some(aggregator) = self.aggregator
                {
                    self.attached = true;
                    out.event(Event::Attached {
                        port: self.no,
                        aggregator,
                    });
                }
                self.actor_state.insert(PortState::SYNCHRONIZATION);
                self.set_distributing(out, false);
                self.set_collecting(out, false);
                self.ntt = true;
            }
            MuxState::Collecting => {
                // 802.1AX-2014 6.4.15 Mux machine (independent): COLLECTING
                self.set_distributing(out, false);
                self.set_collecting(out, true);
                self.ntt = true;
            }
            MuxState::Distributing => {
                // 802.1AX-2014 6.4.15 Mux machine (independent): DISTRIBUTING
                self.set_collecting(out, true);
                self.set_distributing(out, true);
                self.ntt = true;
            }
            MuxState::CollectingDistributing => {
                // 802.1AX-2014 6.4.15 Mux machine (coupled): COLLECTING_DISTRIBUTING
                self.set_collecting(out, true);
                self.set_distributing(out, true);
                self.ntt = true;
            }
        }
    }

    /// Runs the Mux machine until it rests. `others_ready`: every other port waiting on the same
    /// aggregator has Ready_N (with this port's Ready_N that makes Ready). Returns true when the
    /// state changed.
    pub(crate) fn mux_step(
        &mut self,
        out: &mut Outputs,
        now: Instant,
        others_ready: bool,
        coupled: bool,
    ) -> bool {
        let start = self.mux;
        for _ in 0..8 {
            let selected = self.selected == Selected::Selected;
            let unselected = self.selected == Selected::Unselected;
            let partner_sync = self.partner.state.contains(PortState::SYNCHRONIZATION);
            let partner_collecting = self.partner.state.contains(PortState::COLLECTING);
            let ready = others_ready && self.ready_n;
            let next = match self.mux {
                // 802.1AX-2014 6.4.15: DETACHED -> WAITING when SELECTED or STANDBY
                MuxState::Detached if !unselected && self.aggregator.is_some() => MuxState::Waiting,
                // 802.1AX-2014 6.4.15: WAITING -> DETACHED when UNSELECTED
                MuxState::Waiting if unselected => MuxState::Detached,
                // 802.1AX-2014 6.4.15: WAITING -> ATTACHED when SELECTED and Ready
                MuxState::Waiting if selected && ready => MuxState::Attached,
                // 802.1AX-2014 6.4.15: ATTACHED -> DETACHED when UNSELECTED or STANDBY
                MuxState::Attached if !selected => MuxState::Detached,
                // 802.1AX-2014 6.4.15 (coupled): ATTACHED -> COLLECTING_DISTRIBUTING on Partner.Sync
                MuxState::Attached if coupled && partner_sync && self.lag_up => {
                    MuxState::CollectingDistributing
                }
                // 802.1AX-2014 6.4.15 (independent): ATTACHED -> COLLECTING on Partner.Sync
                MuxState::Attached if !coupled && partner_sync => MuxState::Collecting,
                // 802.1AX-2014 6.4.15 (independent): COLLECTING -> ATTACHED when not SELECTED or !Partner.Sync
                MuxState::Collecting if !selected || !partner_sync => MuxState::Attached,
                // Mux control changed to coupled at run time: resume from the coupled states.
                MuxState::Collecting | MuxState::Distributing if coupled => MuxState::Attached,
                // 802.1AX-2014 6.4.15 (independent): COLLECTING -> DISTRIBUTING on Partner.Collecting
                MuxState::Collecting if partner_collecting && self.lag_up => MuxState::Distributing,
                // 802.1AX-2014 6.4.15 (independent): DISTRIBUTING -> COLLECTING
                MuxState::Distributing
                    if !selected || !partner_sync || !partner_collecting || !self.lag_up =>
                {
                    MuxState::Collecting
                }
                // 802.1AX-2014 6.4.15 (coupled): COLLECTING_DISTRIBUTING -> ATTACHED
                MuxState::CollectingDistributing if !selected || !partner_sync || !self.lag_up => {
                    MuxState::Attached
                }
                // Mux control changed to independent at run time.
                MuxState::CollectingDistributing if !coupled => MuxState::Collecting,
                _ => break,
            };
            self.mux_enter(out, now, next);
        }
        start != self.mux
    }

    /// wait_while expired: Ready_N.
    pub(crate) fn wait_while_expired(&mut self) {
        if self.mux == MuxState::Waiting {
            self.ready_n = true;
        }
    }
}
