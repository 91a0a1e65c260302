//! The simulator core: determinism (identical pcap bytes for one seed), the pcap format,
//! link faults and their counters, the fault plan, the invariant checker on hand-made faults.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod sim_common;

use std::collections::VecDeque;

use l2_types::{Duration, Instant, MacAddr, PortNo};
use mlag_core::sim::{
    Dir, Fate, Fault, FrameId, Host, Invariants, LinkParams, Network, Node, Probability, StpBridge,
    StreamConfig, TestFrame, Track, Transmit, ViolationKind,
};
use sim_common::{host_mac, ring};

/// A ring of three RSTP bridges with lossy, jittery, duplicating, reordering, corrupting
/// links, a link cut and restore and a bridge crash and restart; everything captured.
fn chaotic_run(seed: u64) -> Network {
    let mut r = ring(seed, None, Duration::from_millis(1), Instant::from_secs(35));
    let mut bad = LinkParams::gigabit();
    bad.delay = Duration::from_millis(2);
    bad.jitter = Duration::from_micros(50);
    bad.loss = Probability::percent(2);
    bad.duplicate = Probability::percent(1);
    bad.reorder = Probability::percent(1);
    bad.reorder_delay = Duration::from_micros(200);
    bad.corrupt = Probability::percent(1);
    for l in r.ring.clone() {
        r.net.set_link_params(l, None, bad);
    }
    r.net.set_capture(true);
    r.net.schedule_plan([
        // br0–br1 carries traffic: frames are on the wire when it is cut.
        (Instant::from_secs(38), Fault::Cut(r.ring[0])),
        (Instant::from_secs(40), Fault::Restore(r.ring[0])),
        (
            Instant::from_secs(41),
            Fault::Crash(r.bridges[2], mlag_core::sim::CrashMode::Hang),
        ),
        (Instant::from_secs(43), Fault::Restart(r.bridges[2])),
        (
            Instant::from_secs(45),
            Fault::Crash(r.bridges[1], mlag_core::sim::CrashMode::PowerOff),
        ),
        (Instant::from_secs(46), Fault::Restart(r.bridges[1])),
        (
            Instant::from_secs(47),
            Fault::SetParams {
                link: r.ring[2],
                dir: Some(Dir::BtoA),
                params: LinkParams::new(Duration::from_millis(20)),
            },
        ),
    ]);
    r.net.run_until(Instant::from_secs(50));
    r.net
}

#[test]
fn one_seed_gives_identical_pcap_bytes_and_another_seed_does_not() {
    let a = chaotic_run(77);
    let b = chaotic_run(77);
    let c = chaotic_run(78);
    let (pa, pb, pc) = (a.pcap(|_| true), b.pcap(|_| true), c.pcap(|_| true));
    assert!(pa.len() > 100_000, "{}", pa.len());
    assert_eq!(pa, pb, "same seed, different bytes");
    assert_ne!(pa, pc, "the seed changes nothing");
    assert_eq!(a.counters_table(), b.counters_table());
    assert_eq!(a.stats(), b.stats());
    assert_eq!(a.violations(), b.violations());
    // The faults happened.
    let total = |n: &Network, f: fn(&mlag_core::sim::LinkCounters) -> u64| -> u64 {
        (0..n.link_count())
            .flat_map(|l| n.link_counters(mlag_core::sim::LinkId(l)).unwrap())
            .map(|c| f(&c))
            .sum()
    };
    for (name, f) in [
        (
            "lost",
            (|c| c.lost) as fn(&mlag_core::sim::LinkCounters) -> u64,
        ),
        ("duplicated", |c| c.duplicated),
        ("reordered", |c| c.reordered),
        ("corrupted", |c| c.corrupted),
        ("link_down", |c| c.link_down),
        ("node_down", |c| c.node_down),
    ] {
        assert!(total(&a, f) > 0, "no frame {name}");
    }
    println!("{}", a.counters_table());
}

