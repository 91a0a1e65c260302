//! The configuration model: plain structs that map 1:1 onto the RouterOS 7 menus, their
//! validation into a [`ValidConfig`], and [`diff`] between two valid configurations.
//!
//! | RouterOS menu                     | type             |
//! |-----------------------------------|------------------|
//! | `/interface ethernet`             | [`Ethernet`]     |
//! | `/interface bridge`               | [`Bridge`]       |
//! | `/interface bridge msti`          | [`Msti`]         |
//! | `/interface bridge port-mst-override` | [`PortMstOverride`] |
//! | `/interface bridge port`          | [`BridgePort`]   |
//! | `/interface bridge vlan`          | [`BridgeVlan`]   |
//! | `/interface bonding`              | [`Bond`]         |
//! | `/interface bridge mlag`          | [`Mlag`]         |
//!
//! Field names are RouterOS's property names with `-` written `_`. Every struct has a
//! constructor that takes the mandatory properties and fills in the others with RouterOS's
//! documented defaults (sources below); values are kept raw (`u16` VLAN ids, `Duration`s,
//! names as strings) so that everything RouterOS would reject can be represented and
//! rejected by [`Config::validate`] with a [`ConfigError`] naming the menu, the object and
//! the field.
//!
//! # Defaults and where they come from
//! * MLAG (`/interface bridge mlag`, RouterOS "Multi-chassis Link Aggregation Group",
//!   help.mikrotik.com/docs/x/GwAIB, and the project's `mission.md`): `priority` 0..=128
//!   default 128 (lower wins), `heartbeat` 1s..=10s or none, default 5s; MLAG requires STP,
//!   RSTP or MSTP on the bridge; the peer-port carries ICCP untagged in a dedicated VLAN
//!   (`pvid`) and must be a tagged member of every VLAN used on other ports.
//! * Bridge (`/interface bridge`, RouterOS "Bridging and Switching" property list):
//!   `protocol-mode` rstp, `priority` 0x8000, `max-message-age` 20s, `forward-delay` 15s,
//!   `hello-time` 2s (the 802.1D-2004 fixed value), `transmit-hold-count` 6, `max-hops` 20,
//!   `region-name` empty, `region-revision` 0, `vlan-filtering` no, `ageing-time` 5m,
//!   `auto-mac` yes (the MAC of the first port; [`Bridge::admin_mac`] is `admin-mac` with
//!   `auto-mac=no`), `port-cost-mode` long (RouterOS ≥ 7.13: path costs from the link speed,
//!   802.1Q Table 13-4). With MSTP the priority must be a multiple of 4096 (RouterOS warns
//!   and truncates; 802.1Q-2022 §13.26.2 — this crate rejects, as `stp::BridgeConfig` does).
//! * Bridge port (`/interface bridge port`): `pvid` 1, `priority` 0x80, `path-cost` /
//!   `internal-path-cost` auto (from the speed, RouterOS ≥ 7.13), `edge` auto,
//!   `point-to-point` auto, `bpdu-guard` no, `restricted-role` no, `restricted-tcn` no,
//!   `auto-isolate` no, `frame-types` admit-all, `ingress-filtering` yes (RouterOS 7 adds
//!   ports with it on), `horizon` none.
//! * Bonding (`/interface bonding`; RouterOS bonding is the Linux bonding driver, whose
//!   defaults it keeps): `mode` balance-rr, `lacp-rate` 30secs, `lacp-mode` active,
//!   `transmit-hash-policy` layer-2, `min-links` 0, `mlag-id` none (0..=4294967295).
//!
//! # What validation rejects
//! See [`Problem`]: every variant is one rule, and `mlag-core/tests/config.rs` has one test
//! per rule. Rules beyond RouterOS's own (this crate's, because the coordinator could not run
//! the configuration safely) say so in their documentation.

mod diff;
mod error;
mod valid;
mod validate;

pub use diff::{Change, diff};
pub use error::{ConfigError, ConfigErrors, Menu, Problem};
pub use valid::{
    IfId, IfKind, Interface, Membership, StpSettings, ValidBond, ValidBridge, ValidConfig,
    ValidMlag, ValidMstOverride, ValidMsti, ValidPort, lacp_key,
};

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;
use l2_types::MacAddr;

