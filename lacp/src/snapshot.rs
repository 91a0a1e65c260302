//! Snapshot and restore, for a hitless restart of the process that hosts a [`System`].
//!
//! A [`Snapshot`] is plain data: the configuration, and for every port its protocol state
//! (machine states, Selected, aggregator, actor state bits, partner operational information)
//! with its timers stored as *remaining* durations. [`System::restore`] re-arms the timers
//! relative to its own `now`, so the partner sees no change: the restored System keeps
//! Synchronization, Collecting and Distributing and keeps sending the same actor information.
//! It emits no events for state it already had — the host keeps its dataplane as it was.
//!
//! [`Snapshot::to_bytes`] / [`Snapshot::from_bytes`] give a small versioned binary format
//! (magic `LACPSNAP`, big-endian, version 1); the decoder is total (any input gives a value or
//! an error, never a panic) and allocates no more than the input length.
//!
//! Counters ([`Stats`](crate::Stats), [`PortCounters`](crate::PortCounters)) are not part of a
//! snapshot.

use alloc::vec::Vec;

use crate::config::{
    Activity, Aggregation, ConfigError, Fallback, LacpTimeout, LagConfig, LagId, LinkState,
    MuxControl, PortConfig, SelectionPolicy, SystemConfig, SystemIdentity, validate_lag,
    validate_port, validate_system,
};
use crate::event::AggregatorId;
use crate::machines::{
    ActorChurnState, MuxState, PartnerChurnState, PeriodicState, RxState, Selected,
};
use crate::port::{Port, TimerKind};
use crate::system::{Aggregator, Lag, System};
use crate::wire::{PortInfo, PortState};
use l2_types::{Duration, Instant, MacAddr, PortNo};

const MAGIC: &[u8; 8] = b"LACPSNAP";
/// The format version [`Snapshot::to_bytes`] writes.
pub const SNAPSHOT_VERSION: u16 = 1;

/// A LAG in a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LagSnapshot {
    /// The LAG.
    pub lag: LagId,
    /// Its configuration.
    pub config: LagConfig,
    /// Its active aggregator.
    pub active_aggregator: Option<AggregatorId>,
    /// Min-links reached.
    pub up: bool,
}

/// An aggregator in a snapshot (its member ports are the ports that name it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AggregatorSnapshot {
    /// Its id.
    pub id: AggregatorId,
    /// Its LAG.
    pub lag: LagId,
    /// Holds an Individual link.
    pub individual: bool,
    /// Partner System.
    pub partner_system: SystemIdentity,
    /// Partner key.
    pub partner_key: u16,
}

/// A port in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortSnapshot {
    /// The port.
    pub port: PortNo,
    /// Its configuration.
    pub config: PortConfig,
    /// Its link.
    pub link: LinkState,
    /// Receive machine state.
    pub rx_state: RxState,
    /// Periodic Transmission machine state.
    pub periodic_state: PeriodicState,
    /// Mux machine state.
    pub mux_state: MuxState,
    /// Actor churn machine state.
    pub actor_churn_state: ActorChurnState,
    /// Partner churn machine state.
    pub partner_churn_state: PartnerChurnState,
    /// Selected.
    pub selected: Selected,
    /// The selected aggregator.
    pub aggregator: Option<AggregatorId>,
    /// Attached to it.
    pub attached: bool,
    /// Actor_Oper_Port_State.
    pub actor_state: PortState,
    /// Partner_Oper information.
    pub partner: PortInfo,
    /// NTT (also set when a LACPDU was queued but not yet polled).
    pub ntt: bool,
    /// Ready_N.
    pub ready_n: bool,
    /// port_moved.
    pub port_moved: bool,
    /// Matched.
    pub matched: bool,
    /// Looped back.
    pub loopback: bool,
    /// The LAG's min-links state as the port last saw it.
    pub lag_up: bool,
    /// Remaining current_while.
    pub current_while: Option<Duration>,
    /// Remaining periodic_timer.
    pub periodic_timer: Option<Duration>,
    /// Remaining wait_while.
    pub wait_while: Option<Duration>,
    /// Remaining actor_churn_timer.
    pub actor_churn_timer: Option<Duration>,
    /// Remaining partner_churn_timer.
    pub partner_churn_timer: Option<Duration>,
    /// Remaining hold of a rate-limited NTT.
    pub tx_hold: Option<Duration>,
    /// Remaining loopback memory.
    pub loopback_while: Option<Duration>,
    /// How long ago the last LACPDUs were sent (rate limit), at most 3.
    pub lacpdu_tx_ago: Vec<Duration>,
    /// How long ago the last Marker Responses were sent (rate limit), at most 7.
    pub marker_tx_ago: Vec<Duration>,
}

