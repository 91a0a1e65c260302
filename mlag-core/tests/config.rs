//! Config validation: the Quick setup is valid, and every rule rejects a config that breaks
//! it with an error naming the menu, the object and the field. Plus `diff`.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{MacAddr, VlanId};
use mlag_core::config::{
    Bond, BondMode, BridgePort, BridgeVlan, Change, Config, ConfigError, Ethernet, Menu, Msti,
    PortMstOverride, Problem, ProtocolMode, diff, lacp_key,
};

fn base() -> Config {
    Config::quick_setup(1)
}

/// Exactly one error, on `menu`/`object`/`field`; returns its problem.
#[track_caller]
fn reject(cfg: &Config, menu: Menu, object: &str, field: &str) -> Problem {
    let errs = cfg.validate().expect_err("config must be rejected").0;
    assert_eq!(errs.len(), 1, "expected exactly one error, got {errs:#?}");
    let ConfigError {
        menu: m,
        object: o,
        field: f,
        problem,
    } = errs.into_iter().next().unwrap();
    assert_eq!((m, o.as_str(), f), (menu, object, field));
    problem
}

/// At least one error on `menu`/`object`/`field`; returns the first one's problem.
#[track_caller]
fn reject_among(cfg: &Config, menu: Menu, object: &str, field: &str) -> Problem {
    let errs = cfg.validate().expect_err("config must be rejected").0;
    errs.iter()
        .find(|e| e.menu == menu && e.object == object && e.field == field)
        .unwrap_or_else(|| panic!("no error on {menu} {object} {field}: {errs:#?}"))
        .problem
        .clone()
}

fn vid(v: u16) -> VlanId {
    VlanId::try_new(v).unwrap()
}

#[test]
fn quick_setup_is_valid_both_peers() {
    for peer in [1, 2] {
        let v = Config::quick_setup(peer).validate().unwrap();
        assert_eq!(v.bridge_mac(), Some(MacAddr([2, 0, 0, 0, peer, 0])));
        let m = v.mlag().unwrap();
        assert_eq!(v.name(m.peer_port), "sfp-sfpplus1");
        assert_eq!(m.priority, 128);
        assert_eq!(m.heartbeat, Some(Duration::from_secs(5)));
        let bonds = v.mlag_bonds();
        assert_eq!(bonds.len(), 1);
        assert_eq!(bonds[0].0, fdb::MlagId(10));
        assert_eq!(v.name(bonds[0].1.slaves[0]), "sfp-sfpplus2");
        // Membership: the peer-port is tagged in 10 and 20 and untagged in its pvid 99.
        let pp = v.peer_port().unwrap();
        assert_eq!(pp.membership.tagged, [vid(10), vid(20)].into());
        assert_eq!(pp.membership.untagged, [vid(99)].into());
        let client = v.mlag_port(fdb::MlagId(10)).unwrap();
        assert_eq!(client.membership.untagged, [vid(10)].into());
        assert!(client.membership.tagged.is_empty());
    }
}

#[test]
fn defaults_are_routeros_defaults() {
    let b = mlag_core::config::Bridge::new("b");
    assert_eq!(b.protocol_mode, ProtocolMode::Rstp);
    assert_eq!(b.priority, 0x8000);
    assert_eq!(b.max_message_age, Duration::from_secs(20));
    assert_eq!(b.forward_delay, Duration::from_secs(15));
    assert_eq!(b.hello_time, Duration::from_secs(2));
    assert_eq!(b.transmit_hold_count, 6);
    assert!(!b.vlan_filtering);
    let p = BridgePort::new("b", "e");
    assert_eq!((p.pvid, p.priority, p.path_cost), (1, 0x80, None));
    let bond = Bond::new("x", &["e"]);
    assert_eq!(bond.mode, BondMode::BalanceRr);
    assert_eq!(bond.mlag_id, None);
    assert_eq!(bond.min_links, 0);
    let m = mlag_core::config::Mlag::default();
    assert_eq!(
        (m.priority, m.heartbeat),
        (128, Some(Duration::from_secs(5)))
    );
    assert_eq!(m.bridge, None);
}

#[test]
fn bridge_mac_auto_is_first_port_mac() {
    let mut c = base();
    c.bridges[0].admin_mac = None;
    let v = c.validate().unwrap();
    assert_eq!(v.bridge_mac(), Some(MacAddr([2, 0, 0, 0, 1, 1])));
}

