//! MSTP in virtual time: the CIST across MST regions (802.1Q-2022 §13.10–13.12), RSTP and STP
//! bridges next to regions, link failures inside a region.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::Duration;
use sim_common::{Net, settle};
use stp::wire::VidToMstid;
use stp::{ForceVersion, PortState, Role};

/// A network where bridges `regions[i] = Some(name)` run MSTP in region `name` and the others
/// RSTP; `prio[i]` is bridge `i`'s priority.
fn net(regions: &[Option<&str>], prio: &[u16]) -> Net {
    let regions: Vec<Option<String>> = regions.iter().map(|r| r.map(String::from)).collect();
    let rs = regions.clone();
    let prio = prio.to_vec();
    let mut net = Net::with(rs.len(), move |i, mut c| {
        c.priority = prio[i];
        c.force_version = if rs[i].is_some() {
            ForceVersion::Mstp
        } else {
            ForceVersion::Rstp
        };
        c
    });
    let mut table = VidToMstid::all_cist();
    table.set(10, 1);
    table.set(20, 2);
    for (i, r) in regions.iter().enumerate() {
        if let Some(name) = r {
            net.bridges[i].set_mst_region(name, 1, &table).unwrap();
        }
    }
    net
}

/// Every bridge of `members` has the same CIST regional root, which is a member.
fn one_regional_root(net: &Net, members: &[usize]) -> stp::wire::BridgeId {
    let rr = net.bridges[members[0]].cist_regional_root().regional_root;
    for &m in members {
        assert_eq!(
            net.bridges[m].cist_regional_root().regional_root,
            rr,
            "bridge {m}\n{}",
            net.dump()
        );
    }
    assert!(
        members.iter().any(|&m| net.bridges[m].bridge_id() == rr),
        "the regional root is not in the region\n{}",
        net.dump()
    );
    rr
}

#[test]
fn region_of_four_in_a_ring_below_an_rstp_root() {
    // Bridges 0–3: one MST region in a ring; bridge 4: the RSTP root, linked to 0 and 2.
    let mut net = net(
        &[Some("A"), Some("A"), Some("A"), Some("A"), None],
        &[32768, 32768, 32768, 32768, 4096],
    );
    for i in 0..4 {
        net.link(i, (i + 1) % 4);
    }
    let l40 = net.link(4, 0);
    let l42 = net.link(4, 2);
    settle(&mut net, 60);
    assert!(net.bridges[4].tree().is_root);
    // The region's boundary bridge with the best external path is the regional root: bridge 0
    // (same external cost as bridge 2, lower identifier).
    let rr = one_regional_root(&net, &[0, 1, 2, 3]);
    assert_eq!(rr, net.bridges[0].bridge_id());
    // Inside the region the External Root Path Cost is the boundary's; the internal cost grows.
    for b in 0..4 {
        let t = net.bridges[b].tree();
        assert_eq!(t.root_priority.root_path_cost, 20_000, "bridge {b}");
    }
    assert_eq!(
        net.bridges[0].cist_regional_root().internal_root_path_cost,
        0
    );
    assert_eq!(
        net.bridges[1].cist_regional_root().internal_root_path_cost,
        20_000
    );
    assert_eq!(
        net.bridges[2].cist_regional_root().internal_root_path_cost,
        40_000
    );
    // Remaining hops: MaxHops at the regional root, one less per bridge.
    assert_eq!(net.bridges[0].cist_remaining_hops(), 20);
    assert_eq!(net.bridges[1].cist_remaining_hops(), 19);
    assert_eq!(net.bridges[2].cist_remaining_hops(), 18);
    // Boundary ports are exactly those facing the RSTP bridge.
    for l in [l40, l42] {
        let (b, p) = net.links[l].b;
        assert_eq!(net.bridges[b].is_boundary_port(p), Some(true));
    }
    for l in 0..4 {
        for (b, p) in [net.links[l].a, net.links[l].b] {
            assert_eq!(net.bridges[b].is_boundary_port(p), Some(false), "{b}/{p:?}");
        }
    }
    // From outside the region is one bridge: bridge 2's boundary port is not the way in, so it
    // is an Alternate port inside the region's single tree: the loop 4–0–…–2–4 is cut at 2.
    let (b, p) = net.links[l42].b;
    assert_eq!(net.end((b, p)).0, Role::Alternate, "{}", net.dump());
    // MST BPDUs were sent inside the region.
    let mst: u64 = net.bridges[..4]
        .iter()
        .flat_map(|b| b.ports())
        .map(|p| p.counters.tx_mst)
        .sum();
    assert!(mst > 0);
}

