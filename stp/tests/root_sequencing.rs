//! Root sequencing (`BridgeConfig::root_sequencing`, an extension beyond 802.1D-2004 and
//! 802.1Q-2022) in networks of bridges: the count to infinity of clause 17 and the forwarding
//! loops it opens do not happen when every bridge runs it, a root reached again over a longer
//! path is taken within a request's round trip, and bridges without it interoperate.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

mod sim_common;

use l2_types::{Duration, Instant, PortNo};
use sim_common::*;
use stp::wire::{BpduFrame, FrameKind, RootSeqTrailer};
use stp::*;

/// The links both of whose ends forward, as an edge list, contain a cycle.
fn forwarding_cycle(net: &Net) -> bool {
    let n = net.bridges.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut x = x;
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for l in net.links.iter().filter(|l| l.up) {
        let fwd = |(b, p): (usize, PortNo)| {
            net.bridges[b]
                .port(p)
                .is_some_and(|s| s.state == PortState::Forwarding)
        };
        if fwd(l.a) && fwd(l.b) {
            let (x, y) = (find(&mut parent, l.a.0), find(&mut parent, l.b.0));
            if x == y {
                return true;
            }
            parent[x] = y;
        }
    }
    false
}

/// Bridge 0 is the root (priority 4096); bridges 1 and 2 hang off it and 1–2–3–4–1 is a ring
/// (the topology of Elmeleegy, Cox and Ng's count-to-infinity examples: the root's two
/// neighbours lie on a cycle). Bridge `i` has priority 32768 + 4096 i, so bridge 1 becomes
/// the root of the ring once 0 is gone.
fn ring(rs: bool) -> Net {
    let mut net = Net::with(5, |i, mut c| {
        c.priority = if i == 0 {
            4096
        } else {
            32768 + 4096 * i as u16
        }
        .min(61440);
        c.root_sequencing = rs;
        c
    });
    net.link(0, 1);
    net.link(0, 2);
    net.link(1, 2);
    net.link(2, 3);
    net.link(3, 4);
    net.link(4, 1);
    settle(&mut net, 40);
    net.check_tree().unwrap();
    net
}

/// What the bridges went through after the root failed: the highest Root Path Cost any of
/// them took for the old root, whether a forwarding cycle existed at any instant, and when the
/// last change happened.
struct Aftermath {
    worst_stale_cost: u32,
    cycle: bool,
    settled: Instant,
}

/// When bridge `b` first took a Root Port towards `root` (among the events recorded).
fn root_port_to(net: &Net, b: usize, root: stp::wire::BridgeId) -> Instant {
    net.events[b]
        .iter()
        .find_map(|(at, e)| match e {
            Event::RootChanged {
                root: r,
                root_port: Some(_),
                ..
            } if *r == root => Some(*at),
            _ => None,
        })
        .unwrap_or_else(|| panic!("bridge {b} took no root port to {root:?}"))
}

fn fail_root(net: &mut Net) -> Aftermath {
    let old_root = net.bridges[0].bridge_id();
    for e in &mut net.events {
        e.clear();
    }
    let cut = net.now;
    // Bridge 0 powers off: both its links go down at once.
    net.set_link(0, false);
    net.set_link(1, false);
    let mut cycle = forwarding_cycle(net);
    let limit = cut + Duration::from_secs(30);
    while net.step(limit) {
        cycle |= forwarding_cycle(net);
    }
    let mut worst = 0;
    let mut settled = cut;
    for ev in &net.events[1..] {
        for (at, e) in ev {
            if let Event::RootChanged {
                root,
                root_path_cost,
                ..
            } = e
            {
                settled = settled.max(*at);
                if *root == old_root {
                    worst = worst.max(*root_path_cost);
                }
            }
        }
    }
    Aftermath {
        worst_stale_cost: worst,
        cycle,
        settled,
    }
}

