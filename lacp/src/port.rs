//! Per-port variables (802.1AX-2014 §6.4.7, §6.4.8), the timer queue and the output queues the
//! machines write to.

use alloc::collections::{BinaryHeap, VecDeque};
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::config::{
    Activity, Aggregation, LacpTimeout, LagId, LinkState, PortConfig, SystemIdentity,
};
use crate::event::{AggregatorId, Event, PortCounters, Stats};
use crate::machines::{
    ActorChurnState, FAST_PERIODIC_TIME, LACPDUS_PER_FAST_PERIODIC_MAX,
    MARKER_RESPONSES_PER_SECOND_MAX, MuxState, PartnerChurnState, PeriodicState, RxState, Selected,
};
use crate::wire::{MarkerRepr, PortInfo, PortState};
use l2_types::{Instant, PortNo};

/// Events kept before overflow is counted.
pub const EVENTS_MAX: usize = 4096;
/// Frames kept for `poll_transmit` before overflow is counted.
pub const TRANSMITS_MAX: usize = 4096;

/// A port's index in the System's dense port table (stable while the port exists; reused,
/// last freed first, once it is removed).
pub(crate) type Slot = u16;

/// The named timers of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub(crate) enum TimerKind {
    CurrentWhile,
    PeriodicTimer,
    WaitWhile,
    ActorChurnTimer,
    PartnerChurnTimer,
    /// NTT is pending and the transmit budget frees up at this deadline.
    TxHold,
    /// Loopback is forgotten at this deadline.
    LoopbackWhile,
}

/// One timer: its deadline, and the deadline under which it sits in the queue. The queue entry
/// may be earlier than the deadline (restarting a running timer later does not touch the queue;
/// the entry is re-queued when it comes up), never later.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimerSlot {
    pub(crate) deadline: Option<Instant>,
    pub(crate) queued: Option<Instant>,
}

/// `repr(C)`: the timers a steady port restarts (current_while on every LACPDU, the periodic
/// timer on every transmit) first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Timers {
    pub(crate) current_while: TimerSlot,
    pub(crate) periodic_timer: TimerSlot,
    pub(crate) tx_hold: TimerSlot,
    pub(crate) wait_while: TimerSlot,
    pub(crate) actor_churn_timer: TimerSlot,
    pub(crate) partner_churn_timer: TimerSlot,
    pub(crate) loopback_while: TimerSlot,
}

impl Timers {
    pub(crate) fn slot(&mut self, kind: TimerKind) -> &mut TimerSlot {
        match kind {
            TimerKind::CurrentWhile => &mut self.current_while,
            TimerKind::PeriodicTimer => &mut self.periodic_timer,
            TimerKind::WaitWhile => &mut self.wait_while,
            TimerKind::ActorChurnTimer => &mut self.actor_churn_timer,
            TimerKind::PartnerChurnTimer => &mut self.partner_churn_timer,
            TimerKind::TxHold => &mut self.tx_hold,
            TimerKind::LoopbackWhile => &mut self.loopback_while,
        }
    }

    pub(crate) fn get(&self, kind: TimerKind) -> &TimerSlot {
        match kind {
            TimerKind::CurrentWhile => &self.current_while,
            TimerKind::PeriodicTimer => &self.periodic_timer,
            TimerKind::WaitWhile => &self.wait_while,
            TimerKind::ActorChurnTimer => &self.actor_churn_timer,
            TimerKind::PartnerChurnTimer => &self.partner_churn_timer,
            TimerKind::TxHold => &self.tx_hold,
            TimerKind::LoopbackWhile => &self.loopback_while,
        }
    }

    pub(crate) const KINDS: [TimerKind; 7] = [
        TimerKind::CurrentWhile,
        TimerKind::PeriodicTimer,
        TimerKind::WaitWhile,
        TimerKind::ActorChurnTimer,
        TimerKind::PartnerChurnTimer,
        TimerKind::TxHold,
        TimerKind::LoopbackWhile,
    ];
}

impl TimerKind {
    fn from_u8(v: u8) -> Option<Self> {
        Timers::KINDS.get(usize::from(v)).copied()
    }
}

