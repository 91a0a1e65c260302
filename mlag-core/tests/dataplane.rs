//! RecordingDataplane semantics, driven through `&mut dyn Dataplane` (object safety).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{MacAddr, PortNo, VlanId};
use mlag_core::dataplane::{
    CIST, Call, Dataplane, Egress, FdbFlush, Location, MlagId, NextHop, PortState,
    RecordingDataplane,
};

fn vid(v: u16) -> VlanId {
    VlanId::try_new(v).unwrap()
}

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([2, 0xaa, b[0], b[1], b[2], b[3]])
}

/// Calls through the trait object only.
fn drive(dp: &mut dyn Dataplane) {
    dp.transmit(PortNo(1), &[1, 2, 3]);
    dp.set_port_state(PortNo(1), CIST, PortState::Forwarding);
    dp.set_port_state(PortNo(1), 5, PortState::Learning);
    dp.set_member(PortNo(2), true, false);
    dp.fdb_add(vid(10), mac(1), Location::Port(PortNo(1)));
    dp.set_mlag_next_hop(MlagId(7), NextHop::PeerPort);
    dp.set_peer_forwarding(MlagId(7), true);
    dp.fdb_remove(vid(10), mac(1));
    dp.fdb_flush(FdbFlush::All);
}

#[test]
fn records_every_call_in_order_through_dyn() {
    let mut rec = RecordingDataplane::new();
    drive(&mut rec);
    // Also as a boxed trait object and through the blanket `&mut D` impl.
    let mut boxed: Box<dyn Dataplane> = Box::new(RecordingDataplane::new());
    drive(boxed.as_mut());
    let mut inner = RecordingDataplane::new();
    {
        let mut by_ref = &mut inner;
        drive(&mut by_ref);
    }
    assert_eq!(inner.calls(), rec.calls());
    assert_eq!(
        rec.calls(),
        &[
            Call::Transmit {
                port: PortNo(1),
                frame: vec![1, 2, 3]
            },
            Call::PortState {
                port: PortNo(1),
                tree: CIST,
                state: PortState::Forwarding
            },
            Call::PortState {
                port: PortNo(1),
                tree: 5,
                state: PortState::Learning
            },
            Call::Member {
                member: PortNo(2),
                collecting: true,
                distributing: false
            },
            Call::FdbAdd {
                vid: vid(10),
                mac: mac(1),
                location: Location::Port(PortNo(1))
            },
            Call::NextHop {
                mlag: MlagId(7),
                next_hop: NextHop::PeerPort
            },
            Call::PeerForwarding {
                mlag: MlagId(7),
                allow: true
            },
            Call::FdbRemove {
                vid: vid(10),
                mac: mac(1)
            },
            Call::FdbFlush(FdbFlush::All),
        ]
    );
    let taken = rec.take_calls();
    assert_eq!(taken.len(), 9);
    assert!(rec.calls().is_empty());
    // State survives take_calls.
    assert_eq!(rec.port_state(PortNo(1), CIST), PortState::Forwarding);
}

#[test]
fn defaults_are_a_fresh_host() {
    let rec = RecordingDataplane::new();
    assert_eq!(rec.port_state(PortNo(3), CIST), PortState::Discarding);
    assert_eq!(rec.member(PortNo(3)), (false, false));
    assert_eq!(rec.next_hop(MlagId(1)), NextHop::Local);
    assert!(!rec.peer_forwarding(MlagId(1)));
    assert_eq!(rec.fdb_len(), 0);
}

#[test]
fn port_state_is_per_tree() {
    let mut rec = RecordingDataplane::new();
    let dp: &mut dyn Dataplane = &mut rec;
    dp.set_port_state(PortNo(4), CIST, PortState::Forwarding);
    dp.set_port_state(PortNo(4), 2, PortState::Discarding);
    dp.set_port_state(PortNo(4), 3, PortState::Learning);
    dp.set_port_state(PortNo(4), CIST, PortState::Learning);
    assert_eq!(rec.port_state(PortNo(4), CIST), PortState::Learning);
    assert_eq!(rec.port_state(PortNo(4), 2), PortState::Discarding);
    assert_eq!(rec.port_state(PortNo(4), 3), PortState::Learning);
    assert_eq!(rec.port_state(PortNo(5), 3), PortState::Discarding);
}

#[test]
fn members_collecting_distributing() {
    let mut rec = RecordingDataplane::new();
    let dp: &mut dyn Dataplane = &mut rec;
    dp.set_member(PortNo(1), true, true);
    dp.set_member(PortNo(2), true, true);
    dp.set_member(PortNo(3), true, false);
    dp.set_member(PortNo(2), false, false);
    assert_eq!(rec.member(PortNo(1)), (true, true));
    assert_eq!(rec.member(PortNo(2)), (false, false));
    assert_eq!(rec.member(PortNo(3)), (true, false));
    assert_eq!(rec.distributing().collect::<Vec<_>>(), vec![PortNo(1)]);
}

#[test]
fn transmitted_frames_per_port() {
    let mut rec = RecordingDataplane::new();
    let dp: &mut dyn Dataplane = &mut rec;
    dp.transmit(PortNo(1), b"a");
    dp.transmit(PortNo(2), b"b");
    dp.transmit(PortNo(1), b"c");
    assert_eq!(
        rec.transmitted(PortNo(1)).collect::<Vec<_>>(),
        vec![b"a", b"c"]
    );
    assert_eq!(rec.transmitted(PortNo(3)).count(), 0);
}