#[test]
fn standard_rstp_counts_to_infinity_round_the_ring() {
    // The reference: without the extension the old root's information goes round the ring
    // with a growing cost (802.1D-2004 bounds it only by Max Age), which is what the extension
    // must prevent — if this stops happening, the test below proves nothing.
    let mut net = ring(false);
    let a = fail_root(&mut net);
    assert!(
        a.worst_stale_cost > 3 * 20_000,
        "no count to infinity: {}",
        a.worst_stale_cost
    );
    // And a forwarding loop opens while it lasts (their "Supplemental Note on
    // Count-to-Infinity Induced Forwarding Loops").
    assert!(a.cycle);
    net.check_tree().unwrap();
}

#[test]
fn with_root_sequencing_the_old_root_is_never_taken_again() {
    let mut net = ring(true);
    let before: Vec<u32> = (1..5)
        .map(|b| net.bridges[b].tree().root_priority.root_path_cost)
        .collect();
    let cut = net.now;
    let a = fail_root(&mut net);
    // Stale information can move a bridge onto a neighbour whose path is no longer than its
    // own was (the feasibility condition: one more link at most), never onto a longer one, so
    // the cost cannot count up.
    let most = *before.iter().max().unwrap() + 20_000;
    assert!(
        a.worst_stale_cost <= most,
        "stale root path cost {} beyond the tree's {most}",
        a.worst_stale_cost
    );
    assert!(!a.cycle, "a forwarding cycle opened");
    assert!(
        a.settled - cut < Duration::from_secs(1),
        "took {:?}",
        a.settled - cut
    );
    net.check_tree().unwrap();
    let root = net.bridges[1].bridge_id();
    for b in 1..5 {
        assert_eq!(net.bridges[b].tree().root_priority.root, root, "bridge {b}");
    }
    let infeasible: u64 = (1..5)
        .map(|b| net.bridges[b].stats().root_seq_infeasible)
        .sum();
    assert!(infeasible > 0, "nothing was passed over");
}

#[test]
fn a_root_reached_again_over_a_longer_path_answers_the_request() {
    // 0 is the root; 1 reaches it directly, 2 over 1 and over 3, 3 directly. When 0–1 fails,
    // 1's only way to 0 is the longer one through 2 and 3, which the feasibility condition
    // passes over until 0 announces a newer sequence number in answer to 1's request.
    for rs in [false, true] {
        let mut net = Net::with(4, |i, mut c| {
            c.priority = if i == 0 { 4096 } else { 32768 };
            c.root_sequencing = rs;
            c
        });
        let l01 = net.link(0, 1);
        net.link(1, 2);
        net.link(2, 3);
        net.link(3, 0);
        settle(&mut net, 40);
        net.check_tree().unwrap();
        for e in &mut net.events {
            e.clear();
        }
        let cut = net.now;
        net.set_link(l01, false);
        let mut cycle = false;
        while net.step(cut + Duration::from_secs(10)) {
            cycle |= forwarding_cycle(&net);
        }
        assert!(!cycle);
        net.check_tree().unwrap();
        let root = net.bridges[0].bridge_id();
        for b in 1..4 {
            assert_eq!(net.bridges[b].tree().root_priority.root, root, "bridge {b}");
        }
        // Bridge 1 forwards towards the root again within a request's round trip (a few
        // link delays; the sim's links take 1 ms).
        let back = root_port_to(&net, 1, root);
        assert!(back - cut < Duration::from_millis(20), "{:?}", back - cut);
        if rs {
            let s0 = net.bridges[0].stats();
            assert!(s0.root_seq_answered > 0, "{s0:?}");
            assert!(net.bridges[1].stats().root_seq_requests > 0);
            assert!(net.bridges[2].stats().root_seq_forwarded > 0);
        }
    }
}

