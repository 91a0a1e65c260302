//! The fault-injection campaign (`mlag_core::sim::chaos`, `mlag chaos`) on a small sample:
//! without faults every random topology converges and passes every invariant; with its fault
//! schedule, a seed's run is the same every time; and the 20-seed sample passes (seeds 8 and
//! 9, the last two failures, were chaos finding 2: see `chaos_restart.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use mlag_core::sim::chaos::{RunOptions, Scenario};

#[test]
fn random_topologies_without_faults_pass_every_invariant() {
    for seed in 0..10 {
        let s = Scenario::generate(seed);
        let o = s.run(&RunOptions {
            only: Some(Vec::new()),
            pcap: false,
            ..RunOptions::default()
        });
        assert!(
            o.finding.is_none(),
            "seed {seed} without faults: {}\n{}",
            o.finding.unwrap(),
            s.describe()
        );
        assert!(o.frames > 500, "seed {seed}: {o:?}");
    }
}

#[test]
fn a_seed_replays_identically() {
    for seed in [9, 13] {
        let s = Scenario::generate(seed);
        let opts = RunOptions {
            only: None,
            pcap: true,
            ..RunOptions::default()
        };
        let (a, b) = (s.run(&opts), s.run(&opts));
        assert_eq!(a.finding, b.finding, "seed {seed}");
        assert_eq!(a.steps, b.steps);
        assert_eq!(a.pcap, b.pcap, "seed {seed}: the captures differ");
    }
}

#[test]
fn chaos_sample_of_20_seeds_passes() {
    let mut failed = Vec::new();
    for seed in 0..20 {
        let s = Scenario::generate(seed);
        if let Some(f) = s.run(&RunOptions::default()).finding {
            failed.push(format!("seed {seed}: {f}"));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// The BPDUs of a capture (classic pcap, as [`RunOptions::pcap`] returns it): (source MAC,
/// Bridge Identifier's MAC, Port Identifier) of every Configuration or RST BPDU.
fn bpdus(pcap: &[u8]) -> Vec<([u8; 6], [u8; 6], u16)> {
    const BRIDGE_GROUP: [u8; 6] = [0x01, 0x80, 0xc2, 0, 0, 0];
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= pcap.len() {
        let incl = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        let frame = &pcap[at + 16..at + 16 + incl];
        at += 16 + incl;
        // 802.3 length field, LLC 42-42-03, Protocol Identifier 0, type Config (0) or RST (2).
        if frame.len() < 43 || frame[..6] != BRIDGE_GROUP || frame[14..17] != [0x42, 0x42, 3] {
            continue;
        }
        if frame[20] != 0 && frame[20] != 2 {
            continue;
        }
        let src: [u8; 6] = frame[6..12].try_into().unwrap();
        let bridge: [u8; 6] = frame[35..41].try_into().unwrap();
        let port = u16::from_be_bytes([frame[41], frame[42]]);
        out.push((src, bridge, port));
    }
    out
}

/// Regression (chaos finding 7, "failures without any fault in two-pair topologies",
/// `mlag chaos --seed 474 --faults none`, `--seed 2151 --faults none`): when a pair formed, the
/// secondary's own bridge took the pair's system-id before its single-homed ports were
/// renumbered (High), and sent one BPDU as the pair's bridge with the Low Port Identifier
/// (0x8001). The neighbour kept that record: the pair's BPDUs for the same link (the High
/// number, 0x8601) were inferior to it (802.1D-2004 17.6) and ignored until it aged out 6 s
/// later, when the whole tree reconverged under traffic — and the reconvergence looped.
/// Fault-free, a port speaks under the pair's Bridge Identifier with one Port Identifier only.
#[test]
fn two_pairs_without_faults_pass_and_each_port_keeps_its_port_identifier() {
    for seed in [474, 2151, 195, 524] {
        let s = Scenario::generate(seed);
        let o = s.run(&RunOptions {
            only: Some(Vec::new()),
            pcap: true,
            ..RunOptions::default()
        });
        assert!(
            o.finding.is_none(),
            "seed {seed} without faults: {}\n{}",
            o.finding.unwrap(),
            s.describe()
        );
        let mut seen: std::collections::BTreeMap<([u8; 6], [u8; 6]), u16> = Default::default();
        for (src, bridge, port) in bpdus(o.pcap.as_deref().unwrap()) {
            let first = *seen.entry((src, bridge)).or_insert(port);
            assert_eq!(
                first, port,
                "seed {seed}: port {src:02x?} sent BPDUs of bridge {bridge:02x?} as port \
                 {first:#06x} and as {port:#06x}"
            );
        }
    }
}