#[test]
fn fdb_add_replaces_and_remove_removes() {
    let mut rec = RecordingDataplane::new();
    let dp: &mut dyn Dataplane = &mut rec;
    dp.fdb_add(vid(1), mac(1), Location::Port(PortNo(1)));
    dp.fdb_add(vid(1), mac(1), Location::Mlag(MlagId(3)));
    dp.fdb_add(vid(2), mac(1), Location::PeerPort);
    assert_eq!(rec.fdb_len(), 2);
    assert_eq!(rec.fdb_get(vid(1), mac(1)), Some(Location::Mlag(MlagId(3))));
    let dp: &mut dyn Dataplane = &mut rec;
    dp.fdb_remove(vid(1), mac(1));
    dp.fdb_remove(vid(9), mac(9)); // Absent: harmless.
    assert_eq!(rec.fdb_get(vid(1), mac(1)), None);
    assert_eq!(rec.fdb_get(vid(2), mac(1)), Some(Location::PeerPort));
}

fn populated() -> RecordingDataplane {
    let mut rec = RecordingDataplane::new();
    rec.map_vlan(vid(20), 1);
    rec.map_vlan(vid(30), 1);
    let locs = [
        Location::Port(PortNo(1)),
        Location::Port(PortNo(2)),
        Location::Mlag(MlagId(10)),
        Location::PeerPort,
    ];
    for (i, v) in [10u16, 20, 30].into_iter().enumerate() {
        for (j, l) in locs.into_iter().enumerate() {
            rec.fdb_add(vid(v), mac((i * 10 + j) as u32), l);
        }
    }
    assert_eq!(rec.fdb_len(), 12);
    rec
}

#[test]
fn flush_by_location() {
    let mut rec = populated();
    rec.fdb_flush(FdbFlush::Location(Location::Port(PortNo(1))));
    assert_eq!(rec.fdb_len(), 9);
    assert_eq!(rec.fdb_on(Location::Port(PortNo(1))).count(), 0);
    assert_eq!(rec.fdb_on(Location::Port(PortNo(2))).count(), 3);
}

#[test]
fn flush_by_vlan() {
    let mut rec = populated();
    rec.fdb_flush(FdbFlush::Vlan(vid(20)));
    assert_eq!(rec.fdb_len(), 8);
    assert!(rec.fdb_on(Location::PeerPort).all(|(v, _)| v != vid(20)));
}

#[test]
fn flush_by_tree() {
    let mut rec = populated();
    rec.fdb_flush(FdbFlush::Tree(1)); // VLANs 20 and 30.
    assert_eq!(rec.fdb_len(), 4);
    assert!(rec.fdb_on(Location::PeerPort).all(|(v, _)| v == vid(10)));
    rec.fdb_flush(FdbFlush::Tree(CIST)); // VLAN 10.
    assert_eq!(rec.fdb_len(), 0);
}

#[test]
fn flush_by_location_in_tree() {
    let mut rec = populated();
    rec.fdb_flush(FdbFlush::LocationInTree(Location::Mlag(MlagId(10)), 1));
    assert_eq!(rec.fdb_len(), 10);
    assert_eq!(
        rec.fdb_on(Location::Mlag(MlagId(10))).collect::<Vec<_>>(),
        vec![(vid(10), mac(2))]
    );
}

#[test]
fn flush_all() {
    let mut rec = populated();
    rec.fdb_flush(FdbFlush::All);
    assert_eq!(rec.fdb_len(), 0);
}

#[test]
fn failover_is_one_call_whatever_the_number_of_macs() {
    let mut rec = RecordingDataplane::new();
    let id = MlagId(10);
    for i in 0..10_000 {
        rec.fdb_add(vid(10), mac(i), Location::Mlag(id));
    }
    rec.fdb_add(vid(10), mac(99_999), Location::Port(PortNo(3)));
    rec.take_calls();
    assert_eq!(rec.resolve(vid(10), mac(5)), Some(Egress::LocalBond(id)));
    // The local half fails: one call re-points every entry on the logical port.
    let dp: &mut dyn Dataplane = &mut rec;
    dp.set_mlag_next_hop(id, NextHop::PeerPort);
    assert_eq!(rec.calls().len(), 1);
    assert!((0..10_000).all(|i| rec.resolve(vid(10), mac(i)) == Some(Egress::PeerPort)));
    // Entries themselves are unchanged, and other ports are unaffected.
    assert_eq!(rec.fdb_get(vid(10), mac(5)), Some(Location::Mlag(id)));
    assert_eq!(
        rec.resolve(vid(10), mac(99_999)),
        Some(Egress::Port(PortNo(3)))
    );
    // And back.
    rec.set_mlag_next_hop(id, NextHop::Local);
    assert_eq!(rec.resolve(vid(10), mac(7)), Some(Egress::LocalBond(id)));
    assert_eq!(rec.resolve(vid(10), mac(123_456)), None);
}

#[test]
fn next_hop_is_per_mlag() {
    let mut rec = RecordingDataplane::new();
    rec.fdb_add(vid(1), mac(1), Location::Mlag(MlagId(1)));
    rec.fdb_add(vid(1), mac(2), Location::Mlag(MlagId(2)));
    rec.set_mlag_next_hop(MlagId(1), NextHop::PeerPort);
    assert_eq!(rec.resolve(vid(1), mac(1)), Some(Egress::PeerPort));
    assert_eq!(
        rec.resolve(vid(1), mac(2)),
        Some(Egress::LocalBond(MlagId(2)))
    );
}

#[test]
fn split_horizon_per_mlag() {
    let mut rec = RecordingDataplane::new();
    let dp: &mut dyn Dataplane = &mut rec;
    dp.set_peer_forwarding(MlagId(1), true);
    dp.set_peer_forwarding(MlagId(2), true);
    dp.set_peer_forwarding(MlagId(1), false);
    assert!(!rec.peer_forwarding(MlagId(1)));
    assert!(rec.peer_forwarding(MlagId(2)));
    assert!(!rec.peer_forwarding(MlagId(3)));
}
