//! Hitless restart of one peer's control plane (issue 6): in the simulated Quick setup with
//! streams between the client and both hosts, Peer1's coordinator is replaced at a random
//! instant by `Coordinator::restore(snapshot(now))` — at once, and after the control plane was
//! down for up to 1 s of virtual time while the dataplane kept forwarding (control frames
//! lost). Held to: no client LACP renegotiation (no partner change, no member leaving
//! distribution), no ICCP disconnect on either side, the role and the system-id unchanged at
//! every step, no frame lost or duplicated (the sim's duplicate and loop checks run on every
//! step), the FDB mirrors in step with each other afterwards.
//!
//! And the refusals: every truncation, random octet flips, another configuration, an older
//! format version, a restore instant before the snapshot's — each a typed error.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::PortNo;
use l2_types::{Duration, Instant};
use mlag_core::coordinator::{Coordinator, Options, SNAPSHOT_VERSION, SnapshotError};
use mlag_core::dataplane::PortState;
use mlag_core::sim::{
    Endpoint, MlagPeer, Node, QuickSetup, QuickSetupParams, Rng, SimDataplane, fdb_mirrors_agree,
};

use Endpoint::{Client, Host1, Host2};

const STREAMS: [(Endpoint, Endpoint); 6] = [
    (Client, Host1),
    (Client, Host2),
    (Host1, Client),
    (Host2, Client),
    (Host1, Host2),
    (Host2, Host1),
];