#[test]
fn region_root_inside_the_region() {
    // The best bridge is an MST bridge: it is CIST root and regional root; Message Age does not
    // grow inside the region.
    let mut net = net(
        &[Some("A"), Some("A"), Some("A"), None],
        &[4096, 32768, 32768, 32768],
    );
    net.link(0, 1);
    net.link(1, 2);
    net.link(2, 3);
    net.link(3, 0);
    settle(&mut net, 60);
    assert!(net.bridges[0].tree().is_root);
    one_regional_root(&net, &[0, 1, 2]);
    for b in 0..3 {
        assert_eq!(net.bridges[b].tree().root_priority.root_path_cost, 0);
        assert_eq!(net.bridges[b].tree().root_times.message_age.whole_secs(), 0);
    }
    // The RSTP bridge hangs off the region: its root path cost is one link.
    assert_eq!(net.bridges[3].tree().root_priority.root_path_cost, 20_000);
    assert_eq!(net.bridges[3].tree().root_times.message_age.whole_secs(), 1);
}

#[test]
fn two_regions_joined_by_rstp_bridges() {
    // Region A: 0,1,2 (ring); region B: 3,4,5 (ring); RSTP bridges 6 and 7 each join A and B.
    let mut net = net(
        &[
            Some("A"),
            Some("A"),
            Some("A"),
            Some("B"),
            Some("B"),
            Some("B"),
            None,
            None,
        ],
        &[32768, 32768, 32768, 32768, 32768, 32768, 8192, 32768],
    );
    for (a, b) in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)] {
        net.link(a, b);
    }
    net.link(6, 1);
    net.link(6, 4);
    net.link(7, 2);
    net.link(7, 5);
    settle(&mut net, 60);
    assert!(net.bridges[6].tree().is_root);
    let ra = one_regional_root(&net, &[0, 1, 2]);
    let rb = one_regional_root(&net, &[3, 4, 5]);
    assert_eq!(ra, net.bridges[1].bridge_id());
    assert_eq!(rb, net.bridges[4].bridge_id());
    // Bridge 7 hears each region as one bridge (its regional root in the Bridge Identifier
    // field): both regions are one hop from the root, so bridge 7's root path cost is 40 000.
    assert_eq!(net.bridges[7].tree().root_priority.root_path_cost, 40_000);
    // Failure of the region A's way to the root: A re-roots through bridge 7 and region B.
    net.set_link(6, false); // link 6 is 6–1
    settle(&mut net, 60);
    let ra = one_regional_root(&net, &[0, 1, 2]);
    assert_eq!(ra, net.bridges[2].bridge_id(), "{}", net.dump());
    net.set_link(6, true);
    settle(&mut net, 60);
    let ra = one_regional_root(&net, &[0, 1, 2]);
    assert_eq!(ra, net.bridges[1].bridge_id());
}

#[test]
fn internal_link_failures_reconverge() {
    // A region of five in a ring with a chord, below an RSTP root attached to bridge 0.
    let mut net = net(
        &[Some("R"), Some("R"), Some("R"), Some("R"), Some("R"), None],
        &[32768, 32768, 32768, 32768, 32768, 4096],
    );
    for i in 0..5 {
        net.link(i, (i + 1) % 5);
    }
    net.link(1, 3);
    net.link(5, 0);
    settle(&mut net, 60);
    for l in 0..6 {
        net.set_link(l, false);
        settle(&mut net, 60);
        one_regional_root(&net, &[0, 1, 2, 3, 4]);
        net.set_link(l, true);
        settle(&mut net, 60);
    }
    // The internal root port of bridge 1 going down fails over to an alternate at once (no
    // forward delay: proposal/agreement inside the region).
    let rp = net.bridges[1].tree().root_port.unwrap();
    let l = (0..net.links.len())
        .find(|&l| net.links[l].a == (1, rp) || net.links[l].b == (1, rp))
        .unwrap();
    net.set_link(l, false);
    net.run_for(Duration::from_secs(1));
    assert!(
        net.bridges[1]
            .ports()
            .any(|p| p.role == Role::Root && p.state == PortState::Forwarding),
        "{}",
        net.dump()
    );
}