/// A whole device configuration: the menus the MLAG coordinator reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    /// `/interface ethernet`: the physical interfaces (they exist; they are not created).
    pub ethernet: Vec<Ethernet>,
    /// `/interface bridge`.
    pub bridges: Vec<Bridge>,
    /// `/interface bridge msti`.
    pub mstis: Vec<Msti>,
    /// `/interface bridge port-mst-override`: per-port settings on one MSTI.
    pub port_mst_overrides: Vec<PortMstOverride>,
    /// `/interface bridge port`.
    pub ports: Vec<BridgePort>,
    /// `/interface bridge vlan`.
    pub vlans: Vec<BridgeVlan>,
    /// `/interface bonding`.
    pub bonds: Vec<Bond>,
    /// `/interface bridge mlag` (a single settings object).
    pub mlag: Mlag,
}

/// `/interface ethernet`: a physical port. Only what the coordinator needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ethernet {
    /// `name`.
    pub name: String,
    /// `mac-address`: the port's own MAC (source of LACPDUs and BPDUs sent on it).
    pub mac_address: MacAddr,
}

impl Ethernet {
    /// An interface with its name and MAC.
    pub fn new(name: &str, mac_address: MacAddr) -> Self {
        Self {
            name: name.to_string(),
            mac_address,
        }
    }
}

/// `protocol-mode` of a bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum ProtocolMode {
    /// `none`: no spanning tree (MLAG refuses it).
    None,
    /// `stp`: 802.1D STP.
    Stp,
    /// `rstp` (default).
    #[default]
    Rstp,
    /// `mstp`.
    Mstp,
}

impl ProtocolMode {
    /// The RouterOS keyword.
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Stp => "stp",
            Self::Rstp => "rstp",
            Self::Mstp => "mstp",
        }
    }
}

/// `port-cost-mode` of a bridge: which table automatic path costs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PortCostMode {
    /// `long` (default): 802.1Q-2022 Table 13-4 (20 000 000 / Mb/s).
    #[default]
    Long,
    /// `short`: 802.1D-1998 16-bit costs.
    Short,
}

/// `/interface bridge`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bridge {
    /// `name`.
    pub name: String,
    /// `admin-mac` with `auto-mac=no`; `None` is `auto-mac=yes` (the MAC of the first port).
    pub admin_mac: Option<MacAddr>,
    /// `vlan-filtering` (default no).
    pub vlan_filtering: bool,
    /// `protocol-mode` (default rstp).
    pub protocol_mode: ProtocolMode,
    /// `priority`, 0..=0xF000 in steps of 0x1000 (default 0x8000).
    pub priority: u16,
    /// `max-message-age`, 6s..=40s (default 20s).
    pub max_message_age: Duration,
    /// `forward-delay`, 4s..=30s (default 15s).
    pub forward_delay: Duration,
    /// `hello-time`, 1s..=10s (default 2s).
    pub hello_time: Duration,
    /// `transmit-hold-count`, 1..=10 (default 6).
    pub transmit_hold_count: u8,
    /// `max-hops` (MSTP), 6..=40 (default 20).
    pub max_hops: u8,
    /// `region-name` (MSTP), at most 32 characters (default empty).
    pub region_name: String,
    /// `region-revision` (MSTP), 0..=65535 (default 0).
    pub region_revision: u16,
    /// `port-cost-mode` (default long).
    pub port_cost_mode: PortCostMode,
    /// `ageing-time`, 10s..=1000000s (default 5m).
    pub ageing_time: Duration,
}

impl Bridge {
    /// A bridge with RouterOS's defaults.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            admin_mac: None,
            vlan_filtering: false,
            protocol_mode: ProtocolMode::Rstp,
            priority: 0x8000,
            max_message_age: Duration::from_secs(20),
            forward_delay: Duration::from_secs(15),
            hello_time: Duration::from_secs(2),
            transmit_hold_count: 6,
            max_hops: 20,
            region_name: String::new(),
            region_revision: 0,
            port_cost_mode: PortCostMode::Long,
            ageing_time: Duration::from_secs(300),
        }
    }
}

/// `/interface bridge msti`: one MST instance of an MSTP bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msti {
    /// `bridge`.
    pub bridge: String,
    /// `identifier`, the MSTID, 1..=4094.
    pub identifier: u16,
    /// `priority`, steps of 0x1000 (default 0x8000).
    pub priority: u16,
    /// `vlan-mapping`: the VLANs of this instance.
    pub vlan_mapping: Vec<u16>,
}

