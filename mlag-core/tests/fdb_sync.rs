//! FDB synchronisation through the coordinator: learned MACs reach the peer's table and both
//! dataplanes, ageing removes them on both, a lossy and reconnecting peer-link converges for
//! many seeds; on the simulated Quick setup: no flooding to known MACs, a member link down
//! moves the client's MACs without a flood, a rebooted peer is released only after its mirror
//! is synced.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_range_loop
)]

use core::time::Duration;
use l2_types::{Instant, MacAddr, VlanId};
use mlag_core::config::Config;
use mlag_core::coordinator::{LinkState, Options};
use mlag_core::dataplane::{Location, MlagId, NextHop, RecordingDataplane};
use mlag_core::sim::{CrashMode, Endpoint, LacpClientStats, QuickSetup, QuickSetupParams};

mod peer_pair;
use peer_pair::{C, Pair, UP};

const ID: MlagId = MlagId(10);
const VID: VlanId = VlanId::DEFAULT;

impl Pair {
    /// The Quick setup pair with coordinator seeds derived from `seed`, which also seeds the
    /// peer-link.
    fn seeded(seed: u64) -> Self {
        Self::new(
            [Config::quick_setup(1), Config::quick_setup(2)],
            [seed * 2 + 1, seed * 2 + 2],
            seed,
        )
    }

    fn learn(&mut self, i: usize, mac: MacAddr, port: &str) {
        let p = self.port(i, port);
        let now = self.now;
        self.c[i].handle_learn(now, VID, mac, p);
    }

    /// Both mirrors in step with their owners, equal to them, and every dataplane holding
    /// exactly its table's entries.
    fn assert_in_sync(&self, what: &str) {
        for i in 0..2 {
            let (o, m) = (self.c[i].fdb(), self.c[1 - i].fdb());
            assert_eq!(
                m.peer_position(),
                o.sync_position(),
                "{what}: peer {} behind peer {}",
                2 - i,
                i + 1
            );
            assert_eq!(m.peer_records(), o.own_records(), "{what}: mirror differs");
            let dp = self.c[i].dataplane();
            assert_eq!(dp.fdb_len(), o.len(), "{what}: dataplane of peer {}", i + 1);
            for e in o.entries() {
                assert!(
                    dp.fdb_get(e.key.vid(), e.key.mac()).is_some(),
                    "{what}: {e:?} not programmed"
                );
            }
            assert!(self.c[i].monitor().fdb.synced, "{what}: not synced");
        }
    }
}

fn mac(p: u8, i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([2, p, b[0], b[1], b[2], b[3]])
}

#[test]
fn learned_macs_reach_the_peer_and_both_dataplanes() {
    let mut p = Pair::seeded(1);
    p.run_for(Duration::from_secs(5));
    let host1 = mac(1, 1);
    let client = mac(0xc, 1);
    let host2 = mac(2, 1);
    p.learn(0, host1, "ether1");
    p.learn(0, client, "sfp-sfpplus2"); // the MLAG bond's member
    p.learn(1, host2, "ether1");
    p.learn(1, client, "sfp-sfpplus2");
    // A MAC heard on the peer-port is the peer's: not learned.
    p.learn(0, mac(9, 9), "sfp-sfpplus1");
    p.run_for(Duration::from_millis(10));
    p.assert_in_sync("after the learns");
    let (d1, d2) = (p.c[0].dataplane(), p.c[1].dataplane());
    let e1 = p.port(0, "ether1");
    assert_eq!(d1.fdb_get(VID, host1), Some(Location::Port(e1)));
    assert_eq!(d2.fdb_get(VID, host1), Some(Location::PeerPort));
    assert_eq!(d1.fdb_get(VID, host2), Some(Location::PeerPort));
    // The client points at the logical MLAG port on both peers.
    assert_eq!(d1.fdb_get(VID, client), Some(Location::Mlag(ID)));
    assert_eq!(d2.fdb_get(VID, client), Some(Location::Mlag(ID)));
    assert_eq!(d1.fdb_get(VID, mac(9, 9)), None);
    let m = p.c[0].monitor().fdb;
    assert_eq!(m.learn_ignored, 1);
    assert_eq!(m.entries, 3);
    assert!(m.last_sync.is_some());
    // A move behind the peer: host1 shows up on Peer2's single-homed port.
    p.learn(1, host1, "ether1");
    p.run_for(Duration::from_millis(10));
    p.assert_in_sync("after the move");
    assert_eq!(
        p.c[0].dataplane().fdb_get(VID, host1),
        Some(Location::PeerPort)
    );
    assert_eq!(
        p.c[1].dataplane().fdb_get(VID, host1),
        Some(Location::Port(p.port(1, "ether1")))
    );
    assert_eq!(p.c[0].fdb().stats().moved_to_peer, 1);
}

