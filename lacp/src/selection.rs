//! Selection Logic (IEEE 802.1AX-2014 §6.4.14), per LAG.
//!
//! * A port chooses an aggregator of its LAG whose partner System ID and partner key match its
//!   own partner's (all ports of a LAG share the actor key). Ports that see different partners
//!   end up in different aggregators of the same LAG; one of them is the LAG's *active*
//!   aggregator, chosen by the [`SelectionPolicy`]; the ports of the others are STANDBY.
//! * Individual links (this port configured Individual, the partner Individual, or a defaulted
//!   port) get an aggregator of their own.
//! * Ports that are disabled, LACP-disabled or looped back are UNSELECTED.
//! * With `max_active`, the first `max_active` ports of the active aggregator are SELECTED and
//!   the rest STANDBY, ordered by Port ID of the side with the better System ID
//!   (§6.4.14.1: the system with the numerically lower System ID decides).
//! * A port leaves its aggregator only once it is UNSELECTED and its Mux machine is DETACHED.
//! * The LAG is up while at least `min_links` (at least 1) ports of the active aggregator are
//!   SELECTED, attached and see the partner in sync.

use alloc::vec::Vec;

use crate::config::{Aggregation, LagId, SelectionPolicy, SystemIdentity};
use crate::event::{AggregatorId, Event};
use crate::machines::{MuxState, RxState, Selected};
use crate::port::Port;
use crate::system::{Aggregator, System};
use crate::wire::PortState;
use l2_types::PortNo;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Want {
    individual: bool,
    partner_system: SystemIdentity,
    partner_key: u16,
}

fn eligible(p: &Port) -> bool {
    p.port_enabled
        && p.lacp_enabled
        && !p.loopback
        && matches!(
            p.rx,
            RxState::Current | RxState::Expired | RxState::Defaulted
        )
}

fn want(p: &Port) -> Want {
    Want {
        individual: p.cfg.aggregation == Aggregation::Individual
            || !p.partner.state.contains(PortState::AGGREGATION),
        partner_system: SystemIdentity {
            priority: p.partner.system_priority,
            mac: p.partner.system,
        },
        partner_key: p.partner.key,
    }
}

fn fits(agg: &Aggregator, lag: LagId, w: &Want) -> bool {
    agg.lag == lag
        && agg.individual == w.individual
        && agg.partner_system == w.partner_system
        && agg.partner_key == w.partner_key
}

#[derive(Debug, Clone, Copy, Default)]
struct Candidate {
    id: AggregatorId,
    has_partner: bool,
    ports: u64,
    bandwidth: u64,
    best_port_id: u32,
}

impl Candidate {
    fn metric(&self, policy: SelectionPolicy) -> u64 {
        match policy {
            SelectionPolicy::Stable | SelectionPolicy::Bandwidth => self.bandwidth,
            SelectionPolicy::Count => self.ports,
            SelectionPolicy::PortPriority => u64::from(u32::MAX - self.best_port_id),
        }
    }
}

