//! The pair as ONE logical MSTP bridge, in virtual time: Peer1 and Peer2 (Quick setup with
//! `protocol-mode=mstp`, region `r1` revision 1, MSTI 1 = VLAN 10, MSTI 2 = VLAN 20) wired by
//! their peer-ports; a client with an LACP bond of one link to each peer and an RSTP bridge on
//! that bond (a boundary port of the region); a plain MSTP bridge X (`stp::Bridge`, same region
//! unless a test says otherwise) with one link to each peer's single-homed `ether1`, so
//! X–Peer1–peer-link–Peer2–X is a loop each tree must break on its own.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use core::time::Duration;
use l2_types::{Instant, PortNo};
use mlag_core::config::{Config, Msti, PortMstOverride, ProtocolMode};
use mlag_core::coordinator::LinkState;
use mlag_core::dataplane::{CIST, PortState};

mod stp_pair;
use stp_pair::*;

const REGION: &str = "r1";
const MSTI_A: u16 = 1; // VLAN 10: the pair is its regional root
const MSTI_B: u16 = 2; // VLAN 20: X is its regional root

/// Both peers in MSTP with the two MSTIs; the pair has priority 0x1000 on MSTI 1, 0x8000 on
/// MSTI 2. Peer2's `ether1` has a lower internal path cost on MSTI 2 than auto (2000 at
/// 10 Gb/s, 802.1Q Table 13-4), so the pair's MSTI 2 root port is Peer2's — the secondary's
/// port, whose override reaches the primary's bridge through the relay.
fn mstp_pair(region: &str) -> [Config; 2] {
    [1, 2].map(|p| {
        let mut c = Config::quick_setup(p);
        c.bridges[0].protocol_mode = ProtocolMode::Mstp;
        c.bridges[0].region_name = region.to_string();
        c.bridges[0].region_revision = 1;
        let mut a = Msti::new("bridge1", MSTI_A, &[10]);
        a.priority = 0x1000;
        c.mstis = vec![a, Msti::new("bridge1", MSTI_B, &[20])];
        if p == 2 {
            let mut o = PortMstOverride::new("ether1", MSTI_B);
            o.internal_path_cost = Some(1000);
            c.port_mst_overrides.push(o);
        }
        c
    })
}

/// The region's VLAN map as `stp` builds it alone.
fn table() -> stp::wire::VidToMstid {
    let mut t = stp::wire::VidToMstid::all_cist();
    t.set(10, MSTI_A);
    t.set(20, MSTI_B);
    t
}

/// A plain MSTP bridge in region `region` (revision 1, same map), regional root of MSTI 2.
fn x_bridge(region: &str) -> stp::Bridge {
    let mut xc = stp::BridgeConfig::new(XMAC);
    xc.force_version = stp::ForceVersion::Mstp;
    let mut x = stp::Bridge::new(xc).unwrap();
    x.set_mst_region(region, 1, &table()).unwrap();
    x.set_msti_priority(Instant::ZERO, MSTI_B, 0x1000).unwrap();
    x
}

fn converged(region: &str) -> Net {
    let mut n = Net::with_x(mstp_pair(REGION), x_bridge(region));
    n.run_for(Duration::from_secs(40));
    n
}

fn dp(n: &Net, i: usize, port: PortNo, tree: u16) -> PortState {
    n.peers[i].dataplane().port_state(port, tree)
}

/// The ports of the loop X–Peer1–peer-link–Peer2–X on `tree`, forwarding or not: X's two
/// ports and each peer's `ether1` in its dataplane (the peer-link forwards on every tree).
fn loop_states(n: &Net, tree: u16) -> [bool; 4] {
    let x = |p: u16| {
        let s = if tree == CIST {
            n.x.port(PortNo(p)).unwrap().state
        } else {
            n.x.msti_port(PortNo(p), tree).unwrap().1
        };
        s == PortState::Forwarding
    };
    [
        x(1),
        x(2),
        dp(n, 0, n.ether1[0], tree) == PortState::Forwarding,
        dp(n, 1, n.ether1[1], tree) == PortState::Forwarding,
    ]
}

#[test]
fn one_region_both_peers_and_the_neighbour_compute_the_same_identifier() {
    let n = converged(REGION);
    let want = stp::wire::MstConfigId::new(REGION, 1, &table());
    for i in 0..2 {
        assert_eq!(*n.bridge(i).mst_config_id(), want, "peer {i}");
        assert_eq!(
            n.bridge(i).mstids().collect::<Vec<_>>(),
            vec![MSTI_A, MSTI_B]
        );
    }
    assert_eq!(n.x.mst_config_id().digest, want.digest, "X's digest");
    assert_eq!(
        n.bridge(0).fingerprint(),
        n.bridge(1).fingerprint(),
        "the replica runs the primary's bridge"
    );
    // X sees the pair inside its region on both links.
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(false), "X port {p}");
    }
    // The MLAG port faces an RSTP client: a boundary port.
    let l = n.peers[0].stp_mlag_port(ID).unwrap();
    assert_eq!(n.bridge(0).is_boundary_port(l), Some(true));
}

