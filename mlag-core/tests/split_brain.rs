//! Split-brain handling on the simulated Quick setup (`mlag_core::coordinator::split`): a
//! rejoining peer never makes the survivor isolate (gap A), a powered-off peer is found dead in
//! the probe window even when a stale keepalive is processed after the carrier loss (gap B),
//! a live peer never leaves two actives in front of the client, the winner grants an MLAG whose
//! own half the client does not use, and a slow backup path recovers. Each prints a `SPLIT`
//! line with its figures (BENCHMARKS.md's failover table).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use mlag_core::coordinator::split::PeerVerdict;
use mlag_core::sim::{CrashMode, Endpoint, LacpClientStats, QuickSetup, QuickSetupParams};

use Endpoint::{Client, Host2};

const PAIR_ID: l2_types::MacAddr = l2_types::MacAddr([2, 0, 0, 0, 1, 0]);
const H: Duration = Duration::from_secs(5);

fn setup(interval: Duration, routed: bool) -> QuickSetup {
    let mut p = QuickSetupParams::new(11);
    p.interval = interval;
    p.backup = true;
    p.backup_routed = routed;
    let mut q = QuickSetup::build(p).unwrap();
    q.net.run_until(q.params.traffic_start);
    assert!(q.converged(2), "not converged when the traffic starts");
    q
}

/// Peers (not crashed) whose half of the client's MLAG distributes with the pair's system-id
/// as LACP actor: more than one while the pair is split is a split brain.
fn actives(q: &QuickSetup) -> usize {
    (0..2)
        .filter(|i| !q.net.is_crashed(q.peers[*i]))
        .filter_map(|i| q.peer(i))
        .filter(|p| {
            let c = p.coordinator();
            let lag = c
                .lacp()
                .lags()
                .find(|l| l.key == mlag_core::config::lacp_key(10));
            lag.is_some_and(|l| {
                l.actor_system.mac == PAIR_ID
                    && l.actor_system.priority == mlag_core::coordinator::MLAG_LACP_SYSTEM_PRIORITY
                    && l.ports_distributing > 0
            })
        })
        .count()
}

fn client_stats(q: &QuickSetup) -> LacpClientStats {
    *q.client().unwrap().stats()
}

fn assert_clean(q: &QuickSetup) {
    assert!(q.net.violations().is_empty(), "{:#?}", q.net.violations());
}

/// Frames `from` sent to `to` that never arrived, and the longest gap minus the interval.
fn loss(q: &QuickSetup, from: Endpoint, to: Endpoint) -> (u64, Duration) {
    let rx = q.rx(from, to).unwrap_or_default();
    let stalled = rx
        .last_at
        .map_or(Duration::ZERO, |t| q.net.now().saturating_duration_since(t));
    (
        rx.missing(),
        rx.longest_gap
            .max(stalled)
            .saturating_sub(q.params.interval),
    )
}

/// Gap A, the lab's sequence (`lab/mlag-quick-setup.sh`, "Peer1 rejoining: no loss on the
/// surviving link"): Peer1's daemon is killed (its links keep carrier), Peer2 survives as
/// primary; Peer1 restarts, its backup keepalives and evidence reach Peer2 before ICCP
/// connects, and the handshake's election makes Peer2 secondary. Peer2 must not isolate: no
/// renegotiation, nothing lost on the surviving link.
#[test]
fn rejoining_peer_never_makes_the_survivor_isolate() {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    q.net.crash(q.peers[0], CrashMode::Hang);
    q.net.run_until(Instant::from_secs(40));
    let v = q.peer(1).unwrap().view();
    assert_eq!(v.role, Some(iccp::Role::Primary), "{v:?}");
    let before = (loss(&q, Client, Host2).0, loss(&q, Host2, Client).0);
    let stats = client_stats(&q);
    q.net.restart(q.peers[0]);
    let t0 = q.net.now();
    let mut was_secondary_unconnected = false;
    while q.net.now() < t0 + Duration::from_secs(10) {
        q.net.step();
        let v = q.peer(1).unwrap().view();
        assert!(
            !v.isolated,
            "the survivor isolated at {:?}",
            q.net.now() - t0
        );
        if v.role == Some(iccp::Role::Secondary) && v.status != iccp::Status::Connected {
            was_secondary_unconnected = true;
        }
    }
    // The lab's trigger was there: the survivor was secondary before ICCP connected.
    assert!(
        was_secondary_unconnected,
        "the scenario did not reproduce the lab's sequence"
    );
    assert!(q.converged(2));
    let after = (loss(&q, Client, Host2).0, loss(&q, Host2, Client).0);
    let s = client_stats(&q);
    println!(
        "SPLIT | peer rejoin after a kill (backup path heard before ICCP connects) | survivor \
         isolated: never | lost on the surviving link {} | renegotiations {} |",
        after.0 + after.1 - before.0 - before.1,
        s.partner_changes - stats.partner_changes
    );
    assert_eq!(
        after, before,
        "frames lost on the surviving link while Peer1 rejoined"
    );
    assert_eq!(s.partner_changes, stats.partner_changes);
    assert_eq!(
        s.no_member, stats.no_member,
        "the client lost its last member"
    );
    assert_clean(&q);
}