#[test]
fn a_lost_request_is_sent_again_within_a_fraction_of_hello_time() {
    // As above, but the request's last hop (3 to the root 0) is silent for the first 300 ms
    // after the cut. Bridge 1 sends it again after Hello Time / 8 (250 ms: lost too), then
    // after twice that (750 ms after the cut); bridge 3 passes the resend on (its repeat
    // window is Hello Time / 16), and 0 answers. Resending once per Hello Time would leave
    // bridge 1 without a root path for 2 s.
    let mut net = Net::with(4, |i, mut c| {
        c.priority = if i == 0 { 4096 } else { 32768 };
        c.root_sequencing = true;
        c
    });
    let l01 = net.link(0, 1);
    net.link(1, 2);
    net.link(2, 3);
    let l30 = net.link(3, 0);
    settle(&mut net, 40);
    net.check_tree().unwrap();
    for e in &mut net.events {
        e.clear();
    }
    let cut = net.now;
    let quiet = net.links[l30].a;
    assert_eq!(quiet.0, 3);
    net.silent.insert((3, quiet.1.get()));
    net.set_link(l01, false);
    while net.step(cut + Duration::from_millis(300)) {}
    net.silent.clear();
    let lost = net.lost;
    assert!(lost > 0, "the first request and its first resend were lost");
    let mut cycle = false;
    while net.step(cut + Duration::from_secs(5)) {
        cycle |= forwarding_cycle(&net);
    }
    assert!(!cycle);
    net.check_tree().unwrap();
    let root = net.bridges[0].bridge_id();
    let back = root_port_to(&net, 1, root);
    let after = back - cut;
    assert!(
        after >= Duration::from_millis(750) && after < Duration::from_millis(800),
        "{after:?}"
    );
    // The claim's own request (bridge 1 lost its root with nothing else), the request when
    // bridge 2's answer is passed over (lost, as the claim's was), and the resends at 250 ms
    // (lost) and 750 ms.
    assert_eq!(net.bridges[1].stats().root_seq_requests, 4);
    assert!(net.bridges[3].stats().root_seq_forwarded >= 3);
    assert!(net.bridges[0].stats().root_seq_answered >= 1);
}

#[test]
fn bridges_without_the_extension_interoperate() {
    // Every other bridge runs it; the trailer is ignored by the others (802.1D-2004 §9.3.4:
    // an RST BPDU of at least 36 octets), and the tree is the standard one.
    let mut net = Net::with(5, |i, mut c| {
        c.priority = 32768 + 4096 * (i as u16 % 4);
        c.root_sequencing = i % 2 == 0;
        c
    });
    for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3)] {
        net.link(a, b);
    }
    settle(&mut net, 40);
    net.check_tree().unwrap();
    let mut reference = Net::with(5, |i, mut c| {
        c.priority = 32768 + 4096 * (i as u16 % 4);
        c
    });
    for (a, b) in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (1, 3)] {
        reference.link(a, b);
    }
    settle(&mut reference, 40);
    for b in 0..5 {
        let x: Vec<_> = net.bridges[b].ports().map(|p| (p.role, p.state)).collect();
        let y: Vec<_> = reference.bridges[b]
            .ports()
            .map(|p| (p.role, p.state))
            .collect();
        assert_eq!(x, y, "bridge {b}");
    }
}

