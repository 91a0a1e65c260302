//! `stp::Bridge` state machines against their anchors, in one criterion group so the ratios come
//! from one run.
//!
//! * `rx_steady/bridge_64` — `Bridge::handle_frame` of an unchanged RST BPDU (no state change) on
//!   a converged 64-port RSTP bridge, plus draining `poll_transmit`/`poll_event` (both empty).
//!   Port 1 is the root port (BPDUs from the root), ports 2–64 are Alternates (BPDUs from 63
//!   other designated bridges); the ports are visited round-robin, each receiving the BPDU its
//!   designated bridge sends every Hello Time. The clock stands still, so no timer fires.
//!   Checked afterwards: nothing was sent, no event, every role unchanged.
//! * `rx_steady/decode` — the anchor: `BpduFrame::parse` + `Bpdu::parse` of the same frames,
//!   same order. Goal: ≤ 10×.
//! * `rx_steady/mstp_64x16` — the case: the same on a converged 64-port MSTP bridge with
//!   16 MSTIs, every port inside the region (port 1 towards the CIST and MSTI regional root,
//!   ports 2–64 Alternates on every tree); each frame is an MST BPDU with 16 MSTI messages.
//!   Anchor `rx_steady/decode_mst`: the decode of those frames (walking the 16 MSTI records).
//!   Goal: ≤ 10×.
//! * `timer/ports_8`, `timer/ports_512` — root bridges of 8 and 512 edge ports (hello 1 s) whose
//!   links came up 1 s / N apart, so no two ports share a deadline; one iteration advances to the
//!   next `poll_timeout()`, calls `handle_timeout` and drains: it fires exactly one port's Hello
//!   timer, which sends exactly one BPDU (checked: BPDUs sent = iterations). Goal: 512 ports ≤
//!   1.5× 8 ports.
//!
//! Results and machine line: BENCHMARKS.md.
#![allow(missing_docs)]

use core::hint::black_box;
use criterion::{Criterion, criterion_group, criterion_main};
use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, PortId, RstBpdu,
};
use stp::{Bridge, BridgeConfig, LinkState, PathCost, PortConfig, Role};

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

fn port_mac(n: u16) -> MacAddr {
    let [hi, lo] = n.to_be_bytes();
    MacAddr([0x02, 0x10, 0, 0, hi, lo])
}

fn drain(b: &mut Bridge, buf: &mut [u8]) -> (u64, u64) {
    let (mut f, mut e) = (0, 0);
    while b.poll_transmit(buf).is_some() {
        f += 1;
    }
    while b.poll_event().is_some() {
        e += 1;
    }
    (f, e)
}

