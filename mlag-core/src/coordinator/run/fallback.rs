//! LACP fallback with MLAG (this crate's `lacp-fallback` bond extension,
//! [`crate::config::Bond::lacp_fallback`]).
//!
//! `lacp`'s [`lacp::Fallback::Individual`] lets one defaulted member of a LAG collect and
//! distribute when no member has a partner (802.1AX-2014 §6.4.9 recordDefault with a partner
//! admin state of Synchronization, Collecting and Distributing). Two chassis must not both do
//! it for one client: each half would pick a member and the client — which speaks no LACP —
//! would get every flooded frame twice and send on both links into two bridges. So for an MLAG
//! bond the fallback is armed on **one half only**, the primary's (or the survivor's: a peer
//! alone, never one that is isolated, held down or not yet released), and only while **neither
//! half** hears a LACPDU: this side's members all have a defaulted partner, and the peer's
//! mLACP Aggregator State reports no partner System. The first LACPDU on either half disarms
//! it (the peer's half state is re-sent on every partner change), and normal LACP takes over.
//! If the peers' settings differ, only the primary's matters: a secondary never falls back.

use super::{Coordinator, Dataplane, Instant, MacAddr};
use crate::coordinator::recorder::Cause;

impl<D: Dataplane> Coordinator<D> {
    /// Arms or disarms the fallback of every LACP bond; true if anything changed.
    pub(super) fn update_fallback(&mut self, now: Instant) -> bool {
        if !self.fallback_any {
            return false;
        }
        let mut changed = false;
        for i in 0..self.lags.len() {
            // Fast path (every drain): no fallback configured and none armed.
            if self
                .lags
                .get(i)
                .is_some_and(|l| !l.fallback && l.cfg.fallback == lacp::Fallback::Disabled)
            {
                continue;
            }
            let want = if self.fallback_allowed(i) {
                lacp::Fallback::Individual
            } else {
                lacp::Fallback::Disabled
            };
            let Some(lag) = self.lags.get_mut(i) else {
                continue;
            };
            if lag.cfg.fallback == want {
                continue;
            }
            lag.cfg.fallback = want;
            let (id, cfg, mlag) = (lag.id, lag.cfg, lag.mlag);
            let _ = self.lacp.set_lag_config(now, id, cfg);
            if let Some(mlag) = mlag {
                let on = want == lacp::Fallback::Individual;
                self.record(now, Cause::Fallback { mlag, on });
            }
            changed = true;
        }
        self.fallback_any = self
            .lags
            .iter()
            .any(|l| l.fallback || l.cfg.fallback != lacp::Fallback::Disabled);
        changed
    }

    fn fallback_allowed(&self, i: usize) -> bool {
        let Some(lag) = self.lags.get(i) else {
            return false;
        };
        if !lag.fallback {
            return false;
        }
        // No member of this half hears a partner (all defaulted).
        let mut members = self.members.iter().filter(|(_, m)| m.lag == i);
        let own_silent = members.all(|(p, m)| {
            !m.in_lacp
                || self
                    .lacp
                    .port(*p)
                    .is_none_or(|s| s.partner.system == MacAddr::ZERO)
        });
        let Some(id) = lag.mlag else {
            return own_silent;
        };
        if !self.released || self.isolated || self.split_holds(id) || self.held.contains(&id) {
            return false;
        }
        let connected = self.iccp.status() == iccp::Status::Connected;
        let primary = match self.iccp.role() {
            Some(iccp::Role::Primary) => true,
            // Never elected: this peer came up alone after its reload delay.
            None => !connected,
            Some(iccp::Role::Secondary) => false,
        };
        let peer_silent = !connected
            || self
                .halves
                .get(&id)
                .is_none_or(|h| h.peer_partner == MacAddr::ZERO);
        primary && own_silent && peer_silent
    }
}