impl Msti {
    /// An instance with priority 0x8000.
    pub fn new(bridge: &str, identifier: u16, vlan_mapping: &[u16]) -> Self {
        Self {
            bridge: bridge.to_string(),
            identifier,
            priority: 0x8000,
            vlan_mapping: vlan_mapping.to_vec(),
        }
    }
}

/// `/interface bridge port-mst-override`: a bridge port's settings on one MST instance
/// (RouterOS 7: `interface`, `identifier`, `priority`, `internal-path-cost`). Without an
/// override a port has priority 0x80 and its CIST internal path cost on every MSTI
/// (802.1Q-2018 §13.27.33, §13.27.47).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortMstOverride {
    /// `interface`: a port of an MSTP bridge.
    pub interface: String,
    /// `identifier`: the MSTID of an `/interface bridge msti` entry of the port's bridge.
    pub identifier: u16,
    /// `priority`, 0..=0xF0 in steps of 0x10 (default 0x80).
    pub priority: u8,
    /// `internal-path-cost`, 1..=200000000, `None` = the port's CIST internal path cost
    /// (default).
    pub internal_path_cost: Option<u32>,
}

impl PortMstOverride {
    /// An override of `interface` on MSTI `identifier` with the defaults.
    pub fn new(interface: &str, identifier: u16) -> Self {
        Self {
            interface: interface.to_string(),
            identifier,
            priority: 0x80,
            internal_path_cost: None,
        }
    }
}

/// `edge` of a bridge port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Edge {
    /// `auto` (default): edge until a BPDU is heard, detected automatically.
    #[default]
    Auto,
    /// `no`.
    No,
    /// `no-discover`: non-edge, becomes edge when no BPDU is heard.
    NoDiscover,
    /// `yes`.
    Yes,
    /// `yes-discover`: edge, becomes non-edge on a BPDU.
    YesDiscover,
}

/// `point-to-point` of a bridge port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PointToPoint {
    /// `auto` (default): from the duplex.
    #[default]
    Auto,
    /// `yes`.
    Yes,
    /// `no`.
    No,
}

/// `frame-types` of a bridge port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FrameTypes {
    /// `admit-all` (default).
    #[default]
    AdmitAll,
    /// `admit-only-untagged-and-priority-tagged`.
    AdmitOnlyUntaggedAndPriorityTagged,
    /// `admit-only-vlan-tagged`.
    AdmitOnlyVlanTagged,
}

/// `/interface bridge port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgePort {
    /// `interface`: an ethernet interface or a bond.
    pub interface: String,
    /// `bridge`.
    pub bridge: String,
    /// `pvid`, 1..=4094 (default 1).
    pub pvid: u16,
    /// `frame-types` (default admit-all).
    pub frame_types: FrameTypes,
    /// `ingress-filtering` (default yes).
    pub ingress_filtering: bool,
    /// `priority`, 0..=0xF0 in steps of 0x10 (default 0x80).
    pub priority: u8,
    /// `path-cost`, 1..=200000000, `None` = auto from the link speed (default).
    pub path_cost: Option<u32>,
    /// `internal-path-cost` (MSTP), 1..=200000000, `None` = auto (default).
    pub internal_path_cost: Option<u32>,
    /// `edge` (default auto).
    pub edge: Edge,
    /// `point-to-point` (default auto).
    pub point_to_point: PointToPoint,
    /// `bpdu-guard` (default no).
    pub bpdu_guard: bool,
    /// `restricted-role` (root guard, default no).
    pub restricted_role: bool,
    /// `restricted-tcn` (default no).
    pub restricted_tcn: bool,
    /// `auto-isolate` (default no).
    pub auto_isolate: bool,
    /// `horizon`: split-horizon group, `None` = none (default).
    pub horizon: Option<u32>,
}

impl BridgePort {
    /// `interface` in `bridge` with RouterOS's defaults.
    pub fn new(bridge: &str, interface: &str) -> Self {
        Self {
            interface: interface.to_string(),
            bridge: bridge.to_string(),
            pvid: 1,
            frame_types: FrameTypes::AdmitAll,
            ingress_filtering: true,
            priority: 0x80,
            path_cost: None,
            internal_path_cost: None,
            edge: Edge::Auto,
            point_to_point: PointToPoint::Auto,
            bpdu_guard: false,
            restricted_role: false,
            restricted_tcn: false,
            auto_isolate: false,
            horizon: None,
        }
    }