#[test]
fn bond_as_peer_port_is_valid() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus4", MacAddr([2, 0, 0, 0, 1, 10])));
    c.bonds
        .push(Bond::lacp("peer-bond", &["sfp-sfpplus3", "sfp-sfpplus4"]));
    c.ports[0].interface = "peer-bond".into();
    c.vlans[0].tagged = vec!["peer-bond".into()];
    c.mlag.peer_port = Some("peer-bond".into());
    c.validate().unwrap();
}

#[test]
fn heartbeat_none_and_limits_are_valid() {
    for h in [
        None,
        Some(Duration::from_secs(1)),
        Some(Duration::from_secs(10)),
    ] {
        let mut c = base();
        c.mlag.heartbeat = h;
        c.validate().unwrap();
    }
    for p in [0, 128] {
        let mut c = base();
        c.mlag.priority = p;
        c.validate().unwrap();
    }
}

// ---- /interface bridge mlag ----

#[test]
fn mlag_priority_200() {
    let mut c = base();
    c.mlag.priority = 200;
    let p = reject(&c, Menu::Mlag, "mlag", "priority");
    assert_eq!(
        p,
        Problem::OutOfRange {
            value: 200,
            min: 0,
            max: 128
        }
    );
}

#[test]
fn mlag_heartbeat_20s() {
    let mut c = base();
    c.mlag.heartbeat = Some(Duration::from_secs(20));
    let p = reject(&c, Menu::Mlag, "mlag", "heartbeat");
    assert!(matches!(p, Problem::TimeOutOfRange { value, .. } if value == Duration::from_secs(20)));
}

#[test]
fn mlag_heartbeat_500ms() {
    let mut c = base();
    c.mlag.heartbeat = Some(Duration::from_millis(500));
    reject(&c, Menu::Mlag, "mlag", "heartbeat");
}

#[test]
fn mlag_unknown_bridge() {
    let mut c = base();
    c.mlag.bridge = Some("bridge9".into());
    let p = reject(&c, Menu::Mlag, "mlag", "bridge");
    assert_eq!(p, Problem::UnknownBridge("bridge9".into()));
}

#[test]
fn mlag_without_peer_port() {
    let mut c = base();
    c.mlag.peer_port = None;
    assert_eq!(
        reject(&c, Menu::Mlag, "mlag", "peer-port"),
        Problem::NoPeerPort
    );
}

#[test]
fn mlag_unknown_peer_port() {
    let mut c = base();
    c.mlag.peer_port = Some("ether9".into());
    let p = reject(&c, Menu::Mlag, "mlag", "peer-port");
    assert_eq!(p, Problem::UnknownInterface("ether9".into()));
}

#[test]
fn mlag_peer_port_not_in_bridge() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("ether2", MacAddr([2, 0, 0, 0, 1, 8])));
    c.mlag.peer_port = Some("ether2".into());
    let p = reject_among(&c, Menu::Mlag, "mlag", "peer-port");
    assert!(matches!(p, Problem::NotBridgePort { ref interface, .. } if interface == "ether2"));
}

#[test]
fn mlag_id_on_peer_port() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds
        .push(Bond::lacp("peer-bond", &["sfp-sfpplus3"]).with_mlag_id(20));
    c.ports[0].interface = "peer-bond".into();
    c.vlans[0].tagged = vec!["peer-bond".into()];
    c.mlag.peer_port = Some("peer-bond".into());
    let p = reject(&c, Menu::Bonding, "peer-bond", "mlag-id");
    assert_eq!(p, Problem::MlagIdOnPeerPort(20));
}

#[test]
fn stp_disabled() {
    let mut c = base();
    c.bridges[0].protocol_mode = ProtocolMode::None;
    let p = reject(&c, Menu::Bridge, "bridge1", "protocol-mode");
    assert_eq!(p, Problem::StpDisabled);
}

#[test]
fn stp_disabled_on_a_bridge_without_mlag_is_fine() {
    let mut c = base();
    let mut b2 = mlag_core::config::Bridge::new("bridge2");
    b2.protocol_mode = ProtocolMode::None;
    c.bridges.push(b2);
    c.validate().unwrap();
}

#[test]
fn peer_port_missing_from_a_vlan() {
    let mut c = base();
    c.ports[2].pvid = 30; // ether1 now untagged in VLAN 30, which the peer-port does not carry.
    let p = reject(&c, Menu::BridgeVlan, "vlan 30", "tagged");
    assert_eq!(p, Problem::PeerPortMissingVlan(vid(30)));
}

