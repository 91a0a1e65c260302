//! The drivers do not grow without bound under a flood (issue 8, "Hardening"): live heap bytes
//! (allocated minus freed, [`alloc_check::live_bytes`]) are measured after a warm-up and their
//! high-water mark over the rest of the flood must stay within a small bound.
//!
//! * `lacp::System` fed LACPDUs from 100,000 distinct partners (System MAC, key and port
//!   change with every frame) on its four ports;
//! * `fdb::Fdb` fed 1,000,000 new MACs against a 10,000-entry limit (10,000,000 against
//!   1,000,000 with `MLAG_ALLOC_FLOOD_10M=1`, the performance.md case; release build advised);
//! * `iccp::Session` fed 100,000 frames: its peer's valid frames re-sent from 100,000 other
//!   source MACs (other peers), with their bodies corrupted, and random garbage;
//! * `stp::Bridge` fed 100,000 RST BPDUs from as many different bridges (root and bridge
//!   identifiers drawn at random) on its two ports.
//!
//! The drivers are drained after each input as their hosts do (transmit and event queues).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use alloc_check::{CountingAlloc, live_bytes, peak_since_reset, reset_peak};
use core::time::Duration;
use l2_types::{Instant, MacAddr, PortNo};
use std::path::Path;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// splitmix64: the test's deterministic randomness.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pcap(name: &str) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(name);
    let mut r = pcap_file::pcap::PcapReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        out.push(p.unwrap().data.into_owned());
    }
    out
}

/// Live bytes now, and the high-water mark restarts from here.
fn mark() -> i64 {
    let base = live_bytes();
    reset_peak();
    base
}

const KIB: i64 = 1024;

#[test]
fn lacp_system_flooded_by_100k_partners_stays_bounded() {
    use lacp::{LagConfig, LagId, LinkState, PortConfig, System, SystemConfig};
    let up = LinkState::Up {
        speed_mbps: 1000,
        full_duplex: true,
    };
    let golden = pcap("LACP.pcap");
    let template = golden[0].clone();
    let mut sys = System::new(SystemConfig::new(MacAddr([2, 0, 0, 0, 0, 1])));
    let mut now = Instant::ZERO;
    sys.add_lag(now, LagId(1), LagConfig::new(1)).unwrap();
    for p in 1..=4u16 {
        let mac = MacAddr([2, 0, 0, 0, 1, p as u8]);
        sys.add_port(
            now,
            PortNo(p),
            PortConfig::new(mac, LagId(1), p).with_short_timeout(),
        )
        .unwrap();
        sys.handle_link(now, PortNo(p), up);
    }
    let mut rng = 1u64;
    let mut buf = [0u8; 256];
    let mut frame = template.clone();
    let mut feed = |sys: &mut System, n: u32, now: &mut Instant| {
        for i in 0..n {
            // A new partner: actor System (octets 20..26 of the frame), key and port.
            let r = next(&mut rng).to_be_bytes();
            frame[20..26].copy_from_slice(&[2, r[0], r[1], r[2], r[3], r[4]]);
            frame[26..28].copy_from_slice(&r[5..7]);
            frame[30..32].copy_from_slice(&[r[7], 1]);
            *now += Duration::from_millis(1);
            let port = PortNo(1 + (i % 4) as u16);
            let _ = sys.handle_frame(*now, port, &frame);
            while sys.poll_timeout().is_some_and(|t| t <= *now) {
                sys.handle_timeout(*now);
            }
            while sys.poll_transmit(&mut buf).is_some() {}
            while sys.poll_event().is_some() {}
        }
    };
    let mut t = now;
    feed(&mut sys, 1_000, &mut t);
    let base = mark();
    feed(&mut sys, 100_000, &mut t);
    let grew = peak_since_reset() - base;
    now = t;
    sys.check_invariants().unwrap();
    let st = sys.stats();
    assert!(st.frames_rx >= 101_000);
    // The LACPDUs were taken as valid ones (not counted as errors).
    let refused = st.illegal_rx + st.unknown_rx + st.bad_destination_rx + st.loopback_rx;
    assert!(refused < 1_000, "{st:?}");
    println!("ALLOC | lacp::System, 100k partners | base {base} B | grew {grew} B |");
    assert!(
        grew <= 16 * KIB,
        "lacp::System grew {grew} B over 100k partners (base {base} B)"
    );
    let _ = now;
}

