//! Ageing, flush, limits, move dampening and MLAG resolution, each at its edges.

use core::time::Duration;
use fdb::{
    BondState, Event, Fdb, FdbConfig, Flush, FullPolicy, Ignored, Key, Kind, Learn, Limit,
    Location, MlagId, MoveDampening, PeerState, VlanSet,
};
use l2_types::{Instant, MacAddr, PortNo, VlanId};

const A: Duration = Duration::from_secs(300);

fn cfg() -> FdbConfig {
    FdbConfig::new(0xfdb, 1)
}

fn mac(n: u64) -> MacAddr {
    MacAddr::from_u64(0x0200_0000_0000 | n)
}

fn v(n: u16) -> VlanId {
    VlanId::try_new(n).unwrap()
}

const P1: Location = Location::Port(PortNo(1));
const P2: Location = Location::Port(PortNo(2));
const P3: Location = Location::Port(PortNo(3));

#[test]
fn an_entry_ages_between_ageing_time_and_seventeen_sixteenths_of_it() {
    let mut t = Fdb::new(cfg()).unwrap();
    let t0 = Instant::from_secs(1000);
    assert_eq!(t.poll_timeout(), None, "nothing to age");
    assert_eq!(t.learn(t0, v(1), mac(1), P1), Learn::New);
    let deadline = t.poll_timeout().unwrap();
    assert!(deadline >= t0 + A, "{deadline:?}");
    assert!(deadline <= t0 + A + A / 16, "{deadline:?}");
    // One nanosecond before the ageing time the entry is there whatever the timers do.
    t.handle_timeout(t0 + A - Duration::from_nanos(1));
    assert_eq!(t.sweep(t0 + A - Duration::from_nanos(1)), 0);
    assert!(t.get(v(1), mac(1)).is_some());
    t.handle_timeout(deadline);
    assert!(t.get(v(1), mac(1)).is_none());
    assert_eq!(t.stats().aged, 1);
    assert_eq!(t.poll_timeout(), None);
    t.check_invariants().unwrap();
}

#[test]
fn a_refresh_postpones_ageing() {
    let mut t = Fdb::new(cfg()).unwrap();
    let t0 = Instant::from_secs(1000);
    let _ = t.learn(t0, v(1), mac(1), P1);
    assert_eq!(t.learn(t0 + A / 2, v(1), mac(1), P1), Learn::Refreshed);
    t.handle_timeout(t0 + A + A / 8);
    assert!(t.get(v(1), mac(1)).is_some(), "refreshed at A/2");
    let d = t.poll_timeout().unwrap();
    assert!(d >= t0 + A / 2 + A && d <= t0 + A / 2 + A + A / 16);
    t.handle_timeout(d);
    assert!(t.get(v(1), mac(1)).is_none());
    t.check_invariants().unwrap();
}

#[test]
fn spurious_timeouts_do_nothing() {
    let mut t = Fdb::new(cfg()).unwrap();
    let t0 = Instant::from_secs(5);
    for i in 0..1000 {
        let _ = t.learn(t0, v(1), mac(i), P1);
    }
    for s in 0..100 {
        t.handle_timeout(t0 + Duration::from_secs(s));
    }
    assert_eq!(t.len(), 1000);
    assert_eq!(t.stats().aged, 0);
}

#[test]
fn static_own_and_peer_entries_never_age() {
    let mut t = Fdb::new(cfg()).unwrap();
    t.insert_static(v(1), mac(1), P1).unwrap();
    t.insert_static(v(1), mac(2), Location::Cpu).unwrap();
    let _ = t.learn(Instant::from_secs(1), v(1), mac(3), P2);
    let far = Instant::from_secs(1_000_000);
    t.handle_timeout(far);
    let _ = t.sweep(far);
    assert_eq!(t.get(v(1), mac(1)).unwrap().kind, Kind::Static);
    assert_eq!(t.get(v(1), mac(2)).unwrap().kind, Kind::Own);
    assert!(t.get(v(1), mac(3)).is_none());
    assert_eq!(
        t.learn(far, v(1), mac(1), P2),
        Learn::Ignored(Ignored::Static)
    );
    assert_eq!(t.learn(far, v(1), mac(2), P2), Learn::Ignored(Ignored::Own));
    assert_eq!(t.lookup(v(1), mac(2)), Some(Location::Cpu));
    assert!(t.insert_static(v(1), mac(4), Location::PeerPort).is_err());
    assert!(t.remove_static(v(1), mac(1)));
    assert!(!t.remove_static(v(1), mac(1)));
}

#[test]
fn ageing_is_disabled_without_an_ageing_time() {
    let mut c = cfg();
    c.ageing_time = None;
    let mut t = Fdb::new(c).unwrap();
    let _ = t.learn(Instant::from_secs(1), v(1), mac(1), P1);
    assert_eq!(t.poll_timeout(), None);
    assert_eq!(t.sweep(Instant::MAX), 0);
    assert!(t.get(v(1), mac(1)).is_some());
}