#[test]
fn peer_port_missing_from_a_tagged_vlan() {
    let mut c = base();
    c.vlans.push(BridgeVlan::new(
        "bridge1",
        &[40],
        &["ether1", "client-bond"],
        &[],
    ));
    let p = reject(&c, Menu::BridgeVlan, "vlan 40", "tagged");
    assert_eq!(p, Problem::PeerPortMissingVlan(vid(40)));
}

#[test]
fn iccp_vlan_shared_with_another_port() {
    let mut c = base();
    c.ports[2].pvid = 99; // ether1 joins the peer-port's untagged ICCP VLAN.
    let p = reject(&c, Menu::BridgeVlan, "vlan 99", "tagged");
    assert_eq!(p, Problem::PeerPortMissingVlan(vid(99)));
}

#[test]
fn peer_port_vlan_rule_needs_vlan_filtering() {
    let mut c = base();
    c.bridges[0].vlan_filtering = false;
    c.ports[2].pvid = 30;
    c.validate().unwrap();
}

#[test]
fn mlag_bond_not_in_bridge() {
    let mut c = base();
    c.ports.remove(1); // client-bond is no longer a bridge port.
    let p = reject(&c, Menu::Bonding, "client-bond", "mlag-id");
    assert_eq!(p, Problem::MlagBondNotInBridge);
}

#[test]
fn too_many_ports_for_one_peer() {
    let mut c = base();
    // Quick setup: 2 ports besides the MLAG bond; 1535 more make 1537 > 1536.
    for i in 0..1535u32 {
        let name = format!("x{i}");
        let b = i.to_be_bytes();
        c.ethernet.push(Ethernet::new(
            &name,
            MacAddr([2, 1, b[0], b[1], b[2], b[3]]),
        ));
        c.ports
            .push(BridgePort::new("bridge1", &name).with_pvid(20));
    }
    assert_eq!(c.ports.len(), 1538);
    let p = reject(&c, Menu::Mlag, "mlag", "bridge");
    assert_eq!(p, Problem::TooManyPorts(1537));
    c.ports.pop();
    c.validate().unwrap();
}

#[test]
fn no_bridge_mac() {
    let mut c = base();
    c.bridges[0].admin_mac = None;
    c.ports.clear();
    c.vlans.clear();
    let p = reject_among(&c, Menu::Bridge, "bridge1", "admin-mac");
    assert_eq!(p, Problem::NoBridgeMac);
}

// ---- /interface bonding ----

#[test]
fn two_bonds_one_mlag_id() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds
        .push(Bond::lacp("bond2", &["sfp-sfpplus3"]).with_mlag_id(10));
    c.ports
        .push(BridgePort::new("bridge1", "bond2").with_pvid(20));
    let p = reject(&c, Menu::Bonding, "bond2", "mlag-id");
    assert_eq!(
        p,
        Problem::DuplicateMlagId {
            mlag_id: 10,
            other_bond: "client-bond".into()
        }
    );
}

#[test]
fn mlag_ids_sharing_a_lacp_key() {
    assert_eq!(lacp_key(0), 1);
    assert_eq!(lacp_key(65534), 65535);
    assert_eq!(lacp_key(65535), 1);
    assert_eq!(lacp_key(u32::MAX), lacp_key(u32::MAX % 65535));
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds
        .push(Bond::lacp("bond2", &["sfp-sfpplus3"]).with_mlag_id(10 + 65535));
    c.ports
        .push(BridgePort::new("bridge1", "bond2").with_pvid(20));
    let p = reject(&c, Menu::Bonding, "bond2", "mlag-id");
    assert_eq!(
        p,
        Problem::LacpKeyCollision {
            mlag_id: 65545,
            other_mlag_id: 10,
            key: 11
        }
    );
}

#[test]
fn mlag_id_max_is_valid() {
    let mut c = base();
    c.bonds[0].mlag_id = Some(u32::MAX);
    c.validate().unwrap();
}

#[test]
fn mlag_id_on_balance_xor_bond() {
    let mut c = base();
    c.bonds[0].mode = BondMode::BalanceXor;
    let p = reject(&c, Menu::Bonding, "client-bond", "mlag-id");
    assert_eq!(p, Problem::MlagIdNeedsLacp(BondMode::BalanceXor));
}