/// Reads a classic pcap file: header fields and the records' lengths and timestamps.
fn parse_pcap(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
    assert!(bytes.len() >= 24);
    let u32le = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let u16le = |b: &[u8], at: usize| u16::from_le_bytes(b[at..at + 2].try_into().unwrap());
    assert_eq!(u32le(bytes, 0), 0xa1b2_3c4d, "nanosecond magic");
    assert_eq!((u16le(bytes, 4), u16le(bytes, 6)), (2, 4), "version 2.4");
    assert_eq!(u32le(bytes, 8), 0, "thiszone");
    assert_eq!(u32le(bytes, 12), 0, "sigfigs");
    assert_eq!(u32le(bytes, 16), 65_535, "snaplen");
    assert_eq!(u32le(bytes, 20), 1, "LINKTYPE_ETHERNET");
    let mut at = 24;
    let mut out = Vec::new();
    while at < bytes.len() {
        assert!(at + 16 <= bytes.len(), "truncated record header at {at}");
        let (sec, nsec) = (u32le(bytes, at), u32le(bytes, at + 4));
        let (incl, orig) = (
            u32le(bytes, at + 8) as usize,
            u32le(bytes, at + 12) as usize,
        );
        assert!(nsec < 1_000_000_000);
        assert_eq!(incl, orig, "nothing is truncated");
        assert!(incl >= 14, "an Ethernet frame");
        assert!(at + 16 + incl <= bytes.len(), "truncated record at {at}");
        out.push((
            u64::from(sec) * 1_000_000_000 + u64::from(nsec),
            bytes[at + 16..at + 16 + incl].to_vec(),
        ));
        at += 16 + incl;
    }
    assert_eq!(at, bytes.len());
    out
}

#[test]
fn pcap_output_parses_and_matches_the_capture() {
    let net = chaotic_run(5);
    let all = parse_pcap(&net.pcap(|_| true));
    assert_eq!(all.len(), net.capture().len());
    for ((t, frame), r) in all.iter().zip(net.capture()) {
        assert_eq!(*t, r.at.as_nanos());
        assert_eq!(frame, &r.frame);
    }
    // Timestamps never go back: records are written in the order frames met their links.
    assert!(all.windows(2).all(|w| w[0].0 <= w[1].0));
    // Per-link, per-direction files are subsets; BPDUs and test frames are both there.
    let one = net.pcap(|r| r.link == mlag_core::sim::LinkId(3) && r.dir == Dir::AtoB);
    let one = parse_pcap(&one);
    assert!(!one.is_empty() && one.len() < all.len());
    assert!(one.iter().any(|(_, f)| f[0..6] == MacAddr::BRIDGE_GROUP.0));
    assert!(one.iter().any(|(_, f)| TestFrame::parse(f).is_ok()));
    // Fates are recorded: nothing stays in flight at the end except what is on the wire.
    let fates = |f: Fate| net.capture().iter().filter(|r| r.fate == f).count();
    assert!(fates(Fate::Delivered) > 0 && fates(Fate::Lost) > 0 && fates(Fate::LinkDown) > 0);
    let end = Instant::from_secs(50);
    // The longest time on the wire: 20 ms on the link slowed at 47 s.
    let on_wire = Duration::from_micros(20_000 + 100);
    assert!(
        net.capture()
            .iter()
            .filter(|r| r.fate == Fate::InFlight)
            .all(|r| r.at + on_wire > end),
        "a frame stayed in flight"
    );
    assert!(net.capture().iter().any(|r| r.corrupted));
    assert!(net.capture().iter().any(|r| r.duplicate));
    // The text log has one line per record and says what pcap cannot.
    let log = net.capture_log();
    assert_eq!(log.lines().count(), net.capture().len());
    assert!(
        log.lines()
            .any(|l| l.contains(" Lost ") && l.contains("br"))
    );
    assert!(log.lines().any(|l| l.contains(" C ") || l.ends_with(" C")));
    println!("{}", log.lines().take(5).collect::<Vec<_>>().join("\n"));
}

#[test]
fn link_delay_bandwidth_and_order() {
    let mut net = Network::new(1);
    let a = MacAddr([2, 0, 0, 0, 0, 1]);
    let b = MacAddr([2, 0, 0, 0, 0, 2]);
    let mut s = StreamConfig::new(b, Duration::from_micros(1), Instant::from_millis(1));
    s.count = Some(10);
    s.len = 1250; // 10 µs at 1 Gb/s
    let ha = net.add_node("a", Host::new(a).with_stream(s));
    let hb = net.add_node("b", Host::new(b));
    let mut p = LinkParams::new(Duration::from_millis(2));
    p.bandwidth_bps = 1_000_000_000;
    net.connect((ha, Host::PORT), (hb, Host::PORT), p);
    net.run_until(Instant::from_secs(1));
    let rx = net.node::<Host>(hb).unwrap().app().rx(a, 0).unwrap();
    assert_eq!((rx.unique, rx.reordered), (10, 0));
    // First frame: 10 µs on the wire + 2 ms; the tenth waited for nine before it.
    assert_eq!(rx.latency_min, Some(Duration::from_micros(2010)));
    assert_eq!(
        rx.latency_max,
        Duration::from_micros(2010 + 9 * 10 - 9),
        "queued behind nine frames, sent 1 µs apart"
    );
}