#[test]
fn a_long_silence_then_a_learn_ages_first() {
    // The host never called handle_timeout: the ageing ring must still stay consistent.
    let mut t = Fdb::new(cfg()).unwrap();
    let _ = t.learn(Instant::from_secs(1), v(1), mac(1), P1);
    let _ = t.learn(Instant::from_secs(100_000), v(1), mac(2), P1);
    assert!(t.get(v(1), mac(1)).is_none());
    assert!(t.get(v(1), mac(2)).is_some());
    t.check_invariants().unwrap();
    // Time going backwards is clamped.
    let _ = t.learn(Instant::from_secs(3), v(1), mac(3), P1);
    t.check_invariants().unwrap();
}

#[test]
fn flushes_select_by_port_all_but_port_vlan_tree_and_origin() {
    let mut t = Fdb::new(cfg()).unwrap();
    let now = Instant::from_secs(1);
    for (i, loc) in [P1, P2, P3].into_iter().enumerate() {
        for vid in 1..=4 {
            let _ = t.learn(now, v(vid), mac(i as u64), loc);
        }
    }
    t.insert_static(v(1), mac(100), P1).unwrap();
    assert_eq!(t.len(), 13);
    // By port: the static entry on P1 stays.
    assert_eq!(t.flush(&Flush::dynamic().on(P1)), 4);
    assert!(t.get(v(1), mac(100)).is_some());
    // All but a port, in one VLAN.
    assert_eq!(t.flush(&Flush::dynamic().except(P2).in_vlan(v(1))), 1);
    assert!(t.get(v(1), mac(1)).is_some());
    assert!(t.get(v(1), mac(2)).is_none());
    // By tree: the VLANs of an MSTI.
    let mut tree = VlanSet::EMPTY;
    tree.insert(v(2));
    tree.insert(v(3));
    assert_eq!(t.flush(&Flush::dynamic().in_vlans(tree)), 4);
    let left: Vec<_> = t
        .entries()
        .map(|e| (e.key.vid().get(), e.location))
        .collect();
    assert_eq!(
        left,
        vec![(1, P2), (1, P1), (4, P2), (4, P3)],
        "ordered by (VLAN, MAC)"
    );
    assert_eq!(t.stats().flushed, 9);
    t.check_invariants().unwrap();
    // An empty flush removes nothing.
    let mut none = Flush::dynamic();
    none.dynamic = false;
    assert_eq!(t.flush(&none), 0);
}

#[test]
fn the_table_limit_holds_at_its_edge() {
    let mut c = cfg();
    c.entries_max = 3;
    let mut t = Fdb::new(c).unwrap();
    let now = Instant::from_secs(1);
    for i in 0..3 {
        assert_eq!(t.learn(now, v(1), mac(i), P1), Learn::New);
    }
    assert_eq!(
        t.learn(now, v(1), mac(3), P1),
        Learn::Rejected(Limit::Table)
    );
    assert_eq!(t.stats().rejected_full, 1);
    // Refreshes and moves of existing entries still work when full.
    assert_eq!(t.learn(now, v(1), mac(0), P1), Learn::Refreshed);
    assert!(matches!(
        t.learn(now, v(1), mac(0), P2),
        Learn::Moved { .. }
    ));
    assert_eq!(
        t.insert_static(v(1), mac(9), P1),
        Err(fdb::FdbError::TableFull)
    );
    assert_eq!(t.len(), 3);
}

#[test]
fn port_and_vlan_limits_hold_at_their_edges() {
    let mut c = cfg();
    c.port_entries_max = Some(2);
    c.vlan_entries_max = Some(3);
    let mut t = Fdb::new(c).unwrap();
    let now = Instant::from_secs(1);
    assert_eq!(t.learn(now, v(1), mac(0), P1), Learn::New);
    assert_eq!(t.learn(now, v(1), mac(1), P1), Learn::New);
    assert_eq!(t.learn(now, v(1), mac(2), P1), Learn::Rejected(Limit::Port));
    assert_eq!(t.learn(now, v(1), mac(2), P2), Learn::New);
    assert_eq!(t.learn(now, v(1), mac(3), P3), Learn::Rejected(Limit::Vlan));
    assert_eq!(t.learn(now, v(2), mac(3), P3), Learn::New);
    // A move onto a full port is refused and the entry stays.
    assert_eq!(t.learn(now, v(1), mac(2), P1), Learn::Rejected(Limit::Port));
    assert_eq!(t.lookup(v(1), mac(2)), Some(P2));
    assert_eq!(t.stats().rejected_port, 2);
    assert_eq!(t.stats().rejected_vlan, 1);
    // Freeing a slot makes room again.
    assert_eq!(t.flush(&Flush::dynamic().on(P1).in_vlan(v(1))), 2);
    assert_eq!(t.learn(now, v(1), mac(5), P1), Learn::New);
    t.check_invariants().unwrap();
}

