//! The sans-IO driver: [`System`].

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::config::{
    ConfigError, LagConfig, LagId, LinkState, MuxControl, PortConfig, SystemConfig, SystemIdentity,
    validate_lag, validate_port, validate_system,
};
use crate::event::{AggregatorId, Event, LagStatus, PortStatus, RxError, Stats, Transmit};
use crate::machines::{
    FAST_PERIODIC_TIME, LACPDUS_PER_FAST_PERIODIC_MAX, MARKER_RESPONSES_PER_SECOND_MAX, MuxState,
    RxState, SHORT_TIMEOUT_TIME, Selected,
};
use crate::port::{
    EVENTS_MAX, Outputs, PendingTx, Port, Slot, TRANSMITS_MAX, TimerEntry, TimerKind,
    window_next_free, window_record,
};
use crate::table::PortTable;
use crate::wire::{self, EthernetRepr, LacpduRepr, MarkerKind, SlowPdu};
use core::cmp::Reverse;
use l2_types::{EtherType, Instant, PortNo};

/// Most ports one System accepts.
pub const PORTS_MAX: usize = 4096;
/// Most LAGs one System accepts.
pub const LAGS_MAX: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct Lag {
    pub(crate) cfg: LagConfig,
    /// Member ports, sorted.
    pub(crate) ports: Vec<PortNo>,
    pub(crate) active: Option<AggregatorId>,
    pub(crate) up: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Aggregator {
    pub(crate) lag: LagId,
    /// Holds one Individual link.
    pub(crate) individual: bool,
    pub(crate) partner_system: SystemIdentity,
    pub(crate) partner_key: u16,
    /// Ports that selected it, sorted.
    pub(crate) ports: Vec<PortNo>,
}

/// An IEEE 802.1AX LACP system: ports, LAGs, aggregators and their state machines, driven by the
/// host in virtual time (see the [crate docs](crate) for the run loop).
///
/// Four kinds of methods:
/// * inputs: [`handle_frame`](Self::handle_frame), [`handle_link`](Self::handle_link),
///   [`handle_timeout`](Self::handle_timeout);
/// * configuration commands: `add_*`, `remove_*`, `set_*`, which take effect at once;
/// * outputs: [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout) — after any input or command drain the first two,
///   then read the third;
/// * getters: [`port`](Self::port), [`ports`](Self::ports), [`lag`](Self::lag),
///   [`lags`](Self::lags), [`stats`](Self::stats), [`snapshot`](Self::snapshot).
#[derive(Debug)]
pub struct System {
    pub(crate) config: SystemConfig,
    pub(crate) ports: PortTable,
    pub(crate) lags: BTreeMap<LagId, Lag>,
    pub(crate) aggregators: BTreeMap<AggregatorId, Aggregator>,
    pub(crate) port_numbers: BTreeMap<u16, PortNo>,
    pub(crate) out: Outputs,
    /// Transmit instants (under 1 s old when recorded) of removed ports, so that a port added
    /// again under the same number keeps its rate windows.
    pub(crate) removed_tx: BTreeMap<PortNo, RecentTx>,
}

/// The rate windows of a removed port.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecentTx {
    lacpdu_tx: [Option<Instant>; LACPDUS_PER_FAST_PERIODIC_MAX],
    marker_tx: [Option<Instant>; MARKER_RESPONSES_PER_SECOND_MAX],
}

/// `t` still counts in a 1 s rate window at `now`.
fn in_window(t: Instant, now: Instant) -> bool {
    t + FAST_PERIODIC_TIME > now
}

impl RecentTx {
    fn of(p: &Port, now: Instant) -> Self {
        let keep = |t: &Option<Instant>| t.filter(|t| in_window(*t, now));
        Self {
            lacpdu_tx: p.lacpdu_tx.each_ref().map(keep),
            marker_tx: p.marker_tx.each_ref().map(keep),
        }
    }

    fn live(&self, now: Instant) -> bool {
        self.lacpdu_tx
            .iter()
            .chain(&self.marker_tx)
            .flatten()
            .any(|t| in_window(*t, now))
    }

    /// Pre-loads a re-added port's windows with the instants still within 1 s of `now`.
    fn restore_into(&self, p: &mut Port, now: Instant) {
        let keep = |t: &Option<Instant>| t.filter(|t| in_window(*t, now));
        p.lacpdu_tx = self.lacpdu_tx.each_ref().map(keep);
        p.marker_tx = self.marker_tx.each_ref().map(keep);
    }
}

impl System {
    /// A system with no LAGs and no ports. The configuration is not validated here (the
    /// defaults are valid); [`set_system_config`](Self::set_system_config) validates.
    pub fn new(config: SystemConfig) -> Self {
        Self {
            config,
            ports: PortTable::default(),
            lags: BTreeMap::new(),
            aggregators: BTreeMap::new(),
            port_numbers: BTreeMap::new(),
            out: Outputs::default(),
            removed_tx: BTreeMap::new(),
        }
    }