#[test]
fn cut_loses_frames_in_flight_and_both_ends_see_it() {
    let mut net = Network::new(1);
    let a = MacAddr([2, 0, 0, 0, 0, 1]);
    let b = MacAddr([2, 0, 0, 0, 0, 2]);
    let s = StreamConfig::new(b, Duration::from_millis(1), Instant::ZERO);
    let ha = net.add_node("a", Host::new(a).with_stream(s));
    let hb = net.add_node("b", Host::new(b));
    let l = net.connect(
        (ha, Host::PORT),
        (hb, Host::PORT),
        LinkParams::new(Duration::from_millis(5)),
    );
    net.run_until(Instant::from_millis(100));
    net.cut(l);
    assert!(!net.link_up(l));
    assert!(!net.node::<Host>(ha).unwrap().link_up() && !net.node::<Host>(hb).unwrap().link_up());
    net.run_until(Instant::from_millis(200));
    net.restore(l);
    assert!(net.node::<Host>(ha).unwrap().link_up() && net.node::<Host>(hb).unwrap().link_up());
    net.run_until(Instant::from_millis(300));
    let c = net.link_counters(l).unwrap()[0];
    // The frames sent at 96..=100 ms were on the wire at the cut; those due at 101..=200 ms
    // were never sent (the host knows its link is down and counts them as unsent).
    assert_eq!(c.link_down, 5);
    let tx = net.node::<Host>(ha).unwrap().app().tx(0).unwrap();
    assert_eq!(tx.unsent, 100);
    let rx = net.node::<Host>(hb).unwrap().app().rx(a, 0).unwrap();
    assert_eq!(rx.missing(), 5 + 100);
    // Last arrival before the cut at 100 ms (sent at 95), first after at 206 ms (sent at 201).
    assert_eq!(rx.longest_gap, Duration::from_millis(106));
}

/// A node that sends every frame it receives on port 1 out of ports 2 and 3 twice each
/// (a broken forwarder); a frame from port 2 or 3 goes to port 1.
#[derive(Default)]
struct Tee {
    out: VecDeque<Transmit>,
}

impl Node for Tee {
    fn handle_frame(&mut self, _now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        let ports: &[u16] = if port == PortNo(1) { &[2, 3] } else { &[1] };
        for p in ports {
            self.out.push_back(Transmit {
                port: PortNo(*p),
                frame: frame.to_vec(),
                track: Track::copy_of(id),
            });
        }
    }
    fn handle_link(&mut self, _now: Instant, _port: PortNo, _up: bool) {}
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

#[test]
fn two_paths_to_one_host_is_a_duplicate_delivery_and_link_duplication_is_not() {
    // a — tee ═(two paths via ports 2 and 3, joined by a second tee)═ tee2 — b
    let mut net = Network::new(3);
    let a = MacAddr([2, 0, 0, 0, 0, 1]);
    let b = MacAddr([2, 0, 0, 0, 0, 2]);
    let mut s = StreamConfig::new(b, Duration::from_millis(1), Instant::ZERO);
    s.count = Some(3);
    let ha = net.add_node("a", Host::new(a).with_stream(s));
    let hb = net.add_node("b", Host::new(b));
    let t1 = net.add_node("tee1", Tee::default());
    let t2 = net.add_node("tee2", Tee::default());
    net.connect((ha, Host::PORT), (t1, PortNo(1)), LinkParams::gigabit());
    net.connect((t1, PortNo(2)), (t2, PortNo(2)), LinkParams::gigabit());
    net.connect((t1, PortNo(3)), (t2, PortNo(3)), LinkParams::gigabit());
    net.connect((t2, PortNo(1)), (hb, Host::PORT), LinkParams::gigabit());
    net.run_until(Instant::from_secs(1));
    let dup = net
        .violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::DuplicateDelivery { node, .. } if node == hb))
        .count();
    assert_eq!(dup, 3, "{:?}", net.violations());
    assert!(
        !net.violations()
            .iter()
            .any(|v| matches!(v.kind, ViolationKind::ForwardingLoop { .. })),
        "two paths that merge are not a loop: {:?}",
        net.violations()
    );

    // A link that duplicates every frame: the host sees duplicates, the checker blames nobody.
    let mut net = Network::new(3);
    let ha = net.add_node("a", Host::new(a).with_stream(s));
    let hb = net.add_node("b", Host::new(b));
    let mut p = LinkParams::gigabit();
    p.duplicate = Probability::ALWAYS;
    net.connect((ha, Host::PORT), (hb, Host::PORT), p);
    net.run_until(Instant::from_secs(1));
    assert!(net.violations().is_empty(), "{:?}", net.violations());
    let rx = net.node::<Host>(hb).unwrap().app().rx(a, 0).unwrap();
    assert_eq!((rx.unique, rx.duplicates), (3, 3));
}