#[test]
fn evict_oldest_evicts_the_least_recently_seen() {
    let mut c = cfg();
    c.entries_max = 3;
    c.when_full = FullPolicy::EvictOldest;
    let mut t = Fdb::new(c).unwrap();
    for i in 0..3 {
        let _ = t.learn(Instant::from_secs(10 + i), v(1), mac(i), P1);
    }
    // mac 0 is refreshed, so mac 1 is the oldest.
    let _ = t.learn(Instant::from_secs(20), v(1), mac(0), P1);
    assert_eq!(
        t.learn(Instant::from_secs(21), v(1), mac(3), P1),
        Learn::New
    );
    assert!(t.get(v(1), mac(1)).is_none());
    assert_eq!(t.stats().evicted, 1);
    // Static entries are never evicted: with only statics, the learn is refused.
    let mut t = Fdb::new(c).unwrap();
    for i in 0..3 {
        t.insert_static(v(1), mac(i), P1).unwrap();
    }
    assert_eq!(
        t.learn(Instant::from_secs(1), v(1), mac(3), P1),
        Learn::Rejected(Limit::Table)
    );
}

#[test]
fn a_learning_flood_stays_bounded() {
    let mut c = cfg();
    c.entries_max = 1000;
    let mut t = Fdb::new(c).unwrap();
    let now = Instant::from_secs(1);
    let mut x = 1u64;
    for _ in 0..100_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let _ = t.learn(now, v(1), MacAddr::from_u64((x >> 16) & !(1 << 40)), P1);
    }
    assert_eq!(t.len(), 1000);
    assert_eq!(t.stats().rejected_full, 99_000);
    // Group source addresses are never learned.
    assert_eq!(
        t.learn(now, v(1), MacAddr::BROADCAST, P1),
        Learn::Ignored(Ignored::GroupAddress)
    );
    assert_eq!(t.stats().group_sources, 1);
}

fn damp(freeze: Option<Duration>) -> Fdb {
    let mut c = cfg();
    c.move_dampening = Some(MoveDampening {
        moves_max: 3,
        window: Duration::from_secs(10),
        freeze,
    });
    Fdb::new(c).unwrap()
}

#[test]
fn dampening_reports_the_move_after_moves_max_within_the_window() {
    let mut t = damp(None);
    let t0 = Instant::from_secs(100);
    let _ = t.learn(t0, v(1), mac(1), P1);
    let locs = [P2, P1, P2];
    for (i, l) in locs.into_iter().enumerate() {
        let r = t.learn(t0 + Duration::from_secs(i as u64), v(1), mac(1), l);
        assert!(
            matches!(
                r,
                Learn::Moved {
                    flapping: false,
                    ..
                }
            ),
            "{r:?}"
        );
    }
    let r = t.learn(t0 + Duration::from_secs(3), v(1), mac(1), P1);
    assert_eq!(
        r,
        Learn::Moved {
            from: P2,
            flapping: true
        }
    );
    assert_eq!(
        t.poll_event(),
        Some(Event::MacFlapping {
            key: Key::new(v(1), mac(1)),
            from: P2,
            to: P1,
            frozen: false
        })
    );
    assert_eq!(t.stats().flaps, 1);
    assert_eq!(t.get(v(1), mac(1)).unwrap().moves, 4);
}

#[test]
fn moves_spread_over_windows_are_not_flaps() {
    let mut t = damp(None);
    let t0 = Instant::from_secs(100);
    let _ = t.learn(t0, v(1), mac(1), P1);
    for i in 1..=20u64 {
        let l = if i % 2 == 0 { P1 } else { P2 };
        // Three moves per 10 s window at most.
        let at = t0 + Duration::from_millis(3400 * i);
        let r = t.learn(at, v(1), mac(1), l);
        assert!(
            matches!(
                r,
                Learn::Moved {
                    flapping: false,
                    ..
                }
            ),
            "{i}: {r:?}"
        );
    }
    assert_eq!(t.stats().flaps, 0);
}

#[test]
fn a_frozen_mac_ignores_moves_until_the_freeze_ends() {
    let freeze = Duration::from_secs(30);
    let mut t = damp(Some(freeze));
    let t0 = Instant::from_secs(100);
    let _ = t.learn(t0, v(1), mac(1), P1);
    for (i, l) in [P2, P1, P2].into_iter().enumerate() {
        let _ = t.learn(t0 + Duration::from_secs(i as u64), v(1), mac(1), l);
    }
    let t1 = t0 + Duration::from_secs(3);
    assert_eq!(
        t.learn(t1, v(1), mac(1), P1),
        Learn::Ignored(Ignored::Frozen)
    );
    assert!(matches!(
        t.poll_event(),
        Some(Event::MacFlapping { frozen: true, .. })
    ));
    let e = t.get(v(1), mac(1)).unwrap();
    assert!(e.frozen);
    assert_eq!(e.location, P2, "pinned where it was");
    // Refreshes at the pinned location still work while frozen.
    assert_eq!(t.learn(t1, v(1), mac(1), P2), Learn::Refreshed);
    let just_before = t1 + freeze - Duration::from_nanos(1);
    assert_eq!(
        t.learn(just_before, v(1), mac(1), P3),
        Learn::Ignored(Ignored::Frozen)
    );
    assert!(matches!(
        t.learn(t1 + freeze, v(1), mac(1), P3),
        Learn::Moved {
            from: P2,
            flapping: false
        }
    ));
    assert!(!t.get(v(1), mac(1)).unwrap().frozen);
}

