//! [`Config::validate`]: every rule, collecting all errors.

use super::valid::{Interface, ValidBridge};
use super::{
    BondMode, Config, ConfigError, ConfigErrors, Edge, IfId, IfKind, Membership, Menu,
    PointToPoint, PortCostMode, Problem, ProtocolMode, StpSettings, ValidBond, ValidConfig,
    ValidMlag, ValidMstOverride, ValidMsti, ValidPort, lacp_key,
};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;
use fdb::MlagId;
use l2_types::{MacAddr, VlanId};

/// Longest `region-name` (the MST Configuration Name is 32 octets, 802.1Q-2022 §13.8).
const REGION_NAME_MAX: usize = 32;
/// MSTIs an MST BPDU can carry (802.1Q-2022 §14.6).
const MSTIS_MAX: usize = 64;
/// Largest path cost (802.1Q-2022 Table 13-4).
const PATH_COST_MAX: u64 = 200_000_000;

#[derive(Default)]
struct Errors(Vec<ConfigError>);

impl Errors {
    fn push(&mut self, menu: Menu, object: &str, field: &'static str, problem: Problem) {
        self.0.push(ConfigError {
            menu,
            object: object.to_string(),
            field,
            problem,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn range(
        &mut self,
        menu: Menu,
        object: &str,
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> bool {
        let ok = (min..=max).contains(&value);
        if !ok {
            self.push(menu, object, field, Problem::OutOfRange { value, min, max });
        }
        ok
    }

    fn time(
        &mut self,
        (menu, object, field): (Menu, &str, &'static str),
        value: Duration,
        min: Duration,
        max: Duration,
    ) -> bool {
        let ok = (min..=max).contains(&value);
        if !ok {
            self.push(
                menu,
                object,
                field,
                Problem::TimeOutOfRange { value, min, max },
            );
        }
        ok
    }

    /// A spanning tree time: whole seconds in `min..=max` seconds.
    fn stp_secs(
        &mut self,
        object: &str,
        field: &'static str,
        value: Duration,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        if value.subsec_nanos() != 0 {
            self.push(Menu::Bridge, object, field, Problem::NotWholeSeconds(value));
            return None;
        }
        let s = value.as_secs();
        self.range(Menu::Bridge, object, field, s, min, max)
            .then_some(s)
    }

    /// A priority: at most `max`, a multiple of `step`.
    fn priority(
        &mut self,
        menu: Menu,
        object: &str,
        field: &'static str,
        value: u32,
        max: u32,
        step: u32,
    ) {
        if value > max {
            self.push(
                menu,
                object,
                field,
                Problem::OutOfRange {
                    value: u64::from(value),
                    min: 0,
                    max: u64::from(max),
                },
            );
        } else if !value.is_multiple_of(step) {
            self.push(menu, object, field, Problem::NotMultiple { value, step });
        }
    }

    fn vid(&mut self, menu: Menu, object: &str, field: &'static str, vid: u16) -> Option<VlanId> {
        let v = VlanId::try_new(vid).ok();
        if v.is_none() {
            self.push(
                menu,
                object,
                field,
                Problem::OutOfRange {
                    value: u64::from(vid),
                    min: 1,
                    max: 4094,
                },
            );
        }
        v
    }
}

const fn unicast(mac: MacAddr) -> bool {
    !mac.is_multicast() && !mac.is_zero()
}

pub(super) fn validate(cfg: &Config) -> Result<ValidConfig, ConfigErrors> {
    let mut e = Errors::default();

    // Interface names: one namespace for ethernet, bonds and bridges.
    let mut names: BTreeMap<&str, Menu> = BTreeMap::new();
    let all_names = cfg
        .ethernet
        .iter()
        .map(|x| (Menu::Ethernet, x.name.as_str()))
        .chain(cfg.bonds.iter().map(|x| (Menu::Bonding, x.name.as_str())))
        .chain(cfg.bridges.iter().map(|x| (Menu::Bridge, x.name.as_str())));
    for (menu, name) in all_names {
        if name.is_empty() {
            e.push(menu, name, "name", Problem::Empty);
        } else if let Some(other) = names.get(name) {
            e.push(menu, name, "name", Problem::DuplicateName { other: *other });
        } else {
            names.insert(name, menu);
        }
    }

    for x in &cfg.ethernet {
        if !unicast(x.mac_address) {
            e.push(
                Menu::Ethernet,
                &x.name,
                "mac-address",
                Problem::NotUnicast(x.mac_address),
            );
        }
    }

    for b in &cfg.bridges {
        validate_bridge(&mut e, b);
    }
    let bridge_exists = |name: &str| cfg.bridges.iter().any(|b| b.name == name);

    // MSTIs.
    let mut msti_ids: BTreeSet<(&str, u16)> = BTreeSet::new();
    let mut msti_vlans: BTreeMap<(&str, u16), u16> = BTreeMap::new();
    let mut msti_count: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &cfg.mstis {
        let object = format!("msti {}", m.identifier);
        if !bridge_exists(&m.bridge) {
            e.push(
                Menu::BridgeMsti,
                &object,
                "bridge",
                Problem::UnknownBridge(m.bridge.clone()),
            );
        }
        e.range(
            Menu::BridgeMsti,
            &object,
            "identifier",
            u64::from(m.identifier),
            1,
            4094,
        );
        if !msti_ids.insert((m.bridge.as_str(), m.identifier)) {
            e.push(
                Menu::BridgeMsti,
                &object,
                "identifier",
                Problem::DuplicateMsti(m.identifier),
            );
        }
        let n = msti_count.entry(m.bridge.as_str()).or_insert(0);
        *n += 1;
        if *n > MSTIS_MAX {
            e.push(
                Menu::BridgeMsti,
                &object,
                "identifier",
                Problem::TooManyMstis(*n),
            );
        }
        e.priority(
            Menu::BridgeMsti,
            &object,
            "priority",
            u32::from(m.priority),
            0xF000,
            0x1000,
        );
        for &vid in &m.vlan_mapping {
            if e.vid(Menu::BridgeMsti, &object, "vlan-mapping", vid)
                .is_some()
                && let Some(other) = msti_vlans.insert((m.bridge.as_str(), vid), m.identifier)
                && other != m.identifier
            {
                e.push(
                    Menu::BridgeMsti,
                    &object,
                    "vlan-mapping",
                    Problem::VlanInTwoMstis {
                        vlan: VlanId::try_new(vid).unwrap_or(VlanId::MIN),
                        other_msti: other,
                    },
                );
            }
        }
    }

    // Bridge ports.
    let mut port_of: BTreeMap<&str, &str> = BTreeMap::new();
    for p in &cfg.ports {
        let object = p.interface.as_str();
        let menu = Menu::BridgePort;
        if !bridge_exists(&p.bridge) {
            e.push(
                menu,
                object,
                "bridge",
                Problem::UnknownBridge(p.bridge.clone()),
            );
        }
        if !names.contains_key(object) {
            e.push(
                menu,
                object,
                "interface",
                Problem::UnknownInterface(p.interface.clone()),
            );
        } else if let Some(bridge) = port_of.get(object) {
            e.push(
                menu,
                object,
                "interface",
                Problem::AlreadyBridgePort {
                    bridge: (*bridge).to_string(),
                },
            );
        } else {
            port_of.insert(object, p.bridge.as_str());
        }
        e.vid(menu, object, "pvid", p.pvid);
        e.priority(menu, object, "priority", u32::from(p.priority), 0xF0, 0x10);
        if let Some(c) = p.path_cost {
            e.range(menu, object, "path-cost", u64::from(c), 1, PATH_COST_MAX);
        }
        if let Some(c) = p.internal_path_cost {
            e.range(
                menu,
                object,
                "internal-path-cost",
                u64::from(c),
                1,
                PATH_COST_MAX,
            );
        }
    }

    // Port MST overrides: a port of a bridge, an MSTI of that bridge, once per pair.
    let mut overrides: BTreeSet<(&str, u16)> = BTreeSet::new();
    for o in &cfg.port_mst_overrides {
        let object = format!("{} msti {}", o.interface, o.identifier);
        let menu = Menu::BridgePortMstOverride;
        match port_of.get(o.interface.as_str()) {
            None => e.push(
                menu,
                &object,
                "interface",
                Problem::UnknownInterface(o.interface.clone()),
            ),
            Some(bridge) if !msti_ids.contains(&(*bridge, o.identifier)) => e.push(
                menu,
                &object,
                "identifier",
                Problem::UnknownMsti(o.identifier),
            ),
            Some(_) => {}
        }
        if !overrides.insert((o.interface.as_str(), o.identifier)) {
            e.push(
                menu,
                &object,
                "identifier",
                Problem::DuplicateOverride(o.identifier),
            );
        }
        e.priority(menu, &object, "priority", u32::from(o.priority), 0xF0, 0x10);
        if let Some(c) = o.internal_path_cost {
            e.range(
                menu,
                &object,
                "internal-path-cost",
                u64::from(c),
                1,
                PATH_COST_MAX,
            );
        }
    }

    // Bonds.
    let mut slave_of: BTreeMap<&str, &str> = BTreeMap::new();
    let mut mlag_ids: BTreeMap<u32, &str> = BTreeMap::new();
    let mut keys: BTreeMap<u16, u32> = BTreeMap::new();
    for b in &cfg.bonds {
        let object = b.name.as_str();
        let menu = Menu::Bonding;
        if b.slaves.is_empty() {
            e.push(menu, object, "slaves", Problem::Empty);
        }
        for s in &b.slaves {
            match names.get(s.as_str()) {
                None => e.push(menu, object, "slaves", Problem::UnknownInterface(s.clone())),
                Some(Menu::Ethernet) => {}
                Some(_) => e.push(menu, object, "slaves", Problem::SlaveNotEthernet(s.clone())),
            }
            if let Some(other) = slave_of.get(s.as_str()) {
                e.push(
                    menu,
                    object,
                    "slaves",
                    Problem::SlaveOfTwoBonds {
                        slave: s.clone(),
                        other_bond: (*other).to_string(),
                    },
                );
            } else {
                slave_of.insert(s.as_str(), object);
            }
            if port_of.contains_key(s.as_str()) {
                e.push(
                    menu,
                    object,
                    "slaves",
                    Problem::SlaveIsBridgePort(s.clone()),
                );
            }
        }
        if b.lacp_fallback && b.mode != BondMode::Ieee8023ad {
            e.push(
                menu,
                object,
                "lacp-fallback",
                Problem::FallbackNeedsLacp(b.mode),
            );
        }
        if let Some(id) = b.mlag_id {
            if b.mode != BondMode::Ieee8023ad {
                e.push(menu, object, "mlag-id", Problem::MlagIdNeedsLacp(b.mode));
            }
            if let Some(other) = mlag_ids.get(&id) {
                e.push(
                    menu,
                    object,
                    "mlag-id",
                    Problem::DuplicateMlagId {
                        mlag_id: id,
                        other_bond: (*other).to_string(),
                    },
                );
            } else {
                mlag_ids.insert(id, object);
                let key = lacp_key(id);
                if let Some(other) = keys.get(&key) {
                    e.push(
                        menu,
                        object,
                        "mlag-id",
                        Problem::LacpKeyCollision {
                            mlag_id: id,
                            other_mlag_id: *other,
                            key,
                        },
                    );
                } else {
                    keys.insert(key, id);
                }
            }
        }
    }

    // The VLAN table.
    let mut vlans_seen: BTreeSet<(&str, u16)> = BTreeSet::new();
    for v in &cfg.vlans {
        let object = match v.vlan_ids.first() {
            Some(id) => format!("vlan {id}"),
            None => String::from("vlan"),
        };
        let menu = Menu::BridgeVlan;
        if !bridge_exists(&v.bridge) {
            e.push(
                menu,
                &object,
                "bridge",
                Problem::UnknownBridge(v.bridge.clone()),
            );
        }
        if v.vlan_ids.is_empty() {
            e.push(menu, &object, "vlan-ids", Problem::Empty);
        }
        for &vid in &v.vlan_ids {
            if let Some(id) = e.vid(menu, &object, "vlan-ids", vid)
                && !vlans_seen.insert((v.bridge.as_str(), vid))
            {
                e.push(menu, &object, "vlan-ids", Problem::VlanInTwoEntries(id));
            }
        }
        for (field, list) in [("tagged", &v.tagged), ("untagged", &v.untagged)] {
            for m in list {
                if *m == v.bridge {
                    continue; // The bridge itself: the CPU port.
                }
                if !names.contains_key(m.as_str()) {
                    e.push(menu, &object, field, Problem::UnknownInterface(m.clone()));
                } else if port_of.get(m.as_str()) != Some(&v.bridge.as_str()) {
                    e.push(
                        menu,
                        &object,
                        field,
                        Problem::NotBridgePort {
                            interface: m.clone(),
                            bridge: v.bridge.clone(),
                        },
                    );
                }
            }
        }
        for m in v.untagged.iter().filter(|m| v.tagged.contains(m)) {
            if let Some(vlan) = v.vlan_ids.iter().find_map(|&x| VlanId::try_new(x).ok()) {
                e.push(
                    menu,
                    &object,
                    "untagged",
                    Problem::TaggedAndUntagged {
                        interface: m.clone(),
                        vlan,
                    },
                );
            }
        }
    }

    // MLAG.
    let mlag_object = "mlag";
    e.range(
        Menu::Mlag,
        mlag_object,
        "priority",
        u64::from(cfg.mlag.priority),
        0,
        u64::from(iccp::PRIORITY_MAX),
    );
    if let Some(h) = cfg.mlag.heartbeat {
        e.time(
            (Menu::Mlag, mlag_object, "heartbeat"),
            h,
            iccp::HEARTBEAT_MIN,
            iccp::HEARTBEAT_MAX,
        );
    }
    let mut mlag_bridge = None;
    if let Some(bridge_name) = &cfg.mlag.bridge {
        match cfg.bridges.iter().position(|b| b.name == *bridge_name) {
            None => e.push(
                Menu::Mlag,
                mlag_object,
                "bridge",
                Problem::UnknownBridge(bridge_name.clone()),
            ),
            Some(i) => {
                mlag_bridge = Some(i);
                check_mlag(&mut e, cfg, bridge_name, &names, &port_of, &mlag_ids);
            }
        }
    }

    if !e.0.is_empty() {
        return Err(ConfigErrors(e.0));
    }
    let valid = build(cfg, mlag_bridge);
    check_peer_port_vlans(&mut e, &valid);
    if e.0.is_empty() {
        Ok(valid)
    } else {
        Err(ConfigErrors(e.0))
    }
}

fn validate_bridge(e: &mut Errors, b: &super::Bridge) {
    let o = b.name.as_str();
    e.priority(
        Menu::Bridge,
        o,
        "priority",
        u32::from(b.priority),
        0xF000,
        0x1000,
    );
    let ma = e.stp_secs(o, "max-message-age", b.max_message_age, 6, 40);
    let fd = e.stp_secs(o, "forward-delay", b.forward_delay, 4, 30);
    let ht = e.stp_secs(o, "hello-time", b.hello_time, 1, 10);
    if let (Some(ma), Some(fd), Some(ht)) = (ma, fd, ht)
        && (2 * (fd - 1) < ma || ma < 2 * (ht + 1))
    {
        // 802.1D-2004 §17.14: 2 × (Forward Delay − 1) ≥ Max Age ≥ 2 × (Hello Time + 1).
        e.push(
            Menu::Bridge,
            o,
            "max-message-age",
            Problem::InconsistentTimers {
                max_message_age: ma,
                hello_time: ht,
                forward_delay: fd,
            },
        );
    }
    e.range(
        Menu::Bridge,
        o,
        "transmit-hold-count",
        u64::from(b.transmit_hold_count),
        1,
        10,
    );
    e.range(Menu::Bridge, o, "max-hops", u64::from(b.max_hops), 6, 40);
    if b.region_name.len() > REGION_NAME_MAX {
        e.push(
            Menu::Bridge,
            o,
            "region-name",
            Problem::TooLong {
                len: b.region_name.len(),
                max: REGION_NAME_MAX,
            },
        );
    }
    if let Some(mac) = b.admin_mac
        && !unicast(mac)
    {
        e.push(Menu::Bridge, o, "admin-mac", Problem::NotUnicast(mac));
    }
    e.time(
        (Menu::Bridge, o, "ageing-time"),
        b.ageing_time,
        Duration::from_secs(10),
        Duration::from_secs(1_000_000),
    );
}

fn check_mlag(
    e: &mut Errors,
    cfg: &Config,
    bridge_name: &str,
    names: &BTreeMap<&str, Menu>,
    port_of: &BTreeMap<&str, &str>,
    mlag_ids: &BTreeMap<u32, &str>,
) {
    let o = "mlag";
    if let Some(b) = cfg.bridges.iter().find(|b| b.name == bridge_name) {
        if b.protocol_mode == ProtocolMode::None {
            e.push(Menu::Bridge, &b.name, "protocol-mode", Problem::StpDisabled);
        }
        let n = cfg.ports.iter().filter(|p| p.bridge == bridge_name).count();
        let mlag_bonds = mlag_ids.len();
        let single = cfg
            .ports
            .iter()
            .filter(|p| p.bridge == bridge_name && !mlag_ids.values().any(|b| *b == p.interface))
            .count();
        if single > usize::from(crate::coordinator::PEER_PORTS_MAX) {
            e.push(Menu::Mlag, o, "bridge", Problem::TooManyPorts(single));
        }
        if mlag_bonds > usize::from(crate::coordinator::MLAG_PORTS_MAX) {
            e.push(Menu::Mlag, o, "bridge", Problem::TooManyMlags(mlag_bonds));
        }
        if b.admin_mac.is_none() && n == 0 {
            e.push(Menu::Bridge, &b.name, "admin-mac", Problem::NoBridgeMac);
        }
    }
    match &cfg.mlag.peer_port {
        None => e.push(Menu::Mlag, o, "peer-port", Problem::NoPeerPort),
        Some(pp) => {
            if !names.contains_key(pp.as_str()) {
                e.push(
                    Menu::Mlag,
                    o,
                    "peer-port",
                    Problem::UnknownInterface(pp.clone()),
                );
            } else if port_of.get(pp.as_str()) != Some(&bridge_name) {
                e.push(
                    Menu::Mlag,
                    o,
                    "peer-port",
                    Problem::NotBridgePort {
                        interface: pp.clone(),
                        bridge: bridge_name.to_string(),
                    },
                );
            }
            if let Some(b) = cfg.bonds.iter().find(|b| b.name == *pp)
                && let Some(id) = b.mlag_id
            {
                e.push(
                    Menu::Bonding,
                    &b.name,
                    "mlag-id",
                    Problem::MlagIdOnPeerPort(id),
                );
            }
        }
    }
    for bond in mlag_ids.values() {
        let is_peer_port = cfg.mlag.peer_port.as_deref() == Some(*bond);
        if !is_peer_port && port_of.get(bond) != Some(&bridge_name) {
            e.push(Menu::Bonding, bond, "mlag-id", Problem::MlagBondNotInBridge);
        }
    }
}

/// With `vlan-filtering`, the peer-port must be a tagged member of every VLAN another port of
/// the MLAG bridge uses (RouterOS MLAG documentation). Its own `pvid` is the untagged ICCP
/// VLAN, so a VLAN another port shares with it is reported too.
fn check_peer_port_vlans(e: &mut Errors, valid: &ValidConfig) {
    let (Some(bridge), Some(m)) = (valid.mlag_bridge(), valid.mlag()) else {
        return;
    };
    if !bridge.vlan_filtering {
        return;
    }
    let Some(peer) = bridge.port(m.peer_port) else {
        return;
    };
    let used: BTreeSet<VlanId> = bridge
        .ports
        .iter()
        .filter(|p| p.interface != m.peer_port)
        .flat_map(|p| p.membership.all())
        .collect();
    for vid in used.difference(&peer.membership.tagged) {
        e.push(
            Menu::BridgeVlan,
            &format!("vlan {vid}"),
            "tagged",
            Problem::PeerPortMissingVlan(*vid),
        );
    }
}

fn id(i: usize) -> IfId {
    IfId(u16::try_from(i).unwrap_or(u16::MAX))
}

/// Builds the valid configuration; every reference was checked.
fn build(cfg: &Config, mlag_bridge: Option<usize>) -> ValidConfig {
    let mut interfaces: Vec<Interface> = cfg
        .ethernet
        .iter()
        .map(|x| Interface {
            name: x.name.clone(),
            kind: IfKind::Ethernet,
            mac: x.mac_address,
        })
        .collect();
    let eth_mac = |name: &str| {
        cfg.ethernet
            .iter()
            .find(|x| x.name == name)
            .map_or(MacAddr::ZERO, |x| x.mac_address)
    };
    for (i, b) in cfg.bonds.iter().enumerate() {
        interfaces.push(Interface {
            name: b.name.clone(),
            kind: IfKind::Bond(i),
            mac: b.slaves.first().map_or(MacAddr::ZERO, |s| eth_mac(s)),
        });
    }
    let find = |interfaces: &[Interface], name: &str| {
        interfaces.iter().position(|x| x.name == name).map(id)
    };
    let mac_of = |interfaces: &[Interface], name: &str| {
        interfaces
            .iter()
            .find(|x| x.name == name)
            .map_or(MacAddr::ZERO, |x| x.mac)
    };
    let bridge_base = interfaces.len();
    for (i, b) in cfg.bridges.iter().enumerate() {
        let first_port = cfg.ports.iter().find(|p| p.bridge == b.name);
        let mac = b.admin_mac.unwrap_or_else(|| {
            first_port.map_or(MacAddr::ZERO, |p| mac_of(&interfaces, &p.interface))
        });
        interfaces.push(Interface {
            name: b.name.clone(),
            kind: IfKind::Bridge(i),
            mac,
        });
    }

    let bonds = cfg
        .bonds
        .iter()
        .enumerate()
        .map(|(i, b)| ValidBond {
            interface: id(cfg.ethernet.len() + i),
            name: b.name.clone(),
            mode: b.mode,
            slaves: b
                .slaves
                .iter()
                .filter_map(|s| find(&interfaces, s))
                .collect(),
            mlag_id: b.mlag_id.map(MlagId),
            lacp_rate: b.lacp_rate,
            lacp_mode: b.lacp_mode,
            transmit_hash_policy: b.transmit_hash_policy,
            min_links: b.min_links,
            lacp_fallback: b.lacp_fallback,
        })
        .collect();

    let bridges = cfg
        .bridges
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mac = interfaces
                .get(bridge_base + i)
                .map_or(MacAddr::ZERO, |x| x.mac);
            build_bridge(cfg, b, id(bridge_base + i), mac, &interfaces)
        })
        .collect();

    let mlag = mlag_bridge.and_then(|bridge| {
        let peer_port = find(&interfaces, cfg.mlag.peer_port.as_deref()?)?;
        Some(ValidMlag {
            bridge,
            peer_port,
            priority: cfg.mlag.priority,
            heartbeat: cfg.mlag.heartbeat,
        })
    });

    ValidConfig {
        interfaces,
        bridges,
        bonds,
        mlag,
        mlag_priority: cfg.mlag.priority,
        mlag_heartbeat: cfg.mlag.heartbeat,
    }
}

fn secs_u8(d: Duration) -> u8 {
    u8::try_from(d.as_secs()).unwrap_or(u8::MAX)
}

fn build_bridge(
    cfg: &Config,
    b: &super::Bridge,
    interface: IfId,
    mac: MacAddr,
    interfaces: &[Interface],
) -> ValidBridge {
    let mut bridge = stp::BridgeConfig::new(mac);
    bridge.priority = b.priority;
    bridge.max_age = secs_u8(b.max_message_age);
    bridge.hello_time = secs_u8(b.hello_time);
    bridge.forward_delay = secs_u8(b.forward_delay);
    bridge.tx_hold_count = b.transmit_hold_count;
    bridge.max_hops = b.max_hops;
    bridge.force_version = match b.protocol_mode {
        ProtocolMode::Stp => stp::ForceVersion::Stp,
        ProtocolMode::None | ProtocolMode::Rstp => stp::ForceVersion::Rstp,
        ProtocolMode::Mstp => stp::ForceVersion::Mstp,
    };
    bridge.path_cost_method = match b.port_cost_mode {
        PortCostMode::Long => stp::PathCostMethod::Long,
        PortCostMode::Short => stp::PathCostMethod::Short,
    };
    let mut mstis: Vec<ValidMsti> = cfg
        .mstis
        .iter()
        .filter(|m| m.bridge == b.name)
        .map(|m| ValidMsti {
            id: m.identifier,
            priority: m.priority,
            vlans: m
                .vlan_mapping
                .iter()
                .filter_map(|&v| VlanId::try_new(v).ok())
                .collect(),
        })
        .collect();
    mstis.sort_by_key(|m| m.id);

    let ports = cfg
        .ports
        .iter()
        .filter(|p| p.bridge == b.name)
        .filter_map(|p| {
            let i = interfaces.iter().position(|x| x.name == p.interface)?;
            let port_mac = interfaces.get(i).map_or(MacAddr::ZERO, |x| x.mac);
            let pvid = VlanId::try_new(p.pvid).ok()?;
            let mut stp_port = stp::PortConfig::new(port_mac);
            stp_port.priority = p.priority;
            stp_port.path_cost = p
                .path_cost
                .map_or(stp::PathCost::Auto, stp::PathCost::Fixed);
            (stp_port.admin_edge, stp_port.auto_edge) = match p.edge {
                Edge::Auto | Edge::NoDiscover => (false, true),
                Edge::No => (false, false),
                Edge::Yes => (true, false),
                Edge::YesDiscover => (true, true),
            };
            stp_port.point_to_point = match p.point_to_point {
                PointToPoint::Auto => stp::AdminP2p::Auto,
                PointToPoint::Yes => stp::AdminP2p::ForceTrue,
                PointToPoint::No => stp::AdminP2p::ForceFalse,
            };
            stp_port.bpdu_guard = p.bpdu_guard;
            stp_port.root_guard = p.restricted_role;
            stp_port.restricted_tcn = p.restricted_tcn;
            let mut membership = Membership::default();
            for v in cfg.vlans.iter().filter(|v| v.bridge == b.name) {
                let ids = v.vlan_ids.iter().filter_map(|&x| VlanId::try_new(x).ok());
                if v.tagged.contains(&p.interface) {
                    membership.tagged.extend(ids.clone());
                }
                if v.untagged.contains(&p.interface) {
                    membership.untagged.extend(ids);
                }
            }
            // RouterOS adds the port dynamically as an untagged member of its pvid.
            if !membership.tagged.contains(&pvid) {
                membership.untagged.insert(pvid);
            }
            Some(ValidPort {
                interface: id(i),
                name: p.interface.clone(),
                pvid,
                frame_types: p.frame_types,
                ingress_filtering: p.ingress_filtering,
                stp: stp_port,
                internal_path_cost: p.internal_path_cost,
                mst_overrides: {
                    let mut v: Vec<ValidMstOverride> = cfg
                        .port_mst_overrides
                        .iter()
                        .filter(|o| o.interface == p.interface)
                        .map(|o| ValidMstOverride {
                            id: o.identifier,
                            priority: o.priority,
                            internal_path_cost: o.internal_path_cost,
                        })
                        .collect();
                    v.sort_by_key(|o| o.id);
                    v
                },
                auto_isolate: p.auto_isolate,
                horizon: p.horizon,
                membership,
            })
        })
        .collect();

    ValidBridge {
        interface,
        name: b.name.clone(),
        mac,
        vlan_filtering: b.vlan_filtering,
        ageing_time: b.ageing_time,
        port_cost_mode: b.port_cost_mode,
        stp: StpSettings {
            mode: b.protocol_mode,
            bridge,
            region_name: b.region_name.clone(),
            region_revision: b.region_revision,
            mstis,
        },
        ports,
    }
}