/// The whole protocol state of a [`System`]; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// System configuration.
    pub system: SystemConfig,
    /// LAGs.
    pub lags: Vec<LagSnapshot>,
    /// Aggregators in use.
    pub aggregators: Vec<AggregatorSnapshot>,
    /// Ports.
    pub ports: Vec<PortSnapshot>,
}

/// Why a snapshot could not be decoded or restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// The input ends early.
    #[error("snapshot truncated")]
    Truncated,
    /// The input does not start with the magic.
    #[error("not a LACP snapshot")]
    BadMagic,
    /// A version this decoder does not know.
    #[error("unsupported snapshot version {0}")]
    UnsupportedVersion(u16),
    /// A field holds an impossible value.
    #[error("invalid value for {0}")]
    BadValue(&'static str),
    /// Octets after the end.
    #[error("{0} trailing octets")]
    TrailingBytes(usize),
    /// The configuration it holds is invalid.
    #[error("invalid configuration: {0}")]
    Config(ConfigError),
    /// The state it holds is inconsistent.
    #[error("inconsistent state: {0}")]
    Inconsistent(&'static str),
}

impl From<ConfigError> for SnapshotError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

// ---------------------------------------------------------------- encoding

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }
    fn mac(&mut self, m: MacAddr) {
        self.0.extend_from_slice(&m.0);
    }
    fn dur(&mut self, d: Duration) {
        self.u64(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }
    fn opt_dur(&mut self, d: Option<Duration>) {
        match d {
            Some(d) => {
                self.u8(1);
                self.dur(d);
            }
            None => self.u8(0),
        }
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn info(&mut self, i: &PortInfo) {
        self.u16(i.system_priority);
        self.mac(i.system);
        self.u16(i.key);
        self.u16(i.port_priority);
        self.u16(i.port);
        self.u8(i.state.bits());
    }
    fn identity(&mut self, i: SystemIdentity) {
        self.u16(i.priority);
        self.mac(i.mac);
    }
    fn link(&mut self, l: LinkState) {
        match l {
            LinkState::Down => self.u8(0),
            LinkState::Up {
                speed_mbps,
                full_duplex,
            } => {
                self.u8(1);
                self.u32(speed_mbps);
                self.bool(full_duplex);
            }
        }
    }
    fn opt_agg(&mut self, a: Option<AggregatorId>) {
        match a {
            Some(a) => {
                self.u8(1);
                self.u32(a.0);
            }
            None => self.u8(0),
        }
    }
}

struct R<'a>(&'a [u8]);

impl R<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(SnapshotError::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }
    fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.take::<1>()?[0])
    }
    fn bool(&mut self) -> Result<bool, SnapshotError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(SnapshotError::BadValue("bool")),
        }
    }
    fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_be_bytes(self.take()?))
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_be_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_be_bytes(self.take()?))
    }
    fn mac(&mut self) -> Result<MacAddr, SnapshotError> {
        Ok(MacAddr(self.take()?))
    }
    fn dur(&mut self) -> Result<Duration, SnapshotError> {
        Ok(Duration::from_nanos(self.u64()?))
    }
    fn opt_dur(&mut self) -> Result<Option<Duration>, SnapshotError> {
        Ok(if self.bool()? {
            Some(self.dur()?)
        } else {
            None
        })
    }
    /// A count of items, each at least one octet long.
    fn len(&mut self) -> Result<usize, SnapshotError> {
        let n = usize::try_from(self.u32()?).map_err(|_| SnapshotError::BadValue("count"))?;
        if n > self.0.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
    fn info(&mut self) -> Result<PortInfo, SnapshotError> {
        Ok(PortInfo {
            system_priority: self.u16()?,
            system: self.mac()?,
            key: self.u16()?,
            port_priority: self.u16()?,
            port: self.u16()?,
            state: PortState::from_bits_retain(self.u8()?),
        })
    }
    fn identity(&mut self) -> Result<SystemIdentity, SnapshotError> {
        Ok(SystemIdentity {
            priority: self.u16()?,
            mac: self.mac()?,
        })
    }
    fn link(&mut self) -> Result<LinkState, SnapshotError> {
        match self.u8()? {
            0 => Ok(LinkState::Down),
            1 => Ok(LinkState::Up {
                speed_mbps: self.u32()?,
                full_duplex: self.bool()?,
            }),
            _ => Err(SnapshotError::BadValue("link")),
        }
    }
    fn opt_agg(&mut self) -> Result<Option<AggregatorId>, SnapshotError> {
        Ok(if self.bool()? {
            Some(AggregatorId(self.u32()?))
        } else {
            None
        })
    }
    fn pick<T>(
        &mut self,
        field: &'static str,
        f: impl Fn(u8) -> Option<T>,
    ) -> Result<T, SnapshotError> {
        f(self.u8()?).ok_or(SnapshotError::BadValue(field))
    }
}