#[test]
fn mlag_entries_resolve_by_bond_state() {
    let mut t = Fdb::new(cfg()).unwrap();
    let now = Instant::from_secs(1);
    let bond = Location::Mlag(MlagId(7));
    let _ = t.learn(now, v(1), mac(1), bond);
    // Unknown or down bond: the peer-port.
    assert_eq!(t.lookup(v(1), mac(1)), Some(Location::PeerPort));
    t.set_mlag_bond(MlagId(7), BondState::Up).unwrap();
    assert_eq!(t.lookup(v(1), mac(1)), Some(bond));
    t.set_mlag_bond(MlagId(7), BondState::Down).unwrap();
    assert_eq!(t.lookup(v(1), mac(1)), Some(Location::PeerPort));
    // The entry itself did not change (no flush, no flood).
    assert_eq!(t.get(v(1), mac(1)).unwrap().location, bond);
    assert_eq!(t.lookup(v(1), mac(2)), None);
    // Bounded bond table.
    let mut c = cfg();
    c.mlag_bonds_max = 1;
    let mut t = Fdb::new(c).unwrap();
    t.set_mlag_bond(MlagId(1), BondState::Up).unwrap();
    assert!(t.set_mlag_bond(MlagId(2), BondState::Up).is_err());
    t.set_mlag_bond(MlagId(1), BondState::Up).unwrap();
}

/// Runs the two tables back to back until quiet.
fn exchange(a: &mut Fdb, b: &mut Fdb, now: Instant) {
    let mut buf = [0u8; 1500];
    for _ in 0..100 {
        let mut quiet = true;
        while let Some(n) = a.poll_sync(now, &mut buf) {
            quiet = false;
            let _ = b.handle_sync(now, &buf[..n]);
        }
        while let Some(n) = b.poll_sync(now, &mut buf) {
            quiet = false;
            let _ = a.handle_sync(now, &buf[..n]);
        }
        if quiet {
            break;
        }
    }
}

fn pair() -> (Fdb, Fdb, Instant) {
    let now = Instant::from_secs(1);
    let mut a = Fdb::new(FdbConfig::new(1, 1)).unwrap();
    let mut b = Fdb::new(FdbConfig::new(2, 2)).unwrap();
    a.set_peer(now, PeerState::Up);
    b.set_peer(now, PeerState::Up);
    (a, b, now)
}

#[test]
fn peer_entries_follow_the_owner_and_never_age_locally() {
    let (mut a, mut b, now) = pair();
    let bond = Location::Mlag(MlagId(5));
    b.set_mlag_bond(MlagId(5), BondState::Up).unwrap();
    let _ = a.learn(now, v(1), mac(1), bond);
    let _ = a.learn(now, v(1), mac(2), P1);
    let _ = a.learn(now, v(1), mac(3), Location::PeerPort);
    a.insert_static(v(1), mac(4), Location::Cpu).unwrap();
    exchange(&mut a, &mut b, now);
    assert_eq!(b.lookup(v(1), mac(1)), Some(bond));
    assert_eq!(b.lookup(v(1), mac(2)), Some(Location::PeerPort));
    assert_eq!(b.get(v(1), mac(2)).unwrap().kind, Kind::Peer);
    assert_eq!(
        b.lookup(v(1), mac(3)),
        None,
        "peer-port entries are not synced"
    );
    assert_eq!(b.lookup(v(1), mac(4)), None, "own addresses are not synced");
    // B's ageing does not touch them; A's does.
    let later = now + A + A;
    b.handle_timeout(later);
    let _ = b.sweep(later);
    assert_eq!(b.len(), 2);
    a.handle_timeout(later);
    assert_eq!(a.stats().aged, 3);
    exchange(&mut a, &mut b, later);
    assert_eq!(b.len(), 0);
    // The owner's flush propagates too.
    let _ = a.learn(later, v(1), mac(9), P1);
    exchange(&mut a, &mut b, later);
    assert_eq!(b.len(), 1);
    let _ = a.flush(&Flush::dynamic().on(P1));
    exchange(&mut a, &mut b, later);
    assert_eq!(b.len(), 0);
    // A local member going down moves nothing; the peer's copy resolves to the peer-port.
    let _ = a.learn(later, v(1), mac(1), bond);
    exchange(&mut a, &mut b, later);
    b.set_mlag_bond(MlagId(5), BondState::Down).unwrap();
    assert_eq!(b.lookup(v(1), mac(1)), Some(Location::PeerPort));
    // Peer lost for good: the host flushes its entries.
    b.set_peer(later, PeerState::Down);
    assert_eq!(b.flush(&Flush::peer()), 1);
    assert!(b.is_empty());
    a.check_invariants().unwrap();
    b.check_invariants().unwrap();
}