impl System {
    /// Runs the Selection Logic for one LAG.
    pub(crate) fn select(&mut self, lag_id: LagId) {
        let Some(lag) = self.lags.get(&lag_id) else {
            return;
        };
        let cfg = lag.cfg;
        let members: Vec<PortNo> = lag.ports.clone();
        let identity = self.lag_identity(&cfg);
        let policy = self.config.selection;

        // 1. Invalidate choices that no longer fit; leave aggregators once detached.
        for no in &members {
            let Some(p) = self.ports.get_mut(no) else {
                continue;
            };
            if let Some(a) = p.aggregator {
                let w = want(p);
                let ok = eligible(p)
                    && self
                        .aggregators
                        .get(&a)
                        .is_some_and(|agg| fits(agg, lag_id, &w));
                if !ok {
                    // 802.1AX-2014 6.4.14: the chosen aggregator no longer fits -> UNSELECTED
                    p.set_selected(&mut self.out, Selected::Unselected);
                }
                if p.selected == Selected::Unselected && p.mux == MuxState::Detached {
                    Self::leave_aggregator(&mut self.aggregators, p);
                }
            }
        }

        // 2. Detached eligible ports without an aggregator choose one.
        for no in &members {
            let Some(p) = self.ports.get_mut(no) else {
                continue;
            };
            if p.aggregator.is_some() || !eligible(p) || p.mux != MuxState::Detached {
                continue;
            }
            let w = want(p);
            let found = if w.individual {
                None
            } else {
                self.aggregators
                    .iter()
                    .find(|(_, agg)| fits(agg, lag_id, &w))
                    .map(|(id, _)| *id)
            };
            let id = found.unwrap_or_else(|| {
                // Smallest free aggregator id.
                let mut next = 1u32;
                for id in self.aggregators.keys() {
                    if id.0 != next {
                        break;
                    }
                    next = next.saturating_add(1);
                }
                let id = AggregatorId(next);
                self.aggregators.insert(
                    id,
                    Aggregator {
                        lag: lag_id,
                        individual: w.individual,
                        partner_system: w.partner_system,
                        partner_key: w.partner_key,
                        ports: Vec::new(),
                    },
                );
                id
            });
            if let Some(agg) = self.aggregators.get_mut(&id)
                && let Err(i) = agg.ports.binary_search(no)
            {
                agg.ports.insert(i, *no);
            }
            p.aggregator = Some(id);
        }

        // 3. Choose the active aggregator among those with fitting, eligible ports.
        let mut candidates: Vec<Candidate> = Vec::new();
        for no in &members {
            let Some(p) = self.ports.get(no) else {
                continue;
            };
            let Some(a) = p.aggregator else { continue };
            if !eligible(p) || p.selected == Selected::Unselected && p.mux != MuxState::Detached {
                continue;
            }
            let Some(agg) = self.aggregators.get(&a) else {
                continue;
            };
            let speed = match p.link {
                crate::config::LinkState::Up { speed_mbps, .. } => u64::from(speed_mbps),
                crate::config::LinkState::Down => 0,
            };
            let port_id = p.actor_info().port_id();
            match candidates.iter_mut().find(|c| c.id == a) {
                Some(c) => {
                    c.ports += 1;
                    c.bandwidth += speed;
                    c.best_port_id = c.best_port_id.min(port_id);
                }
                None => candidates.push(Candidate {
                    id: a,
                    has_partner: !agg.partner_system.mac.is_zero(),
                    ports: 1,
                    bandwidth: speed,
                    best_port_id: port_id,
                }),
            }
        }
        let any_partner = candidates.iter().any(|c| c.has_partner);
        let current = lag
            .active
            .and_then(|a| candidates.iter().find(|c| c.id == a));
        let active = match (policy, current) {
            (SelectionPolicy::Stable, Some(c)) if c.has_partner || !any_partner => Some(c.id),
            _ => candidates
                .iter()
                .max_by_key(|c| (c.has_partner, c.metric(policy), core::cmp::Reverse(c.id)))
                .map(|c| c.id),
        };

        // 4. Selected: SELECTED in the active aggregator up to max_active, STANDBY otherwise.
        let partner_id = active
            .and_then(|a| self.aggregators.get(&a))
            .map_or(u64::MAX, |agg| agg.partner_system.id());
        let we_decide = identity.id() <= partner_id;
        let mut in_active: Vec<(u32, PortNo)> = Vec::new();
        for no in &members {
            let Some(p) = self.ports.get(no) else {
                continue;
            };
            if p.aggregator.is_some() && p.aggregator == active && eligible(p) {
                let key = if we_decide {
                    p.actor_info().port_id()
                } else {
                    p.partner.port_id()
                };
                in_active.push((key, *no));
            }
        }
        in_active.sort_unstable();
        let max_active = cfg.max_active.map_or(usize::MAX, usize::from);
        for no in &members {
            let Some(p) = self.ports.get_mut(no) else {
                continue;
            };
            let Some(a) = p.aggregator else { continue };
            let w = want(p);
            let ok = eligible(p)
                && self
                    .aggregators
                    .get(&a)
                    .is_some_and(|agg| fits(agg, lag_id, &w));
            if !ok {
                continue;
            }
            let rank = in_active.iter().position(|(_, q)| q == no);
            let sel = match rank {
                // 802.1AX-2014 6.4.14: the port's aggregator is the active one -> SELECTED
                Some(r) if r < max_active => Selected::Selected,
                // 802.1AX-2014 6.4.14.1: more ports than the aggregator may take -> STANDBY
                _ => Selected::Standby,
            };
            p.set_selected(&mut self.out, sel);
        }

        // 5. LAG status: active aggregator and min-links.
        let mut ready_links = 0usize;
        for no in &members {
            let Some(p) = self.ports.get(no) else {
                continue;
            };
            if p.aggregator == active
                && p.selected == Selected::Selected
                && p.attached
                && p.partner.state.contains(PortState::SYNCHRONIZATION)
            {
                ready_links += 1;
            }
        }
        let up = active.is_some() && ready_links >= usize::from(cfg.min_links.max(1));
        let Some(lag) = self.lags.get_mut(&lag_id) else {
            return;
        };
        if lag.active != active {
            lag.active = active;
            self.out.event(Event::ActiveAggregatorChanged {
                lag: lag_id,
                aggregator: active,
            });
        }
        if lag.up != up {
            lag.up = up;
            self.out.event(if up {
                Event::LagUp { lag: lag_id }
            } else {
                Event::LagDown { lag: lag_id }
            });
        }
        for no in &members {
            if let Some(p) = self.ports.get_mut(no)
                && p.lag_up != up
            {
                p.lag_up = up;
                p.mark_dirty(&mut self.out);
            }
        }
    }
}
