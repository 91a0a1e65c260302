//! The simulator's speed in virtual time (`mlag_core::sim`), criterion group `sim`.
//!
//! * `lacp48_rstp/1h` — one hour of virtual time of: 48 LACP clients (fast rate, a bond of two
//!   links each) against two `lacp::System` switches presenting one LACP system (one LAG per
//!   client, disjoint port numbers: the LACP half of an MLAG pair), whose uplinks join a ring
//!   of four RSTP bridges (`stp::Bridge`, hello 2 s). 102 links, 54 nodes, every frame through
//!   the event queue, the link model and the invariant checker. Goal (performance.md, for the
//!   full MLAG scenario): ≤ 3.6 s, i.e. wall/virtual ≤ 1/1000.
//! * `lacp48_rstp_traffic/10min` — the same network plus data traffic for ten virtual
//!   minutes: every client's host sends 10 frames/s to a server on the ring's third bridge,
//!   which sends 10 frames/s to each client (960 frames/s, each crossing 4–5 links, followed
//!   by the loop and duplicate checks). The load a fault-injection run with traffic puts on
//!   the simulator.
//! * `mlag48_rstp/1h` — the full MLAG scenario: two `MlagPeer`s (each an MLAG `Coordinator`
//!   on a simulated switch: ICCP over the peer-link, LACP with the pair's system-id) with 48
//!   MLAG bonds (mlag-id 101..=148, one slave per peer, `lacp-rate=1sec`), 48 LACP clients with
//!   a bond of two links (one to each peer), each peer's `ether1` uplinked to the same ring of
//!   four RSTP bridges. One hour of virtual time. The pair runs one logical STP bridge in the
//!   ring (its two `ether1` are two ports of it: the loop through the pair is the ring's to
//!   break). Goal (performance.md): ≤ 3.6 s, wall/virtual ≤ 1/1000.
//! * `mlag48_rstp_traffic/10min` — the same MLAG network with `lacp48_rstp_traffic`'s data
//!   traffic (every client ↔ a server on the ring's third bridge, 10 frames/s each way, through
//!   the pair's logical bridge and the ring) for ten virtual minutes.
//! * `anchor_direct/1h` — the anchor: the same 50 `lacp::System`s and 4 `stp::Bridge`s for one
//!   hour, with every frame handed straight to the peer's `handle_frame` at the instant it is
//!   sent and the next timer found by a binary heap (no links, no capture, no checks). The
//!   ratio `lacp48_rstp / anchor_direct` is the simulator's own overhead on the protocol work.
//!
//! Results and machine line: BENCHMARKS.md.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use core::cmp::Reverse;
use std::collections::BinaryHeap;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use l2_types::{Duration, Instant, MacAddr, PortNo};
use lacp::{LagConfig, LagId, SystemIdentity};
use mlag_core::config::{Bond, BridgePort, Config, Ethernet, LacpRate};
use mlag_core::coordinator::Options;
use mlag_core::sim::{
    Host, LacpClient, LacpClientConfig, LacpSwitch, LinkParams, MlagPeer, Network, StpBridge,
    StreamConfig, SwitchLag,
};
use stp::BridgeConfig;

const CLIENTS: u16 = 48;
const HOUR: Instant = Instant::from_secs(3600);
const TEN_MIN: Instant = Instant::from_secs(600);
const SHARED: MacAddr = MacAddr([0x02, 0x4d, 0, 0, 0, 1]);

fn client_mac(i: u16) -> MacAddr {
    MacAddr([0x02, 0xc0, 0, 0, (i >> 8) as u8, i as u8])
}

fn switch_lag(k: u16, i: u16) -> SwitchLag {
    let mut cfg = LagConfig::new(i);
    cfg.actor_system = Some(SystemIdentity {
        priority: 32768,
        mac: SHARED,
    });
    SwitchLag {
        lag: LagId(u32::from(i)),
        config: cfg,
        members: vec![(PortNo(i), i + 1000 * k)],
        fast: true,
    }
}

fn bridge(i: u8) -> StpBridge {
    let mut cfg = BridgeConfig::new(MacAddr([0x02, 0xbb, 0, 0, i, 0]));
    cfg.priority = 4096 * (u16::from(i) + 1);
    StpBridge::new(cfg).unwrap().with_ports(3).unwrap()
}