#[test]
fn ageing_removes_entries_on_both_peers_and_keeps_refreshed_ones() {
    let mut p = Pair::seeded(2);
    p.run_for(Duration::from_secs(5));
    p.learn(0, mac(1, 1), "ether1");
    p.learn(0, mac(1, 2), "ether1");
    p.run_for(Duration::from_secs(1));
    p.assert_in_sync("learned");
    // mac(1, 2) is heard every minute; mac(1, 1) never again. Ageing 5 min (+ 1/16).
    for _ in 0..6 {
        p.run_for(Duration::from_secs(60));
        p.learn(0, mac(1, 2), "ether1");
    }
    p.run_for(Duration::from_secs(1));
    p.assert_in_sync("aged");
    for c in &p.c {
        assert_eq!(c.dataplane().fdb_get(VID, mac(1, 1)), None);
        assert!(c.dataplane().fdb_get(VID, mac(1, 2)).is_some());
    }
    assert_eq!(p.c[0].fdb().stats().aged, 1);
    // Peer entries never age locally: Peer2 aged nothing.
    assert_eq!(p.c[1].fdb().stats().aged, 0);
}

/// `handle_activity` (a host's periodic read of its table's activity) keeps entries alive
/// past the ageing time like a learn, learns an MLAG client here too when only the peer had,
/// and never moves an entry or creates one.
#[test]
fn activity_keeps_entries_alive_and_never_moves_them() {
    let mut p = Pair::seeded(3);
    p.run_for(Duration::from_secs(5));
    let (talker, quiet, client, moved) = (mac(1, 1), mac(1, 2), mac(0xc, 1), mac(1, 3));
    p.learn(0, talker, "ether1");
    p.learn(0, quiet, "ether1");
    p.learn(0, moved, "ether1");
    // The client is learned on Peer1 only; Peer2 hears it on its own member later.
    p.learn(0, client, "sfp-sfpplus2");
    p.run_for(Duration::from_secs(1));
    p.assert_in_sync("learned");
    // `moved` goes behind Peer2.
    p.learn(1, moved, "ether1");
    p.run_for(Duration::from_millis(10));
    let (e1, m1) = (p.port(0, "ether1"), p.port(0, "sfp-sfpplus2"));
    let (e2, m2) = (p.port(1, "ether1"), p.port(1, "sfp-sfpplus2"));
    // An unknown address is not created by an activity read, a peer-port one not taken.
    let now = p.now;
    assert!(!p.c[0].handle_activity(now, VID, mac(7, 7), e1));
    assert!(!p.c[0].handle_activity(now, VID, talker, p.port(0, "sfp-sfpplus1")));
    // Reads every 37.5 s for 6 minutes: talker and client active on their ports, `moved`
    // still shows activity on Peer1's old port (a stale observation), `quiet` none.
    let mut refreshed = 0;
    for _ in 0..10 {
        p.run_for(Duration::from_millis(37_500));
        let now = p.now;
        refreshed += u32::from(p.c[0].handle_activity(now, VID, talker, e1));
        refreshed += u32::from(p.c[0].handle_activity(now, VID, client, m1));
        assert!(
            !p.c[0].handle_activity(now, VID, moved, e1),
            "a stale read moved an entry back"
        );
        refreshed += u32::from(p.c[1].handle_activity(now, VID, client, m2));
        refreshed += u32::from(p.c[1].handle_activity(now, VID, moved, e2));
    }
    assert_eq!(refreshed, 40);
    p.run_for(Duration::from_secs(1));
    p.assert_in_sync("after 6 minutes of activity reads");
    for c in &p.c {
        assert_eq!(
            c.dataplane().fdb_get(VID, quiet),
            None,
            "the quiet host aged out"
        );
        assert!(
            c.dataplane().fdb_get(VID, talker).is_some(),
            "the talker aged out"
        );
        assert_eq!(c.dataplane().fdb_get(VID, client), Some(Location::Mlag(ID)));
    }
    assert_eq!(
        p.c[0].dataplane().fdb_get(VID, moved),
        Some(Location::PeerPort),
        "the move stands"
    );
    // Peer2 learned the client itself: its table has a local (dynamic) entry for it now.
    assert_eq!(
        p.c[1].fdb().get(VID, client).map(|e| e.kind),
        Some(fdb::Kind::Dynamic)
    );
    assert_eq!(p.c[0].fdb().stats().aged, 1);
}