#[test]
fn a_mac_seen_behind_the_peer_moves_there() {
    let (mut a, mut b, now) = pair();
    let _ = a.learn(now, v(1), mac(1), P1);
    exchange(&mut a, &mut b, now);
    // The host moved behind B.
    let _ = b.learn(now, v(1), mac(1), P2);
    exchange(&mut a, &mut b, now);
    assert_eq!(a.lookup(v(1), mac(1)), Some(Location::PeerPort));
    assert_eq!(a.stats().moved_to_peer, 1);
    assert_eq!(b.lookup(v(1), mac(1)), Some(P2));
    assert_eq!(a.own_records(), b.peer_records());
    assert_eq!(b.own_records(), a.peer_records());
    // Both peers learning an MLAG client on the same mlag-id keep both entries.
    let bond = Location::Mlag(MlagId(3));
    let _ = a.learn(now, v(1), mac(2), bond);
    let _ = b.learn(now, v(1), mac(2), bond);
    exchange(&mut a, &mut b, now);
    assert_eq!(a.get(v(1), mac(2)).unwrap().kind, Kind::Dynamic);
    assert_eq!(b.get(v(1), mac(2)).unwrap().kind, Kind::Dynamic);
    assert_eq!(a.peer_records().len(), 2);
}

#[test]
fn the_journal_serves_changes_since_a_sequence_number_until_it_wraps() {
    let mut c = cfg();
    c.journal_max = 4;
    let mut t = Fdb::new(c).unwrap();
    let now = Instant::from_secs(1);
    let _ = t.learn(now, v(1), mac(1), P1); // seq 1: upsert
    let _ = t.learn(now, v(1), mac(1), P1); // refresh: not journaled
    let _ = t.learn(now, v(1), mac(1), Location::Mlag(MlagId(4))); // seq 2: upsert (moved)
    let _ = t.learn(now, v(1), mac(2), Location::PeerPort); // not synchronised: no record
    let _ = t.flush(&Flush::dynamic().on(Location::Mlag(MlagId(4)))); // seq 3: delete
    assert_eq!(t.sync_position(), (1, 3));
    let all: Vec<_> = t.changes_since(0, 10).unwrap().collect();
    assert_eq!(all.len(), 3);
    assert_eq!(all[1].location, Some(fdb::SyncLocation::Mlag(MlagId(4))));
    assert_eq!(all[2].location, None);
    assert_eq!(t.changes_since(2, 10).unwrap().count(), 1);
    assert_eq!(t.changes_since(3, 10).unwrap().count(), 0);
    assert!(t.changes_since(4, 10).is_none(), "from the future");
    for i in 10..14 {
        let _ = t.learn(now, v(1), mac(i), P1);
    }
    assert_eq!(t.sync_position(), (1, 7));
    assert!(
        t.changes_since(2, 10).is_none(),
        "fell off the journal: snapshot needed"
    );
    assert_eq!(t.changes_since(3, 10).unwrap().count(), 4);
    assert_eq!(t.changes_since(3, 2).unwrap().count(), 2);
    // Oldest first across the wrap of the ring, from any position in it.
    let macs = |t: &Fdb, from: u64| -> Vec<MacAddr> {
        t.changes_since(from, 10)
            .unwrap()
            .map(|r| r.key.mac())
            .collect()
    };
    assert_eq!(macs(&t, 3), [mac(10), mac(11), mac(12), mac(13)]);
    assert_eq!(macs(&t, 5), [mac(12), mac(13)]);
    assert_eq!(macs(&t, 6), [mac(13)]);
    for i in 20..23 {
        let _ = t.learn(now, v(1), mac(i), P1);
    }
    assert_eq!(macs(&t, 6), [mac(13), mac(20), mac(21), mac(22)]);
    assert_eq!(macs(&t, 7), [mac(20), mac(21), mac(22)]);
    assert_eq!(macs(&t, 9), [mac(22)]);
    assert!(t.changes_since(5, 10).is_none());
    t.check_invariants().unwrap();
}