fn fdb_flood(limit: u32, macs: u64) -> (i64, i64, u64) {
    use fdb::{Fdb, FdbConfig, Location};
    use l2_types::VlanId;
    let cfg = FdbConfig {
        entries_max: limit,
        ..FdbConfig::new(0x5eed, 1)
    };
    let mut t = Fdb::new(cfg).unwrap();
    let mut rng = 7u64;
    let now = Instant::from_secs(1);
    let mut learned = 0u64;
    let mut learn = |t: &mut Fdb, n: u64, learned: &mut u64| {
        for i in 0..n {
            let mac = MacAddr::from_u64(next(&mut rng) & 0xfeff_ffff_ffff);
            let port = PortNo(1 + (i % 8) as u16);
            if matches!(
                t.learn(now, VlanId::DEFAULT, mac, Location::Port(port)),
                fdb::Learn::New
            ) {
                *learned += 1;
            }
        }
    };
    // Warm-up: fill the table to its limit (and twice as many attempts).
    let warm = u64::from(limit) * 2;
    learn(&mut t, warm, &mut learned);
    let base = mark();
    learn(&mut t, macs - warm, &mut learned);
    let grew = peak_since_reset() - base;
    assert!(
        t.len() <= limit as usize,
        "{} entries over the limit {limit}",
        t.len()
    );
    t.check_invariants().unwrap();
    (base, grew, learned)
}

#[test]
fn fdb_flooded_by_new_macs_stays_bounded() {
    let (limit, macs) = if std::env::var_os("MLAG_ALLOC_FLOOD_10M").is_some() {
        (1_000_000, 10_000_000)
    } else {
        (10_000, 1_000_000)
    };
    let (base, grew, learned) = fdb_flood(limit, macs);
    println!(
        "ALLOC | fdb::Fdb, {macs} new MACs against {limit} | base {base} B | grew {grew} B | learned {learned} |"
    );
    assert_eq!(
        learned,
        u64::from(limit),
        "learned {learned} of the {limit} allowed"
    );
    // The table and its journal are full after the warm-up: rejected learns cost nothing.
    assert!(
        grew <= 16 * KIB,
        "Fdb grew {grew} B after reaching its limit (base {base} B)"
    );
}

#[test]
fn iccp_session_flooded_by_other_peers_and_garbage_stays_bounded() {
    use iccp::{LinkState, Session, SessionConfig};
    let mut now = Instant::ZERO;
    let mut a = Session::new(SessionConfig::new(MacAddr([2, 0, 0, 0, 1, 0])), now);
    let mut b = Session::new(SessionConfig::new(MacAddr([2, 0, 0, 0, 2, 0])), now);
    a.handle_link(now, LinkState::Up);
    b.handle_link(now, LinkState::Up);
    let mut buf = vec![0u8; iccp::wire::l2::FRAME_MAX];
    let mut frames: Vec<Vec<u8>> = Vec::new();
    // The real peer's frames (connect, heartbeats) to replay from elsewhere.
    for _ in 0..100 {
        now += Duration::from_millis(100);
        a.handle_timeout(now);
        b.handle_timeout(now);
        while let Some(t) = a.poll_transmit(now, &mut buf) {
            let _ = b.handle_frame(now, &buf[..t.len]);
        }
        while let Some(t) = b.poll_transmit(now, &mut buf) {
            let f = buf[..t.len].to_vec();
            let _ = a.handle_frame(now, &f);
            frames.push(f);
        }
        while a.poll_event().is_some() {}
        while b.poll_event().is_some() {}
    }
    assert!(!frames.is_empty());
    let mut rng = 3u64;
    let mut feed = |a: &mut Session, n: u32, now: &mut Instant| {
        for i in 0..n {
            let r = next(&mut rng);
            let mut f = frames[(r % frames.len() as u64) as usize].clone();
            match i % 4 {
                // Another peer: a new source MAC.
                0 | 1 => f[6..12].copy_from_slice(&[
                    2,
                    (r >> 8) as u8,
                    (r >> 16) as u8,
                    (r >> 24) as u8,
                    (r >> 32) as u8,
                    (r >> 40) as u8,
                ]),
                // A corrupted body.
                2 => {
                    let at = 14 + ((r >> 8) as usize % (f.len() - 14));
                    f[at] ^= (r >> 56) as u8 | 1;
                }
                // Garbage after a valid Ethernet header.
                _ => {
                    for x in f.iter_mut().skip(14) {
                        *x = next(&mut rng) as u8;
                    }
                }
            }
            *now += Duration::from_millis(1);
            let _ = a.handle_frame(*now, &f);
            if a.poll_timeout().is_some_and(|t| t <= *now) {
                a.handle_timeout(*now);
            }
            while a.poll_transmit(*now, &mut buf).is_some() {}
            while a.poll_event().is_some() {}
            while a.poll_app().is_some() {}
        }
    };
    let mut t = now;
    feed(&mut a, 1_000, &mut t);
    let base = mark();
    feed(&mut a, 100_000, &mut t);
    let grew = peak_since_reset() - base;
    // Every frame reached the session and was counted (taken, or refused with a reason).
    let c = a.counters();
    let seen = c.rx_frames
        + c.rx_malformed
        + c.rx_replay
        + c.rx_unexpected_session
        + c.rx_duplicate
        + c.rx_out_of_order
        + c.rx_out_of_window
        + c.rx_bad_ack;
    assert!(seen >= 100_000, "{c:?}");
    println!(
        "ALLOC | iccp::Session, 100k frames from other peers/garbage | base {base} B | grew {grew} B |"
    );
    assert!(
        grew <= 64 * KIB,
        "iccp::Session grew {grew} B (base {base} B)"
    );
}

