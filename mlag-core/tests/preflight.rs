//! Pre-flight: the Quick setup pair is clean; every mismatch is found with its severity, and
//! the predicted primary, system-id and per-MLAG outcome follow.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use fdb::MlagId;
use l2_types::{MacAddr, VlanId};
use mlag_core::config::{
    Bond, BridgePort, BridgeVlan, Config, Edge, Ethernet, LacpMode, LacpRate, Msti, ProtocolMode,
    ValidConfig,
};
use mlag_core::preflight::{Finding, Mismatch, Outcome, Peer, Scope, Severity, preflight};

fn pair() -> (Config, Config) {
    (Config::quick_setup(1), Config::quick_setup(2))
}

fn v(c: &Config) -> ValidConfig {
    c.validate().unwrap()
}

const ID: MlagId = MlagId(10);

#[track_caller]
fn only(findings: &[Finding]) -> &Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn quick_setup_pair_is_clean() {
    let (a, b) = pair();
    let r = preflight(&v(&a), &v(&b));
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.is_clean());
    assert_eq!(r.primary, Some(Peer::A));
    assert_eq!(r.system_id, Some(MacAddr([2, 0, 0, 0, 1, 0])));
    assert_eq!(r.mlags, vec![(ID, Outcome::Dual)]);
    // Symmetric.
    let r = preflight(&v(&b), &v(&a));
    assert_eq!(r.primary, Some(Peer::B));
    assert_eq!(r.system_id, Some(MacAddr([2, 0, 0, 0, 1, 0])));
}

#[test]
fn lower_priority_wins_but_system_id_stays_lowest_mac() {
    let (a, mut b) = pair();
    b.mlag.priority = 10;
    let r = preflight(&v(&a), &v(&b));
    assert_eq!(r.primary, Some(Peer::B));
    assert_eq!(r.system_id, Some(MacAddr([2, 0, 0, 0, 1, 0])));
    assert!(r.findings.is_empty());
}

#[test]
fn mlag_id_on_one_side_only_is_single_homed() {
    let (mut a, b) = pair();
    a.ethernet
        .push(Ethernet::new("sfp-sfpplus3", MacAddr([2, 0, 0, 0, 1, 9])));
    a.bonds
        .push(Bond::lacp("bond2", &["sfp-sfpplus3"]).with_mlag_id(20));
    a.ports
        .push(BridgePort::new("bridge1", "bond2").with_pvid(20));
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.scope, Scope::Mlag(MlagId(20)));
    assert_eq!(f.mismatch, Mismatch::OneSideOnly(Peer::A));
    assert_eq!(r.outcome(MlagId(20)), Some(Outcome::Single(Peer::A)));
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
    assert!(r.is_clean());
}

#[test]
fn lacp_rate_mismatch_is_a_warning() {
    let (a, mut b) = pair();
    b.bonds[0].lacp_rate = LacpRate::Sec1;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.mismatch,
        Mismatch::LacpRate(LacpRate::Secs30, LacpRate::Sec1)
    );
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
}

#[test]
fn lacp_mode_mismatch_is_a_warning_both_passive_an_error() {
    let (a, mut b) = pair();
    b.bonds[0].lacp_mode = LacpMode::Passive;
    let r = preflight(&v(&a), &v(&b));
    assert_eq!(
        only(&r.findings).mismatch,
        Mismatch::LacpMode(LacpMode::Active, LacpMode::Passive)
    );
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
    let mut a = a;
    a.bonds[0].lacp_mode = LacpMode::Passive;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(
        (f.severity, &f.mismatch),
        (Severity::Error, &Mismatch::BothPassive)
    );
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn hash_policy_and_min_links_are_warnings() {
    let (a, mut b) = pair();
    b.bonds[0].transmit_hash_policy = mlag_core::config::TransmitHashPolicy::Layer3And4;
    b.bonds[0].min_links = 2;
    let r = preflight(&v(&a), &v(&b));
    assert_eq!(r.findings.len(), 2);
    assert!(r.findings.iter().all(|f| f.severity == Severity::Warning));
    assert!(
        r.findings
            .iter()
            .any(|f| matches!(f.mismatch, Mismatch::MinLinks(0, 2)))
    );
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
}

#[test]
fn lacp_fallback_mismatch_is_a_warning() {
    let (a, mut b) = pair();
    b.bonds[0].lacp_fallback = true;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.scope, Scope::Mlag(ID));
    assert_eq!(f.mismatch, Mismatch::LacpFallback(false, true));
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
    // Both with it: nothing to report.
    let mut a = a;
    a.bonds[0].lacp_fallback = true;
    assert!(preflight(&v(&a), &v(&b)).findings.is_empty());
}