/// Thousands of MACs on both peers, a lossy reordering peer-link and peer-port flaps in the
/// middle of the learning: once quiet, both mirrors equal their owners and both dataplanes
/// hold exactly their tables, for every seed.
#[test]
fn lossy_and_reconnecting_sync_converges_for_many_seeds() {
    const SEEDS: u64 = 32;
    for seed in 0..SEEDS {
        let mut p = Pair::seeded(100 + seed);
        p.run_for(Duration::from_secs(3));
        p.loss = 20_000 + seed * 2_000;
        p.reorder = 50_000;
        let mut next = [0u32; 2];
        for round in 0..40u32 {
            for side in 0..2 {
                let n = 20 + p.rng.below(80) as u32;
                let port = if p.rng.below(2) == 0 {
                    "ether1"
                } else {
                    "sfp-sfpplus2"
                };
                for _ in 0..n {
                    next[side] += 1;
                    let m = mac(side as u8 + 1, next[side]);
                    p.learn(side, m, port);
                }
            }
            if round % 13 == 5 {
                // The peer-port flaps: ICCP reconnects and the FDB resumes.
                let side = p.rng.below(2) as usize;
                let pp = p.c[side].peer_port();
                let now = p.now;
                p.link = false;
                p.c[side].handle_link(now, pp, LinkState::Down);
                p.run_for(Duration::from_millis(300));
                let now = p.now;
                p.c[side].handle_link(now, pp, UP);
                p.link = true;
            }
            let pause = Duration::from_millis(20 + p.rng.below(200));
            p.run_for(pause);
        }
        p.loss = 0;
        p.reorder = 0;
        p.run_for(Duration::from_secs(5));
        p.assert_in_sync(&format!("seed {seed}"));
        assert!(
            p.c[0].fdb().len() > 3000,
            "seed {seed}: {}",
            p.c[0].fdb().len()
        );
        let resyncs: u64 = p.c.iter().map(|c| c.monitor().fdb.resyncs).sum();
        let reconnects = p.c[0].monitor().iccp;
        assert!(resyncs >= 2, "seed {seed}: {resyncs} {reconnects:?}");
    }
}

