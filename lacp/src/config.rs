//! Configuration: the system, the LAGs (bonds) and their member ports.
//!
//! Configs are plain structs with constructors filling in the common defaults; they are validated
//! when handed to [`System`](crate::System) (`add_*`, `set_*`), which reports a typed
//! [`ConfigError`] naming the offending field.

use l2_types::MacAddr;

/// The host's identifier of a LAG (a bond). A RouterOS `mlag-id` fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LagId(pub u32);

impl core::fmt::Display for LagId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "lag{}", self.0)
    }
}

/// A System Identifier: System Priority and MAC address (802.1AX-2014 §6.3.2); lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SystemIdentity {
    /// System Priority.
    pub priority: u16,
    /// System MAC address.
    pub mac: MacAddr,
}

impl SystemIdentity {
    /// The System ID as a 64-bit number (priority in the top 16 bits), as compared by the standard.
    pub const fn id(&self) -> u64 {
        ((self.priority as u64) << 48) | self.mac.to_u64()
    }
}

/// The state of a port's physical link, as reported by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinkState {
    /// The MAC is operational (`Port_Operational` / `port_enabled`).
    Up {
        /// Link speed in Mb/s (used by [`SelectionPolicy::Bandwidth`]).
        speed_mbps: u32,
        /// Full duplex; LACP runs only on full-duplex links (`LACP_Enabled`).
        full_duplex: bool,
    },
    /// The link is down.
    #[default]
    Down,
}

impl LinkState {
    /// True for [`LinkState::Up`].
    pub const fn is_up(&self) -> bool {
        matches!(self, Self::Up { .. })
    }
}

/// How a LAG chooses its active aggregator when its ports see several partners (Linux
/// `ad_select` semantics). In every policy an aggregator that has a real partner beats one that
/// has none (defaulted ports); remaining ties go to the lower aggregator id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SelectionPolicy {
    /// Keep the current active aggregator while it still has an eligible port (and a partner,
    /// if any candidate has one); when it must be replaced, choose as [`Self::Bandwidth`].
    #[default]
    Stable,
    /// The aggregator with the highest total link speed of its eligible ports.
    Bandwidth,
    /// The aggregator with the most eligible ports.
    Count,
    /// The aggregator holding the best (numerically lowest) actor Port ID (port priority, then
    /// port number) among its eligible ports.
    PortPriority,
}

/// System-wide configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SystemConfig {
    /// Actor System Priority (default 32768, as most switches).
    pub system_priority: u16,
    /// Actor System MAC address. Must be a non-zero unicast address.
    pub system: MacAddr,
    /// How each LAG chooses its active aggregator.
    pub selection: SelectionPolicy,
}

impl SystemConfig {
    /// A configuration with priority 32768 and [`SelectionPolicy::Stable`].
    pub const fn new(system: MacAddr) -> Self {
        Self {
            system_priority: 32768,
            system,
            selection: SelectionPolicy::Stable,
        }
    }

    /// The system identity (priority and MAC).
    pub const fn identity(&self) -> SystemIdentity {
        SystemIdentity {
            priority: self.system_priority,
            mac: self.system,
        }
    }
}

impl Default for SystemConfig {
    /// Priority 32768, a locally administered placeholder MAC `02:00:00:00:00:01`.
    fn default() -> Self {
        Self::new(MacAddr([0x02, 0, 0, 0, 0, 1]))
    }
}

/// LACP_Activity: whether the port speaks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Activity {
    /// Active LACP: transmit periodically.
    #[default]
    Active,
    /// Passive LACP: transmit only once an Active partner has been heard.
    Passive,
}

/// LACP_Timeout: how fast the actor wants the partner to transmit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LacpTimeout {
    /// Short timeout: the partner sends every second, the actor times out after 3 s.
    Short,
    /// Long timeout: the partner sends every 30 s, the actor times out after 90 s.
    #[default]
    Long,
}

/// The Aggregation bit, set from configuration (never from the member count, pitfall 8.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Aggregation {
    /// The port may aggregate with others.
    #[default]
    Aggregatable,
    /// The port is an Individual link.
    Individual,
}

/// Per-port configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortConfig {
    /// The port's own MAC, the source address of every frame sent on it.
    pub mac: MacAddr,
    /// The LAG the port belongs to (must exist).
    pub lag: LagId,
    /// Actor_Port on the wire: non-zero and unique within the System. MLAG peers sharing a
    /// System ID must use disjoint ranges.
    pub port_number: u16,
    /// Actor_Port_Priority (default 32768; lower is better).
    pub port_priority: u16,
    /// LACP_Activity.
    pub activity: Activity,
    /// LACP_Timeout the actor advertises.
    pub timeout: LacpTimeout,
    /// Aggregatable or Individual.
    pub aggregation: Aggregation,
}

impl PortConfig {
    /// An Active, Long-timeout, Aggregatable port with priority 32768.
    pub const fn new(mac: MacAddr, lag: LagId, port_number: u16) -> Self {
        Self {
            mac,
            lag,
            port_number,
            port_priority: 32768,
            activity: Activity::Active,
            timeout: LacpTimeout::Long,
            aggregation: Aggregation::Aggregatable,
        }
    }