/// A converged 64-port bridge and the BPDU frame each port hears every Hello Time.
fn steady_64() -> (Bridge, Vec<(PortNo, Vec<u8>)>, Instant) {
    let mut cfg = BridgeConfig::new(MacAddr([0x02, 0, 0, 0, 0, 0x10]));
    cfg.hello_time = 1;
    cfg.max_age = 6;
    cfg.forward_delay = 4;
    let mut b = Bridge::new(cfg).expect("bridge");
    let mut now = Instant::ZERO;
    let root = BridgeId::new(0, 0, MacAddr([0x02, 0, 0, 0, 0, 0x01]));
    let mut frames = Vec::new();
    for n in 1..=64u16 {
        let mut pc = PortConfig::new(port_mac(n));
        pc.path_cost = PathCost::Fixed(20_000);
        b.add_port(now, PortNo(n), pc).expect("port");
        b.handle_link(now, PortNo(n), UP);
        // Port 1: the root itself. Others: a designated bridge at cost 2000 from the root.
        let (cost, designated) = if n == 1 {
            (0, root)
        } else {
            let [hi, lo] = n.to_be_bytes();
            (
                2000,
                BridgeId::new(4096, 0, MacAddr([0x02, 0, 0, 1, hi, lo])),
            )
        };
        let flags = BpduFlags::from_bits_retain(0x0c)
            | BpduFlags::LEARNING
            | BpduFlags::FORWARDING
            | BpduFlags::AGREEMENT;
        let bpdu = Bpdu::Rst(RstBpdu {
            version: 2,
            bpdu: ConfigBpdu {
                flags,
                root_id: root,
                root_path_cost: cost,
                bridge_id: designated,
                port_id: PortId::new(128, 1),
                message_age: BpduTime::from_secs(u8::from(n != 1)),
                max_age: BpduTime::from_secs(6),
                hello_time: BpduTime::from_secs(1),
                forward_delay: BpduTime::from_secs(4),
            },
            version_1_length: 0,
        });
        let mut buf = [0u8; 128];
        let len = BpduFrame::emit(designated.address(), &bpdu, &mut buf).expect("emit");
        frames.push((PortNo(n), buf[..len].to_vec()));
    }
    let mut buf = [0u8; 1514];
    // Converge: 30 s of hellos every second, timers fired as they fall due.
    for _ in 0..30 {
        for (p, f) in &frames {
            b.handle_frame(now, *p, f).expect("rx");
            drain(&mut b, &mut buf);
        }
        let next = now + Duration::from_secs(1);
        while let Some(t) = b.poll_timeout().filter(|t| *t <= next) {
            b.handle_timeout(t);
            drain(&mut b, &mut buf);
        }
        now = next;
    }
    for (p, f) in &frames {
        b.handle_frame(now, *p, f).expect("rx");
    }
    drain(&mut b, &mut buf);
    assert_eq!(b.port(PortNo(1)).map(|p| p.role), Some(Role::Root));
    assert!(
        b.ports()
            .filter(|p| p.port != PortNo(1))
            .all(|p| p.role == Role::Alternate)
    );
    (b, frames, now)
}