fn policy_u8(p: SelectionPolicy) -> u8 {
    match p {
        SelectionPolicy::Stable => 0,
        SelectionPolicy::Bandwidth => 1,
        SelectionPolicy::Count => 2,
        SelectionPolicy::PortPriority => 3,
    }
}

fn policy_from(v: u8) -> Option<SelectionPolicy> {
    Some(match v {
        0 => SelectionPolicy::Stable,
        1 => SelectionPolicy::Bandwidth,
        2 => SelectionPolicy::Count,
        3 => SelectionPolicy::PortPriority,
        _ => return None,
    })
}

fn two<T: Copy>(v: u8, a: T, b: T) -> Option<T> {
    match v {
        0 => Some(a),
        1 => Some(b),
        _ => None,
    }
}

impl Snapshot {
    /// Encodes the snapshot (format version [`SNAPSHOT_VERSION`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = W(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u16(SNAPSHOT_VERSION);
        w.identity(self.system.identity());
        w.u8(policy_u8(self.system.selection));
        w.len(self.lags.len());
        for l in &self.lags {
            w.u32(l.lag.0);
            let c = &l.config;
            w.u16(c.key);
            w.u16(c.min_links);
            match c.max_active {
                Some(m) => {
                    w.u8(1);
                    w.u16(m);
                }
                None => w.u8(0),
            }
            w.u8(u8::from(c.mux == MuxControl::Coupled));
            w.u8(u8::from(c.fallback == Fallback::Individual));
            match c.actor_system {
                Some(i) => {
                    w.u8(1);
                    w.identity(i);
                }
                None => w.u8(0),
            }
            w.u16(c.collector_max_delay);
            w.opt_agg(l.active_aggregator);
            w.bool(l.up);
        }
        w.len(self.aggregators.len());
        for a in &self.aggregators {
            w.u32(a.id.0);
            w.u32(a.lag.0);
            w.bool(a.individual);
            w.identity(a.partner_system);
            w.u16(a.partner_key);
        }
        w.len(self.ports.len());
        for p in &self.ports {
            w.u16(p.port.0);
            let c = &p.config;
            w.mac(c.mac);
            w.u32(c.lag.0);
            w.u16(c.port_number);
            w.u16(c.port_priority);
            w.u8(u8::from(c.activity == Activity::Passive));
            w.u8(u8::from(c.timeout == LacpTimeout::Long));
            w.u8(u8::from(c.aggregation == Aggregation::Individual));
            w.link(p.link);
            w.u8(p.rx_state.to_u8());
            w.u8(p.periodic_state.to_u8());
            w.u8(p.mux_state.to_u8());
            w.u8(p.actor_churn_state.to_u8());
            w.u8(p.partner_churn_state.to_u8());
            w.u8(p.selected.to_u8());
            w.opt_agg(p.aggregator);
            w.bool(p.attached);
            w.u8(p.actor_state.bits());
            w.info(&p.partner);
            for b in [
                p.ntt,
                p.ready_n,
                p.port_moved,
                p.matched,
                p.loopback,
                p.lag_up,
            ] {
                w.bool(b);
            }
            for t in [
                p.current_while,
                p.periodic_timer,
                p.wait_while,
                p.actor_churn_timer,
                p.partner_churn_timer,
                p.tx_hold,
                p.loopback_while,
            ] {
                w.opt_dur(t);
            }
            for ring in [&p.lacpdu_tx_ago, &p.marker_tx_ago] {
                w.len(ring.len());
                for d in ring {
                    w.dur(*d);
                }
            }
        }
        w.0
    }

    /// Decodes a snapshot written by [`Snapshot::to_bytes`].
    ///
    /// # Errors
    /// Any [`SnapshotError`] but `Config`/`Inconsistent` (those come from
    /// [`System::restore`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SnapshotError> {
        let mut r = R(bytes);
        if &r.take::<8>().map_err(|_| SnapshotError::BadMagic)? != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = r.u16()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion(version));
        }
        let id = r.identity()?;
        let system = SystemConfig {
            system_priority: id.priority,
            system: id.mac,
            selection: r.pick("selection", policy_from)?,
        };
        let n = r.len()?;
        let mut lags = Vec::with_capacity(n);
        for _ in 0..n {
            let lag = LagId(r.u32()?);
            let key = r.u16()?;
            let min_links = r.u16()?;
            let max_active = if r.bool()? { Some(r.u16()?) } else { None };
            let mux = r.pick("mux", |v| {
                two(v, MuxControl::Independent, MuxControl::Coupled)
            })?;
            let fallback = r.pick("fallback", |v| {
                two(v, Fallback::Disabled, Fallback::Individual)
            })?;
            let actor_system = if r.bool()? { Some(r.identity()?) } else { None };
            let collector_max_delay = r.u16()?;
            lags.push(LagSnapshot {
                lag,
                config: LagConfig {
                    key,
                    min_links,
                    max_active,
                    mux,
                    fallback,
                    actor_system,
                    collector_max_delay,
                },
                active_aggregator: r.opt_agg()?,
                up: r.bool()?,
            });
        }
        let n = r.len()?;
        let mut aggregators = Vec::with_capacity(n);
        for _ in 0..n {
            aggregators.push(AggregatorSnapshot {
                id: AggregatorId(r.u32()?),
                lag: LagId(r.u32()?),
                individual: r.bool()?,
                partner_system: r.identity()?,
                partner_key: r.u16()?,
            });
        }
        let n = r.len()?;
        let mut ports = Vec::with_capacity(n);
        for _ in 0..n {
            let port = PortNo(r.u16()?);
            let config = PortConfig {
                mac: r.mac()?,
                lag: LagId(r.u32()?),
                port_number: r.u16()?,
                port_priority: r.u16()?,
                activity: r.pick("activity", |v| two(v, Activity::Active, Activity::Passive))?,
                timeout: r.pick("timeout", |v| two(v, LacpTimeout::Short, LacpTimeout::Long))?,
                aggregation: r.pick("aggregation", |v| {
                    two(v, Aggregation::Aggregatable, Aggregation::Individual)
                })?,
            };
            let link = r.link()?;
            let rx_state = r.pick("rx_state", RxState::from_u8)?;
            let periodic_state = r.pick("periodic_state", PeriodicState::from_u8)?;
            let mux_state = r.pick("mux_state", MuxState::from_u8)?;
            let actor_churn_state = r.pick("actor_churn_state", ActorChurnState::from_u8)?;
            let partner_churn_state = r.pick("partner_churn_state", PartnerChurnState::from_u8)?;
            let selected = r.pick("selected", Selected::from_u8)?;
            let aggregator = r.opt_agg()?;
            let attached = r.bool()?;
            let actor_state = PortState::from_bits_retain(r.u8()?);
            let partner = r.info()?;
            let mut flags = [false; 6];
            for f in &mut flags {
                *f = r.bool()?;
            }
            let [ntt, ready_n, port_moved, matched, loopback, lag_up] = flags;
            let mut timers = [None; 7];
            for t in &mut timers {
                *t = r.opt_dur()?;
            }
            let [
                current_while,
                periodic_timer,
                wait_while,
                actor_churn_timer,
                partner_churn_timer,
                tx_hold,
                loopback_while,
            ] = timers;
            let mut rings: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
            for (ring, max) in rings.iter_mut().zip([
                crate::machines::LACPDUS_PER_FAST_PERIODIC_MAX,
                crate::machines::MARKER_RESPONSES_PER_SECOND_MAX,
            ]) {
                let n = r.len()?;
                if n > max {
                    return Err(SnapshotError::BadValue("transmit history"));
                }
                for _ in 0..n {
                    ring.push(r.dur()?);
                }
            }
            let [lacpdu_tx_ago, marker_tx_ago] = rings;
            ports.push(PortSnapshot {
                port,
                config,
                link,
                rx_state,
                periodic_state,
                mux_state,
                actor_churn_state,
                partner_churn_state,
                selected,
                aggregator,
                attached,
                actor_state,
                partner,
                ntt,
                ready_n,
                port_moved,
                matched,
                loopback,
                lag_up,
                current_while,
                periodic_timer,
                wait_while,
                actor_churn_timer,
                partner_churn_timer,
                tx_hold,
                loopback_while,
                lacpdu_tx_ago,
                marker_tx_ago,
            });
        }
        if !r.0.is_empty() {
            return Err(SnapshotError::TrailingBytes(r.0.len()));
        }
        Ok(Self {
            system,
            lags,
            aggregators,
            ports,
        })
    }
}

