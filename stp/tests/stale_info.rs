//! Stale information aging (`BridgeConfig::stale_info_aging`, an extension beyond 802.1D-2004
//! and 802.1Q-2022): a designated BPDU from bridge B ages better root information recorded
//! from B on this bridge's other ports.
//!
//! The bridge under test (A, priority 61440) has ports 1 and 2 on two designated ports of B
//! (priority 32768), whose root is R (priority 4096). B loses its root and sends "B is root"
//! on both ports; A hears the one on port 2 first (in an MLAG pair: the authority's own port,
//! while the other chassis still relays the copy it got on port 1).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, MstBpdu, PortId,
    PortRole, RstBpdu,
};
use stp::*;

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

fn r_id() -> BridgeId {
    BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 0x01]))
}
fn b_id() -> BridgeId {
    BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, 0x0b]))
}
fn c_id() -> BridgeId {
    BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, 0x0c]))
}

fn body(root: BridgeId, cost: u32, from: BridgeId, port: u16, role: PortRole) -> ConfigBpdu {
    ConfigBpdu {
        flags: BpduFlags::empty()
            .with_role(role)
            .union(BpduFlags::LEARNING)
            .union(BpduFlags::FORWARDING),
        root_id: root,
        root_path_cost: cost,
        bridge_id: from,
        port_id: PortId::new(128, port),
        message_age: BpduTime::from_secs(u8::from(cost != 0)),
        max_age: BpduTime::from_secs(20),
        hello_time: BpduTime::from_secs(2),
        forward_delay: BpduTime::from_secs(15),
    }
}

fn frame(bpdu: &Bpdu) -> Vec<u8> {
    let mut buf = [0u8; 256];
    let n = BpduFrame::emit(MacAddr([2, 0, 0, 0, 0, 0x98]), bpdu, &mut buf).unwrap();
    buf[..n].to_vec()
}

fn rst(root: BridgeId, cost: u32, from: BridgeId, port: u16, role: PortRole) -> Vec<u8> {
    frame(&Bpdu::Rst(RstBpdu {
        version: 2,
        bpdu: body(root, cost, from, port, role),
        version_1_length: 0,
    }))
}

/// A with ports 1 and 2 up; `aging` sets the extension.
fn bridge_a(aging: bool) -> Bridge {
    let mut cfg = BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x0a]));
    cfg.priority = 61440;
    cfg.stale_info_aging = aging;
    let mut b = Bridge::new(cfg).unwrap();
    for n in 1..=2u16 {
        b.add_port(
            Instant::ZERO,
            PortNo(n),
            PortConfig::new(MacAddr([2, 0, 0, 0, 0x0a, n as u8])),
        )
        .unwrap();
        b.handle_link(Instant::ZERO, PortNo(n), UP);
    }
    b
}

/// The roots of the BPDUs A sends, with their ports.
fn sent(b: &mut Bridge) -> Vec<(PortNo, BridgeId, u32)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    while let Some(t) = b.poll_transmit(&mut buf) {
        let f = BpduFrame::parse(&buf[..t.len]).unwrap();
        let FrameKind::Bpdu(body) = f.kind else {
            panic!("not a BPDU")
        };
        let c = match Bpdu::parse(body).unwrap() {
            Bpdu::Rst(r) => r.bpdu,
            Bpdu::Config { bpdu, .. } => bpdu,
            Bpdu::Mst(m) => m.cist,
            Bpdu::Tcn { .. } => continue,
        };
        out.push((t.port, c.root_id, c.root_path_cost));
    }
    out
}

/// A hears B (root R, cost 20000) on both ports: root port 1, alternate port 2.
fn converged(aging: bool) -> (Bridge, Instant) {
    let mut a = bridge_a(aging);
    let t = Instant::ZERO + Duration::from_millis(1);
    for (p, bp) in [(1u16, 1u16), (2, 2)] {
        a.handle_frame(
            t,
            PortNo(p),
            &rst(r_id(), 20000, b_id(), bp, PortRole::Designated),
        )
        .unwrap();
    }
    sent(&mut a);
    assert_eq!(a.tree().root_priority.root, r_id());
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
    assert_eq!(a.port(PortNo(2)).unwrap().role, Role::Alternate);
    (a, t)
}

/// The standard's behaviour (extension off): A answers B's "B is root" on port 2 with the root
/// path still recorded on port 1 — B's own withdrawn one, the seed of a count to infinity.
#[test]
fn without_the_extension_a_offers_b_its_withdrawn_root() {
    let (mut a, t) = converged(false);
    let t = t + Duration::from_millis(1);
    a.handle_frame(
        t,
        PortNo(2),
        &rst(b_id(), 0, b_id(), 2, PortRole::Designated),
    )
    .unwrap();
    let tx = sent(&mut a);
    assert!(
        tx.iter()
            .any(|&(p, root, _)| p == PortNo(2) && root == r_id()),
        "{tx:?}"
    );
    assert_eq!(a.tree().root_priority.root, r_id());
    assert_eq!(a.stats().stale_info_aged, 0);
}