    /// The system configuration.
    pub fn config(&self) -> &SystemConfig {
        &self.config
    }

    pub(crate) fn lag_identity(&self, cfg: &LagConfig) -> SystemIdentity {
        cfg.actor_system.unwrap_or(self.config.identity())
    }

    // ------------------------------------------------------------------ configuration

    /// Adds a LAG.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateLag`], [`ConfigError::Invalid`], [`ConfigError::TooMany`].
    pub fn add_lag(&mut self, now: Instant, lag: LagId, cfg: LagConfig) -> Result<(), ConfigError> {
        validate_lag(&cfg)?;
        if self.lags.contains_key(&lag) {
            return Err(ConfigError::DuplicateLag(lag));
        }
        if self.lags.len() >= LAGS_MAX {
            return Err(ConfigError::TooMany("lags"));
        }
        self.lags.insert(
            lag,
            Lag {
                cfg,
                ports: Vec::new(),
                active: None,
                up: false,
            },
        );
        self.run(now);
        Ok(())
    }

    /// Removes a LAG that has no member ports.
    ///
    /// # Errors
    /// [`ConfigError::UnknownLag`], [`ConfigError::LagHasPorts`].
    pub fn remove_lag(&mut self, now: Instant, lag: LagId) -> Result<(), ConfigError> {
        let l = self.lags.get(&lag).ok_or(ConfigError::UnknownLag(lag))?;
        if !l.ports.is_empty() {
            return Err(ConfigError::LagHasPorts {
                lag,
                ports: l.ports.len(),
            });
        }
        self.lags.remove(&lag);
        self.out.dirty_lags.retain(|l| *l != lag);
        self.run(now);
        Ok(())
    }

    /// Changes a LAG's configuration at run time. A new key or actor system identity makes every
    /// member re-select (UNSELECTED) and transmit (NTT); other changes re-run selection.
    ///
    /// # Errors
    /// [`ConfigError::UnknownLag`], [`ConfigError::Invalid`].
    pub fn set_lag_config(
        &mut self,
        now: Instant,
        lag: LagId,
        cfg: LagConfig,
    ) -> Result<(), ConfigError> {
        validate_lag(&cfg)?;
        let identity = self.lag_identity(&cfg);
        let l = self
            .lags
            .get_mut(&lag)
            .ok_or(ConfigError::UnknownLag(lag))?;
        l.cfg = cfg;
        for no in &l.ports {
            if let Some(p) = self.ports.get_mut(no) {
                Self::apply_lag_to_port(p, &mut self.out, now, &cfg, identity);
            }
        }
        self.out.lag_dirty(lag);
        self.run(now);
        Ok(())
    }

    fn apply_lag_to_port(
        p: &mut Port,
        out: &mut Outputs,
        now: Instant,
        cfg: &LagConfig,
        identity: SystemIdentity,
    ) {
        let _ = now;
        p.coupled = cfg.mux == MuxControl::Coupled;
        if p.actor_key != cfg.key || p.actor_system != identity {
            p.actor_key = cfg.key;
            p.actor_system = identity;
            p.ntt = true;
            p.set_selected(out, Selected::Unselected);
        }
        if p.collector_max_delay != cfg.collector_max_delay {
            p.collector_max_delay = cfg.collector_max_delay;
            p.ntt = true;
        }
        let admin_before = p.partner_admin;
        p.set_fallback(cfg.fallback);
        if admin_before != p.partner_admin && p.rx == RxState::Defaulted {
            // recordDefault again so the new admin values take effect.
            let before = p.partner;
            p.record_default();
            if before != p.partner {
                out.event(Event::PartnerChanged {
                    port: p.no,
                    partner: p.partner,
                });
            }
        }
        p.mark_dirty(out);
    }

    /// Changes the system configuration. A new System ID makes the ports that use it re-select
    /// and transmit.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for a zero or multicast system MAC.
    pub fn set_system_config(
        &mut self,
        now: Instant,
        cfg: SystemConfig,
    ) -> Result<(), ConfigError> {
        validate_system(&cfg)?;
        self.config = cfg;
        for (id, l) in &self.lags {
            let identity = l.cfg.actor_system.unwrap_or(cfg.identity());
            for no in &l.ports {
                if let Some(p) = self.ports.get_mut(no) {
                    Self::apply_lag_to_port(p, &mut self.out, now, &l.cfg, identity);
                }
            }
            self.out.lag_dirty(*id);
        }
        self.run(now);
        Ok(())
    }

    fn check_port_number(&self, port: PortNo, number: u16) -> Result<(), ConfigError> {
        match self.port_numbers.get(&number) {
            Some(other) if *other != port => Err(ConfigError::DuplicatePortNumber {
                port_number: number,
                port: *other,
            }),
            _ => Ok(()),
        }
    }