/// A peer that restarts (a new epoch) gets the survivor's whole table in a snapshot and is
/// released only once it is applied; the survivor replaces the restarted peer's entries.
#[test]
fn restarted_peer_is_released_after_the_snapshot() {
    let mut p = Pair::seeded(3);
    p.run_for(Duration::from_secs(5));
    for i in 0..5000 {
        p.learn(0, mac(1, i), "ether1");
    }
    p.learn(1, mac(2, 1), "ether1");
    p.run_for(Duration::from_secs(1));
    p.assert_in_sync("before the restart");
    // Peer2 reboots.
    let now = p.now;
    p.c[1] = C::new(
        Config::quick_setup(2).validate().unwrap(),
        RecordingDataplane::new(),
        &Options::new(77),
        now,
    )
    .unwrap();
    let pp = p.c[1].peer_port();
    p.c[1].handle_link(now, pp, UP);
    let member = p.port(1, "sfp-sfpplus2");
    p.c[1].handle_link(now, member, UP);
    let t0 = p.now;
    let mut released = None;
    while p.now < t0 + Duration::from_secs(10) {
        p.run_for(Duration::from_micros(100));
        let m = p.c[1].monitor();
        if m.mlags.iter().any(|h| h.released) {
            assert!(m.fdb.synced, "released before the FDB was synced");
            assert_eq!(p.c[1].fdb().peer_records(), p.c[0].fdb().own_records());
            released = Some(p.now - t0);
            break;
        }
    }
    let released = released.expect("never released");
    let sync = p.c[1].monitor().fdb.last_sync.unwrap();
    println!("restarted peer: 5000 MACs synced {sync:?} after connect, released {released:?}");
    p.run_for(Duration::from_secs(2));
    p.assert_in_sync("after the restart");
    // The restarted peer's old entry is gone from the survivor.
    assert_eq!(p.c[0].dataplane().fdb_get(VID, mac(2, 1)), None);
    assert!(p.c[1].monitor().fdb.resyncs >= 1);
}

// ------------------------------------------------------------------ the simulated Quick setup

use Endpoint::{Client, Host1, Host2};

fn flooded(q: &QuickSetup) -> [u64; 2] {
    [0, 1].map(|i| q.peer(i).unwrap().dataplane().switch().stats().flooded)
}

fn quick(seed: u64, interval: Duration, backup: bool) -> QuickSetup {
    let mut p = QuickSetupParams::new(seed);
    p.interval = interval;
    p.backup = backup;
    let mut q = QuickSetup::build(p).unwrap();
    q.net
        .run_until(q.params.traffic_start + Duration::from_millis(100));
    assert!(q.converged(2));
    q
}

#[test]
fn quick_setup_peers_share_their_macs_and_stop_flooding() {
    let mut q = quick(5, Duration::from_millis(1), true);
    let before = flooded(&q);
    q.net.run_until(Instant::from_secs(8));
    assert_eq!(flooded(&q), before, "unicast to known MACs was flooded");
    let (p1, p2) = (q.peer(0).unwrap(), q.peer(1).unwrap());
    for (p, local, remote) in [(p1, Host1, Host2), (p2, Host2, Host1)] {
        let f = p.coordinator().fdb();
        assert!(matches!(
            f.lookup(VID, local.mac()),
            Some(Location::Port(_))
        ));
        assert_eq!(f.lookup(VID, remote.mac()), Some(Location::PeerPort));
        assert_eq!(f.lookup(VID, Client.mac()), Some(Location::Mlag(ID)));
        let m = p.monitor().fdb;
        assert!(m.synced);
        assert_eq!(m.programmed, 3);
    }
    assert!(q.net.violations().is_empty(), "{:?}", q.net.violations());
    for (from, to) in [(Client, Host1), (Host1, Host2), (Host2, Client)] {
        let rx = q.rx(from, to).unwrap();
        assert_eq!(rx.duplicates, 0);
    }
}