const SERVER: MacAddr = MacAddr([0x02, 0x5e, 0, 0, 0, 1]);

/// What both scenarios share: a ring of four RSTP bridges whose `br0`/`br1` port 3 take the two
/// `uplinks`; with `traffic`, a server on `br2`'s port 3 (its streams start after the
/// clients'); and `CLIENTS` LACP clients, each with link 1 to `member(0, i)` and link 2 to
/// `member(1, i)`.
fn ring_and_clients(
    net: &mut Network,
    uplinks: [(mlag_core::sim::NodeId, PortNo); 2],
    traffic: Option<Instant>,
    member: impl Fn(usize, u16) -> (mlag_core::sim::NodeId, PortNo),
) {
    let brs: Vec<_> = (0..4u8)
        .map(|i| net.add_node(&format!("br{i}"), bridge(i)))
        .collect();
    for i in 0..4 {
        net.connect(
            (brs[i], PortNo(2)),
            (brs[(i + 1) % 4], PortNo(1)),
            LinkParams::gigabit(),
        );
    }
    for (k, up) in uplinks.into_iter().enumerate() {
        net.connect(up, (brs[k], PortNo(3)), LinkParams::gigabit());
    }
    let period = Duration::from_millis(100);
    if let Some(start) = traffic {
        let mut h = Host::new(SERVER);
        for i in 1..=CLIENTS {
            h = h.with_stream(StreamConfig::new(
                client_mac(i),
                period,
                start + Duration::from_secs(1) + Duration::from_micros(u64::from(i) * 1000),
            ));
        }
        let h = net.add_node("server", h);
        net.connect((h, Host::PORT), (brs[2], PortNo(3)), LinkParams::gigabit());
    }
    for i in 1..=CLIENTS {
        let mut c = LacpClient::new(LacpClientConfig::new(client_mac(i), 2)).unwrap();
        if let Some(start) = traffic {
            c.host_mut().add_stream(StreamConfig::new(
                SERVER,
                period,
                start + Duration::from_micros(u64::from(i) * 1000),
            ));
        }
        let c = net.add_node(&format!("c{i}"), c);
        net.connect((c, PortNo(1)), member(0, i), LinkParams::gigabit());
        net.connect((c, PortNo(2)), member(1, i), LinkParams::gigabit());
    }
}

/// The scenario of `lacp48_rstp`, with data traffic from `traffic` on (10 frames/s each way
/// between every client and one server).
fn scenario(seed: u64, traffic: Option<Instant>) -> Network {
    let mut net = Network::new(seed);
    let mut sws = Vec::new();
    for k in 0..2u16 {
        let mut s = LacpSwitch::new(MacAddr([0x02, 0x5f, 0, 0, k as u8, 0]));
        for i in 1..=CLIENTS {
            s.add_lag(switch_lag(k, i)).unwrap();
        }
        s.add_port(PortNo(100));
        sws.push(net.add_node(&format!("sw{k}"), s));
    }
    let uplinks = [(sws[0], PortNo(100)), (sws[1], PortNo(100))];
    ring_and_clients(&mut net, uplinks, traffic, |k, i| (sws[k], PortNo(i)));
    net
}

/// The MLAG configuration of peer `p` (1 or 2): the Quick setup plus 48 MLAG bonds
/// `bond{i}` = `sfp{i}`, mlag-id 100 + i, fast LACP; the uplink `ether1` in the bonds' VLAN
/// 10 (untagged), so the clients reach the ring.
fn mlag_config(p: u8) -> Config {
    let mut c = Config::quick_setup(p);
    for bp in &mut c.ports {
        if bp.interface == "ether1" {
            bp.pvid = 10;
        }
    }
    for i in 1..=CLIENTS {
        let eth = format!("sfp{i}");
        let bond = format!("bond{i}");
        c.ethernet
            .push(Ethernet::new(&eth, MacAddr([2, 0, 0, 1, p, i as u8])));
        let mut b = Bond::lacp(&bond, &[&eth]).with_mlag_id(100 + u32::from(i));
        b.lacp_rate = LacpRate::Sec1;
        c.bonds.push(b);
        c.ports
            .push(BridgePort::new("bridge1", &bond).with_pvid(10));
    }
    c
}

