//! Transmit machine (IEEE 802.1AX-2014 §6.4.16).
//!
//! When NTT is set and the port may transmit, a LACPDU is queued; it is built from the port's
//! operational values when the host polls it (so a LACPDU already waiting in the queue serves a
//! later NTT too). At most [`LACPDUS_PER_FAST_PERIODIC_MAX`](super::LACPDUS_PER_FAST_PERIODIC_MAX)
//! LACPDUs leave a port per Fast_Periodic_Time: when the budget is spent NTT stays set and the
//! `TxHold` timer wakes the machine when it frees up. Nothing is sent while the Periodic machine
//! is in NO_PERIODIC (both ends Passive, or the port disabled).

use super::PeriodicState;
use crate::port::{Outputs, PendingTx, Port, TimerKind, window_next_free, window_record};
use l2_types::Instant;

impl Port {
    /// One evaluation of the Transmit machine.
    pub(crate) fn tx_step(&mut self, out: &mut Outputs, now: Instant) {
        if !self.ntt
            || self.periodic == PeriodicState::NoPeriodic
            || !self.port_enabled
            || !self.lacp_enabled
        {
            return;
        }
        if self.lacpdu_queued {
            // The queued LACPDU is built from current values when polled.
            self.ntt = false;
            return;
        }
        if let Some(free) = window_next_free(&self.lacpdu_tx)
            && free > now
        {
            // 802.1AX-2014 6.4.16: no more than 3 LACPDUs per Fast_Periodic_Time; NTT stays set
            self.start_timer(out, TimerKind::TxHold, free);
            return;
        }
        // 802.1AX-2014 6.4.16 Transmit machine: transmit a LACPDU, NTT = FALSE
        if out.transmit(PendingTx::Lacpdu(self.no, self.slot)) {
            window_record(&mut self.lacpdu_tx, now);
            self.lacpdu_queued = true;
            self.counters.lacpdus_tx = self.counters.lacpdus_tx.saturating_add(1);
        }
        self.ntt = false;
    }
}