/// Flushes by origin and location over every kind of entry: statics, own addresses, MLAG bonds,
/// the peer's single-homed (behind the peer-port) and MLAG entries, keys holding both a local
/// and a peer entry. Regression test for the flush filter working on the stored (tag, value).
#[test]
fn flushes_select_statics_own_mlag_and_peer_entries_by_location() {
    let (mut a, mut b, now) = pair();
    let m10 = Location::Mlag(MlagId(10));
    let m11 = Location::Mlag(MlagId(11));
    // The peer (a) owns: a single-homed host, clients on bonds 10 and 11, a client shared
    // with b (key 7 on bond 10 on both sides).
    assert_eq!(a.learn(now, v(1), mac(1), P1), Learn::New);
    assert_eq!(a.learn(now, v(1), mac(2), m10), Learn::New);
    assert_eq!(a.learn(now, v(1), mac(3), m11), Learn::New);
    assert_eq!(a.learn(now, v(1), mac(7), m10), Learn::New);
    exchange(&mut a, &mut b, now);
    // b's own: dynamic on a port and on bond 10 (key 7 too), a static, an own address.
    assert_eq!(b.learn(now, v(1), mac(4), P1), Learn::New);
    assert_eq!(b.learn(now, v(1), mac(5), m10), Learn::New);
    assert_eq!(b.learn(now, v(1), mac(7), m10), Learn::New);
    b.insert_static(v(1), mac(6), P1).unwrap();
    b.insert_static(v(1), mac(8), Location::Cpu).unwrap();
    assert_eq!(b.len(), 8);
    b.check_invariants().unwrap();

    // Peer entries on the peer-port only: the single-homed host of a.
    assert_eq!(b.flush(&Flush::peer().on(Location::PeerPort)), 1);
    assert!(b.get(v(1), mac(1)).is_none());
    // Dynamic and peer entries on bond 10: b's two local ones and a's two (key 7 counts twice,
    // and goes).
    let mut f = Flush::dynamic().on(m10);
    f.peer = true;
    assert_eq!(b.flush(&f), 4);
    assert!(b.get(v(1), mac(2)).is_none());
    assert!(b.get(v(1), mac(5)).is_none());
    assert!(b.get(v(1), mac(7)).is_none());
    // Statics except on P1: none; own addresses are never flushed.
    let mut statics = Flush::dynamic().except(P1);
    statics.dynamic = false;
    statics.statics = true;
    assert_eq!(b.flush(&statics), 0);
    statics.except = None;
    assert_eq!(
        b.flush(&statics),
        1,
        "the static on P1; not the own address on the CPU"
    );
    assert!(b.get(v(1), mac(6)).is_none());
    assert_eq!(b.lookup(v(1), mac(8)), Some(Location::Cpu));
    // Everything but bond 11, peer included: b's dynamic entry on P1.
    let mut rest = Flush::dynamic().except(m11);
    rest.peer = true;
    assert_eq!(b.flush(&rest), 1);
    assert!(b.get(v(1), mac(4)).is_none());
    assert_eq!(
        b.lookup(v(1), mac(3)),
        Some(Location::PeerPort),
        "bond 11 is down here"
    );
    assert_eq!(b.len(), 2);
    assert_eq!(b.stats().flushed, 7);
    b.check_invariants().unwrap();
}

// The compact slots: what does not fit in 16 octets (a key that moved, the 256th location,
// an instant far from the time base) must behave exactly like what does.

#[test]
fn last_seen_stays_exact_across_days_without_ageing() {
    let mut c = cfg();
    c.ageing_time = None;
    let mut t = Fdb::new(c).unwrap();
    let t0 = Instant::from_nanos(1_000_000_007);
    let _ = t.learn(t0, v(1), mac(1), P1);
    // 100 hours later (past the 2^48 ns ≈ 78 h range of an inline instant): the time base
    // moves, and the old entry keeps its instant to the nanosecond.
    let t1 = t0 + Duration::from_secs(100 * 3600) + Duration::from_nanos(3);
    let _ = t.learn(t1, v(1), mac(2), P2);
    assert_eq!(t.get(v(1), mac(1)).unwrap().last_seen, Some(t0));
    assert_eq!(t.get(v(1), mac(2)).unwrap().last_seen, Some(t1));
    t.check_invariants().unwrap();
    let t2 = t1 + Duration::from_secs(200 * 3600) + Duration::from_nanos(5);
    assert_eq!(t.learn(t2, v(1), mac(1), P1), Learn::Refreshed);
    let _ = t.learn(t2, v(1), mac(3), P3);
    assert_eq!(t.get(v(1), mac(1)).unwrap().last_seen, Some(t2));
    assert_eq!(t.get(v(1), mac(2)).unwrap().last_seen, Some(t1));
    assert_eq!(t.lookup(v(1), mac(2)), Some(P2));
    assert_eq!(t.flush(&Flush::dynamic().on(P2)), 1);
    assert_eq!(t.len(), 2);
    t.check_invariants().unwrap();
}

#[test]
fn host_clocks_far_from_zero_keep_exact_instants_and_ageing() {
    // A host clock counting from the epoch (about 2^60 ns), not from boot.
    let mut t = Fdb::new(cfg()).unwrap();
    let t0 = Instant::from_nanos(1_764_000_000_123_456_789);
    let _ = t.learn(t0, v(1), mac(1), P1);
    let _ = t.learn(t0 + Duration::from_secs(100), v(1), mac(2), P1);
    assert_eq!(t.get(v(1), mac(1)).unwrap().last_seen, Some(t0));
    assert_eq!(t.sweep(t0 + A - Duration::from_nanos(1)), 0);
    assert_eq!(t.sweep(t0 + A), 1);
    assert!(t.get(v(1), mac(1)).is_none());
    assert!(t.get(v(1), mac(2)).is_some());
    t.check_invariants().unwrap();
}