/// A timer queue entry: `(deadline, port number, kind)` — the firing order — and the port's
/// slot, packed into one integer so the heap compares a single `u128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerEntry(u128);

impl TimerEntry {
    pub(crate) fn new(at: Instant, no: PortNo, kind: TimerKind, slot: Slot) -> Self {
        Self(
            u128::from(at.as_nanos()) << 64
                | u128::from(no.0) << 32
                | u128::from(kind as u8) << 16
                | u128::from(slot),
        )
    }

    pub(crate) fn at(self) -> Instant {
        Instant::from_nanos((self.0 >> 64) as u64)
    }

    pub(crate) fn no(self) -> PortNo {
        PortNo((self.0 >> 32) as u16)
    }

    pub(crate) fn kind(self) -> Option<TimerKind> {
        TimerKind::from_u8((self.0 >> 16) as u8)
    }

    pub(crate) fn slot(self) -> Slot {
        self.0 as u16
    }
}

/// The timer queue: a min-heap of [`TimerEntry`] with lazy deletion. An entry is live while its
/// port (slot and number) still has that timer queued at that instant; stopping or re-queueing
/// a timer earlier leaves the old entry behind, skipped when it comes up (and purged by
/// `System::tidy_timers`, which also keeps the earliest entry live so `poll_timeout` is exact).
pub(crate) type TimerQueue = BinaryHeap<Reverse<TimerEntry>>;

/// A frame waiting for `poll_transmit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PendingTx {
    /// A LACPDU, built from the port's operational values when polled.
    Lacpdu(PortNo, Slot),
    /// A Marker Response.
    MarkerResponse(PortNo, Slot, MarkerRepr),
}

/// Everything the machines write besides the port itself.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    pub(crate) events: VecDeque<Event>,
    pub(crate) tx: VecDeque<PendingTx>,
    pub(crate) timers: TimerQueue,
    /// The earliest entry of `timers` may be stale (a timer was stopped or re-queued earlier, or
    /// entries were popped); cleared by `System::tidy_timers`.
    pub(crate) timers_unsure: bool,
    /// Counts every action a machine step can take (state entries, timer starts and stops,
    /// events, transmits, dirty marks); `System::step_port` compares it before and after to
    /// see whether a step did nothing.
    pub(crate) effects: u64,
    pub(crate) stats: Stats,
    /// Slots of the ports whose machines must run (a stack: the last marked runs first).
    pub(crate) dirty_ports: Vec<Slot>,
    pub(crate) dirty_lags: Vec<LagId>,
}

impl Outputs {
    pub(crate) fn event(&mut self, e: Event) {
        self.effect();
        if self.events.len() >= EVENTS_MAX {
            self.stats.events_dropped = self.stats.events_dropped.saturating_add(1);
        } else {
            self.events.push_back(e);
        }
    }

    pub(crate) fn transmit(&mut self, t: PendingTx) -> bool {
        self.effect();
        if self.tx.len() >= TRANSMITS_MAX {
            self.stats.transmits_dropped = self.stats.transmits_dropped.saturating_add(1);
            false
        } else {
            self.tx.push_back(t);
            true
        }
    }

    /// Records that a machine acted (see `effects`).
    #[inline]
    pub(crate) fn effect(&mut self) {
        self.effects = self.effects.wrapping_add(1);
    }

    pub(crate) fn lag_dirty(&mut self, lag: LagId) {
        self.effect();
        if !self.dirty_lags.contains(&lag) {
            self.dirty_lags.push(lag);
        }
    }
}