#[test]
fn stp_bridge_flooded_by_100k_bridges_stays_bounded() {
    use stp::{Bridge, BridgeConfig, LinkState, PortConfig};
    let up = LinkState::Up {
        speed_mbps: 1000,
        full_duplex: true,
    };
    // An RST BPDU from the RSTP capture to rewrite.
    let template = pcap("802.1w_rapid_STP.pcap")
        .into_iter()
        .find(|f| f.len() >= 14 + 3 + 36 && f[14 + 3 + 2] == 2)
        .expect("an RST BPDU in the capture");
    let mut now = Instant::ZERO;
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0x0b, 0]))).unwrap();
    for p in 1..=2u16 {
        b.add_port(
            now,
            PortNo(p),
            PortConfig::new(MacAddr([2, 0, 0, 0, 0x0b, p as u8])),
        )
        .unwrap();
        b.handle_link(now, PortNo(p), up);
    }
    let mut rng = 11u64;
    let mut buf = [0u8; 256];
    let mut frame = template;
    let mut feed = |b: &mut Bridge, n: u32, now: &mut Instant| {
        for i in 0..n {
            // Root identifier (octets 22..30) and bridge identifier (34..42) of a new bridge.
            let r = next(&mut rng).to_be_bytes();
            let s = next(&mut rng).to_be_bytes();
            frame[22..30].copy_from_slice(&r);
            frame[34..42].copy_from_slice(&s);
            *now += Duration::from_millis(1);
            let _ = b.handle_frame(*now, PortNo(1 + (i % 2) as u16), &frame);
            while b.poll_timeout().is_some_and(|t| t <= *now) {
                b.handle_timeout(*now);
            }
            while b.poll_transmit(&mut buf).is_some() {}
            while b.poll_event().is_some() {}
        }
    };
    let mut t = now;
    feed(&mut b, 1_000, &mut t);
    let base = mark();
    feed(&mut b, 100_000, &mut t);
    let grew = peak_since_reset() - base;
    now = t;
    b.check_invariants().unwrap();
    assert!(b.stats().bpdus_rx >= 101_000, "{:?}", b.stats());
    assert!(b.stats().rx_errors < 1_000, "{:?}", b.stats());
    println!("ALLOC | stp::Bridge, 100k bridges | base {base} B | grew {grew} B |");
    assert!(
        grew <= 16 * KIB,
        "stp::Bridge grew {grew} B over 100k bridges (base {base} B)"
    );
    let _ = now;
}