/// Peer1 powered off with a routed backup path (the lab: its daemon killed, then its links
/// down; Peer2 sees the peer-port's carrier drop and the backup path fall silent, with no
/// carrier to tell). The last keepalive Peer1 sent before it died is still in flight on the
/// (2 ms) backup path when the carrier drops, so it is *processed* after the carrier loss —
/// the old proof of life. Peer2 must not isolate, and must stand alone (primary) within the
/// probe window instead of the backup path's 3 H_b deadline.
fn power_off(at: Instant) -> (QuickSetup, Duration) {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    let link = q.backup_link.unwrap();
    let mut p = q.params.link;
    p.delay = Duration::from_millis(2);
    q.net.set_link_params(link, None, p);
    q.net.run_until(at);
    // Power off, links first seen by the others at once (L = 0): a hang plus the peer's
    // carriers lost; the routed backup path keeps its carrier.
    q.net.crash(q.peers[0], CrashMode::Hang);
    q.net.cut(q.peer_link);
    q.net.cut(q.client_links[0]);
    q.net.cut(q.host_links[0]);
    let t0 = q.net.now();
    let mut primary_at = None;
    let mut keepalive_after_cut = false;
    let rx0 = q.peer(1).unwrap().stats().backup_rx;
    while q.net.now() < t0 + Duration::from_secs(20) {
        q.net.step();
        let v = q.peer(1).unwrap().view();
        assert!(!v.isolated, "Peer2 isolated at {:?}", q.net.now() - t0);
        if q.peer(1).unwrap().stats().backup_rx > rx0 {
            keepalive_after_cut = true;
        }
        if primary_at.is_none() && v.role == Some(iccp::Role::Primary) {
            primary_at = Some(q.net.now() - t0);
        }
    }
    assert!(
        keepalive_after_cut,
        "no stale keepalive arrived after the cut"
    );
    let v = q.peer(1).unwrap().view();
    assert_eq!(v.role, Some(iccp::Role::Primary));
    assert_eq!(v.system_id, PAIR_ID);
    assert_eq!(
        q.peer(1).unwrap().coordinator().peer_verdict(),
        PeerVerdict::Dead
    );
    (q, primary_at.expect("Peer2 never became primary"))
}

#[test]
fn powered_off_peer_is_found_dead_in_the_probe_window_despite_a_stale_keepalive() {
    // Keepalives leave every H_b = 5 s; the one of t = 10 s is in flight until 10.002 s.
    let (q, primary) = power_off(Instant::from_secs(10) + Duration::from_micros(500));
    let probe = mlag_core::coordinator::split::PEER_PROBE_DEFAULT;
    let (lost_c, gap_c) = loss(&q, Client, Host2);
    let (lost_h, gap_h) = loss(&q, Host2, Client);
    println!(
        "SPLIT | peer power-off, routed backup path, stale keepalive processed after the \
         carrier loss | L + probe = {probe:?} | primary after {primary:?}; isolated never; \
         client<->host2 outage {:?} | {} | renegotiations {} |",
        gap_c.max(gap_h),
        lost_c + lost_h,
        client_stats(&q).partner_changes
    );
    assert!(primary <= probe + Duration::from_millis(1), "{primary:?}");
    assert!(primary < 3 * H, "{primary:?}");
    assert_eq!(client_stats(&q).partner_changes, 0);
    // Peer2's link carried on: the client lost only what was in flight on Peer1's links.
    assert!(
        gap_c.max(gap_h) <= Duration::from_millis(1),
        "{gap_c:?} {gap_h:?}"
    );
    assert_clean(&q);
}