#[test]
fn more_locations_than_the_slot_can_name_work_the_same() {
    // 600 ports and 300 MLAG bonds: past the 254 locations a slot can index, entries keep
    // their full form in the side table.
    let (mut a, mut b, now) = pair();
    for p in 1..=600u16 {
        let _ = b.learn(now, v(1), mac(u64::from(p)), Location::Port(PortNo(p)));
    }
    for m in 1..=300u32 {
        b.set_mlag_bond(MlagId(m), BondState::Up).unwrap();
        let _ = a.learn(now, v(2), mac(u64::from(m)), Location::Mlag(MlagId(m)));
    }
    exchange(&mut a, &mut b, now);
    b.check_invariants().unwrap();
    for p in 1..=600u16 {
        assert_eq!(
            b.lookup(v(1), mac(u64::from(p))),
            Some(Location::Port(PortNo(p)))
        );
    }
    for m in 1..=300u32 {
        assert_eq!(
            b.lookup(v(2), mac(u64::from(m))),
            Some(Location::Mlag(MlagId(m)))
        );
    }
    assert_eq!(b.peer_records(), a.own_records());
    // Flushes and refreshes reach entries on either side of the limit.
    assert_eq!(b.flush(&Flush::dynamic().on(Location::Port(PortNo(7)))), 1);
    assert_eq!(
        b.flush(&Flush::dynamic().on(Location::Port(PortNo(555)))),
        1
    );
    let later = now + Duration::from_secs(1);
    assert_eq!(
        b.learn(later, v(1), mac(500), Location::Port(PortNo(500))),
        Learn::Refreshed
    );
    assert_eq!(b.get(v(1), mac(500)).unwrap().last_seen, Some(later));
    assert_eq!(b.flush(&Flush::peer().on(Location::Mlag(MlagId(299)))), 1);
    assert_eq!(b.len(), 600 - 2 + 300 - 1);
    b.check_invariants().unwrap();
    // And they age: everything local goes after the ageing time.
    let end = later + A + A;
    b.handle_timeout(end);
    let _ = b.sweep(end);
    assert_eq!(b.len(), 299, "the peer's entries stay");
    b.check_invariants().unwrap();
}

#[test]
fn a_moved_key_keeps_its_counter_and_returns_to_a_compact_slot_when_dropped() {
    let mut t = Fdb::new(cfg()).unwrap();
    let now = Instant::from_secs(10);
    let _ = t.learn(now, v(1), mac(1), P1);
    let _ = t.learn(now, v(1), mac(1), P2);
    let _ = t.learn(now, v(1), mac(1), P1);
    let e = t.get(v(1), mac(1)).unwrap();
    assert_eq!((e.location, e.moves), (P1, 2));
    let later = now + Duration::from_millis(1);
    assert_eq!(t.learn(later, v(1), mac(1), P1), Learn::Refreshed);
    assert_eq!(t.get(v(1), mac(1)).unwrap().last_seen, Some(later));
    let mem_moved = t.memory_bytes();
    assert_eq!(t.flush(&Flush::dynamic()), 1);
    assert!(t.is_empty());
    let _ = t.learn(later, v(1), mac(1), P1);
    assert_eq!(t.get(v(1), mac(1)).unwrap().moves, 0);
    assert!(t.memory_bytes() <= mem_moved);
    t.check_invariants().unwrap();
}

#[test]
fn a_snapshot_survives_the_sender_table_growing_between_chunks() {
    // The cursor is the sender's key hash, not a slot index: growing (re-placing every
    // entry) between two chunks neither skips nor repeats an entry.
    let (mut a, mut b, now) = pair();
    for i in 0..3000u64 {
        let _ = a.learn(now, v(1), mac(i), P1);
    }
    let mut buf = [0u8; 1500];
    // b asks; a answers with a snapshot, chunk by chunk, learning 20,000 more keys (growth)
    // after the first chunks.
    let n = b.poll_sync(now, &mut buf).unwrap();
    a.handle_sync(now, &buf[..n]).unwrap();
    let mut chunks = 0;
    while let Some(n) = a.poll_sync(now, &mut buf) {
        b.handle_sync(now, &buf[..n]).unwrap();
        chunks += 1;
        if chunks == 3 {
            for i in 3000..23_000u64 {
                let _ = a.learn(now, v(2), mac(i), P2);
            }
            let _ = a.flush(&Flush::dynamic().on(P1).in_vlan(v(1)));
            for i in 0..1000u64 {
                let _ = a.learn(now, v(1), mac(i), P3);
            }
        }
    }
    exchange(&mut a, &mut b, now);
    assert_eq!(b.peer_records(), a.own_records());
    assert_eq!(b.len(), 21_000);
    a.check_invariants().unwrap();
    b.check_invariants().unwrap();
}