    /// Adds a port (link down until [`handle_link`](Self::handle_link) says otherwise).
    ///
    /// # Errors
    /// [`ConfigError::DuplicatePort`], [`ConfigError::UnknownLag`],
    /// [`ConfigError::DuplicatePortNumber`], [`ConfigError::Invalid`], [`ConfigError::TooMany`].
    pub fn add_port(
        &mut self,
        now: Instant,
        port: PortNo,
        cfg: PortConfig,
    ) -> Result<(), ConfigError> {
        validate_port(&cfg)?;
        if self.ports.contains_key(&port) {
            return Err(ConfigError::DuplicatePort(port));
        }
        if self.ports.len() >= PORTS_MAX {
            return Err(ConfigError::TooMany("ports"));
        }
        self.check_port_number(port, cfg.port_number)?;
        let lag = self
            .lags
            .get(&cfg.lag)
            .ok_or(ConfigError::UnknownLag(cfg.lag))?;
        let identity = self.lag_identity(&lag.cfg);
        let mut p = Port::new(port, self.ports.next_slot(), cfg, identity, lag);
        // The same port number removed less than a second ago: its transmits still count.
        if let Some(recent) = self.removed_tx.remove(&port) {
            recent.restore_into(&mut p, now);
        }
        // 802.1AX-2014 6.4.12: BEGIN -> INITIALIZE
        p.rx_settle(&mut self.out, now);
        p.mark_dirty(&mut self.out);
        self.ports.insert(p);
        self.port_numbers.insert(cfg.port_number, port);
        if let Some(l) = self.lags.get_mut(&cfg.lag)
            && let Err(i) = l.ports.binary_search(&port)
        {
            l.ports.insert(i, port);
        }
        self.out.lag_dirty(cfg.lag);
        self.run(now);
        Ok(())
    }

    /// Removes a port. If it was collecting or distributing, the events that turn that off are
    /// emitted first, so the host's dataplane stays consistent.
    ///
    /// # Errors
    /// [`ConfigError::UnknownPort`].
    pub fn remove_port(&mut self, now: Instant, port: PortNo) -> Result<(), ConfigError> {
        let mut p = self
            .ports
            .remove(&port)
            .ok_or(ConfigError::UnknownPort(port))?;
        p.port_enabled = false;
        p.selected = Selected::Unselected;
        if p.mux != MuxState::Detached {
            p.mux_step(&mut self.out, now, true, false);
        }
        p.detach(&mut self.out);
        p.clear_timers(&mut self.out);
        Self::leave_aggregator(&mut self.aggregators, &mut p);
        if let Some(l) = self.lags.get_mut(&p.cfg.lag) {
            l.ports.retain(|q| *q != port);
        }
        self.port_numbers.remove(&p.cfg.port_number);
        // Remember the port's recent transmits (a re-added port must not exceed the rates
        // either); forget those of ports removed over a second ago.
        self.removed_tx.retain(|_, r| r.live(now));
        let recent = RecentTx::of(&p, now);
        if recent.live(now) {
            self.removed_tx.insert(port, recent);
        }
        self.out.tx.retain(|t| match t {
            PendingTx::Lacpdu(q, _) | PendingTx::MarkerResponse(q, _, _) => *q != port,
        });
        self.out.dirty_ports.retain(|q| *q != p.slot);
        self.out.lag_dirty(p.cfg.lag);
        self.run(now);
        Ok(())
    }

    /// Changes a port's configuration at run time. A new LAG, port number or Aggregation makes
    /// the port re-select; any change of the advertised actor information sets NTT.
    ///
    /// # Errors
    /// [`ConfigError::UnknownPort`], [`ConfigError::UnknownLag`],
    /// [`ConfigError::DuplicatePortNumber`], [`ConfigError::Invalid`].
    pub fn set_port_config(
        &mut self,
        now: Instant,
        port: PortNo,
        cfg: PortConfig,
    ) -> Result<(), ConfigError> {
        validate_port(&cfg)?;
        if !self.ports.contains_key(&port) {
            return Err(ConfigError::UnknownPort(port));
        }
        self.check_port_number(port, cfg.port_number)?;
        if !self.lags.contains_key(&cfg.lag) {
            return Err(ConfigError::UnknownLag(cfg.lag));
        }
        let identity = self
            .lags
            .get(&cfg.lag)
            .map(|l| self.lag_identity(&l.cfg))
            .unwrap_or(self.config.identity());
        let Some(p) = self.ports.get_mut(&port) else {
            return Err(ConfigError::UnknownPort(port));
        };
        let old = p.cfg;
        p.cfg = cfg;
        let mut reselect = false;
        if old.lag != cfg.lag {
            reselect = true;
            if let Some(l) = self.lags.get_mut(&old.lag) {
                l.ports.retain(|q| *q != port);
            }
            if let Some(l) = self.lags.get_mut(&cfg.lag) {
                if let Err(i) = l.ports.binary_search(&port) {
                    l.ports.insert(i, port);
                }
                Self::apply_lag_to_port(p, &mut self.out, now, &l.cfg, identity);
            }
            self.out.lag_dirty(old.lag);
        }
        if old.port_number != cfg.port_number {
            self.port_numbers.remove(&old.port_number);
            self.port_numbers.insert(cfg.port_number, port);
            reselect = true;
        }
        if old.aggregation != cfg.aggregation {
            reselect = true;
        }
        if p.apply_config_bits() || old.port_priority != cfg.port_priority || reselect {
            p.ntt = true;
        }
        if reselect {
            p.set_selected(&mut self.out, Selected::Unselected);
        }
        p.mark_dirty(&mut self.out);
        self.out.lag_dirty(cfg.lag);
        self.run(now);
        Ok(())
    }