#[test]
fn a_cut_with_no_other_path_is_a_black_hole() {
    let start = Instant::from_secs(35);
    let mut r = ring(9, None, Duration::from_millis(10), start);
    r.net.run_until(Instant::from_secs(40));
    r.net.set_invariants(Invariants {
        black_hole: Some((Duration::from_millis(500), start)),
        ..Invariants::default()
    });
    // Host 1's only link: its stream (to host 2) and host 0's stream to it stop.
    let host1_link = mlag_core::sim::LinkId(1);
    assert_eq!(r.net.link_ends(host1_link).unwrap()[0].0, r.hosts[1]);
    r.net.cut(host1_link);
    r.net.run_until(Instant::from_secs(42));
    let holes: Vec<_> = r
        .net
        .violations()
        .iter()
        .filter_map(|v| match v.kind {
            ViolationKind::BlackHole { stream, since } => Some((v.at, stream.node, since)),
            _ => None,
        })
        .collect();
    // Host 0 keeps sending into the void; host 1 knows its link is down and stops sending.
    assert_eq!(holes.len(), 1, "{holes:?}");
    let (at, node, since) = holes[0];
    assert_eq!(node, r.hosts[0]);
    assert!(since <= Instant::from_secs(40) && at > since + Duration::from_millis(500));
    assert!(at <= Instant::from_millis(40_520), "{at}");
    let _ = host_mac(1);
}

#[test]
fn custom_checks_report_when_they_start_failing() {
    let mut r = ring(4, None, Duration::from_millis(100), Instant::from_secs(35));
    let (b0, b1) = (r.bridges[0], r.bridges[1]);
    // "br1's root is br0", checked after every step from 10 s on.
    r.net.add_check("br0 is root", move |n| {
        if n.now() < Instant::from_secs(10) || n.is_crashed(b1) {
            return Ok(());
        }
        let root = n
            .node::<StpBridge>(b1)
            .unwrap()
            .bridge()
            .unwrap()
            .tree()
            .root_priority;
        if root.root.address() == sim_common::bridge_mac(1) {
            Ok(())
        } else {
            Err(format!("root is {:?}", root.root))
        }
    });
    r.net.run_until(Instant::from_secs(20));
    assert!(r.net.violations().is_empty(), "{:?}", r.net.violations());
    for k in 0..2u64 {
        r.net.crash(b0, mlag_core::sim::CrashMode::PowerOff);
        r.net.run_until(Instant::from_secs(30 + 20 * k));
        r.net.restart(b0);
        r.net.run_until(Instant::from_secs(40 + 20 * k));
    }
    let custom: Vec<_> = r
        .net
        .violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::Custom { .. }))
        .collect();
    // Reported once per failure episode, not once per step.
    assert_eq!(custom.len(), 2, "{custom:?}");
    assert!(custom[0].at >= Instant::from_secs(20) && custom[1].at >= Instant::from_secs(40));
}

/// A node that always wants a timeout "now".
struct Spin;

impl Node for Spin {
    fn handle_frame(&mut self, _: Instant, _: PortNo, _: &[u8], _: Option<FrameId>) {}
    fn handle_link(&mut self, _: Instant, _: PortNo, _: bool) {}
    fn handle_timeout(&mut self, _: Instant) {}
    fn poll_transmit(&mut self) -> Option<Transmit> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(Instant::ZERO)
    }
}