/// Two MLAG peers, 48 clients, an RSTP ring on the peers' `ether1`.
fn mlag_scenario(seed: u64, traffic: Option<Instant>) -> (Network, [mlag_core::sim::NodeId; 2]) {
    let mut net = Network::new(seed);
    let mut peers = Vec::new();
    let mut ports = Vec::new();
    for p in 1..=2u8 {
        let v = mlag_config(p).validate().unwrap();
        let port = |n: &str| v.port_no(v.find(n).unwrap());
        let pp = port("sfp-sfpplus1");
        let up = port("ether1");
        let members: Vec<PortNo> = (1..=CLIENTS).map(|i| port(&format!("sfp{i}"))).collect();
        ports.push((pp, up, members));
        let peer = MlagPeer::new(v, Options::new(seed * 2 + u64::from(p))).unwrap();
        peers.push(net.add_node(&format!("Peer{p}"), peer));
    }
    net.connect(
        (peers[0], ports[0].0),
        (peers[1], ports[1].0),
        LinkParams::gigabit(),
    );
    let uplinks = [(peers[0], ports[0].1), (peers[1], ports[1].1)];
    ring_and_clients(&mut net, uplinks, traffic, |k, i| {
        (peers[k], ports[k].2[usize::from(i - 1)])
    });
    (net, [peers[0], peers[1]])
}

/// The anchor: the same protocol entities wired directly.
struct Direct {
    lacp: Vec<lacp::System>,
    stp: Vec<stp::Bridge>,
    /// (entity, port) → (entity, port); entities 0..lacp.len() are LACP, then STP.
    wires: std::collections::HashMap<(usize, u16), (usize, u16)>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    armed: Vec<Option<Instant>>,
    frames: u64,
}

const UP_LACP: lacp::LinkState = lacp::LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};
const UP_STP: stp::LinkState = stp::LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

impl Direct {
    fn new() -> Self {
        let now = Instant::ZERO;
        let mut lacp = Vec::new();
        // 0, 1: the switches; 2..: the clients.
        for k in 0..2u16 {
            let mut s = lacp::System::new(lacp::SystemConfig::new(MacAddr([
                0x02, 0x5f, 0, 0, k as u8, 0,
            ])));
            for i in 1..=CLIENTS {
                let l = switch_lag(k, i);
                s.add_lag(now, l.lag, l.config).unwrap();
                let pc = lacp::PortConfig::new(client_mac(1000 + i), l.lag, i + 1000 * k)
                    .with_short_timeout();
                s.add_port(now, PortNo(i), pc).unwrap();
            }
            lacp.push(s);
        }
        let mut wires = std::collections::HashMap::new();
        for i in 1..=CLIENTS {
            let mut c = lacp::System::new(lacp::SystemConfig::new(client_mac(i)));
            c.add_lag(now, LagId(1), LagConfig::new(1)).unwrap();
            for p in 1..=2u16 {
                let pc = lacp::PortConfig::new(client_mac(2000 + i * 2 + p), LagId(1), p)
                    .with_short_timeout();
                c.add_port(now, PortNo(p), pc).unwrap();
            }
            let ci = lacp.len();
            lacp.push(c);
            for k in 0..2usize {
                wires.insert((ci, k as u16 + 1), (k, i));
                wires.insert((k, i), (ci, k as u16 + 1));
            }
        }
        let n = lacp.len();
        let stp: Vec<stp::Bridge> = (0..4u8)
            .map(|i| {
                let mut b = stp::Bridge::new({
                    let mut cfg = BridgeConfig::new(MacAddr([0x02, 0xbb, 0, 0, i, 0]));
                    cfg.priority = 4096 * (u16::from(i) + 1);
                    cfg
                })
                .unwrap();
                for p in 1..=3u16 {
                    let mac = MacAddr([0x02, 0xbb, 0, 1, i, p as u8]);
                    b.add_port(now, PortNo(p), stp::PortConfig::new(mac))
                        .unwrap();
                }
                b
            })
            .collect();
        for i in 0..4usize {
            wires.insert((n + i, 2), (n + (i + 1) % 4, 1));
            wires.insert((n + (i + 1) % 4, 1), (n + i, 2));
        }
        let total = n + stp.len();
        let mut d = Self {
            lacp,
            stp,
            wires,
            timers: BinaryHeap::new(),
            armed: vec![None; total],
            frames: 0,
        };
        for e in 0..total {
            let ports: Vec<u16> = if e < n {
                d.lacp[e].ports().map(|p| p.port.0).collect()
            } else {
                vec![1, 2, 3]
            };
            for p in ports {
                if e < n {
                    d.lacp[e].handle_link(now, PortNo(p), UP_LACP);
                } else {
                    d.stp[e - n].handle_link(now, PortNo(p), UP_STP);
                }
            }
        }
        for e in 0..total {
            d.drain(now, e);
        }
        d
    }