/// The peer-link is cut while both peers live (backup path working): from the moment the
/// loser's new LACP identity reached the client (2L + d_b + one LACPDU), the client must never
/// distribute on both links again while the pair is split — checked at every step for 4 H_b,
/// past the backup path's deadline. Then the peer-link comes back and both links return.
#[test]
fn live_peer_never_leaves_two_actives() {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    q.net.cut(q.peer_link);
    let t0 = q.net.now();
    let mut single_at = None;
    while q.net.now() < t0 + 4 * H {
        q.net.step();
        let c = q.client().unwrap().distributing().count().max(actives(&q));
        match single_at {
            None if c <= 1 => single_at = Some(q.net.now() - t0),
            Some(at) => assert!(
                c <= 1,
                "two actives at {:?} (single since {at:?})",
                q.net.now() - t0
            ),
            None => {}
        }
    }
    let single = single_at.expect("the client kept both links");
    let v2 = q.peer(1).unwrap().view();
    let v1 = q.peer(0).unwrap().view();
    assert!(v2.isolated && !v1.isolated, "{v1:?} {v2:?}");
    assert_eq!(
        q.client().unwrap().distributing().collect::<Vec<_>>(),
        [PortNo(1)]
    );
    let d_b = q.params.link.delay;
    println!(
        "SPLIT | peer-link cut, peer alive (backup link {d_b:?}) | 2L + d_b = {d_b:?} | one \
         active after {single:?}, never two again over 4 H_b |"
    );
    // The evidence leaves at the cut and crosses the backup link; the new identity crosses the
    // client link: well inside the old H_b bound.
    assert!(single <= Duration::from_millis(1), "{single:?}");
    q.net.restore(q.peer_link);
    q.net.run_for(Duration::from_secs(10));
    assert!(q.converged(2));
    assert_clean(&q);
}

/// The client's LACP breaks the tie: Peer1 (the election's winner) has lost its member link to
/// the client when the peer-link is cut. Isolating Peer2 would cut the client off; instead
/// Peer1 grants the MLAG to Peer2 (after holding its own half out), and Peer2 keeps serving —
/// still never two actives: when Peer1's member link comes back during the split, its half
/// stays out.
#[test]
fn winner_grants_an_mlag_whose_client_it_cannot_reach() {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    q.net.cut(q.client_links[0]);
    q.net.run_for(Duration::from_millis(100));
    let before = loss(&q, Host2, Client).0;
    let stats = client_stats(&q);
    q.net.cut(q.peer_link);
    q.net.run_for(Duration::from_millis(100));
    // The client never lost Peer2's link: no renegotiation (the grant arrived within the
    // backup path's round trip, before Peer2 took the half out).
    assert_eq!(client_stats(&q).partner_changes, stats.partner_changes);
    let p2 = q.peer(1).unwrap();
    let (kept, _) = p2.coordinator().split_grants();
    assert_eq!(p2.coordinator().peer_verdict(), PeerVerdict::AliveSplit);
    assert!(p2.view().isolated, "Peer2 lost the election: isolated");
    assert!(kept.contains(&mlag_core::dataplane::MlagId(10)), "{kept:?}");
    let (_, held) = q.peer(0).unwrap().coordinator().split_grants();
    assert!(held.contains(&mlag_core::dataplane::MlagId(10)), "{held:?}");
    assert_eq!(
        q.client().unwrap().distributing().collect::<Vec<_>>(),
        [PortNo(2)]
    );
    // Peer1's member link returns during the split: its half stays out.
    q.net.restore(q.client_links[0]);
    let t = q.net.now();
    while q.net.now() < t + Duration::from_secs(10) {
        q.net.step();
        assert!(actives(&q) <= 1, "two actives at {:?}", q.net.now() - t);
    }
    assert_eq!(
        q.client().unwrap().distributing().collect::<Vec<_>>(),
        [PortNo(2)]
    );
    let why = q
        .peer(1)
        .unwrap()
        .coordinator()
        .explain_mlag(mlag_core::dataplane::MlagId(10));
    assert!(why.distributing, "{why}");
    assert!(why.reasons.iter().any(|r| r.contains("granted")), "{why}");
    // Host2 (behind Peer2) kept reaching the client through the split.
    let (lost, gap) = loss(&q, Host2, Client);
    println!(
        "SPLIT | peer-link cut while the winner's member link is down (grant) | – | host2->client \
         outage {gap:?} | {} |",
        lost - before
    );
    // Peer2's standalone bridge (own MAC) takes the granted MLAG and its single-homed port to
    // Host2 as new ports; both were operEdge in the pair's bridge, so they join as edge ports
    // and forward at once (802.1Q-2018 §13.33) — not after edge detection (MigrateTime, 3 s;
    // the outage was 3.001 s before). What is left: the frames in flight when the loser
    // re-created its bridge.
    assert!(gap <= Duration::from_millis(5), "{gap:?}");
    // The peer-link returns: the grant ends, both links come back.
    q.net.restore(q.peer_link);
    q.net.run_for(Duration::from_secs(10));
    assert!(q.converged(2));
    assert!(q.peer(0).unwrap().coordinator().split_grants().1.is_empty());
    assert_clean(&q);
}