    /// The same config with a Short timeout.
    pub const fn with_short_timeout(mut self) -> Self {
        self.timeout = LacpTimeout::Short;
        self
    }

    /// The same config with Passive activity.
    pub const fn with_passive(mut self) -> Self {
        self.activity = Activity::Passive;
        self
    }
}

/// Mux machine variant (802.1AX-2014 §6.4.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MuxControl {
    /// Independent control of collecting and distributing (Figure 6-21).
    #[default]
    Independent,
    /// Coupled control: collecting and distributing together (Figure 6-22).
    Coupled,
}

/// What a LAG does with ports that hear no partner (DEFAULTED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fallback {
    /// Defaulted ports never collect or distribute.
    #[default]
    Disabled,
    /// One defaulted port of the LAG (chosen like any active aggregator, when no port of the LAG
    /// has a partner) may collect and distribute as an Individual link. Implemented by setting the
    /// partner admin state to Synchronization + Collecting + Distributing (802.1AX-2014 §6.4.9
    /// recordDefault copies it into the operational partner state).
    Individual,
}

/// Per-LAG configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LagConfig {
    /// Actor admin (and operational) key of every member port.
    pub key: u16,
    /// Minimum number of links ready to distribute for the LAG to be up; below it no port of the
    /// LAG distributes. 0 behaves as 1.
    pub min_links: u16,
    /// Hot standby: at most this many links of the active aggregator are SELECTED, the others are
    /// STANDBY. `Some(0)` is rejected.
    pub max_active: Option<u16>,
    /// Mux machine variant.
    pub mux: MuxControl,
    /// Behaviour of defaulted ports.
    pub fallback: Fallback,
    /// MLAG hook: a per-LAG System identity overriding the system's, so two chassis present one
    /// LACP system.
    pub actor_system: Option<SystemIdentity>,
    /// CollectorMaxDelay advertised, in tens of microseconds.
    pub collector_max_delay: u16,
}

impl LagConfig {
    /// A LAG with `key`, min-links 1, no max-active, independent mux, no fallback.
    pub const fn new(key: u16) -> Self {
        Self {
            key,
            min_links: 1,
            max_active: None,
            mux: MuxControl::Independent,
            fallback: Fallback::Disabled,
            actor_system: None,
            collector_max_delay: 0,
        }
    }
}

impl Default for LagConfig {
    /// Key 1, see [`LagConfig::new`].
    fn default() -> Self {
        Self::new(1)
    }
}

/// A rejected configuration change. Nothing changes when one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A field has a value outside its range.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field's name, as in the config struct.
        field: &'static str,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The port is already configured.
    #[error("port {0} already exists")]
    DuplicatePort(l2_types::PortNo),
    /// No such port.
    #[error("unknown port {0}")]
    UnknownPort(l2_types::PortNo),
    /// The LAG already exists.
    #[error("{0} already exists")]
    DuplicateLag(LagId),
    /// No such LAG (field `lag`).
    #[error("unknown {0}")]
    UnknownLag(LagId),
    /// The LAG still has member ports.
    #[error("{lag} still has {ports} member ports")]
    LagHasPorts {
        /// The LAG.
        lag: LagId,
        /// Number of members.
        ports: usize,
    },
    /// Another port already uses this `port_number`.
    #[error("port_number {port_number} already used by port {port}")]
    DuplicatePortNumber {
        /// The Actor_Port value.
        port_number: u16,
        /// The port using it.
        port: l2_types::PortNo,
    },
    /// The configured limit of ports or LAGs is reached.
    #[error("too many {0}")]
    TooMany(&'static str),
}

pub(crate) fn validate_system(cfg: &SystemConfig) -> Result<(), ConfigError> {
    if cfg.system.is_zero() || cfg.system.is_multicast() {
        return Err(ConfigError::Invalid {
            field: "system",
            reason: "must be a non-zero unicast MAC address",
        });
    }
    Ok(())
}

pub(crate) fn validate_lag(cfg: &LagConfig) -> Result<(), ConfigError> {
    if cfg.max_active == Some(0) {
        return Err(ConfigError::Invalid {
            field: "max_active",
            reason: "must be at least 1",
        });
    }
    if let Some(id) = cfg.actor_system
        && (id.mac.is_zero() || id.mac.is_multicast())
    {
        return Err(ConfigError::Invalid {
            field: "actor_system",
            reason: "mac must be a non-zero unicast MAC address",
        });
    }
    Ok(())
}

pub(crate) fn validate_port(cfg: &PortConfig) -> Result<(), ConfigError> {
    if cfg.port_number == 0 {
        return Err(ConfigError::Invalid {
            field: "port_number",
            reason: "must be non-zero",
        });
    }
    if cfg.mac.is_multicast() {
        return Err(ConfigError::Invalid {
            field: "mac",
            reason: "must be a unicast MAC address",
        });
    }
    Ok(())
}