/// A port: configuration, the standard's per-port variables, machine states, timers, counters.
#[derive(Debug, Clone)]
#[repr(C)]
pub(crate) struct Port {
    // `repr(C)`, hot fields first: what a received LACPDU and a periodic transmit touch sits in
    // the first cache lines (the timer slots, rate windows and counters after them; rarely
    // used state last).
    pub(crate) no: PortNo,
    /// Index in the System's port table.
    pub(crate) slot: Slot,
    pub(crate) rx: RxState,
    pub(crate) periodic: PeriodicState,
    pub(crate) mux: MuxState,
    pub(crate) selected: Selected,
    pub(crate) actor_churn: ActorChurnState,
    pub(crate) partner_churn: PartnerChurnState,
    /// Port_Operational / port_enabled.
    pub(crate) port_enabled: bool,
    /// LACP_Enabled: the link is full duplex.
    pub(crate) lacp_enabled: bool,
    /// Attach_Mux_To_Aggregator done.
    pub(crate) attached: bool,
    pub(crate) ntt: bool,
    pub(crate) port_moved: bool,
    pub(crate) ready_n: bool,
    pub(crate) matched: bool,
    pub(crate) loopback: bool,
    /// Cached from the LAG: min-links reached (gates distributing).
    pub(crate) lag_up: bool,
    /// Cached from the LAG's configuration: coupled Mux control.
    pub(crate) coupled: bool,
    pub(crate) lacpdu_queued: bool,
    pub(crate) dirty: bool,
    /// [`Port::step_inputs`] of the last machine step that did nothing (0: none). A step with
    /// the same inputs, and NTT clear, would do nothing again and is skipped.
    pub(crate) idle_inputs: u64,
    /// Actor_Oper_Port_State.
    pub(crate) actor_state: PortState,
    /// Actor system identity in use (the LAG's override or the system's).
    pub(crate) actor_system: SystemIdentity,
    /// Actor_Oper_Port_Key.
    pub(crate) actor_key: u16,
    pub(crate) collector_max_delay: u16,
    /// Partner_Oper_* values.
    pub(crate) partner: PortInfo,
    pub(crate) aggregator: Option<AggregatorId>,
    pub(crate) cfg: PortConfig,
    /// Instants of the last LACPDUs sent (rate limit).
    pub(crate) lacpdu_tx: [Option<Instant>; LACPDUS_PER_FAST_PERIODIC_MAX],
    pub(crate) counters: PortCounters,
    pub(crate) timers: Timers,
    pub(crate) link: LinkState,
    /// Partner_Admin_* values (recordDefault copies them).
    pub(crate) partner_admin: PortInfo,
    /// Instants of the last Marker Responses sent (rate limit).
    pub(crate) marker_tx: [Option<Instant>; MARKER_RESPONSES_PER_SECOND_MAX],
}

/// A window of the last N transmit instants: a new one is allowed when the oldest is at least a
/// second old (so no 1 s window ever holds more than N).
pub(crate) fn window_next_free(ring: &[Option<Instant>]) -> Option<Instant> {
    if ring.iter().any(Option::is_none) {
        return None;
    }
    ring.iter()
        .flatten()
        .min()
        .map(|oldest| *oldest + FAST_PERIODIC_TIME)
}

pub(crate) fn window_record(ring: &mut [Option<Instant>], now: Instant) {
    // Fill an empty slot, else overwrite the oldest one.
    let idx = ring.iter().position(Option::is_none).or_else(|| {
        ring.iter()
            .enumerate()
            .min_by_key(|(_, s)| **s)
            .map(|(i, _)| i)
    });
    if let Some(slot) = idx.and_then(|i| ring.get_mut(i)) {
        *slot = Some(now);
    }
}

impl Port {
    pub(crate) fn new(
        no: PortNo,
        slot: Slot,
        cfg: PortConfig,
        actor_system: SystemIdentity,
        lag: &crate::system::Lag,
    ) -> Self {
        let mut p = Self {
            no,
            slot,
            cfg,
            link: LinkState::Down,
            port_enabled: false,
            lacp_enabled: false,
            actor_system,
            actor_key: lag.cfg.key,
            collector_max_delay: lag.cfg.collector_max_delay,
            actor_state: PortState::empty(),
            partner_admin: PortInfo::default(),
            partner: PortInfo::default(),
            selected: Selected::Unselected,
            aggregator: None,
            attached: false,
            // 802.1AX-2014 6.4.15: BEGIN -> DETACHED sets NTT (served once the port may send).
            ntt: true,
            port_moved: false,
            ready_n: false,
            matched: false,
            loopback: false,
            lag_up: false,
            coupled: lag.cfg.mux == crate::config::MuxControl::Coupled,
            lacpdu_queued: false,
            dirty: false,
            idle_inputs: 0,
            rx: RxState::Initialize,
            periodic: PeriodicState::NoPeriodic,
            mux: MuxState::Detached,
            actor_churn: ActorChurnState::ActorChurnMonitor,
            partner_churn: PartnerChurnState::PartnerChurnMonitor,
            timers: Timers::default(),
            lacpdu_tx: [None; LACPDUS_PER_FAST_PERIODIC_MAX],
            marker_tx: [None; MARKER_RESPONSES_PER_SECOND_MAX],
            counters: PortCounters::default(),
        };
        p.apply_config_bits();
        p.set_fallback(lag.cfg.fallback);
        p
    }

