//! Validation errors: which menu, which object, which field, and what is wrong.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use l2_types::{MacAddr, VlanId};

/// A RouterOS menu (the path an error's object lives in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Menu {
    /// `/interface ethernet`.
    Ethernet,
    /// `/interface bridge`.
    Bridge,
    /// `/interface bridge msti`.
    BridgeMsti,
    /// `/interface bridge port`.
    BridgePort,
    /// `/interface bridge port-mst-override`.
    BridgePortMstOverride,
    /// `/interface bridge vlan`.
    BridgeVlan,
    /// `/interface bonding`.
    Bonding,
    /// `/interface bridge mlag`.
    Mlag,
}

impl Menu {
    /// The menu path as RouterOS writes it.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Ethernet => "/interface ethernet",
            Self::Bridge => "/interface bridge",
            Self::BridgeMsti => "/interface bridge msti",
            Self::BridgePort => "/interface bridge port",
            Self::BridgePortMstOverride => "/interface bridge port-mst-override",
            Self::BridgeVlan => "/interface bridge vlan",
            Self::Bonding => "/interface bonding",
            Self::Mlag => "/interface bridge mlag",
        }
    }
}

impl fmt::Display for Menu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// What is wrong with a field. One variant per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A number outside its range (inclusive).
    OutOfRange {
        /// The value given.
        value: u64,
        /// Lowest allowed.
        min: u64,
        /// Highest allowed.
        max: u64,
    },
    /// A time outside its range (inclusive).
    TimeOutOfRange {
        /// The value given.
        value: Duration,
        /// Shortest allowed.
        min: Duration,
        /// Longest allowed.
        max: Duration,
    },
    /// A spanning-tree time that is not a whole number of seconds (BPDUs carry whole seconds
    /// as configured by 802.1Q-2022 §13.26; this crate's rule).
    NotWholeSeconds(Duration),
    /// Not a multiple of `step` (bridge priority: 4096, 802.1Q-2022 §13.26.2; port priority:
    /// 16, §13.26.13).
    NotMultiple {
        /// The value given.
        value: u32,
        /// The step.
        step: u32,
    },
    /// The bridge timers break `2 × (forward-delay − 1) ≥ max-message-age ≥ 2 × (hello-time + 1)`
    /// (802.1D-2004 §17.14).
    InconsistentTimers {
        /// `max-message-age`, s.
        max_message_age: u64,
        /// `hello-time`, s.
        hello_time: u64,
        /// `forward-delay`, s.
        forward_delay: u64,
    },
    /// Empty where a value is required (a name, `slaves`, `vlan-ids`).
    Empty,
    /// Longer than allowed.
    TooLong {
        /// Length given.
        len: usize,
        /// Longest allowed.
        max: usize,
    },
    /// A multicast or all-zero MAC where a unicast address is required.
    NotUnicast(MacAddr),
    /// The name is already used by another interface (`menu` says which kind).
    DuplicateName {
        /// Where the other one is.
        other: Menu,
    },
    /// No interface (ethernet, bond or bridge) has this name.
    UnknownInterface(String),
    /// No bridge has this name.
    UnknownBridge(String),
    /// The interface is already a port of a bridge (RouterOS: "device already added as bridge
    /// port").
    AlreadyBridgePort {
        /// The bridge it is a port of.
        bridge: String,
    },
    /// The interface is not a port of this bridge (a VLAN table member, the peer-port, an
    /// MLAG bond).
    NotBridgePort {
        /// The interface.
        interface: String,
        /// The bridge.
        bridge: String,
    },
    /// A bond slave that is not an ethernet interface.
    SlaveNotEthernet(String),
    /// A slave that is already a slave of another bond.
    SlaveOfTwoBonds {
        /// The slave.
        slave: String,
        /// The other bond.
        other_bond: String,
    },
    /// A slave that is also a bridge port.
    SlaveIsBridgePort(String),
    /// `mlag-id` on a bond whose mode is not 802.3ad.
    MlagIdNeedsLacp(super::BondMode),
    /// `lacp-fallback` on a bond whose mode is not 802.3ad.
    FallbackNeedsLacp(super::BondMode),
    /// Two bonds with one `mlag-id`.
    DuplicateMlagId {
        /// The id.
        mlag_id: u32,
        /// The other bond.
        other_bond: String,
    },
    /// Two `mlag-id`s that map to the same LACP key ([`super::lacp_key`]); this crate's rule:
    /// both peers derive the key from the id, and one key must mean one LAG.
    LacpKeyCollision {
        /// The id.
        mlag_id: u32,
        /// The other id.
        other_mlag_id: u32,
        /// The key both map to.
        key: u16,
    },
    /// The peer-port (or a bond used as peer-port) carries an `mlag-id`.
    MlagIdOnPeerPort(u32),
    /// MLAG is enabled without a peer-port.
    NoPeerPort,
    /// The MLAG bridge runs no spanning tree (`protocol-mode=none`).
    StpDisabled,
    /// The peer-port is not a tagged member of a VLAN that another port uses.
    PeerPortMissingVlan(VlanId),
    /// One port both tagged and untagged in the same VLAN.
    TaggedAndUntagged {
        /// The port.
        interface: String,
        /// The VLAN.
        vlan: VlanId,
    },
    /// A VLAN id in two entries of the same bridge's VLAN table.
    VlanInTwoEntries(VlanId),
    /// A VLAN mapped to two MSTIs.
    VlanInTwoMstis {
        /// The VLAN.
        vlan: VlanId,
        /// The other MSTI.
        other_msti: u16,
    },
    /// Two MSTIs with one identifier on a bridge.
    DuplicateMsti(u16),
    /// More MSTIs than an MST BPDU carries (64, 802.1Q-2022 §14.6).
    TooManyMstis(usize),
    /// A `port-mst-override` names an MSTI its port's bridge has no `msti` entry for.
    UnknownMsti(u16),
    /// Two `port-mst-override` entries for one port and MSTI.
    DuplicateOverride(u16),
    /// More ports (other than MLAG bonds) on the MLAG bridge than a peer's share of the
    /// 12-bit STP port number space (this crate's rule; see
    /// [`crate::coordinator::PEER_PORTS_MAX`]).
    TooManyPorts(usize),
    /// More MLAG bonds than the logical bridge has MLAG port numbers (this crate's rule; see
    /// [`crate::coordinator::MLAG_PORTS_MAX`]).
    TooManyMlags(usize),
    /// The MLAG bridge has neither an `admin-mac` nor a port to take its MAC from.
    NoBridgeMac,
    /// An MLAG bond that is not a port of the MLAG bridge (this crate's rule: it could not
    /// forward, and the pair could not agree on its state).
    MlagBondNotInBridge,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} is outside {min}..={max}")
            }
            Self::TimeOutOfRange { value, min, max } => {
                write!(f, "{value:?} is outside {min:?}..={max:?}")
            }
            Self::NotWholeSeconds(d) => write!(f, "{d:?} is not a whole number of seconds"),
            Self::NotMultiple { value, step } => {
                write!(f, "{value:#x} is not a multiple of {step:#x}")
            }
            Self::InconsistentTimers {
                max_message_age,
                hello_time,
                forward_delay,
            } => write!(
                f,
                "2*(forward-delay-1) >= max-message-age >= 2*(hello-time+1) fails: \
                 forward-delay {forward_delay}s, max-message-age {max_message_age}s, \
                 hello-time {hello_time}s"
            ),
            Self::Empty => f.write_str("must not be empty"),
            Self::TooLong { len, max } => write!(f, "{len} characters, at most {max}"),
            Self::NotUnicast(mac) => write!(f, "{mac} is not a unicast address"),
            Self::DuplicateName { other } => write!(f, "name already used in {other}"),
            Self::UnknownInterface(n) => write!(f, "no interface named {n:?}"),
            Self::UnknownBridge(n) => write!(f, "no bridge named {n:?}"),
            Self::AlreadyBridgePort { bridge } => {
                write!(f, "device already added as bridge port of {bridge:?}")
            }
            Self::NotBridgePort { interface, bridge } => {
                write!(f, "{interface:?} is not a port of bridge {bridge:?}")
            }
            Self::SlaveNotEthernet(s) => write!(f, "slave {s:?} is not an ethernet interface"),
            Self::SlaveOfTwoBonds { slave, other_bond } => {
                write!(f, "{slave:?} is already a slave of {other_bond:?}")
            }
            Self::SlaveIsBridgePort(s) => write!(f, "slave {s:?} is also a bridge port"),
            Self::MlagIdNeedsLacp(mode) => {
                write!(f, "mlag-id needs mode=802.3ad, not {}", mode.name())
            }
            Self::FallbackNeedsLacp(mode) => {
                write!(f, "lacp-fallback needs mode=802.3ad, not {}", mode.name())
            }
            Self::DuplicateMlagId {
                mlag_id,
                other_bond,
            } => write!(f, "mlag-id {mlag_id} is also used by {other_bond:?}"),
            Self::LacpKeyCollision {
                mlag_id,
                other_mlag_id,
                key,
            } => write!(
                f,
                "mlag-id {mlag_id} and {other_mlag_id} map to the same LACP key {key}"
            ),
            Self::MlagIdOnPeerPort(id) => write!(f, "the peer-port carries mlag-id {id}"),
            Self::NoPeerPort => f.write_str("MLAG needs a peer-port"),
            Self::StpDisabled => {
                f.write_str("MLAG requires protocol-mode stp, rstp or mstp on the bridge")
            }
            Self::PeerPortMissingVlan(v) => {
                write!(f, "the peer-port is not a tagged member of VLAN {v}")
            }
            Self::TaggedAndUntagged { interface, vlan } => {
                write!(
                    f,
                    "{interface:?} is both tagged and untagged in VLAN {vlan}"
                )
            }
            Self::VlanInTwoEntries(v) => write!(f, "VLAN {v} is in two entries"),
            Self::VlanInTwoMstis { vlan, other_msti } => {
                write!(f, "VLAN {vlan} is already mapped to MSTI {other_msti}")
            }
            Self::DuplicateMsti(id) => write!(f, "MSTI {id} exists twice"),
            Self::UnknownMsti(id) => write!(f, "the port's bridge has no MSTI {id}"),
            Self::DuplicateOverride(id) => write!(f, "a second override of MSTI {id}"),
            Self::TooManyMstis(n) => write!(f, "{n} MSTIs, at most 64"),
            Self::TooManyPorts(n) => write!(
                f,
                "{n} ports, at most {} per MLAG peer",
                crate::coordinator::PEER_PORTS_MAX
            ),
            Self::TooManyMlags(n) => write!(
                f,
                "{n} MLAG bonds, at most {}",
                crate::coordinator::MLAG_PORTS_MAX
            ),
            Self::NoBridgeMac => f.write_str("no admin-mac and no port to take a MAC from"),
            Self::MlagBondNotInBridge => {
                f.write_str("an MLAG bond must be a port of the MLAG bridge")
            }
        }
    }
}

/// One rejected property: `menu`, the object's name (`object`), the RouterOS property name
/// (`field`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{menu} {object:?}: {field}: {problem}")]
pub struct ConfigError {
    /// The menu.
    pub menu: Menu,
    /// The object: an interface or bridge name, `vlan <id>` for the VLAN table, `msti <id>`,
    /// `mlag` for the MLAG settings.
    pub object: String,
    /// The RouterOS property name (`mlag-id`, `peer-port`, `priority`, …).
    pub field: &'static str,
    /// What is wrong.
    pub problem: Problem,
}

/// Every error of one validation, in menu order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// The errors about `field` (any menu, any object).
    pub fn on_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a ConfigError> + 'a {
        self.0.iter().filter(move |e| e.field == field)
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