    /// The same port with `pvid`.
    #[must_use]
    pub fn with_pvid(mut self, pvid: u16) -> Self {
        self.pvid = pvid;
        self
    }
}

/// `/interface bridge vlan`: one entry of the bridge VLAN table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeVlan {
    /// `bridge`.
    pub bridge: String,
    /// `vlan-ids`: each 1..=4094 (RouterOS accepts ranges; list them).
    pub vlan_ids: Vec<u16>,
    /// `tagged`: bridge ports (or the bridge itself, for the CPU) that send these VLANs tagged.
    pub tagged: Vec<String>,
    /// `untagged`: bridge ports that send these VLANs untagged.
    pub untagged: Vec<String>,
}

impl BridgeVlan {
    /// An entry with the given VLANs and members.
    pub fn new(bridge: &str, vlan_ids: &[u16], tagged: &[&str], untagged: &[&str]) -> Self {
        Self {
            bridge: bridge.to_string(),
            vlan_ids: vlan_ids.to_vec(),
            tagged: tagged.iter().map(|s| (*s).to_string()).collect(),
            untagged: untagged.iter().map(|s| (*s).to_string()).collect(),
        }
    }
}

/// `mode` of a bond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BondMode {
    /// `balance-rr` (default).
    #[default]
    BalanceRr,
    /// `active-backup`.
    ActiveBackup,
    /// `balance-xor` (static LAG).
    BalanceXor,
    /// `broadcast`.
    Broadcast,
    /// `802.3ad` (LACP): the only mode MLAG accepts.
    Ieee8023ad,
    /// `balance-tlb`.
    BalanceTlb,
    /// `balance-alb`.
    BalanceAlb,
}

impl BondMode {
    /// The RouterOS keyword.
    pub const fn name(self) -> &'static str {
        match self {
            Self::BalanceRr => "balance-rr",
            Self::ActiveBackup => "active-backup",
            Self::BalanceXor => "balance-xor",
            Self::Broadcast => "broadcast",
            Self::Ieee8023ad => "802.3ad",
            Self::BalanceTlb => "balance-tlb",
            Self::BalanceAlb => "balance-alb",
        }
    }
}

/// `lacp-rate` of a bond: how often the bond asks its partner to send LACPDUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LacpRate {
    /// `30secs` (default): Long Timeout (90 s to detect a silent partner).
    #[default]
    Secs30,
    /// `1sec`: Short Timeout (3 s).
    Sec1,
}

impl LacpRate {
    /// The `lacp` crate's LACP_Timeout for this rate.
    pub const fn timeout(self) -> lacp::LacpTimeout {
        match self {
            Self::Secs30 => lacp::LacpTimeout::Long,
            Self::Sec1 => lacp::LacpTimeout::Short,
        }
    }
}

/// `lacp-mode` of a bond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LacpMode {
    /// `active` (default).
    #[default]
    Active,
    /// `passive`.
    Passive,
}

/// `transmit-hash-policy` of a bond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TransmitHashPolicy {
    /// `layer-2` (default).
    #[default]
    Layer2,
    /// `layer-2-and-3`.
    Layer2And3,
    /// `layer-3-and-4`.
    Layer3And4,
    /// `encap-2-and-3`.
    Encap2And3,
    /// `encap-3-and-4`.
    Encap3And4,
}

/// `/interface bonding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bond {
    /// `name`.
    pub name: String,
    /// `mode` (default balance-rr).
    pub mode: BondMode,
    /// `slaves`: ethernet interfaces.
    pub slaves: Vec<String>,
    /// `mlag-id`, 0..=4294967295, `None` = not an MLAG bond (default).
    pub mlag_id: Option<u32>,
    /// `lacp-rate` (default 30secs).
    pub lacp_rate: LacpRate,
    /// `lacp-mode` (default active).
    pub lacp_mode: LacpMode,
    /// `transmit-hash-policy` (default layer-2).
    pub transmit_hash_policy: TransmitHashPolicy,
    /// `min-links` (default 0).
    pub min_links: u32,
    /// `lacp-fallback` (default no) — **an extension of this crate, not a RouterOS
    /// property**: while no member of the bond (on either peer, for an MLAG bond) hears a
    /// LACPDU, one member forwards as an individual link (a client that boots without LACP,
    /// e.g. PXE, still gets through). For an MLAG bond only the primary's half falls back, so
    /// the client gets no duplicate; the first LACPDU heard on either half ends it. Needs
    /// `mode=802.3ad`.
    pub lacp_fallback: bool,
}