#[test]
fn per_msti_roots_are_honoured_and_each_tree_is_loop_free() {
    let n = converged(REGION);
    let pair = n.bridge(0);
    assert!(pair.tree().is_root, "CIST: the pair (lower MAC)");
    assert!(
        pair.msti(MSTI_A).unwrap().is_root,
        "MSTI 1: the pair (0x1000)"
    );
    assert!(!pair.msti(MSTI_B).unwrap().is_root);
    assert!(n.x.msti(MSTI_B).unwrap().is_root, "MSTI 2: X (0x1000)");
    assert!(!n.x.msti(MSTI_A).unwrap().is_root);
    // Exactly one port of the loop discards on every tree: loop-free, nothing cut off.
    for tree in [CIST, MSTI_A, MSTI_B] {
        let s = loop_states(&n, tree);
        assert_eq!(
            s.iter().filter(|f| !**f).count(),
            1,
            "tree {tree}: one blocked port in {s:?}"
        );
    }
    // Per tree a different place: on MSTI 1 and the CIST X blocks its port 2; on MSTI 2 the
    // pair's root port is Peer2's ether1 (its override: internal cost 1000) and Peer1's is
    // the Alternate.
    assert_eq!(loop_states(&n, MSTI_A), [true, false, true, true]);
    assert_eq!(loop_states(&n, MSTI_B), [true, true, false, true]);
    let l2 = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(h, _)| *h == n.ether1[1])
        .unwrap()
        .1;
    assert_eq!(pair.msti(MSTI_B).unwrap().root_port, Some(l2));
    // The bridge and the dataplanes agree on every tree, both peers.
    for i in 0..2 {
        for (host, l) in n.peers[i].stp_ports() {
            for tree in [MSTI_A, MSTI_B] {
                let want = n.bridge(i).msti_port(l, tree).unwrap().1;
                assert_eq!(
                    dp(&n, i, host, tree),
                    want,
                    "peer {i} port {host:?} tree {tree}"
                );
            }
        }
        let pp = n.peers[i].peer_port();
        for tree in [CIST, MSTI_A, MSTI_B] {
            assert_eq!(dp(&n, i, pp, tree), PortState::Forwarding, "peer-port");
        }
    }
}

#[test]
fn mlag_halves_forward_on_every_msti_and_a_member_cut_keeps_them() {
    let mut n = converged(REGION);
    for i in 0..2 {
        let bond = n.peers[i].stp_ports();
        let l = n.peers[i].stp_mlag_port(ID).unwrap();
        let host = bond.iter().find(|(_, x)| *x == l).unwrap().0;
        for tree in [CIST, MSTI_A, MSTI_B] {
            assert_eq!(
                dp(&n, i, host, tree),
                PortState::Forwarding,
                "peer {i} tree {tree}"
            );
        }
    }
    // The client's link to Peer1 fails: the MLAG port stays up through Peer2's half.
    let now = n.now;
    let s = n.slave[0];
    n.peers[0].handle_link(now, s, LinkState::Down);
    n.client.handle_link(now, PortNo(1), LinkState::Down);
    n.run_for(Duration::from_secs(5));
    let l = n.peers[1].stp_mlag_port(ID).unwrap();
    let host = n.peers[1]
        .stp_ports()
        .into_iter()
        .find(|(_, x)| *x == l)
        .unwrap()
        .0;
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            n.bridge(1)
                .msti_port(l, tree)
                .map_or_else(|| n.bridge(1).port(l).unwrap().state, |x| x.1),
            PortState::Forwarding,
            "bridge, tree {tree}"
        );
        assert_eq!(
            dp(&n, 1, host, tree),
            PortState::Forwarding,
            "Peer2's half, tree {tree}"
        );
    }
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(loop_states(&n, tree).iter().filter(|f| !**f).count(), 1);
    }
}

#[test]
fn a_region_mismatch_makes_the_neighbour_see_a_boundary() {
    let n = converged("other");
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(true), "X port {p}");
    }
    assert_ne!(n.x.mst_config_id(), n.bridge(0).mst_config_id());
    // Across a boundary the MSTIs follow the CIST (802.1Q-2018 §13.36): X is no MSTI 2 root
    // for the pair, which is the regional root of everything on its side.
    assert!(n.bridge(0).msti(MSTI_B).unwrap().is_root);
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}

