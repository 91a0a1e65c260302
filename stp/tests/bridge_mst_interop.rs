//! An MSTP neighbour: its MST BPDUs are processed as RST BPDUs (the CIST part; 802.1Q-2022
//! §14.4 and §13.4 — an RSTP bridge sees the CIST Regional Root in the Bridge Identifier
//! field), and the region configuration yields the 802.1Q MCID.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::expect_used,
    clippy::panic
)]

use l2_types::{Duration, Instant, MacAddr, PortNo};
use stp::wire::{
    Bpdu, BpduFlags, BpduFrame, BpduTime, BridgeId, ConfigBpdu, MstBpdu, MstConfigId,
    MstiConfigMessage, MstiMessages, PortId, PortRole, VidToMstid,
};
use stp::*;

const UP: LinkState = LinkState::Up {
    speed_mbps: 1000,
    full_duplex: true,
};

#[test]
fn mst_bpdu_from_another_region_is_taken_as_rst() {
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]))).unwrap();
    b.add_port(
        Instant::ZERO,
        PortNo(1),
        PortConfig::new(MacAddr([2, 1, 0, 0, 0, 1])),
    )
    .unwrap();
    b.handle_link(Instant::ZERO, PortNo(1), UP);
    let root = BridgeId::new(4096, 0, MacAddr([2, 0, 0, 0, 0, 0x01]));
    let regional_root = BridgeId::new(8192, 0, MacAddr([2, 0, 0, 0, 0, 0x02]));
    let mut table = VidToMstid::all_cist();
    table.set(10, 1);
    let msti = MstiConfigMessage {
        flags: BpduFlags::empty(),
        regional_root_id: BridgeId::new(32768, 1, MacAddr([2, 0, 0, 0, 0, 0x02])),
        internal_root_path_cost: 0,
        bridge_priority: 0x80,
        port_priority: 0x80,
        remaining_hops: 20,
    };
    let mut records = [0u8; 16];
    MstiMessages::encode(&[msti], &mut records).unwrap();
    let bpdu = Bpdu::Mst(MstBpdu {
        version: 3,
        cist: ConfigBpdu {
            flags: BpduFlags::empty().with_role(PortRole::Designated),
            root_id: root,
            root_path_cost: 20_000,
            bridge_id: regional_root,
            port_id: PortId::new(128, 3),
            message_age: BpduTime::from_secs(1),
            max_age: BpduTime::from_secs(20),
            hello_time: BpduTime::from_secs(2),
            forward_delay: BpduTime::from_secs(15),
        },
        version_1_length: 0,
        mcid: MstConfigId::new("other", 1, &table),
        cist_internal_root_path_cost: 40_000,
        cist_bridge_id: BridgeId::new(32768, 0, MacAddr([2, 0, 0, 0, 0, 0x03])),
        cist_remaining_hops: 18,
        mstis: MstiMessages::new(&records).unwrap(),
    });
    let mut buf = [0u8; 256];
    let n = BpduFrame::emit(MacAddr([2, 0, 0, 0, 0, 0x33]), &bpdu, &mut buf).unwrap();
    b.handle_frame(Instant::from_millis(5), PortNo(1), &buf[..n])
        .unwrap();
    let t = b.tree();
    assert_eq!(t.root_priority.root, root);
    assert_eq!(t.root_priority.root_path_cost, 40_000);
    assert_eq!(t.root_priority.designated_bridge, regional_root);
    assert_eq!(t.root_port, Some(PortNo(1)));
    assert_eq!(b.port(PortNo(1)).unwrap().counters.rx_mst, 1);
    // The port still speaks RST BPDUs (rcvdRSTP, not rcvdSTP).
    assert!(b.port(PortNo(1)).unwrap().send_rstp);
    // Keep it alive a while: information ages out after 3 × Hello without repeats.
    let end = Instant::from_millis(5) + Duration::from_secs(10);
    while let Some(at) = b.poll_timeout() {
        if at > end {
            break;
        }
        b.handle_timeout(at);
        while b.poll_transmit(&mut buf).is_some() {}
    }
    assert!(b.tree().is_root);
}

#[test]
fn region_configuration_gives_the_standard_digest() {
    let mut b = Bridge::new(BridgeConfig::new(MacAddr([2, 0, 0, 0, 0, 0x10]))).unwrap();
    // 802.1Q-2022 Table 13-2: every VID on the CIST.
    assert_eq!(
        b.mst_config_id().digest,
        [
            0xac, 0x36, 0x17, 0x7f, 0x50, 0x28, 0x3c, 0xd4, 0xb8, 0x38, 0x21, 0xd8, 0xab, 0x26,
            0xde, 0x62
        ]
    );
    let mut t = VidToMstid::all_cist();
    for v in 1..=4094 {
        t.set(v, 1);
    }
    b.set_mst_region("region-a", 7, &t).unwrap();
    let id = b.mst_config_id();
    assert_eq!(id.revision, 7);
    assert_eq!(&id.name[..8], b"region-a");
    assert_eq!(id.digest[..4], [0xe1, 0x3a, 0x80, 0xf1]);
    assert_eq!(
        b.set_mst_region(&"x".repeat(33), 0, &t),
        Err(ConfigError::RegionName(33))
    );
    let mut many = VidToMstid::all_cist();
    for v in 1..=65 {
        many.set(v, v);
    }
    assert_eq!(
        b.set_mst_region("r", 0, &many),
        Err(ConfigError::TooManyMstis(65))
    );
}