#[test]
fn a_node_asking_for_now_for_ever_is_reported_and_time_still_advances() {
    let mut net = Network::new(1);
    let s = net.add_node("spin", Spin);
    net.run_until(Instant::from_nanos(10));
    assert_eq!(net.now(), Instant::from_nanos(10));
    let spins: Vec<_> = net
        .violations()
        .iter()
        .filter(|v| v.kind == ViolationKind::TimerSpin { node: s })
        .collect();
    assert_eq!(spins.len(), 1, "{:?}", net.violations());
    assert_eq!(spins[0].at, Instant::ZERO);
}

/// Host `a` on hub h0 of a ring of three hubs (gates always open) whose link h1–h2 duplicates
/// frames with probability `dup`; `a` sends `frames` frames to nobody in particular.
fn hub_ring(dup: Probability, frames: u64) -> Network {
    let mut bad = LinkParams::gigabit();
    bad.duplicate = dup;
    let g = LinkParams::gigabit();
    gate_ring_with(6272, g, [g, bad, g], frames, [OPEN; 3])
}

/// Seed 6272 of the chaos campaign: a loop through a link that duplicated frames grew without
/// bound (24 GB), because each duplicate started a family with a fresh hop budget. A family's
/// duplicates now share its budget: the storm dies out within the budget.
#[test]
fn duplicates_on_a_loop_share_the_hop_budget_so_a_storm_dies_out() {
    let mut net = hub_ring(Probability::percent(50), 1);
    let budget = u64::from(net.invariants().hop_budget);
    let mut steps = 0u64;
    while net.step() {
        steps += 1;
        assert!(
            steps < 50_000,
            "still {} events pending after {steps} steps, peak {}",
            net.pending(),
            net.stats().pending_peak
        );
    }
    // Every crossing is counted against the one budget; the duplicates the link made on top
    // of them are at most as many again.
    let counters: Vec<_> = (0..net.link_count())
        .filter_map(|l| net.link_counters(mlag_core::sim::LinkId(l)))
        .flatten()
        .collect();
    let carried: u64 = counters.iter().map(|c| c.frames).sum();
    let duplicated: u64 = counters.iter().map(|c| c.duplicated).sum();
    assert!(duplicated > 10, "the link duplicated: {duplicated}");
    assert!(
        carried <= 2 * budget + 2,
        "{carried} frames carried, budget {budget}"
    );
    let over = net
        .violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::HopBudgetExceeded { .. }))
        .count();
    assert_eq!(over, 1, "{:?}", net.violations());
}

/// Whatever the nodes send, the pending events stay bounded: beyond the bound frames are
/// dropped, counted, and reported once.
#[test]
fn the_pending_events_are_bounded_and_a_storm_is_reported() {
    let mut net = hub_ring(Probability::ALWAYS, 20);
    net.set_invariants(Invariants {
        hop_budget: u32::MAX,
        ..Invariants::default()
    });
    net.set_pending_max(2_000);
    for _ in 0..200_000 {
        if !net.step() {
            break;
        }
        // Frames stop at the bound; a timer (one per node) or a scheduled fault may add one.
        assert!(net.pending() <= 2_000 + net.node_count());
    }
    assert!(net.stats().pending_dropped > 0);
    let full: Vec<_> = net
        .violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::QueueFull { .. }))
        .collect();
    assert_eq!(full.len(), 1, "{:?}", net.violations());
    assert_eq!(full[0].kind, ViolationKind::QueueFull { max: 2_000 });
}

/// A hub that relays only from `open_from` until `closed_at`, and says so to the loop check.
struct Gate {
    ports: Vec<PortNo>,
    now: Instant,
    open_from: Instant,
    closed_at: Option<Instant>,
    out: VecDeque<Transmit>,
}

impl Gate {
    fn open_at(&self, at: Instant) -> bool {
        at >= self.open_from && self.closed_at.is_none_or(|c| at < c)
    }
}

impl Node for Gate {
    fn handle_frame(&mut self, _now: Instant, port: PortNo, frame: &[u8], id: Option<FrameId>) {
        if !self.open_at(self.now) {
            return;
        }
        for p in self.ports.iter().filter(|p| **p != port) {
            self.out.push_back(Transmit {
                port: *p,
                frame: frame.to_vec(),
                track: Track::copy_of(id),
            });
        }
    }
    fn handle_link(&mut self, _now: Instant, _port: PortNo, _up: bool) {}
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn relays(&self, _frame: &[u8], ingress: PortNo, egress: PortNo, at: Instant) -> Option<bool> {
        Some(self.open_at(at) && ingress != egress)
    }
    fn relay_changes(&self, since: Instant, out: &mut Vec<Instant>) {
        out.extend(
            [Some(self.open_from), self.closed_at]
                .into_iter()
                .flatten()
                .filter(|t| *t > since),
        );
    }
    fn clock(&mut self, now: Instant) {
        self.now = now;
    }
}