#[test]
fn a_bond_flags_byte_other_than_lacp_fallback_is_refused() {
    let mut c = Config::quick_setup(1);
    c.bonds[0].lacp_fallback = true;
    let bytes = Summary::of(&v(&c)).encode();
    assert!(Summary::decode(&bytes).unwrap().mlags[0].lacp_fallback);
    // The Quick setup's MLAG is the last one; its port part is 17 octets: pvid(2), no tagged
    // VLAN (2), untagged {10} (2 + 4), priority(1), path-cost(4), flags(1), p2p(1). Before
    // it: port present (1), and before that the bond flags.
    let at = bytes.len() - 17 - 2;
    assert_eq!((bytes[at], bytes[at + 1]), (1, 1));
    for bad in [2u8, 0x80, 0xff] {
        let mut b = bytes.clone();
        b[at] = bad;
        assert!(Summary::decode(&b).is_err(), "{bad:#x}");
    }
}

#[test]
fn vlan_membership_mismatch_holds_the_mlag_down() {
    let (a, mut b) = pair();
    // B's client-bond is a tagged member of VLANs 10 and 20 (A's is untagged in 10 only).
    b.vlans[0].tagged.push("client-bond".into());
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.mismatch,
        Mismatch::Vlans {
            only_a: vec![VlanId::try_new(10).unwrap()],
            only_b: vec![VlanId::try_new(10).unwrap(), VlanId::try_new(20).unwrap()]
        }
    );
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
    assert!(!r.is_clean());
    // Roles are still predicted.
    assert_eq!(r.primary, Some(Peer::A));
}