#[test]
fn region_and_msti_priority_change_at_run_time_in_place() {
    let mut n = converged(REGION);
    // MSTI 2's priority on the pair drops below X's: the pair becomes its regional root.
    let mut cfgs = mstp_pair(REGION);
    for c in &mut cfgs {
        c.mstis[1].priority = 0;
    }
    let now = n.now;
    for (i, c) in cfgs.iter().enumerate() {
        let old = n.peers[i].config().clone();
        let new = c.clone().validate().unwrap();
        let ch = mlag_core::config::diff(&old, &new);
        n.peers[i].apply(now, new, &ch).unwrap();
    }
    n.run_for(Duration::from_secs(10));
    for i in 0..2 {
        assert!(n.bridge(i).msti(MSTI_B).unwrap().is_root, "peer {i}");
    }
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(loop_states(&n, MSTI_B), [true, false, true, true]);

    // A new region name on both peers: X (still "r1") now sees a boundary; in place, no
    // restart, the replica follows.
    let mut cfgs2 = cfgs.clone();
    for c in &mut cfgs2 {
        c.bridges[0].region_name = "r2".to_string();
    }
    let now = n.now;
    for (i, c) in cfgs2.iter().enumerate() {
        let old = n.peers[i].config().clone();
        let new = c.clone().validate().unwrap();
        let ch = mlag_core::config::diff(&old, &new);
        n.peers[i].apply(now, new, &ch).unwrap();
    }
    n.run_for(Duration::from_secs(40));
    let want = stp::wire::MstConfigId::new("r2", 1, &table());
    for i in 0..2 {
        assert_eq!(*n.bridge(i).mst_config_id(), want);
    }
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    for p in 1..=2 {
        assert_eq!(n.x.is_boundary_port(PortNo(p)), Some(true));
    }
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}

#[test]
fn preflight_reports_a_region_mismatch_between_the_peers() {
    let [a, mut b] = mstp_pair(REGION);
    b.bridges[0].region_revision = 2;
    let r = mlag_core::preflight::preflight(&a.validate().unwrap(), &b.validate().unwrap());
    assert!(
        r.findings
            .iter()
            .any(|f| f.mismatch == mlag_core::preflight::Mismatch::MstRegion),
        "{r:?}"
    );
    // The same configurations: no region finding.
    let [a, b] = mstp_pair(REGION);
    let r = mlag_core::preflight::preflight(&a.validate().unwrap(), &b.validate().unwrap());
    assert!(
        !r.findings
            .iter()
            .any(|f| f.mismatch == mlag_core::preflight::Mismatch::MstRegion)
    );
}

#[test]
fn without_mstp_nothing_changes() {
    // RSTP pair: no region entry, the default identifier.
    let cfgs = [1, 2].map(Config::quick_setup);
    let mut xc = stp::BridgeConfig::new(XMAC);
    xc.priority = 0x8000;
    let mut n = Net::with_x(cfgs, stp::Bridge::new(xc).unwrap());
    n.run_for(Duration::from_secs(40));
    assert_eq!(n.bridge(0).mstids().count(), 0);
    assert_eq!(
        *n.bridge(0).mst_config_id(),
        stp::wire::MstConfigId::new("", 0, &stp::wire::VidToMstid::all_cist())
    );
}

#[test]
fn primary_crash_the_survivor_keeps_the_region_and_every_tree() {
    let mut n = converged(REGION);
    let id = *n.bridge(0).mst_config_id();
    n.crash(0);
    n.run_for(Duration::from_secs(10));
    assert_eq!(*n.bridge(1).mst_config_id(), id, "same identifier");
    assert_eq!(
        n.x.is_boundary_port(PortNo(2)),
        Some(false),
        "still one region for X"
    );
    let l = n.peers[1].stp_mlag_port(ID).unwrap();
    for tree in [MSTI_A, MSTI_B] {
        assert_eq!(
            n.bridge(1).msti_port(l, tree).unwrap().1,
            PortState::Forwarding
        );
        // X–Peer2 is the only path left: forwarding on every tree on both ends.
        assert_eq!(
            n.x.msti_port(PortNo(2), tree).unwrap().1,
            PortState::Forwarding
        );
        assert_eq!(
            dp(&n, 1, n.ether1[1], tree),
            PortState::Forwarding,
            "tree {tree}"
        );
    }
    // The rebooted peer rejoins and replays the survivor's region.
    n.restart(0, mstp_pair(REGION)[0].clone());
    n.run_for(Duration::from_secs(60));
    assert_eq!(*n.bridge(0).mst_config_id(), id);
    assert_eq!(n.bridge(0).fingerprint(), n.bridge(1).fingerprint());
    assert_eq!(n.mlag_port(0).1, PortState::Forwarding);
    for tree in [CIST, MSTI_A, MSTI_B] {
        assert_eq!(
            loop_states(&n, tree).iter().filter(|f| !**f).count(),
            1,
            "tree {tree}"
        );
    }
}