    /// Delivers everything entity `e` sends (recursively) and re-arms its timer.
    fn drain(&mut self, now: Instant, e: usize) {
        let n = self.lacp.len();
        let mut buf = [0u8; 1514];
        let mut work = vec![e];
        while let Some(e) = work.pop() {
            loop {
                let t = if e < n {
                    while self.lacp[e].poll_event().is_some() {}
                    self.lacp[e]
                        .poll_transmit(&mut buf)
                        .map(|t| (t.port, t.len))
                } else {
                    while self.stp[e - n].poll_event().is_some() {}
                    self.stp[e - n]
                        .poll_transmit(&mut buf)
                        .map(|t| (t.port, t.len))
                };
                let Some((port, len)) = t else { break };
                self.frames += 1;
                if let Some(&(to, tp)) = self.wires.get(&(e, port.0)) {
                    if to < n {
                        let _ = self.lacp[to].handle_frame(now, PortNo(tp), &buf[..len]);
                    } else {
                        let _ = self.stp[to - n].handle_frame(now, PortNo(tp), &buf[..len]);
                    }
                    work.push(to);
                }
            }
            let next = if e < n {
                self.lacp[e].poll_timeout()
            } else {
                self.stp[e - n].poll_timeout()
            };
            if next != self.armed[e] {
                self.armed[e] = next;
                if let Some(at) = next {
                    self.timers.push(Reverse((at.max(now), e)));
                }
            }
        }
    }

    fn run(&mut self, until: Instant) {
        let n = self.lacp.len();
        while let Some(&Reverse((at, e))) = self.timers.peek() {
            if at > until {
                break;
            }
            self.timers.pop();
            if self.armed[e] != Some(at) {
                continue;
            }
            self.armed[e] = None;
            if e < n {
                self.lacp[e].handle_timeout(at);
            } else {
                self.stp[e - n].handle_timeout(at);
            }
            self.drain(at, e);
        }
    }
}