#[test]
fn mstp_bridge_next_to_an_stp_bridge() {
    let mut net = Net::with(3, |i, mut c| {
        c.force_version = match i {
            0 | 1 => ForceVersion::Mstp,
            _ => ForceVersion::Stp,
        };
        c.priority = if i == 2 { 4096 } else { 32768 };
        c
    });
    net.link(0, 1);
    let l = net.link(1, 2);
    net.link(2, 0);
    settle(&mut net, 120);
    assert!(net.bridges[2].tree().is_root);
    let (b, p) = net.links[l].a;
    assert!(!net.bridges[b].port(p).unwrap().send_rstp, "{}", net.dump());
    assert_eq!(net.bridges[b].is_boundary_port(p), Some(true));
    one_regional_root(&net, &[0, 1]);
}

#[test]
fn remaining_hops_bound_the_region() {
    // A line of eight MST bridges with MaxHops 6: information from the regional root (bridge 0)
    // is discarded where its remaining hops run out (802.1Q-2022 §13.29.34).
    let mut net = Net::with(8, |i, mut c| {
        c.force_version = ForceVersion::Mstp;
        c.max_hops = 6;
        c.priority = if i == 0 { 4096 } else { 32768 };
        c
    });
    for i in 0..7 {
        net.link(i, i + 1);
    }
    net.run_for(Duration::from_secs(60));
    let root = net.bridges[0].bridge_id();
    for b in 0..6 {
        assert_eq!(
            net.bridges[b].cist_remaining_hops(),
            6 - b as u8,
            "bridge {b}"
        );
        assert_eq!(net.bridges[b].tree().root_priority.root, root, "bridge {b}");
    }
    assert_ne!(
        net.bridges[7].tree().root_priority.root,
        root,
        "{}",
        net.dump()
    );
}

/// The MSTI `mstid` over the bridges `members` (one region, joined by links between members):
/// exactly one MSTI regional root, everyone agrees on it, the links forwarding at both ends
/// form a spanning tree of the members (no loop, all reachable), every link has a Designated
/// end.
fn check_msti(net: &Net, members: &[usize], mstid: u16) -> Result<stp::wire::BridgeId, String> {
    let mut report = String::new();
    let roots: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&b| net.bridges[b].msti(mstid).unwrap().is_root)
        .collect();
    if roots.len() != 1 {
        report += &format!("MSTI {mstid}: roots {roots:?}\n");
    }
    let rr = net.bridges[members[0]]
        .msti(mstid)
        .unwrap()
        .root_priority
        .regional_root;
    for &b in members {
        if net.bridges[b]
            .msti(mstid)
            .unwrap()
            .root_priority
            .regional_root
            != rr
        {
            report += &format!("MSTI {mstid}: bridge {b} disagrees on the root\n");
        }
    }
    let mut comp: Vec<usize> = (0..net.bridges.len()).collect();
    fn find(c: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while c[r] != r {
            r = c[r];
        }
        c[x] = r;
        r
    }
    for (i, l) in net.links.iter().enumerate() {
        if !l.up || !members.contains(&l.a.0) || !members.contains(&l.b.0) {
            continue;
        }
        let (ra, sa) = net.bridges[l.a.0].msti_port(l.a.1, mstid).unwrap();
        let (rb, sb) = net.bridges[l.b.0].msti_port(l.b.1, mstid).unwrap();
        if [ra, rb].iter().filter(|r| **r == Role::Designated).count() != 1 {
            report += &format!("MSTI {mstid}: link {i}: roles {ra:?} {rb:?}\n");
        }
        if sa == PortState::Forwarding && sb == PortState::Forwarding {
            let (x, y) = (find(&mut comp, l.a.0), find(&mut comp, l.b.0));
            if x == y {
                report += &format!("MSTI {mstid}: link {i}: loop\n");
            }
            comp[x] = y;
        }
    }
    for &b in members {
        if find(&mut comp, b) != find(&mut comp, members[0]) {
            report += &format!("MSTI {mstid}: bridge {b} unreachable\n");
        }
    }
    if !report.is_empty() {
        for (b, br) in net.bridges.iter().enumerate() {
            if !members.contains(&b) {
                continue;
            }
            let m = br.msti(mstid).unwrap();
            report += &format!(
                "msti {mstid} bridge {b}: root {:?} cost {} rp {:?}\n",
                m.root_priority.regional_root, m.root_priority.internal_root_path_cost, m.root_port
            );
            for p in br.ports() {
                report += &format!(
                    "  port {}: {:?}\n",
                    p.port.get(),
                    br.msti_port(p.port, mstid)
                );
            }
        }
    }
    if report.is_empty() {
        Ok(rr)
    } else {
        Err(report + &net.dump())
    }
}