/// With the extension, port 1's information from B is aged as B's newer BPDU on port 2 says
/// it no longer has that root: A never sends R, its root is B.
#[test]
fn with_the_extension_the_withdrawn_root_is_aged_at_once() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    a.handle_frame(
        t,
        PortNo(2),
        &rst(b_id(), 0, b_id(), 2, PortRole::Designated),
    )
    .unwrap();
    let tx = sent(&mut a);
    assert!(tx.iter().all(|&(_, root, _)| root == b_id()), "{tx:?}");
    assert_eq!(a.tree().root_priority.root, b_id());
    assert_eq!(a.tree().root_port, Some(PortNo(2)));
    let p1 = a.port(PortNo(1)).unwrap();
    assert_eq!(
        (p1.role, p1.info_is),
        (Role::Designated, port::InfoIs::Mine)
    );
    assert_eq!(a.stats().stale_info_aged, 1);
    a.check_invariants().unwrap();
    // B's BPDU on port 1 arrives (a peer-link delay later): port 1 takes it as any
    // better information and the two ports are Root and Alternate again.
    let t = t + Duration::from_micros(200);
    a.handle_frame(
        t,
        PortNo(1),
        &rst(b_id(), 0, b_id(), 1, PortRole::Designated),
    )
    .unwrap();
    sent(&mut a);
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
    assert_eq!(a.port(PortNo(2)).unwrap().role, Role::Alternate);
    assert_eq!(a.stats().stale_info_aged, 1);
    // The extension survives a snapshot.
    let s = a.snapshot(t);
    let r = Bridge::restore(&s, t).unwrap();
    assert!(r.config().stale_info_aging);
    assert_eq!(r.stats().stale_info_aged, 1);
}

/// Better news from B ages nothing: worse information recorded elsewhere cannot win a root
/// path over what B says now.
#[test]
fn better_news_ages_nothing() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    a.handle_frame(
        t,
        PortNo(2),
        &rst(r_id(), 2000, b_id(), 2, PortRole::Designated),
    )
    .unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_aged, 0);
    assert_eq!(a.port(PortNo(1)).unwrap().info_is, port::InfoIs::Received);
    assert_eq!(a.tree().root_port, Some(PortNo(2)));
}

/// Only designated BPDUs count: a Root or Alternate port's BPDU (an agreement, a topology
/// change) is not recorded by the standard and ages nothing either; neither does a BPDU from
/// another designated bridge.
#[test]
fn other_roles_and_other_bridges_age_nothing() {
    for role in [PortRole::Root, PortRole::AlternateOrBackup] {
        let (mut a, t) = converged(true);
        let t = t + Duration::from_millis(1);
        a.handle_frame(t, PortNo(2), &rst(b_id(), 0, b_id(), 2, role))
            .unwrap();
        sent(&mut a);
        assert_eq!(a.stats().stale_info_aged, 0, "{role:?}");
        assert_eq!(a.tree().root_port, Some(PortNo(1)), "{role:?}");
    }
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    a.handle_frame(
        t,
        PortNo(2),
        &rst(c_id(), 0, c_id(), 2, PortRole::Designated),
    )
    .unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_aged, 0);
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
}

/// An RSTP bridge reads an MST BPDU's CIST Regional Root as the designated bridge: every
/// bridge of that region has the same identifier there, so their BPDUs age nothing.
#[test]
fn mst_bpdus_read_by_an_rstp_bridge_age_nothing() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    let cist = body(b_id(), 0, b_id(), 2, PortRole::Designated);
    // Bridge C of B's region (B is the CIST Regional Root, in the Bridge Identifier field).
    let m = frame(&Bpdu::Mst(MstBpdu {
        version: 3,
        cist,
        version_1_length: 0,
        mcid: stp::wire::MstConfigId::new("other", 0, &stp::wire::VidToMstid::all_cist()),
        cist_internal_root_path_cost: 0,
        cist_bridge_id: c_id(),
        cist_remaining_hops: 20,
        mstis: stp::wire::MstiMessages::EMPTY,
    }));
    a.handle_frame(t, PortNo(2), &m).unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_aged, 0);
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
}