    // ------------------------------------------------------------------ inputs

    /// The link of `port` went up or down (or changed speed/duplex). Unknown ports are ignored.
    pub fn handle_link(&mut self, now: Instant, port: PortNo, link: LinkState) {
        let Some(p) = self.ports.get_mut(&port) else {
            return;
        };
        let before = (p.port_enabled, p.lacp_enabled);
        p.link = link;
        match link {
            LinkState::Up { full_duplex, .. } => {
                p.port_enabled = true;
                p.lacp_enabled = full_duplex;
            }
            LinkState::Down => {
                p.port_enabled = false;
                p.lacp_enabled = false;
            }
        }
        if before.0 && p.port_enabled && before.1 != p.lacp_enabled {
            // A duplex change while up: bounce the Receive machine through PORT_DISABLED.
            p.port_enabled = false;
            p.rx_settle(&mut self.out, now);
            p.port_enabled = true;
        }
        let partner_before = p.partner;
        p.rx_settle(&mut self.out, now);
        if partner_before != p.partner {
            self.out.event(Event::PartnerChanged {
                port,
                partner: p.partner,
            });
        }
        p.mark_dirty(&mut self.out);
        self.out.lag_dirty(p.cfg.lag);
        self.run(now);
    }

    /// A whole Ethernet frame arrived on `port`.
    ///
    /// # Errors
    /// A typed [`RxError`] for every frame that is not processed; each reason increments a
    /// counter and none changes protocol state (a looped LACPDU additionally marks the port as
    /// looped and keeps it out of aggregation).
    pub fn handle_frame(
        &mut self,
        now: Instant,
        port: PortNo,
        frame: &[u8],
    ) -> Result<(), RxError> {
        let stats = &mut self.out.stats;
        stats.frames_rx = stats.frames_rx.saturating_add(1);
        let Some(p) = self.ports.get_mut(&port) else {
            stats.unknown_port_rx = stats.unknown_port_rx.saturating_add(1);
            return Err(RxError::UnknownPort);
        };
        let inc = |v: &mut u64| *v = v.saturating_add(1);
        let illegal = |p: &mut Port, stats: &mut Stats, e: wire::Error| {
            inc(&mut p.counters.illegal_rx);
            inc(&mut stats.illegal_rx);
            RxError::Wire(e)
        };
        let (eth, payload) = EthernetRepr::parse(frame).map_err(|e| illegal(p, stats, e))?;
        if eth.ethertype != EtherType::SLOW_PROTOCOLS {
            inc(&mut stats.not_slow_protocols_rx);
            return Err(RxError::NotSlowProtocols(eth.ethertype.0));
        }
        if !eth.is_lacp_destination() {
            inc(&mut stats.bad_destination_rx);
            return Err(RxError::BadDestination(eth.dst));
        }
        if payload.first() == Some(&wire::SUBTYPE_LACP) {
            // The common case, without the SlowPdu wrapper (same checks, same order as below).
            let lacpdu = LacpduRepr::parse_bytes(payload).map_err(|e| illegal(p, stats, e))?;
            if !p.port_enabled || !p.lacp_enabled {
                inc(&mut p.counters.disabled_rx);
                inc(&mut stats.disabled_rx);
                return Err(RxError::PortDisabled);
            }
            return self.rx_lacpdu(now, port, &lacpdu);
        }
        let pdu = SlowPdu::parse(payload).map_err(|e| illegal(p, stats, e))?;
        if let SlowPdu::Other { subtype, .. } = pdu {
            inc(&mut p.counters.unknown_rx);
            inc(&mut stats.unknown_rx);
            return Err(RxError::UnknownSubtype(subtype));
        }
        if !p.port_enabled || !p.lacp_enabled {
            inc(&mut p.counters.disabled_rx);
            inc(&mut stats.disabled_rx);
            return Err(RxError::PortDisabled);
        }
        match pdu {
            SlowPdu::Lacp(lacpdu) => self.rx_lacpdu(now, port, &lacpdu),
            SlowPdu::Marker(m) => self.rx_marker(now, port, m),
            SlowPdu::Other { subtype, .. } => Err(RxError::UnknownSubtype(subtype)),
        }
    }

    /// Is this LACPDU one of ours? Its actor System ID is the receiving LAG's identity and its
    /// actor port number belongs to a port of this System using that identity. Two MLAG chassis
    /// share a System ID but use disjoint port numbers, so their LACPDUs are not loops.
    fn is_loopback(&self, p: &Port, pdu: &LacpduRepr<'_>) -> bool {
        if pdu.actor.system_id() != p.actor_system.id() {
            return false;
        }
        self.port_numbers
            .get(&pdu.actor.port)
            .and_then(|q| self.ports.get(q))
            .is_some_and(|q| q.actor_system == p.actor_system)
    }