/// The client's link to Peer1 goes down: Peer1 re-points its logical MLAG port at the
/// peer-port; the client's MACs stay where they are (no flush, no flood), and come back when
/// the link does.
#[test]
fn member_link_down_moves_the_macs_without_a_flood() {
    let mut q = quick(6, Duration::from_micros(200), true);
    q.net.run_until(Instant::from_secs(7));
    let before = flooded(&q);
    q.net.cut(q.client_links[0]);
    let cut_at = q.net.now();
    q.net.run_until(cut_at + Duration::from_secs(2));
    assert_eq!(flooded(&q), before, "flooded after the member failure");
    let p1 = q.peer(0).unwrap();
    assert_eq!(p1.dataplane().next_hop(ID), NextHop::PeerPort);
    assert_eq!(
        p1.coordinator().fdb().lookup(VID, Client.mac()),
        Some(Location::PeerPort)
    );
    // The dataplane entry still names the logical port: nothing was rewritten.
    let lport = p1.dataplane().mlag_lport(ID).unwrap();
    assert_eq!(
        p1.dataplane().switch().lookup(q.net.now(), 1, Client.mac()),
        Some(lport)
    );
    q.net.restore(q.client_links[0]);
    q.net.run_until(q.net.now() + Duration::from_secs(4));
    assert_eq!(flooded(&q), before, "flooded after the member came back");
    assert!(q.converged(2));
    assert!(q.net.violations().is_empty(), "{:?}", q.net.violations());
    let lost: u64 = [(Host1, Client), (Host2, Client), (Client, Host1)]
        .iter()
        .map(|(f, t)| q.rx(*f, *t).unwrap().missing())
        .sum();
    // Only what was in flight on the cut link.
    assert!(lost <= 2, "{lost}");
}

/// Peer1 reboots: its halves stay out until its mirror holds Peer2's table (so from its
/// release on it knows the client and host2: nothing for them is flooded), Peer2 keeps the
/// client's and host2's entries throughout, nothing is lost and the client never renegotiates.
/// (Frames to host1 are flooded until Peer1 has learned it again: its port to host1 forwards
/// only after the spanning tree's edge detection, and an address nobody knows is flooded.)
#[test]
fn rebooted_peer_syncs_before_its_release() {
    let mut q = quick(7, Duration::from_micros(500), false);
    q.net.run_until(Instant::from_secs(7));
    q.net.crash(q.peers[0], CrashMode::PowerOff);
    q.net.run_until(Instant::from_secs(8));
    q.net.restart(q.peers[0]);
    let t0 = q.net.now();
    let mut released = None;
    while q.net.now() < t0 + Duration::from_secs(5) && q.net.step() {
        let p2 = q.peer(1).unwrap().coordinator().fdb();
        assert_eq!(p2.lookup(VID, Client.mac()), Some(Location::Mlag(ID)));
        assert!(matches!(
            p2.lookup(VID, Host2.mac()),
            Some(Location::Port(_))
        ));
        let p1 = q.peer(0).unwrap();
        let m = p1.monitor();
        if released.is_none() && m.mlags.iter().any(|h| h.released) {
            assert!(m.fdb.synced, "released before the FDB was synced");
            let f1 = p1.coordinator().fdb();
            assert_eq!(f1.peer_records(), p2.own_records());
            // On the logical MLAG port (its next hop is the peer-port until the local half
            // distributes).
            let client = f1.get(VID, Client.mac()).map(|e| e.location);
            assert_eq!(client, Some(Location::Mlag(ID)));
            assert_eq!(f1.lookup(VID, Host2.mac()), Some(Location::PeerPort));
            released = Some((q.net.now() - t0, m.fdb.last_sync.unwrap()));
        }
    }
    let (released, sync) = released.expect("never released");
    println!("rebooted peer: FDB synced {sync:?} after connect, released {released:?} after boot");
    assert!(q.converged(2));
    // Host1 relearned: nothing is flooded any more.
    let before = flooded(&q);
    q.net.run_until(q.net.now() + Duration::from_secs(1));
    assert_eq!(flooded(&q), before);
    let stats: LacpClientStats = *q.client().unwrap().stats();
    assert_eq!(stats.partner_changes, 0);
    for (from, to) in [(Client, Host2), (Host2, Client)] {
        let rx = q.rx(from, to).unwrap();
        assert_eq!(rx.duplicates, 0);
        assert_eq!(rx.missing(), 0, "{from:?} -> {to:?}");
    }
    assert!(q.net.violations().is_empty(), "{:?}", q.net.violations());
}
