//! The MSTI machines in virtual time (802.1Q clause 13): an MSTI reconverges by
//! proposal/agreement inside the region, a topology change on one MSTI flushes that tree only,
//! internal path costs steer the CIST and each MSTI inside the region, and two regions next to
//! RSTP and STP bridges keep every tree loop-free with the boundary ports' MSTI roles and states
//! following the CIST.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, PortNo};
use sim_common::{Net, settle};
use stp::wire::VidToMstid;
use stp::{Event, ForceVersion, PathCost, PortState, Role};

/// Bridge `i` runs MSTP in region `regions[i]` (`Some`), RSTP (`None`) or STP (`Some("")` is
/// not used: `stp[i]`); `prio[i]` is its CIST priority. Region "A" maps VLAN 10 → MSTI 1 and
/// VLAN 20 → MSTI 2; region "B" maps VLAN 10 → MSTI 1, VLAN 20 → MSTI 2, VLAN 30 → MSTI 3.
fn net(regions: &[Option<&str>], stp: &[bool], prio: &[u16]) -> Net {
    let rs: Vec<Option<String>> = regions.iter().map(|r| r.map(String::from)).collect();
    let stp = stp.to_vec();
    let prio = prio.to_vec();
    let kinds = rs.clone();
    let mut net = Net::with(rs.len(), move |i, mut c| {
        c.priority = prio[i];
        c.force_version = if kinds[i].is_some() {
            ForceVersion::Mstp
        } else if stp[i] {
            ForceVersion::Stp
        } else {
            ForceVersion::Rstp
        };
        c
    });
    for (i, r) in rs.iter().enumerate() {
        let Some(name) = r else { continue };
        let mut table = VidToMstid::all_cist();
        table.set(10, 1);
        table.set(20, 2);
        if name == "B" {
            table.set(30, 3);
        }
        net.bridges[i].set_mst_region(name, 1, &table).unwrap();
    }
    net
}

fn find(c: &mut [usize], x: usize) -> usize {
    let mut r = x;
    while c[r] != r {
        r = c[r];
    }
    c[x] = r;
    r
}

