//! The validated configuration: references resolved to typed ids, values typed, the spanning
//! tree and LACP settings in the protocol crates' own types.

use super::{
    BondMode, FrameTypes, LacpMode, LacpRate, PortCostMode, ProtocolMode, TransmitHashPolicy,
};
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use fdb::MlagId;
use l2_types::{MacAddr, PortNo, VlanId};

/// The LACP key (Actor Key, 802.1AX-2014 §6.3.5) both peers give the LAG of `mlag_id`:
/// `mlag_id mod 65535 + 1`, so ids 0..=65534 map one-to-one onto keys 1..=65535 and both peers
/// compute the same key without talking. Larger ids can collide; validation rejects a
/// configuration in which two mlag-ids share a key ([`super::Problem::LacpKeyCollision`]).
pub const fn lacp_key(mlag_id: u32) -> u16 {
    // The remainder is below 65535, so the sum fits in a u16.
    ((mlag_id % 0xFFFF) + 1) as u16
}

/// An interface of the validated configuration: an index into [`ValidConfig::interfaces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IfId(pub u16);

/// What an interface is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IfKind {
    /// A physical port.
    Ethernet,
    /// A bond: an index into [`ValidConfig::bonds`].
    Bond(usize),
    /// A bridge: an index into [`ValidConfig::bridges`].
    Bridge(usize),
}

/// One interface: its name, kind and MAC (a bond takes its first slave's MAC, as Linux
/// bonding does; a bridge its `admin-mac` or its first port's MAC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// RouterOS name.
    pub name: String,
    /// Kind.
    pub kind: IfKind,
    /// MAC address.
    pub mac: MacAddr,
}

/// The VLANs a bridge port belongs to (static entries plus the dynamic untagged entry of its
/// `pvid`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Membership {
    /// VLANs sent tagged.
    pub tagged: BTreeSet<VlanId>,
    /// VLANs sent untagged (the `pvid` unless the port is tagged in it).
    pub untagged: BTreeSet<VlanId>,
}

impl Membership {
    /// Tagged or untagged member of `vid`.
    pub fn contains(&self, vid: VlanId) -> bool {
        self.tagged.contains(&vid) || self.untagged.contains(&vid)
    }

    /// Every VLAN, tagged or untagged.
    pub fn all(&self) -> BTreeSet<VlanId> {
        self.tagged.union(&self.untagged).copied().collect()
    }
}

/// A validated bridge port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPort {
    /// The interface.
    pub interface: IfId,
    /// Its name.
    pub name: String,
    /// `pvid`.
    pub pvid: VlanId,
    /// `frame-types`.
    pub frame_types: FrameTypes,
    /// `ingress-filtering`.
    pub ingress_filtering: bool,
    /// The spanning tree port settings in `stp`'s terms: `priority`, `path-cost`, `edge`
    /// (admin/auto edge), `point-to-point`, `bpdu-guard`, `restricted-role` (root guard),
    /// `restricted-tcn`; the MAC is the interface's.
    pub stp: stp::PortConfig,
    /// `internal-path-cost` (MSTP), `None` = auto.
    pub internal_path_cost: Option<u32>,
    /// `/interface bridge port-mst-override` entries of the port, by MSTID.
    pub mst_overrides: Vec<ValidMstOverride>,
    /// `auto-isolate`.
    pub auto_isolate: bool,
    /// `horizon`.
    pub horizon: Option<u32>,
    /// VLAN membership (meaningful with `vlan-filtering=yes`).
    pub membership: Membership,
}

/// A port's validated settings on one MSTI (`/interface bridge port-mst-override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidMstOverride {
    /// MSTID.
    pub id: u16,
    /// MSTI port priority (steps of 16).
    pub priority: u8,
    /// MSTI internal path cost, `None` = the port's CIST internal path cost.
    pub internal_path_cost: Option<u32>,
}

/// One validated MST instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMsti {
    /// MSTID.
    pub id: u16,
    /// Bridge priority in this instance.
    pub priority: u16,
    /// Its VLANs.
    pub vlans: BTreeSet<VlanId>,
}

/// The spanning tree settings of a bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StpSettings {
    /// `protocol-mode`.
    pub mode: ProtocolMode,
    /// The bridge parameters in `stp`'s terms (the address is the bridge MAC; the MLAG
    /// coordinator replaces it with the pair's system-id).
    pub bridge: stp::BridgeConfig,
    /// `region-name`.
    pub region_name: String,
    /// `region-revision`.
    pub region_revision: u16,
    /// `/interface bridge msti` entries of the bridge, by MSTID.
    pub mstis: Vec<ValidMsti>,
}

/// A validated bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBridge {
    /// Its interface.
    pub interface: IfId,
    /// Name.
    pub name: String,
    /// MAC (`admin-mac`, or the first port's).
    pub mac: MacAddr,
    /// `vlan-filtering`.
    pub vlan_filtering: bool,
    /// `ageing-time`.
    pub ageing_time: Duration,
    /// `port-cost-mode`.
    pub port_cost_mode: PortCostMode,
    /// Spanning tree.
    pub stp: StpSettings,
    /// Ports, in configuration order (RouterOS numbers them 1, 2, … in this order).
    pub ports: Vec<ValidPort>,
}

impl ValidBridge {
    /// The port of `interface`.
    pub fn port(&self, interface: IfId) -> Option<&ValidPort> {
        self.ports.iter().find(|p| p.interface == interface)
    }
}

