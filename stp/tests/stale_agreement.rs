//! An agreement counts only for the root the Designated Port advertises (802.1D-2004 §17.21.9
//! recordAgreement, with the rule 802.1Q-2018 §13.29.15 a) gives MSTI agreements): one that
//! names another root answers a proposal the port has since replaced, and must not open it
//! (chaos seeds 6923, 1784, 5526: a neighbour's agreement to the old root arrived just after
//! the port proposed the new one, and a loop opened through it).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod sim_common;

use l2_types::{Instant, MacAddr, PortNo};
use sim_common::UP;
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, PortId, PortRole, RstBpdu,
};
use stp::*;

/// An RST BPDU from a neighbour's Root Port with the Agreement flag, naming `root` at `cost`.
fn agreement(root: BridgeId, cost: u32) -> Vec<u8> {
    let neighbour = BridgeId::new(61440, 0, MacAddr([2, 0, 0, 0, 0, 0x99]));
    let body = ConfigBpdu {
        flags: BpduFlags::empty()
            .with_role(PortRole::Root)
            .union(BpduFlags::AGREEMENT),
        root_id: root,
        root_path_cost: cost,
        bridge_id: neighbour,
        port_id: PortId::new(128, 1),
        message_age: BpduTime(0),
        max_age: BpduTime::from_secs(20),
        hello_time: BpduTime::from_secs(2),
        forward_delay: BpduTime::from_secs(15),
    };
    let mut buf = [0u8; 64];
    let n = BpduFrame::emit(
        MacAddr([2, 0, 0, 0, 0, 0x98]),
        &Bpdu::Rst(RstBpdu {
            version: 2,
            bpdu: body,
            version_1_length: 0,
        }),
        &mut buf,
    )
    .unwrap();
    buf[..n].to_vec()
}

/// A bridge alone on one point-to-point port: the root, its port Designated and proposing.
fn proposing() -> Bridge {
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]))).unwrap();
    b.add_port(
        Instant::ZERO,
        PortNo(1),
        PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1])),
    )
    .unwrap();
    b.handle_link(Instant::ZERO, PortNo(1), UP);
    let mut buf = [0u8; 128];
    while b.poll_transmit(&mut buf).is_some() {}
    let p = b.port(PortNo(1)).unwrap();
    assert_eq!((p.role, p.state), (Role::Designated, PortState::Discarding));
    b
}

#[test]
fn an_agreement_naming_another_root_does_not_open_the_port() {
    let mut b = proposing();
    let now = Instant::from_millis(10);
    // The neighbour agreed while it still took itself (or an older root) for the root.
    let stale = BridgeId::new(61440, 0, MacAddr([2, 0, 0, 0, 0, 0x99]));
    b.handle_frame(now, PortNo(1), &agreement(stale, 0))
        .unwrap();
    b.check_invariants().unwrap();
    assert_eq!(b.port(PortNo(1)).unwrap().state, PortState::Discarding);
    // Its agreement to this bridge's proposal opens the port at once (§17.29.3).
    let own = b.bridge_id();
    b.handle_frame(now, PortNo(1), &agreement(own, 20_000))
        .unwrap();
    b.check_invariants().unwrap();
    assert_eq!(b.port(PortNo(1)).unwrap().state, PortState::Forwarding);
}