#[test]
fn two_mstis_in_a_region_of_four_have_their_own_roots() {
    // A ring of four with a chord, one region; MSTI 1 (VLAN 10) rooted at bridge 1, MSTI 2
    // (VLAN 20) at bridge 3 by MSTI priority; the CIST rooted at bridge 0 by bridge priority.
    let mut net = net(
        &[Some("A"), Some("A"), Some("A"), Some("A")],
        &[4096, 32768, 32768, 32768],
    );
    let now = net.now;
    net.bridges[1].set_msti_priority(now, 1, 4096).unwrap();
    net.bridges[3].set_msti_priority(now, 2, 4096).unwrap();
    for i in 0..4 {
        net.link(i, (i + 1) % 4);
    }
    net.link(0, 2);
    settle(&mut net, 120);
    if std::env::var("STP_TRACE").is_ok() {
        for b in 0..4 {
            for (t, e) in &net.events[b] {
                eprintln!("b{b} {t:?} {e:?}");
            }
        }
    }
    assert_eq!(net.bridges[0].mstids().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(net.bridges[0].mstid_of_vid(10), 1);
    let r1 = check_msti(&net, &[0, 1, 2, 3], 1).unwrap_or_else(|e| panic!("{e}"));
    let r2 = check_msti(&net, &[0, 1, 2, 3], 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r1, net.bridges[1].msti(1).unwrap().bridge_id);
    assert_eq!(r2, net.bridges[3].msti(2).unwrap().bridge_id);
    assert_eq!(r1.system_id_extension(), 1);
    assert!(net.bridges[0].tree().is_root);
    // The trees differ: each MSTI blocks its own links.
    let blocked = |mstid: u16| -> Vec<(usize, u16)> {
        let mut v = Vec::new();
        for (b, br) in net.bridges.iter().enumerate() {
            for p in br.ports() {
                if br.msti_port(p.port, mstid).unwrap().1 != PortState::Forwarding {
                    v.push((b, p.port.get()));
                }
            }
        }
        v
    };
    assert_ne!(blocked(1), blocked(2), "{}", net.dump());
    // A link failure per tree: every MSTI reconverges.
    for l in 0..5 {
        net.set_link(l, false);
        settle(&mut net, 120);
        let live: Vec<usize> = (0..4).collect();
        check_msti(&net, &live, 1).unwrap_or_else(|e| panic!("link {l} down: {e}"));
        check_msti(&net, &live, 2).unwrap_or_else(|e| panic!("link {l} down: {e}"));
        net.set_link(l, true);
        settle(&mut net, 120);
    }
}

#[test]
fn mstis_at_a_region_boundary_follow_the_cist() {
    // Region 0–1–2 (ring) below an RSTP root 3 attached to bridges 0 and 2: on the boundary
    // ports the MSTI roles follow the CIST; the CIST Root Port of the regional root is the
    // Master Port of every MSTI.
    let mut net = net(
        &[Some("A"), Some("A"), Some("A"), None],
        &[32768, 32768, 32768, 4096],
    );
    for (a, b) in [(0, 1), (1, 2), (2, 0)] {
        net.link(a, b);
    }
    let l30 = net.link(3, 0);
    let l32 = net.link(3, 2);
    settle(&mut net, 120);
    for mstid in [1, 2] {
        check_msti(&net, &[0, 1, 2], mstid).unwrap_or_else(|e| panic!("{e}"));
    }
    let (b, p) = net.links[l30].b;
    assert_eq!(net.bridges[b].port(p).unwrap().role, Role::Root);
    assert_eq!(
        net.bridges[b].msti_port(p, 1).unwrap(),
        (Role::Master, PortState::Forwarding),
        "{}",
        net.dump()
    );
    let e = net.bridges[b].explain(p, 1).unwrap();
    assert_eq!(
        (e.tree, e.role, e.state),
        (1, Role::Master, PortState::Forwarding)
    );
    assert!(net.bridges[b].explain(p, 3).is_none());
    // Every MSTI port explains the role it has.
    for br in &net.bridges[..3] {
        for ps in br.ports() {
            for mstid in [1, 2] {
                let e = br.explain(ps.port, mstid).unwrap();
                assert_eq!((e.role, e.state), br.msti_port(ps.port, mstid).unwrap());
            }
        }
    }
    let (b, p) = net.links[l32].b;
    assert_eq!(net.bridges[b].msti_port(p, 2).unwrap().0, Role::Alternate);
    assert_eq!(
        net.bridges[b].msti_port(p, 2).unwrap().1,
        PortState::Discarding
    );
}