#[test]
fn bond_without_slaves() {
    let mut c = base();
    c.bonds[0].slaves.clear();
    assert_eq!(
        reject(&c, Menu::Bonding, "client-bond", "slaves"),
        Problem::Empty
    );
}

#[test]
fn bond_unknown_slave() {
    let mut c = base();
    c.bonds[0].slaves.push("ether9".into());
    let p = reject(&c, Menu::Bonding, "client-bond", "slaves");
    assert_eq!(p, Problem::UnknownInterface("ether9".into()));
}

#[test]
fn slave_in_two_bonds() {
    let mut c = base();
    c.bonds.push(Bond::lacp("bond2", &["sfp-sfpplus2"]));
    let p = reject(&c, Menu::Bonding, "bond2", "slaves");
    assert_eq!(
        p,
        Problem::SlaveOfTwoBonds {
            slave: "sfp-sfpplus2".into(),
            other_bond: "client-bond".into()
        }
    );
}

#[test]
fn slave_is_also_a_bridge_port() {
    let mut c = base();
    c.bonds[0].slaves.push("ether1".into());
    let p = reject(&c, Menu::Bonding, "client-bond", "slaves");
    assert_eq!(p, Problem::SlaveIsBridgePort("ether1".into()));
}

#[test]
fn slave_is_a_bond() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds.push(Bond::lacp("bond2", &["sfp-sfpplus3"]));
    c.bonds.push(Bond::lacp("bond3", &["bond2"]));
    let p = reject(&c, Menu::Bonding, "bond3", "slaves");
    assert_eq!(p, Problem::SlaveNotEthernet("bond2".into()));
}

#[test]
fn bond_named_like_an_ethernet() {
    let mut c = base();
    c.bonds.push(Bond::lacp("ether1", &["sfp-sfpplus2"]));
    let errs = c.validate().unwrap_err();
    assert!(
        errs.0.iter().any(|e| e.menu == Menu::Bonding
            && e.field == "name"
            && e.problem
                == Problem::DuplicateName {
                    other: Menu::Ethernet
                }),
        "{errs}"
    );
}

#[test]
fn empty_bridge_name() {
    let mut c = base();
    c.bridges.push(mlag_core::config::Bridge::new(""));
    assert_eq!(reject(&c, Menu::Bridge, "", "name"), Problem::Empty);
}

// ---- /interface ethernet ----

#[test]
fn ethernet_multicast_mac() {
    let mut c = base();
    c.ethernet[2].mac_address = MacAddr([1, 0, 0x5e, 0, 0, 1]);
    let p = reject(&c, Menu::Ethernet, "ether1", "mac-address");
    assert!(matches!(p, Problem::NotUnicast(_)));
}

// ---- /interface bridge ----

#[test]
fn bridge_priority_not_a_step() {
    let mut c = base();
    c.bridges[0].priority = 0x8001;
    let p = reject(&c, Menu::Bridge, "bridge1", "priority");
    assert_eq!(
        p,
        Problem::NotMultiple {
            value: 0x8001,
            step: 0x1000
        }
    );
}

#[test]
fn bridge_priority_too_high() {
    let mut c = base();
    c.bridges[0].priority = 0xF001;
    let p = reject(&c, Menu::Bridge, "bridge1", "priority");
    assert!(matches!(p, Problem::OutOfRange { max: 0xF000, .. }));
}

#[test]
fn bridge_max_message_age_out_of_range() {
    let mut c = base();
    c.bridges[0].max_message_age = Duration::from_secs(41);
    let p = reject(&c, Menu::Bridge, "bridge1", "max-message-age");
    assert_eq!(
        p,
        Problem::OutOfRange {
            value: 41,
            min: 6,
            max: 40
        }
    );
}

#[test]
fn bridge_forward_delay_out_of_range() {
    let mut c = base();
    c.bridges[0].forward_delay = Duration::from_secs(3);
    reject_among(&c, Menu::Bridge, "bridge1", "forward-delay");
}

#[test]
fn bridge_hello_time_out_of_range() {
    let mut c = base();
    c.bridges[0].hello_time = Duration::from_secs(11);
    let p = reject(&c, Menu::Bridge, "bridge1", "hello-time");
    assert_eq!(
        p,
        Problem::OutOfRange {
            value: 11,
            min: 1,
            max: 10
        }
    );
}