/// A converged 64-port MSTP bridge with 16 MSTIs, every port inside its region, and the MST
/// BPDU frame each port hears every Hello Time.
fn steady_mstp_64x16() -> (Bridge, Vec<(PortNo, Vec<u8>)>, Instant) {
    use stp::wire::{MstBpdu, MstConfigId, MstiConfigMessage, MstiMessages, VidToMstid};
    let mut cfg = BridgeConfig::new(MacAddr([0x02, 0, 0, 0, 0, 0x10]));
    cfg.hello_time = 1;
    cfg.max_age = 6;
    cfg.forward_delay = 4;
    cfg.force_version = stp::ForceVersion::Mstp;
    let mut b = Bridge::new(cfg).expect("bridge");
    let mut table = VidToMstid::all_cist();
    for m in 1..=16u16 {
        table.set(m * 10, m);
    }
    b.set_mst_region("bench", 1, &table).expect("region");
    let mcid = MstConfigId::new("bench", 1, &table);
    let mut now = Instant::ZERO;
    let root = BridgeId::new(0, 0, MacAddr([0x02, 0, 0, 0, 0, 0x01]));
    let mut frames = Vec::new();
    for n in 1..=64u16 {
        let mut pc = PortConfig::new(port_mac(n));
        pc.path_cost = PathCost::Fixed(20_000);
        b.add_port(now, PortNo(n), pc).expect("port");
        b.handle_link(now, PortNo(n), UP);
        // Port 1: the regional root itself. Others: a designated bridge at internal cost 2000.
        let (cost, designated, hops) = if n == 1 {
            (0, root, 20)
        } else {
            let [hi, lo] = n.to_be_bytes();
            (
                2000,
                BridgeId::new(4096, 0, MacAddr([0x02, 0, 0, 1, hi, lo])),
                19,
            )
        };
        let flags = BpduFlags::from_bits_retain(0x0c)
            | BpduFlags::LEARNING
            | BpduFlags::FORWARDING
            | BpduFlags::AGREEMENT;
        let msgs: Vec<MstiConfigMessage> = (1..=16u16)
            .map(|m| MstiConfigMessage {
                flags,
                regional_root_id: BridgeId::new(0, m, root.address()),
                internal_root_path_cost: cost,
                bridge_priority: u8::try_from(designated.priority() >> 8).expect("prio"),
                port_priority: 128,
                remaining_hops: hops,
            })
            .collect();
        let mut records = [0u8; 16 * 16];
        let len = MstiMessages::encode(&msgs, &mut records).expect("msti");
        let bpdu = Bpdu::Mst(MstBpdu {
            version: 3,
            cist: ConfigBpdu {
                flags,
                root_id: root,
                root_path_cost: 0,
                bridge_id: root,
                port_id: PortId::new(128, 1),
                message_age: BpduTime::from_secs(0),
                max_age: BpduTime::from_secs(6),
                hello_time: BpduTime::from_secs(1),
                forward_delay: BpduTime::from_secs(4),
            },
            version_1_length: 0,
            mcid,
            cist_internal_root_path_cost: cost,
            cist_bridge_id: designated,
            cist_remaining_hops: hops,
            mstis: MstiMessages::new(&records[..len]).expect("records"),
        });
        let mut buf = [0u8; 512];
        let len = BpduFrame::emit(designated.address(), &bpdu, &mut buf).expect("emit");
        frames.push((PortNo(n), buf[..len].to_vec()));
    }
    let mut buf = [0u8; 1514];
    for _ in 0..30 {
        for (p, f) in &frames {
            b.handle_frame(now, *p, f).expect("rx");
            drain(&mut b, &mut buf);
        }
        let next = now + Duration::from_secs(1);
        while let Some(t) = b.poll_timeout().filter(|t| *t <= next) {
            b.handle_timeout(t);
            drain(&mut b, &mut buf);
        }
        now = next;
    }
    for (p, f) in &frames {
        b.handle_frame(now, *p, f).expect("rx");
    }
    drain(&mut b, &mut buf);
    assert_eq!(b.port(PortNo(1)).map(|p| p.role), Some(Role::Root));
    for m in 1..=16u16 {
        assert_eq!(b.msti_port(PortNo(1), m).map(|x| x.0), Some(Role::Root));
        for n in 2..=64u16 {
            assert_eq!(
                b.msti_port(PortNo(n), m).map(|x| x.0),
                Some(Role::Alternate)
            );
        }
    }
    assert!(
        b.ports()
            .filter(|p| p.port != PortNo(1))
            .all(|p| p.role == Role::Alternate)
    );
    (b, frames, now)
}

/// The steady-receive bench on `b` (see the module docs) and its decode anchor.
fn rx_pair(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    anchor: &str,
    (mut b, frames, now): (Bridge, Vec<(PortNo, Vec<u8>)>, Instant),
) {
    let mut buf = [0u8; 1514];
    // Context for BENCHMARKS.md: how many port-machine steps one steady BPDU costs.
    let steps_before = b.stats().port_steps;
    for (p, f) in &frames {
        b.handle_frame(now, *p, f).expect("rx");
    }
    drain(&mut b, &mut buf);
    let per_bpdu = (b.stats().port_steps - steps_before) as f64 / frames.len() as f64;
    eprintln!("{name}: {per_bpdu:.1} port-machine steps per steady BPDU");
    let tx_before = b.stats().bpdus_tx;
    let roles: Vec<Role> = b.ports().map(|p| p.role).collect();
    let mut events = 0u64;
    let mut k = 0usize;
    g.bench_function(name, |bn| {
        bn.iter(|| {
            let (port, f) = &frames[k % frames.len()];
            k = k.wrapping_add(1);
            let r = b.handle_frame(now, *port, black_box(f));
            while let Some(t) = b.poll_transmit(&mut buf) {
                let _ = black_box(t);
            }
            while let Some(e) = b.poll_event() {
                events += 1;
                black_box(e);
            }
            r.is_ok()
        });
    });
    assert_eq!(
        b.stats().bpdus_tx,
        tx_before,
        "a steady BPDU made the bridge send"
    );
    assert_eq!(events, 0, "a steady BPDU raised events");
    assert_eq!(b.ports().map(|p| p.role).collect::<Vec<_>>(), roles);
    drop(b);
    let mut k = 0usize;
    g.bench_function(anchor, |bn| {
        bn.iter(|| {
            let (_, f) = &frames[k % frames.len()];
            k = k.wrapping_add(1);
            let fr = BpduFrame::parse(black_box(f)).ok()?;
            let FrameKind::Bpdu(octets) = fr.kind else {
                return None;
            };
            let bpdu = Bpdu::parse(octets).ok()?;
            // The MSTI records are read, as the bridge reads them.
            let mut acc = 0u32;
            if let Bpdu::Mst(m) = &bpdu {
                for r in m.mstis.iter() {
                    acc = acc.wrapping_add(r.internal_root_path_cost);
                }
            }
            black_box((fr.src, bpdu, acc));
            Some(())
        });
    });
}