#[test]
fn pvid_mismatch_holds_the_mlag_down() {
    let (a, mut b) = pair();
    b.ports[1].pvid = 20;
    let r = preflight(&v(&a), &v(&b));
    let errors: Vec<_> = r.findings_for(Scope::Mlag(ID)).collect();
    assert!(
        errors
            .iter()
            .any(|f| matches!(f.mismatch, Mismatch::Pvid(..)))
    );
    assert!(
        errors
            .iter()
            .any(|f| matches!(f.mismatch, Mismatch::Vlans { .. }))
    );
    assert!(errors.iter().all(|f| f.severity == Severity::Error));
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn stp_port_setting_mismatch_holds_the_mlag_down() {
    for (field, change) in [
        (
            "edge",
            (|p: &mut BridgePort| p.edge = Edge::Yes) as fn(&mut BridgePort),
        ),
        ("bpdu-guard", |p| p.bpdu_guard = true),
        ("priority", |p| p.priority = 0x40),
        ("path-cost", |p| p.path_cost = Some(100)),
        ("restricted-role", |p| p.restricted_role = true),
    ] {
        let (a, mut b) = pair();
        change(&mut b.ports[1]);
        let r = preflight(&v(&a), &v(&b));
        let f = only(&r.findings);
        assert_eq!(f.mismatch, Mismatch::StpPort(field));
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(r.outcome(ID), Some(Outcome::HeldDown), "{field}");
    }
}

#[test]
fn single_homed_port_differences_are_not_findings() {
    let (a, mut b) = pair();
    b.ports[2].edge = Edge::Yes; // ether1 is single-homed.
    b.ports[2].pvid = 10;
    let r = preflight(&v(&a), &v(&b));
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn stp_priority_mismatch_holds_every_mlag_down() {
    let (a, mut b) = pair();
    b.bridges[0].priority = 0x1000;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!((f.scope, f.severity), (Scope::Pair, Severity::Error));
    assert_eq!(f.mismatch, Mismatch::StpPriority(0x8000, 0x1000));
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn stp_mode_mismatch_holds_every_mlag_down() {
    let (a, mut b) = pair();
    b.bridges[0].protocol_mode = ProtocolMode::Stp;
    let r = preflight(&v(&a), &v(&b));
    assert_eq!(
        only(&r.findings).mismatch,
        Mismatch::StpMode(ProtocolMode::Rstp, ProtocolMode::Stp)
    );
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn stp_timer_mismatch_is_a_warning() {
    let (a, mut b) = pair();
    b.bridges[0].hello_time = Duration::from_secs(1);
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.mismatch,
        Mismatch::StpTimer {
            field: "hello-time",
            a: 2,
            b: 1
        }
    );
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
}

#[test]
fn mst_region_mismatch_holds_every_mlag_down() {
    let (mut a, mut b) = pair();
    for c in [&mut a, &mut b] {
        c.bridges[0].protocol_mode = ProtocolMode::Mstp;
        c.bridges[0].region_name = "r".into();
        c.mstis.push(Msti::new("bridge1", 1, &[10]));
    }
    assert!(preflight(&v(&a), &v(&b)).findings.is_empty());
    b.mstis[0].vlan_mapping = vec![20];
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(
        (f.severity, &f.mismatch),
        (Severity::Error, &Mismatch::MstRegion)
    );
    b.mstis[0].vlan_mapping = vec![10];
    b.bridges[0].region_revision = 1;
    let r = preflight(&v(&a), &v(&b));
    assert_eq!(only(&r.findings).mismatch, Mismatch::MstRegion);
}

#[test]
fn heartbeat_mismatch_is_a_warning() {
    let (a, mut b) = pair();
    b.mlag.heartbeat = Some(Duration::from_secs(1));
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!((f.scope, f.severity), (Scope::Pair, Severity::Warning));
    assert_eq!(
        f.mismatch,
        Mismatch::Heartbeat(Some(Duration::from_secs(5)), Some(Duration::from_secs(1)))
    );
    assert_eq!(r.outcome(ID), Some(Outcome::Dual));
}

#[test]
fn same_bridge_mac_cannot_elect() {
    let (a, mut b) = pair();
    b.bridges[0].admin_mac = Some(MacAddr([2, 0, 0, 0, 1, 0]));
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.mismatch,
        Mismatch::SameBridgeMac(MacAddr([2, 0, 0, 0, 1, 0]))
    );
    assert_eq!(r.primary, None);
    assert_eq!(r.system_id, None);
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn mlag_disabled_on_one_side() {
    let (a, mut b) = pair();
    b.mlag.bridge = None;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.mismatch, Mismatch::MlagDisabled(Peer::B));
    assert_eq!(r.primary, None);
    assert_eq!(r.outcome(ID), Some(Outcome::HeldDown));
}

#[test]
fn vlan_filtering_mismatch_is_a_pair_error() {
    let (a, mut b) = pair();
    b.bridges[0].vlan_filtering = false;
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.mismatch, Mismatch::VlanFiltering(true, false));
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn peer_port_vlans_on_one_side_is_a_warning() {
    let (a, mut b) = pair();
    b.vlans
        .push(BridgeVlan::new("bridge1", &[30], &["sfp-sfpplus1"], &[]));
    let r = preflight(&v(&a), &v(&b));
    let f = only(&r.findings);
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(
        f.mismatch,
        Mismatch::PeerPortVlans {
            only_a: vec![],
            only_b: vec![VlanId::try_new(30).unwrap()]
        }
    );
}

// ---- the summary the running pair exchanges ----

use mlag_core::preflight::{Summary, compare};

fn variants() -> Vec<Config> {
    let (a, b) = pair();
    let mut m = a.clone();
    m.bridges[0].protocol_mode = ProtocolMode::Mstp;
    m.bridges[0].region_name = "région".into();
    m.bridges[0].region_revision = 7;
    m.mstis
        .push(Msti::new("bridge1", 1, &[10, 11, 12, 20, 4094]));
    m.mstis.push(Msti::new("bridge1", 2, &[1]));
    let mut p = b.clone();
    p.bonds[0].lacp_rate = LacpRate::Sec1;
    p.bonds[0].lacp_mode = LacpMode::Passive;
    p.bonds[0].min_links = u32::MAX;
    p.bonds[0].lacp_fallback = true;
    p.bonds[0].mlag_id = Some(u32::MAX);
    p.ports[1].edge = Edge::YesDiscover;
    p.ports[1].bpdu_guard = true;
    p.ports[1].restricted_role = true;
    p.ports[1].restricted_tcn = true;
    p.ports[1].path_cost = Some(200_000_000);
    p.ports[1].point_to_point = mlag_core::config::PointToPoint::No;
    p.mlag.heartbeat = None;
    let mut off = a.clone();
    off.mlag.bridge = None;
    vec![a, b, m, p, off]
}

#[test]
fn summary_round_trips() {
    for c in variants() {
        let s = Summary::of(&v(&c));
        let bytes = s.encode();
        assert_eq!(Summary::decode(&bytes).unwrap(), s);
    }
}

#[test]
fn compare_on_decoded_summaries_is_preflight() {
    let vs = variants();
    for x in &vs {
        for y in &vs {
            let (vx, vy) = (v(x), v(y));
            let direct = preflight(&vx, &vy);
            let sx = Summary::decode(&Summary::of(&vx).encode()).unwrap();
            let sy = Summary::decode(&Summary::of(&vy).encode()).unwrap();
            assert_eq!(compare(&sx, &sy), direct);
        }
    }
}

#[test]
fn summary_decode_is_total_and_strict() {
    for c in variants() {
        let bytes = Summary::of(&v(&c)).encode();
        // Every truncation is an error, as is a trailing byte.
        for n in 0..bytes.len() {
            assert!(Summary::decode(&bytes[..n]).is_err(), "prefix {n}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Summary::decode(&long).is_err());
        // Every single-byte corruption decodes or fails, never panics.
        for i in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= x;
                let _ = Summary::decode(&b);
            }
        }
    }
    let mut seed = 0x1234_5678_9abc_def1u64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 96) as usize;
        let junk: Vec<u8> = (0..len)
            .map(|i| (seed >> (i % 8 * 8)) as u8 ^ i as u8)
            .collect();
        let _ = Summary::decode(&junk);
    }
    // Version 2 (with `bond-flags`) is the one accepted: neither version 1 nor 3.
    assert!(Summary::decode(&[2, 0, 0, 0]).is_ok());
    assert!(Summary::decode(&[1, 0, 0, 0]).is_err(), "version 1");
    assert!(Summary::decode(&[3, 0, 0, 0]).is_err(), "version 3");
}