/// A full snapshot of `a` to `b` through buffers of `size` octets; every key arrives exactly
/// once. Returns the number of chunks.
fn snapshot_once_each(a: &mut Fdb, b: &mut Fdb, now: Instant, size: usize) -> usize {
    use fdb::sync::wire::Message;
    let mut buf = vec![0u8; size.max(64)];
    let n = b.poll_sync(now, &mut buf).unwrap();
    a.handle_sync(now, &buf[..n]).unwrap();
    let mut buf = vec![0u8; size];
    let mut seen = std::collections::HashSet::new();
    let mut chunks = 0;
    while let Some(n) = a.poll_sync(now, &mut buf) {
        if let Ok(Message::Snapshot { records, .. }) = Message::decode(&buf[..n]) {
            for r in records.iter() {
                assert!(seen.insert(r.key), "{:?} sent twice", r.key);
            }
            chunks += 1;
        }
        b.handle_sync(now, &buf[..n]).unwrap();
    }
    assert_eq!(seen.len(), a.own_records().len());
    chunks
}

#[test]
fn a_snapshot_of_a_full_table_sends_every_key_once_whatever_the_chunk_size() {
    // A table filled to its limit (7/8 of its slots: long runs of full groups, which a chunk
    // cannot always end inside of), snapshotted through chunks of one record, a few records,
    // and a whole frame; single-homed and MLAG records mixed.
    for (size, keys) in [
        (16 + 25 + 12, 3000u64),
        (16 + 25 + 40, 5000),
        (1500, 60_000),
    ] {
        let now = Instant::from_secs(1);
        let mut ca = FdbConfig::new(1, 1);
        ca.entries_max = keys as u32;
        let mut a = Fdb::with_capacity(ca, keys as usize).unwrap();
        let mut cb = FdbConfig::new(1, 2);
        cb.entries_max = keys as u32;
        let mut b = Fdb::new(cb).unwrap();
        a.set_peer(now, PeerState::Up);
        b.set_peer(now, PeerState::Up);
        for i in 0..keys {
            let at = if i % 5 == 0 {
                Location::Mlag(MlagId(i as u32 % 7 + 1))
            } else {
                P1
            };
            let _ = a.learn(now, v(1 + (i % 9) as u16), mac(i * 7919), at);
        }
        assert_eq!(a.len(), keys as usize);
        let chunks = snapshot_once_each(&mut a, &mut b, now, size);
        assert!(chunks > 1);
        exchange(&mut a, &mut b, now);
        assert_eq!(b.peer_records(), a.own_records(), "chunks of {size} octets");
        a.check_invariants().unwrap();
        b.check_invariants().unwrap();
    }
}

/// A small deterministic generator for the burst tests.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn bursts_give_the_same_outcomes_as_one_learn_or_lookup_at_a_time() {
    // Two tables fed the same frames, one frame at a time and in bursts of 8: the same
    // outcomes, entries, counters and lookups. The frames repeat keys within a burst, move
    // MACs, include group addresses, fill a small table that evicts (entries leave slots that
    // a later frame of the same burst then finds empty or reused) and grow it (indices move).
    for policy in [FullPolicy::DropNew, FullPolicy::EvictOldest] {
        let mut c = cfg();
        c.entries_max = 300;
        c.when_full = policy;
        let mut one = Fdb::new(c).unwrap();
        let mut many = Fdb::new(c).unwrap();
        many.set_mlag_bond(MlagId(7), BondState::Up).unwrap();
        one.set_mlag_bond(MlagId(7), BondState::Up).unwrap();
        let mut s = 1u64;
        let mut now = Instant::from_secs(10);
        for round in 0..400u64 {
            now += Duration::from_millis(300);
            let mut frames = [(v(1), mac(0), P1); 8];
            for f in &mut frames {
                let r = next(&mut s);
                let m = if r.is_multiple_of(29) {
                    MacAddr::from_u64(0x0100_5e00_0001)
                } else {
                    mac(r % (200 + round))
                };
                let loc = match (r >> 20) % 5 {
                    0 => P2,
                    1 => Location::Mlag(MlagId(7)),
                    _ => P1,
                };
                *f = (v(1 + (r >> 40) as u16 % 3), m, loc);
            }
            let mut out = [Learn::New; 8];
            many.learn_many(now, &frames, &mut out);
            for (f, o) in frames.iter().zip(out) {
                assert_eq!(one.learn(now, f.0, f.1, f.2), o, "{f:?} in round {round}");
            }
            let mut keys = [(v(1), mac(0)); 8];
            for k in &mut keys {
                let r = next(&mut s);
                *k = (v(1 + (r >> 40) as u16 % 3), mac(r % (260 + round)));
            }
            let mut found = [None; 8];
            many.lookup_many(&keys, &mut found);
            for (k, f) in keys.iter().zip(found) {
                assert_eq!(one.lookup(k.0, k.1), f);
                assert_eq!(many.lookup(k.0, k.1), f);
            }
            if round % 50 == 0 {
                many.check_invariants().unwrap();
            }
        }
        assert_eq!(one.len(), 300, "the table filled");
        assert!(one.stats().rejected_full + one.stats().evicted > 0);
        assert!(one.stats().moved > 0 && one.stats().refreshed > 0);
        assert_eq!(
            one.entries().collect::<Vec<_>>(),
            many.entries().collect::<Vec<_>>()
        );
        assert_eq!(one.stats(), many.stats());
        many.check_invariants().unwrap();
    }
}