#[test]
fn the_trailer_rides_after_the_rst_bpdu_and_not_elsewhere() {
    let mut cfg = BridgeConfig::new(mac(1));
    cfg.root_sequencing = true;
    let frames = |cfg: BridgeConfig| {
        let mut b = Bridge::new(cfg).unwrap();
        b.add_port(Instant::ZERO, PortNo(1), PortConfig::new(port_mac(1, 1)))
            .unwrap();
        b.handle_link(Instant::ZERO, PortNo(1), UP);
        b.handle_timeout(Instant::from_secs(3));
        let mut out = Vec::new();
        let mut buf = [0u8; 256];
        while let Some(t) = b.poll_transmit(&mut buf) {
            out.push(buf[..t.len].to_vec());
        }
        out
    };
    let rstp = frames(cfg);
    assert!(!rstp.is_empty());
    for f in &rstp {
        let p = BpduFrame::parse(f).unwrap();
        let FrameKind::Bpdu(body) = p.kind else {
            panic!()
        };
        assert_eq!(body.len(), 36 + 24);
        let t = RootSeqTrailer::parse(&body[36..]).unwrap().unwrap();
        assert_eq!(t.root_seq, Some(0), "the root's own sequence");
        assert_eq!(t.request, None);
    }
    // An MST bridge, and an RSTP bridge without the extension, send none.
    for fv in [ForceVersion::Mstp, ForceVersion::Stp] {
        let mut c = cfg;
        c.force_version = fv;
        for f in frames(c) {
            let p = BpduFrame::parse(&f).unwrap();
            let FrameKind::Bpdu(body) = p.kind else {
                panic!()
            };
            assert!(
                RootSeqTrailer::parse(body.get(36..).unwrap_or_default())
                    .unwrap()
                    .is_none()
            );
        }
    }
    cfg.root_sequencing = false;
    for f in frames(cfg) {
        assert_eq!(f.len(), 60);
    }
}

#[test]
fn a_bridge_that_loses_its_root_asks_in_its_claim() {
    // Bridge B hears root R (sequence number 5) on port 1 and is Designated on port 2. When
    // port 1 goes down B has no other information: it claims the root, and the claim on port 2
    // already asks for R's number 6 (RFC 8966 §3.8.2.1), so a neighbour with another path to R
    // passes the request on before B has even heard its answer.
    let mut cfg = BridgeConfig::new(mac(2));
    cfg.root_sequencing = true;
    let mut b = Bridge::new(cfg).unwrap();
    let t0 = Instant::from_secs(1);
    for p in [1, 2] {
        b.add_port(t0, PortNo(p), PortConfig::new(port_mac(2, p)))
            .unwrap();
        b.handle_link(t0, PortNo(p), UP);
    }
    let r = stp::wire::BridgeId::new(4096, 0, mac(9));
    let body = stp::wire::ConfigBpdu {
        flags: stp::wire::BpduFlags::empty().with_role(stp::wire::PortRole::Designated),
        root_id: r,
        root_path_cost: 0,
        bridge_id: r,
        port_id: stp::wire::PortId::new(128, 1),
        message_age: stp::wire::BpduTime(0),
        max_age: stp::wire::BpduTime::from_secs(20),
        hello_time: stp::wire::BpduTime::from_secs(2),
        forward_delay: stp::wire::BpduTime::from_secs(15),
    };
    let trailer = RootSeqTrailer {
        root_seq: Some(5),
        request: None,
    }
    .to_bytes();
    let mut frame = [0u8; 128];
    let n = BpduFrame::emit_with_trailer(
        port_mac(9, 1),
        &stp::wire::Bpdu::Rst(stp::wire::RstBpdu {
            version: 2,
            bpdu: body,
            version_1_length: 0,
        }),
        &trailer,
        &mut frame,
    )
    .unwrap();
    b.handle_frame(t0, PortNo(1), &frame[..n]).unwrap();
    let mut buf = [0u8; 256];
    while b.poll_transmit(&mut buf).is_some() {}
    assert_eq!(b.tree().root_priority.root, r);
    let t1 = t0 + Duration::from_millis(10);
    b.handle_link(t1, PortNo(1), LinkState::Down);
    assert_eq!(b.tree().root_priority.root, b.bridge_id());
    let mut requests = Vec::new();
    while let Some(t) = b.poll_transmit(&mut buf) {
        let p = BpduFrame::parse(&buf[..t.len]).unwrap();
        let FrameKind::Bpdu(body) = p.kind else {
            panic!()
        };
        let tr = RootSeqTrailer::parse(&body[36..]).unwrap().unwrap();
        requests.push((t.port, tr.request.map(|q| (q.root, q.seq))));
    }
    assert_eq!(requests, vec![(PortNo(2), Some((r, 6)))]);
    assert_eq!(b.stats().root_seq_requests, 1);
}
