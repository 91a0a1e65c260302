//! Configuration: the bridge's and each port's administrative parameters, validated.
//!
//! Every setter of [`Bridge`](crate::Bridge) takes one of these structs whole and checks it with
//! the rules of 802.1Q-2022 §13.26 / Table 13-5 (802.1D-2004 §17.13–17.14): priorities in the
//! standard's steps, timer ranges and the `2 × (Forward Delay − 1) ≥ Max Age ≥ 2 × (Hello Time + 1)`
//! consistency rule, port numbers 1–4095, path costs 1–200 000 000.

use l2_types::MacAddr;

/// Highest port number (Port Identifiers carry 12 bits, 802.1Q-2022 §13.26.13).
pub const PORT_NUMBER_MAX: u16 = 4095;
/// Largest path cost (802.1Q-2022 Table 13-4).
pub const PATH_COST_MAX: u32 = 200_000_000;

/// `ForceProtocolVersion` (802.1Q-2022 §13.7.2, 802.1D-2004 §17.13.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord)]
pub enum ForceVersion {
    /// 0: 802.1D STP compatibility: only Configuration and TCN BPDUs are sent.
    Stp,
    /// 2: RSTP.
    #[default]
    Rstp,
    /// 3: MSTP: MST BPDUs, the CIST with region semantics and the MSTIs of the MST region
    /// configuration ([`Bridge::set_mst_region`](crate::Bridge::set_mst_region)).
    Mstp,
}

impl ForceVersion {
    /// The protocol version number.
    pub const fn number(self) -> u8 {
        match self {
            Self::Stp => 0,
            Self::Rstp => 2,
            Self::Mstp => 3,
        }
    }
}

/// Administrative point-to-point setting (`adminPointToPointMAC`, 802.1AC §11.3 / 802.1D-2004 §6.4.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum AdminP2p {
    /// Point-to-point when the link is full duplex.
    #[default]
    Auto,
    /// Always point-to-point.
    ForceTrue,
    /// Never point-to-point (a shared segment).
    ForceFalse,
}

/// Which recommended path-cost table "auto" uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PathCostMethod {
    /// 802.1D-2004 / 802.1t / 802.1Q 32-bit costs (20 000 000 / Mb/s).
    #[default]
    Long,
    /// 802.1D-1998 16-bit costs (100 Mb/s → 19, 1 Gb/s → 4, 10 Gb/s → 2).
    Short,
}

/// A port's path cost.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum PathCost {
    /// From the link speed, per the bridge's [`PathCostMethod`].
    #[default]
    Auto,
    /// A fixed value, 1–200 000 000.
    Fixed(u32),
}

/// The recommended path cost for a link speed in Mb/s (802.1Q-2022 Table 13-4; 802.1D-1998
/// Table 8-5 for [`PathCostMethod::Short`]). Speed 0 (unknown) is costed as 10 Mb/s.
pub fn auto_path_cost(method: PathCostMethod, speed_mbps: u32) -> u32 {
    let speed = if speed_mbps == 0 { 10 } else { speed_mbps };
    match method {
        PathCostMethod::Long => (20_000_000 / speed).clamp(1, PATH_COST_MAX),
        PathCostMethod::Short => match speed {
            0..=4 => 250,
            5..=10 => 100,
            11..=16 => 62,
            17..=100 => 19,
            101..=1000 => 4,
            1001..=10_000 => 2,
            _ => 1,
        },
    }
}

/// Bridge-wide parameters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct BridgeConfig {
    /// The bridge address (the MAC part of the Bridge Identifier). Two MLAG peers use the same.
    pub address: MacAddr,
    /// Bridge priority, 0–61440 in steps of 4096 (802.1Q-2022 §13.26.2). Default 32768.
    pub priority: u16,
    /// Max Age in seconds, 6–40. Default 20.
    pub max_age: u8,
    /// Hello Time in seconds, 1–10. Default 2 (802.1D-2004 fixes it at 2; others allow 1–10).
    pub hello_time: u8,
    /// Forward Delay in seconds, 4–30. Default 15.
    pub forward_delay: u8,
    /// Transmit Hold Count, 1–10. Default 6.
    pub tx_hold_count: u8,
    /// Force Protocol Version. Default RSTP.
    pub force_version: ForceVersion,
    /// MaxHops (MSTP), 6–40. Default 20: the remaining hops the regional roots send.
    pub max_hops: u8,
    /// The table "auto" path costs come from.
    pub path_cost_method: PathCostMethod,
    /// Stale information aging, an extension beyond 802.1D-2004 and 802.1Q-2022 (default
    /// false, the standard's behaviour): a designated BPDU from a bridge B ages the better root
    /// information other ports recorded from B (B sends one root priority vector on all its
    /// ports, 802.1D-2004 §17.6 / §17.19.21, so that information is withdrawn), and a late copy
    /// of a BPDU B has since superseded is discarded. This removes the count to infinity that
    /// starts when B loses its root and one of its ports' new BPDUs reaches this bridge before
    /// another's: without it, this bridge answers the first port with the root path still
    /// recorded on the second (B's own withdrawn one) and B adopts it. The rules, and why they
    /// are safe, are in the [crate docs](crate#stale-information-aging-an-extension-off-by-default).
    pub stale_info_aging: bool,
    /// Root sequencing, an extension beyond 802.1D-2004 / 802.1Q-2022 (default off): RST
    /// BPDUs carry the root's sequence number in a [trailer](crate::wire::rootseq), and Port
    /// Role Selection takes a root path only if it is *feasible* — newer than, or as short as,
    /// the best this bridge has had for that root — asking the root for a new sequence number
    /// when a better path is not. Stale root information can then never be adopted, so the
    /// count to infinity of 802.1D-2004 clause 17 (and the loops it opens) cannot start among
    /// bridges that all run it. Only an RSTP bridge (`force_version` RSTP) uses it; the rules
    /// are in the [crate docs](crate#root-sequencing-an-extension-off-by-default).
    pub root_sequencing: bool,
}