#[test]
fn vlan_ranges_are_canonical() {
    let c = Config::quick_setup(1);
    let s = Summary::of(&v(&c));
    let bytes = s.encode();
    let good = Summary::decode(&bytes).unwrap();
    assert_eq!(good, s);
    // A hand-made summary with touching ranges [10-10][11-11] must be refused (the encoder
    // always merges them), so one set has one encoding.
    let mut w = vec![2u8, 0];
    w.extend_from_slice(&1u16.to_be_bytes()); // one MLAG
    w.extend_from_slice(&10u32.to_be_bytes());
    w.extend_from_slice(&[0, 0, 0]);
    w.extend_from_slice(&0u32.to_be_bytes());
    w.push(0); // bond flags
    w.push(1); // port
    w.extend_from_slice(&10u16.to_be_bytes()); // pvid
    w.extend_from_slice(&2u16.to_be_bytes());
    for r in [[10u16, 10], [11, 11]] {
        w.extend_from_slice(&r[0].to_be_bytes());
        w.extend_from_slice(&r[1].to_be_bytes());
    }
    w.extend_from_slice(&0u16.to_be_bytes()); // untagged: none
    w.push(0x80);
    w.extend_from_slice(&0u32.to_be_bytes());
    w.extend_from_slice(&[0, 0]);
    assert_eq!(
        Summary::decode(&w),
        Err(mlag_core::preflight::DecodeError("tagged"))
    );
}