fn setup(seed: u64) -> QuickSetup {
    let mut q = QuickSetup::build(QuickSetupParams::new(seed)).unwrap();
    q.net.run_until(q.params.traffic_start);
    assert!(
        q.converged(2),
        "seed {seed}: not converged when the traffic starts"
    );
    q
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PeerState {
    status: iccp::Status,
    role: Option<iccp::Role>,
    system_id: l2_types::MacAddr,
}

fn states(q: &QuickSetup) -> [PeerState; 2] {
    // The peer's view follows every ICCP event (status, role, system-id): cheap per step.
    [0, 1].map(|i| {
        let v = q.peer(i).unwrap().view();
        PeerState {
            status: v.status,
            role: v.role,
            system_id: v.system_id,
        }
    })
}

/// Runs the restart of peer `who` at a random instant with the control plane down for
/// `down_for`, and checks everything the module docs promise. Returns the frames lost.
fn hitless(seed: u64, who: usize, down_for: Duration) -> u64 {
    let mut q = setup(seed);
    let mut rng = Rng::new(seed ^ 0x4177);
    // A random instant 1–4 s into the traffic (LACPDUs, heartbeats, BPDUs and FDB refreshes
    // in flight at arbitrary phases).
    let at = q.params.traffic_start
        + Duration::from_millis(1000)
        + Duration::from_micros(rng.below(3_000_000));
    q.net.run_until(at);
    let before = states(&q);
    assert!(
        before.iter().all(|s| s.status == iccp::Status::Connected),
        "seed {seed}: not connected before"
    );
    let client_before = *q.client().unwrap().stats();
    let other = 1 - who;
    let other_iccp = q.peer(other).unwrap().monitor().iccp;
    let mine_iccp = q.peer(who).unwrap().monitor().iccp;
    let removals = [0, 1].map(|i| q.peer(i).unwrap().dataplane().stats().fdb_removals);
    let forwarding = [0, 1].map(|i| {
        let s = q.peer(i).unwrap().dataplane().stats();
        (s.next_hop_calls, s.peer_forwarding_calls)
    });
    q.net
        .with_node::<MlagPeer, _>(q.peers[who], |p, now| p.hitless_restart(now, down_for))
        .unwrap();
    // Role, system-id and connection checked at every step for 10 s.
    let end = q.net.now() + Duration::from_secs(10);
    while q.net.now() < end && q.net.step() {
        let s = states(&q);
        let paused = q.peer(who).unwrap().control_plane_down();
        for i in 0..2 {
            if i == who && paused {
                continue;
            }
            assert_eq!(
                s[i],
                before[i],
                "seed {seed}: peer {i} changed at {:?} (restart of peer {who} at {at:?}, down \
                 {down_for:?})",
                q.net.now()
            );
        }
    }
    let stats = q.peer(who).unwrap().stats();
    assert_eq!(stats.hitless_restarts, 1);
    assert_eq!(
        stats.hitless_failures, 0,
        "seed {seed}: the snapshot did not restore"
    );
    assert_eq!(stats.restarts, 0);
    // The client saw nothing.
    let client = *q.client().unwrap().stats();
    assert_eq!(
        client.partner_changes, client_before.partner_changes,
        "seed {seed}: the client renegotiated"
    );
    assert_eq!(
        client.distributing_lost, client_before.distributing_lost,
        "seed {seed}: a client member stopped distributing"
    );
    assert_eq!(q.client().unwrap().distributing().count(), 2);
    // The other peer's session never went down, nor did the restored one's.
    let other_after = q.peer(other).unwrap().monitor().iccp;
    assert_eq!(other_after.connects, other_iccp.connects, "seed {seed}");
    assert_eq!(
        other_after.disconnects, other_iccp.disconnects,
        "seed {seed}"
    );
    let mine_after = q.peer(who).unwrap().monitor().iccp;
    assert_eq!(mine_after.disconnects, 0, "seed {seed}: {mine_iccp:?}");
    assert_eq!(mine_after.connects, 0, "seed {seed}");
    // No dataplane removal anywhere, and the forwarding calls re-assert (one per MLAG on
    // the restored peer), never change.
    for i in 0..2 {
        let s = q.peer(i).unwrap().dataplane().stats();
        assert_eq!(
            s.fdb_removals, removals[i],
            "seed {seed}: peer {i} removed an entry"
        );
        let n = q.peer(i).unwrap().monitor().mlags.len() as u64;
        let extra = if i == who { n } else { 0 };
        assert_eq!(
            (s.next_hop_calls, s.peer_forwarding_calls),
            (forwarding[i].0 + extra, forwarding[i].1 + extra),
            "seed {seed}: peer {i}'s next hops moved"
        );
    }
    // Traffic: nothing lost, nothing twice, no loop (the sim checks every step).
    let mut lost = 0;
    for (from, to) in STREAMS {
        let rx = q.rx(from, to).unwrap();
        assert_eq!(
            rx.duplicates, 0,
            "seed {seed}: {from:?} → {to:?} duplicated"
        );
        lost += rx.missing();
    }
    assert!(
        q.net.violations().is_empty(),
        "seed {seed}: {:?}",
        q.net.violations()
    );
    // The FDBs: each mirror at the other's position, and equal to it.
    for (o, m) in [(0, 1), (1, 0)] {
        let (own, mirror) = (
            q.peer(o).unwrap().coordinator().fdb(),
            q.peer(m).unwrap().coordinator().fdb(),
        );
        assert_eq!(
            mirror.peer_position(),
            own.sync_position(),
            "seed {seed}: peer {m}'s mirror is not at peer {o}'s position"
        );
        assert!(!own.own_records().is_empty());
    }
    fdb_mirrors_agree(&q.net, q.peers).unwrap();
    lost
}

#[test]
fn restore_at_the_same_instant_is_invisible() {
    for seed in [1, 2, 3] {
        for who in [0, 1] {
            let lost = hitless(seed, who, Duration::ZERO);
            assert_eq!(lost, 0, "seed {seed}, peer {who}: frames lost");
        }
    }
}

#[test]
fn control_plane_down_for_up_to_a_second_is_invisible() {
    for seed in [5, 6] {
        let mut rng = Rng::new(seed);
        for who in [0, 1] {
            let down = Duration::from_millis(1 + rng.below(1000));
            let lost = hitless(seed, who, down);
            // The dataplane forwarded throughout: nothing is lost.
            assert_eq!(
                lost, 0,
                "seed {seed}, peer {who}, down {down:?}: frames lost"
            );
        }
    }
}

#[test]
fn control_plane_down_for_a_full_second() {
    assert_eq!(hitless(8, 0, Duration::from_secs(1)), 0);
    assert_eq!(hitless(9, 1, Duration::from_secs(1)), 0);
}

/// A snapshot of Peer1 in steady state, its configuration, and options for a restore.
fn steady_snapshot() -> (Vec<u8>, QuickSetup, Instant) {
    let mut q = setup(21);
    q.net
        .run_until(q.params.traffic_start + Duration::from_secs(2));
    let now = q.net.now();
    let bytes = q.peer(0).unwrap().coordinator().snapshot(now);
    (bytes, q, now)
}

fn opts() -> Options {
    let mut o = Options::new(0xABCD);
    o.backup = true;
    o
}

fn restore(q: &QuickSetup, peer: usize, bytes: &[u8], now: Instant) -> Result<(), SnapshotError> {
    let cfg = q.peer(peer).unwrap().coordinator().config().clone();
    let dp = SimDataplane::new(&cfg, PortState::Forwarding);
    Coordinator::restore(cfg, dp, &opts(), bytes, now).map(|_| ())
}

#[test]
fn the_steady_snapshot_restores() {
    let (bytes, q, now) = steady_snapshot();
    restore(&q, 0, &bytes, now).unwrap();
    restore(&q, 0, &bytes, now + Duration::from_secs(1)).unwrap();
    // A restored coordinator snapshots to the same state (but for nothing: same octets).
    let cfg = q.peer(0).unwrap().coordinator().config().clone();
    let dp = SimDataplane::new(&cfg, PortState::Forwarding);
    let c = Coordinator::restore(cfg, dp, &opts(), &bytes, now).unwrap();
    assert_eq!(
        c.monitor().system_id,
        q.peer(0).unwrap().monitor().system_id
    );
    assert_eq!(
        c.monitor().active_role,
        q.peer(0).unwrap().monitor().active_role
    );
    assert_eq!(c.monitor().mlags, q.peer(0).unwrap().monitor().mlags);
    // The FDB: the own entries and the mirror as they were (the mirror at the peer's
    // position); the own table under a new epoch.
    let (old, new) = (q.peer(0).unwrap().coordinator().fdb(), c.fdb());
    assert_eq!(new.own_records(), old.own_records());
    assert_eq!(new.peer_records(), old.peer_records());
    assert!(!new.peer_records().is_empty());
    assert_eq!(new.peer_position(), old.peer_position());
    assert_ne!(new.sync_position().0, old.sync_position().0);
    assert_eq!(
        c.monitor().fdb.programmed,
        q.peer(0).unwrap().monitor().fdb.programmed
    );
    assert_eq!(
        c.monitor().stp.bridge_id,
        q.peer(0).unwrap().monitor().stp.bridge_id
    );
    assert_eq!(c.monitor().stp.mode, q.peer(0).unwrap().monitor().stp.mode);
    assert_eq!(
        c.lacp().lags().count(),
        q.peer(0).unwrap().coordinator().lacp().lags().count()
    );
}

#[test]
fn every_truncation_is_refused() {
    let (bytes, q, now) = steady_snapshot();
    for n in 0..bytes.len() {
        let e = restore(&q, 0, &bytes[..n], now).unwrap_err();
        assert!(
            matches!(
                e,
                SnapshotError::Truncated | SnapshotError::Checksum | SnapshotError::BadMagic
            ),
            "{n}: {e:?}"
        );
    }
}

#[test]
fn random_octet_flips_are_refused() {
    let (bytes, q, now) = steady_snapshot();
    let mut rng = Rng::new(77);
    for _ in 0..2000 {
        let mut b = bytes.clone();
        let i = usize::try_from(rng.below(b.len() as u64)).unwrap();
        let x = 1 + u8::try_from(rng.below(255)).unwrap();
        b[i] ^= x;
        assert!(
            restore(&q, 0, &b, now).is_err(),
            "flip {x:#x} at {i} accepted"
        );
    }
    // Several octets at once.
    for _ in 0..500 {
        let mut b = bytes.clone();
        for _ in 0..1 + rng.below(8) {
            let i = usize::try_from(rng.below(b.len() as u64)).unwrap();
            b[i] = b[i].wrapping_add(1 + u8::try_from(rng.below(255)).unwrap());
        }
        assert!(restore(&q, 0, &b, now).is_err());
    }
}

#[test]
fn another_configuration_is_refused() {
    let (bytes, q, now) = steady_snapshot();
    // Peer2's configuration with Peer1's snapshot.
    let e = restore(&q, 1, &bytes, now).unwrap_err();
    assert!(matches!(e, SnapshotError::ConfigMismatch(_)), "{e:?}");
    // Peer1's configuration with another MLAG priority.
    let mut cfg = q.params.configs[0].clone();
    cfg.mlag.priority = 7;
    let valid = cfg.validate().unwrap();
    let dp = SimDataplane::new(&valid, PortState::Forwarding);
    let e = Coordinator::restore(valid, dp, &opts(), &bytes, now).unwrap_err();
    assert!(
        matches!(
            e,
            SnapshotError::ConfigMismatch(_)
                | SnapshotError::Iccp(iccp::SnapshotError::ConfigMismatch(_))
        ),
        "{e:?}"
    );
    // Without the backup path the snapshot's ICCP session does not fit.
    let cfg = q.peer(0).unwrap().coordinator().config().clone();
    let dp = SimDataplane::new(&cfg, PortState::Forwarding);
    let e = Coordinator::restore(cfg, dp, &Options::new(1), &bytes, now).unwrap_err();
    assert!(
        matches!(
            e,
            SnapshotError::Iccp(iccp::SnapshotError::ConfigMismatch(_))
        ),
        "{e:?}"
    );
}

#[test]
fn an_older_format_version_and_a_time_before_the_snapshot_are_refused() {
    let (bytes, q, now) = steady_snapshot();
    let mut b = bytes.clone();
    b[8] = SNAPSHOT_VERSION - 1;
    assert_eq!(
        restore(&q, 0, &b, now).unwrap_err(),
        SnapshotError::Version(SNAPSHOT_VERSION - 1)
    );
    assert_eq!(
        restore(&q, 0, &bytes, now.saturating_sub(Duration::from_millis(1))).unwrap_err(),
        SnapshotError::TimeWentBack
    );
    assert_eq!(
        restore(&q, 0, b"not a snapshot", now).unwrap_err(),
        SnapshotError::BadMagic
    );
}

/// Figures for BENCHMARKS.md's failover table: streams at 100 µs, Peer1's control plane
/// restarted at 7.5 s — hitless (at once, and down 1 s) against the anchor measured in the same
/// run, a cold restart of the control plane on the same running dataplane (a new coordinator
/// from the configuration, no snapshot: what a process restart did before). Long (streams at
/// 100 µs, 17.5 s twice and 47.5 s once): `cargo test -p mlag-core --test hitless_restart -- figures
/// --include-ignored --nocapture` prints the `FAILOVER` lines.
#[test]
#[ignore = "long; prints the BENCHMARKS.md figures"]
fn figures() {
    #[derive(Debug)]
    struct F {
        outage: Duration,
        lost: u64,
        duplicates: u64,
        renegotiations: u64,
        iccp_disconnects: u64,
    }
    fn run(mode: u8) -> F {
        let mut p = QuickSetupParams::new(11);
        p.interval = Duration::from_micros(100);
        let mut q = QuickSetup::build(p).unwrap();
        q.net.run_until(q.params.traffic_start);
        assert!(q.converged(2));
        q.net.run_until(Instant::from_millis(7500));
        let client_before = *q.client().unwrap().stats();
        let disc_before = q.peer(1).unwrap().monitor().iccp.disconnects;
        q.net
            .with_node::<MlagPeer, _>(q.peers[0], |peer, now| match mode {
                0 => peer.hitless_restart(now, Duration::ZERO),
                1 => peer.hitless_restart(now, Duration::from_secs(1)),
                _ => {
                    let cfg = peer.coordinator().config().clone();
                    let dp = core::mem::replace(
                        peer.coordinator_mut().dataplane_mut(),
                        SimDataplane::new(&cfg, PortState::Forwarding),
                    );
                    let mut o = Options::new(999);
                    o.backup = true;
                    let ports: Vec<PortNo> = ["sfp-sfpplus1", "sfp-sfpplus2", "ether1"]
                        .iter()
                        .filter_map(|n| cfg.find(n).map(|i| cfg.port_no(i)))
                        .collect();
                    *peer.coordinator_mut() = Coordinator::new(cfg, dp, &o, now).unwrap();
                    // A new process learns the links from the host, as at boot.
                    for p in ports.into_iter().chain([QuickSetup::BACKUP_PORT]) {
                        Node::handle_link(peer, now, p, true);
                    }
                }
            })
            .unwrap();
        let after = if mode == 2 { 40_000 } else { 10_000 };
        q.net.run_until(Instant::from_millis(7500 + after));
        let now = q.net.now();
        let mut f = F {
            outage: Duration::ZERO,
            lost: 0,
            duplicates: 0,
            renegotiations: q.client().unwrap().stats().partner_changes
                - client_before.partner_changes,
            iccp_disconnects: q.peer(1).unwrap().monitor().iccp.disconnects - disc_before,
        };
        for (from, to) in STREAMS {
            let rx = q.rx(from, to).unwrap();
            let stalled = rx
                .last_at
                .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
            f.outage = f.outage.max(
                rx.longest_gap
                    .max(stalled)
                    .saturating_sub(q.params.interval),
            );
            f.lost += rx.missing();
            // A stream that stopped arriving lost everything sent since (but what is in
            // flight at the end: a stream still arriving loses nothing at its tail).
            if stalled > Duration::from_millis(1) {
                let next = rx.max_seq.map_or(0, |m| m + 1);
                f.lost += q.sent(from, to).saturating_sub(next);
            }
            f.duplicates += rx.duplicates;
        }
        f
    }
    let names = [
        "control-plane restart, hitless (snapshot → restore at once)",
        "control-plane restart, hitless, control plane down 1 s",
        "anchor: cold control-plane restart (new coordinator, same dataplane)",
    ];
    let figures: Vec<F> = (0..3).map(run).collect();
    for (name, f) in names.iter().zip(&figures) {
        println!(
            "FAILOVER | {name} | outage {:?} | lost {} | duplicates {} | renegotiations {} | \
             peer ICCP disconnects {} |",
            f.outage, f.lost, f.duplicates, f.renegotiations, f.iccp_disconnects
        );
    }
    for f in &figures[..2] {
        assert_eq!(f.lost, 0);
        assert_eq!(f.duplicates, 0);
        assert_eq!(f.renegotiations, 0);
        assert_eq!(f.iccp_disconnects, 0);
    }
}