#[test]
fn bridge_forward_delay_fraction() {
    let mut c = base();
    c.bridges[0].forward_delay = Duration::from_millis(15_500);
    let p = reject(&c, Menu::Bridge, "bridge1", "forward-delay");
    assert_eq!(p, Problem::NotWholeSeconds(Duration::from_millis(15_500)));
}

#[test]
fn bridge_timers_inconsistent() {
    let mut c = base();
    c.bridges[0].max_message_age = Duration::from_secs(40); // > 2 × (15 − 1) = 28
    let p = reject(&c, Menu::Bridge, "bridge1", "max-message-age");
    assert_eq!(
        p,
        Problem::InconsistentTimers {
            max_message_age: 40,
            hello_time: 2,
            forward_delay: 15
        }
    );
}

#[test]
fn bridge_transmit_hold_count() {
    let mut c = base();
    c.bridges[0].transmit_hold_count = 0;
    reject(&c, Menu::Bridge, "bridge1", "transmit-hold-count");
}

#[test]
fn bridge_max_hops() {
    let mut c = base();
    c.bridges[0].max_hops = 41;
    reject(&c, Menu::Bridge, "bridge1", "max-hops");
}

#[test]
fn bridge_region_name_too_long() {
    let mut c = base();
    c.bridges[0].region_name = "r".repeat(33);
    let p = reject(&c, Menu::Bridge, "bridge1", "region-name");
    assert_eq!(p, Problem::TooLong { len: 33, max: 32 });
}

#[test]
fn bridge_admin_mac_multicast() {
    let mut c = base();
    c.bridges[0].admin_mac = Some(MacAddr([0x01, 0x80, 0xc2, 0, 0, 0]));
    reject(&c, Menu::Bridge, "bridge1", "admin-mac");
}

#[test]
fn bridge_ageing_time() {
    let mut c = base();
    c.bridges[0].ageing_time = Duration::from_secs(5);
    reject(&c, Menu::Bridge, "bridge1", "ageing-time");
}

// ---- /interface bridge msti ----

fn mstp(mut c: Config) -> Config {
    c.bridges[0].protocol_mode = ProtocolMode::Mstp;
    c.bridges[0].region_name = "r1".into();
    c
}

#[test]
fn msti_valid() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.mstis.push(Msti::new("bridge1", 2, &[20]));
    let v = c.validate().unwrap();
    let b = v.mlag_bridge().unwrap();
    assert_eq!(b.stp.mstis.len(), 2);
    assert_eq!(b.stp.bridge.force_version, stp::ForceVersion::Mstp);
}

#[test]
fn msti_identifier_zero() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 0, &[10]));
    let p = reject(&c, Menu::BridgeMsti, "msti 0", "identifier");
    assert_eq!(
        p,
        Problem::OutOfRange {
            value: 0,
            min: 1,
            max: 4094
        }
    );
}

#[test]
fn msti_twice() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.mstis.push(Msti::new("bridge1", 1, &[20]));
    assert_eq!(
        reject(&c, Menu::BridgeMsti, "msti 1", "identifier"),
        Problem::DuplicateMsti(1)
    );
}

#[test]
fn msti_vlan_in_two_instances() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.mstis.push(Msti::new("bridge1", 2, &[10]));
    let p = reject(&c, Menu::BridgeMsti, "msti 2", "vlan-mapping");
    assert_eq!(
        p,
        Problem::VlanInTwoMstis {
            vlan: vid(10),
            other_msti: 1
        }
    );
}

#[test]
fn msti_vlan_out_of_range() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[4095]));
    reject(&c, Menu::BridgeMsti, "msti 1", "vlan-mapping");
}

#[test]
fn msti_priority_not_a_step() {
    let mut c = mstp(base());
    let mut m = Msti::new("bridge1", 1, &[10]);
    m.priority = 100;
    c.mstis.push(m);
    reject(&c, Menu::BridgeMsti, "msti 1", "priority");
}

#[test]
fn msti_unknown_bridge() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge9", 1, &[10]));
    reject(&c, Menu::BridgeMsti, "msti 1", "bridge");
}

#[test]
fn too_many_mstis() {
    let mut c = mstp(base());
    for i in 1..=65 {
        c.mstis.push(Msti::new("bridge1", i, &[100 + i]));
    }
    let p = reject(&c, Menu::BridgeMsti, "msti 65", "identifier");
    assert_eq!(p, Problem::TooManyMstis(65));
}