impl System {
    /// Captures the protocol state at `now` (timers as remaining durations).
    pub fn snapshot(&self, now: Instant) -> Snapshot {
        let lags = self
            .lags
            .iter()
            .map(|(id, l)| LagSnapshot {
                lag: *id,
                config: l.cfg,
                active_aggregator: l.active,
                up: l.up,
            })
            .collect();
        let aggregators = self
            .aggregators
            .iter()
            .map(|(id, a)| AggregatorSnapshot {
                id: *id,
                lag: a.lag,
                individual: a.individual,
                partner_system: a.partner_system,
                partner_key: a.partner_key,
            })
            .collect();
        let ports = self.ports.values().map(|p| port_snapshot(p, now)).collect();
        Snapshot {
            system: self.config,
            lags,
            aggregators,
            ports,
        }
    }

    /// Rebuilds a System from a snapshot, re-arming its timers relative to `now`. The restored
    /// System emits no events for the state it restores; a LACPDU that was queued but not yet
    /// polled when the snapshot was taken is sent again.
    ///
    /// # Errors
    /// [`SnapshotError::Config`] for invalid configuration, [`SnapshotError::Inconsistent`]
    /// when the state breaks an invariant (see [`System::check_invariants`]).
    pub fn restore(now: Instant, snapshot: &Snapshot) -> Result<Self, SnapshotError> {
        validate_system(&snapshot.system)?;
        let mut sys = Self::new(snapshot.system);
        for l in &snapshot.lags {
            validate_lag(&l.config)?;
            if sys.lags.contains_key(&l.lag) {
                return Err(ConfigError::DuplicateLag(l.lag).into());
            }
            sys.lags.insert(
                l.lag,
                Lag {
                    cfg: l.config,
                    ports: Vec::new(),
                    active: l.active_aggregator,
                    up: l.up,
                },
            );
        }
        for a in &snapshot.aggregators {
            if !sys.lags.contains_key(&a.lag) {
                return Err(ConfigError::UnknownLag(a.lag).into());
            }
            let agg = Aggregator {
                lag: a.lag,
                individual: a.individual,
                partner_system: a.partner_system,
                partner_key: a.partner_key,
                ports: Vec::new(),
            };
            if sys.aggregators.insert(a.id, agg).is_some() {
                return Err(SnapshotError::Inconsistent("duplicate aggregator"));
            }
        }
        for s in &snapshot.ports {
            validate_port(&s.config)?;
            if sys.ports.contains_key(&s.port) {
                return Err(ConfigError::DuplicatePort(s.port).into());
            }
            if let Some(other) = sys.port_numbers.get(&s.config.port_number) {
                return Err(ConfigError::DuplicatePortNumber {
                    port_number: s.config.port_number,
                    port: *other,
                }
                .into());
            }
            let lag = sys
                .lags
                .get(&s.config.lag)
                .ok_or(ConfigError::UnknownLag(s.config.lag))?;
            let identity = sys.lag_identity(&lag.cfg);
            let mut p = Port::new(s.port, sys.ports.next_slot(), s.config, identity, lag);
            restore_port(&mut p, &mut sys.out, s, now);
            if let Some(a) = s.aggregator {
                let agg = sys
                    .aggregators
                    .get_mut(&a)
                    .ok_or(SnapshotError::Inconsistent(
                        "port names a missing aggregator",
                    ))?;
                if let Err(i) = agg.ports.binary_search(&s.port) {
                    agg.ports.insert(i, s.port);
                }
            }
            if let Some(l) = sys.lags.get_mut(&s.config.lag)
                && let Err(i) = l.ports.binary_search(&s.port)
            {
                l.ports.insert(i, s.port);
            }
            sys.port_numbers.insert(s.config.port_number, s.port);
            sys.ports.insert(p);
        }
        sys.aggregators.retain(|_, a| !a.ports.is_empty());
        sys.check_invariants()
            .map_err(SnapshotError::Inconsistent)?;
        // Serve NTT (and re-check selection; a consistent snapshot changes nothing).
        for i in 0..sys.ports.len() {
            if let Some(p) = sys.ports.nth_mut(i) {
                p.mark_dirty(&mut sys.out);
            }
        }
        let lags: Vec<LagId> = sys.lags.keys().copied().collect();
        for l in lags {
            sys.out.lag_dirty(l);
        }
        sys.run(now);
        Ok(sys)
    }
}