/// The MSTI `mstid` over the region members `members`, using only links between members: one
/// MSTI regional root per connected part (the part's best MSTI bridge identifier), agreed by
/// every bridge of the part; every link has exactly one Designated end; the links forwarding at
/// both ends form a spanning tree of each part (no loop, everyone reachable); every Root,
/// Designated or Master port forwards and every Alternate or Backup port discards.
fn check_msti(net: &Net, members: &[usize], mstid: u16) -> Result<(), String> {
    let n = net.bridges.len();
    let mut part: Vec<usize> = (0..n).collect();
    let mut fwd: Vec<usize> = (0..n).collect();
    let mut report = String::new();
    let inside =
        |l: &sim_common::Link| l.up && members.contains(&l.a.0) && members.contains(&l.b.0);
    for l in net.links.iter().filter(|l| inside(l)) {
        let (x, y) = (find(&mut part, l.a.0), find(&mut part, l.b.0));
        part[x] = y;
    }
    for (i, l) in net.links.iter().enumerate().filter(|(_, l)| inside(l)) {
        let (ra, sa) = net.bridges[l.a.0].msti_port(l.a.1, mstid).unwrap();
        let (rb, sb) = net.bridges[l.b.0].msti_port(l.b.1, mstid).unwrap();
        if [ra, rb].iter().filter(|r| **r == Role::Designated).count() != 1 {
            report += &format!("MSTI {mstid} link {i}: roles {ra:?} {rb:?}\n");
        }
        for (r, s) in [(ra, sa), (rb, sb)] {
            let want = if matches!(r, Role::Root | Role::Designated | Role::Master) {
                PortState::Forwarding
            } else {
                PortState::Discarding
            };
            if s != want {
                report += &format!("MSTI {mstid} link {i}: {r:?} port is {s:?}\n");
            }
        }
        if sa == PortState::Forwarding && sb == PortState::Forwarding {
            let (x, y) = (find(&mut fwd, l.a.0), find(&mut fwd, l.b.0));
            if x == y {
                report += &format!("MSTI {mstid} link {i}: loop\n");
            }
            fwd[x] = y;
        }
    }
    for &x in members {
        let mx = net.bridges[x].msti(mstid).unwrap();
        let group: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&y| find(&mut part, y) == find(&mut part, x))
            .collect();
        let roots = group
            .iter()
            .filter(|&&y| net.bridges[y].msti(mstid).unwrap().is_root)
            .count();
        if roots != 1 {
            report += &format!("MSTI {mstid}: {roots} regional roots in the part of {x}\n");
        }
        let best = group
            .iter()
            .map(|&y| net.bridges[y].msti(mstid).unwrap().bridge_id)
            .min()
            .unwrap();
        if mx.root_priority.regional_root != best {
            report += &format!("MSTI {mstid}: bridge {x}: root is not the best of its part\n");
        }
        for &y in &group {
            if find(&mut fwd, x) != find(&mut fwd, y) {
                report += &format!("MSTI {mstid}: bridges {x} and {y} not joined by the tree\n");
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        for &b in members {
            let m = net.bridges[b].msti(mstid).unwrap();
            report += &format!(
                "bridge {b}: root {:?} cost {} rp {:?}\n",
                m.root_priority.regional_root, m.root_priority.internal_root_path_cost, m.root_port
            );
            for p in net.bridges[b].ports() {
                report += &format!("  {}\n", net.bridges[b].explain(p.port, mstid).unwrap());
            }
        }
        Err(report)
    }
}

/// On every boundary port of an MST bridge, each MSTI's role follows the CIST (a CIST Root
/// Port whose information comes from outside the region is the Master Port, an Alternate stays
/// Alternate) and the MSTI forwarding state equals the CIST's, so an MSTI's VLANs cross the
/// boundary exactly where the CIST's do.
fn check_boundaries(net: &Net, mst: &[usize]) -> Result<(), String> {
    let mut report = String::new();
    for &b in mst {
        let br = &net.bridges[b];
        for p in br.ports() {
            if !p.enabled || br.is_boundary_port(p.port) != Some(true) {
                continue;
            }
            for mstid in br.mstids() {
                let (role, state) = br.msti_port(p.port, mstid).unwrap();
                let want = match p.role {
                    Role::Root => Role::Master,
                    r => r,
                };
                if role != want || state != p.state {
                    report += &format!(
                        "bridge {b} port {}: CIST {:?}/{:?} but MSTI {mstid} {role:?}/{state:?}\n",
                        p.port.get(),
                        p.role,
                        p.state
                    );
                }
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report + &net.dump())
    }
}

/// Steps the network until `ok` holds, at most `limit` of virtual time; the time it took.
fn time_until(net: &mut Net, limit: Duration, ok: impl Fn(&Net) -> bool) -> Option<Duration> {
    let start = net.now;
    let end = start + limit;
    loop {
        if ok(net) {
            return Some(net.now.saturating_duration_since(start));
        }
        if !net.step(end) {
            return ok(net).then(|| net.now.saturating_duration_since(start));
        }
    }
}

#[test]
fn msti_reconverges_by_proposal_agreement_inside_the_region() {
    // A ring of six MST bridges; the CIST is rooted at bridge 0 and MSTI 1 at bridge 3 (MSTI
    // priority), so the two trees block different links. Cutting one of MSTI 1's forwarding
    // links next to its root makes the bridges on that side re-root through the far side of
    // the ring: new Root Ports and new Designated Ports down a chain of k = 5 bridges.
    let mut net = net(
        &[Some("A"); 6],
        &[false; 6],
        &[4096, 32768, 32768, 32768, 32768, 32768],
    );
    let now = net.now;
    net.bridges[3].set_msti_priority(now, 1, 4096).unwrap();
    for i in 0..6 {
        net.link(i, (i + 1) % 6);
    }
    settle(&mut net, 60);
    let all: Vec<usize> = (0..6).collect();
    check_msti(&net, &all, 1).unwrap_or_else(|e| panic!("{e}"));
    check_msti(&net, &all, 2).unwrap_or_else(|e| panic!("{e}"));
    assert!(net.bridges[3].msti(1).unwrap().is_root);
    // Link 2 joins bridges 2 and 3: bridge 2's MSTI 1 Root Port.
    let (b, p) = net.links[2].a;
    assert_eq!(b, 2);
    assert_eq!(
        net.bridges[2].msti_port(p, 1).unwrap(),
        (Role::Root, PortState::Forwarding)
    );
    net.set_link(2, false);
    // Each proposal/agreement round trip costs two link delays (1 ms each) plus nothing else in
    // virtual time; k = 5 bridges re-root in turn. Without the handshake every new Designated
    // Port would wait 2 × forwardDelay (2 × Hello Time = 4 s for RSTP neighbours; 2 × Forward
    // Delay = 30 s for the old MSTI simplification).
    let link = net.links[0].delay;
    let k = 5u32;
    let bound = link * (2 * k + 2);
    let t = time_until(&mut net, Duration::from_secs(60), |n| {
        check_msti(n, &all, 1).is_ok()
    })
    .unwrap_or_else(|| panic!("MSTI 1 did not reconverge\n{}", net.dump()));
    eprintln!("MSTI 1 reconverged in {t:?} (bound {bound:?})");
    assert!(
        t <= bound,
        "MSTI 1 took {t:?} to reconverge; k = {k} proposal/agreement round trips allow {bound:?}"
    );
    // The forwarding delay path was not used: no port passed through Learning for a Forward
    // Delay on MSTI 1 — it stays converged, and the CIST is unharmed.
    settle(&mut net, 60);
    check_msti(&net, &all, 1).unwrap_or_else(|e| panic!("{e}"));
    check_msti(&net, &all, 2).unwrap_or_else(|e| panic!("{e}"));
    // Restoring the link: the MSTI takes it back as fast.
    net.set_link(2, true);
    let t = time_until(&mut net, Duration::from_secs(60), |n| {
        check_msti(n, &all, 1).is_ok()
            && n.bridges[2].msti_port(p, 1) == Some((Role::Root, PortState::Forwarding))
    })
    .unwrap();
    assert!(t <= bound, "restoration took {t:?}, bound {bound:?}");
}

#[test]
fn a_topology_change_on_one_msti_flushes_that_tree_only() {
    // Ring 0–1–2–3–0. CIST and MSTI 2 are rooted at bridge 0 (so the link 2–3 is blocked on
    // both, bridge 2 reaching bridge 0 through bridge 1); MSTI 1 is rooted at bridge 2, where
    // the link 2–3 forwards and the link 3–0 is blocked.
    let mut net = net(&[Some("A"); 4], &[false; 4], &[4096, 32768, 32768, 32768]);
    let now = net.now;
    net.bridges[2].set_msti_priority(now, 1, 4096).unwrap();
    net.bridges[0].set_msti_priority(now, 2, 4096).unwrap();
    for i in 0..4 {
        net.link(i, (i + 1) % 4);
    }
    settle(&mut net, 60);
    let all: Vec<usize> = (0..4).collect();
    for mstid in [1, 2] {
        check_msti(&net, &all, mstid).unwrap_or_else(|e| panic!("{e}"));
    }
    let l23 = 2;
    let (a, b) = (net.links[l23].a, net.links[l23].b);
    assert_eq!((a.0, b.0), (2, 3));
    let blocked = |n: &Net, mstid: u16| {
        [a, b].iter().any(|&(x, p)| {
            let s = if mstid == 0 {
                n.bridges[x].port(p).unwrap().state
            } else {
                n.bridges[x].msti_port(p, mstid).unwrap().1
            };
            s != PortState::Forwarding
        })
    };
    assert!(
        blocked(&net, 0) && blocked(&net, 2) && !blocked(&net, 1),
        "{}",
        net.dump()
    );
    let start: Vec<usize> = net.events.iter().map(Vec::len).collect();
    net.set_link(l23, false);
    settle(&mut net, 60);
    for mstid in [1, 2] {
        check_msti(&net, &all, mstid).unwrap_or_else(|e| panic!("{e}"));
    }
    let mut tc_trees = std::collections::BTreeSet::new();
    let mut flushed_1 = Vec::new();
    for (x, evs) in net.events.iter().enumerate() {
        for (_, e) in &evs[start[x]..] {
            match *e {
                Event::TopologyChange { tree, .. } => {
                    tc_trees.insert(tree);
                }
                Event::FlushFdb { port, tree } => {
                    let dead = (x, port) == a || (x, port) == b;
                    if tree == 1 {
                        if !dead {
                            flushed_1.push((x, port));
                        }
                    } else {
                        // On the CIST and MSTI 2 only the ports that went down are flushed.
                        assert!(dead, "bridge {x}: flush of {port:?} on tree {tree}");
                    }
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        tc_trees.into_iter().collect::<Vec<_>>(),
        [1],
        "topology changes on other trees"
    );
    // The change was propagated on MSTI 1: ports of other bridges flushed their MSTI 1 entries.
    assert!(
        flushed_1.iter().any(|&(x, _)| x != 2 && x != 3),
        "MSTI 1 flushes: {flushed_1:?}"
    );
}

#[test]
fn internal_path_costs_steer_the_cist_and_each_msti_inside_the_region() {
    // A triangle region 0, 1, 2 below an RSTP root 3 attached to bridge 0. Bridge 2 reaches the
    // regional root (bridge 0) directly or through bridge 1.
    let mut net = net(
        &[Some("A"), Some("A"), Some("A"), None],
        &[false; 4],
        &[32768, 32768, 32768, 4096],
    );
    net.link(0, 1);
    net.link(1, 2);
    let direct = net.link(2, 0);
    net.link(3, 0);
    settle(&mut net, 60);
    let (b2, p2) = net.links[direct].a;
    assert_eq!(b2, 2);
    assert_eq!(net.bridges[2].tree().root_port, Some(p2));
    let external = net.bridges[2].tree().root_priority.root_path_cost;
    assert_eq!(
        net.bridges[2].cist_regional_root().internal_root_path_cost,
        20_000
    );
    // A high CIST internal cost on bridge 2's direct port: the CIST goes round through bridge
    // 1; the external cost (what RSTP bridges see) does not change.
    let mut cfg = stp::PortConfig::new(sim_common::port_mac(2, p2.get()));
    cfg.internal_path_cost = Some(PathCost::Fixed(100_000));
    let now = net.now;
    net.bridges[2].set_port_config(now, p2, cfg).unwrap();
    settle(&mut net, 60);
    assert_ne!(net.bridges[2].tree().root_port, Some(p2), "{}", net.dump());
    assert_eq!(
        net.bridges[2].cist_regional_root().internal_root_path_cost,
        40_000
    );
    assert_eq!(net.bridges[2].tree().root_priority.root_path_cost, external);
    assert_eq!(net.bridges[2].port(p2).unwrap().path_cost, 20_000);
    // The MSTIs follow the CIST's internal cost by default ...
    let all = [0, 1, 2];
    check_msti(&net, &all, 1).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(net.bridges[2].msti(1).unwrap().root_port, Some(p2));
    // ... and MSTI 1 has its own: cheap on the direct port, MSTI 1 goes direct while the CIST
    // and MSTI 2 go round.
    net.bridges[2]
        .set_msti_port(now, p2, 1, 128, Some(1_000))
        .unwrap();
    settle(&mut net, 60);
    check_msti(&net, &all, 1).unwrap_or_else(|e| panic!("{e}"));
    check_msti(&net, &all, 2).unwrap_or_else(|e| panic!("{e}"));
    let m1 = net.bridges[2].msti(1).unwrap();
    assert_eq!(m1.root_port, Some(p2));
    assert_eq!(m1.root_priority.internal_root_path_cost, 1_000);
    assert_ne!(net.bridges[2].msti(2).unwrap().root_port, Some(p2));
    assert_ne!(net.bridges[2].tree().root_port, Some(p2));
    // Bad values are refused.
    assert!(net.bridges[2].set_msti_port(now, p2, 1, 8, None).is_err());
    assert!(
        net.bridges[2]
            .set_msti_port(now, p2, 1, 128, Some(0))
            .is_err()
    );
    assert!(net.bridges[2].set_msti_port(now, p2, 9, 128, None).is_err());
    assert!(
        net.bridges[2]
            .set_msti_port(now, PortNo(99), 1, 128, None)
            .is_err()
    );
    let mut bad = cfg;
    bad.internal_path_cost = Some(PathCost::Fixed(0));
    assert!(net.bridges[2].set_port_config(now, p2, bad).is_err());
}

#[test]
fn two_regions_rstp_and_stp_bridges_with_several_mstis() {
    // Region A: 0, 1, 2 (ring, MSTIs 1 and 2); region B: 3, 4, 5 (ring, MSTIs 1, 2, 3); RSTP
    // bridge 6 joins A and B and is the root; STP bridge 7 hangs off A and B too.
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
        &[false, false, false, false, false, false, false, true],
        &[32768, 32768, 32768, 32768, 32768, 32768, 4096, 32768],
    );
    let now = net.now;
    // Different MSTI roots in each region.
    net.bridges[2].set_msti_priority(now, 1, 4096).unwrap();
    net.bridges[0].set_msti_priority(now, 2, 4096).unwrap();
    net.bridges[5].set_msti_priority(now, 1, 8192).unwrap();
    net.bridges[4].set_msti_priority(now, 3, 4096).unwrap();
    for (a, b) in [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)] {
        net.link(a, b);
    }
    net.link(6, 1);
    net.link(6, 4);
    net.link(7, 2);
    net.link(7, 3);
    let regions: [(&[usize], &[u16]); 2] = [(&[0, 1, 2], &[1, 2]), (&[3, 4, 5], &[1, 2, 3])];
    let check = |net: &Net, what: &str| {
        net.check_tree().unwrap_or_else(|e| panic!("{what}: {e}"));
        for (members, mstids) in regions {
            for &mstid in mstids {
                check_msti(net, members, mstid).unwrap_or_else(|e| panic!("{what}: {e}"));
            }
        }
        check_boundaries(net, &[0, 1, 2, 3, 4, 5]).unwrap_or_else(|e| panic!("{what}: {e}"));
    };
    net.run_for(Duration::from_secs(120));
    check(&net, "initial");
    assert!(net.bridges[6].tree().is_root);
    assert!(net.bridges[2].msti(1).unwrap().is_root);
    assert!(net.bridges[0].msti(2).unwrap().is_root);
    assert!(net.bridges[5].msti(1).unwrap().is_root);
    assert!(net.bridges[4].msti(3).unwrap().is_root);
    // The regional roots' CIST Root Ports are Master Ports of every MSTI.
    for (b, mstids) in [(1usize, &[1u16, 2][..]), (4, &[1, 2, 3][..])] {
        let rp = net.bridges[b].tree().root_port.unwrap();
        for &m in mstids {
            assert_eq!(
                net.bridges[b].msti_port(rp, m).unwrap(),
                (Role::Master, PortState::Forwarding)
            );
        }
    }
    // Failures and restorations of every link, one at a time.
    for l in 0..net.links.len() {
        net.set_link(l, false);
        net.run_for(Duration::from_secs(120));
        check(&net, &format!("link {l} down"));
        net.set_link(l, true);
        net.run_for(Duration::from_secs(120));
        check(&net, &format!("link {l} restored"));
    }
}

#[test]
fn msti_messages_carry_the_standard_flags() {
    // Two MST bridges on one link, frames shuttled by hand: bridge 0 is the CIST and MSTI
    // regional root. Bridge 0's MSTI messages propose from a Designated Port, then forward;
    // bridge 1 answers from its Root Port with the Agreement flag; nobody sets the Master flag
    // (no Master Port in a region without a boundary), and every MSTI message's Topology Change
    // flag is the sender's tcWhile.
    use stp::wire::{Bpdu, BpduFlags, BpduFrame, FrameKind, PortRole};
    let mut br: Vec<stp::Bridge> = (0..2)
        .map(|i| {
            let mut c = stp::BridgeConfig::new(sim_common::mac(i + 1));
            c.force_version = ForceVersion::Mstp;
            c.priority = if i == 0 { 4096 } else { 32768 };
            let mut b = stp::Bridge::new(c).unwrap();
            let mut table = VidToMstid::all_cist();
            table.set(10, 1);
            table.set(20, 2);
            b.set_mst_region("A", 1, &table).unwrap();
            b
        })
        .collect();
    let mut now = Instant::from_secs(1);
    for (i, b) in br.iter_mut().enumerate() {
        b.add_port(
            now,
            PortNo(1),
            stp::PortConfig::new(sim_common::port_mac(i, 1)),
        )
        .unwrap();
        b.handle_link(now, PortNo(1), sim_common::UP);
    }
    let mut seen: Vec<Vec<BpduFlags>> = vec![Vec::new(), Vec::new()];
    let mut buf = [0u8; 1600];
    let end = now + Duration::from_secs(10);
    while now < end {
        let mut frames = Vec::new();
        for (i, b) in br.iter_mut().enumerate() {
            while let Some(t) = b.poll_transmit(&mut buf) {
                frames.push((1 - i, buf[..t.len].to_vec()));
            }
            while b.poll_event().is_some() {}
        }
        now += Duration::from_millis(1);
        for (to, f) in frames {
            let fr = BpduFrame::parse(&f).unwrap();
            let FrameKind::Bpdu(body) = fr.kind else {
                panic!()
            };
            let Bpdu::Mst(m) = Bpdu::parse(body).unwrap() else {
                panic!("not an MST BPDU")
            };
            let msgs: Vec<_> = m.mstis.iter().collect();
            assert_eq!(msgs.len(), 2);
            seen[1 - to].extend(msgs.iter().map(|x| x.flags));
            br[to].handle_frame(now, PortNo(1), &f).unwrap();
        }
        for b in &mut br {
            if b.poll_timeout().is_some_and(|t| t <= now) {
                b.handle_timeout(now);
            }
            b.check_invariants().unwrap();
        }
    }
    let designated = |f: &BpduFlags| f.role() == PortRole::Designated;
    assert!(
        seen[0]
            .iter()
            .any(|f| designated(f) && f.contains(BpduFlags::PROPOSAL))
    );
    assert!(
        seen[0]
            .iter()
            .any(|f| designated(f) && f.contains(BpduFlags::FORWARDING))
    );
    assert!(
        seen[1]
            .iter()
            .any(|f| f.role() == PortRole::Root && f.contains(BpduFlags::AGREEMENT))
    );
    for f in seen.iter().flatten() {
        // The Master flag is bit 8 of an MSTI message's flags.
        assert!(!f.contains(BpduFlags::TOPOLOGY_CHANGE_ACK), "{f:?}");
        assert!(!f.contains(BpduFlags::FORWARDING) || f.contains(BpduFlags::LEARNING));
    }
    // Both MSTIs forward on the link within a few round trips, not after 2 x Forward Delay.
    for b in &br {
        for mstid in [1, 2] {
            assert_eq!(
                b.msti_port(PortNo(1), mstid).unwrap().1,
                PortState::Forwarding
            );
        }
    }
}

#[test]
fn the_master_flag_marks_messages_of_a_region_with_a_master_port() {
    // RSTP root R (bridge 0) — MST bridge A (1) — MST bridge B (2), frames shuttled by hand. A's
    // CIST Root Port faces R: A is the CIST Regional Root and that port is the Master Port of
    // both MSTIs, so A's MSTI messages towards B (from Designated Ports) carry the Master flag
    // (§13.27.34 master); B, which has no Master Port and no other mastered port, sends none.
    use stp::wire::{Bpdu, BpduFlags, BpduFrame, FrameKind, PortRole};
    let mut br: Vec<stp::Bridge> = (0..3)
        .map(|i| {
            let mut c = stp::BridgeConfig::new(sim_common::mac(i + 1));
            c.force_version = if i == 0 {
                ForceVersion::Rstp
            } else {
                ForceVersion::Mstp
            };
            c.priority = if i == 0 { 0 } else { 32768 };
            let mut b = stp::Bridge::new(c).unwrap();
            let mut table = VidToMstid::all_cist();
            table.set(10, 1);
            table.set(20, 2);
            b.set_mst_region("A", 1, &table).unwrap();
            b
        })
        .collect();
    // (bridge, port) pairs joined by a link.
    let links = [((0usize, 1u16), (1usize, 1u16)), ((1, 2), (2, 1))];
    let mut now = Instant::from_secs(1);
    for &((a, pa), (b, pb)) in &links {
        for (x, p) in [(a, pa), (b, pb)] {
            br[x]
                .add_port(
                    now,
                    PortNo(p),
                    stp::PortConfig::new(sim_common::port_mac(x, p)),
                )
                .unwrap();
            br[x].handle_link(now, PortNo(p), sim_common::UP);
        }
    }
    let peer = |x: usize, p: u16| {
        links.iter().find_map(|&(l, r)| {
            if l == (x, p) {
                Some(r)
            } else if r == (x, p) {
                Some(l)
            } else {
                None
            }
        })
    };
    let mut seen: std::collections::BTreeMap<(usize, u16), Vec<BpduFlags>> = Default::default();
    let mut buf = [0u8; 1600];
    let end = now + Duration::from_secs(20);
    while now < end {
        let mut frames = Vec::new();
        for (x, b) in br.iter_mut().enumerate() {
            while let Some(t) = b.poll_transmit(&mut buf) {
                frames.push(((x, t.port.get()), buf[..t.len].to_vec()));
            }
            while b.poll_event().is_some() {}
        }
        now += Duration::from_millis(1);
        for (from, f) in frames {
            let fr = BpduFrame::parse(&f).unwrap();
            let FrameKind::Bpdu(body) = fr.kind else {
                panic!()
            };
            if let Bpdu::Mst(m) = Bpdu::parse(body).unwrap() {
                seen.entry(from)
                    .or_default()
                    .extend(m.mstis.iter().map(|x| x.flags));
            }
            let (to, tp) = peer(from.0, from.1).unwrap();
            let _ = br[to].handle_frame(now, PortNo(tp), &f);
        }
        for b in &mut br {
            if b.poll_timeout().is_some_and(|t| t <= now) {
                b.handle_timeout(now);
            }
            b.check_invariants().unwrap();
        }
    }
    assert_eq!(br[1].port(PortNo(1)).unwrap().role, Role::Root);
    for mstid in [1, 2] {
        assert_eq!(
            br[1].msti_port(PortNo(1), mstid).unwrap(),
            (Role::Master, PortState::Forwarding)
        );
        assert_eq!(
            br[1].msti_port(PortNo(2), mstid).unwrap().0,
            Role::Designated
        );
        assert_eq!(br[2].msti_port(PortNo(1), mstid).unwrap().0, Role::Root);
    }
    let master = BpduFlags::TOPOLOGY_CHANGE_ACK; // bit 8 of MSTI flags
    let a_to_b = &seen[&(1, 2)];
    assert!(
        a_to_b
            .iter()
            .any(|f| f.role() == PortRole::Designated && f.contains(master)),
        "{a_to_b:?}"
    );
    let latest = &a_to_b[a_to_b.len() - 2..];
    assert!(latest.iter().all(|f| f.contains(master)), "{latest:?}");
    assert!(seen[&(2, 1)].iter().all(|f| !f.contains(master)));
}