/// A validated bond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBond {
    /// Its interface.
    pub interface: IfId,
    /// Name.
    pub name: String,
    /// `mode`.
    pub mode: BondMode,
    /// `slaves` (ethernet interfaces).
    pub slaves: Vec<IfId>,
    /// `mlag-id`.
    pub mlag_id: Option<MlagId>,
    /// `lacp-rate`.
    pub lacp_rate: LacpRate,
    /// `lacp-mode`.
    pub lacp_mode: LacpMode,
    /// `transmit-hash-policy`.
    pub transmit_hash_policy: TransmitHashPolicy,
    /// `min-links`.
    pub min_links: u32,
    /// `lacp-fallback` (this crate's extension, see [`super::Bond::lacp_fallback`]).
    pub lacp_fallback: bool,
}

/// Validated MLAG settings (present when `bridge` is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMlag {
    /// The MLAG bridge: an index into [`ValidConfig::bridges`].
    pub bridge: usize,
    /// The peer-port.
    pub peer_port: IfId,
    /// `priority`, 0..=128.
    pub priority: u8,
    /// `heartbeat`, 1s..=10s or none.
    pub heartbeat: Option<Duration>,
}

/// A configuration that passed [`super::Config::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConfig {
    pub(crate) interfaces: Vec<Interface>,
    pub(crate) bridges: Vec<ValidBridge>,
    pub(crate) bonds: Vec<ValidBond>,
    pub(crate) mlag: Option<ValidMlag>,
    /// MLAG priority and heartbeat as configured, kept when MLAG is disabled.
    pub(crate) mlag_priority: u8,
    pub(crate) mlag_heartbeat: Option<Duration>,
}

impl ValidConfig {
    /// Every interface (ethernet, bonds, bridges); [`IfId`] indexes it.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The interface of `id`.
    pub fn interface(&self, id: IfId) -> Option<&Interface> {
        self.interfaces.get(usize::from(id.0))
    }

    /// The name of `id` (empty if unknown).
    pub fn name(&self, id: IfId) -> &str {
        self.interface(id).map_or("", |i| i.name.as_str())
    }

    /// The host port number of an interface: the number the [`crate::dataplane::Dataplane`]
    /// calls and the coordinator's `handle_frame` / `handle_link` use for it (`IfId + 1`:
    /// ethernet interfaces first, then bonds, then bridges, in configuration order).
    pub fn port_no(&self, id: IfId) -> PortNo {
        PortNo(id.0.saturating_add(1))
    }

    /// The interface of a host port number (see [`port_no`](Self::port_no)).
    pub fn if_of(&self, port: PortNo) -> Option<IfId> {
        let id = IfId(port.0.checked_sub(1)?);
        self.interface(id).map(|_| id)
    }

    /// The interface named `name`.
    pub fn find(&self, name: &str) -> Option<IfId> {
        self.interfaces
            .iter()
            .position(|i| i.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(IfId)
    }

    /// The bridges.
    pub fn bridges(&self) -> &[ValidBridge] {
        &self.bridges
    }

    /// The bonds.
    pub fn bonds(&self) -> &[ValidBond] {
        &self.bonds
    }

    /// The bond named `name`.
    pub fn bond(&self, name: &str) -> Option<&ValidBond> {
        self.bonds.iter().find(|b| b.name == name)
    }

    /// The bond with `mlag_id`.
    pub fn mlag_bond(&self, mlag_id: MlagId) -> Option<&ValidBond> {
        self.bonds.iter().find(|b| b.mlag_id == Some(mlag_id))
    }

    /// The bonds that carry an `mlag-id`, with it, in id order.
    pub fn mlag_bonds(&self) -> Vec<(MlagId, &ValidBond)> {
        let mut v: Vec<_> = self
            .bonds
            .iter()
            .filter_map(|b| b.mlag_id.map(|id| (id, b)))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        v
    }

    /// MLAG settings, if MLAG is enabled.
    pub fn mlag(&self) -> Option<&ValidMlag> {
        self.mlag.as_ref()
    }

    /// The MLAG bridge, if MLAG is enabled.
    pub fn mlag_bridge(&self) -> Option<&ValidBridge> {
        self.mlag.as_ref().and_then(|m| self.bridges.get(m.bridge))
    }

    /// The MLAG bridge's MAC: this peer's election tie breaker and system-id candidate.
    pub fn bridge_mac(&self) -> Option<MacAddr> {
        self.mlag_bridge().map(|b| b.mac)
    }

    /// The configured MLAG `priority` (also when MLAG is disabled).
    pub fn mlag_priority(&self) -> u8 {
        self.mlag_priority
    }

    /// The configured MLAG `heartbeat` (also when MLAG is disabled).
    pub fn mlag_heartbeat(&self) -> Option<Duration> {
        self.mlag_heartbeat
    }

    /// The MLAG bridge's port of the bond with `mlag_id`.
    pub fn mlag_port(&self, mlag_id: MlagId) -> Option<&ValidPort> {
        let bond = self.mlag_bond(mlag_id)?;
        self.mlag_bridge()?.port(bond.interface)
    }

    /// The MLAG bridge's peer-port.
    pub fn peer_port(&self) -> Option<&ValidPort> {
        let m = self.mlag.as_ref()?;
        self.mlag_bridge()?.port(m.peer_port)
    }
}