fn port_snapshot(p: &Port, now: Instant) -> PortSnapshot {
    let remaining = |d: Option<Instant>| d.map(|d| d.saturating_duration_since(now));
    let t = &p.timers;
    let ago = |ring: &[Option<Instant>]| -> Vec<Duration> {
        ring.iter()
            .flatten()
            .map(|at| now.saturating_duration_since(*at))
            .collect()
    };
    PortSnapshot {
        port: p.no,
        config: p.cfg,
        link: p.link,
        rx_state: p.rx,
        periodic_state: p.periodic,
        mux_state: p.mux,
        actor_churn_state: p.actor_churn,
        partner_churn_state: p.partner_churn,
        selected: p.selected,
        aggregator: p.aggregator,
        attached: p.attached,
        actor_state: p.actor_state,
        partner: p.partner,
        ntt: p.ntt || p.lacpdu_queued,
        ready_n: p.ready_n,
        port_moved: p.port_moved,
        matched: p.matched,
        loopback: p.loopback,
        lag_up: p.lag_up,
        current_while: remaining(t.current_while.deadline),
        periodic_timer: remaining(t.periodic_timer.deadline),
        wait_while: remaining(t.wait_while.deadline),
        actor_churn_timer: remaining(t.actor_churn_timer.deadline),
        partner_churn_timer: remaining(t.partner_churn_timer.deadline),
        tx_hold: remaining(t.tx_hold.deadline),
        loopback_while: remaining(t.loopback_while.deadline),
        lacpdu_tx_ago: ago(&p.lacpdu_tx),
        marker_tx_ago: ago(&p.marker_tx),
    }
}