    /// Copies the configured Activity/Timeout/Aggregation bits into Actor_Oper_Port_State.
    pub(crate) fn apply_config_bits(&mut self) -> bool {
        let before = self.actor_state;
        self.actor_state.set(
            PortState::LACP_ACTIVITY,
            self.cfg.activity == Activity::Active,
        );
        self.actor_state.set(
            PortState::LACP_TIMEOUT,
            self.cfg.timeout == LacpTimeout::Short,
        );
        self.actor_state.set(
            PortState::AGGREGATION,
            self.cfg.aggregation == Aggregation::Aggregatable,
        );
        before != self.actor_state
    }

    /// Partner_Admin_Port_State: Short timeout and Passive (so a Passive port stays silent when
    /// defaulted, and a defaulted peer is asked for fast PDUs), Individual; with fallback also
    /// Synchronization, Collecting and Distributing.
    pub(crate) fn set_fallback(&mut self, fallback: crate::config::Fallback) {
        let mut st = PortState::LACP_TIMEOUT;
        if fallback == crate::config::Fallback::Individual {
            st |= PortState::SYNCHRONIZATION | PortState::COLLECTING | PortState::DISTRIBUTING;
        }
        self.partner_admin = PortInfo {
            state: st,
            ..PortInfo::default()
        };
    }

    /// The Actor information a LACPDU carries now.
    pub(crate) fn actor_info(&self) -> PortInfo {
        PortInfo {
            system_priority: self.actor_system.priority,
            system: self.actor_system.mac,
            key: self.actor_key,
            port_priority: self.cfg.port_priority,
            port: self.cfg.port_number,
            state: self.actor_state,
        }
    }

