//! The numbering rules both peers compute identically, and the split-horizon table.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::MacAddr;
use mlag_core::coordinator::{
    MLAG_PORTS_MAX, PEER_PORTS_MAX, PeerIndex, apply_mlag_forwarding, lacp_local_port_number,
    lacp_port_number, mlag_forwarding, mlag_stp_port_number, stp_port_number, stp_port_owner,
};
use mlag_core::dataplane::{MlagId, NextHop, RecordingDataplane};
use std::collections::BTreeSet;

#[test]
fn peer_index_is_by_mac_and_agreed() {
    let a = MacAddr([2, 0, 0, 0, 1, 0]);
    let b = MacAddr([2, 0, 0, 0, 2, 0]);
    assert_eq!(PeerIndex::of(a, b), PeerIndex::Low);
    assert_eq!(PeerIndex::of(b, a), PeerIndex::High);
    assert_eq!(PeerIndex::Low.other(), PeerIndex::High);
}

#[test]
fn lacp_port_numbers_are_disjoint_and_non_zero() {
    let mut seen = BTreeSet::new();
    for peer in [PeerIndex::Low, PeerIndex::High] {
        for i in 1..=0x3FFF {
            let n = lacp_port_number(peer, i).unwrap();
            assert_ne!(n, 0);
            assert!(seen.insert(n), "{n} twice");
        }
        assert_eq!(lacp_port_number(peer, 0), None);
        assert_eq!(lacp_port_number(peer, 0x4000), None);
    }
    // Local (non-MLAG) slaves never collide with MLAG slaves of either peer.
    for i in 1..=0x3FFF {
        assert!(seen.insert(lacp_local_port_number(i).unwrap()));
    }
    assert_eq!(lacp_local_port_number(0), None);
    assert_eq!(lacp_local_port_number(0x4000), None);
    assert_eq!(seen.len(), 3 * 0x3FFF);
}

#[test]
fn stp_port_numbers_fill_the_12_bit_space_without_overlap() {
    let mut seen = BTreeSet::new();
    for peer in [PeerIndex::Low, PeerIndex::High] {
        for i in 1..=PEER_PORTS_MAX {
            let n = stp_port_number(peer, i).unwrap();
            assert!(seen.insert(n));
            assert_eq!(stp_port_owner(n), Some(peer));
        }
        assert_eq!(stp_port_number(peer, 0), None);
        assert_eq!(stp_port_number(peer, PEER_PORTS_MAX + 1), None);
    }
    for slot in 0..MLAG_PORTS_MAX {
        let n = mlag_stp_port_number(slot).unwrap();
        assert!(seen.insert(n));
        assert_eq!(stp_port_owner(n), None);
    }
    assert_eq!(mlag_stp_port_number(MLAG_PORTS_MAX), None);
    // Exactly 1..=4095, the Port Identifier's 12 bits minus 0.
    assert_eq!(seen, (1..=4095).collect());
    assert_eq!(stp_port_owner(0), None);
}

#[test]
fn split_horizon_table() {
    assert_eq!(mlag_forwarding(true, true), (NextHop::Local, false));
    assert_eq!(mlag_forwarding(true, false), (NextHop::Local, true));
    assert_eq!(mlag_forwarding(false, true), (NextHop::PeerPort, false));
    assert_eq!(mlag_forwarding(false, false), (NextHop::Local, false));
}

#[test]
fn apply_sets_next_hop_before_split_horizon() {
    let mut dp = RecordingDataplane::new();
    apply_mlag_forwarding(&mut dp, MlagId(3), false, true);
    assert_eq!(dp.next_hop(MlagId(3)), NextHop::PeerPort);
    assert!(!dp.peer_forwarding(MlagId(3)));
    assert!(matches!(
        dp.calls()[0],
        mlag_core::dataplane::Call::NextHop { .. }
    ));
    apply_mlag_forwarding(&mut dp, MlagId(3), true, false);
    assert_eq!(dp.next_hop(MlagId(3)), NextHop::Local);
    assert!(dp.peer_forwarding(MlagId(3)));
}