    fn rx_lacpdu(
        &mut self,
        now: Instant,
        port: PortNo,
        pdu: &LacpduRepr<'_>,
    ) -> Result<(), RxError> {
        let looped = self
            .ports
            .get(&port)
            .is_some_and(|p| self.is_loopback(p, pdu));
        let Some(p) = self.ports.get_mut(&port) else {
            return Err(RxError::UnknownPort);
        };
        p.counters.lacpdus_rx = p.counters.lacpdus_rx.saturating_add(1);
        if looped {
            p.counters.loopback_rx = p.counters.loopback_rx.saturating_add(1);
            self.out.stats.loopback_rx = self.out.stats.loopback_rx.saturating_add(1);
            if !p.loopback {
                p.loopback = true;
                self.out.event(Event::LoopbackDetected { port });
                p.set_selected(&mut self.out, Selected::Unselected);
                self.out.lag_dirty(p.cfg.lag);
            }
            p.start_timer(
                &mut self.out,
                TimerKind::LoopbackWhile,
                now + SHORT_TIMEOUT_TIME,
            );
            p.mark_dirty(&mut self.out);
            self.run(now);
            return Err(RxError::Loopback);
        }
        let partner_before = p.partner;
        let rx_before = p.rx;
        let selected_before = p.selected;
        p.rx_pdu(&mut self.out, now, pdu);
        let partner = p.partner;
        let lag = p.cfg.lag;
        if partner != partner_before {
            self.out.event(Event::PartnerChanged { port, partner });
        }
        if partner != partner_before || rx_before != p.rx || selected_before != p.selected {
            self.out.lag_dirty(lag);
        }
        // A port whose machine step would be skipped (see step_port) need not be queued.
        if !p.step_is_idle() {
            p.mark_dirty(&mut self.out);
        }
        if partner.system != partner_before.system || partner.port != partner_before.port {
            self.detect_port_moved(port, &partner);
        }
        self.run(now);
        Ok(())
    }

    /// port_moved (§6.4.8): the partner port a disabled port last heard now speaks on `port`.
    fn detect_port_moved(&mut self, port: PortNo, partner: &crate::wire::PortInfo) {
        if partner.system.is_zero() {
            return;
        }
        for i in 0..self.ports.len() {
            let Some(q) = self.ports.nth_mut(i) else {
                continue;
            };
            if q.no != port
                && q.rx == RxState::PortDisabled
                && q.partner.system == partner.system
                && q.partner.system_priority == partner.system_priority
                && q.partner.port == partner.port
            {
                q.port_moved = true;
                q.mark_dirty(&mut self.out);
            }
        }
    }

    fn rx_marker(
        &mut self,
        now: Instant,
        port: PortNo,
        m: crate::wire::MarkerRepr,
    ) -> Result<(), RxError> {
        let Some(p) = self.ports.get_mut(&port) else {
            return Err(RxError::UnknownPort);
        };
        match m.kind {
            MarkerKind::Information => {
                p.counters.markers_rx = p.counters.markers_rx.saturating_add(1);
                self.out.event(Event::MarkerReceived { port, marker: m });
                if window_next_free(&p.marker_tx).is_some_and(|free| free > now) {
                    p.counters.marker_responses_rate_limited =
                        p.counters.marker_responses_rate_limited.saturating_add(1);
                    self.out.stats.marker_responses_rate_limited = self
                        .out
                        .stats
                        .marker_responses_rate_limited
                        .saturating_add(1);
                    return Err(RxError::RateLimited);
                }
                // 802.1AX-2014 6.5.4.2 Marker Responder: answer on the same port
                if self
                    .out
                    .transmit(PendingTx::MarkerResponse(port, p.slot, m.response()))
                {
                    window_record(&mut p.marker_tx, now);
                    p.counters.marker_responses_tx =
                        p.counters.marker_responses_tx.saturating_add(1);
                }
            }
            MarkerKind::Response => {
                p.counters.marker_responses_rx = p.counters.marker_responses_rx.saturating_add(1);
                self.out
                    .event(Event::MarkerResponseReceived { port, marker: m });
            }
        }
        Ok(())
    }