/// A backup path slower than the probe window: both sides conclude "dead" first (both
/// primary, both in the LAG: the one window with two actives, bounded by the backup path's
/// delay), then the evidence arrives and the loser isolates.
#[test]
fn slow_backup_path_recovers_when_the_evidence_arrives() {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    let link = q.backup_link.unwrap();
    let mut p = q.params.link;
    p.delay = Duration::from_millis(800);
    q.net.set_link_params(link, None, p);
    q.net.run_for(Duration::from_secs(2));
    q.net.cut(q.peer_link);
    let t0 = q.net.now();
    let mut isolated_at = None;
    while q.net.now() < t0 + Duration::from_secs(3) && isolated_at.is_none() {
        q.net.step();
        if q.peer(1).unwrap().view().isolated {
            isolated_at = Some(q.net.now() - t0);
        }
    }
    let at = isolated_at.expect("the loser never isolated");
    println!(
        "SPLIT | peer-link cut, backup path 800 ms (> probe) | – | loser isolated after {at:?} |"
    );
    assert!(at <= Duration::from_millis(900), "{at:?}");
    q.net.run_for(Duration::from_secs(1));
    assert_eq!(
        q.client().unwrap().distributing().collect::<Vec<_>>(),
        [PortNo(1)]
    );
}

/// A peer that reboots while the peer-link is down and the other peer serves: it must not
/// come up alone at the end of its reload delay (two actives with the same system-id).
#[test]
fn rebooted_peer_does_not_come_up_alone_while_the_peer_serves() {
    let interval = Duration::from_millis(1);
    let mut q = setup(interval, true);
    q.net.cut(q.peer_link);
    q.net.run_for(Duration::from_secs(1));
    // Peer2 (the loser) is isolated; Peer1 reboots: Peer2 hears an unarmed evidence, concludes
    // the peer it was split from is gone, and serves again; the rebooted Peer1 waits.
    q.net.crash(q.peers[0], CrashMode::Hang);
    q.net.run_for(Duration::from_millis(10));
    q.net.restart(q.peers[0]);
    let t0 = q.net.now();
    while q.net.now() < t0 + Duration::from_secs(60) {
        q.net.step();
        assert!(actives(&q) <= 1, "two actives at {:?}", q.net.now() - t0);
    }
    let p1 = q.peer(0).unwrap().monitor();
    assert!(p1.mlags.iter().all(|m| !m.released), "{p1:?}");
    assert_eq!(
        q.client().unwrap().distributing().collect::<Vec<_>>(),
        [PortNo(2)]
    );
    q.net.restore(q.peer_link);
    q.net.run_for(Duration::from_secs(10));
    assert!(q.converged(2));
}