// ---- /interface bridge port ----

#[test]
fn port_unknown_interface() {
    let mut c = base();
    c.ports.push(BridgePort::new("bridge1", "ether9"));
    let p = reject(&c, Menu::BridgePort, "ether9", "interface");
    assert_eq!(p, Problem::UnknownInterface("ether9".into()));
}

#[test]
fn port_unknown_bridge() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("ether2", MacAddr([2, 0, 0, 0, 1, 8])));
    c.ports.push(BridgePort::new("bridge9", "ether2"));
    let p = reject(&c, Menu::BridgePort, "ether2", "bridge");
    assert_eq!(p, Problem::UnknownBridge("bridge9".into()));
}

#[test]
fn port_added_twice() {
    let mut c = base();
    c.ports
        .push(BridgePort::new("bridge1", "ether1").with_pvid(20));
    let p = reject(&c, Menu::BridgePort, "ether1", "interface");
    assert_eq!(
        p,
        Problem::AlreadyBridgePort {
            bridge: "bridge1".into()
        }
    );
}

#[test]
fn port_pvid_zero_and_4095() {
    for pvid in [0, 4095] {
        let mut c = base();
        c.ports[2].pvid = pvid;
        let p = reject(&c, Menu::BridgePort, "ether1", "pvid");
        assert_eq!(
            p,
            Problem::OutOfRange {
                value: u64::from(pvid),
                min: 1,
                max: 4094
            }
        );
    }
}

#[test]
fn port_priority_not_a_step() {
    let mut c = base();
    c.ports[2].priority = 0x81;
    let p = reject(&c, Menu::BridgePort, "ether1", "priority");
    assert_eq!(
        p,
        Problem::NotMultiple {
            value: 0x81,
            step: 0x10
        }
    );
}

#[test]
fn port_path_cost_zero() {
    let mut c = base();
    c.ports[2].path_cost = Some(0);
    reject(&c, Menu::BridgePort, "ether1", "path-cost");
}

#[test]
fn port_internal_path_cost_too_high() {
    let mut c = base();
    c.ports[2].internal_path_cost = Some(200_000_001);
    reject(&c, Menu::BridgePort, "ether1", "internal-path-cost");
}

// ---- /interface bridge vlan ----

#[test]
fn vlan_id_out_of_range() {
    let mut c = base();
    c.vlans[0].vlan_ids.push(4095);
    let p = reject(&c, Menu::BridgeVlan, "vlan 10", "vlan-ids");
    assert_eq!(
        p,
        Problem::OutOfRange {
            value: 4095,
            min: 1,
            max: 4094
        }
    );
}

#[test]
fn vlan_entry_without_ids() {
    let mut c = base();
    c.vlans
        .push(BridgeVlan::new("bridge1", &[], &["sfp-sfpplus1"], &[]));
    assert_eq!(
        reject(&c, Menu::BridgeVlan, "vlan", "vlan-ids"),
        Problem::Empty
    );
}

#[test]
fn vlan_in_two_entries() {
    let mut c = base();
    c.vlans
        .push(BridgeVlan::new("bridge1", &[20], &["sfp-sfpplus1"], &[]));
    let p = reject(&c, Menu::BridgeVlan, "vlan 20", "vlan-ids");
    assert_eq!(p, Problem::VlanInTwoEntries(vid(20)));
}

#[test]
fn vlan_member_unknown() {
    let mut c = base();
    c.vlans[0].tagged.push("ether9".into());
    let p = reject(&c, Menu::BridgeVlan, "vlan 10", "tagged");
    assert_eq!(p, Problem::UnknownInterface("ether9".into()));
}

#[test]
fn vlan_member_not_a_port() {
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("ether2", MacAddr([2, 0, 0, 0, 1, 8])));
    c.vlans[0].untagged.push("ether2".into());
    let p = reject(&c, Menu::BridgeVlan, "vlan 10", "untagged");
    assert!(matches!(p, Problem::NotBridgePort { ref interface, .. } if interface == "ether2"));
}

#[test]
fn vlan_member_tagged_and_untagged() {
    let mut c = base();
    c.vlans[0].untagged.push("sfp-sfpplus1".into());
    let p = reject_among(&c, Menu::BridgeVlan, "vlan 10", "untagged");
    assert_eq!(
        p,
        Problem::TaggedAndUntagged {
            interface: "sfp-sfpplus1".into(),
            vlan: vid(10)
        }
    );
}