impl BridgeConfig {
    /// The standard's defaults with the given bridge address.
    pub const fn new(address: MacAddr) -> Self {
        Self {
            address,
            priority: 32768,
            max_age: 20,
            hello_time: 2,
            forward_delay: 15,
            tx_hold_count: 6,
            force_version: ForceVersion::Rstp,
            max_hops: 20,
            path_cost_method: PathCostMethod::Long,
            stale_info_aging: false,
            root_sequencing: false,
        }
    }

    /// Checks ranges and the timer consistency rule.
    ///
    /// # Errors
    /// The first rule that fails.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.priority.is_multiple_of(4096) || self.priority > 61440 {
            return Err(ConfigError::BridgePriority(self.priority));
        }
        if !(6..=40).contains(&self.max_age) {
            return Err(ConfigError::MaxAge(self.max_age));
        }
        if !(1..=10).contains(&self.hello_time) {
            return Err(ConfigError::HelloTime(self.hello_time));
        }
        if !(4..=30).contains(&self.forward_delay) {
            return Err(ConfigError::ForwardDelay(self.forward_delay));
        }
        // 802.1D-2004 §17.14: 2 × (Bridge Forward Delay − 1.0 s) ≥ Bridge Max Age and
        // Bridge Max Age ≥ 2 × (Bridge Hello Time + 1.0 s).
        let (fd, ma, ht) = (
            u16::from(self.forward_delay),
            u16::from(self.max_age),
            u16::from(self.hello_time),
        );
        if 2 * (fd - 1) < ma || ma < 2 * (ht + 1) {
            return Err(ConfigError::InconsistentTimers {
                max_age: self.max_age,
                hello_time: self.hello_time,
                forward_delay: self.forward_delay,
            });
        }
        if !(1..=10).contains(&self.tx_hold_count) {
            return Err(ConfigError::TxHoldCount(self.tx_hold_count));
        }
        if !(6..=40).contains(&self.max_hops) {
            return Err(ConfigError::MaxHops(self.max_hops));
        }
        if self.address.is_multicast() {
            return Err(ConfigError::BridgeAddress(self.address));
        }
        Ok(())
    }
}

/// Per-port parameters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct PortConfig {
    /// The source MAC of the BPDUs this port sends.
    pub mac: MacAddr,
    /// Administratively enabled (the Administrative Bridge Port State). Default true.
    pub enabled: bool,
    /// Port priority, 0–240 in steps of 16. Default 128.
    pub priority: u8,
    /// Path cost: the CIST ExternalPortPathCost (802.1Q-2018 §13.27.25), which is also the
    /// only path cost of STP and RSTP. Default auto.
    pub path_cost: PathCost,
    /// The CIST InternalPortPathCost (802.1Q-2018 §13.27.33), added to the CIST Internal Root
    /// Path Cost for information from inside the MST region; `None` (the default): the same
    /// as [`path_cost`](Self::path_cost). Each MSTI has its own internal cost
    /// ([`Bridge::set_msti_port`](crate::Bridge::set_msti_port)), by default this one.
    pub internal_path_cost: Option<PathCost>,
    /// `AdminEdge` (802.1Q-2022 §13.27.1). Default false.
    pub admin_edge: bool,
    /// `AutoEdge` (802.1Q-2022 §13.27.3). Default true.
    pub auto_edge: bool,
    /// `adminPointToPointMAC`. Default auto.
    pub point_to_point: AdminP2p,
    /// BPDU guard: a BPDU received on an admin-edge port disables the port until
    /// [`Bridge::clear_guard`](crate::Bridge::clear_guard). Default false.
    pub bpdu_guard: bool,
    /// Root guard, the standard's `restrictedRole` (802.1Q-2022 §13.27.64): never Root Port;
    /// superior information makes the port an Alternate (root-inconsistent). Default false.
    pub root_guard: bool,
    /// Loop guard: a Root, Alternate or Backup port whose information ages out stays discarding
    /// (loop-inconsistent) until a BPDU arrives again. Default false.
    pub loop_guard: bool,
    /// BPDU filter: neither send nor process BPDUs on this port (received ones are counted and
    /// dropped). Default false.
    pub bpdu_filter: bool,
    /// `restrictedTcn` (802.1Q-2022 §13.27.65): received topology changes are not propagated to
    /// other ports. Default false.
    pub restricted_tcn: bool,
    /// Bridge assurance: on a point-to-point, non-edge port BPDUs are sent every Hello Time
    /// whatever the role, and a port that hears none for 3 × Hello Time is held discarding.
    /// Default false.
    pub bridge_assurance: bool,
}