/// Host `a` (link `host`) on gate g0 of a ring of three gates g0 → g1 → g2 → g0 (link i from
/// gi to its successor: `ring[i]`); `a` sends `frames` frames, one a millisecond from 0, which
/// g0 floods both ways. `windows[i]` is gate i's (open from, closed at). A gate always open is
/// a hub: a loop with it floods for ever.
fn gate_ring_with(
    seed: u64,
    host: LinkParams,
    ring: [LinkParams; 3],
    frames: u64,
    windows: [(Instant, Option<Instant>); 3],
) -> Network {
    let mut net = Network::new(seed);
    let a = MacAddr([2, 0, 0, 0, 0, 1]);
    let b = MacAddr([2, 0, 0, 0, 0, 2]);
    let mut s = StreamConfig::new(b, Duration::from_millis(1), Instant::ZERO);
    s.count = Some(frames);
    let ha = net.add_node("a", Host::new(a).with_stream(s));
    let gates: Vec<_> = (0..3)
        .map(|i| {
            let ports = if i == 0 {
                vec![PortNo(1), PortNo(2), PortNo(3)]
            } else {
                vec![PortNo(2), PortNo(3)]
            };
            net.add_node(
                &format!("g{i}"),
                Gate {
                    ports,
                    now: Instant::ZERO,
                    open_from: windows[i].0,
                    closed_at: windows[i].1,
                    out: VecDeque::new(),
                },
            )
        })
        .collect();
    net.connect((ha, Host::PORT), (gates[0], PortNo(1)), host);
    for i in 0..3 {
        net.connect(
            (gates[i], PortNo(3)),
            (gates[(i + 1) % 3], PortNo(2)),
            ring[i],
        );
    }
    net
}

/// [`gate_ring_with`] with links of 1 ms and one frame, run for 20 ms.
fn gate_ring(windows: [(Instant, Option<Instant>); 3]) -> Network {
    let ms = LinkParams::new(Duration::from_millis(1));
    let mut net = gate_ring_with(7638, ms, [ms; 3], 1, windows);
    net.run_until(Instant::from_millis(20));
    net
}

const OPEN: (Instant, Option<Instant>) = (Instant::ZERO, None);

fn loops(net: &Network) -> usize {
    net.violations()
        .iter()
        .filter(|v| matches!(v.kind, ViolationKind::ForwardingLoop { .. }))
        .count()
}

/// A ring whose every gate relays is a loop.
#[test]
fn a_frame_round_a_cycle_that_relays_is_a_loop() {
    let net = gate_ring([OPEN; 3]);
    assert_eq!(loops(&net), 1, "{:?}", net.violations());
    assert_eq!(net.stats().stale_cycles, 0);
}

/// A ring that was whole for a moment is a loop even if it is broken when the frame comes
/// round: g1 relays the frame at 2 ms and closes at 2.5 ms; the frame crosses g0 → g1 again at
/// 4 ms, and from 0 to 2.5 ms every gate relayed.
#[test]
fn a_cycle_whole_for_a_moment_is_a_loop() {
    let half = Instant::from_nanos(2_500_000);
    let net = gate_ring([OPEN, (Instant::ZERO, Some(half)), OPEN]);
    assert_eq!(loops(&net), 1, "{:?}", net.violations());
}

/// The blocked gate moves while the frame is in flight — g2 is closed until 2.5 ms and g1
/// closes then — so the ring is never whole at one instant, but the frame, which g1 relayed at
/// 2 ms and g2 at 3 ms, crosses g0 → g1 again at 4 ms (802.1D-2004 §17.13.4: the rapid
/// transitions can misorder and duplicate frames in flight). Not a loop; counted.
#[test]
fn a_frame_in_flight_while_the_blocked_hop_moves_is_not_a_loop() {
    let half = Instant::from_nanos(2_500_000);
    let net = gate_ring([OPEN, (Instant::ZERO, Some(half)), (half, None)]);
    assert_eq!(loops(&net), 0, "{:?}", net.violations());
    assert_eq!(net.stats().stale_cycles, 1, "{:?}", net.stats());
}