#[test]
fn vlan_unknown_bridge() {
    let mut c = base();
    c.vlans.push(BridgeVlan::new("bridge9", &[30], &[], &[]));
    reject(&c, Menu::BridgeVlan, "vlan 30", "bridge");
}

#[test]
fn bridge_itself_may_be_tagged() {
    let mut c = base();
    c.vlans[0].tagged.push("bridge1".into());
    c.validate().unwrap();
}

#[test]
fn errors_name_the_field_in_their_message() {
    let mut c = base();
    c.mlag.priority = 200;
    let text = c.validate().unwrap_err().to_string();
    assert!(text.contains("/interface bridge mlag"), "{text}");
    assert!(text.contains("priority"), "{text}");
    assert!(text.contains("200"), "{text}");
}

// ---- diff ----

#[test]
fn diff_of_equal_configs_is_empty() {
    let v = base().validate().unwrap();
    assert!(diff(&v, &v).is_empty());
}

#[test]
fn diff_priority_and_heartbeat() {
    let old = base().validate().unwrap();
    let mut c = base();
    c.mlag.priority = 10;
    c.mlag.heartbeat = None;
    let changes = diff(&old, &c.validate().unwrap());
    assert_eq!(
        changes,
        vec![
            Change::PriorityChanged { old: 128, new: 10 },
            Change::HeartbeatChanged {
                old: Some(Duration::from_secs(5)),
                new: None
            }
        ]
    );
    assert!(changes.iter().all(|c| !c.restarts_mlag()));
}

#[test]
fn diff_add_and_remove_mlag_bond() {
    let old = base().validate().unwrap();
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds
        .push(Bond::lacp("bond2", &["sfp-sfpplus3"]).with_mlag_id(20));
    c.ports
        .push(BridgePort::new("bridge1", "bond2").with_pvid(20));
    let new = c.validate().unwrap();
    let changes = diff(&old, &new);
    assert_eq!(
        changes,
        vec![
            Change::BondAdded {
                bond: "bond2".into(),
                mlag_id: Some(fdb::MlagId(20))
            },
            Change::PortAdded {
                port: "bond2".into()
            },
        ]
    );
    let back = diff(&new, &old);
    assert_eq!(
        back,
        vec![
            Change::BondRemoved {
                bond: "bond2".into(),
                mlag_id: Some(fdb::MlagId(20))
            },
            Change::PortRemoved {
                port: "bond2".into()
            },
        ]
    );
}

#[test]
fn diff_bond_settings_and_slaves() {
    let old = base().validate().unwrap();
    let mut c = base();
    c.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    c.bonds[0].slaves.push("sfp-sfpplus3".into());
    c.bonds[0].lacp_rate = mlag_core::config::LacpRate::Sec1;
    c.bonds[0].mlag_id = Some(11);
    let changes = diff(&old, &c.validate().unwrap());
    assert_eq!(
        changes,
        vec![
            Change::MlagIdChanged {
                bond: "client-bond".into(),
                old: Some(fdb::MlagId(10)),
                new: Some(fdb::MlagId(11))
            },
            Change::BondChanged {
                bond: "client-bond".into(),
                mlag_id: Some(fdb::MlagId(11)),
                field: "lacp-rate"
            },
            Change::SlaveAdded {
                bond: "client-bond".into(),
                slave: "sfp-sfpplus3".into()
            },
        ]
    );
}

#[test]
fn diff_stp_port_and_vlans() {
    let old = base().validate().unwrap();
    let mut c = base();
    c.bridges[0].priority = 0x1000;
    c.ports[2].edge = mlag_core::config::Edge::Yes;
    c.vlans[0].vlan_ids.push(30);
    let changes = diff(&old, &c.validate().unwrap());
    assert!(changes.contains(&Change::StpChanged { field: "priority" }));
    assert!(changes.contains(&Change::PortChanged {
        port: "ether1".into(),
        field: "edge"
    }));
    assert!(changes.iter().any(|c| matches!(c,
        Change::MembershipChanged { port, new, .. } if port == "sfp-sfpplus1" && new.tagged.contains(&vid(30)))));
    assert_eq!(changes.len(), 3, "{changes:#?}");
}