/// A root bridge of `n` edge ports (hello 1 s) whose links came up 1 s / n apart, run until
/// only Hello timers are left.
fn staggered_root(n: u16) -> (Bridge, Instant) {
    let mut cfg = BridgeConfig::new(MacAddr([0x02, 0, 0, 0, 0, 0x10]));
    cfg.hello_time = 1;
    cfg.max_age = 6;
    cfg.forward_delay = 4;
    let mut b = Bridge::new(cfg).expect("bridge");
    let step = Duration::from_nanos(1_000_000_000 / u64::from(n));
    let mut buf = [0u8; 1514];
    let mut now = Instant::ZERO;
    for i in 1..=n {
        let mut pc = PortConfig::new(port_mac(i));
        pc.admin_edge = true;
        b.add_port(now, PortNo(i), pc).expect("port");
        while let Some(t) = b.poll_timeout().filter(|t| *t <= now) {
            b.handle_timeout(t);
        }
        b.handle_link(now, PortNo(i), UP);
        drain(&mut b, &mut buf);
        now += step;
    }
    let end = now + Duration::from_secs(20);
    while let Some(t) = b.poll_timeout().filter(|t| *t <= end) {
        b.handle_timeout(t);
        drain(&mut b, &mut buf);
    }
    (b, end)
}

fn stp_bridge(c: &mut Criterion) {
    let mut g = c.benchmark_group("stp_bridge");

    // (a) steady-state receive: RSTP, then MSTP with 16 MSTIs
    rx_pair(
        &mut g,
        "rx_steady/bridge_64",
        "rx_steady/decode",
        steady_64(),
    );
    rx_pair(
        &mut g,
        "rx_steady/mstp_64x16",
        "rx_steady/decode_mst",
        steady_mstp_64x16(),
    );

    // (b) one timer firing among N ports
    for n in [8u16, 512] {
        let (mut b, mut now) = staggered_root(n);
        let mut buf = [0u8; 1514];
        g.bench_function(format!("timer/ports_{n}"), |bn| {
            bn.iter_custom(|iters| {
                let tx_before = b.stats().bpdus_tx;
                let start = std::time::Instant::now();
                for _ in 0..iters {
                    let t = b.poll_timeout().expect("a timer runs");
                    assert!(t > now, "two firings at one instant");
                    now = t;
                    b.handle_timeout(t);
                    while let Some(tx) = b.poll_transmit(&mut buf) {
                        let _ = black_box(tx);
                    }
                    while let Some(e) = b.poll_event() {
                        black_box(e);
                    }
                }
                let elapsed = start.elapsed();
                assert_eq!(b.stats().bpdus_tx - tx_before, iters, "one BPDU per firing");
                elapsed
            });
        });
    }
    g.finish();
}

criterion_group!(benches, stp_bridge);
criterion_main!(benches);