fn sim(c: &mut Criterion) {
    // Sanity, outside the timing: the scenario converges and stays clean for the hour.
    let mut net = scenario(1, None);
    net.run_until(HOUR);
    assert!(net.violations().is_empty());
    for i in 0..usize::from(CLIENTS) {
        let c = net
            .node::<LacpClient>(mlag_core::sim::NodeId(6 + i))
            .unwrap();
        assert_eq!(c.distributing().count(), 2, "client {i}");
    }
    let (mut mnet, mpeers) = mlag_scenario(1, None);
    mnet.run_until(HOUR);
    assert!(mnet.violations().is_empty(), "{:?}", mnet.violations());
    for p in mpeers {
        let v = mnet.node::<MlagPeer>(p).unwrap().view();
        assert_eq!(v.status, iccp::Status::Connected, "{v:?}");
    }
    for i in 0..usize::from(CLIENTS) {
        let c = mnet
            .node::<LacpClient>(mlag_core::sim::NodeId(6 + i))
            .unwrap();
        assert_eq!(c.distributing().count(), 2, "client {i}");
        assert_eq!(c.stats().partner_changes, 0, "client {i}");
    }
    eprintln!("mlag sim: {} events in 1 h virtual", mnet.stats().steps);
    let (mut mtnet, _) = mlag_scenario(1, Some(Instant::from_secs(40)));
    mtnet.run_until(TEN_MIN);
    assert!(mtnet.violations().is_empty(), "{:?}", mtnet.violations());
    // Node 6 is the server, clients follow.
    let server = mtnet.node::<Host>(mlag_core::sim::NodeId(6)).unwrap();
    for i in 1..=CLIENTS {
        let rx = server.app().rx(client_mac(i), 0).unwrap();
        assert!(
            rx.unique > 5_500 && rx.duplicates == 0,
            "mlag client {i}: {rx:?}"
        );
        let c = mtnet
            .node::<LacpClient>(mlag_core::sim::NodeId(6 + usize::from(i)))
            .unwrap();
        let back = c.host().rx(SERVER, u32::from(i - 1)).unwrap();
        assert!(
            back.unique > 5_500 && back.duplicates == 0,
            "mlag client {i}: {back:?}"
        );
    }
    eprintln!(
        "mlag sim with traffic: {} events, {} traffic frames sent in 10 min virtual",
        mtnet.stats().steps,
        mtnet.stats().tracked_frames
    );
    let mut tnet = scenario(1, Some(Instant::from_secs(40)));
    tnet.run_until(TEN_MIN);
    assert!(tnet.violations().is_empty(), "{:?}", tnet.violations());
    // Node 6 is the server, clients follow.
    let server = tnet.node::<Host>(mlag_core::sim::NodeId(6)).unwrap();
    for i in 1..=CLIENTS {
        let rx = server.app().rx(client_mac(i), 0).unwrap();
        assert!(
            rx.unique > 5_500 && rx.duplicates == 0,
            "client {i}: {rx:?}"
        );
        let c = tnet
            .node::<LacpClient>(mlag_core::sim::NodeId(6 + usize::from(i)))
            .unwrap();
        let back = c.host().rx(SERVER, u32::from(i - 1)).unwrap();
        assert!(
            back.unique > 5_500 && back.duplicates == 0,
            "client {i}: {back:?}"
        );
    }
    eprintln!(
        "sim with traffic: {} events, {} traffic frames sent in 10 min virtual",
        tnet.stats().steps,
        tnet.stats().tracked_frames
    );
    let steps = net.stats().steps;
    let frames: u64 = (0..net.link_count())
        .flat_map(|l| net.link_counters(mlag_core::sim::LinkId(l)).unwrap())
        .map(|c| c.frames)
        .sum();
    let mut d = Direct::new();
    d.run(HOUR);
    assert!(d.lacp.iter().all(|s| s.ports().all(|p| p.distributing)));
    eprintln!(
        "sim: {steps} events, {frames} frames in 1 h virtual; direct anchor: {} frames",
        d.frames
    );

    let mut g = c.benchmark_group("sim");
    g.sample_size(10);
    g.measurement_time(core::time::Duration::from_secs(30));
    g.bench_function("lacp48_rstp/1h", |b| {
        b.iter_batched(
            || scenario(1, None),
            |mut net| {
                net.run_until(HOUR);
                net.stats().steps
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("mlag48_rstp/1h", |b| {
        b.iter_batched(
            || mlag_scenario(1, None).0,
            |mut net| {
                net.run_until(HOUR);
                net.stats().steps
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("mlag48_rstp_traffic/10min", |b| {
        b.iter_batched(
            || mlag_scenario(1, Some(Instant::from_secs(40))).0,
            |mut net| {
                net.run_until(TEN_MIN);
                net.stats().steps
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("lacp48_rstp_traffic/10min", |b| {
        b.iter_batched(
            || scenario(1, Some(Instant::from_secs(40))),
            |mut net| {
                net.run_until(TEN_MIN);
                net.stats().steps
            },
            BatchSize::PerIteration,
        );
    });
    g.bench_function("anchor_direct/1h", |b| {
        b.iter_batched(
            Direct::new,
            |mut d| {
                d.run(HOUR);
                d.frames
            },
            BatchSize::PerIteration,
        );
    });
    g.finish();
    let _ = Duration::ZERO;
}

criterion_group!(benches, sim);
criterion_main!(benches);