#[test]
fn diff_peer_port_and_mac_restart() {
    let old = base().validate().unwrap();
    let mut c = base();
    c.bridges[0].admin_mac = Some(MacAddr([2, 0, 0, 0, 1, 0x77]));
    let changes = diff(&old, &c.validate().unwrap());
    assert_eq!(changes.len(), 1);
    assert!(changes[0].restarts_mlag());
    let mut c = base();
    c.mlag.bridge = None;
    let changes = diff(&old, &c.validate().unwrap());
    assert_eq!(changes, vec![Change::MlagRestart { field: "bridge" }]);
}

#[test]
fn host_port_numbers_round_trip() {
    let v = base().validate().unwrap();
    for (i, iface) in v.interfaces().iter().enumerate() {
        let id = mlag_core::config::IfId(i as u16);
        let port = v.port_no(id);
        assert_eq!(port, l2_types::PortNo(i as u16 + 1));
        assert_eq!(v.if_of(port), Some(id));
        assert_eq!(v.find(&iface.name), Some(id));
    }
    assert_eq!(v.if_of(l2_types::PortNo(0)), None);
    assert_eq!(v.if_of(l2_types::PortNo(99)), None);
}

#[test]
fn too_many_mlags() {
    let mut c = base();
    for i in 0..1023u32 {
        let name = format!("s{i}");
        let bond = format!("b{i}");
        let b = i.to_be_bytes();
        c.ethernet.push(Ethernet::new(
            &name,
            MacAddr([2, 2, b[0], b[1], b[2], b[3]]),
        ));
        c.bonds
            .push(Bond::lacp(&bond, &[&name]).with_mlag_id(1000 + i));
        c.ports
            .push(BridgePort::new("bridge1", &bond).with_pvid(20));
    }
    // 1 + 1023 MLAG bonds.
    let p = reject(&c, Menu::Mlag, "mlag", "bridge");
    assert_eq!(p, Problem::TooManyMlags(1024));
    c.bonds.pop();
    c.ports.pop();
    c.validate().unwrap();
}

#[test]
fn port_mst_override_of_an_unknown_msti() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.port_mst_overrides.push(PortMstOverride::new("ether1", 2));
    assert_eq!(
        reject(
            &c,
            Menu::BridgePortMstOverride,
            "ether1 msti 2",
            "identifier"
        ),
        Problem::UnknownMsti(2)
    );
}

#[test]
fn port_mst_override_of_no_bridge_port() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.port_mst_overrides
        .push(PortMstOverride::new("nowhere", 1));
    assert_eq!(
        reject(
            &c,
            Menu::BridgePortMstOverride,
            "nowhere msti 1",
            "interface"
        ),
        Problem::UnknownInterface("nowhere".into())
    );
}

#[test]
fn port_mst_override_twice() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    c.port_mst_overrides.push(PortMstOverride::new("ether1", 1));
    c.port_mst_overrides.push(PortMstOverride::new("ether1", 1));
    assert_eq!(
        reject(
            &c,
            Menu::BridgePortMstOverride,
            "ether1 msti 1",
            "identifier"
        ),
        Problem::DuplicateOverride(1)
    );
}

#[test]
fn port_mst_override_priority_and_cost() {
    let mut c = mstp(base());
    c.mstis.push(Msti::new("bridge1", 1, &[10]));
    let mut o = PortMstOverride::new("ether1", 1);
    o.priority = 0x41;
    c.port_mst_overrides.push(o.clone());
    assert!(matches!(
        reject(&c, Menu::BridgePortMstOverride, "ether1 msti 1", "priority"),
        Problem::NotMultiple { .. }
    ));
    o.priority = 0x40;
    o.internal_path_cost = Some(0);
    c.port_mst_overrides = vec![o.clone()];
    assert!(matches!(
        reject(
            &c,
            Menu::BridgePortMstOverride,
            "ether1 msti 1",
            "internal-path-cost"
        ),
        Problem::OutOfRange { .. }
    ));
    // Valid, and a change shows in `diff` as a port change.
    o.internal_path_cost = Some(500);
    c.port_mst_overrides = vec![o];
    let old = mstp(base());
    let mut old = old;
    old.mstis.push(Msti::new("bridge1", 1, &[10]));
    let ch = diff(&old.validate().unwrap(), &c.validate().unwrap());
    assert!(ch.contains(&Change::PortChanged {
        port: "ether1".into(),
        field: "port-mst-override"
    }));
}