/// The evidence decoder is total and round-trips; truncations and bit flips never panic.
#[test]
fn evidence_frames_round_trip_and_decode_totally() {
    use mlag_core::coordinator::split::{Evidence, HalfEvidence};
    let e = Evidence {
        sender: MacAddr([2, 0, 0, 0, 2, 0]),
        priority: 7,
        connected: false,
        armed: true,
        request: true,
        serving: false,
        seq: 0xDEAD_BEEF,
        ack: 3,
        halves: vec![
            HalfEvidence {
                mlag: mlag_core::dataplane::MlagId(10),
                up: true,
                client_sync: true,
                client_heard: true,
                client: MacAddr([2, 0, 0, 0, 0xc, 0]),
                grant: false,
            },
            HalfEvidence {
                mlag: mlag_core::dataplane::MlagId(u32::MAX),
                up: false,
                client_sync: false,
                client_heard: false,
                client: MacAddr::ZERO,
                grant: true,
            },
        ],
    };
    let mut buf = [0u8; 256];
    let n = e.encode(&mut buf).unwrap();
    assert!(Evidence::is_evidence(&buf[..n]));
    assert_eq!(Evidence::decode(&buf[..n]), Some(e.clone()));
    // A buffer too small for every half keeps the header and the halves that fit.
    let mut small = [0u8; 45];
    let m = e.encode(&mut small).unwrap();
    assert_eq!(Evidence::decode(&small[..m]).unwrap().halves.len(), 1);
    assert!(e.encode(&mut [0u8; 10]).is_none());
    for len in 0..n {
        assert_eq!(Evidence::decode(&buf[..len]), None, "truncated to {len}");
    }
    let mut x = 0x9E37_79B9_u32;
    for i in 0..20_000 {
        let mut f = buf[..n].to_vec();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let at = (x as usize) % n;
        f[at] ^= (x >> 8) as u8 | 1;
        if i % 3 == 0 {
            f.truncate((x as usize >> 4) % (n + 1));
        }
        let _ = Evidence::decode(&f);
    }
}

// ---- Authenticated evidence (`split` module docs, "Authentication and replay protection").

const SECRET: &str = "pair-secret-1";

fn keyed_setup(keyed: bool) -> QuickSetup {
    let mut p = QuickSetupParams::new(11);
    p.interval = Duration::from_millis(1);
    p.backup = true;
    p.backup_routed = true;
    if keyed {
        let k = mlag_core::coordinator::IccpSecret::new(SECRET).unwrap();
        p.iccp_secrets = [Some(k.clone()), Some(k)];
    }
    let mut q = QuickSetup::build(p).unwrap();
    q.net.run_until(q.params.traffic_start);
    assert!(q.converged(2), "not converged when the traffic starts");
    q
}

/// Hands `frame` to Peer2 as if it came in on the backup path.
fn inject(q: &mut QuickSetup, frame: &[u8]) {
    let p2 = q.peers[1];
    q.net
        .with_node::<mlag_core::sim::MlagPeer, _>(p2, |p, now| {
            p.coordinator_mut().handle_backup(now, frame);
        })
        .unwrap();
}

/// Peer1 (the election's winner) powers off; for 2 s an attacker on the backup path sends
/// Peer2 "Peer1 is alive and split" every 50 ms (Peer1's MAC, disconnected, armed, serving;
/// `signed`: with a tag under a wrong key). `replay`: genuine frames instead. Returns
/// whether Peer2 was ever isolated and its verdict at the end.
fn power_off_with(q: &mut QuickSetup, frames: &dyn Fn(u32) -> Vec<Vec<u8>>) -> (bool, PeerVerdict) {
    q.net.crash(q.peers[0], CrashMode::Hang);
    q.net.cut(q.peer_link);
    q.net.cut(q.client_links[0]);
    q.net.cut(q.host_links[0]);
    let t0 = q.net.now();
    let mut isolated = false;
    let mut k = 0;
    while q.net.now() < t0 + Duration::from_secs(2) {
        q.net.run_for(Duration::from_millis(50));
        for f in frames(k) {
            inject(q, &f);
        }
        k += 1;
        isolated |= q.peer(1).unwrap().view().isolated;
    }
    (isolated, q.peer(1).unwrap().coordinator().peer_verdict())
}

fn forged_alive(seq: u32) -> mlag_core::coordinator::split::Evidence {
    mlag_core::coordinator::split::Evidence {
        sender: PAIR_ID,
        priority: 128,
        connected: false,
        armed: true,
        request: false,
        serving: true,
        seq: 1000 + seq,
        ack: 0,
        halves: Vec::new(),
    }
}