    /// Runs the timers due at `now`. Calling it early or repeatedly is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&Reverse(e)) = self.out.timers.peek() {
            if e.at() > now {
                break;
            }
            self.out.timers.pop();
            self.out.timers_unsure = true;
            // Entries of stopped, re-queued or removed timers are skipped.
            let Some(p) = self
                .ports
                .at_mut(e.slot())
                .filter(|p| p.timer_entry_live(e))
            else {
                continue;
            };
            let (no, Some(kind)) = (e.no(), e.kind()) else {
                continue;
            };
            if !p.timer_due(&mut self.out, kind, now) {
                continue;
            }
            match kind {
                TimerKind::CurrentWhile => {
                    let partner_before = p.partner;
                    p.rx_current_while_expired(&mut self.out, now);
                    if partner_before != p.partner {
                        self.out.event(Event::PartnerChanged {
                            port: no,
                            partner: p.partner,
                        });
                    }
                    p.mark_dirty(&mut self.out);
                    self.out.lag_dirty(p.cfg.lag);
                }
                TimerKind::PeriodicTimer => p.periodic_expired(&mut self.out, now),
                TimerKind::WaitWhile => {
                    p.wait_while_expired();
                    p.mark_dirty(&mut self.out);
                    if let Some(a) = p.aggregator {
                        self.wake_aggregator(a);
                    }
                }
                TimerKind::ActorChurnTimer => p.actor_churn_expired(&mut self.out),
                TimerKind::PartnerChurnTimer => p.partner_churn_expired(&mut self.out),
                TimerKind::TxHold => p.mark_dirty(&mut self.out),
                TimerKind::LoopbackWhile => {
                    p.loopback = false;
                    p.mark_dirty(&mut self.out);
                    self.out.lag_dirty(p.cfg.lag);
                }
            }
        }
        self.run(now);
    }

    fn wake_aggregator(&mut self, a: AggregatorId) {
        if let Some(agg) = self.aggregators.get(&a) {
            for q in &agg.ports {
                if let Some(pq) = self.ports.get_mut(q) {
                    pq.mark_dirty(&mut self.out);
                }
            }
        }
    }

    // ------------------------------------------------------------------ evaluation

    /// Runs the machines of dirty ports and the Selection Logic of dirty LAGs until nothing
    /// changes (bounded).
    pub(crate) fn run(&mut self, now: Instant) {
        self.run_machines(now);
        self.tidy_timers();
    }

    /// Keeps the timer queue's earliest entry live (so [`poll_timeout`](Self::poll_timeout) is
    /// exact) and purges stale entries once they outnumber the live ones (at most 7 per port).
    fn tidy_timers(&mut self) {
        let ports = &self.ports;
        let live = |e: &TimerEntry| ports.at(e.slot()).is_some_and(|p| p.timer_entry_live(*e));
        let bound = ports.len().saturating_mul(16).saturating_add(64);
        let oversized = self.out.timers.len() > bound;
        if !oversized && !self.out.timers_unsure {
            return;
        }
        self.out.timers_unsure = false;
        if oversized {
            let mut v = core::mem::take(&mut self.out.timers).into_vec();
            v.retain(|Reverse(e)| live(e));
            v.sort_unstable();
            v.dedup();
            self.out.timers = v.into();
        }
        while let Some(Reverse(e)) = self.out.timers.peek() {
            if live(e) {
                break;
            }
            self.out.timers.pop();
        }
    }

    fn run_machines(&mut self, now: Instant) {
        let limit = 64usize
            .saturating_mul(
                self.ports
                    .len()
                    .saturating_add(self.lags.len())
                    .saturating_add(1),
            )
            .saturating_add(1024);
        for _ in 0..limit {
            if let Some(slot) = self.out.dirty_ports.pop() {
                self.step_port(now, slot);
            } else if let Some(lag) = self.out.dirty_lags.pop() {
                self.select(lag);
            } else {
                return;
            }
        }
        self.out.stats.run_limit_reached = self.out.stats.run_limit_reached.saturating_add(1);
        for slot in core::mem::take(&mut self.out.dirty_ports) {
            if let Some(p) = self.ports.at_mut(slot) {
                p.dirty = false;
            }
        }
        self.out.dirty_lags.clear();
    }

    fn others_ready(&self, p: &Port) -> bool {
        let Some(agg) = p.aggregator.and_then(|a| self.aggregators.get(&a)) else {
            return true;
        };
        agg.ports.iter().filter(|q| **q != p.no).all(|q| {
            self.ports.get(q).is_none_or(|q| {
                q.mux != MuxState::Waiting || q.selected == Selected::Unselected || q.ready_n
            })
        })
    }

    fn step_port(&mut self, now: Instant, slot: Slot) {
        let Some(p) = self.ports.at(slot) else {
            return;
        };
        // The other ports' readiness only matters to WAITING -> ATTACHED, which also needs
        // this port's Ready_N; nothing in this step sets Ready_N (only wait_while expiry does,
        // and entering WAITING clears it), so without it the value is never read.
        let waiting_ready = p.mux == MuxState::Waiting && p.ready_n;
        let others_ready = !waiting_ready || self.others_ready(p);
        let coupled = p.coupled;
        let inputs = p.step_inputs();
        let Some(p) = self.ports.at_mut(slot) else {
            return;
        };
        p.dirty = false;
        // The last step with exactly these inputs did nothing, so this one would do nothing
        // either (see Port::step_inputs).
        let memo = !waiting_ready && !p.ntt;
        if memo && p.idle_inputs == inputs {
            return;
        }
        let effects_before = self.out.effects;
        let no = p.no;
        let mux_before = p.mux;
        let rx_before = p.rx;
        let partner_before = p.partner;
        p.rx_settle(&mut self.out, now);
        for _ in 0..8 {
            let a = p.periodic_step(&mut self.out, now);
            let b = p.mux_step(&mut self.out, now, others_ready, coupled);
            let c = p.churn_step(&mut self.out, now);
            if !(a || b || c) {
                break;
            }
        }
        p.tx_step(&mut self.out, now);
        p.idle_inputs = if memo && self.out.effects == effects_before && partner_before == p.partner
        {
            inputs
        } else {
            0
        };
        if partner_before != p.partner {
            self.out.event(Event::PartnerChanged {
                port: no,
                partner: p.partner,
            });
        }
        let lag = p.cfg.lag;
        let agg = p.aggregator;
        if mux_before != p.mux || rx_before != p.rx || partner_before != p.partner {
            self.out.lag_dirty(lag);
            if let Some(a) = agg
                && mux_before != p.mux
            {
                self.wake_aggregator(a);
            }
        }
    }

    pub(crate) fn leave_aggregator(
        aggregators: &mut BTreeMap<AggregatorId, Aggregator>,
        p: &mut Port,
    ) {
        let Some(a) = p.aggregator.take() else {
            return;
        };
        let mut empty = false;
        if let Some(agg) = aggregators.get_mut(&a) {
            agg.ports.retain(|q| *q != p.no);
            empty = agg.ports.is_empty();
        }
        if empty {
            aggregators.remove(&a);
        }
    }

    // ------------------------------------------------------------------ outputs

    /// Writes the next frame to send into `buf` (a whole Ethernet frame: source = the port's
    /// MAC, destination 01-80-C2-00-00-02, EtherType 0x8809) and says on which port to send it.
    /// A buffer of 1514 octets always suffices (LACPDUs and Marker Responses need 124); a frame
    /// that does not fit is dropped and counted in [`Stats::transmit_buffer_too_small`].
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<Transmit> {
        while let Some(t) = self.out.tx.pop_front() {
            let (port, result) = match t {
                PendingTx::Lacpdu(no, slot) => {
                    let Some(p) = self.ports.at_mut(slot).filter(|p| p.no == no) else {
                        continue;
                    };
                    p.lacpdu_queued = false;
                    let pdu = LacpduRepr {
                        version: 1,
                        actor: p.actor_info(),
                        partner: p.partner,
                        collector_max_delay: p.collector_max_delay,
                        tlvs: crate::wire::Tlvs::EMPTY,
                    };
                    let eth = EthernetRepr::slow_protocols(p.cfg.mac);
                    (no, SlowPdu::Lacp(pdu).emit_frame(&eth, buf))
                }
                PendingTx::MarkerResponse(no, slot, m) => {
                    let Some(p) = self.ports.at(slot).filter(|p| p.no == no) else {
                        continue;
                    };
                    let eth = EthernetRepr::slow_protocols(p.cfg.mac);
                    (no, SlowPdu::Marker(m).emit_frame(&eth, buf))
                }
            };
            match result {
                Ok(len) => return Some(Transmit { port, len }),
                Err(_) => {
                    self.out.stats.transmit_buffer_too_small =
                        self.out.stats.transmit_buffer_too_small.saturating_add(1);
                }
            }
        }
        None
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.out.events.pop_front()
    }

    /// The instant at which [`handle_timeout`](Self::handle_timeout) must next be called, if
    /// any timer runs. It may be earlier than strictly needed (a restarted timer is re-queued
    /// lazily); such a call is a cheap no-op.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.out.timers.peek().map(|Reverse(e)| e.at())
    }

    // ------------------------------------------------------------------ getters

    /// System-wide counters (per-port ones are in [`PortStatus::counters`]).
    pub fn stats(&self) -> &Stats {
        &self.out.stats
    }

    fn port_status(&self, p: &Port) -> PortStatus {
        PortStatus {
            port: p.no,
            lag: p.cfg.lag,
            link: p.link,
            aggregator: p.aggregator,
            selected: p.selected,
            mux_state: p.mux,
            rx_state: p.rx,
            periodic_state: p.periodic,
            actor: p.actor_info(),
            partner: p.partner,
            collecting: p.actor_state.contains(crate::wire::PortState::COLLECTING),
            distributing: p.actor_state.contains(crate::wire::PortState::DISTRIBUTING),
            actor_churn_state: p.actor_churn,
            partner_churn_state: p.partner_churn,
            loopback: p.loopback,
            counters: p.counters,
        }
    }

    /// One port's status.
    pub fn port(&self, port: PortNo) -> Option<PortStatus> {
        self.ports.get(&port).map(|p| self.port_status(p))
    }

    /// Every port's status, by port number.
    pub fn ports(&self) -> impl Iterator<Item = PortStatus> + '_ {
        self.ports.values().map(|p| self.port_status(p))
    }

    fn lag_status(&self, id: LagId, l: &Lag) -> LagStatus {
        let active = l.active.and_then(|a| self.aggregators.get(&a));
        let partner = active.filter(|a| !a.partner_system.mac.is_zero());
        let members = || l.ports.iter().filter_map(|q| self.ports.get(q));
        LagStatus {
            lag: id,
            key: l.cfg.key,
            actor_system: self.lag_identity(&l.cfg),
            active_aggregator: l.active,
            partner_system: partner.map(|a| a.partner_system),
            partner_key: partner.map(|a| a.partner_key),
            ports: l.ports.len(),
            aggregators: self.aggregators.values().filter(|a| a.lag == id).count(),
            ports_attached: members()
                .filter(|p| p.attached && p.aggregator == l.active)
                .count(),
            ports_distributing: members()
                .filter(|p| p.actor_state.contains(crate::wire::PortState::DISTRIBUTING))
                .count(),
            up: l.up,
        }
    }

    /// One LAG's status.
    pub fn lag(&self, lag: LagId) -> Option<LagStatus> {
        self.lags.get(&lag).map(|l| self.lag_status(lag, l))
    }

    /// Every LAG's status, by LAG id.
    pub fn lags(&self) -> impl Iterator<Item = LagStatus> + '_ {
        self.lags.iter().map(|(id, l)| self.lag_status(*id, l))
    }

    /// Checks the internal invariants; a debugging aid for tests and fuzzers (the library never
    /// calls it). Returns the first violated invariant.
    ///
    /// # Errors
    /// A static description of the violated invariant.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        use crate::wire::PortState as S;
        if self.out.events.len() > EVENTS_MAX {
            return Err("event queue over its bound");
        }
        if self.out.tx.len() > TRANSMITS_MAX {
            return Err("transmit queue over its bound");
        }
        if !self.out.dirty_ports.is_empty() || !self.out.dirty_lags.is_empty() {
            return Err("machines not run to completion");
        }
        if !self.ports.consistent() {
            return Err("port table indexes inconsistent");
        }
        for p in self.ports.values() {
            let no = &p.no;
            let st = p.actor_state;
            let coupled = self
                .lags
                .get(&p.cfg.lag)
                .is_some_and(|l| l.cfg.mux == MuxControl::Coupled);
            if p.coupled != coupled {
                return Err("cached Mux control differs from the LAG's");
            }
            if st.contains(S::DISTRIBUTING) && !st.contains(S::COLLECTING) && !coupled {
                return Err("distributing without collecting");
            }
            if st.contains(S::COLLECTING) && !st.contains(S::SYNCHRONIZATION) {
                return Err("collecting without synchronization");
            }
            if st.contains(S::SYNCHRONIZATION) && p.selected != Selected::Selected {
                return Err("synchronization without SELECTED");
            }
            if p.selected != Selected::Unselected && p.aggregator.is_none() {
                return Err("selected without an aggregator");
            }
            if p.attached
                != matches!(
                    p.mux,
                    MuxState::Attached
                        | MuxState::Collecting
                        | MuxState::Distributing
                        | MuxState::CollectingDistributing
                )
            {
                return Err("attached flag disagrees with the mux state");
            }
            if p.selected == Selected::Selected
                && self.lags.get(&p.cfg.lag).and_then(|l| l.active) != p.aggregator
            {
                return Err("SELECTED port outside the active aggregator");
            }
            if p.loopback && p.selected != Selected::Unselected {
                return Err("looped port selected");
            }
            if st.contains(S::DISTRIBUTING) && !p.lag_up {
                return Err("distributing while the LAG is below min_links");
            }
            if let Some(a) = p.aggregator {
                let Some(agg) = self.aggregators.get(&a) else {
                    return Err("port refers to a missing aggregator");
                };
                if agg.lag != p.cfg.lag || agg.ports.binary_search(no).is_err() {
                    return Err("aggregator membership inconsistent");
                }
            }
            if self
                .lags
                .get(&p.cfg.lag)
                .is_none_or(|l| l.ports.binary_search(no).is_err())
            {
                return Err("port missing from its LAG");
            }
            if self.port_numbers.get(&p.cfg.port_number) != Some(no) {
                return Err("port number index inconsistent");
            }
        }
        for (id, l) in &self.lags {
            if let Some(max) = l.cfg.max_active {
                let n = l
                    .ports
                    .iter()
                    .filter_map(|q| self.ports.get(q))
                    .filter(|p| p.selected == Selected::Selected)
                    .count();
                if n > usize::from(max) {
                    return Err("more SELECTED ports than max_active");
                }
            }
            if let Some(a) = l.active
                && self.aggregators.get(&a).is_none_or(|agg| agg.lag != *id)
            {
                return Err("active aggregator missing or of another LAG");
            }
        }
        for agg in self.aggregators.values() {
            if agg.ports.is_empty() {
                return Err("empty aggregator kept");
            }
            if agg.individual && agg.ports.len() != 1 {
                return Err("individual aggregator with several ports");
            }
            for q in &agg.ports {
                if self.ports.get(q).and_then(|p| p.aggregator).is_none() {
                    return Err("aggregator lists a port that left it");
                }
            }
        }
        Ok(())
    }
}