impl Bond {
    /// A bond with RouterOS's defaults (mode balance-rr).
    pub fn new(name: &str, slaves: &[&str]) -> Self {
        Self {
            name: name.to_string(),
            mode: BondMode::BalanceRr,
            slaves: slaves.iter().map(|s| (*s).to_string()).collect(),
            mlag_id: None,
            lacp_rate: LacpRate::Secs30,
            lacp_mode: LacpMode::Active,
            transmit_hash_policy: TransmitHashPolicy::Layer2,
            min_links: 0,
            lacp_fallback: false,
        }
    }

    /// An 802.3ad bond, as `add mode=802.3ad name=… slaves=…`.
    pub fn lacp(name: &str, slaves: &[&str]) -> Self {
        Self {
            mode: BondMode::Ieee8023ad,
            ..Self::new(name, slaves)
        }
    }

    /// The same bond with `mlag-id`.
    #[must_use]
    pub fn with_mlag_id(mut self, mlag_id: u32) -> Self {
        self.mlag_id = Some(mlag_id);
        self
    }
}

/// `/interface bridge mlag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mlag {
    /// `bridge`; `None` (RouterOS `none`, the default) disables MLAG.
    pub bridge: Option<String>,
    /// `peer-port`: an ethernet interface or a bond, a port of `bridge`.
    pub peer_port: Option<String>,
    /// `priority`, 0..=128 (default 128); lower wins the election.
    pub priority: u8,
    /// `heartbeat`, 1s..=10s or `None` (RouterOS `none`); default 5s.
    pub heartbeat: Option<Duration>,
}

impl Default for Mlag {
    /// MLAG disabled, priority 128, heartbeat 5s.
    fn default() -> Self {
        Self {
            bridge: None,
            peer_port: None,
            priority: 128,
            heartbeat: Some(Duration::from_secs(5)),
        }
    }
}

impl Config {
    /// Validates the whole configuration.
    ///
    /// # Errors
    /// Every rule that fails, in menu order (see [`Problem`]).
    pub fn validate(&self) -> Result<ValidConfig, ConfigErrors> {
        validate::validate(self)
    }

    /// The RouterOS MLAG "Quick setup" for one peer (`peer` 1 or 2; any other value is
    /// treated as 2): `sfp-sfpplus1` is the peer-port (untagged ICCP in VLAN 99, tagged in the
    /// user VLANs 10 and 20), `sfp-sfpplus2` is the slave of `client-bond` (`mlag-id=10`,
    /// untagged VLAN 10), and `ether1` is a single-homed access port in VLAN 20. Bridge MACs
    /// are `02:00:00:00:0p:00`, interface MACs `02:00:00:00:0p:0i`.
    pub fn quick_setup(peer: u8) -> Self {
        let p = if peer == 1 { 1 } else { 2 };
        let mac = |i: u8| MacAddr([2, 0, 0, 0, p, i]);
        let mut bridge = Bridge::new("bridge1");
        bridge.vlan_filtering = true;
        bridge.admin_mac = Some(mac(0));
        Self {
            ethernet: vec![
                Ethernet::new("sfp-sfpplus1", mac(1)),
                Ethernet::new("sfp-sfpplus2", mac(2)),
                Ethernet::new("ether1", mac(3)),
            ],
            bridges: vec![bridge],
            mstis: Vec::new(),
            port_mst_overrides: Vec::new(),
            ports: vec![
                BridgePort::new("bridge1", "sfp-sfpplus1").with_pvid(99),
                BridgePort::new("bridge1", "client-bond").with_pvid(10),
                BridgePort::new("bridge1", "ether1").with_pvid(20),
            ],
            vlans: vec![BridgeVlan::new(
                "bridge1",
                &[10, 20],
                &["sfp-sfpplus1"],
                &[],
            )],
            bonds: vec![Bond::lacp("client-bond", &["sfp-sfpplus2"]).with_mlag_id(10)],
            mlag: Mlag {
                bridge: Some("bridge1".to_string()),
                peer_port: Some("sfp-sfpplus1".to_string()),
                ..Mlag::default()
            },
        }
    }
}