/// B sends v1 ("B is root") and, a moment later, v2 (a new, worse root path than the one
/// before v1) on both ports; A hears both on port 2 first and their copies on port 1 a
/// peer-link delay later. The late v1 on port 1 is a copy of a BPDU B has superseded: it is
/// discarded (as if lost) instead of aging port 2's current v2 — with the first rule alone it
/// would (v1 is worse than v2) and A would claim the root for a moment.
#[test]
fn a_late_copy_of_a_superseded_bpdu_is_discarded() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    let v1 = |p| rst(b_id(), 0, b_id(), p, PortRole::Designated);
    let v2 = |p| rst(r_id(), 60000, b_id(), p, PortRole::Designated);
    a.handle_frame(t, PortNo(2), &v1(2)).unwrap();
    a.handle_frame(t, PortNo(2), &v2(2)).unwrap();
    sent(&mut a);
    assert_eq!(
        a.stats().stale_info_aged,
        1,
        "port 1's information when v1 came"
    );
    assert_eq!(a.tree().root_port, Some(PortNo(2)));
    let t = t + Duration::from_micros(200);
    a.handle_frame(t, PortNo(1), &v1(1)).unwrap();
    let tx = sent(&mut a);
    assert_eq!(a.stats().stale_info_discarded, 1);
    assert_eq!(a.stats().stale_info_aged, 1);
    assert_eq!(a.tree().root_port, Some(PortNo(2)));
    assert!(tx.iter().all(|&(_, root, _)| root == r_id()), "{tx:?}");
    // v2's copy is B's current information: recorded.
    a.handle_frame(t, PortNo(1), &v2(1)).unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_discarded, 1);
    assert_eq!(a.port(PortNo(1)).unwrap().info_is, port::InfoIs::Received);
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
    // B going back to v1 later is news, on either port: port 1 heard v2 after v1 on the same
    // path, so v1 now is B's latest.
    let t = t + Duration::from_secs(1);
    a.handle_frame(t, PortNo(1), &v1(1)).unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_discarded, 1);
    assert_eq!(a.tree().root_priority.root, b_id());
    a.check_invariants().unwrap();
}

/// A port that had a superseded copy discarded lags behind the others: a BPDU B sent between
/// the discarded one and the current one (here v1.5, which B sent only on the port behind —
/// its other port was a Root Port at that moment) ages nothing until the port hears what the
/// others hear from B.
#[test]
fn a_lagging_port_ages_nothing_until_it_catches_up() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    let v1 = |p| rst(b_id(), 0, b_id(), p, PortRole::Designated);
    let v15 = |p| rst(c_id(), 20000, b_id(), p, PortRole::Designated);
    let v2 = |p| rst(r_id(), 60000, b_id(), p, PortRole::Designated);
    a.handle_frame(t, PortNo(2), &v1(2)).unwrap();
    a.handle_frame(t, PortNo(2), &v2(2)).unwrap();
    let t = t + Duration::from_micros(200);
    a.handle_frame(t, PortNo(1), &v1(1)).unwrap();
    assert_eq!(a.stats().stale_info_discarded, 1);
    // v1.5 is worse than port 2's v2: from a port that is not behind it would age it.
    a.handle_frame(t, PortNo(1), &v15(1)).unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_aged, 1);
    assert_eq!(a.port(PortNo(2)).unwrap().info_is, port::InfoIs::Received);
    assert_eq!(a.tree().root_port, Some(PortNo(2)));
    a.handle_frame(t, PortNo(1), &v2(1)).unwrap();
    sent(&mut a);
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
    // Caught up: B's next news on port 1 ages port 2 again.
    let t = t + Duration::from_secs(1);
    a.handle_frame(t, PortNo(1), &v1(1)).unwrap();
    sent(&mut a);
    assert_eq!(a.stats().stale_info_aged, 2);
    assert_eq!(a.port(PortNo(2)).unwrap().info_is, port::InfoIs::Mine);
    let s = a.snapshot(t);
    assert_eq!(
        Bridge::restore(&s, t).unwrap().fingerprint(),
        a.fingerprint()
    );
}

/// What a port remembers of B goes with its link: after port 2's link went down, B going back
/// to v1 on port 1 is recorded, not discarded as a late copy (seed 2124 of the chaos campaign
/// was a permanent black hole: a downed port's memory discarded every later BPDU).
#[test]
fn a_port_that_went_down_marks_nothing_superseded() {
    let (mut a, t) = converged(true);
    let t = t + Duration::from_millis(1);
    let v1 = |p| rst(b_id(), 0, b_id(), p, PortRole::Designated);
    let v2 = |p| rst(r_id(), 60000, b_id(), p, PortRole::Designated);
    a.handle_frame(t, PortNo(2), &v1(2)).unwrap();
    a.handle_frame(t, PortNo(2), &v2(2)).unwrap();
    let t = t + Duration::from_secs(1);
    a.handle_link(t, PortNo(2), LinkState::Down);
    for k in 0..3u64 {
        a.handle_frame(t + Duration::from_secs(2 * k), PortNo(1), &v1(1))
            .unwrap();
    }
    sent(&mut a);
    assert_eq!(a.stats().stale_info_discarded, 0);
    assert_eq!(a.tree().root_priority.root, b_id());
    assert_eq!(a.tree().root_port, Some(PortNo(1)));
}
