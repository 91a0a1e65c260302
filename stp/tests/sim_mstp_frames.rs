//! One MST bridge against hand-built MST BPDUs: what it sends (802.1Q-2022 §14.6: the CIST
//! Regional Root in the Bridge Identifier field, the MCID, the CIST internal cost, bridge
//! identifier and remaining hops) and how it reads a neighbour inside or outside its region
//! (§13.10 CIST priority vectors, §13.29.34 remaining hops).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, FrameKind, MstBpdu, MstConfigId,
    MstiMessages, PortId, PortRole, VidToMstid,
};
use stp::*;

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

fn table() -> VidToMstid {
    let mut t = VidToMstid::all_cist();
    t.set(10, 1);
    t
}

fn mst_bridge() -> Bridge {
    let mut c = BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]));
    c.force_version = ForceVersion::Mstp;
    let mut b = Bridge::new(c).unwrap();
    b.set_mst_region("region", 7, &table()).unwrap();
    for p in 1..=2 {
        b.add_port(
            Instant::ZERO,
            PortNo(p),
            PortConfig::new(MacAddr([2, 1, 0, 0, 0, p as u8])),
        )
        .unwrap();
        b.handle_link(Instant::ZERO, PortNo(p), UP);
    }
    b
}

/// Every MST BPDU the bridge queued, by port.
fn sent(b: &mut Bridge) -> Vec<(PortNo, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1514];
    while let Some(t) = b.poll_transmit(&mut buf) {
        out.push((t.port, buf[..t.len].to_vec()));
    }
    out
}

fn parse(frame: &[u8]) -> Option<(ConfigBpdu, MstConfigId, u32, BridgeId, u8)> {
    let f = BpduFrame::parse(frame).ok()?;
    let FrameKind::Bpdu(body) = f.kind else {
        return None;
    };
    match Bpdu::parse(body).ok()? {
        Bpdu::Mst(m) => Some((
            m.cist,
            m.mcid,
            m.cist_internal_root_path_cost,
            m.cist_bridge_id,
            m.cist_remaining_hops,
        )),
        _ => None,
    }
}

fn bpdu(mcid: MstConfigId, internal_cost: u32, hops: u8) -> Vec<u8> {
    let regional_root = BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 0x02]));
    let bpdu = Bpdu::Mst(MstBpdu {
        version: 3,
        cist: ConfigBpdu {
            flags: BpduFlags::empty().with_role(PortRole::Designated),
            root_id: BridgeId::new(0, 0, MacAddr([2, 0, 0, 0, 0, 0x01])),
            root_path_cost: 20_000,
            bridge_id: regional_root,
            port_id: PortId::new(128, 3),
            message_age: BpduTime::from_secs(1),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
        mcid,
        cist_internal_root_path_cost: internal_cost,
        cist_bridge_id: BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, 0x03])),
        cist_remaining_hops: hops,
        mstis: MstiMessages::EMPTY,
    });
    let mut buf = [0u8; 256];
    let n = BpduFrame::emit(MacAddr([2, 0, 0, 0, 0, 0x33]), &bpdu, &mut buf).unwrap();
    buf[..n].to_vec()
}

#[test]
fn an_mst_bridge_alone_sends_mst_bpdus_as_its_own_regional_root() {
    let mut b = mst_bridge();
    let frames = sent(&mut b);
    assert!(!frames.is_empty());
    for (_, f) in &frames {
        let (cist, mcid, cost, bridge, hops) = parse(f).expect("an MST BPDU");
        assert_eq!(mcid, *b.mst_config_id());
        assert_eq!(cist.root_id, b.bridge_id());
        assert_eq!(cist.bridge_id, b.bridge_id(), "regional root");
        assert_eq!(bridge, b.bridge_id(), "CIST bridge identifier");
        assert_eq!(cost, 0);
        assert_eq!(hops, 20);
    }
    assert_eq!(b.mstid_of_vid(10), 1);
    assert_eq!(b.mstid_of_vid(11), 0);
}

#[test]
fn a_neighbour_in_the_region_is_internal() {
    let mut b = mst_bridge();
    let _ = sent(&mut b);
    let mcid = *b.mst_config_id();
    b.handle_frame(Instant::from_millis(5), PortNo(1), &bpdu(mcid, 40_000, 18))
        .unwrap();
    assert_eq!(b.is_boundary_port(PortNo(1)), Some(false));
    let t = b.tree();
    assert_eq!(t.root_port, Some(PortNo(1)));
    // External cost unchanged inside the region; the internal cost adds the port's cost.
    assert_eq!(t.root_priority.root_path_cost, 20_000);
    let rr = b.cist_regional_root();
    assert_eq!(
        rr.regional_root,
        BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 0x02]))
    );
    assert_eq!(rr.internal_root_path_cost, 60_000);
    assert_eq!(b.cist_remaining_hops(), 17);
    // Message Age is not incremented inside the region.
    assert_eq!(t.root_times.message_age, BpduTime::from_secs(1));
    // What it sends on its designated port: the same regional root, its own bridge identifier,
    // one hop less.
    let frames = sent(&mut b);
    let (cist, _, cost, bridge, hops) = frames
        .iter()
        .rev()
        .filter(|(p, _)| *p == PortNo(2))
        .find_map(|(_, f)| parse(f))
        .expect("a BPDU on port 2");
    assert_eq!(cist.bridge_id, rr.regional_root);
    assert_eq!(cist.root_path_cost, 20_000);
    assert_eq!(cist.message_age, BpduTime::from_secs(1));
    assert_eq!(bridge, b.bridge_id());
    assert_eq!(cost, 60_000);
    assert_eq!(hops, 17);
}

#[test]
fn a_neighbour_in_another_region_is_at_the_boundary() {
    let mut b = mst_bridge();
    let _ = sent(&mut b);
    let other = MstConfigId::new("other", 7, &table());
    b.handle_frame(Instant::from_millis(5), PortNo(1), &bpdu(other, 40_000, 18))
        .unwrap();
    assert_eq!(b.is_boundary_port(PortNo(1)), Some(true));
    let t = b.tree();
    assert_eq!(t.root_port, Some(PortNo(1)));
    // The external cost grows; this bridge is its region's regional root.
    assert_eq!(t.root_priority.root_path_cost, 40_000);
    assert_eq!(b.cist_regional_root().regional_root, b.bridge_id());
    assert_eq!(b.cist_regional_root().internal_root_path_cost, 0);
    assert_eq!(b.cist_remaining_hops(), 20);
    assert_eq!(t.root_times.message_age, BpduTime::from_secs(2));
}

#[test]
fn information_whose_hops_ran_out_is_discarded() {
    let mut b = mst_bridge();
    let _ = sent(&mut b);
    let mcid = *b.mst_config_id();
    b.handle_frame(Instant::from_millis(5), PortNo(1), &bpdu(mcid, 40_000, 1))
        .unwrap();
    // Recorded and aged at once: the bridge stays its own root.
    assert!(b.tree().is_root);
    assert_eq!(b.port(PortNo(1)).unwrap().role, Role::Designated);
}