    /// Everything the Receive (non-PDU transitions), Periodic, Mux, Churn and Transmit machines
    /// branch on in `System::step_port`, packed (bit 63 set, so never 0). With NTT clear the
    /// Transmit machine reads nothing else and nothing depends on `now` except the values of
    /// timers started by a transition, so a step is a function of these inputs (and of
    /// others_ready, which is read only when WAITING with Ready_N; such steps are never
    /// skipped).
    pub(crate) fn step_inputs(&self) -> u64 {
        let flags = [
            self.port_enabled,
            self.lacp_enabled,
            self.port_moved,
            self.ready_n,
            self.aggregator.is_some(),
            self.coupled,
            self.lag_up,
            self.lacpdu_queued,
            self.ntt,
            self.timers.actor_churn_timer.deadline.is_some(),
            self.timers.partner_churn_timer.deadline.is_some(),
        ]
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, b)| acc | u64::from(*b) << i);
        let states = u64::from(self.rx.to_u8())
            | u64::from(self.periodic.to_u8()) << 4
            | u64::from(self.mux.to_u8()) << 8
            | u64::from(self.selected.to_u8()) << 12
            | u64::from(self.actor_churn.to_u8()) << 16
            | u64::from(self.partner_churn.to_u8()) << 20;
        1 << 63
            | flags
            | states << 16
            | u64::from(self.actor_state.bits()) << 40
            | u64::from(self.partner.state.bits()) << 48
    }

    /// A machine step now would be skipped: NTT clear, not WAITING with Ready_N (others_ready
    /// unread) and the inputs of the last no-op step.
    #[inline]
    pub(crate) fn step_is_idle(&self) -> bool {
        !self.ntt
            && (self.mux != MuxState::Waiting || !self.ready_n)
            && self.idle_inputs == self.step_inputs()
    }

    pub(crate) fn mark_dirty(&mut self, out: &mut Outputs) {
        out.effect();
        if !self.dirty {
            self.dirty = true;
            out.dirty_ports.push(self.slot);
        }
    }

    pub(crate) fn set_selected(&mut self, out: &mut Outputs, sel: Selected) -> bool {
        if self.selected == sel {
            return false;
        }
        self.selected = sel;
        match (sel, self.aggregator) {
            (Selected::Selected, Some(aggregator)) => out.event(Event::PortSelected {
                port: self.no,
                lag: self.cfg.lag,
                aggregator,
            }),
            (Selected::Standby, Some(aggregator)) => out.event(Event::PortStandby {
                port: self.no,
                aggregator,
            }),
            _ => out.event(Event::PortUnselected { port: self.no }),
        }
        self.mark_dirty(out);
        out.lag_dirty(self.cfg.lag);
        true
    }

    // ---- timers ----

    pub(crate) fn start_timer(&mut self, out: &mut Outputs, kind: TimerKind, at: Instant) {
        out.effect();
        let entry = TimerEntry::new(at, self.no, kind, self.slot);
        let slot = self.timers.slot(kind);
        slot.deadline = Some(at);
        match slot.queued {
            Some(q) if q <= at => {} // re-queued lazily when q comes up
            // Queued later: the old entry goes stale.
            Some(_) => {
                out.timers.push(Reverse(entry));
                out.timers_unsure = true;
                slot.queued = Some(at);
            }
            None => {
                out.timers.push(Reverse(entry));
                slot.queued = Some(at);
            }
        }
    }

    pub(crate) fn stop_timer(&mut self, out: &mut Outputs, kind: TimerKind) {
        out.effect();
        let slot = self.timers.slot(kind);
        slot.deadline = None;
        if slot.queued.take().is_some() {
            // The queue entry goes stale.
            out.timers_unsure = true;
        }
    }

    /// The queue entry `e` (of this port) is live: the timer is queued at that instant.
    pub(crate) fn timer_entry_live(&self, e: TimerEntry) -> bool {
        e.no() == self.no
            && e.kind()
                .is_some_and(|k| self.timers.get(k).queued == Some(e.at()))
    }

    pub(crate) fn timer_running(&self, kind: TimerKind) -> bool {
        let t = &self.timers;
        match kind {
            TimerKind::CurrentWhile => t.current_while.deadline.is_some(),
            TimerKind::PeriodicTimer => t.periodic_timer.deadline.is_some(),
            TimerKind::WaitWhile => t.wait_while.deadline.is_some(),
            TimerKind::ActorChurnTimer => t.actor_churn_timer.deadline.is_some(),
            TimerKind::PartnerChurnTimer => t.partner_churn_timer.deadline.is_some(),
            TimerKind::TxHold => t.tx_hold.deadline.is_some(),
            TimerKind::LoopbackWhile => t.loopback_while.deadline.is_some(),
        }
    }

    pub(crate) fn clear_timers(&mut self, out: &mut Outputs) {
        for k in Timers::KINDS {
            self.stop_timer(out, k);
        }
    }

    /// Called when the live queue entry `(q, self.no, kind)` came up at `now` (already removed
    /// from the queue). Returns true when the timer really expired.
    pub(crate) fn timer_due(&mut self, out: &mut Outputs, kind: TimerKind, now: Instant) -> bool {
        let (no, port_slot) = (self.no, self.slot);
        let slot = self.timers.slot(kind);
        slot.queued = None;
        match slot.deadline {
            Some(d) if d <= now => {
                slot.deadline = None;
                true
            }
            Some(d) => {
                out.timers
                    .push(Reverse(TimerEntry::new(d, no, kind, port_slot)));
                slot.queued = Some(d);
                false
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn hot_fields_first() {
        // What a steady LACPDU and a periodic transmit touch: the head, the LACPDU rate window,
        // the first counters and the current_while / periodic timers. Keep them in the first
        // five cache lines (a Port is several hundred octets).
        assert!(offset_of!(Port, timers) + 2 * size_of::<TimerSlot>() <= 5 * 64);
        assert!(offset_of!(Port, counters) + 2 * size_of::<u64>() <= 4 * 64);
    }
}