#[test]
fn without_a_secret_a_forged_alive_frame_isolates_the_survivor() {
    // The attack the secret closes (and the proof that the keyed test below can fail).
    let mut q = keyed_setup(false);
    let (isolated, verdict) = power_off_with(&mut q, &|k| {
        let mut buf = vec![0u8; 1514];
        let n = forged_alive(k).encode(&mut buf).unwrap();
        vec![buf[..n].to_vec()]
    });
    assert!(isolated, "unauthenticated evidence is believed");
    assert_eq!(verdict, PeerVerdict::AliveSplit);
}

#[test]
fn forged_alive_frames_cannot_keep_the_survivor_isolated() {
    let mut q = keyed_setup(true);
    let wrong = iccp::wire::l2::Authenticator::new(b"not-the-secret");
    let (isolated, verdict) = power_off_with(&mut q, &|k| {
        let mut buf = vec![0u8; 1514];
        let unsigned = {
            let n = forged_alive(k).encode(&mut buf).unwrap();
            buf[..n].to_vec()
        };
        let n = forged_alive(k)
            .encode_signed(&mut buf, &wrong, 7, 0)
            .unwrap();
        vec![unsigned, buf[..n].to_vec()]
    });
    assert!(!isolated, "a forged frame isolated the survivor");
    assert_eq!(verdict, PeerVerdict::Dead);
    let c = q.peer(1).unwrap().coordinator();
    let (forged, replayed, _) = c.evidence_auth_counters();
    assert!(forged >= 2 * 39, "forged frames counted: {forged}");
    assert_eq!(replayed, 0);
    let v = q.peer(1).unwrap().view();
    assert_eq!(v.role, Some(iccp::Role::Primary));
    assert_eq!(v.system_id, PAIR_ID);
}

#[test]
fn replayed_genuine_frames_of_an_earlier_split_are_refused() {
    let mut q = keyed_setup(true);
    // A real split (both alive): capture Peer1's genuine evidence on the backup path.
    q.net.set_capture(true);
    q.net.cut(q.peer_link);
    q.net.run_for(Duration::from_secs(1));
    assert_eq!(
        q.peer(1).unwrap().coordinator().peer_verdict(),
        PeerVerdict::AliveSplit,
        "the genuine split was proven with the secret"
    );
    let p1_mac = PAIR_ID.0;
    let captured: Vec<Vec<u8>> = q
        .net
        .capture()
        .iter()
        .filter(|r| mlag_core::coordinator::split::Evidence::is_evidence(&r.frame))
        .filter(|r| r.frame[6..12] == p1_mac)
        .map(|r| r.frame.clone())
        .collect();
    q.net.set_capture(false);
    assert!(!captured.is_empty(), "no evidence captured");
    // The pair reconnects, then Peer1 powers off and the captured frames are replayed.
    q.net.restore(q.peer_link);
    q.net.run_for(Duration::from_secs(10));
    assert!(q.converged(2));
    let (isolated, verdict) = power_off_with(&mut q, &|k| {
        captured
            .get(k as usize % captured.len())
            .cloned()
            .into_iter()
            .collect()
    });
    assert!(!isolated, "a replayed frame isolated the survivor");
    assert_eq!(verdict, PeerVerdict::Dead);
    let (forged, replayed, _) = q.peer(1).unwrap().coordinator().evidence_auth_counters();
    assert_eq!(forged, 0);
    assert!(replayed >= 39, "replays counted: {replayed}");
    // The same frames, without the pair's reconnection in between, still only answer
    // requests: nothing decides on them (their counters are old).
}

#[test]
fn with_a_secret_a_live_split_is_still_proven_at_once() {
    // The secret costs nothing on a genuine split: the loser isolates within the same time.
    let mut q = keyed_setup(true);
    q.net.cut(q.peer_link);
    let t0 = q.net.now();
    let mut at = None;
    while q.net.now() < t0 + Duration::from_secs(2) && at.is_none() {
        q.net.step();
        if q.peer(1).unwrap().view().isolated {
            at = Some(q.net.now() - t0);
        }
    }
    let at = at.expect("the loser never isolated");
    println!(
        "SPLIT | peer-link cut, peer alive, evidence authenticated | – | loser isolated after {at:?} |"
    );
    assert!(at <= Duration::from_millis(1), "{at:?}");
    let c = q.peer(1).unwrap().coordinator();
    assert_eq!(c.evidence_auth_counters().0, 0, "no genuine frame refused");
}