impl PortConfig {
    /// The defaults with the given source MAC.
    pub const fn new(mac: MacAddr) -> Self {
        Self {
            mac,
            enabled: true,
            priority: 128,
            path_cost: PathCost::Auto,
            internal_path_cost: None,
            admin_edge: false,
            auto_edge: true,
            point_to_point: AdminP2p::Auto,
            bpdu_guard: false,
            root_guard: false,
            loop_guard: false,
            bpdu_filter: false,
            restricted_tcn: false,
            bridge_assurance: false,
        }
    }

    /// Checks ranges.
    ///
    /// # Errors
    /// The first rule that fails.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.priority.is_multiple_of(16) || self.priority > 240 {
            return Err(ConfigError::PortPriority(self.priority));
        }
        for cost in [Some(self.path_cost), self.internal_path_cost] {
            if let Some(PathCost::Fixed(c)) = cost
                && !(1..=PATH_COST_MAX).contains(&c)
            {
                return Err(ConfigError::PathCost(c));
            }
        }
        Ok(())
    }
}

/// The state of a port's link, as the host sees it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum LinkState {
    /// No carrier.
    #[default]
    Down,
    /// Carrier, with the negotiated speed (Mb/s, 0 if unknown) and duplex.
    Up {
        /// Speed in Mb/s.
        speed_mbps: u32,
        /// Full duplex.
        full_duplex: bool,
    },
}

/// A configuration change that was refused. Nothing changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Bridge priority not a multiple of 4096 in 0–61440.
    #[error("bridge priority {0} is not a multiple of 4096 in 0..=61440")]
    BridgePriority(u16),
    /// Max Age outside 6–40 s.
    #[error("max age {0} s is outside 6..=40")]
    MaxAge(u8),
    /// Hello Time outside 1–10 s.
    #[error("hello time {0} s is outside 1..=10")]
    HelloTime(u8),
    /// Forward Delay outside 4–30 s.
    #[error("forward delay {0} s is outside 4..=30")]
    ForwardDelay(u8),
    /// The three timers break 2·(FwdDelay − 1) ≥ MaxAge ≥ 2·(Hello + 1).
    #[error(
        "timers break 2*(forward_delay-1) >= max_age >= 2*(hello_time+1): max age {max_age}, hello {hello_time}, forward delay {forward_delay}"
    )]
    InconsistentTimers {
        /// Max Age.
        max_age: u8,
        /// Hello Time.
        hello_time: u8,
        /// Forward Delay.
        forward_delay: u8,
    },
    /// Transmit Hold Count outside 1–10.
    #[error("transmit hold count {0} is outside 1..=10")]
    TxHoldCount(u8),
    /// MaxHops outside 6–40.
    #[error("max hops {0} is outside 6..=40")]
    MaxHops(u8),
    /// A multicast bridge address.
    #[error("bridge address {0} is multicast")]
    BridgeAddress(MacAddr),
    /// Port priority not a multiple of 16 in 0–240.
    #[error("port priority {0} is not a multiple of 16 in 0..=240")]
    PortPriority(u8),
    /// Path cost outside 1–200 000 000.
    #[error("path cost {0} is outside 1..=200000000")]
    PathCost(u32),
    /// Port number 0 or above 4095.
    #[error("port number {0} is outside 1..=4095")]
    PortNumber(u16),
    /// The port already exists.
    #[error("port {0} already exists")]
    PortExists(u16),
    /// No such port.
    #[error("no port {0}")]
    NoSuchPort(u16),
    /// An MST region name longer than 32 octets.
    #[error("MST region name is {0} octets; at most 32")]
    RegionName(usize),
    /// A VLAN→MSTI map with more than 64 MSTIs.
    #[error("{0} MSTIs mapped; at most 64")]
    TooManyMstis(usize),
    /// No VLAN of the MST region map is allocated to this MSTID.
    #[error("no MSTI {0} in the MST region configuration")]
    NoSuchMsti(u16),
}