fn restore_port(p: &mut Port, out: &mut crate::port::Outputs, s: &PortSnapshot, now: Instant) {
    p.link = s.link;
    (p.port_enabled, p.lacp_enabled) = match s.link {
        LinkState::Up { full_duplex, .. } => (true, full_duplex),
        LinkState::Down => (false, false),
    };
    p.rx = s.rx_state;
    p.periodic = s.periodic_state;
    p.mux = s.mux_state;
    p.actor_churn = s.actor_churn_state;
    p.partner_churn = s.partner_churn_state;
    p.selected = s.selected;
    p.aggregator = s.aggregator;
    p.attached = s.attached;
    p.actor_state = s.actor_state;
    p.apply_config_bits();
    p.partner = s.partner;
    p.ntt = s.ntt;
    p.ready_n = s.ready_n;
    p.port_moved = s.port_moved;
    p.matched = s.matched;
    p.loopback = s.loopback;
    p.lag_up = s.lag_up;
    for (kind, d) in [
        (TimerKind::CurrentWhile, s.current_while),
        (TimerKind::PeriodicTimer, s.periodic_timer),
        (TimerKind::WaitWhile, s.wait_while),
        (TimerKind::ActorChurnTimer, s.actor_churn_timer),
        (TimerKind::PartnerChurnTimer, s.partner_churn_timer),
        (TimerKind::TxHold, s.tx_hold),
        (TimerKind::LoopbackWhile, s.loopback_while),
    ] {
        if let Some(d) = d {
            p.start_timer(out, kind, now + d);
        }
    }
    for (slot, ago) in p.lacpdu_tx.iter_mut().zip(&s.lacpdu_tx_ago) {
        *slot = Some(now - *ago);
    }
    for (slot, ago) in p.marker_tx.iter_mut().zip(&s.marker_tx_ago) {
        *slot = Some(now - *ago);
    }
}
